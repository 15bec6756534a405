//! An accepted answer: Launchplane's 202 envelope read as data, success told from a failed
//! driver result (a 202 can still report `deploy_status: "fail"`).

use serde_json::{Map, Value};

use crate::contract::{Contract, Operation};

/// What Launchplane answered to an accepted call.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub operation: String,
    pub http_status: u16,
    pub trace_id: String,
    pub replayed: bool,
    pub original_trace_id: Option<String>,
    pub records: Map<String, Value>,
    pub result: Option<Value>,
    /// The whole answer as decoded through the generated type.
    pub body: Value,
    /// Result fields whose values report failure, e.g. `deploy_status=fail`.
    pub failures: Vec<String>,
    pub attempts: u32,
}

impl Outcome {
    pub fn from_answer(contract: &Contract, op: &Operation, http_status: u16, body: Value, attempts: u32) -> Outcome {
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let result = body.get("result").cloned().filter(|r| !r.is_null());
        let failures = contract.reported_failures(op, &body);
        Outcome {
            operation: op.id.clone(),
            http_status,
            trace_id: text("trace_id").unwrap_or_default(),
            replayed: body.get("replayed").and_then(Value::as_bool).unwrap_or(false),
            original_trace_id: text("original_trace_id"),
            records: body
                .get("records")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            result,
            failures,
            attempts,
            body,
        }
    }

    /// True unless the driver result reports failure.
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty()
    }

    /// The result's `error_message`, when it has one.
    pub fn error_message(&self) -> Option<&str> {
        self.result
            .as_ref()?
            .get("error_message")?
            .as_str()
            .filter(|m| !m.is_empty())
    }
}
