//! Where the schemas of an OpenAPI document are: the roots (component schemas, parameter,
//! body, response and header schemas) and the child schemas of a schema.

use serde_json::{Map, Value};

use crate::spec::doc;

/// Keywords that hold one child schema.
const SCHEMA_CHILD: [&str; 3] = ["items", "not", "additionalProperties"];
/// Keywords that hold a list of child schemas.
const SCHEMA_LISTS: [&str; 3] = ["allOf", "anyOf", "oneOf"];
/// Keywords that hold a map of child schemas.
const SCHEMA_MAPS: [&str; 3] = ["properties", "patternProperties", "$defs"];

/// Applies `f` to every schema that is not inside another schema.
pub fn for_each_schema_root(doc: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for item in paths.values_mut() {
            let Value::Object(item) = item else { continue };
            for (key, value) in item.iter_mut() {
                if key == "parameters" {
                    parameters(value, f);
                } else if doc::METHODS.contains(&key.as_str()) {
                    operation(value, f);
                }
            }
        }
    }
    let Some(Value::Object(components)) = doc.get_mut("components") else {
        return;
    };
    for (kind, entries) in components.iter_mut() {
        let Value::Object(entries) = entries else { continue };
        for entry in entries.values_mut() {
            match kind.as_str() {
                "schemas" => f(entry),
                "parameters" | "headers" => schema_of(entry, f),
                "requestBodies" | "responses" => content(entry, f),
                _ => {}
            }
        }
    }
}

fn operation(op: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    if let Some(params) = op.get_mut("parameters") {
        parameters(params, f);
    }
    if let Some(body) = op.get_mut("requestBody") {
        content(body, f);
    }
    if let Some(Value::Object(responses)) = op.get_mut("responses") {
        responses.values_mut().for_each(|r| content(r, f));
    }
}

fn parameters(params: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    if let Value::Array(params) = params {
        params.iter_mut().for_each(|p| schema_of(p, f));
    }
}

fn schema_of(holder: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    if let Some(schema) = holder.get_mut("schema") {
        f(schema);
    }
}

/// Schemas of a request body or response: its media types and (responses) headers.
fn content(holder: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    for key in ["content", "headers"] {
        if let Some(Value::Object(map)) = holder.get_mut(key) {
            map.values_mut().for_each(|m| schema_of(m, f));
        }
    }
}

pub fn for_each_child(m: &mut Map<String, Value>, f: &mut dyn FnMut(&mut Value)) {
    for key in SCHEMA_CHILD {
        if let Some(child @ Value::Object(_)) = m.get_mut(key) {
            f(child);
        }
    }
    for key in SCHEMA_LISTS {
        if let Some(Value::Array(parts)) = m.get_mut(key) {
            parts.iter_mut().for_each(&mut *f);
        }
    }
    for key in SCHEMA_MAPS {
        if let Some(Value::Object(children)) = m.get_mut(key) {
            children.values_mut().for_each(&mut *f);
        }
    }
}
