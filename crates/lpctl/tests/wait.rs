//! `--wait` against the stand-in: the operation the spec declares pollable answers pending,
//! pending, then for real; lpctl repeats the same request with the same key, refreshes a
//! token near expiry, gives up at its limit, and refuses `--wait` where nothing is declared.

mod support;

use launchplane_client::Contract;
use launchplane_client::contract::Operation;
use launchplane_client::contract::resolve::component_loc;
use launchplane_testkit::{StandIn, StandInConfig};
use serde_json::{Value, json};
use support::{lpctl, pairs, scratch, stand_in_env};

/// The first operation the spec declares repeatable while pending.
fn pollable() -> &'static Operation {
    Contract::embedded()
        .operations()
        .iter()
        .find(|op| op.poll.as_ref().is_some_and(|p| p.repeat.is_some()))
        .expect("the spec declares an operation repeated while pending (x-launchplane-poll)")
}

/// A merge patch setting the watched field (a dot path into the answer) to `value`.
fn at(dot_path: &str, value: &str) -> Value {
    dot_path
        .rsplit('.')
        .fold(json!(value), |inner, segment| json!({ segment: inner }))
}

struct Pollable {
    stand_in: StandIn,
    op: &'static Operation,
    field: String,
    pending: String,
    body_file: String,
}

/// A stand-in whose pollable operation answers pending `times` times before answering for real.
fn pending_times(times: usize, config: StandInConfig, name: &str) -> Pollable {
    let op = pollable();
    let watched = op.poll.as_ref().unwrap().watched();
    let pending = watched.pending[0].clone();
    let stand_in = StandIn::spawn(config);
    stand_in.script_results(&op.id, vec![at(&watched.field, &pending); times]);
    let body = Contract::embedded().request_example(op).expect("a request example");
    let file = scratch(name).join("body.json");
    std::fs::write(&file, body.to_string()).unwrap();
    Pollable {
        stand_in,
        op,
        field: watched.field,
        pending,
        body_file: file.to_string_lossy().into_owned(),
    }
}

impl Pollable {
    fn run(&self, extra: &[&str]) -> support::Run {
        // `--confirm` is accepted everywhere; the pollable operation may change production.
        let mut args = vec![
            "call",
            self.op.id.as_str(),
            "--body",
            self.body_file.as_str(),
            "--confirm",
        ];
        args.extend_from_slice(extra);
        let env = stand_in_env(&self.stand_in);
        lpctl(&args, &pairs(&env))
    }

    /// The requests that reached the operation's route.
    fn calls(&self) -> Vec<launchplane_testkit::RecordedRequest> {
        self.stand_in
            .requests()
            .into_iter()
            .filter(|r| r.path == self.op.path)
            .collect()
    }
}

#[test]
fn pending_twice_then_done_is_three_calls_with_one_key_and_exit_0() {
    let poll = pending_times(2, StandInConfig::default(), "wait-three");
    let run = poll.run(&["--wait", "--poll-interval", "1s", "--output", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let calls = poll.calls();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let keys: Vec<_> = calls.iter().map(|c| c.header("idempotency-key")).collect();
    assert!(keys[0].is_some_and(|k| !k.is_empty()), "{keys:?}");
    assert!(keys.iter().all(|k| *k == keys[0]), "one key on every repeat: {keys:?}");
    assert!(
        calls.iter().all(|c| c.body == calls[0].body),
        "the same body every time"
    );
    let printed: Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let last = Contract::field(&printed["body"], &poll.field)
        .or_else(|| Contract::field(&printed, &poll.field))
        .cloned();
    assert_ne!(
        last,
        Some(json!(poll.pending)),
        "the report is the final answer: {printed}"
    );

    let waiting: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("waiting: ")).collect();
    assert_eq!(waiting.len(), 2, "{}", run.stderr);
    let route = format!("{} {}", poll.op.method, poll.op.path);
    for (n, line) in waiting.iter().enumerate() {
        let expected = format!("waiting: {route} {}={} ({}, ", poll.field, poll.pending, n + 1);
        assert!(line.starts_with(&expected), "{line:?} vs {expected:?}");
    }
}

#[test]
fn the_wait_limit_ends_it_naming_route_field_and_status_and_nothing_more_is_sent() {
    let poll = pending_times(10, StandInConfig::default(), "wait-limit");
    // The spec's interval is longer than a second: the first pending answer already ends it.
    assert!(poll.op.poll.as_ref().unwrap().interval_seconds > 1);
    let run = poll.run(&["--wait", "--wait-timeout", "1s"]);
    assert_eq!(run.code, 3, "{}", run.all());
    let route = format!("{} {}", poll.op.method, poll.op.path);
    for needed in [
        "gave up waiting after".to_owned(),
        format!(
            "the next request (in {}s) would start past the wait limit of 1s",
            poll.op.poll.as_ref().unwrap().interval_seconds
        ),
        format!("{route} still answers {}={}", poll.field, poll.pending),
        "--idempotency-key".to_owned(),
    ] {
        assert!(run.stderr.contains(&needed), "{needed:?} in {}", run.stderr);
    }
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(poll.calls().len(), 1);
}

#[test]
fn a_token_near_expiry_is_replaced_between_polls() {
    // Tokens that live less than the client's expiry margin are never reused.
    let short = pending_times(
        2,
        StandInConfig {
            token_ttl_seconds: 30,
            ..StandInConfig::default()
        },
        "wait-token-short",
    );
    let run = short.run(&["--wait", "--poll-interval", "1s"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(short.calls().len(), 3);
    assert_eq!(short.stand_in.token_requests(), 3, "a fresh token for each poll");

    let long = pending_times(2, StandInConfig::default(), "wait-token-long");
    let run = long.run(&["--wait", "--poll-interval", "1s"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(long.calls().len(), 3);
    assert_eq!(long.stand_in.token_requests(), 1, "a token far from expiry is kept");
}

#[test]
fn without_wait_a_pending_answer_is_reported_once() {
    let poll = pending_times(2, StandInConfig::default(), "wait-none");
    let run = poll.run(&["--output", "json"]);
    assert_eq!(poll.calls().len(), 1, "{}", run.all());
    assert!(!run.stderr.contains("waiting: "), "{}", run.stderr);
}

#[test]
fn wait_is_refused_where_the_spec_declares_no_polling_and_nothing_is_sent() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let env = stand_in_env(&stand_in);
    let args = [
        "odoo",
        "post-deploy",
        "--product",
        "opw",
        "--context",
        "opw",
        "--instance",
        "testing",
    ];
    assert!(
        Contract::embedded()
            .operation("odoo_post_deploy")
            .unwrap()
            .poll
            .is_none(),
        "this test needs an operation without polling"
    );
    let refused = lpctl(&[&args[..], &["--wait"]].concat(), &pairs(&env));
    assert_eq!(refused.code, 2, "{}", refused.all());
    assert!(
        refused
            .stderr
            .contains("odoo_post_deploy does not declare polling in the spec"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains(&pollable().id),
        "names what can be waited for: {}",
        refused.stderr
    );
    let stray = lpctl(&[&args[..], &["--wait-timeout", "10m"]].concat(), &pairs(&env));
    assert_eq!(stray.code, 2, "{}", stray.all());
    assert!(
        stray.stderr.contains("--wait-timeout applies only with --wait"),
        "{}",
        stray.stderr
    );
    let bad = lpctl(
        &[&args[..], &["--wait", "--poll-interval", "30000"]].concat(),
        &pairs(&env),
    );
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(bad.stderr.contains("not milliseconds"), "{}", bad.stderr);
    assert!(stand_in.requests().is_empty());
    assert_eq!(stand_in.token_requests(), 0);
}

#[test]
fn where_a_command_has_a_body_field_named_wait_the_flag_fills_it() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let env = stand_in_env(&stand_in);
    let args = [
        "odoo",
        "prod-rollback",
        "--product",
        "opw",
        "--context",
        "opw",
        "--reason",
        "login broken",
        "--wait=false",
        "--verify-health=false",
        "--confirm",
    ];
    let run = lpctl(&args, &pairs(&env));
    assert_eq!(run.code, 0, "{}", run.all());
    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].body["rollback"]["wait"], false);
    let stray = lpctl(&[&args[..], &["--wait-timeout", "10m"]].concat(), &pairs(&env));
    assert_eq!(stray.code, 2, "{}", stray.all());
    assert_eq!(stand_in.accepted().len(), 1);
}

#[test]
fn a_wait_that_gave_up_is_picked_up_later_with_the_key_it_names() {
    let poll = pending_times(2, StandInConfig::default(), "wait-resume");
    let first = poll.run(&["--wait", "--wait-timeout", "1s"]);
    assert_eq!(first.code, 3, "{}", first.all());
    let key = poll.calls()[0].header("idempotency-key").unwrap().to_owned();
    assert!(
        first.stderr.contains(&format!("--idempotency-key {key}")),
        "{}",
        first.stderr
    );
    let again = poll.run(&["--wait", "--poll-interval", "1s", "--idempotency-key", &key]);
    assert_eq!(again.code, 0, "{}", again.all());
    let calls = poll.calls();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c.header("idempotency-key") == Some(key.as_str())));
}

#[test]
fn the_last_answer_is_read_by_the_usual_rules_and_each_request_is_retried_as_usual() {
    let op = pollable();
    let contract = Contract::embedded();
    // The outcome is declared on the result, or on the answer itself where it has no result.
    let (field, allowed) = contract
        .outcome_fields(op)
        .into_iter()
        .map(|(field, ok)| (format!("result.{field}"), ok))
        .chain(contract.envelope_outcome_fields(op))
        .next()
        .expect("the pollable operation declares its outcome");
    let envelope = contract.response_schema(op).expect("a response schema");
    let declared = contract
        .resolver()
        .field(&component_loc(&envelope), &field)
        .expect("the outcome field resolves");
    let watched = op.poll.as_ref().unwrap().watched();
    let pending = watched.pending[0].clone();
    let failing = declared
        .schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|values| {
            values
                .iter()
                .find(|v| !allowed.contains(v) && v.as_str() != Some(pending.as_str()))
                .cloned()
        })
        .unwrap_or_else(|| json!("fail"));
    assert!(!allowed.contains(&failing), "{failing} reports failure");
    let mut poll = pending_times(0, StandInConfig::default(), "wait-fail");
    poll.stand_in.script_results(
        &op.id,
        vec![at(&watched.field, &pending), at(&field, failing.as_str().unwrap())],
    );
    poll.pending = pending;
    poll.stand_in.inject(
        launchplane_testkit::FaultTarget::Operation(poll.op.id.as_str()),
        launchplane_testkit::Fault::JsonError(503),
        1,
    );
    let run = poll.run(&["--wait", "--poll-interval", "1s"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let statuses: Vec<_> = poll.calls().iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [Some(503), Some(op.success_status), Some(op.success_status)],
        "503 retried, pending, then failed"
    );
}
