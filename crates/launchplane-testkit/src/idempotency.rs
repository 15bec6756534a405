//! Launchplane's idempotency: scope, key space, fingerprint, replay and conflict.

use std::collections::HashMap;
use std::fmt::Write;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::Caller;

/// Where a key lives: the caller scope, the route path and the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct KeySpace {
    pub scope: String,
    pub path: String,
    pub key: String,
}

impl KeySpace {
    pub(crate) fn new(caller: &Caller, path: &str, key: &str) -> Self {
        KeySpace {
            scope: scope(caller),
            path: path.to_owned(),
            key: key.to_owned(),
        }
    }
}

/// `<repository>|<workflow_ref or job_workflow_ref>|<sub>`.
pub(crate) fn scope(caller: &Caller) -> String {
    let workflow_ref = if caller.workflow_ref.is_empty() {
        &caller.job_workflow_ref
    } else {
        &caller.workflow_ref
    };
    format!("{}|{workflow_ref}|{}", caller.repository, caller.subject)
}

/// The `Idempotency-Key` header value, trimmed; empty means none.
pub(crate) fn header_key(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|key| !key.is_empty()).map(str::to_owned)
}

#[derive(Debug, PartialEq)]
pub(crate) enum Lookup {
    Miss,
    /// The stored answer, ready to send again.
    Replay(Value),
    Conflict,
}

pub(crate) const CONFLICT_MESSAGE: &str =
    "Idempotency-Key was already used for a different Launchplane request payload on this route.";

struct Stored {
    fingerprint: String,
    payload: Value,
}

#[derive(Default)]
pub(crate) struct IdempotencyStore {
    records: HashMap<KeySpace, Stored>,
}

impl IdempotencyStore {
    /// Looks `space` up; a replay carries `trace_id`, `replayed` and the original trace id.
    pub(crate) fn lookup(&self, space: &KeySpace, fingerprint: &str, trace_id: &str) -> Lookup {
        match self.records.get(space) {
            None => Lookup::Miss,
            Some(stored) if stored.fingerprint != fingerprint => Lookup::Conflict,
            Some(stored) => {
                let mut payload = stored.payload.clone();
                if let Value::Object(map) = &mut payload {
                    let original = map.get("trace_id").cloned().unwrap_or_default();
                    map.insert("trace_id".into(), trace_id.into());
                    map.insert("replayed".into(), true.into());
                    map.insert("original_trace_id".into(), original);
                }
                Lookup::Replay(payload)
            }
        }
    }

    pub(crate) fn store(&mut self, space: KeySpace, fingerprint: String, payload: Value) {
        self.records.insert(space, Stored { fingerprint, payload });
    }
}

/// SHA-256 (hex) of the body as Python's `json.dumps(body, sort_keys=True,
/// separators=(",", ":"))` writes it.
pub(crate) fn fingerprint(body: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(body).as_bytes()))
}

pub(crate) fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string with Python's `ensure_ascii` escaping: everything outside space..`~`.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_matches_python_json_dumps() {
        // json.dumps({"b": [1, 2.5, None], "a": {"z": True, "y": "é\n\"𝄞"}}, sort_keys=True, separators=(",", ":"))
        let value = json!({"b": [1, 2.5, null], "a": {"z": true, "y": "é\n\"𝄞"}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"y":"\u00e9\n\"\ud834\udd1e","z":true},"b":[1,2.5,null]}"#
        );
        assert_eq!(canonical_json(&json!("\u{7f}\u{1}")), r#""\u007f\u0001""#);
    }

    #[test]
    fn fingerprint_ignores_key_order_but_not_values() {
        let a: Value =
            serde_json::from_str(r#"{"product":"opw","post_deploy":{"context":"opw","instance":"testing"}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{ "post_deploy": {"instance": "testing", "context": "opw"}, "product": "opw" }"#)
                .unwrap();
        let c = json!({"product": "opw", "post_deploy": {"context": "opw", "instance": "testing", "phase": "deploy"}});
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_eq!(
            fingerprint(&json!({})),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn the_scope_prefers_workflow_ref_and_ends_with_the_subject() {
        let caller = Caller {
            repository: "a/b".into(),
            workflow_ref: String::new(),
            job_workflow_ref: "a/ci/.github/workflows/r.yml@refs/heads/main".into(),
            git_ref: "refs/heads/main".into(),
            event_name: "push".into(),
            environment: String::new(),
            subject: "repo:a/b:ref:refs/heads/main".into(),
        };
        assert_eq!(
            scope(&caller),
            "a/b|a/ci/.github/workflows/r.yml@refs/heads/main|repo:a/b:ref:refs/heads/main"
        );
        let with_workflow = Caller {
            workflow_ref: "a/b/.github/workflows/d.yml@refs/heads/main".into(),
            ..caller
        };
        assert!(scope(&with_workflow).starts_with("a/b|a/b/.github/workflows/d.yml@refs/heads/main|"));
    }

    #[test]
    fn header_keys_are_trimmed_and_empty_is_none() {
        assert_eq!(header_key(Some("  k-1 ")), Some("k-1".into()));
        assert_eq!(header_key(Some("   ")), None);
        assert_eq!(header_key(None), None);
    }

    #[test]
    fn a_replay_gets_a_new_trace_id_and_points_at_the_original() {
        let mut store = IdempotencyStore::default();
        let space = KeySpace {
            scope: "s".into(),
            path: "/v1/x".into(),
            key: "k".into(),
        };
        assert_eq!(store.lookup(&space, "f1", "t2"), Lookup::Miss);
        store.store(
            space.clone(),
            "f1".into(),
            json!({"status": "accepted", "trace_id": "t1", "records": {}}),
        );
        assert_eq!(
            store.lookup(&space, "f1", "t2"),
            Lookup::Replay(
                json!({"status": "accepted", "trace_id": "t2", "records": {}, "replayed": true, "original_trace_id": "t1"})
            )
        );
        assert_eq!(store.lookup(&space, "f2", "t3"), Lookup::Conflict);
        let other_path = KeySpace {
            path: "/v1/y".into(),
            ..space
        };
        assert_eq!(store.lookup(&other_path, "f2", "t3"), Lookup::Miss);
    }
}
