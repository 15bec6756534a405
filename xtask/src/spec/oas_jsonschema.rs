//! OpenAPI 3.0 schema objects as JSON Schema 2020-12, to validate examples with `jsonschema`.
//! Translated: `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`, `$ref` siblings
//! (ignored by 3.0), component references (to `$defs`); dropped: `example`, `discriminator`,
//! `xml`, `externalDocs`, `x-*`.

use jsonschema::{Draft, ValidationError, Validator};
use serde_json::{Map, Value, json};

use super::doc;

const COMPONENTS: &str = "#/components/schemas/";
const DEFS: &str = "#/$defs/";

/// The component schemas of a spec, translated and compiled once, to validate instances
/// against.
pub struct Schemas {
    defs: Value,
    /// One validator of `{"$defs": {…}, "properties": {"<name>": {"$ref": "#/$defs/<name>"}}}`:
    /// an instance is checked against component `<name>` as the value of property `<name>`.
    /// Compiling every component into one root costs half of what `build_map` (a validator
    /// for every subschema location) does.
    components: Result<Validator, String>,
}

impl Schemas {
    pub fn new(spec: &Value) -> Self {
        let schemas = spec.pointer("/components/schemas").and_then(Value::as_object);
        let defs: Map<String, Value> = schemas
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), translate(v)))
            .collect();
        let properties: Map<String, Value> = defs
            .keys()
            .map(|name| (name.clone(), json!({ "$ref": format!("{DEFS}{name}") })))
            .collect();
        let defs = Value::Object(defs);
        let components = options()
            .build(&json!({ "$defs": defs, "properties": properties }))
            .map_err(|e| format!("schemas do not compile: {e}"));
        Schemas { defs, components }
    }

    /// Where and why `instance` does not match `schema` (empty when it does): the JSON
    /// pointer segments into the instance, and the message. `schema` is a schema object of
    /// the spec, inline or a `$ref`.
    pub fn errors(&self, schema: &Value, instance: &Value) -> Result<Vec<(Vec<String>, String)>, String> {
        let translated = translate(schema);
        match translated.get("$ref").and_then(Value::as_str) {
            Some(r) if translated.as_object().is_some_and(|m| m.len() == 1) => {
                let name = r
                    .strip_prefix(DEFS)
                    .filter(|name| self.defs.get(name).is_some())
                    .ok_or_else(|| format!("`{r}` does not resolve"))?;
                let components = self.components.as_ref().map_err(Clone::clone)?;
                let wrapped = Value::Object(Map::from_iter([(name.to_owned(), instance.clone())]));
                let prefix = format!("/{}", name.replace('~', "~0").replace('/', "~1"));
                Ok(describe(components.iter_errors(&wrapped), &prefix))
            }
            _ => {
                let mut root = match translated {
                    Value::Object(m) => m,
                    other => Map::from_iter([("allOf".to_string(), json!([other]))]),
                };
                root.insert("$defs".into(), self.defs.clone());
                let own = options()
                    .build(&Value::Object(root))
                    .map_err(|e| format!("schema does not compile: {e}"))?;
                Ok(describe(own.iter_errors(instance), ""))
            }
        }
    }
}

/// The errors as (instance location, message), locations taken relative to `prefix`.
fn describe<'a>(errors: impl Iterator<Item = ValidationError<'a>>, prefix: &str) -> Vec<(Vec<String>, String)> {
    errors
        .map(|e| {
            let path = e.instance_path().to_string();
            let at = path.strip_prefix(prefix).unwrap_or(&path);
            let segments = doc::ref_loc(&format!("#{at}")).unwrap_or_default();
            let message = if at.is_empty() {
                e.to_string()
            } else {
                format!("{e} at {at}")
            };
            (segments, message)
        })
        .collect()
}

fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options().with_draft(Draft::Draft202012)
}

/// Translates one OpenAPI 3.0 schema object (recursively), component references pointing
/// into `$defs`.
pub fn translate(schema: &Value) -> Value {
    to_defs(launchplane_contract::to_json_schema(schema))
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
        let errors = schemas.errors(&a, &json!({"n": 0})).unwrap();
        assert_eq!(errors[0].0, ["n"]);
        assert!(errors[0].1.ends_with(" at /n"), "{}", errors[0].1);
        let missing = json!({"$ref": "#/components/schemas/B"});
        assert_eq!(
            schemas.errors(&missing, &json!({})).unwrap_err(),
            "`#/$defs/B` does not resolve"
        );
        let inline = json!({"type": "array", "items": {"$ref": "#/components/schemas/A"}});
        assert_eq!(schemas.errors(&inline, &json!([{"n": 1}, {}])).unwrap().len(), 1);
    }
}
