//! OpenAPI 3.0 schema objects as JSON Schema 2020-12, to validate examples with `jsonschema`.
//! Translated: `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`, `$ref` siblings
//! (ignored by 3.0), component references (to `$defs`); dropped: `example`, `discriminator`,
//! `xml`, `externalDocs`, `x-*`.

use jsonschema::{Draft, ValidatorMap};
use serde_json::{Map, Value, json};

use super::doc;

const COMPONENTS: &str = "#/components/schemas/";
const DEFS: &str = "#/$defs/";

/// The component schemas of a spec, translated and compiled once (as `$defs` of one root), to
/// validate instances against.
pub struct Schemas {
    defs: Value,
    compiled: Result<ValidatorMap, String>,
}

impl Schemas {
    pub fn new(spec: &Value) -> Self {
        let schemas = spec.pointer("/components/schemas").and_then(Value::as_object);
        let defs: Map<String, Value> = schemas
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), translate(v)))
            .collect();
        let defs = Value::Object(defs);
        let compiled = options()
            .build_map(&json!({ "$defs": defs }))
            .map_err(|e| format!("schemas do not compile: {e}"));
        Schemas { defs, compiled }
    }

    /// Where and why `instance` does not match `schema` (empty when it does): the JSON
    /// pointer segments into the instance, and the message. `schema` is a schema object of
    /// the spec, inline or a `$ref`.
    pub fn errors(&self, schema: &Value, instance: &Value) -> Result<Vec<(Vec<String>, String)>, String> {
        let compiled = self.compiled.as_ref().map_err(Clone::clone)?;
        let translated = translate(schema);
        let own;
        let validator = match translated.get("$ref").and_then(Value::as_str) {
            Some(r) if translated.as_object().is_some_and(|m| m.len() == 1) => {
                compiled.get(r).ok_or_else(|| format!("`{r}` does not resolve"))?
            }
            _ => {
                let mut root = match translated {
                    Value::Object(m) => m,
                    other => Map::from_iter([("allOf".to_string(), json!([other]))]),
                };
                root.insert("$defs".into(), self.defs.clone());
                own = options()
                    .build(&Value::Object(root))
                    .map_err(|e| format!("schema does not compile: {e}"))?;
                &own
            }
        };
        Ok(validator
            .iter_errors(instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                let segments = doc::ref_loc(&format!("#{at}")).unwrap_or_default();
                let message = if at.is_empty() {
                    e.to_string()
                } else {
                    format!("{e} at {at}")
                };
                (segments, message)
            })
            .collect())
    }
}

fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options().with_draft(Draft::Draft202012)
}

/// Translates one OpenAPI 3.0 schema object (recursively), component references pointing
/// into `$defs`.
pub fn translate(schema: &Value) -> Value {
    to_defs(launchplane_client::contract::to_json_schema(schema))
}

fn to_defs(schema: Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(
                    |(key, value)| match (key.as_str(), value.as_str().and_then(|r| r.strip_prefix(COMPONENTS))) {
                        ("$ref", Some(name)) => (key, json!(format!("{DEFS}{name}"))),
                        _ => (key, to_defs(value)),
                    },
                )
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(to_defs).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_nullable_and_exclusive_bounds() {
        let s = json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true, "nullable": true, "x-a": 1});
        assert_eq!(
            translate(&s),
            json!({"type": ["integer", "null"], "exclusiveMinimum": 1})
        );
        let r = json!({"$ref": "#/components/schemas/A", "nullable": true, "description": "d"});
        assert_eq!(
            translate(&r),
            json!({"if": {"type": "null"}, "else": {"$ref": "#/$defs/A"}})
        );
        let e = json!({"type": "string", "enum": ["a"], "nullable": true});
        assert_eq!(translate(&e), json!({"type": ["string", "null"], "enum": ["a", null]}));
    }

    #[test]
    fn validates_against_components() {
        let spec = json!({"components": {"schemas": {
            "A": {"type": "object", "additionalProperties": false, "required": ["n"],
                  "properties": {"n": {"type": "integer", "minimum": 1, "nullable": true}}}
        }}});
        let schemas = Schemas::new(&spec);
        let a = json!({"$ref": "#/components/schemas/A"});
        assert!(schemas.errors(&a, &json!({"n": null})).unwrap().is_empty());
        assert_eq!(schemas.errors(&a, &json!({"n": 0, "x": 1})).unwrap().len(), 2);
        let inline = json!({"type": "array", "items": {"$ref": "#/components/schemas/A"}});
        assert_eq!(schemas.errors(&inline, &json!([{"n": 1}, {}])).unwrap().len(), 1);
    }
}
