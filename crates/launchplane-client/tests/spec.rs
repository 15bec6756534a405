//! The spec is trustworthy: its examples fit its schemas and the generated types, its
//! schemas refuse what Launchplane refuses, and every operation carries its house extensions.

use std::collections::HashSet;

use launchplane_client::contract::{Contract, ref_name};
use launchplane_client::generated;
use serde_json::{Map, Value, json};

fn contract() -> &'static Contract {
    Contract::embedded()
}

/// The value with every missing property that has a schema default written out, recursively.
fn with_defaults(schema_name: &str, value: &Value) -> Value {
    let schema = contract()
        .schema(schema_name)
        .unwrap_or_else(|| panic!("schema {schema_name}"));
    // A version union: the defaults of the member the value is.
    if let Some(members) = schema.get("oneOf").and_then(Value::as_array) {
        let member = members
            .iter()
            .filter_map(|m| m.get("$ref").and_then(Value::as_str).and_then(ref_name))
            .find(|name| jsonschema::is_valid(&contract().json_schema(name), value));
        return member.map_or_else(|| value.clone(), |name| with_defaults(name, value));
    }
    let Some(object) = value.as_object() else {
        return value.clone();
    };
    let mut out = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, property) in &properties {
        let nested = property
            .get("$ref")
            .or_else(|| property.pointer("/allOf/0/$ref"))
            .and_then(Value::as_str)
            .and_then(ref_name);
        let item_ref = property
            .pointer("/items/$ref")
            .and_then(Value::as_str)
            .and_then(ref_name);
        match object.get(name) {
            Some(v) => {
                let filled = match (nested, item_ref, v) {
                    (Some(n), _, v) if v.is_object() => with_defaults(n, v),
                    (_, Some(n), Value::Array(items)) => {
                        Value::Array(items.iter().map(|i| with_defaults(n, i)).collect())
                    }
                    _ => v.clone(),
                };
                out.insert(name.clone(), filled);
            }
            None => {
                if let Some(default) = property.get("default") {
                    let filled = match nested {
                        Some(n) if default.is_object() => with_defaults(n, default),
                        _ => default.clone(),
                    };
                    if !filled.is_null() {
                        out.insert(name.clone(), filled);
                    }
                }
            }
        }
    }
    for (name, v) in object {
        if !properties.contains_key(name) {
            out.insert(name.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// Drops nulls and empty maps: the generated types leave out a `None`, an empty list and an empty free-form
/// map, which Launchplane reads as the same default.
fn without_nulls(value: &Value) -> Value {
    let absent = |v: &Value| {
        v.is_null() || v.as_object().is_some_and(|m| m.is_empty()) || v.as_array().is_some_and(|a| a.is_empty())
    };
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !absent(v))
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn post_operations() -> impl Iterator<Item = &'static launchplane_client::Operation> {
    contract().operations().iter().filter(|op| op.method == "POST")
}

#[test]
fn the_spec_holds_every_tenant_route() {
    let expected = [
        ("GET", "/v1/health"),
        ("GET", "/v1/drivers"),
        ("GET", "/v1/drivers/{driver_id}"),
        ("POST", "/v1/drivers/odoo/artifact-publish-inputs"),
        ("POST", "/v1/drivers/odoo/artifact-publish"),
        ("POST", "/v1/drivers/odoo/post-deploy"),
        ("POST", "/v1/drivers/odoo/preview-apply-inputs"),
        ("POST", "/v1/drivers/odoo/preview-apply"),
        ("POST", "/v1/drivers/odoo/prod-promotion-run"),
        ("POST", "/v1/drivers/odoo/target-replacement-apply"),
        ("GET", "/v1/drivers/odoo/target-replacement/operations/{operation_id}"),
        ("GET", "/v1/release-review"),
        ("GET", "/v1/product-profiles/{product}"),
        ("POST", "/v1/production-backup-gates"),
        ("GET", "/v1/production-backup-gates/operations/{operation_id}"),
        ("GET", "/v1/artifacts/protected"),
        ("POST", "/v1/authz-diagnostics/github-actions/evaluate"),
        ("POST", "/v1/drivers/odoo/prod-rollback"),
        ("POST", "/v1/drivers/generic-web/deploy"),
        ("POST", "/v1/drivers/generic-web/prod-promotion"),
        ("POST", "/v1/drivers/generic-web/preview-desired-state"),
        ("POST", "/v1/drivers/generic-web/preview-refresh"),
        ("POST", "/v1/drivers/generic-web/preview-inventory"),
        ("POST", "/v1/drivers/generic-web/preview-readiness"),
        ("POST", "/v1/drivers/generic-web/preview-destroy"),
        ("POST", "/v1/evidence/deployments"),
        ("POST", "/v1/evidence/backup-gates"),
        ("POST", "/v1/evidence/promotions"),
        ("POST", "/v1/evidence/previews/generations"),
        ("POST", "/v1/evidence/previews/destroyed"),
        ("POST", "/v1/previews/lifecycle-plan"),
        ("POST", "/v1/previews/lifecycle-cleanup"),
        ("POST", "/v1/previews/desired-state"),
        ("POST", "/v1/previews/pr-feedback"),
    ];
    let have: HashSet<(String, String)> = contract()
        .operations()
        .iter()
        .map(|op| (op.method.clone(), op.path.clone()))
        .collect();
    let missing: Vec<_> = expected
        .iter()
        .filter(|(m, p)| !have.contains(&(m.to_string(), p.to_string())))
        .collect();
    assert!(missing.is_empty(), "routes missing from the spec: {missing:?}");
    assert_eq!(
        have.len(),
        expected.len(),
        "the spec has routes beyond the tenant-facing set"
    );
    assert_eq!(
        contract()
            .document()
            .pointer("/info/x-launchplane-revision")
            .and_then(Value::as_str),
        Some("00086a04be7571bd0de73ca06ca1993d4560cb78")
    );
}

#[test]
fn operation_ids_are_unique_snake_case_and_generated() {
    let mut seen = HashSet::new();
    for op in contract().operations() {
        assert!(seen.insert(op.id.clone()), "duplicate operationId {}", op.id);
        assert!(
            op.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{} is not snake_case",
            op.id
        );
        assert!(
            generated::OPERATION_IDS.contains(&op.id.as_str()),
            "{} has no generated builder",
            op.id
        );
        assert!(!op.tag.is_empty(), "{} has no tag", op.id);
    }
}

#[test]
fn every_post_takes_an_idempotency_key_and_names_its_authz_action_and_safety() {
    for op in post_operations() {
        let params = contract()
            .document()
            .pointer(&format!("/paths/{}/post/parameters", op.path.replace('/', "~1")))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // The shared key, the route's own `Idempotency-Key` header, or none where Launchplane
        // never looks a key up.
        assert!(
            params.iter().any(|p| {
                p.get("$ref") == Some(&json!("#/components/parameters/IdempotencyKey"))
                    || p.get("name") == Some(&json!("Idempotency-Key"))
            }) || !op.replay,
            "{} lacks the Idempotency-Key parameter",
            op.id
        );
        let action = op
            .authz_action
            .as_deref()
            .unwrap_or_else(|| panic!("{} has no authz action", op.id));
        assert!(
            action.contains('.'),
            "{}: authz action {action} is not <action>.<verb>",
            op.id
        );
        assert!(op.safety.is_some(), "{} has no safety", op.id);
        assert!(op.request_schema.is_some(), "{} has no request schema", op.id);
        assert!(
            [200, 202].contains(&op.success_status),
            "{} answers {}",
            op.id,
            op.success_status
        );
    }
}

#[test]
fn every_request_example_passes_schema_and_rules() {
    for op in post_operations() {
        let examples = contract().request_examples(op);
        assert!(!examples.is_empty(), "{} has no request example", op.id);
        for (name, example) in examples {
            if let Err(violations) = contract().validate_body(op, &example) {
                panic!("{} example {name} is invalid: {violations:?}", op.id);
            }
        }
    }
}

#[test]
fn every_success_example_validates_against_its_schema() {
    for op in contract().operations() {
        let example = contract()
            .response_example(op)
            .unwrap_or_else(|| panic!("{} has no success example", op.id));
        let schema_name = contract()
            .response_schema(op)
            .unwrap_or_else(|| panic!("{} has no success schema", op.id));
        let validator = jsonschema::validator_for(&contract().json_schema(&schema_name)).unwrap();
        let errors: Vec<String> = validator.iter_errors(&example).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{} success example: {errors:?}", op.id);
    }
}

#[test]
fn examples_round_trip_through_the_generated_types() {
    for op in contract().operations() {
        let mut cases: Vec<(String, Value)> = Vec::new();
        if let Some(request) = &op.request_schema {
            cases.extend(
                contract()
                    .request_examples(op)
                    .into_iter()
                    .map(|(_, v)| (request.clone(), v)),
            );
        }
        if let (Some(schema), Some(example)) = (contract().response_schema(op), contract().response_example(op)) {
            cases.push((schema, example));
        }
        for (schema, example) in cases {
            let typed = generated::roundtrip(&schema, example.clone())
                .unwrap_or_else(|e| panic!("{}: {schema} example does not fit the generated type: {e}", op.id));
            let expected = without_nulls(&with_defaults(&schema, &example));
            if let Some(difference) = first_difference(&without_nulls(&typed), &expected, "") {
                panic!(
                    "{}: {schema} example changes through the generated type at {difference}",
                    op.id
                );
            }
        }
    }
}

fn first_difference(actual: &Value, expected: &Value, path: &str) -> Option<String> {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(e.keys()).collect();
            keys.into_iter().find_map(|k| match (a.get(k), e.get(k)) {
                (Some(x), Some(y)) => first_difference(x, y, &format!("{path}.{k}")),
                (x, y) => Some(format!("{path}.{k}: generated {x:?}, spec {y:?}")),
            })
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => a
            .iter()
            .zip(e)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}.{i}"))),
        _ => (actual != expected).then(|| format!("{path}: generated {actual}, spec {expected}")),
    }
}

/// Every object inside a body, by dot path, with the schema that describes it.
fn objects_with_schemas(schema_name: &str, value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    out.push((path.to_owned(), schema_name.to_owned()));
    let schema = contract().schema(schema_name).unwrap();
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let nested = property
            .get("$ref")
            .or_else(|| property.pointer("/allOf/0/$ref"))
            .and_then(Value::as_str)
            .and_then(ref_name);
        if let (Some(nested), Some(child)) = (nested, value.get(name).filter(|v| v.is_object())) {
            let child_path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            objects_with_schemas(nested, child, &child_path, out);
        }
    }
}

fn object_at<'v>(body: &'v mut Value, path: &str) -> &'v mut Map<String, Value> {
    let mut current = body;
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        current = current.get_mut(segment).unwrap();
    }
    current.as_object_mut().unwrap()
}

#[test]
fn schemas_refuse_unknown_fields_at_every_level() {
    for op in post_operations() {
        let example = contract().request_example(op).unwrap();
        let mut objects = Vec::new();
        objects_with_schemas(op.request_schema.as_deref().unwrap(), &example, "", &mut objects);
        for (path, schema) in objects {
            let mut body = example.clone();
            object_at(&mut body, &path).insert("no_such_field_in_any_model".into(), json!("x"));
            let violations = contract()
                .validate_body(op, &body)
                .expect_err(&format!("{}: {schema} at `{path}` accepted an unknown field", op.id));
            // Inside a version union the unknown field makes the value fit no member.
            assert!(
                violations
                    .iter()
                    .any(|v| v.rule == "additionalProperties" || v.rule == "oneOf"),
                "{}: {violations:?}",
                op.id
            );
        }
    }
}

#[test]
fn schemas_refuse_a_body_missing_any_required_field() {
    for op in post_operations() {
        let example = contract().request_example(op).unwrap();
        let mut objects = Vec::new();
        objects_with_schemas(op.request_schema.as_deref().unwrap(), &example, "", &mut objects);
        for (path, schema) in objects {
            let required = contract()
                .schema(&schema)
                .unwrap()
                .get("required")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for field in required.iter().filter_map(Value::as_str) {
                let mut body = example.clone();
                object_at(&mut body, &path).remove(field);
                let violations = contract()
                    .validate_body(op, &body)
                    .expect_err(&format!("{}: accepted a body without `{path}.{field}`", op.id));
                assert!(
                    violations.iter().any(|v| v.rule == "required"),
                    "{}: {violations:?}",
                    op.id
                );
            }
        }
    }
}

#[test]
fn mutations_name_their_instance_and_destructive_or_prod_calls_need_confirmation() {
    for op in post_operations().filter(|op| op.safety.as_deref() == Some("mutation")) {
        assert!(
            op.instance_field.is_some() || op.tag == "generic_web",
            "{} is a mutation without an instance field",
            op.id
        );
    }
    let promotion = contract().operation("odoo_prod_promotion_run").unwrap();
    assert!(promotion.needs_confirmation(contract().request_example(promotion).as_ref()));
    let post_deploy = contract().operation("odoo_post_deploy").unwrap();
    let mut body = contract().request_example(post_deploy).unwrap();
    assert!(!post_deploy.needs_confirmation(Some(&body)));
    body["post_deploy"]["instance"] = json!(" PROD ");
    assert!(post_deploy.needs_confirmation(Some(&body)));
}
