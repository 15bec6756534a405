//! lpctl end to end against the stand-in: fail-closed configuration, unsupported calls,
//! retries that write once, rejections that are never retried, replays, GitHub outputs.

use contract_tests::{run_lpctl, run_lpctl_bare};
use launchplane_client::contract::path_parameters;
use launchplane_testkit::{Fault, FaultTarget, StandIn, StandInConfig};
use serde_json::json;

const POST_DEPLOY: &[&str] = &[
    "odoo",
    "post-deploy",
    "--product",
    "opw",
    "--context",
    "opw",
    "--instance",
    "testing",
];

/// A case name, the environment it runs with, and what stderr must say.
type ConfigCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
/// A case name, a token-endpoint fault, extra environment, and what stderr must say.
type TokenCase<'a> = (&'a str, Option<(Fault, usize)>, Vec<(&'a str, String)>, &'a str);

fn stand_in() -> StandIn {
    StandIn::spawn(StandInConfig::default())
}

/// Asserts no JWT (they all start `eyJ`) and no request token appear in what lpctl printed.
fn assert_no_secret(output: &str, stand_in: &StandIn) {
    assert!(!output.contains("eyJ"), "a JWT reached the output:\n{output}");
    assert!(
        !output.contains(stand_in.token_request_token()),
        "the request token reached the output:\n{output}"
    );
}

/// A value for a path or query parameter: the Odoo driver and a product, context and lane
/// the stand-in serves.
fn param_value(name: &str) -> &'static str {
    match name {
        "driver_id" => "odoo",
        "product" | "context" => "opw",
        "instance" => "prod",
        // The stand-in answers a read of any operation id.
        "operation_id" => "operation-1",
        other => panic!("no test value for parameter `{other}`"),
    }
}

#[test]
fn each_operation_is_accepted_through_the_binary_with_the_token_in_no_output() {
    let stand_in = stand_in();
    for op in stand_in.contract().operations() {
        let body = stand_in.contract().request_example(op);
        let file = std::env::temp_dir().join(format!("lpctl-e2e-{}-{}.json", std::process::id(), op.id));
        let mut args = vec!["call", op.id.as_str(), "--confirm", "--output", "json"];
        let file_text = file.to_string_lossy().into_owned();
        if let Some(body) = &body {
            std::fs::write(&file, body.to_string()).unwrap();
            args.extend(["--body", &file_text]);
        }
        // Path parameters and required query parameters name a lane of the spec's examples.
        let params: Vec<String> = path_parameters(&op.path)
            .into_iter()
            .chain(
                op.query_parameters
                    .iter()
                    .filter(|p| p.required)
                    .map(|p| p.name.clone()),
            )
            .map(|name| format!("{name}={}", param_value(&name)))
            .collect();
        for param in &params {
            args.extend(["--param", param.as_str()]);
        }
        let run = run_lpctl(&stand_in, &args, &[]);
        let _ = std::fs::remove_file(&file);
        assert_eq!(run.code, 0, "{}: {}", op.id, run.all_output());
        let report = run.json();
        assert!(
            report["trace_id"].as_str().unwrap().starts_with("launchplane_req_"),
            "{}",
            op.id
        );
        assert_no_secret(&run.all_output(), &stand_in);
    }
    let posts = stand_in
        .contract()
        .operations()
        .iter()
        .filter(|op| op.method == "POST")
        .count();
    assert_eq!(
        stand_in.accepted().len(),
        posts,
        "one accepted write per POST operation"
    );
}

#[test]
fn configuration_is_refused_before_any_request() {
    let stand_in = stand_in();
    let url = stand_in.base_url().to_owned();
    let request_url = stand_in.token_request_url().to_owned();
    let request_token = stand_in.token_request_token().to_owned();
    let audience = stand_in.audience().to_owned();
    let oidc = [
        ("ACTIONS_ID_TOKEN_REQUEST_URL", request_url.as_str()),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token.as_str()),
    ];
    let cases: Vec<ConfigCase> = vec![
        (
            "no URL",
            [&oidc[..], &[("LAUNCHPLANE_AUDIENCE", &audience)]].concat(),
            "LAUNCHPLANE_URL",
        ),
        (
            "http to a non-loopback host",
            [
                &oidc[..],
                &[
                    ("LAUNCHPLANE_URL", "http://launchplane.example.com"),
                    ("LAUNCHPLANE_AUDIENCE", &audience),
                ],
            ]
            .concat(),
            "refusing plain http",
        ),
        (
            "no audience",
            [&oidc[..], &[("LAUNCHPLANE_URL", &url)]].concat(),
            "audience is missing",
        ),
        (
            "no ACTIONS_ID_TOKEN_* variables",
            vec![("LAUNCHPLANE_URL", &url), ("LAUNCHPLANE_AUDIENCE", &audience)],
            "id-token: write",
        ),
        (
            "only half of the OIDC variables",
            vec![("LAUNCHPLANE_URL", &url), ("LAUNCHPLANE_AUDIENCE", &audience), oidc[0]],
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set",
        ),
        (
            "a misspelt setting",
            [
                &oidc[..],
                &[
                    ("LAUNCHPLANE_URL", &url),
                    ("LAUNCHPLANE_AUDIENCE", &audience),
                    ("LAUNCHPLANE_AUDIANCE", "x"),
                ],
            ]
            .concat(),
            "LAUNCHPLANE_AUDIANCE",
        ),
    ];
    for (case, env, expected) in cases {
        let run = run_lpctl_bare(POST_DEPLOY, &env);
        assert_eq!(run.code, 2, "{case}: {}", run.all_output());
        assert!(
            run.stderr.contains(expected),
            "{case}: stderr lacks {expected:?}: {}",
            run.stderr
        );
        assert_no_secret(&run.all_output(), &stand_in);
    }
    assert!(
        stand_in.requests().is_empty(),
        "a refused configuration reached Launchplane"
    );
}

#[test]
fn token_endpoint_failures_are_refused_before_any_launchplane_request() {
    let stand_in = stand_in();
    let health_as_token_url = format!("{}/v1/health?api-version=2.0", stand_in.base_url());
    let cases: Vec<TokenCase> = vec![
        (
            "wrong request token (401)",
            None,
            vec![("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "not-the-token".into())],
            "HTTP 401",
        ),
        (
            "token endpoint 500 on every attempt",
            Some((Fault::JsonError(500), 5)),
            vec![],
            "HTTP 500",
        ),
        (
            "token endpoint garbage",
            Some((Fault::MalformedJson, 1)),
            vec![],
            "not JSON",
        ),
        (
            "token answer without value",
            None,
            vec![("ACTIONS_ID_TOKEN_REQUEST_URL", health_as_token_url)],
            "no `value`",
        ),
    ];
    for (case, fault, env, expected) in cases {
        stand_in.clear_faults();
        if let Some((fault, count)) = fault {
            stand_in.inject(FaultTarget::TokenEndpoint, fault, count);
        }
        let before = stand_in.requests().iter().filter(|r| r.path != "/v1/health").count();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let run = run_lpctl(&stand_in, POST_DEPLOY, &env);
        assert_eq!(run.code, 2, "{case}: {}", run.all_output());
        assert!(
            run.stderr.contains(expected),
            "{case}: stderr lacks {expected:?}: {}",
            run.stderr
        );
        assert_no_secret(&run.all_output(), &stand_in);
        let after = stand_in.requests().iter().filter(|r| r.path != "/v1/health").count();
        assert_eq!(before, after, "{case}: a Launchplane route was called");
    }
}

#[test]
fn transient_token_endpoint_errors_are_retried() {
    let stand_in = stand_in();
    stand_in.inject(FaultTarget::TokenEndpoint, Fault::JsonError(503), 1);
    stand_in.inject(FaultTarget::TokenEndpoint, Fault::Drop, 1);
    let run = run_lpctl(&stand_in, POST_DEPLOY, &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(stand_in.token_requests(), 3);
}

#[test]
fn unsupported_calls_say_what_is_supported_or_what_happened() {
    let stand_in = stand_in();
    let unknown = run_lpctl(&stand_in, &["call", "odoo_stable_bootstrap"], &[]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unsupported operation `odoo_stable_bootstrap`"),
        "{}",
        unknown.stderr
    );
    assert!(unknown.stderr.contains("odoo_post_deploy") && unknown.stderr.contains("generic_web_deploy"));

    let not_found = run_lpctl(
        &stand_in,
        &[
            "odoo",
            "post-deploy",
            "--product",
            "ghost",
            "--context",
            "ghost",
            "--instance",
            "testing",
        ],
        &[],
    );
    assert_eq!(not_found.code, 1, "{}", not_found.all_output());
    assert!(not_found.stderr.contains("HTTP 404 not_found"), "{}", not_found.stderr);
    assert!(
        not_found.stderr.contains("may not serve the route") || not_found.stderr.contains("does not serve"),
        "{}",
        not_found.stderr
    );
    assert!(
        not_found.stderr.contains("trace_id launchplane_req_"),
        "{}",
        not_found.stderr
    );

    let mismatch = run_lpctl(
        &stand_in,
        &[
            "odoo",
            "post-deploy",
            "--product",
            "sellyouroutboard",
            "--context",
            "x",
            "--instance",
            "testing",
        ],
        &[],
    );
    assert_eq!(mismatch.code, 1, "{}", mismatch.all_output());
    assert!(
        mismatch.stderr.contains("HTTP 403 product_driver_mismatch"),
        "{}",
        mismatch.stderr
    );

    stand_in.inject(FaultTarget::Launchplane, Fault::JsonError(405), 1);
    let method = run_lpctl(&stand_in, POST_DEPLOY, &[]);
    assert_eq!(method.code, 1, "{}", method.all_output());
    assert!(
        method.stderr.contains("HTTP 405") && method.stderr.contains("another revision"),
        "{}",
        method.stderr
    );
}

#[test]
fn transient_faults_are_survived_with_one_key_and_one_write() {
    let stand_in = stand_in();
    stand_in.inject(FaultTarget::Launchplane, Fault::Drop, 1);
    stand_in.inject(FaultTarget::Launchplane, Fault::HtmlError(502), 1);
    let run = run_lpctl(&stand_in, &[POST_DEPLOY, &["--output", "json"]].concat(), &[]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(run.json()["attempts"], json!(3));
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 3);
    let key = requests[0].header("idempotency-key").unwrap().to_owned();
    assert!(requests.iter().all(|r| r.header("idempotency-key") == Some(&key)));
    assert_eq!(stand_in.accepted().len(), 1, "exactly one write");
}

#[test]
fn a_timed_out_post_is_not_sent_again_and_its_key_reads_the_stored_answer() {
    let stand_in = stand_in();
    stand_in.inject(
        FaultTarget::Launchplane,
        Fault::Delay(std::time::Duration::from_millis(2500)),
        1,
    );
    let run = run_lpctl(
        &stand_in,
        &[POST_DEPLOY, &["--timeout", "1", "--connect-timeout", "1"]].concat(),
        &[],
    );
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(run.stderr.contains("may still be running"), "{}", run.stderr);
    std::thread::sleep(std::time::Duration::from_millis(2000));
    assert_eq!(stand_in.requests().len(), 1, "a timed-out POST was sent again");
    assert_eq!(stand_in.accepted().len(), 1, "the slow request finished on the server");
    let key = run
        .stderr
        .split("--idempotency-key ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    let again = run_lpctl(&stand_in, &[POST_DEPLOY, &["--idempotency-key", key]].concat(), &[]);
    assert_eq!(again.code, 0, "{}", again.all_output());
    assert!(again.stdout.contains("replayed: yes"), "{}", again.stdout);
    assert_eq!(stand_in.accepted().len(), 1, "reading the stored answer ran nothing");
}

#[test]
fn a_timed_out_get_is_retried() {
    let stand_in = stand_in();
    stand_in.inject(
        FaultTarget::Launchplane,
        Fault::Delay(std::time::Duration::from_millis(1500)),
        1,
    );
    let run = run_lpctl(
        &stand_in,
        &[
            "drivers",
            "list",
            "--timeout",
            "1",
            "--connect-timeout",
            "1",
            "--output",
            "json",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert_eq!(run.json()["attempts"], json!(2));
}

#[test]
fn rejections_and_500_are_never_retried() {
    let stand_in = stand_in();
    stand_in.inject(FaultTarget::Launchplane, Fault::JsonError(500), 1);
    let run = run_lpctl(&stand_in, POST_DEPLOY, &[]);
    assert_eq!(run.code, 1, "{}", run.all_output());
    assert_eq!(stand_in.requests().len(), 1, "a 500 was retried");

    let first = run_lpctl(&stand_in, &[POST_DEPLOY, &["--idempotency-key", "k-1"]].concat(), &[]);
    assert_eq!(first.code, 0, "{}", first.all_output());
    let other_body = [
        "odoo",
        "post-deploy",
        "--product",
        "opw",
        "--context",
        "opw",
        "--instance",
        "testing",
        "--phase",
        "manual",
        "--idempotency-key",
        "k-1",
    ];
    let reused = run_lpctl(&stand_in, &other_body, &[]);
    assert_eq!(reused.code, 1);
    assert!(
        reused.stderr.contains("409 idempotency_key_reused"),
        "{}",
        reused.stderr
    );
    assert!(reused.stderr.contains("new --idempotency-key"), "{}", reused.stderr);
    assert_eq!(stand_in.requests().len(), 3, "a 409 was retried");
}

#[test]
fn gateway_errors_exhaust_the_bounded_attempts_then_exit_3() {
    let stand_in = stand_in();
    stand_in.inject(FaultTarget::Launchplane, Fault::HtmlError(502), 5);
    let run = run_lpctl(&stand_in, POST_DEPLOY, &[]);
    assert_eq!(run.code, 3, "{}", run.all_output());
    assert!(
        run.stderr.contains("HTTP 502 with a non-JSON body") && run.stderr.contains("after 3 attempt(s)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Bad Gateway") || run.stderr.contains("502"),
        "no body excerpt: {}",
        run.stderr
    );
    assert_eq!(stand_in.requests().len(), 3, "attempts are bounded at the default 3");
    assert!(stand_in.accepted().is_empty());
}

#[test]
fn a_failed_driver_result_exits_1_and_its_replay_is_reported_as_a_replay() {
    let stand_in = stand_in();
    stand_in.override_result(
        "generic_web_deploy",
        json!({"deploy_status": "fail", "error_message": "health check timed out"}),
    );
    let deploy = [
        "generic-web",
        "deploy",
        "--product",
        "sellyouroutboard",
        "--instance",
        "testing",
        "--artifact-id",
        "ghcr.io/cbusillo/sellyouroutboard:1.2.3",
        "--source-git-ref",
        "9b1c2d3e",
    ];
    let first = run_lpctl(&stand_in, &deploy, &[]);
    assert_eq!(first.code, 1, "{}", first.all_output());
    assert!(
        first.stdout.contains("driver reported failure: deploy_status=fail"),
        "{}",
        first.stdout
    );
    assert!(first.stdout.contains("health check timed out"));
    let again = run_lpctl(&stand_in, &deploy, &[]);
    assert_eq!(again.code, 1);
    assert!(again.stdout.contains("replayed: yes"), "{}", again.stdout);
    assert_eq!(stand_in.accepted().len(), 1, "the replay ran nothing");
}

#[test]
fn github_actions_get_outputs_a_summary_masking_and_run_scoped_keys() {
    let stand_in = stand_in();
    let dir = std::env::temp_dir().join(format!("lpctl-gha-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let outputs = dir.join("output");
    let summary = dir.join("summary");
    let (outputs_text, summary_text) = (
        outputs.to_string_lossy().into_owned(),
        summary.to_string_lossy().into_owned(),
    );
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_OUTPUT", outputs_text.as_str()),
        ("GITHUB_STEP_SUMMARY", summary_text.as_str()),
        ("GITHUB_RUN_ID", "777"),
        ("GITHUB_RUN_ATTEMPT", "2"),
    ];
    let run = run_lpctl(
        &stand_in,
        &[
            "odoo",
            "prod-rollback",
            "--product",
            "opw",
            "--context",
            "opw",
            "--reason",
            "login-broken",
            "--confirm",
        ],
        &env,
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let output = run.all_output();
    let masked: Vec<&str> = output.lines().filter(|l| l.contains("eyJ")).collect();
    assert_eq!(
        masked.len(),
        1,
        "the token appears only in the mask command: {masked:?}"
    );
    assert!(masked[0].starts_with("::add-mask::"));
    assert!(!run.stdout.contains("eyJ"), "stdout is for the report alone");
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    let written = launchplane_testkit::parse_outputs(&outputs);
    let value = |name: &str| launchplane_testkit::output(&written, name);
    assert!(
        value("trace_id").is_some_and(|v| v.starts_with("launchplane_req_"))
            && value("status") == Some("succeeded")
            && value("replayed") == Some("false"),
        "{outputs}"
    );
    assert!(value("deployment_record_id").is_some(), "{outputs}");
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .contains("odoo_prod_rollback")
    );
    let key = stand_in
        .requests()
        .last()
        .unwrap()
        .header("idempotency-key")
        .unwrap()
        .to_owned();
    assert!(key.ends_with(":run-777-2"), "{key}");

    stand_in.override_result("odoo_post_deploy", json!({"post_deploy_status": "fail"}));
    let failed = run_lpctl(&stand_in, POST_DEPLOY, &env);
    assert_eq!(failed.code, 1);
    assert!(
        failed
            .stderr
            .contains("::error title=Launchplane odoo_post_deploy failed::"),
        "{}",
        failed.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dry_run_needs_no_token_and_sends_nothing() {
    let stand_in = stand_in();
    let run = run_lpctl_bare(
        &[
            "odoo",
            "prod-rollback",
            "--product",
            "opw",
            "--context",
            "opw",
            "--dry-run",
        ],
        &[("LAUNCHPLANE_URL", stand_in.base_url())],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(run.stdout.contains("POST ") && run.stdout.contains("/v1/drivers/odoo/prod-rollback"));
    assert!(run.stdout.contains("Authorization: Bearer [redacted]") && run.stdout.contains("Idempotency-Key: "));
    assert!(run.stdout.contains("needs --confirm"));
    assert!(stand_in.requests().is_empty() && stand_in.token_requests() == 0);
}

#[test]
fn prod_changing_and_destructive_calls_need_confirm_and_bad_bodies_are_named() {
    let stand_in = stand_in();
    let promote = [
        "odoo",
        "prod-promotion-run",
        "--product",
        "opw",
        "--context",
        "opw",
        "--request-id",
        "run-1",
        "--expected-artifact-id",
        "artifact-opw-1",
    ];
    let refused = run_lpctl(&stand_in, &promote, &[]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--confirm"), "{}", refused.stderr);
    let prod_deploy = [
        "odoo",
        "post-deploy",
        "--product",
        "opw",
        "--context",
        "opw",
        "--instance",
        "PROD",
    ];
    assert_eq!(
        run_lpctl(&stand_in, &prod_deploy, &[]).code,
        2,
        "a mutation of prod needs --confirm"
    );
    let bad = run_lpctl(
        &stand_in,
        &[&promote[..], &["--backup-timeout-seconds", "0", "--confirm"]].concat(),
        &[],
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("run.backup_timeout_seconds"), "{}", bad.stderr);
    let rollback = ["odoo", "prod-rollback", "--product", "opw", "--context", "opw"];
    let bad_rule = run_lpctl(
        &stand_in,
        &[&rollback[..], &["--wait=false", "--confirm"]].concat(),
        &[],
    );
    assert_eq!(bad_rule.code, 2);
    assert!(
        bad_rule.stderr.contains("rollback.wait") && bad_rule.stderr.contains("verify_health_requires_wait"),
        "{}",
        bad_rule.stderr
    );
    assert!(stand_in.requests().is_empty(), "a refused call was sent");
    let report_only = [
        "previews",
        "lifecycle-cleanup",
        "--product",
        "opw",
        "--context",
        "opw",
        "--plan-id",
        "plan-1",
    ];
    assert_eq!(
        run_lpctl(&stand_in, &report_only, &[]).code,
        0,
        "a report-only cleanup destroys nothing"
    );
    assert_eq!(
        run_lpctl(&stand_in, &[&report_only[..], &["--apply"]].concat(), &[]).code,
        2,
        "an applied cleanup needs --confirm"
    );
    let health = run_lpctl(&stand_in, &["health", "--confirm"], &[]);
    assert_eq!(
        health.code,
        0,
        "--confirm is accepted everywhere: {}",
        health.all_output()
    );
}

#[test]
fn odoo_promotion_run_and_backup_gate_answers_are_in_the_json_report() {
    let stand_in = stand_in();
    let run = run_lpctl(
        &stand_in,
        &[
            "odoo",
            "prod-promotion-run",
            "--product",
            "opw",
            "--context",
            "opw",
            "--request-id",
            "run-7",
            "--expected-artifact-id",
            "artifact-opw-3f2a9c1",
            "--confirm",
            "--output",
            "json",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all_output());
    let report = run.json();
    for field in ["promotion_record_id", "deployment_record_id"] {
        assert!(
            report["result"][field].as_str().is_some_and(|id| !id.is_empty()),
            "no result.{field}: {report}"
        );
    }
    assert_eq!(report["result"]["request_id"], json!("run-7"), "{report}");

    let gate = run_lpctl(
        &stand_in,
        &[
            "backups",
            "gate",
            "--product",
            "opw",
            "--context",
            "opw",
            "--instance",
            "prod",
            "--backup-record-id",
            "backup-opw-prod-7",
            "--promotion-action",
            "odoo_prod_promotion_run",
            "--confirm",
            "--output",
            "json",
        ],
        &[],
    );
    assert_eq!(gate.code, 0, "{}", gate.all_output());
    let report = gate.json();
    assert_eq!(
        report["body"]["backup_record_id"],
        json!("backup-opw-prod-7"),
        "{report}"
    );
    assert!(report["body"]["operation_id"].as_str().is_some(), "{report}");
}
