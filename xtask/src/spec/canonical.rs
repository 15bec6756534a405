//! The canonical text of the spec: a fixed key order per OpenAPI object and one YAML layout.
//! openapi/README.md ("Canonical form") states the rules this module implements.

use serde_json::{Map, Value};

/// Lines longer than this are folded (strings) or laid out in block style (collections).
pub const WIDTH: usize = 100;

/// The canonical YAML text of a document. Errors when the text would not read back as the
/// same document (a string the emitter cannot represent).
pub fn to_canonical(doc: &Value) -> Result<String, String> {
    let mut out = String::new();
    match doc {
        Value::Object(map) if !map.is_empty() => emit_map(&mut out, 0, map, Ctx::Root),
        other => {
            out.push_str(&inline_scalar(other, false).unwrap_or_default());
            out.push('\n');
        }
    }
    let back: Value = serde_norway::from_str(&out).map_err(|e| format!("canonical text does not parse: {e}"))?;
    if &back != doc {
        return Err("canonical text does not read back as the same document".into());
    }
    Ok(out)
}

/// What kind of object a mapping is, which decides its key order and layout.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ctx {
    Root,
    Info,
    Server,
    Tag,
    NotCarried,
    Paths,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Content,
    MediaType,
    Examples,
    Example,
    Responses,
    Response,
    Headers,
    Header,
    Components,
    Schemas,
    ParameterMap,
    ResponseMap,
    RequestBodyMap,
    SecuritySchemes,
    SecurityScheme,
    Schema,
    Properties,
    Rule,
    Condition,
    Outcome,
    /// Values (examples, defaults, enums, unknown extensions): written order is kept.
    Data,
}

const SCHEMA_KEYS: &[&str] = &[
    "$ref",
    "type",
    "format",
    "nullable",
    "title",
    "description",
    "enum",
    "minimum",
    "exclusiveMinimum",
    "maximum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "default",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "required",
    "x-launchplane-outcome",
    "properties",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "discriminator",
    "readOnly",
    "writeOnly",
    "deprecated",
    "example",
    "externalDocs",
    "x-launchplane-rules",
];

impl Ctx {
    /// Keys in their canonical order; other keys follow in written order.
    fn key_order(self) -> &'static [&'static str] {
        match self {
            Ctx::Root => &[
                "openapi",
                "info",
                "servers",
                "security",
                "tags",
                "externalDocs",
                "x-launchplane-not-carried",
                "paths",
                "components",
            ],
            Ctx::Info => &[
                "title",
                "version",
                "description",
                "termsOfService",
                "contact",
                "license",
                "x-launchplane-revision",
                "x-launchplane-revision-date",
            ],
            Ctx::Server => &["url", "description", "variables"],
            Ctx::Tag => &["name", "description", "externalDocs"],
            Ctx::NotCarried => &["method", "path", "reason"],
            Ctx::PathItem => &[
                "$ref",
                "summary",
                "description",
                "parameters",
                "get",
                "put",
                "post",
                "delete",
                "options",
                "head",
                "patch",
                "trace",
                "servers",
            ],
            Ctx::Operation => &[
                "operationId",
                "tags",
                "summary",
                "description",
                "deprecated",
                "security",
                "x-launchplane-authz-action",
                "x-launchplane-safety",
                "x-launchplane-instance-field",
                "x-launchplane-context-field",
                "x-launchplane-idempotency-key",
                "x-launchplane-replay",
                "parameters",
                "requestBody",
                "responses",
                "callbacks",
                "servers",
                "externalDocs",
            ],
            Ctx::Parameter => &[
                "$ref",
                "name",
                "in",
                "required",
                "description",
                "deprecated",
                "allowEmptyValue",
                "style",
                "explode",
                "allowReserved",
                "schema",
                "example",
                "examples",
                "content",
            ],
            Ctx::RequestBody => &["$ref", "description", "required", "content"],
            Ctx::MediaType => &["schema", "example", "examples", "encoding"],
            Ctx::Example => &["$ref", "summary", "description", "value", "externalValue"],
            Ctx::Response => &["$ref", "description", "headers", "content", "links"],
            Ctx::Header => &[
                "$ref",
                "description",
                "required",
                "deprecated",
                "style",
                "explode",
                "schema",
                "example",
                "examples",
                "content",
            ],
            Ctx::Components => &[
                "securitySchemes",
                "parameters",
                "headers",
                "requestBodies",
                "responses",
                "examples",
                "links",
                "callbacks",
                "schemas",
            ],
            Ctx::SecurityScheme => &[
                "type",
                "description",
                "name",
                "in",
                "scheme",
                "bearerFormat",
                "flows",
                "openIdConnectUrl",
            ],
            Ctx::Schema => SCHEMA_KEYS,
            Ctx::Rule => &["id", "message", "when", "check"],
            Ctx::Condition | Ctx::Outcome => &["field"],
            _ => &[],
        }
    }

    /// The context of the value (or of each item, for a sequence) under `key`.
    fn child(self, key: &str) -> Ctx {
        match (self, key) {
            (Ctx::Root, "info") => Ctx::Info,
            (Ctx::Root, "servers") | (Ctx::PathItem | Ctx::Operation, "servers") => Ctx::Server,
            (Ctx::Root, "tags") => Ctx::Tag,
            (Ctx::Root, "x-launchplane-not-carried") => Ctx::NotCarried,
            (Ctx::Root, "paths") => Ctx::Paths,
            (Ctx::Root, "components") => Ctx::Components,
            (Ctx::Paths, _) => Ctx::PathItem,
            (Ctx::PathItem, "parameters") | (Ctx::Operation, "parameters") => Ctx::Parameter,
            (Ctx::PathItem, k) if crate::spec::doc::METHODS.contains(&k) => Ctx::Operation,
            (Ctx::Operation, "requestBody") => Ctx::RequestBody,
            (Ctx::Operation, "responses") => Ctx::Responses,
            (Ctx::Parameter | Ctx::Header | Ctx::MediaType, "schema") => Ctx::Schema,
            (Ctx::Parameter | Ctx::Header | Ctx::RequestBody | Ctx::Response, "content") => Ctx::Content,
            (Ctx::Parameter | Ctx::Header | Ctx::MediaType, "examples") => Ctx::Examples,
            (Ctx::Content, _) => Ctx::MediaType,
            (Ctx::Examples, _) => Ctx::Example,
            (Ctx::Responses | Ctx::ResponseMap, _) => Ctx::Response,
            (Ctx::Response, "headers") => Ctx::Headers,
            (Ctx::Headers, _) => Ctx::Header,
            (Ctx::Components, "schemas") => Ctx::Schemas,
            (Ctx::Components, "parameters") => Ctx::ParameterMap,
            (Ctx::Components, "responses") => Ctx::ResponseMap,
            (Ctx::Components, "requestBodies") => Ctx::RequestBodyMap,
            (Ctx::Components, "headers") => Ctx::Headers,
            (Ctx::Components, "examples") => Ctx::Examples,
            (Ctx::Components, "securitySchemes") => Ctx::SecuritySchemes,
            (Ctx::SecuritySchemes, _) => Ctx::SecurityScheme,
            (Ctx::ParameterMap, _) => Ctx::Parameter,
            (Ctx::RequestBodyMap, _) => Ctx::RequestBody,
            (Ctx::Schemas | Ctx::Properties, _) => Ctx::Schema,
            (Ctx::Schema, "properties") => Ctx::Properties,
            (Ctx::Schema, "items" | "additionalProperties" | "not" | "allOf" | "oneOf" | "anyOf") => Ctx::Schema,
            (Ctx::Schema, "x-launchplane-rules") => Ctx::Rule,
            (Ctx::Schema, "x-launchplane-outcome") => Ctx::Outcome,
            (Ctx::Rule, "when" | "check") => Ctx::Condition,
            _ => Ctx::Data,
        }
    }

    /// Mappings that are written on one line when they fit.
    fn flow_map(self, map: &Map<String, Value>) -> bool {
        match self {
            Ctx::Condition | Ctx::Outcome => true,
            // `'400': {$ref: '#/components/responses/Rejected'}`
            Ctx::Response => map.len() == 1 && map.contains_key("$ref"),
            _ => false,
        }
    }
}

fn ordered_keys(map: &Map<String, Value>, ctx: Ctx) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    match ctx {
        Ctx::Responses => keys.sort_by_key(|k| (k.as_str() == "default", k.to_string())),
        Ctx::Condition => keys.sort_by_key(|k| match k.as_str() {
            "field" => 0,
            "normalize" => 2,
            _ => 1,
        }),
        _ => {
            let order = ctx.key_order();
            keys.sort_by_key(|k| order.iter().position(|o| o == k).unwrap_or(order.len()));
        }
    }
    keys
}

fn spaces(out: &mut String, n: usize) {
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
            if let Some(flow) = flow_repr(value, ctx).filter(|f| ctx.flow_map(m) && used + f.len() <= WIDTH) {
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
                let flow = flow_repr(item, ctx).filter(|f| ctx.flow_map(m) && indent + 2 + f.len() <= WIDTH);
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

/// ` >-` and the string wrapped at spaces; `None` when folding would change it.
fn folded_block(s: &str, indent: usize) -> Option<String> {
    let foldable = !s.is_empty() && s.trim() == s && !s.contains("  ") && !s.chars().any(|c| c.is_control());
    if !foldable {
        return None;
    }
    let mut out = String::from(" >-\n");
    let mut line = String::new();
    for word in s.split(' ') {
        if !line.is_empty() && indent + line.len() + 1 + word.len() > WIDTH {
            spaces(&mut out, indent);
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    spaces(&mut out, indent);
    out.push_str(&line);
    out.push('\n');
    Some(out)
}

/// ` |-` (or ` |`) and the lines; `None` when a literal block would not keep the string.
fn literal_block(s: &str, indent: usize) -> Option<String> {
    let (body, chomp) = match s.strip_suffix('\n') {
        Some(body) if !body.ends_with('\n') => (body, "|"),
        Some(_) => return None,
        None => (s, "|-"),
    };
    let representable = !body.is_empty()
        && !body.starts_with(' ')
        && !body.starts_with('\n')
        && !body.chars().any(|c| c.is_control() && c != '\n')
        && body.lines().all(|l| l.trim_end() == l);
    if !representable {
        return None;
    }
    let mut out = format!(" {chomp}\n");
    for line in body.split('\n') {
        if !line.is_empty() {
            spaces(&mut out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    Some(out)
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

/// One-line text of a scalar; `None` for collections and multi-line strings.
fn inline_scalar(value: &Value, flow: bool) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.contains('\n') => Some(string_repr(s, flow)),
        _ => None,
    }
}

fn key_repr(key: &str) -> String {
    if key.contains('\n') {
        double_quoted(key)
    } else {
        string_repr(key, false)
    }
}

/// A one-line string: plain when YAML reads it back as the same string, else quoted.
fn string_repr(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        s.to_string()
    } else if s.chars().any(|c| c.is_control()) {
        double_quoted(s)
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || s.chars().any(|c| c.is_control()) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    !reads_as_non_string(s)
}

/// Whether a plain scalar would be read as null, a boolean, a number or a timestamp by a
/// YAML 1.1 or 1.2 reader.
fn reads_as_non_string(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "<<" | "="
    ) {
        return true;
    }
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, ".inf" | ".nan") {
        return true;
    }
    let digits = |t: &str, ok: fn(char) -> bool| !t.is_empty() && t.chars().all(|c| ok(c) || c == '_');
    if let Some(hex) = unsigned.strip_prefix("0x") {
        return digits(hex, |c| c.is_ascii_hexdigit());
    }
    if let Some(oct) = unsigned.strip_prefix("0o") {
        return digits(oct, |c| c.is_digit(8));
    }
    if let Some(bin) = unsigned.strip_prefix("0b") {
        return digits(bin, |c| c == '0' || c == '1');
    }
    // Integers, floats (`1.`, `.5`, `1e3`, `1.5e-3`) and sexagesimal numbers (`1:30`).
    let (mantissa, exponent) = match unsigned.split_once('e') {
        Some((m, e)) => (m, Some(e.trim_start_matches(['+', '-']))),
        None => (unsigned, None),
    };
    let mantissa_ok = !mantissa.is_empty()
        && mantissa.chars().any(|c| c.is_ascii_digit())
        && mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '_' | '.' | ':'))
        && mantissa.matches('.').count() <= 1;
    if mantissa_ok && exponent.is_none_or(|e| digits(e, |c| c.is_ascii_digit())) {
        return true;
    }
    // Dates and timestamps (`2026-05-03`, `2026-05-03T16:10:00Z`).
    let b = s.as_bytes();
    b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5].is_ascii_digit()
        && (b[6] == b'-' || (b[6].is_ascii_digit() && b[7] == b'-'))
}

#[cfg(test)]
mod tests {
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
