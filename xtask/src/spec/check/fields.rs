//! Dot paths (`post_deploy.instance`) into schemas, as used by the `x-launchplane-*` keys.

use serde_json::Value;

use crate::spec::doc::{self, Loc};

/// Resolves `path` against `schema` (at `loc`): the schema of the field it names.
pub fn resolve<'a>(spec: &'a Value, schema: &'a Value, loc: Loc, path: &str) -> Result<(&'a Value, Loc), String> {
    let mut current = (schema, loc);
    for segment in path.split('.') {
        current = field(spec, current.0, current.1.clone(), segment).ok_or_else(|| {
            let target = doc::deref(spec, current.0, current.1.clone()).map_or(current.1.clone(), |(_, l)| l);
            format!("`{path}`: no field `{segment}` in {}", describe(&target))
        })?;
    }
    Ok(current)
}

fn describe(loc: &[String]) -> String {
    match loc {
        [a, b, name, rest @ ..] if a == "components" && b == "schemas" => {
            let rest: Vec<&str> = rest.iter().filter(|s| *s != "properties").map(String::as_str).collect();
            if rest.is_empty() {
                format!("`{name}`")
            } else {
                format!("`{name}.{}`", rest.join("."))
            }
        }
        _ => "the schema".into(),
    }
}

fn field<'a>(spec: &'a Value, schema: &'a Value, loc: Loc, name: &str) -> Option<(&'a Value, Loc)> {
    let (schema, loc) = doc::deref(spec, schema, loc)?;
    if let Some(prop) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some((prop, doc::child(&doc::child(&loc, "properties"), name)));
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(parts)) = schema.get(key) {
            for (i, part) in parts.iter().enumerate() {
                let part_loc = doc::child(&doc::child(&loc, key), i.to_string());
                if let Some(found) = field(spec, part, part_loc, name) {
                    return Some(found);
                }
            }
        }
    }
    match schema.get("additionalProperties") {
        Some(ap @ Value::Object(_)) => Some((ap, doc::child(&loc, "additionalProperties"))),
        _ => None,
    }
}

/// The `{dot.path}` placeholders of a template.
pub fn placeholders(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(p, _)| p))
        .collect()
}
