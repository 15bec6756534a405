//! HTTP plumbing: accept loops, faults, the request journal, and the two services.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::faults::{self, Fault, FaultQueue, FaultTarget};
use crate::issuer::{DISCOVERY_PATH, Issuer, JWKS_PATH, TOKEN_PATH};
use crate::journal::{self, Journal, RecordedRequest};
use crate::routes::{self, Answer, Launchplane};
use launchplane_contract::RouteMatch;

/// State both servers share with the handle.
pub(crate) struct Shared {
    pub issuer: Issuer,
    pub launchplane: Launchplane,
    pub faults: Mutex<HashMap<FaultTarget, FaultQueue>>,
    pub journal: Mutex<Journal>,
    /// Whether each Launchplane request is logged on stderr.
    pub log_requests: AtomicBool,
}

impl Shared {
    /// The fault for a Launchplane request: its operation's first, then any request's.
    fn take_launchplane_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let operation = match self.launchplane.contract().route(method, path) {
            RouteMatch::Found(op) => Some(op.id.as_str()),
            _ => None,
        };
        operation
            .and_then(|id| self.take_fault(FaultTarget::Operation(id)))
            .or_else(|| self.take_fault(FaultTarget::Launchplane))
    }

    fn take_fault(&self, target: FaultTarget) -> Option<Fault> {
        self.faults
            .lock()
            .expect("faults lock")
            .get_mut(&target)
            .and_then(FaultQueue::take)
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().expect("journal lock")
    }
}

type HttpResponse = Response<Full<Bytes>>;

/// Returned by a service to make hyper close the connection without answering.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

/// Which of the two servers a listener runs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Server {
    Launchplane,
    Issuer,
}

/// Serves `server`'s routes on `listener` until the task is aborted; aborting drops the
/// connection tasks with it.
pub(crate) async fn run(listener: TcpListener, shared: Arc<Shared>, server: Server) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(shared.clone(), server, request));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    server: Server,
    request: hyper::Request<Incoming>,
) -> Result<HttpResponse, DropConnection> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| DropConnection)?.to_bytes();
    let response = match server {
        // Like a Launchplane worker, a request runs to its end even when the caller hangs up.
        Server::Launchplane => tokio::spawn(async move {
            let (method, path) = (parts.method.as_str(), parts.uri.path());
            let fault = shared.take_launchplane_fault(method, path);
            let outcome = respond_launchplane(&shared, fault, method, path, &parts.headers, &body).await;
            let status = outcome.response.as_ref().map(|r| r.status().as_u16());
            if shared.log_requests.load(Ordering::Relaxed) {
                eprintln!("{}", log_line(method, path, status, &outcome));
            }
            shared.journal().requests.push(record(&parts, &body, status));
            outcome.response
        })
        .await
        .ok()
        .flatten(),
        Server::Issuer => {
            let (method, path, query) = (parts.method.as_str(), parts.uri.path(), parts.uri.query());
            respond_issuer(&shared, method, path, query, &parts.headers).await
        }
    };
    response.ok_or(DropConnection)
}

fn record(parts: &hyper::http::request::Parts, body: &[u8], status: Option<u16>) -> RecordedRequest {
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes());
            (
                name.as_str().to_owned(),
                journal::logged_header_value(name.as_str(), &value),
            )
        })
        .collect();
    RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers,
        body: journal::logged_body(body),
        status,
    }
}

/// What a Launchplane request got; no response drops the connection.
struct Outcome {
    response: Option<HttpResponse>,
    trace_id: String,
    replayed: bool,
    faulted: bool,
}

/// One line per request, without headers or bodies (so never a credential).
fn log_line(method: &str, path: &str, status: Option<u16>, outcome: &Outcome) -> String {
    let status = status.map_or_else(|| "dropped".to_owned(), |s| s.to_string());
    format!(
        "launchplane-stand-in: {method} {path} {status} trace_id={} replayed={}{}",
        outcome.trace_id,
        outcome.replayed,
        if outcome.faulted { " fault=injected" } else { "" }
    )
}

/// Waits out the delays a fault starts with; what is left to answer with.
async fn after_delays(mut fault: Option<Fault>) -> Option<Fault> {
    while let Some(Fault::After(delay, inner)) = fault {
        tokio::time::sleep(delay).await;
        fault = Some(*inner);
    }
    fault
}

async fn respond_launchplane(
    shared: &Shared,
    fault: Option<Fault>,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Outcome {
    let trace_id = routes::new_trace_id();
    let faulted = |response| Outcome {
        response,
        trace_id: trace_id.clone(),
        replayed: false,
        faulted: true,
    };
    let mut answer_after = None;
    match after_delays(fault).await {
        Some(Fault::Drop) => return faulted(None),
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Slow(delay)) => answer_after = Some(delay),
        Some(Fault::JsonError(status)) => {
            let answer = Answer::rejected(
                status,
                &trace_id,
                "internal_error",
                "Use trace_id to inspect service logs.",
            );
            return faulted(Some(json_response(answer.status, &answer.body, &[])));
        }
        Some(Fault::MalformedJson) => {
            let truncated = format!("{{\"status\": \"accepted\", \"trace_id\": \"{trace_id}\", \"records\": {{");
            return faulted(Some(raw_response(202, "application/json", truncated)));
        }
        Some(fault) => return faulted(Some(error_page(&fault))),
        None => {}
    }
    let request = routes::Request {
        method,
        path,
        authorization: header(headers, "authorization"),
        idempotency_key: header(headers, "idempotency-key"),
        body,
    };
    let answer = shared.launchplane.answer(&shared.issuer, &request, &trace_id);
    if let Some(accepted) = answer.accepted {
        shared.journal().accepted.push(*accepted);
    }
    if let Some(delay) = answer_after {
        tokio::time::sleep(delay).await;
    }
    Outcome {
        response: Some(json_response(answer.status, &answer.body, &answer.headers)),
        trace_id: trace_id.clone(),
        replayed: answer.body.get("replayed") == Some(&Value::Bool(true)),
        faulted: false,
    }
}

async fn respond_issuer(
    shared: &Shared,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Option<HttpResponse> {
    let (status, body) = match path {
        TOKEN_PATH => {
            shared.journal().token_requests += 1;
            match after_delays(shared.take_fault(FaultTarget::TokenEndpoint)).await {
                Some(Fault::Drop) => return None,
                Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
                Some(Fault::JsonError(status)) => {
                    return Some(json_response(status, &json!({"message": faults::reason(status)}), &[]));
                }
                Some(Fault::MalformedJson) => {
                    return Some(raw_response(200, "application/json", "{\"value\": \"eyJ".to_owned()));
                }
                Some(fault) => return Some(error_page(&fault)),
                None => {}
            }
            shared
                .issuer
                .token_endpoint(method, header(headers, "authorization"), query)
        }
        JWKS_PATH if method == "GET" => (200, shared.issuer.jwks()),
        DISCOVERY_PATH if method == "GET" => (200, shared.issuer.discovery()),
        _ => (404, json!({"message": "Not Found"})),
    };
    Some(json_response(status, &body, &[]))
}

fn error_page(fault: &Fault) -> HttpResponse {
    match *fault {
        Fault::HtmlError(status) => raw_response(status, "text/html", faults::html_page(status)),
        Fault::PlainError(status) => raw_response(
            status,
            "text/plain; charset=utf-8",
            format!("{}\n", faults::reason(status)),
        ),
        Fault::EmptyError(status) => raw_response(status, "text/plain; charset=utf-8", String::new()),
        _ => raw_response(500, "text/plain; charset=utf-8", "unexpected fault\n".to_owned()),
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn json_response(status: u16, body: &Value, headers: &[(&'static str, String)]) -> HttpResponse {
    let text = serde_json::to_string_pretty(body).unwrap_or_default();
    let mut response = raw_response(status, "application/json", text);
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
    response
}

fn raw_response(status: u16, content_type: &'static str, body: String) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_name_the_request_and_its_answer_only() {
        let outcome = |faulted| Outcome {
            response: None,
            trace_id: "launchplane_req_1".into(),
            replayed: true,
            faulted,
        };
        assert_eq!(
            log_line("POST", "/v1/drivers/odoo/post-deploy", Some(202), &outcome(false)),
            "launchplane-stand-in: POST /v1/drivers/odoo/post-deploy 202 trace_id=launchplane_req_1 replayed=true"
        );
        assert_eq!(
            log_line("GET", "/v1/health", None, &outcome(true)),
            "launchplane-stand-in: GET /v1/health dropped trace_id=launchplane_req_1 replayed=true fault=injected"
        );
    }
}
