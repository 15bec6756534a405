//! Canonical JSON and request fingerprints, byte-compatible with Python's
//! `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// SHA-256 hex of `scope` and the body serialized with sorted keys and no whitespace.
pub fn fingerprint(scope: &str, body: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(scope.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical_json(body).as_bytes());
    hex::encode(hasher.finalize())
}

/// JSON with object keys sorted at every level and compact separators.
pub fn canonical_json(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let members: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical_json(&map[k])))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical_json).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_json_sorts_keys_at_every_level_without_whitespace() {
        let value = json!({"b": [{"z": 1, "a": null}], "a": "é\"", "c": true});
        assert_eq!(canonical_json(&value), r#"{"a":"é\"","b":[{"a":null,"z":1}],"c":true}"#);
    }

    #[test]
    fn fingerprint_matches_python_hashlib() {
        // python3 -c 'import hashlib,json; print(hashlib.sha256(b"POST /v1/x\n" + json.dumps({"b":1,"a":"x"},
        //   sort_keys=True, separators=(",",":"), ensure_ascii=False).encode()).hexdigest())'
        assert_eq!(
            fingerprint("POST /v1/x", &json!({"b": 1, "a": "x"})),
            "8aac1e42dd595d8bd58f956388327041880a0209261d060522e872560d9d59a3"
        );
    }
}
