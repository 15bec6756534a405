//! Answers carry the request's facts: ids, products, contexts and transitions derived from
//! what was sent, never the spec examples' other products.

mod common;

use common::{example, path_of, post, send};
use launchplane_testkit::{Identity, Product, StandIn, StandInConfig, TokenOverrides};
use serde_json::{Value, json};

/// The default stand-in plus a generic-web product `shopfront` of the caller's repository.
async fn stand_in() -> StandIn {
    let mut config = StandInConfig {
        identity: Identity {
            repository: "acme/shopfront".into(),
            ..Identity::default()
        },
        ..StandInConfig::default()
    };
    config
        .products
        .insert("shopfront".into(), Product::new("generic-web", "shopfront"));
    StandIn::start(config).await
}

/// Rewrites every whole token `from` (between non-alphanumeric characters) in the strings of
/// `value`.
fn rewrite(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) => *text = replace_token(text, from, to),
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| rewrite(v, from, to)),
        _ => {}
    }
}

fn replace_token(text: &str, from: &str, to: &str) -> String {
    text.split_inclusive(|c: char| !c.is_ascii_alphanumeric())
        .map(|piece| {
            let word = piece.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
            if word == from {
                format!("{to}{}", &piece[word.len()..])
            } else {
                piece.to_owned()
            }
        })
        .collect()
}

/// Every string in `value` that holds `token` as a whole word, with its place.
fn mentions(value: &Value, token: &str, place: &str, found: &mut Vec<String>) {
    match value {
        Value::String(text)
            if text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| word == token) =>
        {
            found.push(format!("{place}: {text}"));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                mentions(item, token, &format!("{place}[{index}]"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                mentions(item, token, &format!("{place}.{key}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn a_tenants_facts_never_come_back_as_another_products() {
    let stand_in = stand_in().await;
    let contract = stand_in.contract();
    let mut checked = 0;
    for op in contract.operations().iter().filter(|op| op.method == "POST") {
        for (name, mut body) in contract.request_examples(op) {
            rewrite(&mut body, "opw", "cm");
            rewrite(&mut body, "sellyouroutboard", "shopfront");
            let answer = post(&stand_in, &op.path, None, &body).await;
            assert_eq!(answer.status, op.success_status, "{} {name}: {}", op.id, answer.text);
            let mut found = Vec::new();
            for other in ["opw", "sellyouroutboard"] {
                mentions(&answer.json, other, "", &mut found);
            }
            assert!(
                found.is_empty(),
                "{} {name} answered another product's facts: {found:#?}",
                op.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 24, "every request example of every write: {checked}");
}

#[tokio::test]
async fn a_prod_promotion_run_names_its_lanes_request_and_records() {
    let stand_in = stand_in().await;
    let path = path_of(&stand_in, "odoo_prod_promotion_run");
    let body = json!({"product": "cm", "run": {
        "context": " CM ", "request_id": "9876543210-1",
        "infrastructure_backup_record_id": "backup-gate-cm-prod-20261130T181500Z"}});
    let answer = post(&stand_in, &path, None, &body).await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let result = &answer.json["result"];
    assert_eq!(
        (&result["context"], &result["from_instance"], &result["to_instance"]),
        (&json!("cm"), &json!("testing"), &json!("prod")),
        "the lane trimmed and lower-cased, the instances the spec's defaults"
    );
    assert_eq!(result["request_id"], "9876543210-1");
    assert_eq!(
        result["infrastructure_backup_record_id"],
        "backup-gate-cm-prod-20261130T181500Z"
    );
    let promotion_id = result["promotion_record_id"].as_str().unwrap();
    assert!(
        is_stamped(promotion_id, "promotion-", "-cm-testing-to-prod"),
        "{promotion_id}"
    );
    let deployment_id = result["deployment_record_id"].as_str().unwrap();
    assert!(is_stamped(deployment_id, "deployment-", "-cm-prod"), "{deployment_id}");
}

#[tokio::test]
async fn a_target_replacement_answers_an_operation_its_poll_url_reads() {
    let stand_in = stand_in().await;
    let path = path_of(&stand_in, "odoo_target_replacement_apply");
    let body = json!({"product": "cm", "replacement": {"product": "cm", "instance": " Testing "}});
    let answer = post(&stand_in, &path, Some("replace-cm-testing-1"), &body).await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    let result = &answer.json["result"];
    let operation_id = result["operation_id"].as_str().unwrap();
    assert!(
        operation_id.starts_with("odoo-target-replacement-cm-testing-"),
        "{operation_id}"
    );
    assert_eq!(
        answer.json["records"]["odoo_stable_target_replacement_operation_id"],
        operation_id
    );
    assert_eq!(
        (&result["product"], &result["context"], &result["instance"]),
        (&json!("cm"), &json!("cm"), &json!("testing"))
    );
    assert_eq!(result["idempotency_key"], "replace-cm-testing-1");
    assert_eq!(
        result["request"]["artifact_id"], "",
        "the spec's default, not the example's"
    );
    assert_eq!(result["request"]["strategy"], "recreate-in-place");

    let poll_url = result["poll_url"].as_str().unwrap();
    assert!(poll_url.ends_with(operation_id), "{poll_url}");
    let token = stand_in.mint_token(TokenOverrides::default());
    let read = send(&stand_in, "GET", poll_url, Some(&token), None, None).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json["operation"]["operation_id"], operation_id);
    assert_eq!(
        stand_in.accepted().last().unwrap().operation_id,
        "odoo_target_replacement_apply"
    );
}

/// `<prefix><%Y%m%dT%H%M%SZ><suffix>`, Launchplane's record id shape.
fn is_stamped(id: &str, prefix: &str, suffix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|stamp| {
            stamp.len() == 16
                && stamp.as_bytes()[8] == b'T'
                && stamp.ends_with('Z')
                && stamp[..8]
                    .bytes()
                    .chain(stamp[9..15].bytes())
                    .all(|b| b.is_ascii_digit())
        })
}

#[tokio::test]
async fn post_deploy_transitions_name_the_lane_and_phase_sent() {
    let stand_in = stand_in().await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let answer = post(
        &stand_in,
        &path,
        None,
        &json!({"product": "cm", "post_deploy": {"context": "CM", "instance": " Testing "}}),
    )
    .await;
    assert_eq!(answer.status, 202, "{}", answer.text);
    assert_eq!(
        answer.json["records"]["transition"], "odoo-post-deploy:cm:testing:deploy",
        "lanes trimmed and lower-cased, the phase defaulted as the spec says"
    );
    assert_eq!(answer.json["result"]["context"], "cm");
    let answer = post(
        &stand_in,
        &path,
        None,
        &json!({"product": "cm", "post_deploy": {"context": "cm", "instance": "prod", "phase": "promotion"}}),
    )
    .await;
    assert_eq!(
        answer.json["records"]["transition"],
        "odoo-post-deploy:cm:prod:promotion"
    );
}

#[tokio::test]
async fn generic_web_ids_come_from_the_profiles_lane() {
    let stand_in = stand_in().await;
    let deploy = post(
        &stand_in,
        &path_of(&stand_in, "generic_web_deploy"),
        None,
        &json!({"product": "shopfront", "deploy": {"product": "shopfront", "instance": "prod",
                "artifact_id": "ghcr.io/acme/shopfront:1.2.0", "source_git_ref": "abc123"}}),
    )
    .await;
    assert_eq!(deploy.status, 202, "{}", deploy.text);
    let id = deploy.json["records"]["deployment_record_id"].as_str().unwrap();
    assert!(is_stamped(id, "deployment-", "-shopfront-prod"), "{id}");
    assert_eq!(deploy.json["result"]["deployment_record_id"], id);
    assert_eq!(deploy.json["result"]["target_name"], "shopfront-prod");
    assert_eq!(deploy.json["result"]["context"], "shopfront");

    let promotion_path = path_of(&stand_in, "generic_web_prod_promotion");
    let mut body = json!({"product": "shopfront", "promotion": {"product": "shopfront",
        "artifact_id": "ghcr.io/acme/shopfront:1.2.0", "source_git_ref": "abc123",
        "backup_record_id": "backup-gate-shopfront-prod-1", "dry_run": true}});
    let dry = post(&stand_in, &promotion_path, None, &body).await;
    assert_eq!(dry.status, 202, "{}", dry.text);
    assert_eq!(
        dry.json["records"]["deployment_record_id"], "",
        "a dry run deploys nothing"
    );
    assert_eq!(dry.json["records"]["inventory_record_id"], "");
    assert_eq!(dry.json["result"]["promotion_status"], "pending");
    assert_eq!(dry.json["result"]["dry_run"], true);
    body["promotion"]["dry_run"] = json!(false);
    let live = post(&stand_in, &promotion_path, None, &body).await;
    assert_eq!(live.json["records"]["inventory_record_id"], "shopfront-prod");
    assert_eq!(live.json["result"]["dry_run"], false);

    let desired = post(
        &stand_in,
        &path_of(&stand_in, "generic_web_preview_desired_state"),
        None,
        &json!({"product": "shopfront", "desired_state": {"product": "shopfront"}}),
    )
    .await;
    assert_eq!(desired.json["result"]["repository"], "acme/shopfront");
    assert_eq!(
        desired.json["result"]["source"], "generic-web-preview",
        "the spec's default"
    );
}

#[tokio::test]
async fn evidence_records_are_the_ones_sent() {
    let stand_in = stand_in().await;
    let mut promotion = example(&stand_in, "evidence_promotions");
    rewrite(&mut promotion, "opw", "cm");
    promotion["promotion"]["record_id"] = json!("promotion-cm-1");
    let answer = post(&stand_in, &path_of(&stand_in, "evidence_promotions"), None, &promotion).await;
    assert_eq!(
        answer.json["records"],
        json!({"promotion_record_id": "promotion-cm-1", "inventory_record_id": "cm-prod"})
    );
    promotion["promotion"]["deployment_record_id"] = json!("");
    let answer = post(&stand_in, &path_of(&stand_in, "evidence_promotions"), None, &promotion).await;
    assert_eq!(
        answer.json["records"],
        json!({"promotion_record_id": "promotion-cm-1"}),
        "no linked deployment, no inventory"
    );

    let mut generation = example(&stand_in, "evidence_preview_generations");
    rewrite(&mut generation, "opw", "cm");
    for part in ["preview", "generation"] {
        generation[part]["anchor_pr_number"] = json!(7);
    }
    generation["generation"]["state"] = json!("building");
    let answer = post(
        &stand_in,
        &path_of(&stand_in, "evidence_preview_generations"),
        None,
        &generation,
    )
    .await;
    assert_eq!(
        answer.json["records"],
        json!({"preview_id": "preview-cm-odoo-cm-pr-7",
               "generation_id": "preview-cm-odoo-cm-pr-7-generation-0001",
               "transition": "building"})
    );
}

#[tokio::test]
async fn an_unknown_driver_is_404_and_known_ones_are_read() {
    let stand_in = stand_in().await;
    let token = stand_in.mint_token(TokenOverrides::default());
    let answer = send(&stand_in, "GET", "/v1/drivers/no-such-driver", Some(&token), None, None).await;
    assert_eq!((answer.status, answer.code()), (404, "not_found"));
    assert_eq!(answer.message(), "No Launchplane route for /v1/drivers/no-such-driver.");
    // The drivers whose routes the spec carries.
    for driver in ["odoo", "generic-web"] {
        let answer = send(
            &stand_in,
            "GET",
            &format!("/v1/drivers/{driver}"),
            Some(&token),
            None,
            None,
        )
        .await;
        assert_eq!(answer.status, 200, "{driver}");
        assert_eq!(answer.json["driver"]["driver_id"], driver);
    }
    let answer = send(&stand_in, "GET", "/v1/drivers/no-such-driver", None, None, None).await;
    assert_eq!(answer.status, 401, "authentication comes first");
}

#[tokio::test]
async fn a_production_backup_gate_answers_its_operation_at_the_top() {
    let stand_in = stand_in().await;
    let op = "production_backup_gate_enqueue";
    let mut body = example(&stand_in, op);
    rewrite(&mut body, "sellyouroutboard", "shopfront");
    body["backup_record_id"] = json!("infrastructure-shopfront-77-1");
    let answer = post(&stand_in, &path_of(&stand_in, op), Some("gate-77-1"), &body).await;
    assert_eq!(answer.status, stand_in.contract().operation(op).unwrap().success_status);
    assert_eq!(answer.json["status"], "accepted");
    assert_eq!(answer.json["backup_record_id"], "infrastructure-shopfront-77-1");
    assert!(
        answer.json.get("records").is_none(),
        "its answer has no records: {}",
        answer.text
    );
    assert!(answer.json.get("result").is_none());
}

#[tokio::test]
async fn a_preview_plan_id_comes_from_the_caller_and_key() {
    let stand_in = stand_in().await;
    let op = "odoo_preview_apply_inputs";
    let body = example(&stand_in, op);
    let path = path_of(&stand_in, op);
    let first = post(&stand_in, &path, Some("inputs-run-1-attempt-1"), &body).await;
    assert_eq!(first.status, 202, "{}", first.text);
    let provenance = &first.json["result"]["plan_provenance"];
    let plan_id = provenance["plan_id"].as_str().unwrap();
    assert!(
        plan_id.starts_with("odoo-preview-plan-") && plan_id.len() == 18 + 64,
        "{plan_id}"
    );
    assert!(
        first.json["result"]["dry_run_plan"].is_object(),
        "the plan preview-apply takes"
    );
    assert_ne!(provenance["issued_at"], provenance["expires_at"]);
    let second = post(&stand_in, &path, Some("inputs-run-2-attempt-1"), &body).await;
    assert_ne!(
        second.json["result"]["plan_provenance"]["plan_id"], plan_id,
        "another key, another plan"
    );
}

#[tokio::test]
async fn a_live_promotion_naming_an_intent_is_taken_only_under_the_intent_id_as_key() {
    let stand_in = stand_in().await;
    let path = path_of(&stand_in, "generic_web_prod_promotion");
    let body = json!({"product": "shopfront", "promotion": {"product": "shopfront",
        "artifact_id": "ghcr.io/acme/shopfront:1.2.0", "source_git_ref": "abc123",
        "backup_record_id": "backup-gate-shopfront-prod-1", "promotion_intent_id": "intent-7"}});
    let other = post(&stand_in, &path, Some("generic-web-prod-promotion:shopfront:1"), &body).await;
    assert_eq!(other.status, 409, "{}", other.text);
    assert_eq!(other.code(), "promotion_intent_idempotency_mismatch");
    assert!(stand_in.accepted().is_empty());
    let taken = post(&stand_in, &path, Some("intent-7"), &body).await;
    assert_eq!(taken.status, 202, "{}", taken.text);

    let mut dry = body.clone();
    dry["promotion"]["dry_run"] = json!(true);
    let dry = post(&stand_in, &path, Some("any-key-for-a-dry-run"), &dry).await;
    assert_eq!(dry.status, 202, "a dry run takes any key: {}", dry.text);
}
