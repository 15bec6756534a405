//! The pre-send check of one call (`Contract::check_request`) on a spec read at run time.

use launchplane_contract::{Contract, RequestError};
use serde_json::json;

fn contract() -> Contract {
    Contract::from_document(json!({
        "openapi": "3.0.3",
        "paths": {
            "/v1/things/{thing_id}": {"get": {
                "operationId": "thing_get", "tags": ["t"], "summary": "s",
                "responses": {"200": {"description": "ok"}}
            }},
            "/v1/things": {"post": {
                "operationId": "things", "tags": ["t"], "summary": "s",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body"}}}},
                "responses": {"202": {"description": "ok"}}
            }}
        },
        "components": {"schemas": {"Body": {
            "type": "object", "additionalProperties": false, "required": ["product"],
            "properties": {"product": {"type": "string"}, "timeout_seconds": {"type": "integer", "minimum": 1}},
            "x-launchplane-rules": [{"id": "product_non_blank", "message": "product is blank", "check": {"field": "product", "non_blank": true}}]
        }}}
    }))
    .expect("the spec is well formed")
}

#[test]
fn an_accepted_body_comes_back_as_launchplane_reads_it() {
    let contract = contract();
    let checked = contract
        .check_request("things", &[], Some(json!({"product": "odoo", "timeout_seconds": "30"})))
        .expect("the body is valid");
    assert_eq!(checked.path, "/v1/things");
    assert_eq!(checked.body, Some(json!({"product": "odoo", "timeout_seconds": 30})));
}

#[test]
fn each_refusal_names_what_is_wrong() {
    let contract = contract();
    let refusal = |id: &str, params: &[(String, String)], body| contract.check_request(id, params, body).unwrap_err();
    assert!(matches!(
        refusal("nope", &[], None),
        RequestError::UnknownOperation { supported, .. } if supported == ["thing_get", "things"]
    ));
    assert_eq!(
        refusal("thing_get", &[], None).to_string(),
        "operation thing_get needs the path parameter `thing_id`"
    );
    let params = [("thing_id".to_owned(), "a".to_owned())];
    assert_eq!(
        refusal("thing_get", &params, Some(json!({}))).to_string(),
        "thing_get takes no body"
    );
    assert_eq!(refusal("things", &[], None).to_string(), "things needs a JSON body");
    match refusal("things", &[], Some(json!({"product": " "}))) {
        RequestError::InvalidBody { operation, violations } => {
            assert_eq!(operation, "things");
            assert_eq!(violations[0].rule, "product_non_blank");
        }
        other => panic!("expected a body violation, got {other:?}"),
    }
    match refusal("things", &[], Some(json!({"product": "odoo", "extra": 1}))) {
        RequestError::InvalidBody { violations, .. } => assert_eq!(violations[0].rule, "additionalProperties"),
        other => panic!("expected a body violation, got {other:?}"),
    }
}
