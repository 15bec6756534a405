//! Bodies as Launchplane's pydantic models read them (lax mode): conversions reach nested,
//! nullable-wrapped and listed fields, rules and confirmation see converted values, and what
//! pydantic refuses stays refused.

use launchplane_contract::{Contract, Operation};
use serde_json::{Value, json};

fn operation(id: &str) -> &'static Operation {
    Contract::embedded().operation(id).unwrap()
}

/// The operation's first request example with `value` set at the dot path.
fn example_with(id: &str, dot_path: &str, value: Value) -> Value {
    let mut body = Contract::embedded().request_example(operation(id)).unwrap();
    let pointer = format!("/{}", dot_path.replace('.', "/"));
    *body
        .pointer_mut(&pointer)
        .unwrap_or_else(|| panic!("{id} example has {dot_path}")) = value;
    body
}

fn at(body: &Value, dot_path: &str) -> Value {
    body.pointer(&format!("/{}", dot_path.replace('.', "/")))
        .cloned()
        .unwrap()
}

#[test]
fn nested_nullable_wrapped_and_listed_fields_are_converted() {
    let contract = Contract::embedded();
    for (id, dot_path, sent, read) in [
        (
            "odoo_prod_rollback",
            "rollback.health_timeout_seconds",
            json!("1800"),
            json!(1800),
        ),
        (
            "odoo_prod_rollback",
            "rollback.health_timeout_seconds",
            json!(1800.0),
            json!(1800),
        ),
        // `artifact_identity` is `nullable` around an `allOf` of its component.
        (
            "evidence_deployments",
            "deployment.artifact_identity.manifest_version",
            json!(" 1 "),
            json!(1),
        ),
        (
            "evidence_deployments",
            "deployment.post_deploy_update.attempted",
            json!("yes"),
            json!(true),
        ),
        (
            "previews_lifecycle_plan",
            "desired_previews.1.anchor_pr_number",
            json!("18"),
            json!(18),
        ),
        ("previews_lifecycle_cleanup", "apply", json!(0), json!(false)),
    ] {
        let body = example_with(id, dot_path, sent.clone());
        let read_as = contract.lax_view(operation(id), &body);
        assert_eq!(at(&read_as, dot_path), read, "{id} {dot_path} sent as {sent}");
        assert_eq!(
            contract.validate_body(operation(id), &body),
            Ok(()),
            "{id} {dot_path} = {sent}"
        );
    }
}

#[test]
fn values_pydantic_refuses_stay_refused_where_they_were_sent() {
    let contract = Contract::embedded();
    for (id, dot_path, sent) in [
        ("odoo_prod_rollback", "rollback.health_timeout_seconds", json!("1800.5")),
        ("odoo_prod_rollback", "rollback.health_timeout_seconds", json!(1800.5)),
        ("odoo_prod_rollback", "rollback.health_timeout_seconds", json!("abc")),
        ("odoo_prod_rollback", "rollback.health_timeout_seconds", json!("")),
        // Converted, then below the minimum.
        ("odoo_prod_rollback", "rollback.health_timeout_seconds", json!("0")),
        ("previews_lifecycle_cleanup", "apply", json!(2)),
        ("previews_lifecycle_cleanup", "apply", json!(" true")),
        ("previews_lifecycle_cleanup", "apply", json!("")),
        // Strings take no numbers in lax mode either.
        ("odoo_prod_rollback", "rollback.reason", json!(5)),
    ] {
        let body = example_with(id, dot_path, sent.clone());
        let violations = contract
            .validate_body(operation(id), &body)
            .expect_err(&format!("{id} {dot_path} = {sent}"));
        assert!(
            violations.iter().any(|v| v.path == dot_path),
            "{id} {dot_path} = {sent}: {violations:?}"
        );
    }
}

#[test]
fn rules_compare_the_converted_values() {
    // `generation.anchor_pr_number` must match `preview.anchor_pr_number`: 42.0 is 42.
    let id = "evidence_preview_generations";
    let body = example_with(id, "preview.anchor_pr_number", json!(42.0));
    let body_as_string = example_with(id, "generation.anchor_pr_number", json!("42"));
    let contract = Contract::embedded();
    assert_eq!(at(&body, "generation.anchor_pr_number"), json!(42));
    assert_eq!(contract.validate_body(operation(id), &body), Ok(()));
    assert_eq!(contract.validate_body(operation(id), &body_as_string), Ok(()));
    let other = example_with(id, "preview.anchor_pr_number", json!("43"));
    assert!(contract.validate_body(operation(id), &other).is_err());
}

#[test]
fn confirmation_is_decided_on_the_converted_values() {
    let cleanup = operation("previews_lifecycle_cleanup");
    for (apply, destructive) in [
        (json!("true"), true),
        (json!(1), true),
        (json!("off"), false),
        (json!(0.0), false),
    ] {
        let body = example_with("previews_lifecycle_cleanup", "apply", apply.clone());
        assert_eq!(cleanup.needs_confirmation(Some(&body)), destructive, "apply = {apply}");
    }
}

#[test]
fn deployment_evidence_with_a_blank_record_id_is_refused() {
    // Launchplane builds its environment inventory record from the deployment evidence, and
    // that record refuses a blank `deployment_record_id`.
    let id = "evidence_deployments";
    let body = example_with(id, "deployment.record_id", json!(" \t"));
    let violations = Contract::embedded().validate_body(operation(id), &body).unwrap_err();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].path, "deployment.record_id");
    assert_eq!(violations[0].rule, "deployment_record_id_non_blank");
}
