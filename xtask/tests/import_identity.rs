//! The 3.1 → 3.0 converter on the checked-in 3.0.3 spec (revision 371132b) changes nothing: every
//! rule only rewrites what 3.0 cannot say, so importing a 3.0 document is the identity.

use std::fs;

use serde_json::Value;
use xtask::spec::import::{convert, union};
use xtask::spec::{SPEC_PATH, doc, workspace_root};

fn spec() -> Value {
    doc::parse_yaml(&fs::read_to_string(workspace_root().join(SPEC_PATH)).unwrap()).unwrap()
}

/// The JSON pointers where two values differ (first few), for a readable failure.
fn differences(a: &Value, b: &Value, at: String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => differences(p, q, format!("{at}/{k}"), out),
                    _ => out.push(format!("{at}/{k}")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, format!("{at}/{i}"), out);
            }
        }
        _ if a != b => out.push(at),
        _ => {}
    }
}

#[test]
fn converting_the_30_spec_is_the_identity() {
    let original = spec();
    let mut converted = original.clone();
    convert::to_oas30(&mut converted).unwrap();
    union::split_refining_one_of(&mut converted);
    let mut diff = Vec::new();
    differences(&original, &converted, String::new(), &mut diff);
    assert!(
        diff.is_empty(),
        "the converter changed the 3.0 spec at:\n{}",
        diff.join("\n")
    );
}

#[test]
fn the_identity_is_not_vacuous() {
    // The same spec with a 3.1 schema added is changed there.
    let mut s = spec();
    let schemas = s.pointer_mut("/components/schemas").unwrap().as_object_mut().unwrap();
    schemas.insert("Probe".into(), serde_json::json!({"const": 1, "examples": [1]}));
    convert::to_oas30(&mut s).unwrap();
    assert_eq!(
        s.pointer("/components/schemas/Probe"),
        Some(&serde_json::json!({"enum": [1], "example": 1}))
    );
}
