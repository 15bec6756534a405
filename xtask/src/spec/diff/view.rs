//! A schema as the comparison sees it: `$ref`s and single-member wrappers looked through,
//! nullability and default collected, its JSON type inferred.

use serde_json::{Map, Value};

use crate::spec::doc::{self, Loc};

pub(super) const DOC_KEYS: [&str; 5] = ["description", "title", "example", "examples", "externalDocs"];

/// A schema with `$ref`s and single-member `allOf`/`anyOf`/`oneOf` wrappers looked through.
pub(super) struct View<'a> {
    pub(super) s: &'a Map<String, Value>,
    pub(super) loc: Loc,
    pub(super) nullable: bool,
    pub(super) ref_name: Option<&'a str>,
    pub(super) default: Option<&'a Value>,
    /// Documentation keys, taken from the outermost node that has them.
    pub(super) docs: Map<String, Value>,
}

pub(super) static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

pub(super) fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
}

pub(super) fn view<'a>(doc: &'a Value, v: &'a Value, loc: Loc) -> View<'a> {
    let (mut v, mut loc) = (v, loc);
    let mut out = View {
        s: &EMPTY,
        loc: Vec::new(),
        nullable: false,
        ref_name: None,
        default: None,
        docs: Map::new(),
    };
    'unwrap: for _ in 0..32 {
        let Value::Object(m) = v else { break };
        out.nullable |= m.get("nullable") == Some(&Value::Bool(true));
        if out.default.is_none() {
            out.default = m.get("default");
        }
        for key in DOC_KEYS {
            if let Some(d) = m.get(key) {
                out.docs.entry(key).or_insert_with(|| d.clone());
            }
        }
        if let Some(r) = doc::ref_of(v) {
            match doc::ref_loc(r).and_then(|l| doc::get(doc, &l).map(|t| (t, l))) {
                Some((target, target_loc)) => {
                    out.ref_name = Some(doc::ref_name(r));
                    (v, loc) = (target, target_loc);
                    continue;
                }
                None => break,
            }
        }
        let shaped = ["type", "properties", "items", "enum", "additionalProperties"]
            .iter()
            .any(|k| m.contains_key(*k));
        for key in ["allOf", "anyOf", "oneOf"] {
            let Some(Value::Array(parts)) = m.get(key) else {
                continue;
            };
            let real: Vec<(usize, &Value)> = parts.iter().enumerate().filter(|(_, p)| !is_null_schema(p)).collect();
            if real.len() == 1
                && !shaped
                && m.keys()
                    .filter(|k| ["allOf", "anyOf", "oneOf"].contains(&k.as_str()))
                    .count()
                    == 1
            {
                out.nullable |= real.len() < parts.len();
                let (i, inner) = real[0];
                loc = doc::child(&doc::child(&loc, key), i.to_string());
                v = inner;
                continue 'unwrap;
            }
        }
        break;
    }
    if let Value::Object(m) = v {
        out.s = m;
    }
    out.loc = loc;
    out
}

/// The JSON type a schema describes, inferred when `type` is absent.
pub(super) fn kind(s: &Map<String, Value>) -> String {
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        return t.to_string();
    }
    if s.contains_key("properties") || s.contains_key("additionalProperties") {
        return "object".into();
    }
    if s.contains_key("items") {
        return "array".into();
    }
    if let Some(first) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return match first {
            Value::String(_) => "string",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            _ => "any",
        }
        .into();
    }
    if ["allOf", "anyOf", "oneOf", "not"].iter().any(|k| s.contains_key(*k)) {
        return "composite".into();
    }
    "any".into()
}

pub(super) fn enum_set(s: &Map<String, Value>, kind: &str) -> Option<Vec<Value>> {
    match s.get("enum").and_then(Value::as_array) {
        Some(values) => Some(values.iter().filter(|v| !v.is_null()).cloned().collect()),
        None if kind == "boolean" => Some(vec![Value::Bool(false), Value::Bool(true)]),
        None => None,
    }
}
