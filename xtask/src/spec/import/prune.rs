//! Dropping the components no carried operation reaches.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::spec::doc;

/// Component kinds referred to by name rather than `$ref`; always kept.
const KEPT_KINDS: [&str; 1] = ["securitySchemes"];

/// Removes every component not reachable through `$ref`s from outside `components`.
/// Returns the removed components as `kind/name`.
pub fn prune(doc: &mut Value) -> Vec<String> {
    let reachable = reachable(doc);
    let mut removed = Vec::new();
    if let Some(Value::Object(components)) = doc.get_mut("components") {
        for (kind, entries) in components.iter_mut() {
            if KEPT_KINDS.contains(&kind.as_str()) {
                continue;
            }
            let Value::Object(entries) = entries else { continue };
            entries.retain(|name, _| {
                let keep = reachable.contains(&format!("#/components/{kind}/{}", escape(name)));
                if !keep {
                    removed.push(format!("{kind}/{name}"));
                }
                keep
            });
        }
        components.retain(|_, v| !v.as_object().is_some_and(|m| m.is_empty()));
    }
    removed
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// `#/components/<kind>/<name>` of every component reachable from outside `components`.
fn reachable(doc: &Value) -> BTreeSet<String> {
    let mut roots = Vec::new();
    if let Value::Object(m) = doc {
        for (k, v) in m.iter().filter(|(k, _)| *k != "components") {
            doc::collect_refs(v, &mut vec![k.clone()], &mut roots);
        }
    }
    let mut seen = BTreeSet::new();
    let mut queue: Vec<String> = roots.into_iter().map(|(_, r)| r).collect();
    while let Some(reference) = queue.pop() {
        let Some(loc) = doc::ref_loc(&reference) else { continue };
        if loc.len() < 3 || loc[0] != "components" {
            continue;
        }
        let key = format!("#/components/{}/{}", loc[1], escape(&loc[2]));
        if !seen.insert(key) {
            continue;
        }
        if let Some(target) = doc::get(doc, &loc[..3]) {
            let mut found = Vec::new();
            doc::collect_refs(target, &mut Vec::new(), &mut found);
            queue.extend(found.into_iter().map(|(_, r)| r));
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_what_operations_reach_transitively() {
        let mut d = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/R"}}}}},
            "components": {
                "securitySchemes": {"oidc": {"type": "http"}},
                "responses": {"R": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}},
                "schemas": {
                    "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                    "B": {"items": {"$ref": "#/components/schemas/A"}},
                    "Lone": {"properties": {"c": {"$ref": "#/components/schemas/C"}}},
                    "C": {}
                },
                "parameters": {"Unused": {}}
            }
        });
        let removed = prune(&mut d);
        assert_eq!(removed, vec!["schemas/Lone", "schemas/C", "parameters/Unused"]);
        let schemas: Vec<&String> = d["components"]["schemas"].as_object().unwrap().keys().collect();
        assert_eq!(schemas, ["A", "B"]);
        assert!(d["components"].get("parameters").is_none());
        assert!(d.pointer("/components/securitySchemes/oidc").is_some());
    }
}
