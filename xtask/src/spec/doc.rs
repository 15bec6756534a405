//! Loading OpenAPI documents as JSON values and walking them: pointers, `$ref`s, operations.

use launchplane_contract::Resolver;
use serde_json::Value;

/// HTTP methods an OpenAPI path item may hold, in canonical order.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A location in a document, as JSON pointer segments (unescaped).
pub use launchplane_contract::Loc;

/// A document that failed to parse, with the line the parser stopped at when it knows it.
#[derive(Debug)]
pub struct ParseError {
    pub line: Option<usize>,
    pub message: String,
}

/// Parses YAML (or JSON, which is YAML) keeping mapping order.
pub fn parse_yaml(text: &str) -> Result<Value, ParseError> {
    serde_norway::from_str(text).map_err(|e| ParseError {
        line: e.location().map(|l| l.line()),
        message: e.to_string(),
    })
}

/// Parses a JSON or YAML document, choosing by its first non-blank character.
pub fn parse_any(text: &str) -> Result<Value, ParseError> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| ParseError {
            line: Some(e.line()),
            message: e.to_string(),
        })
    } else {
        parse_yaml(text)
    }
}

/// Appends a segment to a location.
pub fn child(loc: &[String], seg: impl Into<String>) -> Loc {
    let mut out = loc.to_vec();
    out.push(seg.into());
    out
}

/// The value at a location.
pub fn get<'a>(root: &'a Value, loc: &[String]) -> Option<&'a Value> {
    Resolver::new(root).get(loc)
}

pub use launchplane_contract::resolve::ref_loc;

/// The `$ref` string of a reference object.
pub fn ref_of(v: &Value) -> Option<&str> {
    v.get("$ref").and_then(Value::as_str)
}

/// The last segment of a `$ref` (the component name).
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// Follows `$ref` chains from `v` (found at `loc`) to the value they end at.
/// Returns `None` when a reference does not resolve or the chain loops.
pub fn deref<'a>(root: &'a Value, v: &'a Value, loc: Loc) -> Option<(&'a Value, Loc)> {
    Resolver::new(root).deref(v, loc)
}

/// One operation of a document.
pub struct Op<'a> {
    /// Lower-case method.
    pub method: &'static str,
    pub path: &'a str,
    pub value: &'a Value,
    pub loc: Loc,
}

impl<'a> Op<'a> {
    pub fn operation_id(&self) -> Option<&'a str> {
        self.value.get("operationId").and_then(Value::as_str)
    }

    /// `POST /v1/…`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

/// Every operation of a document, in document order.
pub fn operations(root: &Value) -> Vec<Op<'_>> {
    let mut out = Vec::new();
    let Some(Value::Object(paths)) = root.get("paths") else {
        return out;
    };
    for (path, item) in paths {
        let Value::Object(item) = item else { continue };
        for (key, value) in item {
            if let Some(method) = METHODS.iter().find(|m| **m == key.as_str()) {
                out.push(Op {
                    method,
                    path,
                    value,
                    loc: vec!["paths".into(), path.clone(), key.clone()],
                });
            }
        }
    }
    out
}

/// A path template with its parameter names blanked (`/a/{x}` → `/a/{}`), for matching.
pub fn path_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The names of the `{parameters}` of a path template.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Every `$ref` string in a value, with its location.
pub fn collect_refs(v: &Value, loc: &mut Loc, out: &mut Vec<(Loc, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k == "$ref" {
                    if let Value::String(s) = child {
                        out.push((loc.clone(), s.clone()));
                    }
                    continue;
                }
                loc.push(k.clone());
                collect_refs(child, loc, out);
                loc.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                loc.push(i.to_string());
                collect_refs(child, loc, out);
                loc.pop();
            }
        }
        _ => {}
    }
}
