//! Glue between the generated per-operation builders and the runtime: typed bodies in,
//! status and JSON out, every failure kept with the answer's status.

use progenitor_client::{Error as GeneratedError, ResponseValue};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::generated::ErrorEnvelope;

/// The answer of one attempt, as the generated client decoded it.
pub type Reply = Result<(u16, Value), GeneratedError<ErrorEnvelope>>;

/// Why a request could not be handed to the generated client.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    #[error("the spec has no operation `{0}`")]
    UnknownOperation(String),
    #[error("the request body does not fit the generated type: {0}")]
    Body(String),
    #[error("{0}")]
    PathParameter(String),
}

pub(crate) fn typed_body<T: DeserializeOwned>(body: Option<Value>) -> Result<T, DispatchError> {
    let body = body.ok_or_else(|| DispatchError::Body("this operation needs a JSON body".into()))?;
    serde_json::from_value(body).map_err(|e| DispatchError::Body(e.to_string()))
}

pub(crate) fn retyped<T: DeserializeOwned + Serialize>(body: Value) -> Result<Value, DispatchError> {
    let typed: T = serde_json::from_value(body).map_err(|e| DispatchError::Body(e.to_string()))?;
    serde_json::to_value(typed).map_err(|e| DispatchError::Body(e.to_string()))
}

pub(crate) fn path_param(params: &[(String, String)], name: &str) -> Result<String, DispatchError> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| DispatchError::PathParameter(format!("missing path parameter `{name}`")))
}

pub(crate) fn query_param(params: &[(String, String)], name: &str) -> Option<String> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

// The error is the generated client's own type, returned as it comes.
#[allow(clippy::result_large_err)]
pub(crate) fn reply<T: Serialize>(answer: Result<ResponseValue<T>, GeneratedError<ErrorEnvelope>>) -> Reply {
    answer.map(|value| {
        let status = value.status().as_u16();
        let body = serde_json::to_value(value.into_inner()).unwrap_or(Value::Null);
        (status, body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_found_by_name() {
        let params = vec![
            ("driver_id".to_owned(), "odoo".to_owned()),
            ("product".to_owned(), "opw".to_owned()),
        ];
        assert_eq!(query_param(&params, "product").as_deref(), Some("opw"));
        assert_eq!(query_param(&params, "context"), None);
        assert_eq!(path_param(&params, "driver_id").unwrap(), "odoo");
        assert!(path_param(&params, "other").is_err());
    }
}
