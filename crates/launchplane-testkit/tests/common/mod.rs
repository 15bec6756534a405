//! Helpers shared by the stand-in's tests.
#![allow(dead_code)]

use std::sync::Once;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use launchplane_testkit::{StandIn, TokenOverrides};
use serde_json::Value;

pub fn http() -> reqwest::Client {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder().build().expect("build a reqwest client")
}

/// A status, content type, raw text and (when it parses) JSON of one answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or_default()
    }
}

pub async fn send(
    stand_in: &StandIn,
    method: &str,
    path: &str,
    token: Option<&str>,
    idempotency_key: Option<&str>,
    body: Option<Vec<u8>>,
) -> Reply {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http().request(method, format!("{}{path}", stand_in.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = idempotency_key {
        request = request.header("Idempotency-Key", key);
    }
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body);
    }
    reply(request.send().await.expect("send the request")).await
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.expect("read the body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        content_type,
        headers,
        text,
        json,
    }
}

/// POSTs `body` with a default token.
pub async fn post(stand_in: &StandIn, path: &str, key: Option<&str>, body: &Value) -> Reply {
    let token = stand_in.mint_token(TokenOverrides::default());
    send(
        stand_in,
        "POST",
        path,
        Some(&token),
        key,
        Some(body.to_string().into_bytes()),
    )
    .await
}

/// The first request example of an operation, from the spec.
pub fn example(stand_in: &StandIn, operation_id: &str) -> Value {
    let contract = stand_in.contract();
    let op = contract.operation(operation_id).expect("operation in the spec");
    contract.request_example(op).expect("a request example")
}

pub fn path_of(stand_in: &StandIn, operation_id: &str) -> String {
    stand_in
        .contract()
        .operation(operation_id)
        .expect("operation in the spec")
        .path
        .clone()
}

/// The decoded header and claims of a JWT (not verified).
pub fn decode(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut part = || {
        let bytes = URL_SAFE_NO_PAD
            .decode(parts.next().expect("a JWT part"))
            .expect("base64url");
        serde_json::from_slice::<Value>(&bytes).expect("JSON")
    };
    (part(), part())
}

pub fn is_trace_id(value: &Value) -> bool {
    value
        .as_str()
        .and_then(|s| s.strip_prefix("launchplane_req_"))
        .is_some_and(|hex| hex.len() == 32 && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)))
}
