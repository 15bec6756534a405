//! OpenAPI 3.1 (JSON Schema 2020-12, as FastAPI writes it) to the OpenAPI 3.0.3 form the client
//! generator reads. Each rule is a function of one schema object; 3.0 input passes through
//! unchanged, so a 3.0 document is a fixed point.

use serde_json::{Map, Value, json};

use super::placement::{collapse_restated_refs, hoist_defs, name_inline_bodies};
use super::walk::{for_each_child, for_each_schema_root};
use crate::spec::doc;

/// FastAPI's request-validation error components, answered as 422 (Launchplane never does).
const VALIDATION_SCHEMAS: [&str; 2] = ["HTTPValidationError", "ValidationError"];
/// JSON Schema annotations 3.0 does not know; FastAPI's `title`s only repeat the field name.
const DROPPED: [&str; 6] = [
    "title",
    "$schema",
    "$id",
    "$comment",
    "contentMediaType",
    "contentEncoding",
];

/// Rewrites `doc` in place into OpenAPI 3.0.3. Errors when two `$defs` of one name differ.
pub fn to_oas30(doc: &mut Value) -> Result<(), String> {
    let Value::Object(root) = doc else {
        return Err("the source document is not a JSON object".into());
    };
    root.insert("openapi".into(), json!("3.0.3"));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    drop_validation_errors(doc);
    name_inline_bodies(doc)?;
    for_each_schema_root(doc, &mut convert_schema);
    hoist_defs(doc)?;
    let components = doc.pointer("/components/schemas").cloned().unwrap_or_else(|| json!({}));
    for_each_schema_root(doc, &mut |s| collapse_restated_refs(s, &components));
    for_each_schema_root(doc, &mut wrap_ref_siblings);
    Ok(())
}

/// Rewrites one schema and everything below it.
pub fn convert_schema(v: &mut Value) {
    let Value::Object(m) = v else { return };
    null_union(m);
    for key in DROPPED {
        m.remove(key);
    }
    examples_to_example(m);
    const_to_enum(m);
    type_list_to_nullable(m);
    null_type_alone(m);
    exclusive_bounds(m);
    integral_bounds(m);
    for_each_child(m, &mut convert_schema);
}

/// Applies [`sibling_ref`] to a schema and everything below it.
pub fn wrap_ref_siblings(v: &mut Value) {
    let Value::Object(m) = v else { return };
    for_each_child(m, &mut wrap_ref_siblings);
    sibling_ref(m);
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
}

/// `anyOf`/`oneOf` with a `{type: null}` member: `nullable: true` on the rest — a lone `$ref`
/// wrapped in `allOf`, a lone inline schema merged in, several kept as the composition.
pub fn null_union(m: &mut Map<String, Value>) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(parts)) = m.get(key) else {
            continue;
        };
        if !parts.iter().any(is_null_schema) {
            continue;
        }
        let rest: Vec<Value> = parts.iter().filter(|p| !is_null_schema(p)).cloned().collect();
        m.remove(key);
        m.insert("nullable".into(), json!(true));
        match rest.as_slice() {
            [single] if single.get("$ref").is_some() && single.as_object().is_some_and(|s| s.len() == 1) => {
                m.insert("allOf".into(), json!([single]));
            }
            [Value::Object(single)] => {
                for (k, v) in single {
                    m.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            _ => {
                m.insert(key.into(), Value::Array(rest));
            }
        }
    }
}

/// Schema `examples` (a list in 3.1) becomes the 3.0 `example` (its first entry).
pub fn examples_to_example(m: &mut Map<String, Value>) {
    if let Some(Value::Array(examples)) = m.get("examples") {
        let first = examples.first().cloned();
        m.remove("examples");
        if let Some(first) = first {
            m.entry("example").or_insert(first);
        }
    }
}

/// `const: x` becomes `enum: [x]`.
pub fn const_to_enum(m: &mut Map<String, Value>) {
    if let Some(c) = m.remove("const") {
        m.insert("enum".into(), json!([c]));
    }
}

/// `type: [T, "null"]` becomes `type: T, nullable: true`.
pub fn type_list_to_nullable(m: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = m.get("type") else {
        return;
    };
    let real: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
    let had_null = real.len() < types.len();
    match real.as_slice() {
        [single] => {
            m.insert("type".into(), single.clone());
        }
        [] => {
            m.remove("type");
        }
        _ => {
            // 3.0 has no type lists: one branch per type.
            let branches: Vec<Value> = real.iter().map(|t| json!({"type": t})).collect();
            m.remove("type");
            m.insert("anyOf".into(), Value::Array(branches));
        }
    }
    if had_null {
        m.insert("nullable".into(), json!(true));
    }
}

/// A schema that only admits null (`type: "null"`): `nullable: true, enum: [null]`.
pub fn null_type_alone(m: &mut Map<String, Value>) {
    if m.get("type").and_then(Value::as_str) == Some("null") {
        m.remove("type");
        m.insert("nullable".into(), json!(true));
        m.insert("enum".into(), json!([null]));
    }
}

/// Numeric `exclusiveMinimum: n` becomes `minimum: n, exclusiveMinimum: true` (same for max).
pub fn exclusive_bounds(m: &mut Map<String, Value>) {
    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = m.get(flag).filter(|n| n.is_number()).cloned() {
            m.insert(bound.into(), n);
            m.insert(flag.into(), json!(true));
        }
    }
}

/// Pydantic writes `ge=1` as `minimum: 1.0`; a whole-number bound is written as an integer.
pub fn integral_bounds(m: &mut Map<String, Value>) {
    for key in ["minimum", "maximum", "multipleOf"] {
        if let Some(f) = m.get(key).and_then(Value::as_f64)
            && m.get(key).is_some_and(Value::is_f64)
            && f.fract() == 0.0
            && f.abs() < 9.0e15
        {
            m.insert(key.into(), json!(f as i64));
        }
    }
}

/// 3.0 ignores the siblings of a `$ref`: the reference moves into an `allOf`.
pub fn sibling_ref(m: &mut Map<String, Value>) {
    if m.len() < 2 {
        return;
    }
    let Some(reference) = m.remove("$ref") else { return };
    let mut parts = vec![json!({"$ref": reference})];
    if let Some(Value::Array(existing)) = m.remove("allOf") {
        parts.extend(existing);
    }
    m.insert("allOf".into(), Value::Array(parts));
}

/// Drops FastAPI's 422 validation-error responses and their schemas.
fn drop_validation_errors(doc: &mut Value) {
    let is_validation = |r: &Value| {
        r.pointer("/content/application~1json/schema")
            .and_then(doc::ref_of)
            .is_some_and(|r| VALIDATION_SCHEMAS.contains(&doc::ref_name(r)))
    };
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (key, op) in item.iter_mut() {
                if !doc::METHODS.contains(&key.as_str()) {
                    continue;
                }
                if let Some(Value::Object(responses)) = op.get_mut("responses") {
                    responses.retain(|_, r| !is_validation(r));
                }
            }
        }
    }
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for name in VALIDATION_SCHEMAS {
            schemas.remove(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn converted(v: Value) -> Value {
        let mut v = v;
        convert_schema(&mut v);
        v
    }

    #[test]
    fn any_of_null_with_a_type_becomes_nullable() {
        assert_eq!(
            converted(json!({"anyOf": [{"type": "integer", "minimum": 1.0}, {"type": "null"}], "title": "T"})),
            json!({"nullable": true, "type": "integer", "minimum": 1})
        );
    }

    #[test]
    fn any_of_null_with_a_ref_wraps_the_ref_in_all_of() {
        assert_eq!(
            converted(json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}], "description": "d"})),
            json!({"description": "d", "nullable": true, "allOf": [{"$ref": "#/components/schemas/A"}]})
        );
    }

    #[test]
    fn any_of_null_with_several_members_keeps_them() {
        assert_eq!(
            converted(json!({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})),
            json!({"nullable": true, "anyOf": [{"type": "string"}, {"type": "integer"}]})
        );
    }

    #[test]
    fn const_becomes_a_one_value_enum() {
        assert_eq!(
            converted(json!({"type": "string", "const": "accepted", "default": "accepted"})),
            json!({"type": "string", "default": "accepted", "enum": ["accepted"]})
        );
    }

    #[test]
    fn type_lists_become_nullable_or_branches() {
        assert_eq!(
            converted(json!({"type": ["string", "null"]})),
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            converted(json!({"type": ["string", "integer"]})),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}]})
        );
        assert_eq!(
            converted(json!({"type": "null"})),
            json!({"nullable": true, "enum": [null]})
        );
    }

    #[test]
    fn schema_examples_become_example() {
        assert_eq!(
            converted(json!({"type": "string", "examples": ["a", "b"]})),
            json!({"type": "string", "example": "a"})
        );
        assert_eq!(
            converted(json!({"type": "string", "examples": []})),
            json!({"type": "string"})
        );
    }

    #[test]
    fn numeric_exclusive_bounds_become_flags() {
        assert_eq!(
            converted(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5})),
            json!({"type": "number", "exclusiveMinimum": true, "exclusiveMaximum": true, "minimum": 0, "maximum": 1.5})
        );
        let flags = json!({"type": "number", "minimum": 0, "exclusiveMinimum": true});
        assert_eq!(converted(flags.clone()), flags);
    }

    #[test]
    fn whole_number_bounds_are_integers() {
        assert_eq!(
            converted(json!({"type": "integer", "minimum": 1.0, "maximum": 600})),
            json!({"type": "integer", "minimum": 1, "maximum": 600})
        );
        assert_eq!(
            converted(json!({"type": "number", "minimum": 0.5})),
            json!({"type": "number", "minimum": 0.5})
        );
    }

    #[test]
    fn ref_siblings_move_into_all_of() {
        let mut v = json!({"properties": {"a": {"$ref": "#/components/schemas/A", "description": "why"}}});
        wrap_ref_siblings(&mut v);
        assert_eq!(
            v["properties"]["a"],
            json!({"description": "why", "allOf": [{"$ref": "#/components/schemas/A"}]})
        );
        let mut alone = json!({"$ref": "#/components/schemas/A"});
        wrap_ref_siblings(&mut alone);
        assert_eq!(alone, json!({"$ref": "#/components/schemas/A"}));
    }

    #[test]
    fn rules_reach_nested_schemas() {
        let out = converted(json!({"type": "object", "properties": {
            "a": {"type": "array", "items": {"const": 1}},
            "b": {"additionalProperties": {"type": ["string", "null"]}}
        }}));
        assert_eq!(out.pointer("/properties/a/items"), Some(&json!({"enum": [1]})));
        assert_eq!(
            out.pointer("/properties/b/additionalProperties"),
            Some(&json!({"type": "string", "nullable": true}))
        );
    }
}
