//! The runtime a tenant call goes through: validate, key, authenticate, send through the
//! generated client with safe retries, and read the answer into an `Outcome` or an `Error`.

use std::time::Instant;

use progenitor_client::{ClientInfo, Error as GeneratedError};
use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use crate::auth::{CallState, WireAnswer};
use crate::config::{Config, is_loopback};
use crate::contract::{Contract, Operation};
use crate::dispatch::DispatchError;
use crate::error::{Error, Rejection, excerpt};
use crate::generated;
use crate::idempotency::{self, RunScope};
use crate::outcome::Outcome;
use crate::retry::{RetryPolicy, retryable_status};
use crate::token::{self, without_url};

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
    let contract = Contract::embedded();
    let op = contract
        .operation(operation_id)
        .ok_or_else(|| Error::UnknownOperation {
            requested: operation_id.to_owned(),
            supported: contract.operations().iter().map(|op| op.id.clone()).collect(),
        })?;
    let path = op.render_path(&options.path_params).map_err(Error::Config)?;
    let body = match (op.request_schema.is_some(), body) {
        (true, Some(body)) => {
            contract
                .validate_body(op, &body)
                .map_err(|violations| Error::InvalidBody {
                    operation: op.id.clone(),
                    violations,
                })?;
            // Launchplane reads the body in pydantic's lax mode (`"1800"` is 1800) and the
            // generated types are strict, so the body goes out as Launchplane reads it.
            let body = contract.lax_view(op, &body);
            // The generated type must take the body; the body itself goes out as given, so
            // fields left to Launchplane's defaults stay unsent.
            generated::normalize_body(&op.id, body.clone()).map_err(|e| Error::InvalidBody {
                operation: op.id.clone(),
                violations: vec![crate::contract::Violation {
                    path: String::new(),
                    rule: "type".into(),
                    message: e.to_string(),
                }],
            })?;
            Some(body)
        }
        (true, None) => return Err(Error::Config(format!("{} needs a JSON body", op.id))),
        (false, Some(_)) => return Err(Error::Config(format!("{} takes no body", op.id))),
        (false, None) => None,
    };
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
            Some(key) => key.trim().to_owned(),
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

/// A connection to one Launchplane, with its token fetched once on first use.
pub struct Launchplane {
    config: Config,
    http: reqwest::Client,
    token: OnceCell<SecretString>,
}

impl Launchplane {
    pub fn new(config: Config) -> Result<Launchplane, Error> {
        // reqwest is built without a default crypto provider (ring keeps the build lean).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .https_only(!is_loopback(&config.base_url))
            .user_agent(concat!("lpctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Launchplane {
            config,
            http,
            token: OnceCell::new(),
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.config.base_url
    }

    async fn token(&self) -> Result<SecretString, Error> {
        let source = self.config.token_source()?;
        self.token
            .get_or_try_init(|| token::fetch(source, &self.http))
            .await
            .cloned()
    }

    /// Validates, keys and sends one call, retrying only what is safe to retry.
    pub async fn call(&self, operation_id: &str, body: Option<Value>, options: &CallOptions) -> Result<Outcome, Error> {
        let prepared = prepare(operation_id, body, options)?;
        self.send(&prepared).await
    }

    /// Sends a prepared call: GETs and keyed POSTs are retried on transport errors, 429 and 502–504.
    pub async fn send(&self, prepared: &Prepared) -> Result<Outcome, Error> {
        let op = &prepared.operation;
        let token = if op.authenticated {
            Some(self.token().await?)
        } else {
            None
        };
        let policy = RetryPolicy::calls(self.config.budget(), self.config.max_attempts);
        let retry_safe = op.method == "GET" || prepared.idempotency_key.is_some();
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let wire_body = prepared.body.as_ref().map(|b| bytes::Bytes::from(b.to_string()));
            let state = CallState::new(token.clone(), wire_body);
            let client = generated::Client::new_with_client(
                self.base_url().as_str().trim_end_matches('/'),
                self.http.clone(),
                state,
            );
            let reply = generated::send(
                &client,
                &op.id,
                &prepared.path_params,
                prepared.body.clone(),
                prepared.idempotency_key.as_deref(),
            )
            .await
            .map_err(|e| dispatch_error(op, e))?;
            let wire = client.inner().last_answer();
            let failure = match reply {
                Ok((status, body)) => return Ok(Outcome::from_answer(Contract::embedded(), op, status, body, attempt)),
                Err(error) => classify(prepared, error, wire.as_ref(), attempt, started),
            };
            let retry_after = wire.as_ref().and_then(|w| w.retry_after);
            // A POST that timed out may still be running: Launchplane stores its answer only
            // when it finishes, so sending it again could run it twice.
            let still_running = op.method != "GET" && matches!(failure.error, Error::Timeout { .. });
            let retry = retry_safe && failure.retryable && !still_running;
            attempt += 1;
            match policy.delay(attempt, started, retry_after).filter(|_| retry) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Err(failure.error),
            }
        }
    }

    /// GETs a URL (absolute, or a path under the base URL) with the bearer token; JSON answer.
    pub async fn get_json(&self, url_or_path: &str) -> Result<Value, Error> {
        let url = match Url::parse(url_or_path) {
            Ok(url) => url,
            Err(_) => self
                .base_url()
                .join(url_or_path)
                .map_err(|e| Error::Config(format!("bad path {url_or_path:?}: {e}")))?,
        };
        crate::config::checked_base_url(url.as_str().split('?').next().unwrap_or_default())?;
        let token = self.token().await?;
        let operation = url.path().to_owned();
        let response = self
            .http
            .get(url)
            .bearer_auth(secrecy::ExposeSecret::expose_secret(&token))
            .send()
            .await
            .map_err(|e| Error::Transport {
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

struct Failure {
    error: Error,
    retryable: bool,
}

fn classify(
    prepared: &Prepared,
    error: GeneratedError<generated::types::RejectedEnvelope>,
    wire: Option<&WireAnswer>,
    attempts: u32,
    started: Instant,
) -> Failure {
    let op = &prepared.operation;
    let operation = op.id.clone();
    let status = wire.map(|w| w.status);
    let non_json = wire.is_some_and(|w| serde_json::from_slice::<Value>(&w.body).is_err());
    let error = match error {
        GeneratedError::ErrorResponse(answer) => {
            let envelope = answer.into_inner();
            Error::Rejected(Rejection {
                operation,
                status: status.unwrap_or_default(),
                code: envelope.error.code.to_string(),
                message: envelope.error.message,
                trace_id: envelope.trace_id,
            })
        }
        GeneratedError::CommunicationError(e) | GeneratedError::ResponseBodyError(e) if e.is_timeout() => {
            let idempotency_key = prepared.idempotency_key.clone().filter(|_| op.method != "GET");
            Error::Timeout {
                operation,
                attempts,
                elapsed: started.elapsed(),
                idempotency_key,
            }
        }
        GeneratedError::CommunicationError(e)
        | GeneratedError::ResponseBodyError(e)
        | GeneratedError::InvalidUpgrade(e) => Error::Transport {
            operation,
            attempts,
            detail: without_url(&e),
        },
        GeneratedError::InvalidResponsePayload(..) | GeneratedError::UnexpectedResponse(_)
            if non_json || wire.is_none() =>
        {
            let wire = wire.cloned();
            Error::NonJson {
                operation,
                status: status.unwrap_or_default(),
                content_type: wire.as_ref().and_then(|w| w.content_type.clone()),
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
    };
    let retryable = match &error {
        Error::Transport { .. } | Error::Timeout { .. } => true,
        _ => status.is_some_and(retryable_status),
    };
    Failure { error, retryable }
}

/// A rejected envelope found in an answer the generated client did not expect.
fn rejection(operation: &str, status: u16, body: &Value) -> Option<Error> {
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
