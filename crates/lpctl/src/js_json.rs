//! JSON text exactly as JavaScript's `JSON.stringify` writes a parsed value: members in
//! property order (array-index keys first, ascending, then the rest as written), numbers as
//! `Number.prototype.toString` spells them, no spaces. Keys derived from it match those of
//! Launchplane's own request action byte for byte.

use serde_json::{Number, Value};

/// `JSON.stringify(JSON.parse(text))` for the value serde_json parsed from `text`.
pub fn stringify(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&number_text(number)),
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            // A JavaScript object lists array-index keys first, in ascending numeric order.
            let mut indexed: Vec<(u32, &String, &Value)> = Vec::new();
            let mut named: Vec<(&String, &Value)> = Vec::new();
            for (key, member) in members {
                match array_index(key) {
                    Some(index) => indexed.push((index, key, member)),
                    None => named.push((key, member)),
                }
            }
            indexed.sort_by_key(|(index, _, _)| *index);
            out.push('{');
            let ordered = indexed.into_iter().map(|(_, k, v)| (k, v)).chain(named);
            for (i, (key, member)) in ordered.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, member);
            }
            out.push('}');
        }
    }
}

/// An ECMAScript array index: the canonical decimal form of an integer below 2³² − 1.
fn array_index(key: &str) -> Option<u32> {
    let index: u32 = key.parse().ok()?;
    (index != u32::MAX && index.to_string() == key).then_some(index)
}

/// `QuoteJSONString`: `"` and `\` escaped, the short escapes, other controls as `\u00xx`.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `Number::toString` of the double JavaScript parses the number as.
fn number_text(number: &Number) -> String {
    let float = number.as_f64().unwrap_or(f64::NAN);
    if !float.is_finite() {
        return "null".into();
    }
    if float == 0.0 {
        return "0".into();
    }
    // Rust's `{:e}` gives the shortest digits that read back as the same double, as
    // ECMAScript requires; only the layout differs.
    let scientific = format!("{:e}", float.abs());
    let (mantissa, exponent) = scientific.split_once('e').expect("`{:e}` has an exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().expect("`{:e}` exponent is an integer");
    let k = digits.len() as i32;
    let n = exponent + 1;
    let sign = if float < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let exp_sign = if n - 1 < 0 { '-' } else { '+' };
        let rest = if k > 1 {
            format!(".{}", &digits[1..])
        } else {
            String::new()
        };
        format!("{}{rest}e{exp_sign}{}", &digits[..1], (n - 1).abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values written down from `node -e 'console.log(JSON.stringify(JSON.parse(t)))'`.
    #[test]
    fn numbers_keys_and_strings_are_written_as_javascript_writes_them() {
        let text = r#"{"b":1,"a":[1,2.5,1e21,1.0,-0,1e-7,123456789012345678901234567890,0.000001,5e-324],"2":"x","10":"y","01":"z","é\u0000\u001f\u2028/":"q"}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            stringify(&value),
            "{\"2\":\"x\",\"10\":\"y\",\"b\":1,\"a\":[1,2.5,1e+21,1,0,1e-7,1.2345678901234568e+29,0.000001,5e-324],\
             \"01\":\"z\",\"é\\u0000\\u001f\u{2028}/\":\"q\"}"
        );
    }

    #[test]
    fn number_layouts_cover_every_ecmascript_case() {
        for (text, js) in [
            ("100", "100"),
            ("-12.5", "-12.5"),
            ("0.1", "0.1"),
            ("123e-20", "1.23e-18"),
            ("1e300", "1e+300"),
            ("4294967295", "4294967295"),
            ("9007199254740993", "9007199254740992"),
            ("-1e-7", "-1e-7"),
            ("1e-6", "0.000001"),
            ("1e20", "100000000000000000000"),
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(stringify(&value), js, "{text}");
        }
    }

    #[test]
    fn only_canonical_indices_below_the_limit_come_first() {
        let value: Value =
            serde_json::from_str(r#"{"x":0,"4294967295":1,"4294967294":2,"-1":3,"1.5":4,"7":5}"#).unwrap();
        assert_eq!(
            stringify(&value),
            r#"{"7":5,"4294967294":2,"x":0,"4294967295":1,"-1":3,"1.5":4}"#
        );
    }
}
