//! A live generic-web promotion that names a promotion intent must use the intent id as its
//! Idempotency-Key (`x-launchplane-key-from`): lpctl sends it by default and refuses another key
//! before anything is sent; a dry run keeps its derived key.

mod support;

use launchplane_testkit::{StandIn, StandInConfig};
use support::{Run, lpctl, pairs, stand_in_env};

fn promote(stand_in: &StandIn, extra: &[&str]) -> Run {
    let mut env = stand_in_env(stand_in);
    env.push(("GITHUB_ACTIONS", "true".into()));
    env.push(("GITHUB_RUN_ID", "4242".into()));
    env.push(("GITHUB_RUN_ATTEMPT", "1".into()));
    let mut args = vec![
        "generic-web",
        "prod-promotion",
        "--product",
        "sellyouroutboard",
        "--artifact-id",
        "ghcr.io/cbusillo/sellyouroutboard@sha256:4f6c1b0d8e2a7c9b3d5e1f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c",
        "--source-git-ref",
        "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
        "--backup-record-id",
        "backup-gate-sellyouroutboard-prod-1",
        "--promotion-intent-id",
        "intent-7",
        "--confirm",
    ];
    args.extend_from_slice(extra);
    lpctl(&args, &pairs(&env))
}

#[test]
fn the_intent_id_is_the_key_of_a_live_promotion() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let run = promote(&stand_in, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(stand_in.accepted()[0].idempotency_key.as_deref(), Some("intent-7"));
}

#[test]
fn another_key_for_a_live_promotion_with_an_intent_is_refused_before_sending() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let run = promote(&stand_in, &["--idempotency-key", "my-own-key"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.all().contains("promotion_intent_idempotency_mismatch"),
        "{}",
        run.all()
    );
    assert!(run.all().contains("intent-7"), "{}", run.all());
    assert!(stand_in.requests().is_empty());
    let same = promote(&stand_in, &["--idempotency-key", "intent-7"]);
    assert_eq!(same.code, 0, "{}", same.all());
}

#[test]
fn a_dry_run_with_an_intent_keeps_its_derived_key() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let run = promote(&stand_in, &["--promotion-dry-run"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let key = stand_in.accepted()[0].idempotency_key.clone().unwrap();
    assert!(
        key.starts_with("generic-web-prod-promotion:") && key.ends_with(":dry-run:run-4242"),
        "{key}"
    );
}
