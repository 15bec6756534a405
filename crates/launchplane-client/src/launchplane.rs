//! A connection to Launchplane: untyped calls by operationId (validated, keyed, as lpctl sends
//! them) and typed calls through the generated builders, both read into an `Outcome` or an `Error`.

use std::future::Future;
use std::sync::Arc;

use progenitor_client::{Error as GeneratedError, ResponseValue};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::auth::{CallRecord, CallState, Runtime, recorded};
use crate::config::{Config, is_loopback};
use crate::contract::{Contract, Operation, RequestError, RouteMatch, Violation};
use crate::credentials::Credentials;
use crate::dispatch::DispatchError;
use crate::error::{Error, Rejection, excerpt};
use crate::generated;
use crate::idempotency::{self, RunScope};
use crate::outcome::Outcome;
use crate::token::without_url;

/// A request ready to send: validated, normalized to its wire form, keyed.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub operation: Operation,
    pub path_params: Vec<(String, String)>,
    /// The concrete path (`/v1/drivers/odoo`).
    pub path: String,
    /// The body exactly as it goes on the wire.
    pub body: Option<Value>,
    pub idempotency_key: Option<String>,
}

/// What the caller says beyond the body.
#[derive(Debug, Default, Clone)]
pub struct CallOptions {
    pub path_params: Vec<(String, String)>,
    pub idempotency_key: Option<String>,
    /// Explicit confirmation for destructive or prod-changing calls.
    pub confirm: bool,
    pub run_scope: Option<RunScope>,
}

/// Checks and normalizes a call without any network: the offline half of every call.
pub fn prepare(operation_id: &str, body: Option<Value>, options: &CallOptions) -> Result<Prepared, Error> {
    let checked = Contract::embedded()
        .check_request(operation_id, &options.path_params, body)
        .map_err(refused)?;
    let (op, path, body) = (checked.operation, checked.path, checked.body);
    if let Some(body) = &body {
        // Launchplane reads the body in pydantic's lax mode (`"1800"` is 1800) and the
        // generated types are strict, so the body goes out as Launchplane reads it. The
        // generated type must take it; the body itself goes out as given, so fields left to
        // Launchplane's defaults stay unsent.
        generated::normalize_body(&op.id, body.clone()).map_err(|e| Error::InvalidBody {
            operation: op.id.clone(),
            violations: vec![Violation {
                path: String::new(),
                rule: "type".into(),
                message: e.to_string(),
            }],
        })?;
    }
    if op.needs_confirmation(body.as_ref()) && !options.confirm {
        return Err(Error::ConfirmationRequired {
            operation: op.id.clone(),
        });
    }
    let idempotency_key = match (&op.method[..], &body) {
        ("POST", Some(body)) => Some(match &options.idempotency_key {
            Some(key) if key.trim().is_empty() => {
                return Err(Error::Config("--idempotency-key must not be empty".into()));
            }
            Some(key) => {
                let key = key.trim().to_owned();
                refuse_other_key(op, body, &key)?;
                key
            }
            None => idempotency::default_key(op, body, options.run_scope.as_ref()),
        }),
        _ => None,
    };
    Ok(Prepared {
        operation: op.clone(),
        path_params: options.path_params.clone(),
        path,
        body,
        idempotency_key,
    })
}

/// Refuses, before sending, a key other than the one the body names where Launchplane requires
/// that one (`x-launchplane-key-from`): Launchplane would refuse it.
pub(crate) fn refuse_other_key(op: &Operation, body: &Value, key: &str) -> Result<(), Error> {
    let Some(required) = Contract::embedded().required_key(op, body) else {
        return Ok(());
    };
    match (key == required, &op.key_from) {
        (false, Some(rule)) => Err(Error::Config(format!(
            "{}: the Idempotency-Key must be `{}` ({required}) here: Launchplane answers {} {} \
             (\"{}\") to any other. Drop --idempotency-key (lpctl then sends {required}) or pass that value",
            op.id, rule.field, rule.refusal.status, rule.refusal.code, rule.refusal.message
        ))),
        _ => Ok(()),
    }
}

/// The client's error for a call the spec refuses.
fn refused(error: RequestError) -> Error {
    match error {
        RequestError::UnknownOperation { requested, supported } => Error::UnknownOperation { requested, supported },
        RequestError::InvalidBody { operation, violations } => Error::InvalidBody { operation, violations },
        other @ (RequestError::Path(_) | RequestError::BodyRequired { .. } | RequestError::BodyNotTaken { .. }) => {
            Error::Config(other.to_string())
        }
    }
}

/// A connection to one Launchplane: its configuration and the runtime every call shares.
pub struct Launchplane {
    config: Config,
    pub(crate) runtime: Arc<Runtime>,
    run_scope: Option<RunScope>,
}

/// Whether a GET to another origin than the configured Launchplane carries the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenScope {
    /// Only the configured Launchplane origin gets the token; other origins get none.
    #[default]
    LaunchplaneOnly,
    /// The caller explicitly sends the token to another origin too.
    AnyOrigin,
}

impl Launchplane {
    pub fn new(config: Config) -> Result<Launchplane, Error> {
        // reqwest is built without a default crypto provider (ring keeps the build lean).
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Each request gets its operation's own timeout (`Runtime::timeout_for`).
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .https_only(!is_loopback(&config.base_url))
            .user_agent(concat!("lpctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let runtime = Runtime {
            http,
            credentials: Credentials::new(config.clone()),
            config: config.clone(),
        };
        Ok(Launchplane {
            config,
            runtime: Arc::new(runtime),
            run_scope: RunScope::from_env(),
        })
    }

    /// Scopes default Idempotency-Keys of typed calls to this run (default: the GitHub run
    /// of the environment, as lpctl does), or to none.
    pub fn with_run_scope(mut self, run_scope: Option<RunScope>) -> Self {
        self.run_scope = run_scope;
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.config.base_url
    }

    /// The generated client, for its typed request builders. Every builder's `.send()` runs
    /// the runtime: token, default Idempotency-Key, safe retries. [`run`](Self::run) also reads
    /// the answer into an [`Outcome`] or an [`Error`].
    pub fn client(&self) -> generated::Client {
        self.client_sending(None)
    }

    fn client_sending(&self, body: Option<bytes::Bytes>) -> generated::Client {
        generated::Client::new_with_client(
            self.base_url().as_str().trim_end_matches('/'),
            self.runtime.http.clone(),
            CallState::new(self.runtime.clone(), self.run_scope.clone(), body),
        )
    }

    /// Runs a typed call (a builder's `.send()`) and reads its answer: the generated success
    /// type with its [`Outcome`], or a typed [`Error`] (a [`Rejection`] for Launchplane's
    /// rejected envelope).
    pub async fn run<T, F>(&self, call: F) -> Result<Answer<T>, Error>
    where
        T: Serialize,
        F: Future<Output = Result<ResponseValue<T>, GeneratedError<generated::ErrorEnvelope>>>,
    {
        let (reply, record) = recorded(call).await;
        let contract = Contract::embedded();
        let op = record.operation_id.and_then(|id| contract.operation(id));
        match (reply, op) {
            (Ok(value), Some(op)) => {
                let status = value.status().as_u16();
                let value = value.into_inner();
                let body = serde_json::to_value(&value).unwrap_or(Value::Null);
                let outcome = Outcome::from_answer(contract, op, status, body, record.attempts);
                Ok(Answer { value, outcome })
            }
            (Ok(_), None) => Err(Error::Config("the answer came from no operation of the spec".into())),
            (Err(error), op) => Err(classify(op, None, error, record)),
        }
    }

    /// Validates, keys and sends one call, retrying only what is safe to retry.
    pub async fn call(&self, operation_id: &str, body: Option<Value>, options: &CallOptions) -> Result<Outcome, Error> {
        let prepared = prepare(operation_id, body, options)?;
        self.send(&prepared).await
    }

    /// Sends a prepared call: GETs and keyed POSTs are retried on transport errors, 429, 502–504
    /// and an ingress proxy's 404 without a JSON body.
    pub async fn send(&self, prepared: &Prepared) -> Result<Outcome, Error> {
        self.send_answer(prepared).await.0
    }

    /// As [`send`](Self::send), with the JSON answer of the last attempt as it came on the wire
    /// (None when there was no answer or it was not JSON), rejected answers included.
    pub async fn send_answer(&self, prepared: &Prepared) -> (Result<Outcome, Error>, Option<Value>) {
        let op = &prepared.operation;
        let wire_body = prepared.body.as_ref().map(|b| bytes::Bytes::from(b.to_string()));
        let client = self.client_sending(wire_body);
        let (reply, record) = recorded(generated::send(
            &client,
            &op.id,
            &prepared.path_params,
            prepared.body.clone(),
            prepared.idempotency_key.as_deref(),
        ))
        .await;
        let answer = record
            .answer
            .as_ref()
            .and_then(|wire| serde_json::from_slice::<Value>(&wire.body).ok());
        let result = match reply.map_err(|e| dispatch_error(op, e)) {
            Err(error) => Err(error),
            Ok(Ok((status, body))) => Ok(Outcome::from_answer(
                Contract::embedded(),
                op,
                status,
                body,
                record.attempts,
            )),
            Ok(Err(error)) => Err(classify(Some(op), prepared.idempotency_key.clone(), error, record)),
        };
        (result, answer)
    }

    /// GETs a URL (absolute, or a path under the base URL), JSON answer. The bearer token goes
    /// only to the configured Launchplane origin, unless `scope` explicitly allows any origin.
    pub async fn get_json(&self, url_or_path: &str, scope: TokenScope) -> Result<Value, Error> {
        let url = match Url::parse(url_or_path) {
            Ok(url) => url,
            Err(_) => self
                .base_url()
                .join(url_or_path)
                .map_err(|e| Error::Config(format!("bad path {url_or_path:?}: {e}")))?,
        };
        crate::config::checked_base_url(url.as_str().split('?').next().unwrap_or_default())?;
        let operation = url.path().to_owned();
        let limit = match Contract::embedded().route("GET", url.path()) {
            RouteMatch::Found(op) => self.runtime.timeout_for(op),
            _ => self.runtime.config.default_timeout(),
        };
        let mut request = self.runtime.http.get(url.clone()).timeout(limit);
        if scope == TokenScope::AnyOrigin || same_origin(&url, self.base_url()) {
            let token = self.runtime.token().await?;
            request = request.bearer_auth(secrecy::ExposeSecret::expose_secret(&token));
        }
        let response = request.send().await.map_err(|e| Error::Transport {
            operation: operation.clone(),
            attempts: 1,
            detail: without_url(&e),
        })?;
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        let json: Value = serde_json::from_slice(&body).map_err(|_| Error::NonJson {
            operation: operation.clone(),
            status,
            content_type: None,
            attempts: 1,
            excerpt: excerpt(&body, 200),
        })?;
        if (200..300).contains(&status) {
            Ok(json)
        } else {
            Err(
                rejection(&operation, status, &json).unwrap_or_else(|| Error::Undecodable {
                    operation,
                    status,
                    detail: "not a Launchplane envelope".into(),
                    excerpt: excerpt(&body, 200),
                }),
            )
        }
    }
}

/// A typed call's answer: the generated success type, and what the runtime read from it.
#[derive(Debug, Clone)]
pub struct Answer<T> {
    pub value: T,
    pub outcome: Outcome,
}

/// Same scheme, host and port (RFC 6454).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

fn classify(
    op: Option<&Operation>,
    idempotency_key: Option<String>,
    error: GeneratedError<generated::ErrorEnvelope>,
    mut record: CallRecord,
) -> Error {
    if let Some(error) = record.hook_error.take() {
        return error;
    }
    let operation = op.map_or_else(
        || record.operation_id.unwrap_or("request").to_owned(),
        |op| op.id.clone(),
    );
    let attempts = record.attempts.max(1);
    let wire = record.answer.as_ref();
    let status = wire.map(|w| w.status);
    let non_json = wire.is_some_and(|w| serde_json::from_slice::<Value>(&w.body).is_err());
    let is_get = op.is_some_and(|op| op.method == "GET");
    match error {
        GeneratedError::ErrorResponse(answer) => {
            let status = answer.status().as_u16();
            let envelope = answer.into_inner();
            Error::Rejected(Rejection {
                operation,
                status,
                code: envelope.error.code.to_string(),
                message: envelope.error.message,
                trace_id: envelope.trace_id,
            })
        }
        GeneratedError::CommunicationError(e) | GeneratedError::ResponseBodyError(e) if e.is_timeout() => {
            Error::Timeout {
                operation,
                attempts,
                elapsed: record.started.map(|s| s.elapsed()).unwrap_or_default(),
                idempotency_key: idempotency_key.or(record.idempotency_key).filter(|_| !is_get),
            }
        }
        GeneratedError::CommunicationError(e)
        | GeneratedError::ResponseBodyError(e)
        | GeneratedError::InvalidUpgrade(e) => Error::Transport {
            operation,
            attempts,
            detail: without_url(&e),
        },
        GeneratedError::InvalidRequest(message) => Error::InvalidBody {
            operation,
            violations: vec![Violation {
                path: String::new(),
                rule: "type".into(),
                message,
            }],
        },
        GeneratedError::Custom(message) => Error::Config(format!("{operation}: {message}")),
        GeneratedError::InvalidResponsePayload(..) | GeneratedError::UnexpectedResponse(_)
            if non_json || wire.is_none() =>
        {
            Error::NonJson {
                operation,
                status: status.unwrap_or_default(),
                content_type: wire.and_then(|w| w.content_type.clone()),
                attempts,
                excerpt: wire.map(|w| excerpt(&w.body, 200)).unwrap_or_default(),
            }
        }
        other => {
            let body = wire.map(|w| w.body.clone()).unwrap_or_default();
            let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            rejection(&operation, status.unwrap_or_default(), &parsed).unwrap_or_else(|| Error::Undecodable {
                operation,
                status: status.unwrap_or_default(),
                detail: match &other {
                    GeneratedError::InvalidResponsePayload(_, e) => e.to_string(),
                    _ => "status not in the spec".into(),
                },
                excerpt: excerpt(&body, 200),
            })
        }
    }
}

/// A rejected envelope found in an answer the generated client did not expect.
pub(crate) fn rejection(operation: &str, status: u16, body: &Value) -> Option<Error> {
    let error = body.get("error")?;
    Some(Error::Rejected(Rejection {
        operation: operation.to_owned(),
        status,
        code: error.get("code")?.as_str()?.to_owned(),
        message: error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        trace_id: body
            .get("trace_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }))
}

fn dispatch_error(op: &Operation, error: DispatchError) -> Error {
    match error {
        DispatchError::UnknownOperation(requested) => Error::UnknownOperation {
            requested,
            supported: Contract::embedded().operations().iter().map(|o| o.id.clone()).collect(),
        },
        other => Error::Config(format!("{}: {other}", op.id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        let base = url("https://launchplane.example.com/");
        assert!(same_origin(
            &url("https://launchplane.example.com:443/v1/drivers"),
            &base
        ));
        assert!(same_origin(
            &url("https://LAUNCHPLANE.example.com/openapi.json?x=1"),
            &base
        ));
        for other in [
            "http://launchplane.example.com/v1/drivers",
            "https://launchplane.example.com:8443/v1/drivers",
            "https://evil.example.com/v1/drivers",
            "https://launchplane.example.com.evil.example/v1/drivers",
        ] {
            assert!(!same_origin(&url(other), &base), "{other}");
        }
    }
}
