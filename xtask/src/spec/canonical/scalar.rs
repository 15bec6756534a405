//! How one string is written: plain, quoted, folded or literal.

use serde_json::Value;

use super::{WIDTH, spaces};

/// ` >-` and the string wrapped at spaces; `None` when folding would change it.
pub(super) fn folded_block(s: &str, indent: usize) -> Option<String> {
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
pub(super) fn literal_block(s: &str, indent: usize) -> Option<String> {
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

/// One-line text of a scalar; `None` for collections and multi-line strings.
pub(super) fn inline_scalar(value: &Value, flow: bool) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.contains('\n') => Some(string_repr(s, flow)),
        _ => None,
    }
}

pub(super) fn key_repr(key: &str) -> String {
    if key.contains('\n') {
        double_quoted(key)
    } else {
        string_repr(key, false)
    }
}

/// A one-line string: plain when YAML reads it back as the same string, else quoted.
pub(super) fn string_repr(s: &str, flow: bool) -> String {
    if plain_ok(s, flow) {
        s.to_string()
    } else if s.chars().any(|c| c.is_control()) {
        double_quoted(s)
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

pub(super) fn double_quoted(s: &str) -> String {
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

pub(super) fn plain_ok(s: &str, flow: bool) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    if s.trim() != s || b"-?:,[]{}#&*!|>'\"%@`".contains(&first) || last == b':' {
        return false;
    }
    // One pass over the bytes (this runs for every string of the spec): control characters,
    // `: ` and ` #`, and in flow context the flow indicators.
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        let refused = c < 0x20
            || c == 0x7f
            // U+0080..=U+009F (C1 controls) in UTF-8; 0xC2 is only ever a leading byte.
            || (c == 0xc2 && next.is_some_and(|n| (0x80..=0x9f).contains(&n)))
            || (c == b':' && next == Some(b' '))
            || (c == b' ' && next == Some(b'#'))
            || (flow && matches!(c, b',' | b'[' | b']' | b'{' | b'}'));
        if refused {
            return false;
        }
    }
    !reads_as_non_string(s)
}

/// Whether a plain scalar would be read as null, a boolean, a number or a timestamp by a
/// YAML 1.1 or 1.2 reader.
fn reads_as_non_string(s: &str) -> bool {
    // Keywords have at most five characters; numbers and timestamps start with one of these.
    if s.len() > 5 && !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | '_')) {
        return false;
    }
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
