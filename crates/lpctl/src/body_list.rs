//! `--body-list FILE --key-prefix PREFIX`: a JSON array of bodies, each keyed
//! `PREFIX:sha256hex(JSON.stringify(body))` as Launchplane's own request action keys them.

use launchplane_client::Error;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::body::read_json;
use crate::js_json;

/// The entries of the list file: JSON objects, each named by its 1-based position in errors.
pub fn read(path: &str) -> Result<Vec<Value>, Error> {
    let Value::Array(entries) = read_json(path, "--body-list")? else {
        return Err(Error::Config(format!(
            "--body-list {path} must hold a JSON array of request bodies"
        )));
    };
    for (index, entry) in entries.iter().enumerate() {
        if !entry.is_object() {
            return Err(Error::Config(format!(
                "--body-list entry {} must be a JSON object (a request body)",
                index + 1
            )));
        }
    }
    Ok(entries)
}

/// The Idempotency-Key of one entry.
pub fn key(prefix: &str, body: &Value) -> String {
    let digest = Sha256::digest(js_json::stringify(body).as_bytes());
    format!("{}:{}", prefix.trim(), hex::encode(digest))
}

/// `entry` laid over `base` (the body a command's flags make): objects merge member by
/// member, anything else in the entry replaces what the base has.
pub fn over(base: Option<&Value>, entry: Value) -> Value {
    match (base, entry) {
        (Some(Value::Object(base)), Value::Object(entry)) => {
            let mut merged: Map<String, Value> = base.clone();
            for (name, value) in entry {
                let laid = over(merged.get(&name), value);
                merged.insert(name, laid);
            }
            Value::Object(merged)
        }
        (_, entry) => entry,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn entries_merge_over_the_flag_body() {
        let base = json!({"product": "opw", "deployment": {"context": "opw", "instance": "testing"}});
        let entry = json!({"deployment": {"instance": "prod", "record_id": "d-1"}});
        assert_eq!(
            over(Some(&base), entry.clone()),
            json!({"product": "opw", "deployment": {"context": "opw", "instance": "prod", "record_id": "d-1"}})
        );
        assert_eq!(over(None, entry.clone()), entry);
    }
}
