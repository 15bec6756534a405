//! `spec check` finds each house-rule violation in small broken specs.

use serde_json::{Value, json};
use xtask::spec::check::{CheckReport, check_text};
use xtask::spec::{canonical, doc, exit, fmt};

const VALID: &str = include_str!("check/valid.yaml");

fn valid() -> Value {
    doc::parse_yaml(VALID).expect("fixture parses")
}

/// Checks a spec given as a value, written in canonical form with a matching API.md.
fn check(spec: &Value) -> CheckReport {
    let text = canonical::to_canonical(spec).expect("canonical");
    let api_md = fmt::generate(&text).expect("generate").api_md;
    check_text(&text, Some(&api_md))
}

fn run_op(spec: &mut Value) -> &mut Value {
    spec.pointer_mut("/paths/~1v1~1things~1run/post").unwrap()
}

fn schema<'a>(spec: &'a mut Value, name: &str) -> &'a mut Value {
    spec.pointer_mut(&format!("/components/schemas/{name}")).unwrap()
}

/// Asserts exactly the violations matching `needle` exist (at least one), on a located line.
fn assert_violation(spec: &Value, needle: &str) {
    let report = check(spec);
    let found: Vec<_> = report.violations.iter().filter(|v| v.what.contains(needle)).collect();
    assert!(
        !found.is_empty(),
        "no violation containing {needle:?}; got:\n{:#?}",
        report.violations
    );
    assert_eq!(report.exit_code(), exit::FAILED);
    for v in found {
        assert!(!v.remedy.is_empty(), "{v}");
    }
}

#[test]
fn valid_fixture_is_clean() {
    let report = check(&valid());
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    assert_eq!(report.exit_code(), exit::CLEAN);
}

#[test]
fn missing_operation_id() {
    let mut s = valid();
    run_op(&mut s).as_object_mut().unwrap().remove("operationId");
    assert_violation(&s, "has no operationId");
}

#[test]
fn operation_id_not_snake_case() {
    let mut s = valid();
    run_op(&mut s)["operationId"] = json!("thingsRun");
    assert_violation(&s, "is not snake_case");
}

#[test]
fn duplicate_operation_id() {
    let mut s = valid();
    run_op(&mut s)["operationId"] = json!("things_read");
    assert_violation(&s, "is also used by");
}

#[test]
fn post_without_idempotency_key() {
    let mut s = valid();
    run_op(&mut s)["parameters"] = json!([]);
    assert_violation(&s, "does not take the Idempotency-Key header");
}

#[test]
fn post_with_its_own_idempotency_key_takes_the_header() {
    let mut s = valid();
    run_op(&mut s)["parameters"] = json!([{"name": "Idempotency-Key", "in": "header", "required": true, "schema": {"type": "string", "minLength": 1}}]);
    let report = check(&s);
    assert!(
        !report.violations.iter().any(|v| v.what.contains("Idempotency-Key")),
        "{:#?}",
        report.violations
    );
    // Another header is not the key.
    run_op(&mut s)["parameters"] = json!([{"name": "X-Other", "in": "header", "schema": {"type": "string"}}]);
    assert_violation(&s, "does not take the Idempotency-Key header");
}

#[test]
fn post_never_replayed_may_leave_the_key_out() {
    let mut s = valid();
    run_op(&mut s).as_object_mut().unwrap().remove("parameters");
    assert_violation(&s, "does not take the Idempotency-Key header");
    run_op(&mut s)["x-launchplane-replay"] = json!(true);
    assert_violation(&s, "does not take the Idempotency-Key header");
    run_op(&mut s)["x-launchplane-replay"] = json!(false);
    let report = check(&s);
    assert!(
        !report.violations.iter().any(|v| v.what.contains("Idempotency-Key")),
        "{:#?}",
        report.violations
    );
}

#[test]
fn post_without_authz_action() {
    let mut s = valid();
    run_op(&mut s)
        .as_object_mut()
        .unwrap()
        .remove("x-launchplane-authz-action");
    assert_violation(&s, "has no `x-launchplane-authz-action`");
}

#[test]
fn missing_error_status() {
    let mut s = valid();
    run_op(&mut s)["responses"].as_object_mut().unwrap().remove("409");
    assert_violation(&s, "does not declare 409");
}

#[test]
fn error_status_not_rejected() {
    let mut s = valid();
    run_op(&mut s)["responses"]["404"] = json!({"description": "gone"});
    assert_violation(&s, "404 with something other than the Rejected response");
}

#[test]
fn inline_request_schema() {
    let mut s = valid();
    run_op(&mut s)["requestBody"]["content"]["application/json"]["schema"] =
        json!({"type": "object", "additionalProperties": false, "properties": {"product": {"type": "string"}}});
    assert_violation(&s, "request schema is not a `$ref` to a named component");
}

#[test]
fn nested_request_model_open() {
    let mut s = valid();
    schema(&mut s, "RunRequest")
        .as_object_mut()
        .unwrap()
        .remove("additionalProperties");
    assert_violation(
        &s,
        "request model `RunRequest` does not set `additionalProperties: false`",
    );
}

#[test]
fn request_without_examples() {
    let mut s = valid();
    run_op(&mut s)["requestBody"]["content"]["application/json"]
        .as_object_mut()
        .unwrap()
        .remove("examples");
    assert_violation(&s, "has no `examples` entry");
}

#[test]
fn request_example_does_not_validate() {
    let mut s = valid();
    run_op(&mut s)["requestBody"]["content"]["application/json"]["examples"]["basic"]["value"]["run"]["extra"] =
        json!(1);
    assert_violation(&s, "request example `basic` does not match `RunEnvelope`");
}

#[test]
fn every_operation_needs_a_request_limit_of_at_least_a_second() {
    let mut s = valid();
    s.as_object_mut().unwrap().remove("x-launchplane-timeout-seconds");
    let report = check(&s);
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.what == "POST /v1/things/run has no request limit"),
        "{:#?}",
        report.violations
    );
    run_op(&mut s)["x-launchplane-timeout-seconds"] = json!(1800);
    assert!(
        !check(&s)
            .violations
            .iter()
            .any(|v| v.what.starts_with("POST /v1/things/run has no")),
        "its own limit is enough"
    );
    run_op(&mut s)["x-launchplane-timeout-seconds"] = json!(0);
    assert!(
        check(&s)
            .violations
            .iter()
            .any(|v| v.what.contains("is not a whole number of seconds above 0")),
    );
}

#[test]
fn nullable_example_value_is_accepted() {
    let mut s = valid();
    run_op(&mut s)["requestBody"]["content"]["application/json"]["examples"]["basic"]["value"]["run"]["count"] =
        json!(null);
    assert!(check(&s).violations.is_empty());
}

#[test]
fn success_example_does_not_validate() {
    let mut s = valid();
    run_op(&mut s)["responses"]["202"]["content"]["application/json"]["example"]["result"]["run_status"] =
        json!("maybe");
    assert_violation(&s, "202 example does not match `RunAccepted`");
}

#[test]
fn success_example_missing() {
    let mut s = valid();
    run_op(&mut s)["responses"]["202"]["content"]["application/json"]
        .as_object_mut()
        .unwrap()
        .remove("example");
    assert_violation(&s, "success response has no `example`");
}

#[test]
fn rule_field_does_not_resolve() {
    let mut s = valid();
    schema(&mut s, "RunRequest")["x-launchplane-rules"][0]["check"]["field"] = json!("modus");
    assert_violation(&s, "rule field `modus`: no field `modus` in `RunRequest`");
}

#[test]
fn rule_with_two_predicates() {
    let mut s = valid();
    schema(&mut s, "RunRequest")["x-launchplane-rules"][0]["check"]["present"] = json!(true);
    assert_violation(&s, "condition has 2 predicates");
}

#[test]
fn rule_the_contract_model_does_not_load() {
    let mut s = valid();
    // An empty dot path names the schema itself, so only the model's loader refuses it.
    schema(&mut s, "RunRequest")["x-launchplane-rules"][0]["check"]["field"] = json!("");
    assert_violation(&s, "the contract model does not load this rule");
}

#[test]
fn outcome_value_outside_enum() {
    let mut s = valid();
    schema(&mut s, "RunResult")["x-launchplane-outcome"][0]["ok"] = json!(["passed"]);
    assert_violation(&s, "outcome value \"passed\" is not in the field's enum");
}

#[test]
fn instance_field_does_not_resolve() {
    let mut s = valid();
    run_op(&mut s)["x-launchplane-instance-field"] = json!("run.lane");
    assert_violation(&s, "x-launchplane-instance-field `run.lane`: no field `lane`");
}

#[test]
fn idempotency_key_placeholder_does_not_resolve() {
    let mut s = valid();
    run_op(&mut s)["x-launchplane-idempotency-key"] = json!("things-run:{product}:{run.context}");
    assert_violation(&s, "idempotency key placeholder `run.context`");
}

#[test]
fn two_success_responses() {
    let mut s = valid();
    let ok = run_op(&mut s)["responses"]["202"].clone();
    run_op(&mut s)["responses"]["200"] = ok;
    assert_violation(&s, "has 2 success responses");
}

#[test]
fn default_response() {
    let mut s = valid();
    run_op(&mut s)["responses"]["default"] = json!({"$ref": "#/components/responses/Rejected"});
    assert_violation(&s, "has a `default` response");
}

#[test]
fn two_request_content_types() {
    let mut s = valid();
    let media = run_op(&mut s)["requestBody"]["content"]["application/json"].clone();
    run_op(&mut s)["requestBody"]["content"]["text/plain"] = media;
    assert_violation(&s, "request body has content types [application/json, text/plain]");
}

#[test]
fn non_json_success_response() {
    let mut s = valid();
    let media = run_op(&mut s)["responses"]["202"]["content"]["application/json"].clone();
    run_op(&mut s)["responses"]["202"]["content"]["text/html"] = media;
    assert_violation(&s, "success response has content types");
}

#[test]
fn cookie_parameter() {
    let mut s = valid();
    run_op(&mut s)["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "session", "in": "cookie", "schema": {"type": "string"}}));
    assert_violation(&s, "has cookie parameter `session`");
}

#[test]
fn undeclared_path_parameter() {
    let mut s = valid();
    s.pointer_mut("/paths/~1v1~1things~1{thing_id}/get").unwrap()["parameters"] = json!([]);
    assert_violation(&s, "does not declare path parameter `thing_id`");
}

#[test]
fn not_openapi_303() {
    let mut s = valid();
    s["openapi"] = json!("3.1.0");
    assert_violation(&s, "`openapi` is 3.1.0, not 3.0.3");
}

#[test]
fn unresolved_ref() {
    let mut s = valid();
    schema(&mut s, "RunAccepted")["properties"]["result"]["$ref"] = json!("#/components/schemas/Nope");
    assert_violation(&s, "`$ref: #/components/schemas/Nope` does not resolve");
}

#[test]
fn undeclared_tag() {
    let mut s = valid();
    run_op(&mut s)["tags"] = json!(["stuff"]);
    assert_violation(&s, "has tag `stuff`, which the top-level `tags` does not declare");
}

#[test]
fn unknown_safety() {
    let mut s = valid();
    run_op(&mut s)["x-launchplane-safety"] = json!("risky");
    assert_violation(&s, "is not a descriptor safety");
}

#[test]
fn not_carried_route_that_is_carried() {
    let mut s = valid();
    s["x-launchplane-not-carried"][0]["path"] = json!("/v1/things/run");
    assert_violation(&s, "listed as not carried but the spec defines it");
}

#[test]
fn violation_points_at_the_line() {
    let text = VALID.replace("operationId: things_read", "operationId: thingsRead");
    let report = check_text(&text, None);
    let v = report
        .violations
        .iter()
        .find(|v| v.what.contains("not snake_case"))
        .expect("found");
    let line = text
        .lines()
        .position(|l| l.contains("operationId: thingsRead"))
        .unwrap()
        + 1;
    assert_eq!(v.line, line);
    assert!(
        v.to_string()
            .starts_with(&format!("openapi/launchplane-v1.yaml:{line}: ")),
        "{v}"
    );
}

#[test]
fn invalid_yaml_reports_its_line() {
    let text = VALID.replace("  title: Check fixture", "  title: [unclosed");
    let report = check_text(&text, None);
    assert_eq!(report.exit_code(), exit::FAILED);
    assert!(
        report.violations[0].what.starts_with("not valid YAML"),
        "{:?}",
        report.violations
    );
    assert!(report.violations[0].line >= 3);
}

#[test]
fn non_canonical_and_stale_files_exit_4() {
    let text = canonical::to_canonical(&valid()).unwrap();
    let api_md = fmt::generate(&text).unwrap().api_md;
    assert_eq!(check_text(&text, Some(&api_md)).exit_code(), exit::CLEAN);

    let reordered = text
        .replace("openapi: 3.0.3\ninfo:", "info:")
        .replacen("tags:", "openapi: 3.0.3\ntags:", 1);
    let report = check_text(&reordered, Some(&api_md));
    assert_eq!(report.stale, vec!["openapi/launchplane-v1.yaml"]);
    assert_eq!(report.exit_code(), exit::STALE);

    let report = check_text(&text, Some("stale"));
    assert_eq!(report.stale, vec!["openapi/API.md"]);
    assert_eq!(report.exit_code(), exit::STALE);
}
