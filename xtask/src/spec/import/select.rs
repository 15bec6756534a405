//! Keeping the carried operations of the service's document, under the spec's operationIds and
//! tags; every other route must be left out with a reason.

use serde_json::{Map, Value, json};

use super::read::Carried;
use crate::spec::doc;

/// A document holding the source's `openapi`, `info`, `components` and the carried operations
/// only. Errors name every carried operation the source lacks and every source route that is
/// neither carried nor left out.
pub fn select(source: &Value, carried: &Carried) -> Result<Value, Vec<String>> {
    let mut errors = Vec::new();
    let mut paths = Map::new();
    for op in &carried.carried {
        let method = op.method.to_lowercase();
        let found = doc::operations(source)
            .into_iter()
            .find(|o| o.method == method && doc::path_shape(o.path) == doc::path_shape(&op.path));
        let Some(found) = found else {
            errors.push(format!(
                "carried `{} {}` is not in the source document: remove it from the carried list or \
                 import from a document that has it",
                method.to_uppercase(),
                op.path
            ));
            continue;
        };
        let mut operation = found.value.clone();
        if let Value::Object(m) = &mut operation {
            m.insert("operationId".into(), json!(op.operation_id));
            m.insert("tags".into(), json!([op.tag]));
        }
        let item = paths
            .entry(found.path.to_string())
            .or_insert_with(|| path_level(source, found.path))
            .as_object_mut()
            .expect("path items are objects");
        item.insert(method, operation);
    }
    for op in doc::operations(source) {
        let is_carried = carried
            .carried
            .iter()
            .any(|c| c.method.eq_ignore_ascii_case(op.method) && doc::path_shape(&c.path) == doc::path_shape(op.path));
        let left_out = carried.left_out.iter().any(|l| l.covers(op.method, op.path));
        if !is_carried && !left_out {
            errors.push(format!(
                "`{}` is in the source but neither carried nor left out: add it to the carried list \
                 under `carried` or `left_out` (with a reason)",
                op.label()
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut out = Map::new();
    for key in ["openapi", "info"] {
        if let Some(v) = source.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let not_carried: Vec<Value> = carried
        .left_out
        .iter()
        .filter_map(|l| {
            let (method, path) = (l.method.as_ref()?, l.path.as_ref()?);
            Some(json!({"method": method.to_uppercase(), "path": path, "reason": l.reason}))
        })
        .collect();
    if !not_carried.is_empty() {
        out.insert("x-launchplane-not-carried".into(), Value::Array(not_carried));
    }
    out.insert("paths".into(), Value::Object(paths));
    out.insert(
        "components".into(),
        source.get("components").cloned().unwrap_or_else(|| json!({})),
    );
    Ok(Value::Object(out))
}

/// The path item's own keys (shared parameters, summary), without its operations.
fn path_level(source: &Value, path: &str) -> Value {
    let mut item = Map::new();
    if let Some(Value::Object(src)) = source.get("paths").and_then(|p| p.get(path)) {
        for (k, v) in src {
            if !doc::METHODS.contains(&k.as_str()) {
                item.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carried(text: &str) -> Carried {
        Carried::parse(text).unwrap()
    }

    fn source() -> Value {
        json!({"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {
            "/v1/a": {"post": {"operationId": "write_a", "responses": {}}, "get": {"responses": {}}},
            "/v1/ui/b": {"get": {"responses": {}}}
        }})
    }

    #[test]
    fn keeps_carried_operations_under_spec_names() {
        let list = carried(
            "carried:\n  - {method: post, path: /v1/a, operation_id: a_write, tag: odoo}\n\
             left_out:\n  - {method: GET, path: /v1/a, reason: read by operators only}\n  - {prefix: /v1/ui/, reason: the web UI}\n  - {prefix: /v1/a, reason: a family whose carried member wins}\n",
        );
        let out = select(&source(), &list).unwrap();
        assert_eq!(out.pointer("/paths/~1v1~1a/post/operationId"), Some(&json!("a_write")));
        assert_eq!(out.pointer("/paths/~1v1~1a/post/tags"), Some(&json!(["odoo"])));
        assert!(out.pointer("/paths/~1v1~1a/get").is_none());
        assert!(out.pointer("/paths/~1v1~1ui~1b").is_none());
        assert_eq!(
            out.pointer("/x-launchplane-not-carried/0"),
            Some(&json!({"method": "GET", "path": "/v1/a", "reason": "read by operators only"}))
        );
    }

    #[test]
    fn unlisted_and_missing_routes_are_errors() {
        let list = carried(
            "carried:\n  - {method: post, path: /v1/a, operation_id: a_write, tag: odoo}\n  - {method: post, path: /v1/gone, operation_id: gone, tag: odoo}\n",
        );
        let errors = select(&source(), &list).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("`POST /v1/gone` is not in the source")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("`GET /v1/a` is in the source but neither")),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.contains("`GET /v1/ui/b`")), "{errors:?}");
    }

    #[test]
    fn a_route_both_carried_and_left_out_is_rejected() {
        let err = Carried::parse(
            "carried:\n  - {method: post, path: /v1/a, operation_id: a, tag: odoo}\nleft_out:\n  - {method: POST, path: /v1/a, reason: twice}\n",
        )
        .unwrap_err();
        assert!(err.contains("both carried and left out"), "{err}");
        let err = Carried::parse("carried: []\nleft_out:\n  - {path: /v1/a, reason: x}\n").unwrap_err();
        assert!(err.contains("either `method` and `path`, or `prefix`"), "{err}");
    }
}
