//! The operations of a spec with their `x-launchplane-*` extensions, read into typed data.
//! Also compiled into the build script, which stores the embedded spec's table.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rule_language::Conditions;

/// One operation of the spec, with its Launchplane extensions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub id: String,
    /// `GET` or `POST`.
    pub method: String,
    pub path: String,
    pub tag: String,
    pub authz_action: Option<String>,
    /// `read`, `safe_write`, `mutation` or `destructive`.
    pub safety: Option<String>,
    pub instance_field: Option<String>,
    /// When a `destructive` operation is destructive only under a condition.
    pub destructive_when: Option<Conditions>,
    pub context_field: Option<String>,
    pub idempotency_key: Option<String>,
    /// False where Launchplane never looks an Idempotency-Key up.
    pub replay: bool,
    /// False where the operation declares `security: []` (health).
    pub authenticated: bool,
    pub request_schema: Option<String>,
    pub success_status: u16,
    pub summary: String,
    /// The query parameters it declares.
    pub query_parameters: Vec<QueryParameter>,
    /// How a caller waits for the operation to finish, where Launchplane answers "pending".
    #[serde(default)]
    pub poll: Option<Poll>,
    /// Where the operation applies a plan another operation issued.
    #[serde(default)]
    pub plan: Option<PlanApply>,
    /// The longest one request of it is waited for, answer included; `None` takes the
    /// document's limit (`Contract::timeout_seconds`).
    #[serde(default)]
    pub timeout_seconds: Option<u64>,
    /// False where Launchplane keeps an answer under its Idempotency-Key only when the result
    /// did not fail: the same key replays a success and runs a failure again.
    #[serde(default = "stores_failures_default")]
    pub stores_failures: bool,
    /// Where the body names the Idempotency-Key Launchplane requires for it.
    #[serde(default)]
    pub key_from: Option<KeyFrom>,
}

/// `x-launchplane-key-from`: a body field whose non-blank value must be the request's
/// Idempotency-Key (when `when` holds); Launchplane answers any other key with `refusal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFrom {
    /// Dot path of the body field.
    pub field: String,
    /// Conditions on the body under which the rule applies; absent, it always does.
    #[serde(default)]
    pub when: Option<Conditions>,
    pub refusal: Refusal,
}

/// A rejection Launchplane answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    pub status: u16,
    pub code: String,
    pub message: String,
}

fn stores_failures_default() -> bool {
    true
}

/// `x-launchplane-plan`: the operation applies a plan that `planned_by` answered. Paths inside the
/// plan are dot paths from the plan's own top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanApply {
    /// operationId of the operation whose answer carries the plan.
    pub planned_by: String,
    /// Dot path of the plan in the planner's answer.
    pub plan: String,
    /// The plan's status field and the values that mean it can be applied.
    pub ready: PlanReady,
    /// The plan field whose value is this operation's Idempotency-Key.
    pub key: String,
    /// The plan field holding the UTC time after which it must not be applied.
    pub expires_at: String,
    /// The plan field naming the product it was issued for; it must equal the body's `product`.
    pub product: String,
    /// Body dot path → plan dot path: the parts of the plan the request carries.
    pub fills: std::collections::BTreeMap<String, String>,
}

/// A plan field and the values that mean "ready".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanReady {
    pub field: String,
    pub ok: Vec<String>,
}

/// A query parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryParameter {
    pub name: String,
    pub required: bool,
}

/// `x-launchplane-poll`: the operation can answer before its work is done, and the caller
/// asks again. Exactly one of `repeat` and `follow`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    /// Send the same request (same Idempotency-Key) again while a field of its answer is pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<PendingField>,
    /// GET the operation URL the answer names until a field of that answer is no longer pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow: Option<FollowUrl>,
    /// Seconds between one answer and the next request.
    pub interval_seconds: u64,
    /// Seconds after the first request past which no further request starts.
    pub timeout_seconds: u64,
}

/// A field of an answer (dot path from the top of the JSON body) and the values that mean
/// "not finished yet", compared trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingField {
    pub field: String,
    pub pending: Vec<String>,
}

/// The answer field holding a URL path of the status operation, and that operation's pending field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUrl {
    /// Dot path of the answer field holding the URL path (`result.poll_url`).
    pub url_field: String,
    /// operationId of the GET the URL must be a path of.
    pub operation: String,
    pub field: String,
    pub pending: Vec<String>,
}

impl Poll {
    /// The field watched and its pending values, whichever the form.
    pub fn watched(&self) -> PendingField {
        match (&self.repeat, &self.follow) {
            (Some(repeat), _) => repeat.clone(),
            (None, Some(follow)) => PendingField {
                field: follow.field.clone(),
                pending: follow.pending.clone(),
            },
            (None, None) => PendingField {
                field: String::new(),
                pending: Vec::new(),
            },
        }
    }

    /// Whether a value of the watched field means "not finished yet".
    pub fn is_pending(&self, value: Option<&Value>) -> bool {
        let Some(text) = value.and_then(Value::as_str) else {
            return false;
        };
        let text = text.trim().to_lowercase();
        self.watched().pending.contains(&text)
    }

    /// What is wrong with the declaration itself (not with the paths it names).
    pub fn check(&self) -> Result<(), String> {
        let watched = match (&self.repeat, &self.follow) {
            (Some(_), Some(_)) => return Err("give `repeat` or `follow`, not both".into()),
            (None, None) => return Err("give `repeat` or `follow`".into()),
            (_, Some(follow)) if follow.url_field.trim().is_empty() || follow.operation.trim().is_empty() => {
                return Err("`follow` needs `url_field` and `operation`".into());
            }
            _ => self.watched(),
        };
        if watched.field.trim().is_empty() {
            return Err("`field` is empty: give the dot path of the status field".into());
        }
        if watched.pending.is_empty() {
            return Err("`pending` is empty: list the values that mean \"not finished yet\"".into());
        }
        if let Some(bad) = watched
            .pending
            .iter()
            .find(|p| p.trim().to_lowercase() != **p || p.is_empty())
        {
            return Err(format!("pending value {bad:?} must be trimmed lower-case text"));
        }
        if self.interval_seconds == 0 || self.timeout_seconds == 0 {
            return Err("`interval_seconds` and `timeout_seconds` must be at least 1".into());
        }
        Ok(())
    }
}

/// The values `x-launchplane-safety` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Safety {
    Read,
    SafeWrite,
    Mutation,
    Destructive,
}

/// The parts of an OpenAPI operation object the model reads; other keys are left alone,
/// but an `x-launchplane-*` key the model does not know is an error.
#[derive(Deserialize)]
struct OperationObject {
    #[serde(rename = "operationId")]
    operation_id: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    summary: String,
    security: Option<Vec<Value>>,
    #[serde(rename = "requestBody")]
    request_body: Option<Value>,
    #[serde(default)]
    responses: serde_json::Map<String, Value>,
    #[serde(rename = "x-launchplane-authz-action")]
    authz_action: Option<String>,
    #[serde(rename = "x-launchplane-safety")]
    safety: Option<Safety>,
    #[serde(rename = "x-launchplane-instance-field")]
    instance_field: Option<String>,
    #[serde(rename = "x-launchplane-destructive-when")]
    destructive_when: Option<Conditions>,
    #[serde(rename = "x-launchplane-context-field")]
    context_field: Option<String>,
    #[serde(rename = "x-launchplane-idempotency-key")]
    idempotency_key: Option<String>,
    #[serde(rename = "x-launchplane-replay")]
    replay: Option<bool>,
    #[serde(rename = "x-launchplane-poll")]
    poll: Option<Poll>,
    #[serde(rename = "x-launchplane-plan")]
    plan: Option<PlanApply>,
    #[serde(rename = "x-launchplane-timeout-seconds")]
    timeout_seconds: Option<u64>,
    #[serde(rename = "x-launchplane-stores-failures")]
    stores_failures: Option<bool>,
    #[serde(rename = "x-launchplane-key-from")]
    key_from: Option<KeyFrom>,
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

/// Operation methods, lower-case as the spec writes them.
pub const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The component name of a `#/components/schemas/…` reference.
pub fn ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// Every operation of an OpenAPI 3.0 document (as JSON), in document order.
pub fn read_operations(document: &Value) -> Result<Vec<Operation>, String> {
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no paths")?;
    let mut operations = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, op) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let object: OperationObject =
                serde_json::from_value(op.clone()).map_err(|e| format!("{} {path}: {e}", method.to_uppercase()))?;
            operations.push(operation(method, path, object)?);
        }
    }
    for op in &operations {
        if let Some(plan) = &op.plan
            && !operations
                .iter()
                .any(|o| o.id == plan.planned_by && o.request_schema.is_some())
        {
            return Err(format!(
                "{} {}: x-launchplane-plan is planned by `{}`, which is no operation of the spec with a body",
                op.method, op.path, plan.planned_by
            ));
        }
        if let Some(follow) = op.poll.as_ref().and_then(|p| p.follow.as_ref())
            && !operations.iter().any(|o| o.id == follow.operation && o.method == "GET")
        {
            return Err(format!(
                "{} {}: x-launchplane-poll follows `{}`, which is no GET operation of the spec",
                op.method, op.path, follow.operation
            ));
        }
    }
    Ok(operations)
}

fn query_parameters(parameters: Option<&Value>) -> Vec<QueryParameter> {
    let items = parameters
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    items
        .iter()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|p| {
            Some(QueryParameter {
                name: p.get("name")?.as_str()?.to_owned(),
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect()
}

fn operation(method: &str, path: &str, op: OperationObject) -> Result<Operation, String> {
    let label = format!("{} {path}", method.to_uppercase());
    if let Some(unknown) = op.rest.keys().find(|k| k.starts_with("x-launchplane-")) {
        return Err(format!("{label}: unknown extension `{unknown}`"));
    }
    let id = op.operation_id.ok_or_else(|| format!("{label} has no operationId"))?;
    let success_status = op
        .responses
        .keys()
        .find_map(|code| code.parse::<u16>().ok().filter(|c| (200..300).contains(c)))
        .ok_or_else(|| format!("{id} has no success response"))?;
    let request_schema = op
        .request_body
        .as_ref()
        .and_then(|body| body.pointer("/content/application~1json/schema/$ref"))
        .and_then(Value::as_str)
        .and_then(ref_name)
        .map(str::to_owned);
    if let Some(poll) = &op.poll {
        poll.check().map_err(|e| format!("{label}: x-launchplane-poll: {e}"))?;
    }
    if op.timeout_seconds == Some(0) {
        return Err(format!("{label}: x-launchplane-timeout-seconds must be at least 1"));
    }
    let safety = op.safety.map(|s| {
        match s {
            Safety::Read => "read",
            Safety::SafeWrite => "safe_write",
            Safety::Mutation => "mutation",
            Safety::Destructive => "destructive",
        }
        .to_owned()
    });
    Ok(Operation {
        tag: op.tags.into_iter().next().unwrap_or_default(),
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        authz_action: op.authz_action,
        safety,
        instance_field: op.instance_field,
        destructive_when: op.destructive_when,
        context_field: op.context_field,
        idempotency_key: op.idempotency_key,
        replay: op.replay.unwrap_or(true),
        authenticated: op.security.is_none_or(|s| !s.is_empty()),
        request_schema,
        success_status,
        summary: op.summary,
        query_parameters: query_parameters(op.rest.get("parameters")),
        poll: op.poll,
        plan: op.plan,
        timeout_seconds: op.timeout_seconds,
        stores_failures: op.stores_failures.unwrap_or(true),
        key_from: op.key_from,
        id,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn document(poll: Value) -> Value {
        json!({"paths": {"/v1/things": {"post": {
            "operationId": "things_run",
            "responses": {"202": {"description": "ok"}},
            "x-launchplane-poll": poll,
        }}}})
    }

    fn poll_of(poll: Value) -> Result<Option<Poll>, String> {
        read_operations(&document(poll)).map(|ops| ops[0].poll.clone())
    }

    #[test]
    fn both_forms_load_and_tell_pending_values_trimmed_and_lower_cased() {
        let repeat = poll_of(json!({
            "repeat": {"field": "result.backup_status", "pending": ["pending"]},
            "interval_seconds": 30, "timeout_seconds": 2400,
        }))
        .unwrap()
        .unwrap();
        assert_eq!(repeat.watched().field, "result.backup_status");
        assert!(repeat.is_pending(Some(&json!(" Pending "))));
        assert!(!repeat.is_pending(Some(&json!("pass"))));
        assert!(!repeat.is_pending(None));
        assert!(!repeat.is_pending(Some(&json!(1))));

        let mut with_status = document(json!({
            "follow": {"url_field": "result.poll_url", "operation": "things_status",
                       "field": "operation.status", "pending": ["pending", "running"]},
            "interval_seconds": 5, "timeout_seconds": 600,
        }));
        with_status["paths"]["/v1/things/operations/{operation_id}"] =
            json!({"get": {"operationId": "things_status", "responses": {"200": {"description": "ok"}}}});
        let follow = read_operations(&with_status).unwrap()[0].poll.clone().unwrap();
        assert_eq!(follow.watched().pending, ["pending", "running"]);
        assert!(follow.is_pending(Some(&json!("running"))));
    }

    #[test]
    fn malformed_declarations_are_load_errors() {
        let repeat = json!({"field": "status", "pending": ["pending"]});
        for (poll, says) in [
            (
                json!({"repeat": repeat, "interval_seconds": 1, "timeout_seconds": 9, "every": 3}),
                "unknown field `every`",
            ),
            (
                json!({"repeat": {"field": "status", "pending": ["pending"], "values": []},
                       "interval_seconds": 1, "timeout_seconds": 9}),
                "unknown field `values`",
            ),
            (
                json!({"repeat": repeat, "timeout_seconds": 9}),
                "missing field `interval_seconds`",
            ),
            (
                json!({"interval_seconds": 1, "timeout_seconds": 9}),
                "give `repeat` or `follow`",
            ),
            (
                json!({"repeat": repeat, "follow": {"url_field": "u", "operation": "o", "field": "s", "pending": ["p"]},
                       "interval_seconds": 1, "timeout_seconds": 9}),
                "not both",
            ),
            (
                json!({"repeat": {"field": "status", "pending": []}, "interval_seconds": 1, "timeout_seconds": 9}),
                "`pending` is empty",
            ),
            (
                json!({"repeat": {"field": "status", "pending": ["Pending"]}, "interval_seconds": 1, "timeout_seconds": 9}),
                "lower-case",
            ),
            (
                json!({"repeat": repeat, "interval_seconds": 0, "timeout_seconds": 9}),
                "at least 1",
            ),
            (
                json!({"follow": {"url_field": "u", "operation": "nowhere", "field": "s", "pending": ["p"]},
                       "interval_seconds": 1, "timeout_seconds": 9}),
                "follows `nowhere`, which is no GET operation",
            ),
        ] {
            let error = poll_of(poll.clone()).unwrap_err();
            assert!(error.contains(says), "{poll}: {error}");
            assert!(error.starts_with("POST /v1/things"), "{error}");
        }
    }
}
