//! Pydantic 2's lax-mode scalar conversions (its default; Launchplane's request models use it):
//! which JSON values an `int`, `float` or `bool` field takes besides its own type, and as what.
//! Mirrors pydantic-core's `str_as_int`, `float_as_int`, `str_as_bool` and `int_as_bool`, as the
//! conversion table (docs.pydantic.dev, "Conversion Table") describes them.

use serde_json::{Number, Value};

/// The integer a lax `int` field makes of `value`, when `value` is not already a JSON integer
/// and pydantic converts it: `true`/`false`, a whole finite float, or a string of an integer.
/// `None` leaves the value as it is (an integer already, or refused).
pub fn int(value: &Value) -> Option<Value> {
    match value {
        Value::Bool(flag) => Some(Value::from(i64::from(*flag))),
        Value::Number(number) if number.is_f64() => number.as_f64().and_then(whole_float).map(Value::from),
        Value::String(text) => int_from_str(text).map(Value::from),
        _ => None,
    }
}

/// The boolean a lax `bool` field makes of `value`, when `value` is not already a boolean:
/// `0`/`1` (also `0.0`/`1.0`) and the strings pydantic names, ASCII case-insensitive.
pub fn bool(value: &Value) -> Option<Value> {
    match value {
        Value::Number(number) => {
            let int = match number.as_i64() {
                Some(int) => int,
                None => number.as_f64().and_then(whole_float)?,
            };
            match int {
                0 => Some(Value::Bool(false)),
                1 => Some(Value::Bool(true)),
                _ => None,
            }
        }
        Value::String(text) => bool_from_str(text).map(Value::Bool),
        _ => None,
    }
}

/// The number a lax `float` field makes of `value`, when `value` is not already a number:
/// `true`/`false`, or a string of a finite number (surrounding whitespace allowed).
pub fn float(value: &Value) -> Option<Value> {
    match value {
        Value::Bool(flag) => Some(Value::from(f64::from(u8::from(*flag)))),
        // `inf` and `nan` parse in Python too, but no JSON number carries them.
        Value::String(text) => float_from_str(text).and_then(Number::from_f64).map(Value::Number),
        _ => None,
    }
}

/// `float_as_int`: finite, no fractional part, strictly inside the `i64` range.
fn whole_float(float: f64) -> Option<i64> {
    let in_range = (i64::MIN as f64) < float && float < (i64::MAX as f64);
    (float.is_finite() && float.fract() == 0.0 && in_range).then_some(float as i64)
}

/// `str_as_bool`: no whitespace allowed around the word.
fn bool_from_str(text: &str) -> Option<bool> {
    const FALSE: [&str; 5] = ["f", "n", "no", "off", "false"];
    const TRUE: [&str; 5] = ["t", "y", "on", "yes", "true"];
    let is = |words: &[&str]| words.iter().any(|w| text.eq_ignore_ascii_case(w));
    if text == "0" || is(&FALSE) {
        Some(false)
    } else if text == "1" || is(&TRUE) {
        Some(true)
    } else {
        None
    }
}

/// `str_as_int`: a plain JSON integer, or after cleaning: Unicode whitespace trimmed, one
/// leading `+` or `-`, leading zeros, an all-zero fraction (`1800.0`), and underscores
/// between digits (`1_800`) removed. Integers beyond `i64` (which Python keeps) are left
/// unconverted, so they stay refused.
fn int_from_str(text: &str) -> Option<i64> {
    if let Some(int) = json_int(text) {
        return Some(int);
    }
    let mut rest = text.trim();
    if let Some(after_plus) = rest.strip_prefix('+') {
        if after_plus.starts_with('-') {
            return None;
        }
        rest = after_plus;
    }
    let negative = match rest.strip_prefix('-') {
        Some(after_minus) if after_minus.starts_with(['-', '+']) => return None,
        Some(after_minus) => {
            rest = after_minus;
            true
        }
        None => false,
    };
    rest = strip_leading_zeros(rest)?;
    if let Some(dot) = rest.find('.') {
        let fraction = &rest[dot + 1..];
        if !fraction.is_empty() && fraction.chars().all(|c| c == '0') {
            rest = &rest[..dot];
        }
    }
    let digits = if rest.contains('_') && !rest.starts_with('_') && !rest.ends_with('_') && !rest.contains("__") {
        rest.replace('_', "")
    } else {
        rest.to_owned()
    };
    json_int(&if negative { format!("-{digits}") } else { digits })
}

/// Leading zeros (and underscores among them) removed, keeping one zero for `0` and `0.0`;
/// `None` when the text does not start with a digit.
fn strip_leading_zeros(text: &str) -> Option<&str> {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, '0')) => {}
        Some((_, '1'..='9' | '-')) => return Some(text),
        _ => return None,
    }
    for (at, c) in chars {
        match c {
            '0' | '_' => {}
            '1'..='9' | '-' => return Some(&text[at..]),
            '.' => return Some(&text[at - 1..]),
            _ => return None,
        }
    }
    Some(&text[text.len() - 1..])
}

/// A JSON integer literal (`-?(0|[1-9][0-9]*)`) that fits `i64`.
fn json_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let well_formed =
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'));
    if well_formed { text.parse().ok() } else { None }
}

/// `str_as_float`: whitespace trimmed, then Rust's float grammar (Python's, for finite
/// numbers), else the same with single underscores between digits removed.
fn float_from_str(text: &str) -> Option<f64> {
    let finite = |t: &str| t.parse::<f64>().ok().filter(|f| f.is_finite());
    finite(text.trim()).or_else(|| {
        let valid = text.contains('_') && !text.starts_with('_') && !text.ends_with('_') && !text.contains("__");
        if valid { finite(&text.replace('_', "")) } else { None }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// Each input with what pydantic 2.13 (pydantic-core 2.46) made of it in an `int` field:
    /// `Some(n)` when it took it as `n`, `None` when it refused it.
    #[test]
    fn int_fields_take_what_pydantic_takes() {
        let cases: Vec<(Value, Option<i64>)> = vec![
            (json!("1800"), Some(1800)),
            (json!(" 1800 "), Some(1800)),
            (json!("\t1800\n"), Some(1800)),
            (json!("\u{a0}1800\u{a0}"), Some(1800)),
            (json!("\u{3000}1800"), Some(1800)),
            (json!("\u{85}1800"), Some(1800)),
            (json!("\u{b}1800"), Some(1800)),
            (json!("\u{2028}1800"), Some(1800)),
            (json!("\u{2007}1800"), Some(1800)),
            (json!("1_800"), Some(1800)),
            (json!("1_8_0_0"), Some(1800)),
            (json!("+1800"), Some(1800)),
            (json!("-5"), Some(-5)),
            (json!("1800.0"), Some(1800)),
            (json!("1800.00"), Some(1800)),
            (json!(" 1800.0 "), Some(1800)),
            (json!("1_800.0"), Some(1800)),
            (json!("-1800.0"), Some(-1800)),
            (json!("+0.0"), Some(0)),
            (json!("01800"), Some(1800)),
            (json!("00"), Some(0)),
            (json!("-0"), Some(0)),
            (json!(true), Some(1)),
            (json!(false), Some(0)),
            (json!(1800.0), Some(1800)),
            (json!(1e3), Some(1000)),
            (json!(-0.0), Some(0)),
            (json!(9.2e18), Some(9_200_000_000_000_000_000)),
            // Refused.
            (json!("1800."), None),
            (json!("1800.5"), None),
            (json!("1e3"), None),
            (json!("abc"), None),
            (json!(""), None),
            (json!(" "), None),
            (json!("0x10"), None),
            (json!("١٨"), None),
            (json!("１８００"), None),
            (json!("\u{1c}1800"), None),
            (json!("\u{200b}1800"), None),
            (json!("\u{feff}1800"), None),
            (json!("\u{180e}1800"), None),
            (json!("_1800"), None),
            (json!("1800_"), None),
            (json!("1__800"), None),
            (json!("- 5"), None),
            (json!("+-5"), None),
            (json!("-+5"), None),
            (json!("1800.0_0"), None),
            (json!("1800._0"), None),
            (json!(".0"), None),
            (json!("-.0"), None),
            (json!("0."), None),
            (json!("1800.000000000000000000001"), None),
            (json!("1800.0e0"), None),
            (json!("1 800"), None),
            (json!(1800.5), None),
            (json!(1e20), None),
            (json!(null), None),
            (json!([1]), None),
            (json!({"n": 1}), None),
        ];
        for (input, expected) in cases {
            assert_eq!(int(&input), expected.map(Value::from), "int field given {input}");
        }
    }

    #[test]
    fn an_integer_is_left_as_it_is() {
        assert_eq!(int(&json!(1800)), None);
        assert_eq!(int(&json!(-3)), None);
    }

    /// Each input with what pydantic 2.13 made of it in a `bool` field (`None`: refused).
    #[test]
    fn bool_fields_take_what_pydantic_takes() {
        let cases: Vec<(Value, Option<bool>)> = vec![
            (json!("true"), Some(true)),
            (json!("True"), Some(true)),
            (json!("TRUE"), Some(true)),
            (json!("tRuE"), Some(true)),
            (json!("yes"), Some(true)),
            (json!("YES"), Some(true)),
            (json!("on"), Some(true)),
            (json!("oN"), Some(true)),
            (json!("1"), Some(true)),
            (json!("t"), Some(true)),
            (json!("T"), Some(true)),
            (json!("y"), Some(true)),
            (json!("false"), Some(false)),
            (json!("0"), Some(false)),
            (json!("f"), Some(false)),
            (json!("n"), Some(false)),
            (json!("no"), Some(false)),
            (json!("off"), Some(false)),
            (json!(1), Some(true)),
            (json!(0), Some(false)),
            (json!(1.0), Some(true)),
            (json!(0.0), Some(false)),
            (json!(-0.0), Some(false)),
            // Refused.
            (json!(" true"), None),
            (json!("true "), None),
            (json!("True\n"), None),
            (json!(""), None),
            (json!("2"), None),
            (json!("None"), None),
            (json!("null"), None),
            (json!("\u{131}"), None),
            (json!(2), None),
            (json!(-1), None),
            (json!(2.0), None),
            (json!(0.5), None),
            (json!(1.0000000001), None),
            (json!(1e20), None),
            (json!(null), None),
            (json!([1]), None),
        ];
        for (input, expected) in cases {
            assert_eq!(bool(&input), expected.map(Value::Bool), "bool field given {input}");
        }
    }

    #[test]
    fn a_boolean_is_left_as_it_is() {
        assert_eq!(bool(&json!(true)), None);
        assert_eq!(bool(&json!(false)), None);
    }

    /// Each input with what pydantic 2.13 made of it in a `float` field (`None`: refused or,
    /// for `inf`/`nan`, not representable in JSON).
    #[test]
    fn float_fields_take_what_pydantic_takes() {
        let cases: Vec<(Value, Option<f64>)> = vec![
            (json!("1.5"), Some(1.5)),
            (json!(" 1.5 "), Some(1.5)),
            (json!("1e3"), Some(1000.0)),
            (json!("1_000.5"), Some(1000.5)),
            (json!("-2"), Some(-2.0)),
            (json!(true), Some(1.0)),
            (json!(false), Some(0.0)),
            (json!("abc"), None),
            (json!(""), None),
            (json!("inf"), None),
            (json!("nan"), None),
            (json!("1__0"), None),
            (json!(" 1_0 "), None),
            (json!("1e400"), None),
            (json!(null), None),
        ];
        for (input, expected) in cases {
            assert_eq!(float(&input), expected.map(Value::from), "float field given {input}");
        }
    }
}
