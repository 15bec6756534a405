//! Where FastAPI puts schemas and where the spec keeps them: inline request and response models
//! become named components, `$defs` move into `components/schemas`, and a `$ref` whose siblings
//! only restate its component is left alone.

use serde_json::{Map, Value, json};

use super::walk::for_each_child;
use crate::spec::doc;

/// `components/schemas` of a document, created when missing.
fn schemas_mut(doc: &mut Value) -> Result<&mut Map<String, Value>, String> {
    doc.as_object_mut()
        .ok_or("the document is not an object")?
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or("`components` is not an object")?
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| "`components/schemas` is not an object".to_string())
}

/// FastAPI writes a request model as `$ref` to its component *and* the component's own
/// keywords beside it; when the siblings only restate the component, the `$ref` alone remains.
pub fn collapse_restated_refs(v: &mut Value, components: &Value) {
    let Value::Object(m) = v else { return };
    for_each_child(m, &mut |c| collapse_restated_refs(c, components));
    let Some(reference) = m.get("$ref").and_then(Value::as_str) else {
        return;
    };
    if m.len() < 2 {
        return;
    }
    let target = reference
        .strip_prefix("#/components/schemas/")
        .and_then(|name| components.get(name));
    let mut siblings = m.clone();
    siblings.remove("$ref");
    if target == Some(&Value::Object(siblings)) {
        m.retain(|k, _| k == "$ref");
    }
}

/// A request or response body FastAPI inlined (a model with a `title`) becomes the named
/// component it is, so the generator gets a type name and the spec a `$ref`.
pub fn name_inline_bodies(doc: &mut Value) -> Result<(), String> {
    let mut named: Vec<(String, Value)> = Vec::new();
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (key, op) in item.iter_mut() {
                if !doc::METHODS.contains(&key.as_str()) {
                    continue;
                }
                let mut holders: Vec<&mut Value> = Vec::new();
                let Value::Object(op) = op else { continue };
                for (k, v) in op.iter_mut() {
                    match k.as_str() {
                        "requestBody" => holders.push(v),
                        "responses" => holders.extend(v.as_object_mut().into_iter().flat_map(|r| r.values_mut())),
                        _ => {}
                    }
                }
                for holder in holders {
                    let Some(Value::Object(content)) = holder.get_mut("content") else {
                        continue;
                    };
                    for media in content.values_mut() {
                        let Some(schema) = media.get_mut("schema") else {
                            continue;
                        };
                        let title = schema.get("title").and_then(Value::as_str).map(str::to_string);
                        let is_model = schema.get("$ref").is_none() && schema.get("type") == Some(&json!("object"));
                        if let (Some(title), true) = (title, is_model) {
                            let model =
                                std::mem::replace(schema, json!({"$ref": format!("#/components/schemas/{title}")}));
                            named.push((title, model));
                        }
                    }
                }
            }
        }
    }
    let schemas = schemas_mut(doc)?;
    for (name, model) in named {
        match schemas.get(&name) {
            None => {
                schemas.insert(name, model);
            }
            Some(existing) if *existing == model => {}
            Some(_) => {
                return Err(format!(
                    "an inline body titled `{name}` differs from `components/schemas/{name}`: the source \
                     uses one name for two models"
                ));
            }
        }
    }
    Ok(())
}

/// Moves every `$defs` entry into `components/schemas` and points its references there.
/// A name already defined must hold the same schema.
pub fn hoist_defs(doc: &mut Value) -> Result<(), String> {
    let mut found: Vec<(String, Value)> = Vec::new();
    take_defs(doc, &mut found);
    let schemas = schemas_mut(doc)?;
    let mut errors = Vec::new();
    for (name, mut schema) in found {
        rewrite_def_refs(&mut schema);
        match schemas.get(&name) {
            None => {
                schemas.insert(name, schema);
            }
            Some(existing) if *existing == schema => {}
            Some(_) => errors.push(format!(
                "`$defs/{name}` differs from `components/schemas/{name}`: the source defines two \
                 schemas under one name"
            )),
        }
    }
    rewrite_def_refs(doc);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

fn take_defs(v: &mut Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(defs)) = m.remove("$defs") {
                for (name, mut schema) in defs {
                    take_defs(&mut schema, out);
                    out.push((name, schema));
                }
            }
            m.values_mut().for_each(|c| take_defs(c, out));
        }
        Value::Array(a) => a.iter_mut().for_each(|c| take_defs(c, out)),
        _ => {}
    }
}

fn rewrite_def_refs(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref")
                && let Some(pos) = r.rfind("$defs/")
            {
                *r = format!("#/components/schemas/{}", &r[pos + "$defs/".len()..]);
            }
            m.values_mut().for_each(rewrite_def_refs);
        }
        Value::Array(a) => a.iter_mut().for_each(rewrite_def_refs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::import::convert::to_oas30;

    #[test]
    fn siblings_restating_the_component_collapse_to_the_ref() {
        let components = json!({"Env": {"type": "object", "properties": {"a": {"type": "string"}}}});
        let mut same =
            json!({"$ref": "#/components/schemas/Env", "type": "object", "properties": {"a": {"type": "string"}}});
        collapse_restated_refs(&mut same, &components);
        assert_eq!(same, json!({"$ref": "#/components/schemas/Env"}));
        let mut different =
            json!({"$ref": "#/components/schemas/Env", "type": "object", "properties": {"b": {"type": "string"}}});
        let before = different.clone();
        collapse_restated_refs(&mut different, &components);
        assert_eq!(different, before, "siblings that say more are kept (and later wrapped)");
    }

    #[test]
    fn titled_inline_bodies_become_components() {
        let mut d = json!({"openapi": "3.1.0", "paths": {"/a": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {
                "title": "AEnvelope", "type": "object", "properties": {"x": {"type": "string", "title": "X"}}
            }}}},
            "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}
        }}}});
        to_oas30(&mut d).unwrap();
        assert_eq!(
            d.pointer("/paths/~1a/post/requestBody/content/application~1json/schema"),
            Some(&json!({"$ref": "#/components/schemas/AEnvelope"}))
        );
        assert_eq!(
            d.pointer("/components/schemas/AEnvelope"),
            Some(&json!({"type": "object", "properties": {"x": {"type": "string"}}}))
        );
        assert_eq!(
            d.pointer("/paths/~1a/post/responses/200/content/application~1json/schema"),
            Some(&json!({"type": "object"})),
            "an untitled inline schema stays inline"
        );
    }

    #[test]
    fn defs_are_hoisted_and_references_follow() {
        let mut d = json!({"openapi": "3.1.0", "paths": {"/a": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {
                "$defs": {"B": {"type": "string", "title": "B"}},
                "type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}
            }}}},
            "responses": {"422": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}
        }}}, "components": {"schemas": {"HTTPValidationError": {"type": "object"}}}});
        to_oas30(&mut d).unwrap();
        assert_eq!(d["openapi"], json!("3.0.3"));
        assert_eq!(d.pointer("/components/schemas/B"), Some(&json!({"type": "string"})));
        let body = "/paths/~1a/post/requestBody/content/application~1json/schema";
        assert_eq!(
            d.pointer(&format!("{body}/properties/b/$ref")),
            Some(&json!("#/components/schemas/B"))
        );
        assert!(d.pointer(&format!("{body}/$defs")).is_none());
        assert!(d.pointer("/paths/~1a/post/responses/422").is_none());
        assert!(d.pointer("/components/schemas/HTTPValidationError").is_none());
    }

    #[test]
    fn clashing_defs_are_an_error() {
        let mut d = json!({"openapi": "3.1.0", "components": {"schemas": {
            "A": {"type": "object", "$defs": {"B": {"type": "string"}}},
            "B": {"type": "integer"}
        }}});
        let err = to_oas30(&mut d).unwrap_err();
        assert!(err.contains("`$defs/B` differs"), "{err}");
    }
}
