//! The canonical text of the spec: a fixed key order per OpenAPI object and one YAML layout.
//! openapi/README.md ("Canonical form") states the rules this module implements.

mod order;
mod scalar;

use serde_json::{Map, Value};

use order::{Ctx, ordered_keys};
use scalar::{double_quoted, folded_block, inline_scalar, key_repr, literal_block, string_repr};

/// Lines longer than this are folded (strings) or laid out in block style (collections).
pub const WIDTH: usize = 100;

/// The canonical YAML text of a document. Errors when the text would not read back as the
/// same document (a string the emitter cannot represent).
pub fn to_canonical(doc: &Value) -> Result<String, String> {
    let out = emit(doc);
    let back: Value = serde_norway::from_str(&out).map_err(|e| format!("canonical text does not parse: {e}"))?;
    if &back != doc {
        return Err("canonical text does not read back as the same document".into());
    }
    Ok(out)
}

/// The canonical text without the read-back check; equal to a file's text only when that
/// file already reads back as `doc`.
pub fn emit(doc: &Value) -> String {
    let mut out = String::new();
    match doc {
        Value::Object(map) if !map.is_empty() => emit_map(&mut out, 0, map, Ctx::Root),
        other => {
            out.push_str(&inline_scalar(other, false).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

pub(super) fn spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn emit_map(out: &mut String, indent: usize, map: &Map<String, Value>, ctx: Ctx) {
    for key in ordered_keys(map, ctx) {
        let value = &map[key];
        let key_text = key_repr(key);
        spaces(out, indent);
        out.push_str(&key_text);
        out.push(':');
        emit_value(out, indent, indent + key_text.len() + 2, value, ctx.child(key));
    }
}

/// Writes a value after `key:` or `-`; `used` is the column the value would start at.
fn emit_value(out: &mut String, indent: usize, used: usize, value: &Value, ctx: Ctx) {
    match value {
        Value::Object(m) if m.is_empty() => out.push_str(" {}\n"),
        Value::Array(a) if a.is_empty() => out.push_str(" []\n"),
        Value::Object(m) => {
            let flow = ctx.flow_map(m).then(|| flow_repr(value, ctx)).flatten();
            if let Some(flow) = flow.filter(|f| used + f.len() <= WIDTH) {
                out.push(' ');
                out.push_str(&flow);
                out.push('\n');
            } else {
                out.push('\n');
                emit_map(out, indent + 2, m, ctx);
            }
        }
        Value::Array(items) => {
            if let Some(flow) = flow_repr(value, ctx).filter(|f| used + f.len() <= WIDTH) {
                out.push(' ');
                out.push_str(&flow);
                out.push('\n');
            } else {
                out.push('\n');
                emit_seq(out, indent + 2, items, ctx);
            }
        }
        Value::String(s) => emit_string(out, indent, used, s),
        scalar => {
            out.push(' ');
            out.push_str(&inline_scalar(scalar, false).unwrap_or_default());
            out.push('\n');
        }
    }
}

fn emit_seq(out: &mut String, indent: usize, items: &[Value], ctx: Ctx) {
    for item in items {
        match item {
            Value::Object(m) if !m.is_empty() => {
                let flow = ctx
                    .flow_map(m)
                    .then(|| flow_repr(item, ctx))
                    .flatten()
                    .filter(|f| indent + 2 + f.len() <= WIDTH);
                if let Some(flow) = flow {
                    spaces(out, indent);
                    out.push_str("- ");
                    out.push_str(&flow);
                    out.push('\n');
                } else {
                    // Write the mapping two columns in, then turn its first indent into `- `.
                    let start = out.len();
                    emit_map(out, indent + 2, m, ctx);
                    out.replace_range(start + indent..start + indent + 2, "- ");
                }
            }
            _ => {
                spaces(out, indent);
                out.push('-');
                emit_value(out, indent, indent + 2, item, ctx);
            }
        }
    }
}

fn emit_string(out: &mut String, indent: usize, used: usize, s: &str) {
    if s.contains('\n') {
        if let Some(block) = literal_block(s, indent + 2) {
            out.push_str(&block);
            return;
        }
    } else {
        let one_line = string_repr(s, false);
        if used + one_line.len() > WIDTH
            && let Some(block) = folded_block(s, indent + 2)
        {
            out.push_str(&block);
            return;
        }
        out.push(' ');
        out.push_str(&one_line);
        out.push('\n');
        return;
    }
    out.push(' ');
    out.push_str(&double_quoted(s));
    out.push('\n');
}

/// One-line text of a scalar, or of a sequence of scalars / a mapping of such values.
fn flow_repr(value: &Value, ctx: Ctx) -> Option<String> {
    match value {
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(|i| inline_scalar(i, true)).collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        Value::Object(m) => {
            let mut parts = Vec::new();
            for key in ordered_keys(m, ctx) {
                let v = &m[key];
                let text = match v {
                    Value::Array(_) => flow_repr(v, Ctx::Data)?,
                    Value::Object(inner) if inner.is_empty() => "{}".to_string(),
                    _ => inline_scalar(v, true)?,
                };
                let key = string_repr(key, true);
                parts.push(format!("{key}: {text}"));
            }
            Some(format!("{{{}}}", parts.join(", ")))
        }
        _ => inline_scalar(value, true),
    }
}

#[cfg(test)]
mod tests {
    use super::scalar::plain_ok;
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_what_would_read_back_differently() {
        for s in [
            "",
            "200",
            "1.5",
            "true",
            "No",
            "2026-05-03",
            "#/x",
            "a: b",
            "- x",
            "0x1f",
            "1e3",
            ".inf",
            "x #y",
        ] {
            assert!(!plain_ok(s, false), "{s:?} must be quoted");
        }
        for s in [
            "1.0.0",
            "ok",
            "/v1/health",
            "application/json",
            "a:b",
            "pr-",
            "x,y",
            "{a}b",
        ] {
            assert_eq!(plain_ok(s, false), !s.starts_with('{'), "{s:?}");
        }
        assert!(!plain_ok("x,y", true));
    }

    #[test]
    fn round_trips_awkward_strings() {
        let doc = json!({
            "a": "line one\nline two\n",
            "b": "line one\n  indented",
            "c": "x".repeat(150),
            "d": ["it's", "", "a: b", "#c", "tab\there", "  lead"],
            "e": format!("{} {}", "word ".repeat(30).trim(), "end"),
            "f": "two  spaces ".repeat(12),
            "g": {"h": [[1, 2], [{"i": null}]]},
        });
        let text = to_canonical(&doc).expect("round trip");
        assert!(text.contains(">-"), "{text}");
        assert!(text.contains("a: |\n"), "{text}");
    }
}
