//! Every way a Launchplane call can fail, each with what a tenant needs to act on it.

use std::time::Duration;

use crate::config::TokenSource;
use crate::contract::{Contract, Violation};

/// A failed Launchplane call. Never carries a token.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Missing, unsafe or contradictory configuration; nothing was sent.
    #[error("configuration: {0}")]
    Config(String),
    /// The GitHub OIDC token could not be had; nothing was sent to Launchplane.
    #[error("token: {0}")]
    Token(String),
    /// The spec has no such operation.
    #[error("unsupported operation `{requested}`; the spec has: {}", supported.join(", "))]
    UnknownOperation { requested: String, supported: Vec<String> },
    /// The body breaks the route's schema or rules; nothing was sent.
    #[error("{operation}: request body rejected before sending:\n{}", list(violations))]
    InvalidBody {
        operation: String,
        violations: Vec<Violation>,
    },
    /// A destructive or prod-changing call without explicit confirmation; nothing was sent.
    #[error("{operation} changes production or destroys state: pass --confirm to run it")]
    ConfirmationRequired { operation: String },
    /// Launchplane answered with its rejected envelope.
    #[error("{}", Rejection::describe(.0))]
    Rejected(Rejection),
    /// No answer: connection refused, reset or dropped.
    #[error("{operation}: transport failure after {attempts} attempt(s): {detail}")]
    Transport {
        operation: String,
        attempts: u32,
        detail: String,
    },
    /// No answer within the configured time.
    #[error("{operation}: timed out after {attempts} attempt(s) ({elapsed:.1?}){}", Error::timeout_hint(operation, idempotency_key.as_deref()))]
    Timeout {
        operation: String,
        attempts: u32,
        elapsed: Duration,
        idempotency_key: Option<String>,
    },
    /// Polling gave up: the operation still answered pending when the wait limit came.
    #[error("{0}")]
    PollTimeout(Box<StillPending>),
    /// An answer that is not JSON, e.g. a proxy's HTML error page.
    #[error("{operation}: HTTP {status} with a non-JSON body ({}) after {attempts} attempt(s): {excerpt}", content_type.as_deref().unwrap_or("no content type"))]
    NonJson {
        operation: String,
        status: u16,
        content_type: Option<String>,
        attempts: u32,
        excerpt: String,
    },
    /// A JSON answer that does not fit the spec.
    #[error("{operation}: HTTP {status} answer does not match the spec ({detail}): {excerpt}")]
    Undecodable {
        operation: String,
        status: u16,
        detail: String,
        excerpt: String,
    },
}

/// Launchplane's rejected envelope, with the operation and HTTP status it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub operation: String,
    pub status: u16,
    pub code: String,
    pub message: String,
    pub trace_id: String,
}

impl Rejection {
    fn describe(&self) -> String {
        let mut text = format!(
            "{}: Launchplane rejected the request: HTTP {} {}: {} (trace_id {})",
            self.operation, self.status, self.code, self.message, self.trace_id
        );
        if let Some(hint) = self.hint() {
            text.push_str("\n  ");
            text.push_str(hint);
        }
        text
    }

    /// What the tenant should do about this rejection, where the code alone does not say.
    pub fn hint(&self) -> Option<&'static str> {
        match (self.status, self.code.as_str()) {
            (409, "idempotency_key_reused") => Some(
                "This Idempotency-Key was already used with a different body on this route. \
                 Launchplane keeps the first request's answer; send the same body to get that answer \
                 again, or pass a new --idempotency-key for the changed request.",
            ),
            (404, _) => Some(
                "Launchplane answers 404 both for a route it does not serve and for a product or \
                 record it does not know: check the product name, that --url/LAUNCHPLANE_URL is the \
                 service's base URL (no path), and that this Launchplane serves the route at the \
                 spec's revision.",
            ),
            (405, _) => Some("This Launchplane does not accept this method on the route; it may run another revision."),
            (403, "product_driver_mismatch") => Some("The product is not configured for this driver's routes."),
            (403, _) => Some(
                "Launchplane's policy does not allow this repository/workflow this action for the product and context.",
            ),
            _ => None,
        }
    }
}

/// The last pending answer of a wait that gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StillPending {
    pub operation: String,
    /// `POST /v1/…`, or `GET` and the path of the operation URL followed.
    pub route: String,
    /// The dot path watched and its last value.
    pub field: String,
    pub status: String,
    pub answers: u32,
    pub waited: Duration,
    pub interval: Duration,
    pub limit: Duration,
    pub idempotency_key: Option<String>,
}

impl std::fmt::Display for StillPending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: gave up waiting after {:.1?} and {} answer(s): {} still answers {}={}, and the next request (in \
             {:?}) would start past the wait limit of {:?}",
            self.operation, self.waited, self.answers, self.route, self.field, self.status, self.interval, self.limit
        )?;
        if let Some(key) = &self.idempotency_key {
            write!(
                f,
                ". Launchplane keeps running it: run the same command with --idempotency-key {key} (and a longer \
                 --wait-timeout) to pick up its answer without starting it again"
            )?;
        }
        Ok(())
    }
}

/// What to do about a 401, which depends on where the token came from.
pub fn unauthorized_hint(source: &TokenSource) -> &'static str {
    match source {
        TokenSource::GitHubOidc { .. } => {
            "Launchplane did not accept the GitHub OIDC token: check that --audience/LAUNCHPLANE_AUDIENCE is \
             the audience this Launchplane expects (its service audience, not the URL you guessed), and that \
             the repository and workflow are allowed by Launchplane's trust policy."
        }
        TokenSource::Static(_) => {
            "Launchplane did not accept LAUNCHPLANE_TOKEN: the token is expired, revoked or issued for \
             another Launchplane. Get a new one from the Launchplane operator, or unset LAUNCHPLANE_TOKEN in \
             GitHub Actions to use the job's OIDC token (needs `permissions: id-token: write`)."
        }
    }
}

/// What re-running the workflow does after a call whose answer was lost, for `operation`.
pub fn rerun_advice(operation: &str) -> &'static str {
    let keeps_key = Contract::embedded()
        .operation(operation)
        .is_some_and(|op| !op.stores_failures);
    if keeps_key {
        "Re-running the workflow is safe too: the re-run sends the same key (it names the run, not the \
         attempt), so Launchplane answers with the request's stored result if it finished, and runs it \
         again only if it failed or never ran"
    } else {
        "Do not re-run the workflow first: a re-run is a new GITHUB_RUN_ATTEMPT, hence a new key, and would \
         run the request a second time"
    }
}

impl Error {
    fn timeout_hint(operation: &str, key: Option<&str>) -> String {
        match key {
            Some(key) => format!(
                ". Launchplane may still be running the request, so it was not sent again: once it has \
                 finished, run the same command with --idempotency-key {key} to read its stored answer. {}",
                rerun_advice(operation)
            ),
            None => String::new(),
        }
    }

    /// True when nothing reached Launchplane because of the input or configuration.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Config(_)
                | Error::Token(_)
                | Error::UnknownOperation { .. }
                | Error::InvalidBody { .. }
                | Error::ConfirmationRequired { .. }
        )
    }

    /// True when Launchplane gave no usable answer.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            Error::Transport { .. }
                | Error::Timeout { .. }
                | Error::PollTimeout(_)
                | Error::NonJson { .. }
                | Error::Undecodable { .. }
        )
    }

    /// The trace id Launchplane gave, where it gave one.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Error::Rejected(r) => Some(&r.trace_id),
            _ => None,
        }
    }
}

fn list(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("  - {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// At most `max` characters of a body, on one line.
pub fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else if flat.is_empty() {
        "(empty body)".into()
    } else {
        flat
    }
}
