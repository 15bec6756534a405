//! The runtime inside the generated client's hooks, so every builder's `.send()` gets it:
//! the bearer token (fresh per attempt when near expiry), the default Idempotency-Key, safe
//! retries, and a record of what the answer looked like on the wire for error reports.

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::config::Config;
use crate::contract::{Contract, Operation};
use crate::credentials::Credentials;
use crate::generated::Client;
use crate::idempotency::{self, RunScope};
use crate::retry::{self, RetryPolicy, retryable_status};

/// What every call of one connection shares.
#[derive(Debug)]
pub struct Runtime {
    pub(crate) http: reqwest::Client,
    pub(crate) credentials: Credentials,
    pub(crate) config: Config,
}

impl Runtime {
    /// How long one attempt of `op` may take (the spec's limit unless a timeout was given).
    pub(crate) fn timeout_for(&self, op: &Operation) -> Duration {
        self.config.timeout_for(op)
    }

    /// The retries one call of `op` gets: its attempts within attempts × its limit.
    pub(crate) fn policy_for(&self, op: &Operation) -> RetryPolicy {
        RetryPolicy::calls(self.config.budget_for(op), self.config.max_attempts)
    }

    pub(crate) async fn token(&self) -> Result<SecretString, crate::Error> {
        self.credentials.token(&self.http).await
    }
}

/// The generated client's inner state: the connection's runtime, the run default keys are
/// scoped to, and for untyped calls the body exactly as the caller gave it.
#[derive(Debug, Clone)]
pub struct CallState {
    runtime: Arc<Runtime>,
    run_scope: Option<RunScope>,
    /// Sent instead of the generated type's serialization, which writes out every default.
    body: Option<bytes::Bytes>,
}

impl CallState {
    pub(crate) fn new(runtime: Arc<Runtime>, run_scope: Option<RunScope>, body: Option<bytes::Bytes>) -> Self {
        CallState {
            runtime,
            run_scope,
            body,
        }
    }
}

/// The raw answer of the last attempt of a call.
#[derive(Debug, Clone)]
pub struct WireAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: bytes::Bytes,
}

/// What the hooks observed during one call.
#[derive(Debug, Default)]
pub struct CallRecord {
    pub operation_id: Option<&'static str>,
    /// Attempts made, the first included.
    pub attempts: u32,
    pub started: Option<Instant>,
    /// The Idempotency-Key sent, given or derived.
    pub idempotency_key: Option<String>,
    pub answer: Option<WireAnswer>,
    /// Why the hooks refused to send (no token, say); nothing was sent.
    pub hook_error: Option<crate::Error>,
}

tokio::task_local! {
    static RECORD: Mutex<CallRecord>;
}

/// Runs `call` and returns what the hooks observed while it ran.
pub(crate) async fn recorded<F: Future>(call: F) -> (F::Output, CallRecord) {
    RECORD
        .scope(Mutex::new(CallRecord::default()), async {
            let output = call.await;
            let record = RECORD.with(|r| r.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default());
            (output, record)
        })
        .await
}

fn note(change: impl FnOnce(&mut CallRecord)) {
    let _ = RECORD.try_with(|record| {
        if let Ok(mut record) = record.lock() {
            change(&mut record);
        }
    });
}

/// The Idempotency-Key header's name, as the spec declares the parameter.
pub fn idempotency_header() -> &'static HeaderName {
    static NAME: OnceLock<HeaderName> = OnceLock::new();
    NAME.get_or_init(|| {
        let declared = Contract::embedded()
            .document()
            .pointer("/components/parameters/IdempotencyKey/name")
            .and_then(Value::as_str)
            .expect("the spec declares the IdempotencyKey parameter");
        HeaderName::from_bytes(declared.as_bytes()).expect("the Idempotency-Key parameter is a header name")
    })
}

pub(crate) fn bearer(token: &SecretString) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl ClientHooks<CallState> for Client {
    async fn pre<E>(&self, request: &mut reqwest::Request, info: &OperationInfo) -> Result<(), Error<E>> {
        // Launchplane defines no `api-version` header; keep the wire request to the spec.
        request.headers_mut().remove("api-version");
        note(|r| r.operation_id = Some(info.operation_id));
        let state = self.inner();
        if let Some(body) = &state.body {
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        let contract = Contract::embedded();
        let op = contract.operation(info.operation_id);
        if let Some(op) = op {
            *request.timeout_mut() = Some(state.runtime.timeout_for(op));
        }
        let body = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .and_then(|b| serde_json::from_slice::<Value>(b).ok());
        // The spec's rules beyond what the generated types check; nothing is sent on a violation.
        if let (Some(op), Some(body)) = (op, &body)
            && op.request_schema.is_some()
            && let Err(violations) = contract.validate_body(op, body)
        {
            let error = crate::Error::InvalidBody {
                operation: op.id.clone(),
                violations,
            };
            let text = error.to_string();
            note(|r| r.hook_error = Some(error));
            return Err(Error::Custom(text));
        }
        if let Some(op) = op.filter(|_| request.method() == Method::POST)
            && let Some(body) = &body
            && let Some(given) = request.headers().get(idempotency_header())
            && let Err(error) = crate::launchplane::refuse_other_key(op, body, given.to_str().unwrap_or_default())
        {
            let text = error.to_string();
            note(|r| r.hook_error = Some(error));
            return Err(Error::Custom(text));
        }
        if let Some(op) = op.filter(|_| request.method() == Method::POST)
            && !request.headers().contains_key(idempotency_header())
            && let Some(body) = &body
        {
            let key = idempotency::default_key(op, body, state.run_scope.as_ref());
            let value = HeaderValue::from_str(&key)
                .map_err(|_| Error::Custom(format!("the derived Idempotency-Key {key:?} is not a header value")))?;
            request.headers_mut().insert(idempotency_header().clone(), value);
        }
        if op.is_none_or(|op| op.authenticated) {
            let token = match state.runtime.token().await {
                Ok(token) => token,
                Err(error) => {
                    let text = error.to_string();
                    note(|r| r.hook_error = Some(error));
                    return Err(Error::Custom(text));
                }
            };
            let value =
                bearer(&token).ok_or_else(|| Error::Custom("the token is not a valid HTTP header value".into()))?;
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        Ok(())
    }

    /// Sends the request, again where that is safe: GETs and keyed POSTs, after a transport
    /// error, a 429/502/503/504, or an ingress proxy's 404 without a JSON body, within the retry policy, honouring Retry-After. A POST that
    /// timed out is never sent again: Launchplane may still be running it.
    async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        let runtime = &self.inner().runtime;
        let policy = Contract::embedded()
            .operation(info.operation_id)
            .map(|op| runtime.policy_for(op))
            // Every generated operation is in the spec; a single attempt if one were not.
            .unwrap_or_else(|| RetryPolicy::calls(Duration::ZERO, 1));
        let is_get = request.method() == Method::GET;
        let retry_safe = is_get || request.headers().contains_key(idempotency_header());
        let started = Instant::now();
        let key = request
            .headers()
            .get(idempotency_header())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        note(|r| {
            r.started = Some(started);
            r.idempotency_key = key;
        });
        let mut attempt: u32 = 1;
        let mut next = request.try_clone();
        let mut current = request;
        loop {
            note(|r| r.attempts = attempt);
            let outcome = match self.client().execute(current).await {
                Ok(response) => read_answer(response).await,
                Err(e) => Err(e),
            };
            let (retryable, retry_after, result) = match outcome {
                Ok((answer, response)) => {
                    let retryable =
                        retryable_status(answer.status) || retry::ingress_answer(answer.status, &answer.body);
                    let retry_after = answer.retry_after;
                    note(|r| r.answer = Some(answer));
                    (retryable, retry_after, Ok(response))
                }
                Err(e) => (is_get || !e.is_timeout(), None, Err(e)),
            };
            attempt = attempt.saturating_add(1);
            let wait = policy
                .delay(attempt, started, retry_after)
                .filter(|_| retry_safe && retryable);
            let (Some(wait), Some(again)) = (wait, next.take()) else {
                return result;
            };
            tokio::time::sleep(wait).await;
            next = again.try_clone();
            current = again;
            if current.headers().contains_key(AUTHORIZATION) {
                match runtime.token().await.ok().as_ref().and_then(bearer) {
                    Some(value) => {
                        current.headers_mut().insert(AUTHORIZATION, value);
                    }
                    // No fresh token for another attempt: this attempt's answer stands.
                    None => return result,
                }
            }
        }
    }
}

/// Reads the whole answer, keeping a copy for error reports, and hands back an equal response
/// for the generated decoder.
async fn read_answer(response: reqwest::Response) -> reqwest::Result<(WireAnswer, reqwest::Response)> {
    let status: StatusCode = response.status();
    let headers: HeaderMap = response.headers().clone();
    let body = response.bytes().await?;
    let answer = WireAnswer {
        status: status.as_u16(),
        content_type: headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        retry_after: retry::retry_after(&headers),
        body: body.clone(),
    };
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    Ok((answer, reqwest::Response::from(rebuilt)))
}
