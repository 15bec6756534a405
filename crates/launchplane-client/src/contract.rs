//! The spec as data: operations, route matching, request validation and examples.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

use crate::rules;

/// The spec, converted to JSON at build time.
const SPEC_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/launchplane-v1.json"));

/// The parsed spec with everything the runtime, the CLI and the stand-in derive from it.
pub struct Contract {
    document: Value,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<String, &'static jsonschema::Validator>>,
}

/// One operation of the spec, with its Launchplane extensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub id: String,
    /// `GET` or `POST`.
    pub method: String,
    pub path: String,
    pub tag: String,
    pub authz_action: Option<String>,
    pub safety: Option<String>,
    pub instance_field: Option<String>,
    /// When a `destructive` operation is destructive only under a condition (rule language).
    pub destructive_when: Option<Value>,
    pub context_field: Option<String>,
    pub idempotency_key: Option<String>,
    /// False where Launchplane never looks an Idempotency-Key up.
    pub replay: bool,
    /// False where the operation declares `security: []` (health).
    pub authenticated: bool,
    pub request_schema: Option<String>,
    pub success_status: u16,
    pub summary: String,
}

/// How a method and path fall on the spec's routes.
#[derive(Debug, PartialEq)]
pub enum RouteMatch<'a> {
    Found(&'a Operation),
    MethodNotAllowed { allowed: Vec<String> },
    NotFound,
}

/// One reason a body is not what the route accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Dot path of the offending field; empty for the body itself.
    pub path: String,
    /// The JSON Schema keyword or the `x-launchplane-rules` id that failed.
    pub rule: String,
    pub message: String,
}

impl Operation {
    /// Whether the call needs explicit confirmation: destructive, or a mutation of prod.
    pub fn needs_confirmation(&self, body: Option<&Value>) -> bool {
        match self.safety.as_deref() {
            Some("destructive") => match (&self.destructive_when, &self.request_schema, body) {
                (Some(condition), Some(schema), Some(body)) => {
                    rules::condition_holds(Contract::embedded(), schema, body, condition)
                }
                _ => true,
            },
            // The instance may be left to its schema default (`to_instance: prod`).
            Some("mutation") => match (&self.instance_field, &self.request_schema, body) {
                (Some(field), Some(schema), Some(body)) => {
                    let aimed_at_prod =
                        serde_json::json!({"field": field, "equals": "prod", "normalize": "trim_lower"});
                    rules::condition_holds(Contract::embedded(), schema, body, &aimed_at_prod)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Fills the path template (`/v1/drivers/{driver_id}`) from `params`.
    pub fn render_path(&self, params: &[(String, String)]) -> Result<String, String> {
        let mut path = self.path.clone();
        for name in path_parameters(&self.path) {
            let value = params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("operation {} needs the path parameter `{name}`", self.id))?;
            if value.is_empty() || value.contains('/') {
                return Err(format!(
                    "path parameter `{name}` must be a non-empty segment without `/`"
                ));
            }
            path = path.replace(&format!("{{{name}}}"), value);
        }
        Ok(path)
    }
}

/// Names of the `{placeholders}` of a path template.
pub fn path_parameters(template: &str) -> Vec<String> {
    template
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect()
}

impl Contract {
    /// The spec compiled into this crate.
    pub fn embedded() -> &'static Contract {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT.get_or_init(|| {
            let document: Value = serde_json::from_str(SPEC_JSON).expect("the embedded spec is JSON");
            Contract::from_document(document).expect("the embedded spec is well formed")
        })
    }

    /// Reads a spec document (OpenAPI 3.0 as JSON).
    pub fn from_document(document: Value) -> Result<Contract, String> {
        let operations = read_operations(&document)?;
        Ok(Contract {
            document,
            operations,
            validators: Mutex::new(HashMap::new()),
        })
    }

    pub fn document(&self) -> &Value {
        &self.document
    }

    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The operation at `method` + concrete `path`, matching `{param}` segments.
    pub fn route(&self, method: &str, path: &str) -> RouteMatch<'_> {
        let on_path: Vec<&Operation> = self
            .operations
            .iter()
            .filter(|op| template_matches(&op.path, path))
            .collect();
        // A literal route wins over a template one (`/v1/drivers/odoo/…` vs `/v1/drivers/{id}`).
        let exact: Vec<&Operation> = on_path.iter().copied().filter(|op| op.path == path).collect();
        let candidates = if exact.is_empty() { on_path } else { exact };
        if candidates.is_empty() {
            return RouteMatch::NotFound;
        }
        match candidates.iter().find(|op| op.method.eq_ignore_ascii_case(method)) {
            Some(op) => RouteMatch::Found(op),
            None => RouteMatch::MethodNotAllowed {
                allowed: candidates.iter().map(|op| op.method.clone()).collect(),
            },
        }
    }

    /// A component schema by name.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.document.pointer(&format!("/components/schemas/{name}"))
    }

    /// Checks a request body against the operation's schema and its cross-field rules.
    pub fn validate_body(&self, op: &Operation, body: &Value) -> Result<(), Vec<Violation>> {
        let Some(schema_name) = op.request_schema.as_deref() else {
            return Ok(());
        };
        let validator = self.validator(schema_name);
        let mut violations: Vec<Violation> = validator
            .iter_errors(body)
            .map(|error| Violation {
                path: pointer_to_dot_path(error.instance_path().as_str()),
                rule: error.kind().keyword().to_owned(),
                message: error.to_string(),
            })
            .collect();
        if violations.is_empty() {
            violations = rules::check(self, schema_name, body);
        }
        if violations.is_empty() { Ok(()) } else { Err(violations) }
    }

    /// The first request example of the operation.
    pub fn request_example(&self, op: &Operation) -> Option<Value> {
        let content = self.document.pointer(&format!(
            "/paths/{}/{}/requestBody/content/application~1json",
            escape_pointer(&op.path),
            op.method.to_ascii_lowercase()
        ))?;
        content
            .get("examples")
            .and_then(Value::as_object)
            .and_then(|examples| examples.values().next())
            .and_then(|example| example.get("value"))
            .or_else(|| content.get("example"))
            .cloned()
    }

    /// Every request example of the operation, by name.
    pub fn request_examples(&self, op: &Operation) -> Vec<(String, Value)> {
        self.document
            .pointer(&format!(
                "/paths/{}/{}/requestBody/content/application~1json/examples",
                escape_pointer(&op.path),
                op.method.to_ascii_lowercase()
            ))
            .and_then(Value::as_object)
            .map(|examples| {
                examples
                    .iter()
                    .filter_map(|(name, ex)| Some((name.clone(), ex.get("value")?.clone())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The example of the operation's success answer.
    pub fn response_example(&self, op: &Operation) -> Option<Value> {
        self.document
            .pointer(&format!(
                "/paths/{}/{}/responses/{}/content/application~1json/example",
                escape_pointer(&op.path),
                op.method.to_ascii_lowercase(),
                op.success_status
            ))
            .cloned()
    }

    /// The name of the operation's success schema.
    pub fn response_schema(&self, op: &Operation) -> Option<String> {
        self.document
            .pointer(&format!(
                "/paths/{}/{}/responses/{}/content/application~1json/schema/$ref",
                escape_pointer(&op.path),
                op.method.to_ascii_lowercase(),
                op.success_status
            ))
            .and_then(Value::as_str)
            .and_then(ref_name)
            .map(str::to_owned)
    }

    /// The `x-launchplane-outcome` of the schema behind `result` in the success answer.
    pub fn outcome_fields(&self, op: &Operation) -> Vec<(String, Vec<Value>)> {
        let result_schema = self
            .response_schema(op)
            .and_then(|name| self.schema(&name))
            .and_then(|s| s.pointer("/properties/result/$ref"))
            .and_then(Value::as_str)
            .and_then(ref_name)
            .and_then(|name| self.schema(name));
        result_schema
            .and_then(|s| s.get("x-launchplane-outcome"))
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        let field = item.get("field")?.as_str()?.to_owned();
                        let ok = item.get("ok")?.as_array()?.clone();
                        Some((field, ok))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A JSON Schema (draft 2020-12) of a component, with the spec's components beside it.
    pub fn json_schema(&self, name: &str) -> Value {
        let schemas = self
            .document
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|schemas| {
                schemas
                    .iter()
                    .map(|(k, v)| (k.clone(), to_json_schema(v)))
                    .collect::<Map<_, _>>()
            })
            .unwrap_or_default();
        serde_json::json!({
            "$ref": format!("#/components/schemas/{name}"),
            "components": { "schemas": schemas },
        })
    }

    fn validator(&self, schema_name: &str) -> &'static jsonschema::Validator {
        let mut cache = self.validators.lock().expect("validator cache");
        cache.entry(schema_name.to_owned()).or_insert_with(|| {
            let schema = self.json_schema(schema_name);
            let validator =
                jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema {schema_name} compiles: {e}"));
            // One validator per schema for the life of the process.
            Box::leak(Box::new(validator))
        })
    }

    /// The value at a dot path (`deploy.product`) of a JSON body.
    pub fn field<'v>(body: &'v Value, dot_path: &str) -> Option<&'v Value> {
        dot_path.split('.').try_fold(body, |value, segment| value.get(segment))
    }
}

/// The component name of a `#/components/schemas/…` reference.
pub fn ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// OpenAPI 3.0 schema object → JSON Schema 2020-12: `nullable` becomes a `null` type,
/// boolean `exclusiveMinimum`/`exclusiveMaximum` become numeric bounds, `$ref` siblings are
/// dropped (3.0 ignores them), examples and `x-` extensions go.
pub fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let nullable = map.get("nullable") == Some(&Value::Bool(true));
    if let Some(reference) = map.get("$ref") {
        let base = serde_json::json!({ "$ref": reference });
        return if nullable { or_null(base) } else { base };
    }
    let mut out = Map::new();
    for (key, value) in map {
        let translated = match key.as_str() {
            "nullable" | "example" | "examples" | "discriminator" | "xml" | "externalDocs" => continue,
            k if k.starts_with("x-") => continue,
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => continue,
            "properties" | "patternProperties" => match value {
                Value::Object(props) => {
                    Value::Object(props.iter().map(|(k, v)| (k.clone(), to_json_schema(v))).collect())
                }
                other => other.clone(),
            },
            "items" | "not" | "additionalProperties" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(parts) => Value::Array(parts.iter().map(to_json_schema).collect()),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), translated);
    }
    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if map.get(flag) == Some(&Value::Bool(true))
            && let Some(limit) = out.remove(bound)
        {
            out.insert(flag.into(), limit);
        }
    }
    if !nullable {
        return Value::Object(out);
    }
    match out.get("type").cloned() {
        Some(Value::String(t)) => {
            out.insert("type".into(), serde_json::json!([t, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum")
                && !values.contains(&Value::Null)
            {
                values.push(Value::Null);
            }
            Value::Object(out)
        }
        _ => or_null(Value::Object(out)),
    }
}

/// Null, or else the schema — written as if/else so a non-null value's errors name its own
/// fields rather than an `anyOf` failure.
fn or_null(schema: Value) -> Value {
    serde_json::json!({ "if": { "type": "null" }, "else": schema })
}

fn read_operations(document: &Value) -> Result<Vec<Operation>, String> {
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no paths")?;
    let mut operations = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, op) in item {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            let text = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_owned);
            let id = text("operationId").ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let success_status = op
                .get("responses")
                .and_then(Value::as_object)
                .and_then(|r| {
                    r.keys()
                        .find_map(|code| code.parse::<u16>().ok().filter(|c| (200..300).contains(c)))
                })
                .ok_or_else(|| format!("{id} has no success response"))?;
            let request_schema = op
                .pointer("/requestBody/content/application~1json/schema/$ref")
                .and_then(Value::as_str)
                .and_then(ref_name)
                .map(str::to_owned);
            operations.push(Operation {
                tag: op
                    .get("tags")
                    .and_then(|t| t.get(0))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                authz_action: text("x-launchplane-authz-action"),
                safety: text("x-launchplane-safety"),
                instance_field: text("x-launchplane-instance-field"),
                destructive_when: op.get("x-launchplane-destructive-when").cloned(),
                context_field: text("x-launchplane-context-field"),
                idempotency_key: text("x-launchplane-idempotency-key"),
                replay: op.get("x-launchplane-replay").and_then(Value::as_bool).unwrap_or(true),
                authenticated: op
                    .get("security")
                    .and_then(Value::as_array)
                    .is_none_or(|s| !s.is_empty()),
                request_schema,
                success_status,
                summary: text("summary").unwrap_or_default(),
                id,
            });
        }
    }
    Ok(operations)
}

fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(ts, ps)| (ts.starts_with('{') && !ps.is_empty()) || ts == ps)
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn pointer_to_dot_path(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}
