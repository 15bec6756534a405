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
}

/// A query parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryParameter {
    pub name: String,
    pub required: bool,
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
    Ok(operations)
}

fn query_parameters(parameters: Option<&Value>) -> Vec<QueryParameter> {
    let items = parameters.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
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
        id,
    })
}
