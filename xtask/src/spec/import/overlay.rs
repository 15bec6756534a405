//! Laying this project's own knowledge over the imported document: an overlay maps JSON
//! pointers (`/paths/~1v1~1drivers~1odoo~1post-deploy/post`) to JSON merge patches (RFC 7396:
//! objects merge key by key, `null` removes a key, anything else replaces). Every pointer must
//! name a value the import has, so an overlay cannot silently drift from the source.

use serde_json::{Map, Value};

/// Applies every entry of `overlay` in order. Errors name each entry whose target is missing
/// (nothing is applied then).
pub fn apply(doc: &mut Value, overlay: &Value) -> Result<(), Vec<String>> {
    let Some(entries) = overlay.as_object() else {
        return Err(vec![
            "the overlay is not a mapping from JSON pointers to patches".into(),
        ]);
    };
    let mut errors = Vec::new();
    for pointer in entries.keys() {
        if !pointer.is_empty() && !pointer.starts_with('/') {
            errors.push(format!(
                "overlay entry `{pointer}` is not a JSON pointer: start it with `/` (`~1` stands for `/` inside a key)"
            ));
        } else if doc.pointer(pointer).is_none() {
            errors.push(format!(
                "overlay entry `{pointer}` points nowhere in the import{}: fix the pointer or drop the entry",
                nearest(doc, pointer)
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for (pointer, patch) in entries {
        let target = doc.pointer_mut(pointer).expect("checked above");
        merge_patch(target, patch);
    }
    Ok(())
}

/// `(the longest existing prefix is …)`, to show where the pointer leaves the document.
fn nearest(doc: &Value, pointer: &str) -> String {
    let mut prefix = pointer;
    while let Some(pos) = prefix.rfind('/') {
        prefix = &prefix[..pos];
        if doc.pointer(prefix).is_some() {
            let shown = if prefix.is_empty() { "the document root" } else { prefix };
            return format!(" (it exists only as far as `{shown}`)");
        }
    }
    String::new()
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target = target.as_object_mut().expect("made an object");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_at_pointers() {
        let mut d = json!({"paths": {"/v1/a": {"post": {"operationId": "a", "summary": "old", "tags": ["x"]}}}});
        let overlay = json!({"/paths/~1v1~1a/post": {
            "summary": "new", "tags": ["odoo"], "x-launchplane-safety": "mutation", "operationId": null
        }});
        apply(&mut d, &overlay).unwrap();
        assert_eq!(
            d.pointer("/paths/~1v1~1a/post"),
            Some(&json!({"summary": "new", "tags": ["odoo"], "x-launchplane-safety": "mutation"}))
        );
    }

    #[test]
    fn a_target_that_does_not_exist_is_an_error_naming_it() {
        let mut d = json!({"paths": {"/v1/a": {"post": {}}}});
        let before = d.clone();
        let overlay = json!({
            "/paths/~1v1~1a/post": {"summary": "fine"},
            "/paths/~1v1~1b/post": {"summary": "nowhere"},
            "components/schemas": {}
        });
        let errors = apply(&mut d, &overlay).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("`/paths/~1v1~1b/post` points nowhere"), "{errors:?}");
        assert!(errors[0].contains("as far as `/paths`"), "{errors:?}");
        assert!(
            errors[1].contains("`components/schemas` is not a JSON pointer"),
            "{errors:?}"
        );
        assert_eq!(d, before, "nothing is applied when an entry is wrong");
    }

    #[test]
    fn scalars_and_lists_replace() {
        let mut v = json!({"a": [1, 2], "b": {"c": 1}});
        merge_patch(&mut v, &json!({"a": [3], "b": 5}));
        assert_eq!(v, json!({"a": [3], "b": 5}));
    }
}
