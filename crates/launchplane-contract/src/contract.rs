//! The spec as data: operations, route matching, request validation, examples, error codes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

use crate::coerce::coerce;
use crate::json_schema::to_json_schema;
use crate::operation::{Operation, read_operations, ref_name};
use crate::resolve::{Resolver, component_loc, refs_in};
use crate::route::{RouteMatch, route};
use crate::rule_language::{Condition, Normalize, OutcomeField, Predicate};
use crate::rules::{self, RuleTable};

/// The document-level limit of one request, for operations that name none.
pub const TIMEOUT_KEY: &str = "x-launchplane-timeout-seconds";
use crate::{dot_path, rules::holds};

/// The spec, converted to JSON at build time.
const SPEC_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/launchplane-v1.json"));
/// Its operation table, read at build time.
const OPERATIONS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/operations.json"));

/// The parsed spec with everything the runtime, the CLI and the stand-in derive from it.
pub struct Contract {
    document: Value,
    operations: Vec<Operation>,
    rules: RuleTable,
    /// One validator per request schema, built on first use from the schemas it reaches.
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
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

impl std::fmt::Display for Violation {
    /// `field: message [rule]`, `body` standing for the body itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = if self.path.is_empty() { "body" } else { &self.path };
        write!(f, "{field}: {} [{}]", self.message, self.rule)
    }
}

impl Operation {
    /// Whether the call needs explicit confirmation: destructive, or a mutation of prod.
    pub fn needs_confirmation(&self, body: Option<&Value>) -> bool {
        let contract = Contract::embedded();
        // Launchplane decides on the values as pydantic converted them (`"true"` is `true`).
        let lax_body = body.map(|body| contract.lax_view(self, body));
        let body = lax_body.as_ref();
        match self.safety.as_deref() {
            Some("destructive") => match (&self.destructive_when, &self.request_schema, body) {
                (Some(condition), Some(schema), Some(body)) => {
                    rules::condition_holds(contract, schema, body, condition)
                }
                _ => true,
            },
            // The instance may be left to its schema default (`to_instance: prod`).
            Some("mutation") => match (&self.instance_field, &self.request_schema, body) {
                (Some(field), Some(schema), Some(body)) => {
                    let aimed_at_prod = Condition {
                        field: field.clone(),
                        normalize: Normalize::TrimLower,
                        predicate: Predicate::Equals(Value::String("prod".into())),
                    };
                    holds(contract, schema, body, &aimed_at_prod)
                }
                _ => false,
            },
            _ => false,
        }
    }
}

impl Contract {
    /// The spec compiled into this crate.
    pub fn embedded() -> &'static Contract {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT.get_or_init(|| {
            let document: Value = serde_json::from_str(SPEC_JSON).expect("the embedded spec is JSON");
            let operations = serde_json::from_str(OPERATIONS_JSON).expect("the embedded operation table is JSON");
            Contract::assemble(document, operations).expect("the embedded spec is well formed")
        })
    }

    /// Reads a spec document (OpenAPI 3.0 as JSON). Unknown `x-launchplane-*` keys, rule
    /// keywords or safety values are errors.
    pub fn from_document(document: Value) -> Result<Contract, String> {
        let operations = read_operations(&document)?;
        Contract::assemble(document, operations)
    }

    fn assemble(document: Value, operations: Vec<Operation>) -> Result<Contract, String> {
        let rules = rules::load(&document)?;
        Ok(Contract {
            document,
            operations,
            rules,
            validators: Mutex::new(HashMap::new()),
        })
    }

    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The schema resolver over this spec.
    pub fn resolver(&self) -> Resolver<'_> {
        Resolver::new(&self.document)
    }

    pub(crate) fn rule_table(&self) -> &RuleTable {
        &self.rules
    }

    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// The operation at `method` + concrete `path`, matching `{param}` segments.
    pub fn route(&self, method: &str, path: &str) -> RouteMatch<'_> {
        route(&self.operations, method, path)
    }

    /// How long one request of `op` may take: its own `x-launchplane-timeout-seconds`, else the
    /// document's; `None` when the spec gives neither.
    pub fn timeout_seconds(&self, op: &Operation) -> Option<u64> {
        op.timeout_seconds.or_else(|| self.document_timeout_seconds())
    }

    /// The document's limit of one request, for operations that name none.
    pub fn document_timeout_seconds(&self) -> Option<u64> {
        self.document
            .get(TIMEOUT_KEY)
            .and_then(Value::as_u64)
            .filter(|seconds| *seconds > 0)
    }

    /// The Idempotency-Key Launchplane requires for this body (`x-launchplane-key-from`), if any.
    pub fn required_key(&self, op: &Operation, body: &Value) -> Option<String> {
        let rule = op.key_from.as_ref()?;
        let schema = op.request_schema.as_deref()?;
        if let Some(when) = &rule.when
            && !rules::condition_holds(self, schema, body, when)
        {
            return None;
        }
        let value = rules::resolve(self, schema, body, &rule.field)?;
        let key = value.as_str()?.trim();
        (!key.is_empty()).then(|| key.to_owned())
    }

    /// A component schema by name.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        self.resolver().get(&component_loc(name))
    }

    /// The body as Launchplane reads it: pydantic's lax-mode conversions of integer, number
    /// and boolean fields applied (`"1800"` and `1800.0` are `1800`, `"true"` is `true`).
    pub fn lax_view(&self, op: &Operation, body: &Value) -> Value {
        match op.request_schema.as_deref() {
            Some(schema_name) => coerce(self, schema_name, body),
            None => body.clone(),
        }
    }

    /// Checks a request body against the operation's schema and its cross-field rules, as
    /// Launchplane does: on its lax view (`lax_view`).
    pub fn validate_body(&self, op: &Operation, body: &Value) -> Result<(), Vec<Violation>> {
        let Some(schema_name) = op.request_schema.as_deref() else {
            return Ok(());
        };
        let lax_body = coerce(self, schema_name, body);
        let body = &lax_body;
        let validator = self.validator(schema_name);
        let mut violations: Vec<Violation> = validator
            .iter_errors(body)
            .map(|error| Violation {
                path: dot_path::from_pointer(error.instance_path().as_str()),
                rule: error.kind().keyword().to_owned(),
                message: error.to_string(),
            })
            .collect();
        if violations.is_empty() {
            violations = rules::check(self, schema_name, body);
        }
        if violations.is_empty() { Ok(()) } else { Err(violations) }
    }

    /// Whether `value` matches a schema of this spec (JSON Schema only, no rules).
    pub fn schema_accepts(&self, schema: &Value, value: &Value) -> bool {
        let mut root = match to_json_schema(schema) {
            Value::Object(map) => map,
            other => Map::from_iter([("allOf".to_owned(), Value::Array(vec![other]))]),
        };
        let reachable = self.reachable_from(schema);
        root.insert("components".into(), serde_json::json!({ "schemas": reachable }));
        jsonschema::validator_for(&Value::Object(root)).is_ok_and(|v| v.is_valid(value))
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
        self.success_media(op).and_then(|m| m.get("example")).cloned()
    }

    /// The name of the operation's success schema.
    pub fn response_schema(&self, op: &Operation) -> Option<String> {
        self.success_media(op)
            .and_then(|m| m.pointer("/schema/$ref"))
            .and_then(Value::as_str)
            .and_then(ref_name)
            .map(str::to_owned)
    }

    fn success_media(&self, op: &Operation) -> Option<&Value> {
        self.document.pointer(&format!(
            "/paths/{}/{}/responses/{}/content/application~1json",
            escape_pointer(&op.path),
            op.method.to_ascii_lowercase(),
            op.success_status
        ))
    }

    /// The `x-launchplane-outcome` of the schema behind `result` in the success answer.
    pub fn outcome_fields(&self, op: &Operation) -> Vec<(String, Vec<Value>)> {
        let resolver = self.resolver();
        let Some(envelope) = self.response_schema(op) else {
            return Vec::new();
        };
        let Ok(result) = resolver.field(&component_loc(&envelope), "result") else {
            return Vec::new();
        };
        result
            .schema
            .get("x-launchplane-outcome")
            .and_then(|o| serde_json::from_value::<Vec<OutcomeField>>(o.clone()).ok())
            .map(|fields| fields.into_iter().map(|f| (f.field, f.ok)).collect())
            .unwrap_or_default()
    }

    /// The outcome fields declared on the answer itself (top-level fields), for routes whose
    /// answer has no `result`.
    pub fn envelope_outcome_fields(&self, op: &Operation) -> Vec<(String, Vec<Value>)> {
        let Some(envelope) = self.response_schema(op) else {
            return Vec::new();
        };
        self.schema(&envelope)
            .and_then(|schema| schema.get("x-launchplane-outcome"))
            .and_then(|o| serde_json::from_value::<Vec<OutcomeField>>(o.clone()).ok())
            .map(|fields| fields.into_iter().map(|f| (f.field, f.ok)).collect())
            .unwrap_or_default()
    }

    /// The outcome fields of an answer to `op` whose values report failure, as `field=value`:
    /// those of `result` and those on the answer itself.
    pub fn reported_failures(&self, op: &Operation, answer: &Value) -> Vec<String> {
        let failed = |part: Option<&Value>, fields: Vec<(String, Vec<Value>)>| -> Vec<String> {
            let Some(part) = part.filter(|p| !p.is_null()) else {
                return Vec::new();
            };
            fields
                .into_iter()
                .filter_map(|(field, ok)| {
                    let value = part.get(&field)?;
                    (!ok.contains(value)).then(|| format!("{field}={}", rules::scalar_text(value)))
                })
                .collect()
        };
        let mut failures = failed(answer.get("result"), self.outcome_fields(op));
        failures.extend(failed(Some(answer), self.envelope_outcome_fields(op)));
        failures
    }

    /// A JSON Schema (draft 2020-12) of a component, with the components it reaches beside it.
    pub fn json_schema(&self, name: &str) -> Value {
        serde_json::json!({
            "$ref": format!("#/components/schemas/{name}"),
            "components": { "schemas": self.reachable_from(&serde_json::json!({"$ref": format!("#/components/schemas/{name}")})) },
        })
    }

    /// The translated component schemas a schema reaches.
    fn reachable_from(&self, schema: &Value) -> Map<String, Value> {
        let resolver = self.resolver();
        let mut names: Vec<String> = Vec::new();
        for name in refs_in(schema).into_iter().filter_map(ref_name) {
            for reached in resolver.reachable_components(&component_loc(name)) {
                if !names.contains(&reached) {
                    names.push(reached);
                }
            }
        }
        names
            .into_iter()
            .filter_map(|name| Some((name.clone(), to_json_schema(self.schema(&name)?))))
            .collect()
    }

    fn validator(&self, schema_name: &str) -> Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().expect("validator cache");
        cache
            .entry(schema_name.to_owned())
            .or_insert_with(|| {
                let schema = self.json_schema(schema_name);
                let validator =
                    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("schema {schema_name} compiles: {e}"));
                Arc::new(validator)
            })
            .clone()
    }

    /// The value at a dot path (`deploy.product`) of a JSON body.
    pub fn field<'v>(body: &'v Value, dot_path: &str) -> Option<&'v Value> {
        dot_path::field(body, dot_path)
    }
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
