//! Dot paths (`deploy.resolved_target.target_id`) into JSON bodies.

use serde_json::Value;

/// The value at a dot path of a JSON body; array items are addressed by index.
pub fn field<'v>(body: &'v Value, dot_path: &str) -> Option<&'v Value> {
    if dot_path.is_empty() {
        return Some(body);
    }
    dot_path.split('.').try_fold(body, |value, segment| match value {
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        other => other.get(segment),
    })
}

/// `prefix.field`, either side possibly empty.
pub fn join(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty()) {
        (true, _) => field.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{field}"),
    }
}

/// A JSON pointer into an instance (`/a/0/b`) as a dot path (`a.0.b`).
pub fn from_pointer(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dot_paths_address_members_and_items() {
        let body = json!({"a": {"b": [{"c": 1}]}, "x/y": 2});
        assert_eq!(field(&body, "a.b.0.c"), Some(&json!(1)));
        assert_eq!(field(&body, ""), Some(&body));
        assert_eq!(field(&body, "a.z"), None);
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", ""), "a");
        assert_eq!(join("a", "b"), "a.b");
        assert_eq!(from_pointer("/a/0/x~1y"), "a.0.x/y");
        assert_eq!(from_pointer(""), "");
    }
}
