//! The offline check of one call against a spec: the operation exists, its path renders, and
//! its body is present exactly when the route takes one and passes the schema and the rules.

use serde_json::Value;

use crate::contract::{Contract, Violation};
use crate::operation::Operation;

/// A call the spec accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedRequest<'c> {
    pub operation: &'c Operation,
    /// The concrete path (`/v1/drivers/odoo`).
    pub path: String,
    /// The body as Launchplane reads it (`Contract::lax_view`); `None` where the route takes none.
    pub body: Option<Value>,
}

/// Why the spec refuses a call.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestError {
    /// The spec has no such operation.
    UnknownOperation { requested: String, supported: Vec<String> },
    /// A path parameter is missing or not one segment.
    Path(String),
    /// The body breaks the route's schema or rules.
    InvalidBody {
        operation: String,
        violations: Vec<Violation>,
    },
    /// The route takes a JSON body and none was given.
    BodyRequired { operation: String },
    /// The route takes no body and one was given.
    BodyNotTaken { operation: String },
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestError::UnknownOperation { requested, supported } => {
                write!(
                    f,
                    "unsupported operation `{requested}`; the spec has: {}",
                    supported.join(", ")
                )
            }
            RequestError::Path(message) => f.write_str(message),
            RequestError::InvalidBody { operation, violations } => {
                write!(f, "{operation}: request body rejected before sending")?;
                violations.iter().try_for_each(|v| write!(f, "\n  - {v}"))
            }
            RequestError::BodyRequired { operation } => write!(f, "{operation} needs a JSON body"),
            RequestError::BodyNotTaken { operation } => write!(f, "{operation} takes no body"),
        }
    }
}

impl std::error::Error for RequestError {}

impl Contract {
    /// Checks a call by operationId as Launchplane would before acting on it: the route, its
    /// path parameters, and the body (schema and rules on the lax view).
    pub fn check_request(
        &self,
        operation_id: &str,
        path_params: &[(String, String)],
        body: Option<Value>,
    ) -> Result<CheckedRequest<'_>, RequestError> {
        let op = self
            .operation(operation_id)
            .ok_or_else(|| RequestError::UnknownOperation {
                requested: operation_id.to_owned(),
                supported: self.operations().iter().map(|op| op.id.clone()).collect(),
            })?;
        let path = op.render_path(path_params).map_err(RequestError::Path)?;
        let operation = op.id.clone();
        let body = match (op.request_schema.is_some(), body) {
            (true, Some(body)) => {
                self.validate_body(op, &body)
                    .map_err(|violations| RequestError::InvalidBody { operation, violations })?;
                Some(self.lax_view(op, &body))
            }
            (true, None) => return Err(RequestError::BodyRequired { operation }),
            (false, Some(_)) => return Err(RequestError::BodyNotTaken { operation }),
            (false, None) => None,
        };
        Ok(CheckedRequest {
            operation: op,
            path,
            body,
        })
    }
}
