//! `--set PATH=VALUE` and `--set-json PATH=@FILE`: values laid at dot paths of the body,
//! each path found in the operation's request schema and each value read as the spec types
//! that field.

use launchplane_client::Error;
use launchplane_client::contract::resolve::{Resolver, child, component_loc};
use launchplane_client::contract::{Contract, Operation};
use launchplane_client::launchplane_contract::lax;
use serde_json::{Map, Value};

use crate::body::{MAX_BODY_BYTES, read_json};
use crate::flags::Flags;

/// The body with every `--set`, then every `--set-json`, laid over it.
pub fn apply(contract: &Contract, op: &Operation, body: Option<Value>, flags: &Flags) -> Result<Option<Value>, Error> {
    if flags.sets.is_empty() && flags.set_jsons.is_empty() {
        return Ok(body);
    }
    let Some(schema) = op.request_schema.as_deref() else {
        return Err(Error::Config(format!(
            "{} takes no request body, so --set/--set-json have nothing to set",
            op.id
        )));
    };
    let mut body = body.unwrap_or_else(|| Value::Object(Map::new()));
    for (path, text) in &flags.sets {
        let field = field_schema(contract, schema, path, "--set")?;
        let value = typed_value(field, path, text)?;
        lay(&mut body, path, value, "--set")?;
    }
    for (path, source) in &flags.set_jsons {
        field_schema(contract, schema, path, "--set-json")?;
        let value = json_value(path, source)?;
        lay(&mut body, path, value, "--set-json")?;
    }
    Ok(Some(body))
}

/// The schema of the field at `path`, or an error naming the nearest paths the schema has.
fn field_schema<'c>(contract: &'c Contract, schema: &str, path: &str, flag: &str) -> Result<&'c Value, Error> {
    let resolver = contract.resolver();
    match resolver.field(&component_loc(schema), path) {
        Ok(field) if !path.is_empty() => Ok(field.schema),
        _ => {
            let paths = dot_paths(resolver, schema);
            let nearest = nearest(path, &paths, 5);
            Err(Error::Config(format!(
                "{flag} {path}: `{schema}` has no field `{path}`; nearest: {}. Field paths are dot-separated \
                 (`lpctl call <operation> --dry-run` with a body shows one)",
                nearest.join(", ")
            )))
        }
    }
}

/// `VALUE` read as the field's type: strings as given, integers, numbers and booleans with
/// Launchplane's lax rules, objects and arrays as JSON.
fn typed_value(field: &Value, path: &str, text: &str) -> Result<Value, Error> {
    let kind = field_type(field);
    let given = Value::String(text.to_owned());
    let refuse = |what: &str| {
        Err(Error::Config(format!(
            "--set {path}={text}: `{path}` takes {what}, and {text:?} is not one"
        )))
    };
    match kind {
        Some("string") => Ok(given),
        Some("integer") => match lax::int(&given) {
            Some(value) => Ok(value),
            None => refuse("an integer"),
        },
        Some("number") => match lax::float(&given) {
            Some(value) => Ok(value),
            None => refuse("a number"),
        },
        Some("boolean") => match lax::bool(&given) {
            Some(value) => Ok(value),
            None => refuse("a boolean (true/false)"),
        },
        Some(kind @ ("object" | "array")) => match serde_json::from_str::<Value>(text) {
            Ok(value) if (kind == "object") == value.is_object() && (kind == "array") == value.is_array() => Ok(value),
            _ => Err(Error::Config(format!(
                "--set {path}=…: `{path}` takes a JSON {kind}; give it as JSON (--set {path}='{}') or from a file \
                 with --set-json {path}=@FILE",
                if kind == "object" { "{…}" } else { "[…]" }
            ))),
        },
        // No single type (a union): JSON when the text is JSON, else the string.
        _ => Ok(serde_json::from_str(text).unwrap_or(given)),
    }
}

/// The JSON type a field takes: its `type`, or the one non-null type of an `anyOf`/`oneOf`
/// (`integer` or `null`, as pydantic exports an optional field).
fn field_type(field: &Value) -> Option<&str> {
    if let Some(kind) = field.get("type").and_then(Value::as_str) {
        return Some(kind);
    }
    let members = ["anyOf", "oneOf"]
        .iter()
        .find_map(|key| field.get(*key).and_then(Value::as_array))?;
    let mut kinds: Vec<&str> = members
        .iter()
        .filter_map(|member| member.get("type").and_then(Value::as_str))
        .filter(|kind| *kind != "null")
        .collect();
    kinds.dedup();
    match kinds.as_slice() {
        [kind] if members.iter().all(|m| m.get("type").is_some()) => Some(kind),
        _ => None,
    }
}

/// `@FILE` read as JSON within the body limit, or the JSON text itself.
fn json_value(path: &str, source: &str) -> Result<Value, Error> {
    let what = format!("--set-json {path}");
    if let Some(file) = source.strip_prefix('@') {
        return read_json(file, &what);
    }
    if source.len() as u64 > MAX_BODY_BYTES {
        return Err(Error::Config(format!(
            "{what} is {} bytes; Launchplane takes request bodies of at most {MAX_BODY_BYTES} bytes (2 MiB)",
            source.len()
        )));
    }
    serde_json::from_str(source).map_err(|e| {
        Error::Config(format!(
            "{what}: {source:?} is not JSON ({e}); give JSON, or @FILE to read a JSON file"
        ))
    })
}

/// Puts `value` at a dot path, making the objects on the way.
fn lay(body: &mut Value, path: &str, value: Value, flag: &str) -> Result<(), Error> {
    let segments: Vec<&str> = path.split('.').collect();
    let (last, parents) = segments.split_last().expect("split gives one segment");
    let mut current = body;
    for (depth, segment) in parents.iter().enumerate() {
        let Value::Object(members) = current else {
            return Err(Error::Config(format!(
                "{flag} {path}: `{}` of the body is not an object",
                segments[..depth].join(".")
            )));
        };
        current = members
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    match current {
        Value::Object(members) => {
            members.insert((*last).to_owned(), value);
            Ok(())
        }
        _ => Err(Error::Config(format!(
            "{flag} {path}: `{}` of the body is not an object",
            parents.join(".")
        ))),
    }
}

/// Every dot path of a request schema's properties, nested objects included.
pub fn dot_paths(resolver: Resolver<'_>, schema: &str) -> Vec<String> {
    let mut out = Vec::new();
    let loc = component_loc(schema);
    if let Some(root) = resolver.get(&loc) {
        collect(resolver, root, loc, "", 0, &mut out);
    }
    out
}

fn collect(resolver: Resolver<'_>, value: &Value, loc: Vec<String>, prefix: &str, depth: usize, out: &mut Vec<String>) {
    // Deep enough for every body; a recursive schema stops here.
    if depth > 6 {
        return;
    }
    let Some((value, loc)) = resolver.effective(value, loc) else {
        return;
    };
    if let Some(Value::Object(properties)) = value.get("properties") {
        for (name, property) in properties {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            if !out.contains(&path) {
                out.push(path.clone());
            }
            let property_loc = child(&child(&loc, "properties"), name.clone());
            collect(resolver, property, property_loc, &path, depth + 1, out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(parts)) = value.get(key) {
            for (i, part) in parts.iter().enumerate() {
                let part_loc = child(&child(&loc, key), i.to_string());
                collect(resolver, part, part_loc, prefix, depth + 1, out);
            }
        }
    }
}

/// The `count` paths closest to `wanted`: those sharing its parent first, then by edit distance.
pub fn nearest(wanted: &str, paths: &[String], count: usize) -> Vec<String> {
    let parent = wanted.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
    let mut ranked: Vec<(usize, &String)> = paths
        .iter()
        .map(|path| {
            let same_parent = path.rsplit_once('.').map(|(p, _)| p).unwrap_or("") == parent;
            (edit_distance(wanted, path) + if same_parent { 0 } else { 4 }, path)
        })
        .collect();
    ranked.sort();
    ranked.into_iter().take(count).map(|(_, p)| format!("`{p}`")).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_changes() {
        assert_eq!(edit_distance("deploy.instance", "deploy.instance"), 0);
        assert_eq!(edit_distance("deploy.instnce", "deploy.instance"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn every_request_schema_lists_paths_that_resolve() {
        let contract = Contract::embedded();
        let mut seen = 0;
        for op in contract.operations() {
            let Some(schema) = op.request_schema.as_deref() else {
                continue;
            };
            let paths = dot_paths(contract.resolver(), schema);
            assert!(!paths.is_empty(), "{}", op.id);
            for path in paths {
                contract
                    .resolver()
                    .field(&component_loc(schema), &path)
                    .unwrap_or_else(|e| panic!("{}: {e}", op.id));
                seen += 1;
            }
        }
        assert!(seen > 20, "{seen}");
    }

    #[test]
    fn values_are_read_as_the_field_type() {
        let string = serde_json::json!({"type": "string"});
        let integer = serde_json::json!({"type": "integer"});
        let boolean = serde_json::json!({"type": "boolean"});
        let object = serde_json::json!({"type": "object"});
        assert_eq!(typed_value(&string, "a", "1800").unwrap(), Value::from("1800"));
        assert_eq!(typed_value(&integer, "a", "1800").unwrap(), Value::from(1800));
        assert_eq!(typed_value(&integer, "a", "1_800").unwrap(), Value::from(1800));
        assert!(typed_value(&integer, "a", "soon").is_err());
        assert_eq!(typed_value(&boolean, "a", "yes").unwrap(), Value::Bool(true));
        assert!(typed_value(&boolean, "a", "maybe").is_err());
        assert_eq!(
            typed_value(&object, "a", r#"{"x":1}"#).unwrap(),
            serde_json::json!({"x": 1})
        );
        assert!(typed_value(&object, "a", "[1]").is_err());
        let optional = serde_json::json!({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]});
        assert_eq!(typed_value(&optional, "a", "1800").unwrap(), Value::from(1800));
        assert!(typed_value(&optional, "a", "soon").is_err());
        let union = serde_json::json!({"anyOf": [{"type": "integer"}, {"type": "string"}]});
        assert_eq!(typed_value(&union, "a", "soon").unwrap(), Value::from("soon"));
    }
}
