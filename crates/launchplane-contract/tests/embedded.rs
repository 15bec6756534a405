//! The embedded spec through the model: it loads, its build-time operation table is what the
//! document says, and the rules Launchplane enforces behind `nullable` + `allOf` are checked.

use launchplane_contract::operation::read_operations;
use launchplane_contract::{Contract, RouteMatch};
use serde_json::json;

#[test]
fn the_build_time_operation_table_is_the_documents() {
    let contract = Contract::embedded();
    assert_eq!(
        contract.operations(),
        read_operations(contract.document()).unwrap().as_slice()
    );
    assert!(!contract.operations().is_empty());
    // Round-trips through the loader that takes any document.
    let again = Contract::from_document(contract.document().clone()).unwrap();
    assert_eq!(again.operations(), contract.operations());
}

#[test]
fn every_request_example_validates() {
    let contract = Contract::embedded();
    for op in contract.operations() {
        for (name, example) in contract.request_examples(op) {
            assert_eq!(contract.validate_body(op, &example), Ok(()), "{} example {name}", op.id);
        }
    }
}

#[test]
fn a_blank_resolved_target_id_is_refused_like_launchplane_does() {
    let contract = Contract::embedded();
    let RouteMatch::Found(op) = contract.route("POST", "/v1/evidence/deployments") else {
        panic!("route");
    };
    let mut body = contract.request_example(op).expect("example");
    assert!(
        body.pointer("/deployment/resolved_target/target_id").is_some(),
        "example has a resolved target"
    );
    for blank in ["   ", "\u{1f}", "\u{a0}\u{3000}"] {
        body["deployment"]["resolved_target"]["target_id"] = json!(blank);
        let violations = contract.validate_body(op, &body).expect_err(blank);
        assert!(
            violations
                .iter()
                .any(|v| v.path == "deployment.resolved_target.target_id"),
            "{blank:?}: {violations:?}"
        );
    }
    body["deployment"]["resolved_target"]["target_id"] = json!("compose-opw-testing");
    assert_eq!(contract.validate_body(op, &body), Ok(()));
}
