//! Launchplane's answers: order of checks, error codes, idempotency, accepted writes.

mod common;

use common::{example, is_trace_id, path_of, post, send};
use launchplane_testkit::{Identity, Policy, PolicyRule, StandIn, StandInConfig, TokenOverrides};
use serde_json::{Value, json};

fn token(stand_in: &StandIn) -> String {
    stand_in.mint_token(TokenOverrides::default())
}

fn bytes(body: &Value) -> Option<Vec<u8>> {
    Some(body.to_string().into_bytes())
}

#[tokio::test]
async fn every_operation_of_the_spec_answers_its_example() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let contract = stand_in.contract();
    assert!(!contract.operations().is_empty());
    let mut writes = 0;
    for op in contract.operations() {
        let path = op
            .path
            .split('/')
            .map(|s| if s.starts_with('{') { "odoo" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let body = contract.request_example(op);
        assert!(op.method != "POST" || body.is_some(), "{}: a request example", op.id);
        let answer = send(
            &stand_in,
            &op.method,
            &path,
            Some(&token(&stand_in)),
            None,
            body.as_ref().and_then(bytes),
        )
        .await;
        assert_eq!(answer.status, op.success_status, "{}: {}", op.id, answer.text);
        assert!(is_trace_id(&answer.json["trace_id"]), "{}", op.id);
        // The answer has every field its success schema requires, and `status` where it has one.
        let schema = contract
            .response_schema(op)
            .and_then(|name| contract.schema(&name))
            .unwrap_or_else(|| panic!("{}: a success schema", op.id));
        for field in schema["required"].as_array().into_iter().flatten() {
            let field = field.as_str().unwrap();
            assert!(
                answer.json.get(field).is_some(),
                "{}: `{field}` in {}",
                op.id,
                answer.text
            );
        }
        if let Some(status) = schema["properties"]["status"]["enum"].get(0) {
            assert_eq!(&answer.json["status"], status, "{}", op.id);
        }
        if op.method == "POST" {
            writes += 1;
            let accepted = stand_in.accepted();
            let last = accepted.last().unwrap();
            assert_eq!(last.operation_id, op.id);
            assert_eq!(Some(&last.body), body.as_ref());
            assert_eq!(Value::from(last.trace_id.clone()), answer.json["trace_id"]);
        }
    }
    assert_eq!(stand_in.accepted().len(), writes);
}

#[tokio::test]
async fn unknown_paths_are_404_before_authentication() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    for method in ["GET", "POST", "DELETE"] {
        let answer = send(
            &stand_in,
            method,
            "/v1/drivers/odoo/no-such-route",
            None,
            None,
            Some(b"{oops".to_vec()),
        )
        .await;
        assert_eq!((answer.status, answer.code()), (404, "not_found"), "{method}");
        assert_eq!(
            answer.message(),
            "No Launchplane route for /v1/drivers/odoo/no-such-route."
        );
        assert_eq!(answer.json["status"], "rejected");
        assert!(is_trace_id(&answer.json["trace_id"]));
    }
}

#[tokio::test]
async fn wrong_methods_are_405_before_authentication() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let post_only = path_of(&stand_in, "odoo_post_deploy");
    let answer = send(&stand_in, "GET", &post_only, None, None, None).await;
    assert_eq!((answer.status, answer.code()), (405, "method_not_allowed"));
    assert_eq!(answer.message(), "Only POST is allowed for this Launchplane route.");
    assert_eq!(answer.headers["allow"], "POST");
    let answer = send(&stand_in, "PUT", &post_only, None, None, None).await;
    assert_eq!(answer.status, 405);

    let answer = send(&stand_in, "POST", "/v1/health", None, None, Some(b"{}".to_vec())).await;
    assert_eq!((answer.status, answer.code()), (405, "method_not_allowed"));
    assert_eq!(answer.message(), "Only GET is allowed for this Launchplane route.");
}

#[tokio::test]
async fn health_needs_no_token() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let answer = send(&stand_in, "GET", "/v1/health", None, None, None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json["status"], "ok");
    assert!(is_trace_id(&answer.json["trace_id"]));
    assert_eq!(answer.content_type, "application/json");
}

#[tokio::test]
async fn reads_are_authenticated_and_authorized() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    assert_eq!(
        send(&stand_in, "GET", "/v1/drivers", None, None, None).await.status,
        401
    );
    let answer = send(&stand_in, "GET", "/v1/drivers", Some(&token(&stand_in)), None, None).await;
    assert_eq!(answer.status, 200);
    assert!(answer.json["drivers"].is_array());
    let answer = send(
        &stand_in,
        "GET",
        "/v1/drivers/generic-web",
        Some(&token(&stand_in)),
        None,
        None,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json["driver"]["driver_id"], "generic-web",
        "the path parameter is echoed"
    );

    let stranger = StandIn::start(StandInConfig {
        identity: Identity {
            repository: "someone/else".into(),
            ..Identity::default()
        },
        policy: Some(Policy {
            schema_version: 1,
            github_actions: vec![PolicyRule::for_repository(&Identity::default().repository)],
        }),
        ..StandInConfig::default()
    })
    .await;
    let answer = send(
        &stranger,
        "GET",
        "/v1/drivers/odoo",
        Some(&token(&stranger)),
        None,
        None,
    )
    .await;
    assert_eq!((answer.status, answer.code()), (403, "authorization_denied"));
}

#[tokio::test]
async fn authentication_comes_before_the_body_is_read() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let answer = send(&stand_in, "POST", &path, None, None, Some(b"{not json".to_vec())).await;
    assert_eq!((answer.status, answer.code()), (401, "authentication_required"));
    let answer = send(&stand_in, "POST", &path, None, None, bytes(&json!({"product": "nope"}))).await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn bodies_that_are_not_a_json_object_are_400_not_completed() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let bodies: [Option<Vec<u8>>; 5] = [
        None,
        Some(b"{oops".to_vec()),
        Some(b"[1, 2]".to_vec()),
        Some(b"\"text\"".to_vec()),
        Some(vec![0xff, 0xfe]),
    ];
    for body in bodies {
        let answer = send(&stand_in, "POST", &path, Some(&token(&stand_in)), None, body.clone()).await;
        assert_eq!((answer.status, answer.code()), (400, "invalid_request"), "{body:?}");
        assert_eq!(answer.message(), "Request could not be completed.");
    }
    assert!(stand_in.accepted().is_empty());
}

#[tokio::test]
async fn schema_and_rule_failures_name_the_first_violation() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let base = example(&stand_in, "odoo_post_deploy");

    let mut missing = base.clone();
    missing["post_deploy"].as_object_mut().unwrap().remove("instance");
    let mut extra = base.clone();
    extra["post_deploy"]["unexpected"] = json!(true);
    let mut blank = base.clone();
    blank["post_deploy"]["context"] = json!("  ");
    let mut bad_enum = base.clone();
    bad_enum["post_deploy"]["phase"] = json!("sometime");

    for (case, body, mentions) in [
        ("missing field", missing, "instance"),
        ("extra field", extra, "unexpected"),
        ("blank context rule", blank, "context must not be blank"),
        ("enum", bad_enum, "post_deploy.phase"),
    ] {
        let answer = post(&stand_in, &path, None, &body).await;
        assert_eq!((answer.status, answer.code()), (400, "invalid_request"), "{case}");
        assert!(
            answer.message().starts_with("Request payload failed validation. "),
            "{case}: {}",
            answer.message()
        );
        assert!(answer.message().contains(mentions), "{case}: {}", answer.message());
    }
    assert!(stand_in.accepted().is_empty());
}

#[tokio::test]
async fn validation_comes_before_product_checks_and_authorization() {
    let denying = StandIn::start(StandInConfig {
        policy: Some(Policy::default()),
        ..StandInConfig::default()
    })
    .await;
    let path = path_of(&denying, "odoo_post_deploy");
    let mut body = example(&denying, "odoo_post_deploy");
    body["product"] = json!("no-such-product");
    body["post_deploy"]["unexpected"] = json!(1);
    assert_eq!(post(&denying, &path, None, &body).await.status, 400);

    body["post_deploy"].as_object_mut().unwrap().remove("unexpected");
    assert_eq!(
        post(&denying, &path, None, &body).await.status,
        404,
        "product checks come before authorization"
    );
    body["product"] = json!("wrongdriver");
    let answer = post(&denying, &path, None, &body).await;
    assert_eq!((answer.status, answer.code()), (403, "product_driver_mismatch"));
    body["product"] = json!("opw");
    let answer = post(&denying, &path, None, &body).await;
    assert_eq!((answer.status, answer.code()), (403, "authorization_denied"));
}

#[tokio::test]
async fn driver_routes_need_a_product_of_their_driver() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let odoo = path_of(&stand_in, "odoo_post_deploy");
    let mut body = example(&stand_in, "odoo_post_deploy");

    body["product"] = json!("nobody");
    let answer = post(&stand_in, &odoo, None, &body).await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
    assert_eq!(answer.message(), format!("No Launchplane route for {odoo}."));

    for product in ["wrongdriver", "sellyouroutboard"] {
        body["product"] = json!(product);
        let answer = post(&stand_in, &odoo, None, &body).await;
        assert_eq!(
            (answer.status, answer.code()),
            (403, "product_driver_mismatch"),
            "{product}"
        );
        assert_eq!(
            answer.message(),
            "Product is not configured for the requested driver route."
        );
    }

    let deploy = path_of(&stand_in, "generic_web_deploy");
    let mut body = example(&stand_in, "generic_web_deploy");
    body["product"] = json!("opw");
    body["deploy"]["product"] = json!("opw");
    let answer = post(&stand_in, &deploy, None, &body).await;
    assert_eq!((answer.status, answer.code()), (403, "product_driver_mismatch"));
    assert!(stand_in.accepted().is_empty());
}

#[tokio::test]
async fn the_policy_authorizes_action_product_and_context() {
    let identity = Identity::default();
    let rule = PolicyRule {
        workflow_refs: vec!["cbusillo/odoo-opw/.github/workflows/*.yml@refs/heads/main".into()],
        products: vec!["opw".into(), "sellyouroutboard".into()],
        contexts: vec!["opw".into(), "sellyouroutboard".into()],
        actions: vec!["odoo_post_deploy.execute".into(), "generic_web_deploy.execute".into()],
        ..PolicyRule::for_repository(&identity.repository)
    };
    let config = StandInConfig {
        policy: Some(Policy {
            schema_version: 1,
            github_actions: vec![rule],
        }),
        ..StandInConfig::default()
    };
    let stand_in = StandIn::start(config.clone()).await;
    let post_deploy = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");
    assert_eq!(post(&stand_in, &post_deploy, None, &body).await.status, 202);

    let mut other_context = body.clone();
    other_context["post_deploy"]["context"] = json!("cm");
    let answer = post(&stand_in, &post_deploy, None, &other_context).await;
    assert_eq!((answer.status, answer.code()), (403, "authorization_denied"));

    let mut other_product = body.clone();
    other_product["product"] = json!("cm");
    assert_eq!(
        post(&stand_in, &post_deploy, None, &other_product).await.code(),
        "authorization_denied"
    );

    // Generic-web routes take the context from the product profile.
    let deploy = path_of(&stand_in, "generic_web_deploy");
    assert_eq!(
        post(&stand_in, &deploy, None, &example(&stand_in, "generic_web_deploy"))
            .await
            .status,
        202
    );

    let rollback = path_of(&stand_in, "odoo_prod_rollback");
    let answer = post(&stand_in, &rollback, None, &example(&stand_in, "odoo_prod_rollback")).await;
    assert_eq!(
        answer.code(),
        "authorization_denied",
        "an action the rule does not list"
    );

    let branch = StandIn::start(StandInConfig {
        identity: Identity {
            workflow_ref: "cbusillo/odoo-opw/.github/workflows/deploy.yml@refs/heads/feature".into(),
            ..identity
        },
        ..config
    })
    .await;
    assert_eq!(
        post(&branch, &post_deploy, None, &body).await.code(),
        "authorization_denied"
    );
    assert_eq!(stand_in.accepted().len(), 2);
}

#[tokio::test]
async fn the_result_echoes_the_request_and_overrides_merge_over_it() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let post_deploy = path_of(&stand_in, "odoo_post_deploy");
    let mut body = example(&stand_in, "odoo_post_deploy");
    body["product"] = json!("cm");
    body["post_deploy"] = json!({"context": "cm", "instance": "prod", "phase": "promotion"});
    let answer = post(&stand_in, &post_deploy, None, &body).await;
    assert_eq!(answer.status, 202);
    assert_eq!(answer.json["result"]["context"], "cm");
    assert_eq!(answer.json["result"]["instance"], "prod");
    assert_eq!(answer.json["result"]["phase"], "promotion");

    let deploy = path_of(&stand_in, "generic_web_deploy");
    let deploy_body = example(&stand_in, "generic_web_deploy");
    stand_in.override_result(
        "generic_web_deploy",
        json!({"deploy_status": "fail", "error_message": "health check failed"}),
    );
    let answer = post(&stand_in, &deploy, None, &deploy_body).await;
    assert_eq!(answer.status, 202);
    assert_eq!(answer.json["result"]["deploy_status"], "fail");
    assert_eq!(answer.json["result"]["error_message"], "health check failed");
    assert_eq!(answer.json["result"]["product"], "sellyouroutboard");

    stand_in.override_result("generic_web_deploy", Value::Null);
    assert_eq!(
        post(&stand_in, &deploy, None, &deploy_body).await.json["result"]["deploy_status"],
        "pass"
    );

    let configured = StandIn::start(StandInConfig {
        result_overrides: [("odoo_post_deploy".to_owned(), json!({"post_deploy_status": "fail"}))].into(),
        ..StandInConfig::default()
    })
    .await;
    let answer = post(
        &configured,
        &post_deploy,
        None,
        &example(&configured, "odoo_post_deploy"),
    )
    .await;
    assert_eq!(answer.json["result"]["post_deploy_status"], "fail");
}

#[tokio::test]
#[should_panic(expected = "no operation `odoo_post_deploi`")]
async fn overriding_an_operation_the_spec_lacks_is_a_mistake() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    stand_in.override_result("odoo_post_deploi", json!({}));
}

#[tokio::test]
async fn a_repeated_key_and_payload_replays_the_stored_answer() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");
    let first = post(&stand_in, &path, Some("opw-post-deploy-1"), &body).await;
    assert_eq!(first.status, 202);
    assert!(first.json.get("replayed").is_none());

    // Same JSON, other key order and spacing, key with surrounding whitespace.
    let reordered =
        r#"{ "post_deploy": {"phase": "deploy", "instance": "testing", "context": "opw"}, "product": "opw" }"#;
    let again = send(
        &stand_in,
        "POST",
        &path,
        Some(&token(&stand_in)),
        Some("  opw-post-deploy-1 "),
        Some(reordered.as_bytes().to_vec()),
    )
    .await;
    assert_eq!(again.status, 202);
    assert_eq!(again.json["replayed"], true);
    assert_eq!(again.json["original_trace_id"], first.json["trace_id"]);
    assert_ne!(again.json["trace_id"], first.json["trace_id"]);
    assert!(is_trace_id(&again.json["trace_id"]));
    assert_eq!(again.json["result"], first.json["result"]);
    assert_eq!(again.json["records"], first.json["records"]);

    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 1, "a replay is not a second write");
    assert_eq!(accepted[0].idempotency_key.as_deref(), Some("opw-post-deploy-1"));
    assert_eq!(Value::from(accepted[0].trace_id.clone()), first.json["trace_id"]);

    let unauthenticated = send(&stand_in, "POST", &path, None, Some("opw-post-deploy-1"), bytes(&body)).await;
    assert_eq!(unauthenticated.status, 401, "a replay still needs authentication");
}

#[tokio::test]
async fn a_repeated_key_with_another_payload_is_409() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");
    assert_eq!(post(&stand_in, &path, Some("k"), &body).await.status, 202);
    let mut changed = body.clone();
    changed["post_deploy"]["phase"] = json!("deploy");
    changed["schema_version"] = json!(1);
    let answer = post(&stand_in, &path, Some("k"), &changed).await;
    assert_eq!((answer.status, answer.code()), (409, "idempotency_key_reused"));
    assert_eq!(
        answer.message(),
        "Idempotency-Key was already used for a different Launchplane request payload on this route."
    );
    assert_eq!(stand_in.accepted().len(), 1);
}

#[tokio::test]
async fn keys_are_scoped_by_caller_and_route_and_blank_keys_are_none() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");
    assert_eq!(post(&stand_in, &path, Some("shared"), &body).await.status, 202);

    let other_subject =
        stand_in.mint_token(TokenOverrides::default().claim("sub", "repo:cbusillo/odoo-opw:environment:prod"));
    let answer = send(
        &stand_in,
        "POST",
        &path,
        Some(&other_subject),
        Some("shared"),
        bytes(&body),
    )
    .await;
    assert_eq!(answer.status, 202);
    assert!(answer.json.get("replayed").is_none(), "another caller scope");

    let rollback = path_of(&stand_in, "odoo_prod_rollback");
    let answer = post(
        &stand_in,
        &rollback,
        Some("shared"),
        &example(&stand_in, "odoo_prod_rollback"),
    )
    .await;
    assert_eq!(answer.status, 202, "another route");

    for _ in 0..2 {
        let answer = post(&stand_in, &path, Some("   "), &body).await;
        assert!(answer.json.get("replayed").is_none());
    }
    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 5);
    assert_eq!(accepted[4].idempotency_key, None);
}

#[tokio::test]
async fn only_accepted_answers_are_stored() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let mut rejected = example(&stand_in, "odoo_post_deploy");
    rejected["product"] = json!("wrongdriver");
    assert_eq!(post(&stand_in, &path, Some("retry-me"), &rejected).await.status, 403);
    let answer = post(
        &stand_in,
        &path,
        Some("retry-me"),
        &example(&stand_in, "odoo_post_deploy"),
    )
    .await;
    assert_eq!(answer.status, 202, "a rejected call leaves the key free");
    assert!(answer.json.get("replayed").is_none());
}

#[tokio::test]
async fn operations_without_replay_never_look_the_key_up() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let contract = stand_in.contract();
    let no_replay: Vec<_> = contract.operations().iter().filter(|op| !op.replay).collect();
    assert!(
        !no_replay.is_empty(),
        "the spec marks operations with x-launchplane-replay: false"
    );
    for op in no_replay {
        let body = contract.request_example(op).unwrap();
        let first = post(&stand_in, &op.path, Some("scan-1"), &body).await;
        let second = post(&stand_in, &op.path, Some("scan-1"), &body).await;
        assert_eq!(
            (first.status, second.status),
            (op.success_status, op.success_status),
            "{}",
            op.id
        );
        assert!(second.json.get("replayed").is_none(), "{}", op.id);
        assert_ne!(first.json["trace_id"], second.json["trace_id"]);
        let mut changed = body.clone();
        changed["schema_version"] = json!(1);
        assert_eq!(
            post(&stand_in, &op.path, Some("scan-1"), &changed).await.status,
            op.success_status,
            "{}: no 409 either",
            op.id
        );
        let executed = stand_in.accepted().iter().filter(|a| a.operation_id == op.id).count();
        assert_eq!(executed, 3, "{}", op.id);
    }
}

#[tokio::test]
async fn every_answer_is_json() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    for answer in [
        send(&stand_in, "GET", "/nope", None, None, None).await,
        send(&stand_in, "GET", &path, None, None, None).await,
        send(&stand_in, "POST", &path, None, None, None).await,
        post(&stand_in, &path, None, &json!({})).await,
    ] {
        assert_eq!(answer.content_type, "application/json");
        assert_eq!(answer.json["status"], "rejected");
        assert!(is_trace_id(&answer.json["trace_id"]));
        assert!(answer.json["error"]["code"].is_string() && answer.json["error"]["message"].is_string());
    }
}

/// `_EVIDENCE_INGRESS_MAX_BODY_BYTES` in Launchplane's service.
const EVIDENCE_INGRESS_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A JSON object of exactly `size` bytes.
fn body_of_size(size: usize) -> Vec<u8> {
    let mut body = br#"{"pad":""#.to_vec();
    body.resize(size - 2, b'x');
    body.extend_from_slice(br#""}"#);
    body
}

#[tokio::test]
async fn evidence_bodies_over_the_limit_are_413_before_authentication() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let evidence = path_of(&stand_in, "evidence_deployments");
    let over = send(
        &stand_in,
        "POST",
        &evidence,
        None,
        None,
        Some(body_of_size(EVIDENCE_INGRESS_MAX_BODY_BYTES + 1)),
    )
    .await;
    assert_eq!((over.status, over.code()), (413, "request_entity_too_large"));
    assert_eq!(over.message(), "Evidence ingress request body is too large.");
    assert!(is_trace_id(&over.json["trace_id"]));
    let at_limit = send(
        &stand_in,
        "POST",
        &evidence,
        None,
        None,
        Some(body_of_size(EVIDENCE_INGRESS_MAX_BODY_BYTES)),
    )
    .await;
    assert_eq!(at_limit.status, 401, "a body at the limit goes on to authentication");

    let driver = path_of(&stand_in, "odoo_post_deploy");
    let unbounded = send(
        &stand_in,
        "POST",
        &driver,
        None,
        None,
        Some(body_of_size(EVIDENCE_INGRESS_MAX_BODY_BYTES + 1)),
    )
    .await;
    assert_eq!(unbounded.status, 401, "only routes the spec gives a 413 are bounded");
    assert!(stand_in.accepted().is_empty());
}
