//! Re-running a job that promotes prod, against the stand-in: a re-run after a call that timed
//! out (Launchplane finished it) replays it instead of promoting again; a re-run after a failed
//! promotion promotes again. Both follow from the spec: Launchplane keeps a promotion's answer
//! under its key only when it did not fail (`x-launchplane-stores-failures: false`), and lpctl
//! keeps that key across the attempts of a run.

mod support;

use std::time::Duration;

use launchplane_client::Contract;
use launchplane_testkit::{Fault, FaultTarget, StandIn, StandInConfig};
use serde_json::{Value, json};
use support::{Run, lpctl, pairs, stand_in_env};

const OPERATION: &str = "odoo_prod_promotion_run";
const RUN_ID: &str = "4242";

fn promote(stand_in: &StandIn, attempt: &str, extra: &[&str]) -> (Run, Value) {
    promote_in_run(stand_in, RUN_ID, attempt, extra)
}

/// `lpctl odoo prod-promotion-run` as attempt `attempt` of workflow run `run_id`.
fn promote_in_run(stand_in: &StandIn, run_id: &str, attempt: &str, extra: &[&str]) -> (Run, Value) {
    let mut env = stand_in_env(stand_in);
    env.push(("GITHUB_ACTIONS", "true".into()));
    env.push(("GITHUB_RUN_ID", run_id.into()));
    env.push(("GITHUB_RUN_ATTEMPT", attempt.into()));
    let mut args = vec![
        "odoo",
        "prod-promotion-run",
        "--product",
        "opw",
        "--context",
        "opw",
        "--expected-artifact-id",
        "artifact-opw-3f2a9c1",
        "--confirm",
        "--output",
        "json",
    ];
    args.extend_from_slice(extra);
    let run = lpctl(&args, &pairs(&env));
    let report = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run, report)
}

fn keys_sent(stand_in: &StandIn) -> Vec<String> {
    let path = &Contract::embedded().operation(OPERATION).unwrap().path;
    stand_in
        .requests()
        .iter()
        .filter(|r| &r.path == path)
        .filter_map(|r| r.header("idempotency-key").map(str::to_owned))
        .collect()
}

#[test]
fn the_spec_says_launchplane_keeps_no_failed_promotion_under_its_key() {
    let op = Contract::embedded().operation(OPERATION).unwrap();
    assert!(
        !op.stores_failures,
        "x-launchplane-stores-failures: false on {OPERATION}"
    );
}

#[test]
fn a_re_run_after_a_timed_out_promotion_replays_it_and_does_not_promote_twice() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    // Launchplane runs the promotion at once and answers after 3 s; the job gives up after 1 s.
    stand_in.inject(
        FaultTarget::Operation(OPERATION),
        Fault::Slow(Duration::from_secs(3)),
        1,
    );
    let (first, report) = promote(&stand_in, "1", &["--timeout", "1"]);
    assert_eq!(
        first.code,
        3,
        "a timed-out call is a transport failure: {}",
        first.all()
    );
    assert_eq!(report["status"], "error", "{report}");
    assert_eq!(
        stand_in.accepted().len(),
        1,
        "Launchplane ran the first attempt's promotion"
    );

    let (rerun, report) = promote(&stand_in, "2", &[]);
    assert_eq!(rerun.code, 0, "{}", rerun.all());
    assert_eq!(report["replayed"], json!(true), "{report}");
    assert_eq!(stand_in.accepted().len(), 1, "the re-run did not promote again");
    let accepted = &stand_in.accepted()[0];
    assert_eq!(
        accepted.idempotency_key.as_ref().map(|k| json!(k)),
        Some(report["idempotency_key"].clone()),
        "both attempts sent one key"
    );
    assert_eq!(
        accepted.body["run"]["request_id"],
        json!(RUN_ID),
        "the request id defaults to the run id, the same in every attempt"
    );
}

#[test]
fn a_re_run_after_a_failed_promotion_promotes_again() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    stand_in.override_result(
        OPERATION,
        json!({"run_status": "fail", "error_message": "destination health check failed"}),
    );
    let (first, report) = promote(&stand_in, "1", &[]);
    assert_eq!(first.code, 1, "a failed driver result fails the step: {}", first.all());
    assert_eq!(report["replayed"], json!(false), "{report}");

    stand_in.override_result(OPERATION, Value::Null);
    let (rerun, report) = promote(&stand_in, "2", &[]);
    assert_eq!(rerun.code, 0, "{}", rerun.all());
    assert_eq!(report["replayed"], json!(false), "the re-run ran: {report}");
    assert_eq!(stand_in.accepted().len(), 2, "the failed promotion ran again");
    let keys = keys_sent(&stand_in);
    assert_eq!(keys[0], keys[1], "with the same key");

    let (third, report) = promote(&stand_in, "3", &[]);
    assert_eq!(third.code, 0, "{}", third.all());
    assert_eq!(
        report["replayed"],
        json!(true),
        "a finished promotion is not run a third time: {report}"
    );
    assert_eq!(stand_in.accepted().len(), 2);
}

#[test]
fn a_promotion_in_another_run_is_another_promotion() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let (first, _) = promote(&stand_in, "1", &[]);
    assert_eq!(first.code, 0, "{}", first.all());
    let (next, _) = promote_in_run(&stand_in, "4243", "1", &[]);
    assert_eq!(next.code, 0, "{}", next.all());
    assert_eq!(stand_in.accepted().len(), 2);
    let keys = keys_sent(&stand_in);
    assert_ne!(keys[0], keys[1]);
}
