//! The request examples of the imported spec are bodies Launchplane itself accepts: each one
//! validates against the route's request schema in Launchplane's own export (the 3.1 fixture,
//! before any conversion or overlay), so an overlay cannot carry a 371132b example that the newer
//! models reject.

use std::fs;

use jsonschema::Draft;
use serde_json::{Map, Value, json};
use xtask::spec::import;
use xtask::spec::{doc, workspace_root};

const FIXTURE: &str = "xtask/fixtures/openapi-00086a04.json";
const EVIDENCE_PREVIEWS_OVERLAY: &str = "openapi/overlay-00086a04-evidence-previews.yaml";

fn fixture() -> Value {
    doc::parse_any(&fs::read_to_string(workspace_root().join(FIXTURE)).unwrap()).unwrap()
}

fn draft() -> Value {
    doc::parse_yaml(&fs::read_to_string(workspace_root().join(xtask::spec::SPEC_PATH)).unwrap()).unwrap()
}

/// A validator for the export's request schema of `method path`: the body schema as the root
/// (its own `$defs` stay reachable) with the export's components beside it, so
/// `#/components/schemas/…` resolves as it does in the export.
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

/// Every (operation, example name, example value) of the draft's request bodies.
fn request_examples(spec: &Value) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for op in doc::operations(spec) {
        let Some(Value::Object(examples)) = op.value.pointer("/requestBody/content/application~1json/examples") else {
            continue;
        };
        for (name, example) in examples {
            let value = example.get("value").cloned().expect("a named example has a value");
            out.push((op.method.to_string(), op.path.to_string(), name.clone(), value));
        }
    }
    out
}

fn problems(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at `{}`", e.instance_path()))
        .collect()
}

#[test]
fn every_request_example_is_a_body_launchplane_accepts() {
    let export = fixture();
    let examples = request_examples(&draft());
    let mut failures = Vec::new();
    for (method, path, name, value) in &examples {
        let validator = launchplane_body_validator(&export, method, path);
        for p in problems(&validator, value) {
            failures.push(format!("{} {path} example `{name}`: {p}", method.to_uppercase()));
        }
    }
    assert!(
        failures.is_empty(),
        "request examples Launchplane's export rejects:\n{}",
        failures.join("\n")
    );
    // Every operation the evidence and preview lifecycle overlay patches had examples checked.
    let routes = overlay_operations(EVIDENCE_PREVIEWS_OVERLAY);
    assert!(!routes.is_empty(), "{EVIDENCE_PREVIEWS_OVERLAY} patches no operation");
    for (method, route) in routes {
        assert!(
            examples.iter().any(|(m, path, _, _)| *m == method && *path == route),
            "no request example checked for {} {route}",
            method.to_uppercase()
        );
    }
}

/// The (method, path) of every operation an overlay patches (`/paths/<path>/<method>` keys).
fn overlay_operations(overlay: &str) -> Vec<(String, String)> {
    let value = import::read::load_overlay(&workspace_root().join(overlay)).unwrap();
    value
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|pointer| {
            let segments = doc::ref_loc(&format!("#{pointer}"))?;
            match segments.as_slice() {
                [paths, path, method] if paths == "paths" => Some((method.clone(), path.clone())),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_check_rejects_what_the_export_rejects() {
    let export = fixture();
    let examples = request_examples(&draft());
    let (method, path, _, value) = examples
        .iter()
        .find(|(_, path, _, _)| path == "/v1/previews/desired-state")
        .expect("a desired-state example");
    let validator = launchplane_body_validator(&export, method, path);
    assert!(problems(&validator, value).is_empty());

    // 371132b's desired-state request had `label`; the export's model forbids it.
    let mut with_label = value.clone();
    with_label["label"] = json!("preview");
    let found = problems(&validator, &with_label);
    assert!(found.iter().any(|p| p.contains("label")), "{found:?}");

    // A nested model is reached through the export's components.
    let (method, path, _, value) = examples
        .iter()
        .find(|(_, path, _, _)| path == "/v1/evidence/deployments")
        .expect("a deployment evidence example");
    let validator = launchplane_body_validator(&export, method, path);
    let mut bad_target = value.clone();
    bad_target["deployment"]["deploy"]["target_type"] = json!("static");
    let found = problems(&validator, &bad_target);
    assert!(
        found.iter().any(|p| p.contains("/deployment/deploy/target_type")),
        "{found:?}"
    );
}
