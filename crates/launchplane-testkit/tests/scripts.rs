//! Scripted answers: an operation answers "still running" a given number of times, then as it
//! would; a scripted answer is not stored under its key, so a repeat is answered afresh.

mod common;

use common::{example, path_of, post};
use launchplane_testkit::{StandIn, StandInConfig};
use serde_json::json;

#[tokio::test]
async fn a_script_answers_pending_twice_then_the_real_answer_which_is_stored() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    let path = path_of(&stand_in, "generic_web_preview_refresh");
    let body = example(&stand_in, "generic_web_preview_refresh");
    stand_in.script_results(
        "generic_web_preview_refresh",
        vec![json!({"result": {"refresh_status": "pending"}}); 2],
    );
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let answer = post(&stand_in, &path, Some("refresh-pr-42"), &body).await;
        assert_eq!(answer.status, 202, "{}", answer.json);
        assert_eq!(
            answer.json["result"]["preview_slug"], "pr-42",
            "the rest of the answer stays real"
        );
        statuses.push((
            answer.json["result"]["refresh_status"].clone(),
            answer.json.get("replayed").cloned(),
        ));
    }
    assert_eq!(
        statuses,
        [
            (json!("pending"), None),
            (json!("pending"), None),
            (json!("pass"), None),
            (json!("pass"), Some(json!(true))),
        ]
    );
    assert_eq!(
        stand_in.accepted().len(),
        3,
        "each unfinished answer was a fresh execution"
    );
}

#[tokio::test]
async fn a_configured_script_lies_over_the_override() {
    // As `serve --config` reads it.
    let config: StandInConfig = serde_json::from_value(json!({
        "result_overrides": {"odoo_post_deploy": {"error_message": "slow"}},
        "result_scripts": {"odoo_post_deploy": [{"result": {"post_deploy_status": "pending"}}]},
    }))
    .unwrap();
    let stand_in = StandIn::start(config).await;
    let path = path_of(&stand_in, "odoo_post_deploy");
    let body = example(&stand_in, "odoo_post_deploy");
    let first = post(&stand_in, &path, None, &body).await;
    assert_eq!(first.json["result"]["post_deploy_status"], "pending");
    assert_eq!(first.json["result"]["error_message"], "slow");
    let second = post(&stand_in, &path, None, &body).await;
    assert_eq!(second.json["result"]["post_deploy_status"], "pass");
    assert_eq!(second.json["result"]["error_message"], "slow");
}

#[tokio::test]
#[should_panic(expected = "no operation `generic_web_preview_refresher`")]
async fn scripting_an_operation_the_spec_lacks_is_a_mistake() {
    let stand_in = StandIn::start(StandInConfig::default()).await;
    stand_in.script_results("generic_web_preview_refresher", vec![json!({})]);
}
