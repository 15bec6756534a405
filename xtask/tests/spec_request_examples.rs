//! Every request example of the spec (`openapi/launchplane-v1.yaml`) is a body Launchplane itself
//! accepts: it validates against the route's request schema in Launchplane's own export (the 3.1
//! fixture, before conversion or overlay). Every POST with a body carries at least one example.

use std::fs;

use jsonschema::Draft;
use serde_json::{Map, Value, json};
use xtask::spec::{doc, workspace_root};

const FIXTURE: &str = "xtask/fixtures/openapi-00086a04.json";
const SPEC: &str = "openapi/launchplane-v1.yaml";

fn fixture() -> Value {
    doc::parse_any(&fs::read_to_string(workspace_root().join(FIXTURE)).unwrap()).unwrap()
}

fn spec() -> Value {
    doc::parse_yaml(&fs::read_to_string(workspace_root().join(SPEC)).unwrap()).unwrap()
}

/// The export's request schema of `method path` as the root, with the export's components beside
/// it so `#/components/schemas/…` resolves as it does in the export.
fn launchplane_body_validator(export: &Value, method: &str, path: &str) -> jsonschema::Validator {
    let schema = export["paths"][path][method]
        .pointer("/requestBody/content/application~1json/schema")
        .unwrap_or_else(|| panic!("the export has no JSON request body for {method} {path}"));
    let mut root: Map<String, Value> = schema.as_object().cloned().expect("a schema object");
    root.insert("components".into(), export["components"].clone());
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .build(&Value::Object(root))
        .unwrap_or_else(|e| panic!("the export's schema for {method} {path} does not compile: {e}"))
}

fn problems(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at `{}`", e.instance_path()))
        .collect()
}

/// (method, path, named examples) of every operation of the spec with a JSON request body.
fn bodies(spec: &Value) -> Vec<(String, String, Map<String, Value>)> {
    doc::operations(spec)
        .into_iter()
        .filter(|op| op.value.pointer("/requestBody/content/application~1json").is_some())
        .map(|op| {
            let examples = op
                .value
                .pointer("/requestBody/content/application~1json/examples")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            (op.method.to_string(), op.path.to_string(), examples)
        })
        .collect()
}

#[test]
fn every_request_example_of_the_spec_is_a_body_launchplane_accepts() {
    let export = fixture();
    let bodies = bodies(&spec());
    assert!(!bodies.is_empty(), "the spec has no request bodies");
    let mut failures = Vec::new();
    for (method, path, examples) in &bodies {
        if examples.is_empty() {
            failures.push(format!("{} {path}: no request example", method.to_uppercase()));
            continue;
        }
        let validator = launchplane_body_validator(&export, method, path);
        for (name, example) in examples {
            let Some(value) = example.get("value") else {
                failures.push(format!("{} {path} example `{name}`: no value", method.to_uppercase()));
                continue;
            };
            for p in problems(&validator, value) {
                failures.push(format!("{} {path} example `{name}`: {p}", method.to_uppercase()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "request examples Launchplane's export rejects or lacks:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_export_rejects_a_broken_copy_of_a_new_route_example() {
    let export = fixture();
    let spec = spec();
    let example = spec
        .pointer("/paths/~1v1~1drivers~1odoo~1preview-apply/post/requestBody/content/application~1json/examples/client_test_destroy/value")
        .expect("the preview-apply destroy example")
        .clone();
    let validator = launchplane_body_validator(&export, "post", "/v1/drivers/odoo/preview-apply");
    assert!(problems(&validator, &example).is_empty());

    // preview-apply caps the apply timeout at 600 seconds.
    let mut too_long = example.clone();
    too_long["apply"]["timeout_seconds"] = json!(601);
    let found = problems(&validator, &too_long);
    assert!(found.iter().any(|p| p.contains("/apply/timeout_seconds")), "{found:?}");

    // The dry-run plan is a closed model reached through the export's components.
    let mut unknown = example;
    unknown["apply"]["dry_run_plan"]["plan_id"] = json!("odoo-preview-plan-test");
    let found = problems(&validator, &unknown);
    assert!(found.iter().any(|p| p.contains("plan_id")), "{found:?}");
}
