//! Request-body rules: JSON only, a named component, closed models all the way down, examples.

use std::collections::HashSet;

use launchplane_contract::Resolver;
use serde_json::Value;

use super::Finding;
use crate::spec::doc::{self, Loc};

pub fn check(spec: &Value, out: &mut Vec<Finding>) {
    let mut closed_checked = HashSet::new();
    for op in doc::operations(spec) {
        let Some(body) = op.value.get("requestBody") else {
            continue;
        };
        let Some((body, body_loc)) = doc::deref(spec, body, doc::child(&op.loc, "requestBody")) else {
            continue;
        };
        if body.get("required") != Some(&Value::Bool(true)) {
            out.push(Finding::new(
                body_loc.clone(),
                format!("{} request body is not `required: true`", op.label()),
                "mark it required",
            ));
        }
        let content = body.get("content").and_then(Value::as_object);
        let types: Vec<&str> = content.into_iter().flat_map(|c| c.keys()).map(String::as_str).collect();
        if types != ["application/json"] {
            out.push(Finding::new(
                doc::child(&body_loc, "content"),
                format!("{} request body has content types [{}]", op.label(), types.join(", ")),
                "accept exactly one `application/json` body (the generator takes one request type)",
            ));
            continue;
        }
        let media_loc = doc::child(&doc::child(&body_loc, "content"), "application/json");
        let media = &content.expect("checked above")["application/json"];
        let schema = media.get("schema");
        match schema.and_then(doc::ref_of) {
            Some(r) if r.starts_with("#/components/schemas/") => {
                if let Some(loc) = doc::ref_loc(r) {
                    check_closed(spec, loc, &mut closed_checked, out);
                }
            }
            _ => out.push(Finding::new(
                doc::child(&media_loc, "schema"),
                format!("{} request schema is not a `$ref` to a named component", op.label()),
                "move the schema under `components/schemas` and reference it",
            )),
        }
        let has_examples = media
            .get("examples")
            .and_then(Value::as_object)
            .is_some_and(|e| !e.is_empty() && e.values().all(|x| x.get("value").is_some()));
        if !has_examples {
            out.push(Finding::new(
                media_loc,
                format!("{} request body has no `examples` entry with a `value`", op.label()),
                "add at least one named example under `examples`",
            ));
        }
    }
}

/// Every object model reachable from a request component must reject unknown fields, as
/// Launchplane's request models do.
fn check_closed(spec: &Value, loc: Loc, seen: &mut HashSet<Loc>, out: &mut Vec<Finding>) {
    if !seen.insert(loc.clone()) {
        return;
    }
    let Some(schema) = doc::get(spec, &loc) else { return };
    if let Some(r) = doc::ref_of(schema) {
        if let Some(target) = doc::ref_loc(r) {
            check_closed(spec, target, seen, out);
        }
        return;
    }
    let is_model = schema.get("properties").is_some()
        || (schema.get("type").and_then(Value::as_str) == Some("object")
            && !schema.get("additionalProperties").is_some_and(Value::is_object));
    if is_model && schema.get("additionalProperties") != Some(&Value::Bool(false)) {
        let name = loc.last().map(String::as_str).unwrap_or("?");
        out.push(Finding::new(
            loc.clone(),
            format!("request model `{name}` does not set `additionalProperties: false`"),
            "add `additionalProperties: false` (Launchplane rejects unknown request fields)",
        ));
    }
    for (_, _, _, child) in Resolver::new(spec).subschemas(schema, &loc) {
        check_closed(spec, child, seen, out);
    }
}
