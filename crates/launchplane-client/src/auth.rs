//! Per-call state of the generated client: the bearer token it sends and what the answer
//! looked like on the wire (status, media type, Retry-After, body), kept for error reports.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};

use crate::generated::Client;

/// What the hooks need for one call and what they observed.
#[derive(Debug, Default, Clone)]
pub struct CallState {
    token: Option<SecretString>,
    /// The request body exactly as the caller gave it (validated), sent instead of the
    /// generated type's serialization, which writes out every default.
    body: Option<bytes::Bytes>,
    answer: Arc<Mutex<Option<WireAnswer>>>,
}

/// The raw answer of the last request made with this state.
#[derive(Debug, Clone)]
pub struct WireAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: bytes::Bytes,
}

impl CallState {
    pub fn new(token: Option<SecretString>, body: Option<bytes::Bytes>) -> Self {
        CallState {
            token,
            body,
            answer: Arc::default(),
        }
    }

    pub fn last_answer(&self) -> Option<WireAnswer> {
        self.answer.lock().ok().and_then(|a| a.clone())
    }
}

impl ClientHooks<CallState> for Client {
    async fn pre<E>(&self, request: &mut reqwest::Request, _info: &OperationInfo) -> Result<(), Error<E>> {
        // Launchplane defines no `api-version` header; keep the wire request to the spec.
        request.headers_mut().remove("api-version");
        if let Some(body) = &self.inner().body {
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        if let Some(token) = &self.inner().token {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
                .map_err(|_| Error::Custom("the token is not a valid HTTP header value".into()))?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        Ok(())
    }

    async fn exec(&self, request: reqwest::Request, _info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        let header_text = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let answer = WireAnswer {
            status: status.as_u16(),
            content_type: header_text(CONTENT_TYPE),
            retry_after: header_text(RETRY_AFTER)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
            body: body.clone(),
        };
        if let Ok(mut slot) = self.inner().answer.lock() {
            *slot = Some(answer);
        }
        // The body was read to keep it for error reports; hand the generated decoder a copy.
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.headers_mut() = headers;
        Ok(reqwest::Response::from(rebuilt))
    }
}
