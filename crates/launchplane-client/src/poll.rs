//! Waiting for a long-running operation the way the spec declares it (`x-launchplane-poll`):
//! the same request again while its answer is pending, or GETs of the operation URL it names.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::header::ACCEPT;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::auth::bearer;
use crate::contract::{Contract, Operation, RouteMatch};
use crate::error::{Error, StillPending, excerpt};
use crate::generated;
use crate::launchplane::{Answer, Launchplane, Prepared, same_origin};
use crate::launchplane_contract::operation::{FollowUrl, Poll};
use crate::outcome::Outcome;
use crate::retry::{retry_after, retryable_status};
use crate::token::without_url;

/// One pending answer, as a progress report sees it.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// `POST /v1/…`, or `GET` and the operation URL's path.
    pub route: &'a str,
    /// The dot path watched (`result.refresh_status`).
    pub field: &'a str,
    /// Its pending value.
    pub status: &'a str,
    /// Answers so far, the first included.
    pub answers: u32,
    /// Since the first request started.
    pub elapsed: Duration,
}

/// How long to wait, and who hears of each pending answer. The spec's interval and limit
/// stand where these are `None`.
#[derive(Clone, Default)]
pub struct Wait {
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub progress: Option<OnPending>,
}

/// Called with each pending answer, before the wait for the next.
pub type OnPending = Arc<dyn Fn(&Progress<'_>) + Send + Sync>;

impl std::fmt::Debug for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wait")
            .field("interval", &self.interval)
            .field("timeout", &self.timeout)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// A typed call waited for: its last answer, and for `follow` the last answer of the
/// operation URL.
#[derive(Debug, Clone)]
pub struct Waited<T> {
    pub answer: Answer<T>,
    pub status: Option<Outcome>,
}

/// The declaration of an operation, or why `--wait` cannot be honoured for it.
pub fn declared(op: &Operation) -> Result<&Poll, Error> {
    op.poll.as_ref().ok_or_else(|| {
        let pollable: Vec<&str> = Contract::embedded()
            .operations()
            .iter()
            .filter(|o| o.poll.is_some())
            .map(|o| o.id.as_str())
            .collect();
        Error::Config(format!(
            "{} does not declare polling in the spec (x-launchplane-poll), so there is nothing to wait for: \
             drop --wait. Operations that declare it: {}",
            op.id,
            if pollable.is_empty() {
                "none".to_owned()
            } else {
                pollable.join(", ")
            }
        ))
    })
}

/// Where an answer's operation URL points, when it is a path of `follow.operation` on the
/// configured Launchplane origin; anything else is refused, since the token goes with the GET.
pub fn follow_target(contract: &Contract, base: &Url, follow: &FollowUrl, value: &str) -> Result<Url, String> {
    let value = value.trim();
    let url = match Url::parse(value) {
        Ok(url) => url,
        Err(_) if value.starts_with('/') => base.join(value).map_err(|e| {
            format!(
                "operation URL {value:?} at `{}` is not a URL path: {e}",
                follow.url_field
            )
        })?,
        Err(_) => {
            return Err(format!(
                "operation URL {value:?} at `{}` is neither a path nor an absolute URL",
                follow.url_field
            ));
        }
    };
    if !same_origin(&url, base) {
        return Err(format!(
            "operation URL at `{}` is on {}, not the configured Launchplane ({}): refusing to follow it (the \
             request would carry the token)",
            follow.url_field,
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        ));
    }
    match contract.route("GET", url.path()) {
        RouteMatch::Found(op) if op.id == follow.operation => Ok(url),
        _ => {
            let template = contract.operation(&follow.operation).map_or("?", |op| op.path.as_str());
            Err(format!(
                "operation URL path {} at `{}` is not a path of {} (GET {template})",
                url.path(),
                follow.url_field,
                follow.operation
            ))
        }
    }
}

/// The text of a watched field, for messages.
fn status_text(body: &Value, field: &str) -> String {
    match Contract::field(body, field) {
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => "(absent)".into(),
    }
}

/// What stays fixed while one route is polled.
struct Watch<'a> {
    operation: &'a str,
    route: String,
    poll: &'a Poll,
    interval: Duration,
    limit: Duration,
    started: Instant,
    idempotency_key: Option<String>,
}

impl<'a> Watch<'a> {
    /// The watch of `op` at `route`: the spec's interval and limit unless `wait` gives its own.
    fn new(
        op: &'a Operation,
        poll: &'a Poll,
        wait: &Wait,
        started: Instant,
        route: String,
        key: Option<String>,
    ) -> Self {
        Watch {
            operation: &op.id,
            route,
            poll,
            interval: wait.interval.unwrap_or(Duration::from_secs(poll.interval_seconds)),
            limit: wait.timeout.unwrap_or(Duration::from_secs(poll.timeout_seconds)),
            started,
            idempotency_key: key,
        }
    }
}

impl Launchplane {
    /// Sends a prepared call and, as its operation declares, waits until its answer is no
    /// longer pending. The last answer is read by the usual outcome rules.
    pub async fn send_waiting(&self, prepared: &Prepared, wait: &Wait) -> Result<Outcome, Error> {
        let op = &prepared.operation;
        let poll = declared(op)?;
        let started = Instant::now();
        let first = self.send(prepared).await?;
        let watch = |route: String| Watch::new(op, poll, wait, started, route, prepared.idempotency_key.clone());
        match &poll.follow {
            None => {
                let watch = watch(format!("{} {}", op.method, prepared.path));
                self.repeat(&watch, wait, first, |o| &o.body, || self.send(prepared))
                    .await
            }
            Some(follow) => self.follow(op, follow, first, wait, watch).await,
        }
    }

    /// Runs a typed call of `operation_id` (`|| client.op().body(…).send()`, called again for
    /// each repeat) and waits as the operation declares; see [`send_waiting`](Self::send_waiting).
    /// An operation that declares no polling is refused before anything is sent.
    pub async fn run_polling<T, F, Fut>(&self, operation_id: &str, mut call: F, wait: &Wait) -> Result<Waited<T>, Error>
    where
        T: Serialize,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, GeneratedError<generated::ErrorEnvelope>>>,
    {
        let contract = Contract::embedded();
        let op = contract
            .operation(operation_id)
            .ok_or_else(|| Error::UnknownOperation {
                requested: operation_id.to_owned(),
                supported: contract.operations().iter().map(|o| o.id.clone()).collect(),
            })?;
        let poll = declared(op)?;
        let started = Instant::now();
        let first = self.run(call()).await?;
        if first.outcome.operation != op.id {
            return Err(Error::Config(format!(
                "run_polling(\"{}\") was given a call of {}",
                op.id, first.outcome.operation
            )));
        }
        let watch = |route: String| Watch::new(op, poll, wait, started, route, None);
        match &poll.follow {
            None => {
                let watch = watch(format!("{} {}", op.method, op.path));
                let answer = self
                    .repeat(&watch, wait, first, |a| &a.outcome.body, || self.run(call()))
                    .await?;
                Ok(Waited { answer, status: None })
            }
            Some(follow) => {
                let status = self.follow(op, follow, first.outcome.clone(), wait, watch).await?;
                Ok(Waited {
                    answer: first,
                    status: Some(status),
                })
            }
        }
    }

    async fn follow<'w>(
        &self,
        op: &Operation,
        follow: &FollowUrl,
        first: Outcome,
        wait: &Wait,
        watch: impl Fn(String) -> Watch<'w>,
    ) -> Result<Outcome, Error> {
        if !first.succeeded() {
            return Ok(first);
        }
        let contract = Contract::embedded();
        let value = Contract::field(&first.body, &follow.url_field)
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| Error::Undecodable {
                operation: op.id.clone(),
                status: first.http_status,
                detail: format!("the answer names no operation URL at `{}`", follow.url_field),
                excerpt: excerpt(first.body.to_string().as_bytes(), 200),
            })?;
        let url = follow_target(contract, self.base_url(), follow, value)
            .map_err(|e| Error::Config(format!("{}: {e}", op.id)))?;
        let status_op = contract
            .operation(&follow.operation)
            .expect("the contract model checked the followed operation");
        let watch = watch(format!("GET {}", url.path()));
        let first_status = self.get_status(status_op, &url).await?;
        self.repeat(
            &watch,
            wait,
            first_status,
            |o| &o.body,
            || self.get_status(status_op, &url),
        )
        .await
    }

    /// Asks again after each pending answer until one is not pending or the limit would pass.
    async fn repeat<A, F, Fut>(
        &self,
        watch: &Watch<'_>,
        wait: &Wait,
        mut answer: A,
        body: impl Fn(&A) -> &Value,
        mut again: F,
    ) -> Result<A, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<A, Error>>,
    {
        let watched = watch.poll.watched();
        let mut answers: u32 = 1;
        loop {
            let value = Contract::field(body(&answer), &watched.field);
            if !watch.poll.is_pending(value) {
                return Ok(answer);
            }
            let status = status_text(body(&answer), &watched.field);
            let elapsed = watch.started.elapsed();
            if let Some(progress) = &wait.progress {
                progress(&Progress {
                    route: &watch.route,
                    field: &watched.field,
                    status: &status,
                    answers,
                    elapsed,
                });
            }
            if elapsed.saturating_add(watch.interval) > watch.limit {
                return Err(Error::PollTimeout(Box::new(StillPending {
                    operation: watch.operation.to_owned(),
                    route: watch.route.clone(),
                    field: watched.field.clone(),
                    status,
                    answers,
                    waited: elapsed,
                    interval: watch.interval,
                    limit: watch.limit,
                    idempotency_key: watch.idempotency_key.clone(),
                })));
            }
            tokio::time::sleep(watch.interval).await;
            answer = again().await?;
            answers = answers.saturating_add(1);
        }
    }

    /// GETs the operation URL: a fresh token when the held one nears expiry, and again after a
    /// transport error or a 429/502/503/504 within the retry policy, as every GET.
    async fn get_status(&self, op: &Operation, url: &Url) -> Result<Outcome, Error> {
        let runtime = &self.runtime;
        let started = Instant::now();
        let mut attempt: u32 = 1;
        loop {
            let token = runtime.token().await?;
            let header =
                bearer(&token).ok_or_else(|| Error::Config("the token is not a valid HTTP header value".into()))?;
            let sent = runtime
                .http
                .get(url.clone())
                .timeout(runtime.timeout_for(op))
                .header(ACCEPT, "application/json")
                .header(reqwest::header::AUTHORIZATION, header)
                .send()
                .await;
            let (retry_hint, answer) = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let hint = retryable_status(status).then(|| retry_after(response.headers()));
                    let body = response.bytes().await;
                    (hint, body.map(|b| (status, b)))
                }
                Err(e) => (Some(None), Err(e)),
            };
            if let Some(hint) = retry_hint
                && let Some(delay) = runtime.policy_for(op).delay(attempt + 1, started, hint)
            {
                tokio::time::sleep(delay).await;
                attempt += 1;
                continue;
            }
            let (status, body) = answer.map_err(|e| Error::Transport {
                operation: op.id.clone(),
                attempts: attempt,
                detail: without_url(&e),
            })?;
            let json: Value = serde_json::from_slice(&body).map_err(|_| Error::NonJson {
                operation: op.id.clone(),
                status,
                content_type: None,
                attempts: attempt,
                excerpt: excerpt(&body, 200),
            })?;
            if status == op.success_status {
                return Ok(Outcome::from_answer(Contract::embedded(), op, status, json, attempt));
            }
            return Err(
                crate::launchplane::rejection(&op.id, status, &json).unwrap_or_else(|| Error::Undecodable {
                    operation: op.id.clone(),
                    status,
                    detail: "not a Launchplane envelope".into(),
                    excerpt: excerpt(&body, 200),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A spec with a route that names an operation URL and the GET it must be a path of.
    fn contract() -> Contract {
        let ok = json!({"202": {"description": "ok"}});
        Contract::from_document(json!({"paths": {
            "/v1/things": {"post": {"operationId": "things_run", "responses": ok,
                "x-launchplane-poll": {
                    "follow": {"url_field": "result.poll_url", "operation": "things_status",
                               "field": "operation.status", "pending": ["pending", "running"]},
                    "interval_seconds": 30, "timeout_seconds": 600}}},
            "/v1/things/operations/{operation_id}": {"get": {"operationId": "things_status",
                "responses": {"200": {"description": "ok"}}}},
            "/v1/other/{id}": {"get": {"operationId": "other_read", "responses": {"200": {"description": "ok"}}}},
        }}))
        .unwrap()
    }

    #[test]
    fn an_operation_url_is_followed_only_on_the_launchplane_origin_and_the_declared_route() {
        let contract = contract();
        let follow = contract
            .operation("things_run")
            .unwrap()
            .poll
            .clone()
            .unwrap()
            .follow
            .unwrap();
        let base = Url::parse("https://launchplane.example.com").unwrap();
        let target = |value: &str| follow_target(&contract, &base, &follow, value);
        assert_eq!(
            target("/v1/things/operations/op-1?product=opw").unwrap().as_str(),
            "https://launchplane.example.com/v1/things/operations/op-1?product=opw"
        );
        assert_eq!(
            target(" https://launchplane.example.com/v1/things/operations/op-2 ")
                .unwrap()
                .path(),
            "/v1/things/operations/op-2"
        );
        for (value, says) in [
            (
                "https://evil.example.com/v1/things/operations/op-1",
                "is on https://evil.example.com, not the configured",
            ),
            (
                "//evil.example.com/v1/things/operations/op-1",
                "is on https://evil.example.com",
            ),
            (
                "http://launchplane.example.com/v1/things/operations/op-1",
                "is on http://launchplane.example.com",
            ),
            (
                "https://launchplane.example.com:8443/v1/things/operations/op-1",
                "not the configured",
            ),
            (
                "/v1/other/op-1",
                "is not a path of things_status (GET /v1/things/operations/{operation_id})",
            ),
            ("/v1/nowhere", "is not a path of things_status"),
            ("things/operations/op-1", "neither a path nor an absolute URL"),
        ] {
            let error = target(value).unwrap_err();
            assert!(error.contains(says), "{value}: {error}");
        }
    }
}
