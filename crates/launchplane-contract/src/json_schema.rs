//! OpenAPI 3.0 schema objects as JSON Schema 2020-12, for `jsonschema`.

use serde_json::{Map, Value};

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
