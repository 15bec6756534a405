//! What the stand-in saw: every Launchplane request, every executed write, token requests.

use serde::Serialize;
use serde_json::Value;

/// One request on a Launchplane route, as answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case; `Authorization` reads `Bearer [redacted]`.
    pub headers: Vec<(String, String)>,
    /// The body as JSON; `null` when empty, a string when it is not JSON.
    pub body: Value,
    /// The status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request Launchplane executed and answered 202 (replays are not executions).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptedRequest {
    pub operation_id: String,
    pub idempotency_key: Option<String>,
    pub body: Value,
    pub trace_id: String,
}

#[derive(Debug, Default)]
pub(crate) struct Journal {
    pub requests: Vec<RecordedRequest>,
    pub accepted: Vec<AcceptedRequest>,
    pub token_requests: usize,
}

/// The header value as logged: credentials never appear.
pub(crate) fn logged_header_value(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") {
        match value.trim().split_once(' ') {
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("bearer") => "Bearer [redacted]".into(),
            _ => "[redacted]".into(),
        }
    } else {
        value.to_owned()
    }
}

/// The body as logged: JSON when it parses, else its text.
pub(crate) fn logged_body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            logged_header_value("Authorization", "Bearer eyJ.abc.def"),
            "Bearer [redacted]"
        );
        assert_eq!(logged_header_value("authorization", "bearer eyJ"), "Bearer [redacted]");
        assert_eq!(logged_header_value("authorization", "Basic dXNlcg=="), "[redacted]");
        assert_eq!(logged_header_value("idempotency-key", "k"), "k");
    }

    #[test]
    fn bodies_are_logged_as_json_when_they_parse() {
        assert_eq!(logged_body(b""), Value::Null);
        assert_eq!(logged_body(br#"{"a":1}"#), serde_json::json!({"a": 1}));
        assert_eq!(logged_body(b"{oops"), Value::String("{oops".into()));
    }
}
