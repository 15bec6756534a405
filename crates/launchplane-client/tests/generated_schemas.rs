//! The generated request types mean what the spec means: the JSON Schema each one derives
//! (schemars) accepts exactly what the spec's schema accepts, on every request example of
//! the spec and on mutations of it (a member dropped, added, of another type, out of range).

use launchplane_client::contract::Contract;
use launchplane_client::generated::{derived_request_schema, normalize_body};
use serde_json::{Value, json};

/// The example and its mutations, each with what was changed.
fn mutations(example: &Value) -> Vec<(String, Value)> {
    let mut out = vec![("as given".to_owned(), example.clone())];
    mutate(example, &mut Vec::new(), example, &mut out);
    out
}

fn replaced(root: &Value, path: &[String], with: Option<Value>) -> Value {
    let mut copy = root.clone();
    let (last, parents) = path.split_last().expect("a member path");
    let mut target = &mut copy;
    for segment in parents {
        target = match target {
            Value::Object(map) => map.get_mut(segment).unwrap(),
            Value::Array(items) => &mut items[segment.parse::<usize>().unwrap()],
            _ => unreachable!(),
        };
    }
    match (target, with) {
        (Value::Object(map), Some(value)) => {
            map.insert(last.clone(), value);
        }
        (Value::Object(map), None) => {
            map.remove(last);
        }
        (Value::Array(items), Some(value)) => items[last.parse::<usize>().unwrap()] = value,
        (Value::Array(items), None) => {
            items.remove(last.parse::<usize>().unwrap());
        }
        _ => unreachable!(),
    }
    copy
}

fn mutate(root: &Value, path: &mut Vec<String>, value: &Value, out: &mut Vec<(String, Value)>) {
    let at = |path: &[String]| format!("/{}", path.join("/"));
    match value {
        Value::Object(map) => {
            let mut extended = path.clone();
            extended.push("unexpected_member".into());
            out.push((
                format!("{} added", at(&extended)),
                replaced(root, &extended, Some(json!(true))),
            ));
            for (key, member) in map {
                path.push(key.clone());
                out.push((format!("{} dropped", at(path)), replaced(root, path, None)));
                mutate(root, path, member, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                path.push(index.to_string());
                mutate(root, path, item, out);
                path.pop();
            }
        }
        _ => {}
    }
    if path.is_empty() {
        return;
    }
    let others: Vec<Value> = match value {
        Value::String(_) => vec![json!(""), json!("not-a-listed-value"), json!(7), json!(["x"])],
        Value::Bool(_) => vec![json!("true"), json!(1)],
        Value::Number(_) => vec![json!(0), json!(-1), json!(1.5), json!("1"), json!(u64::MAX)],
        Value::Array(_) => vec![json!([]), json!({}), json!("x")],
        Value::Object(_) => vec![json!({}), json!([]), json!("x")],
        Value::Null => vec![json!(""), json!({})],
    };
    for other in others.into_iter().chain([Value::Null]) {
        out.push((format!("{} = {other}", at(path)), replaced(root, path, Some(other))));
    }
}

#[test]
fn every_operation_with_a_body_has_a_derived_schema() {
    for op in Contract::embedded().operations() {
        assert_eq!(
            op.request_schema.is_some(),
            derived_request_schema(&op.id).is_some(),
            "{}: a request body in the spec and a generated body type go together",
            op.id
        );
    }
}

#[test]
fn derived_schemas_accept_exactly_what_the_spec_accepts() {
    let contract = Contract::embedded();
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for op in contract.operations() {
        let Some(name) = op.request_schema.as_deref() else {
            continue;
        };
        let spec = jsonschema::validator_for(&contract.json_schema(name)).expect("spec schema compiles");
        let derived_schema = derived_request_schema(&op.id).expect("a generated body type");
        let derived = jsonschema::validator_for(&derived_schema).expect("derived schema compiles");
        let examples = contract.request_examples(op);
        assert!(!examples.is_empty(), "{}: the spec has no request example", op.id);
        for (example_name, example) in examples {
            assert!(
                spec.is_valid(&example),
                "{}/{example_name} breaks its own schema",
                op.id
            );
            for (change, body) in mutations(&example) {
                checked += 1;
                let (by_spec, mut by_type) = (spec.is_valid(&body), derived.is_valid(&body));
                // Constrained strings are newtypes whose lengths are checked when parsed, which
                // the derived schema does not say: the type's own verdict is the parse.
                if by_type && !by_spec && normalize_body(&op.id, body.clone()).is_err() {
                    by_type = false;
                }
                if by_spec != by_type && !known_difference(&change, by_spec) {
                    disagreements.push(format!(
                        "{name} ({}/{example_name}), {change}: spec {}, generated type {}",
                        op.id,
                        verdict(by_spec),
                        verdict(by_type)
                    ));
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} bodies checked");
    assert!(
        disagreements.is_empty(),
        "{} of {checked} bodies judged differently:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Where typify's types are knowingly more lenient than the spec. Both are harmless on the
/// wire: the runtime checks every body against the spec itself before sending (lpctl's
/// `prepare`, the typed calls' request hook), and a typed body never serializes a `None`.
fn known_difference(change: &str, by_spec: bool) -> bool {
    // An optional member is an `Option`, which reads `null` as absent.
    let null_for_optional = change.ends_with(" = null");
    // `minimum: 1` becomes `NonZeroU64`; a `maximum` is not carried into the type.
    let above_maximum = change.ends_with(&format!(" = {}", u64::MAX));
    !by_spec && (null_for_optional || above_maximum)
}

fn verdict(valid: bool) -> &'static str {
    if valid { "accepts" } else { "rejects" }
}
