//! A FastAPI OpenAPI 3.1 document rewritten into the 3.0 shape this spec uses, so the two can
//! be compared field by field: `type: [X, "null"]` and `anyOf` with `{type: null}` become
//! `nullable`, `const` becomes a one-value `enum`, `$defs` move under `components/schemas`,
//! numeric `exclusiveMinimum`/`exclusiveMaximum` become 3.0 flags, and FastAPI's `title`s,
//! `examples` arrays and validation-error schemas are dropped.

use serde_json::{Map, Value, json};

use super::doc;

/// FastAPI's request-validation error components (answered as 422, which Launchplane never sends).
const VALIDATION_SCHEMAS: [&str; 2] = ["HTTPValidationError", "ValidationError"];

/// The document in OpenAPI 3.0 shape; 3.0 documents are returned unchanged.
pub fn to_oas30(doc: &Value) -> Result<Value, String> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if version.starts_with("3.0") {
        return Ok(doc.clone());
    }
    if !version.starts_with("3.1") {
        return Err(format!("not an OpenAPI 3.0/3.1 document (openapi: {version:?})"));
    }
    let mut out = doc.clone();
    out["openapi"] = json!("3.0.3");
    out.as_object_mut().map(|m| m.remove("jsonSchemaDialect"));

    let mut defs = Map::new();
    take_defs(&mut out, &mut defs);
    let schemas = out
        .as_object_mut()
        .expect("checked object")
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("`components` is not an object")?
        .entry("schemas")
        .or_insert_with(|| json!({}));
    if let Value::Object(schemas) = schemas {
        for (name, schema) in defs {
            schemas.entry(name).or_insert(schema);
        }
        for name in VALIDATION_SCHEMAS {
            schemas.remove(name);
        }
        for schema in schemas.values_mut() {
            normalize_schema(schema);
        }
    }
    rewrite_refs(&mut out);
    normalize_paths(&mut out);
    Ok(out)
}

/// Moves every `$defs` entry (at any depth) into `defs`.
fn take_defs(v: &mut Value, defs: &mut Map<String, Value>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(found)) = m.remove("$defs") {
                for (name, schema) in found {
                    defs.entry(name).or_insert(schema);
                }
            }
            for child in m.values_mut() {
                take_defs(child, defs);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| take_defs(c, defs)),
        _ => {}
    }
    // Schemas moved out of `$defs` may hold their own.
    let nested: Vec<String> = defs
        .iter()
        .filter(|(_, s)| s.get("$defs").is_some())
        .map(|(k, _)| k.clone())
        .collect();
    for name in nested {
        if let Some(mut schema) = defs.remove(&name) {
            take_defs(&mut schema, defs);
            defs.insert(name, schema);
        }
    }
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref")
                && let Some(pos) = r.find("/$defs/")
            {
                *r = format!("#/components/schemas/{}", &r[pos + "/$defs/".len()..]);
            }
            m.values_mut().for_each(rewrite_refs);
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn is_validation_error(response: &Value) -> bool {
    response
        .pointer("/content/application~1json/schema")
        .and_then(doc::ref_of)
        .is_some_and(|r| VALIDATION_SCHEMAS.contains(&doc::ref_name(r)))
}

fn normalize_paths(out: &mut Value) {
    let Some(Value::Object(paths)) = out.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut() {
        let Value::Object(item) = item else { continue };
        if let Some(Value::Array(params)) = item.get_mut("parameters") {
            params.iter_mut().for_each(normalize_parameter);
        }
        for (method, op) in item.iter_mut() {
            if !doc::METHODS.contains(&method.as_str()) {
                continue;
            }
            if let Some(Value::Array(params)) = op.get_mut("parameters") {
                params.iter_mut().for_each(normalize_parameter);
            }
            if let Some(body) = op.get_mut("requestBody") {
                normalize_content(body);
            }
            if let Some(Value::Object(responses)) = op.get_mut("responses") {
                responses.retain(|_, r| !is_validation_error(r));
                responses.values_mut().for_each(normalize_content);
            }
        }
    }
}

fn normalize_parameter(p: &mut Value) {
    if let Some(schema) = p.get_mut("schema") {
        normalize_schema(schema);
        // A header, path or query value is never JSON null.
        schema.as_object_mut().map(|s| s.remove("nullable"));
    }
}

fn normalize_content(holder: &mut Value) {
    if let Some(Value::Object(content)) = holder.get_mut("content") {
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                normalize_schema(schema);
            }
        }
    }
}

fn is_null_type(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
}

/// Rewrites one schema (recursively) into 3.0 shape.
pub fn normalize_schema(v: &mut Value) {
    let Value::Object(m) = v else { return };
    for key in [
        "title",
        "$schema",
        "$id",
        "$comment",
        "examples",
        "contentMediaType",
        "contentEncoding",
    ] {
        m.remove(key);
    }
    if let Some(c) = m.remove("const") {
        m.insert("enum".into(), json!([c]));
    }
    if let Some(Value::Array(types)) = m.get("type").cloned() {
        let real: Vec<&Value> = types.iter().filter(|t| t.as_str() != Some("null")).collect();
        if real.len() < types.len() {
            m.insert("nullable".into(), json!(true));
        }
        if let [single] = real.as_slice() {
            m.insert("type".into(), (*single).clone());
        }
    }
    for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = m.get(flag).filter(|n| n.is_number()).cloned() {
            m.insert(bound.into(), n);
            m.insert(flag.into(), json!(true));
        }
    }
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(parts)) = m.get(key) else {
            continue;
        };
        if !parts.iter().any(is_null_type) {
            continue;
        }
        let real: Vec<Value> = parts.iter().filter(|p| !is_null_type(p)).cloned().collect();
        m.remove(key);
        m.insert("nullable".into(), json!(true));
        match real.as_slice() {
            [single] if single.get("$ref").is_some() => {
                m.insert("allOf".into(), json!([single]));
            }
            [Value::Object(single)] => {
                for (k, v) in single {
                    m.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            _ => {
                m.insert(key.into(), Value::Array(real));
            }
        }
    }
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        props.values_mut().for_each(normalize_schema);
    }
    for key in ["items", "not", "additionalProperties"] {
        if let Some(child @ Value::Object(_)) = m.get_mut(key) {
            normalize_schema(child);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(parts)) = m.get_mut(key) {
            parts.iter_mut().for_each(normalize_schema);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_forms_become_30() {
        let mut s =
            json!({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}], "default": null, "title": "T"});
        normalize_schema(&mut s);
        assert_eq!(
            s,
            json!({"default": null, "nullable": true, "type": "integer", "minimum": 1})
        );
        let mut r = json!({"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]});
        normalize_schema(&mut r);
        assert_eq!(
            r,
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/A"}]})
        );
        let mut t = json!({"type": ["string", "null"], "const": "x", "exclusiveMinimum": 0});
        normalize_schema(&mut t);
        assert_eq!(
            t,
            json!({"type": "string", "nullable": true, "enum": ["x"], "minimum": 0, "exclusiveMinimum": true})
        );
    }

    #[test]
    fn defs_move_to_components() {
        let d = json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "$defs": {"B": {"type": "string"}}}
        }}});
        let out = to_oas30(&d).unwrap();
        assert_eq!(out.pointer("/components/schemas/B"), Some(&json!({"type": "string"})));
        assert_eq!(
            out.pointer("/components/schemas/A/properties/b/$ref"),
            Some(&json!("#/components/schemas/B"))
        );
    }
}
