//! lpctl end to end against the stand-in, for what tenants do by habit: facts the job already
//! knows left out, oversized files, URLs and timeouts written the way other tools take them,
//! usage errors inside Actions, and answers that try to add outputs or workflow commands.
//! The docs (README.md, docs/migrating-tenants.md, docs/generic-web-products.md) name these tests.

mod support;

use std::time::{Duration, Instant};

use launchplane_testkit::{StandIn, StandInConfig};
use serde_json::{Value, json};
use support::*;

const SHA: &str = "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";
const HEAD_SHA: &str = "c113a304cdc04b33be0ba0c60e8c6f205db9f463";
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

fn stand_in() -> StandIn {
    StandIn::spawn(StandInConfig::default())
}

fn deploy_args() -> Vec<&'static str> {
    vec![
        "generic-web",
        "deploy",
        "--product",
        "sellyouroutboard",
        "--instance",
        "testing",
        "--artifact-id",
        "ghcr.io/cbusillo/sellyouroutboard@sha256:4f6c",
    ]
}

fn pull_request_event(dir: &std::path::Path) -> String {
    let path = dir.join("event.json");
    std::fs::write(
        &path,
        json!({
            "action": "synchronize",
            "number": 42,
            "pull_request": {
                "number": 42,
                "html_url": "https://github.com/cbusillo/odoo-opw/pull/42",
                "head": {"sha": HEAD_SHA}
            }
        })
        .to_string(),
    )
    .unwrap();
    path.to_string_lossy().into_owned()
}

fn last_body(stand_in: &StandIn) -> Value {
    stand_in.accepted().last().expect("an accepted request").body.clone()
}

#[test]
fn generic_web_deploy_in_a_job_takes_the_commit_from_the_job() {
    let stand_in = stand_in();
    let mut env = stand_in_env(&stand_in);
    env.push(("GITHUB_SHA", SHA.into()));
    let run = lpctl(&deploy_args(), &pairs(&env));
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(last_body(&stand_in)["deploy"]["source_git_ref"], json!(SHA));

    // In a pull_request job the head commit, not the merge commit GITHUB_SHA names.
    let dir = scratch("deploy-pr");
    env.push(("GITHUB_EVENT_PATH", pull_request_event(&dir)));
    let run = lpctl(&deploy_args(), &pairs(&env));
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(last_body(&stand_in)["deploy"]["source_git_ref"], json!(HEAD_SHA));

    // A flag given wins over the job.
    let run = lpctl(
        &[&deploy_args()[..], &["--source-git-ref", "v1.2.3"]].concat(),
        &pairs(&env),
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(last_body(&stand_in)["deploy"]["source_git_ref"], json!("v1.2.3"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pr_feedback_in_a_pull_request_job_needs_only_product_context_and_status() {
    let stand_in = stand_in();
    let dir = scratch("pr-feedback");
    let mut env = stand_in_env(&stand_in);
    env.extend([
        ("GITHUB_REPOSITORY", "cbusillo/odoo-opw".to_owned()),
        ("GITHUB_SHA", SHA.to_owned()),
        ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
        ("GITHUB_RUN_ID", "14830219876".to_owned()),
        ("GITHUB_EVENT_PATH", pull_request_event(&dir)),
    ]);
    let args = [
        "previews",
        "pr-feedback",
        "--product",
        "opw",
        "--context",
        "opw",
        "--status",
        "ready",
    ];
    let run = lpctl(&args, &pairs(&env));
    assert_eq!(run.code, 0, "{}", run.all());
    let body = last_body(&stand_in);
    assert_eq!(body["repository"], json!("cbusillo/odoo-opw"));
    assert_eq!(body["anchor_repo"], json!("odoo-opw"));
    assert_eq!(body["anchor_pr_number"], json!(42));
    assert_eq!(
        body["anchor_pr_url"],
        json!("https://github.com/cbusillo/odoo-opw/pull/42")
    );
    assert_eq!(body["revision"], json!(HEAD_SHA));
    assert_eq!(
        body["run_url"],
        json!("https://github.com/cbusillo/odoo-opw/actions/runs/14830219876")
    );
    assert_eq!(
        body["marker"],
        json!("<!-- opw-preview-control -->"),
        "the product's own marker, not the spec's default of another product"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_fact_neither_given_nor_in_the_job_names_the_flag_and_the_variable() {
    let stand_in = stand_in();
    let env = stand_in_env(&stand_in);
    let run = lpctl(&deploy_args(), &pairs(&env));
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("--source-git-ref is missing") && run.stderr.contains("GITHUB_SHA"),
        "{}",
        run.stderr
    );
    let feedback = lpctl(
        &[
            "previews",
            "pr-feedback",
            "--product",
            "opw",
            "--context",
            "opw",
            "--status",
            "ready",
        ],
        &pairs(&env),
    );
    assert_eq!(feedback.code, 2);
    assert!(
        feedback.stderr.contains("--repository is missing") && feedback.stderr.contains("GITHUB_REPOSITORY"),
        "{}",
        feedback.stderr
    );
    assert!(stand_in.requests().is_empty(), "nothing is sent");
}

#[test]
fn help_says_which_flags_the_job_supplies() {
    let run = lpctl(&["previews", "pr-feedback", "--help"], &[]);
    assert_eq!(run.code, 0);
    for (flag, source) in [
        ("--repository", "GITHUB_REPOSITORY"),
        ("--pr-number", "pull_request.number"),
        ("--pr-url", "pull_request.html_url"),
        ("--revision", "GITHUB_SHA"),
        ("--run-url", "GITHUB_RUN_ID"),
    ] {
        let section = run.stdout.split(flag).nth(1).unwrap_or_default();
        let section = section.split("\n      --").next().unwrap_or_default();
        assert!(section.contains(source), "{flag} help lacks {source}: {section}");
    }
    let deploy = lpctl(&["generic-web", "deploy", "--help"], &[]);
    assert!(deploy.stdout.contains("GITHUB_SHA"), "{}", deploy.stdout);
}

#[test]
fn an_oversized_body_is_refused_before_it_is_read_whole_or_sent() {
    let stand_in = stand_in();
    let env = stand_in_env(&stand_in);
    let dir = scratch("oversized");
    // 20 MB of JSON-ish text, and a 200 MB sparse file: read whole, the latter would take
    // seconds and its size in memory.
    let twenty = dir.join("twenty.json");
    std::fs::write(&twenty, format!("{{\"x\": \"{}\"}}", "a".repeat(20_000_000))).unwrap();
    let huge = dir.join("huge.json");
    std::fs::File::create(&huge).unwrap().set_len(200_000_000).unwrap();
    let twenty = twenty.to_string_lossy().into_owned();
    let huge = huge.to_string_lossy().into_owned();
    let cases: Vec<Vec<&str>> = vec![
        vec!["evidence", "deployment", "--product", "opw", "--file", &twenty],
        vec!["evidence", "deployment", "--product", "opw", "--file", &huge],
        vec!["call", "evidence_deployments", "--body", &twenty],
        vec![
            "odoo",
            "artifact-publish",
            "--product",
            "opw",
            "--context",
            "opw",
            "--instance",
            "testing",
            "--manifest",
            &huge,
        ],
        vec![
            "previews",
            "lifecycle-plan",
            "--product",
            "opw",
            "--context",
            "opw",
            "--desired-state-id",
            "d-1",
            "--desired-previews",
            &twenty,
        ],
    ];
    for args in cases {
        let started = Instant::now();
        let run = lpctl(&args, &pairs(&env));
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(
            run.stderr.contains("at most 2097152 bytes (2 MiB)"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{args:?} took {:?}",
            started.elapsed()
        );
    }
    let stdin = lpctl_with_stdin(
        &["call", "evidence_deployments", "--body", "-"],
        &pairs(&env),
        Some(&vec![b' '; 20_000_000]),
    );
    assert_eq!(stdin.code, 2, "{}", stdin.all());
    assert!(
        stdin.stderr.contains("(stdin) is more than 2097152 bytes"),
        "{}",
        stdin.stderr
    );

    // The event payload is read with the same limit, and only when a fact needs it.
    let mut job = env.clone();
    job.push(("GITHUB_EVENT_PATH", huge.clone()));
    let run = lpctl(&deploy_args(), &pairs(&job));
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("event payload (GITHUB_EVENT_PATH)"),
        "{}",
        run.stderr
    );
    let given = lpctl(&[&deploy_args()[..], &["--source-git-ref", SHA]].concat(), &pairs(&job));
    assert_eq!(given.code, 0, "no fact needed, no event read: {}", given.all());

    assert_eq!(stand_in.requests().len(), 1, "only the last call was sent");
    assert_eq!(stand_in.token_requests(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn usage_errors_inside_actions_leave_an_annotation_and_status_error() {
    let dir = scratch("usage");
    let output_path = dir.join("output");
    let summary = dir.join("summary");
    let (output_text, summary_text) = (
        output_path.to_string_lossy().into_owned(),
        summary.to_string_lossy().into_owned(),
    );
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_OUTPUT", output_text.as_str()),
        ("GITHUB_STEP_SUMMARY", summary_text.as_str()),
    ];
    let cases: [&[&str]; 3] = [
        &[POST_DEPLOY, &["--bogus"]].concat(),
        &[
            "previews",
            "pr-feedback",
            "--product",
            "opw",
            "--context",
            "opw",
            "--status",
            "done",
        ],
        &["odoo", "post-deploy", "--product", "opw"],
    ];
    for args in cases {
        let _ = std::fs::remove_file(&output_path);
        let run = lpctl(args, &env);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        let commands = commands(&run.stderr);
        assert_eq!(commands.len(), 1, "{args:?}: {commands:?}");
        assert!(commands[0].starts_with("::error title=lpctl usage::"), "{commands:?}");
        assert_eq!(output(&outputs(&output_path), "status"), Some("error"), "{args:?}");
    }
    // Outside Actions: clap's own message, no workflow commands.
    let plain = lpctl(&[POST_DEPLOY, &["--bogus"]].concat(), &[]);
    assert_eq!(plain.code, 2);
    assert!(commands(&plain.stderr).is_empty(), "{}", plain.stderr);
    let help = lpctl(&["--help"], &env);
    assert_eq!(help.code, 0, "help is not an error");
    let _ = std::fs::remove_dir_all(dir);
}

/// A case name, arguments after the command, extra environment, what stderr must say.
type Habit<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

#[test]
fn habitual_configuration_mistakes_get_a_specific_message_and_nothing_is_sent() {
    let stand_in = stand_in();
    let base = stand_in.base_url().to_owned();
    let versioned = format!("{base}/v1");
    let dir = scratch("habits");
    let output = dir.join("output").to_string_lossy().into_owned();
    let cases: Vec<Habit> = vec![
        (
            "URL without a scheme",
            vec!["--url", "launchplane.example.com"],
            vec![],
            "has no scheme: write it in full, e.g. https://launchplane.example.com",
        ),
        (
            "empty LAUNCHPLANE_URL",
            vec![],
            vec![("LAUNCHPLANE_URL", "")],
            "the Launchplane URL is empty",
        ),
        (
            "base URL ending in /v1",
            vec!["--url", &versioned],
            vec![],
            "lpctl adds the /v1/… paths itself",
        ),
        (
            "milliseconds by habit",
            vec![],
            vec![("LAUNCHPLANE_TIMEOUT", "120000")],
            "reads seconds, not milliseconds",
        ),
        (
            "an explicit connect timeout longer than the request timeout",
            vec!["--timeout", "5", "--connect-timeout", "10"],
            vec![],
            "longer than the request timeout",
        ),
        (
            "no attempts",
            vec![],
            vec![("LAUNCHPLANE_MAX_ATTEMPTS", "0")],
            "1 to 10",
        ),
        (
            "an unwritable GITHUB_OUTPUT",
            vec![],
            vec![
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_OUTPUT", "/nonexistent-lpctl-dir/output"),
            ],
            "GITHUB_OUTPUT (/nonexistent-lpctl-dir/output) cannot be written",
        ),
    ];
    for (case, args, extra, expected) in cases {
        let mut env: Vec<(&str, &str)> = vec![("GITHUB_ACTIONS", "true"), ("GITHUB_OUTPUT", &output)];
        let connection = stand_in_env(&stand_in);
        env.extend(
            pairs(&connection)
                .into_iter()
                .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k)),
        );
        env.extend(extra);
        let run = lpctl(&[POST_DEPLOY, &args[..]].concat(), &env);
        assert_eq!(run.code, 2, "{case}: {}", run.all());
        assert!(
            run.stderr.contains(expected),
            "{case}: stderr lacks {expected:?}:\n{}",
            run.stderr
        );
        assert!(
            commands(&run.stderr).iter().any(|c| c.starts_with("::error")),
            "{case}: no annotation"
        );
    }
    assert!(stand_in.requests().is_empty(), "a refused configuration was sent");
    assert_eq!(stand_in.token_requests(), 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_enum_violation_in_a_body_lists_every_allowed_value() {
    let stand_in = stand_in();
    let dir = scratch("enum");
    let contract = stand_in.contract();
    let op = contract.operation("previews_pr_feedback").unwrap();
    let mut body = contract.request_example(op).unwrap();
    body["status"] = json!("done");
    let file = dir.join("body.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let run = lpctl(
        &["call", "previews_pr_feedback", "--body", &file.to_string_lossy()],
        &pairs(&stand_in_env(&stand_in)),
    );
    assert_eq!(run.code, 2, "{}", run.all());
    for value in [
        "pending",
        "ready",
        "destroyed",
        "failed",
        "cleanup_failed",
        "unsupported",
        "cleared",
    ] {
        assert!(run.stderr.contains(&format!("\"{value}\"")), "{value}: {}", run.stderr);
    }
    assert!(!run.stderr.contains("other candidates"), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_one_second_timeout_works_with_the_default_connect_timeout() {
    let stand_in = stand_in();
    let run = lpctl(
        &[POST_DEPLOY, &["--timeout", "1"]].concat(),
        &pairs(&stand_in_env(&stand_in)),
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let units = lpctl(
        &[POST_DEPLOY, &["--timeout", "2m"]].concat(),
        &pairs(&stand_in_env(&stand_in)),
    );
    assert_eq!(units.code, 0, "{}", units.all());
}

#[test]
fn an_http_token_url_under_https_launchplane_fails_at_once() {
    let stand_in = stand_in();
    let started = Instant::now();
    let run = lpctl(
        POST_DEPLOY,
        &[
            ("LAUNCHPLANE_URL", "https://launchplane.example.com"),
            ("LAUNCHPLANE_AUDIENCE", stand_in.audience()),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", stand_in.token_request_url()),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", stand_in.token_request_token()),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("the token request must be https"), "{}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "retried: {:?}",
        started.elapsed()
    );
    assert_eq!(stand_in.token_requests(), 0);
}

#[test]
fn a_401_suggests_the_fix_for_the_token_source() {
    let stand_in = stand_in();
    let static_token = lpctl(
        POST_DEPLOY,
        &[
            ("LAUNCHPLANE_URL", stand_in.base_url()),
            ("LAUNCHPLANE_TOKEN", "not-a-token"),
        ],
    );
    assert_eq!(static_token.code, 1, "{}", static_token.all());
    assert!(
        static_token.stderr.contains("HTTP 401") && static_token.stderr.contains("did not accept LAUNCHPLANE_TOKEN"),
        "{}",
        static_token.stderr
    );
    let mut env = stand_in_env(&stand_in);
    env.retain(|(k, _)| *k != "LAUNCHPLANE_AUDIENCE");
    env.push(("LAUNCHPLANE_AUDIENCE", "https://not-the-audience.example.com".into()));
    let oidc = lpctl(POST_DEPLOY, &pairs(&env));
    assert_eq!(oidc.code, 1, "{}", oidc.all());
    assert!(
        oidc.stderr.contains("HTTP 401") && oidc.stderr.contains("did not accept the GitHub OIDC token"),
        "{}",
        oidc.stderr
    );
    assert!(!oidc.stderr.contains("LAUNCHPLANE_TOKEN"), "{}", oidc.stderr);
}

#[test]
fn a_transport_failure_names_no_placeholder_and_says_how_to_read_the_stored_answer() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let run = lpctl(
        &[POST_DEPLOY, &["--max-attempts", "1"]].concat(),
        &[("LAUNCHPLANE_URL", &url), ("LAUNCHPLANE_TOKEN", "t")],
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        !run.stderr.contains("<url>") && !run.stderr.contains("()"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--idempotency-key odoo_post_deploy:") && run.stderr.contains("new GITHUB_RUN_ATTEMPT"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_hostile_answer_adds_no_outputs_and_no_workflow_commands() {
    let stand_in = stand_in();
    stand_in.override_result(
        "generic_web_deploy",
        json!({
            "deploy_status": "fail",
            "error_message": "boom\n::add-mask::x\n::set-output name=status::succeeded\r\n%0A"
        }),
    );
    stand_in.override_result(
        "drivers_list",
        json!({"trace_id": "t-1\nstatus=succeeded\n::warning::pwned"}),
    );
    let dir = scratch("hostile");
    let output_path = dir.join("output");
    let summary_path = dir.join("summary");
    let (output_text, summary_text) = (
        output_path.to_string_lossy().into_owned(),
        summary_path.to_string_lossy().into_owned(),
    );
    let mut env = stand_in_env(&stand_in);
    env.extend([
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_OUTPUT", output_text),
        ("GITHUB_STEP_SUMMARY", summary_text),
        ("GITHUB_SHA", SHA.to_owned()),
    ]);
    let deploy = lpctl(&deploy_args(), &pairs(&env));
    assert_eq!(deploy.code, 1, "{}", deploy.all());
    let stderr_commands = commands(&deploy.stderr);
    assert_eq!(
        stderr_commands.len(),
        2,
        "the mask and one annotation: {stderr_commands:?}"
    );
    assert!(stderr_commands[0].starts_with("::add-mask::"));
    assert!(stderr_commands[1].starts_with("::error title=Launchplane generic_web_deploy failed::boom%0A"));
    assert!(commands(&deploy.stdout).is_empty(), "{}", deploy.stdout);
    assert_eq!(output(&outputs(&output_path), "status"), Some("failed"));

    let _ = std::fs::remove_file(&output_path);
    let read = lpctl(&["drivers", "list"], &pairs(&env));
    assert_eq!(read.code, 0, "{}", read.all());
    let written = outputs(&output_path);
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["status-code", "trace-id", "trace_id", "status", "replayed"],
        "{written:?}"
    );
    assert_eq!(output(&written, "status"), Some("succeeded"));
    assert_eq!(
        output(&written, "trace_id"),
        Some("t-1\nstatus=succeeded\n::warning::pwned")
    );
    assert!(commands(&read.stdout).is_empty(), "stdout is fenced: {}", read.stdout);
    let summary = std::fs::read_to_string(&summary_path).unwrap();
    assert!(
        !summary.contains("<script") && !summary.lines().any(|l| l.starts_with("::")),
        "{summary}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bodies_hold_only_the_fields_given_and_a_rerun_gets_a_new_key() {
    // docs/migrating-tenants.md: "lpctl sends only the flags given"; "a re-run is a new key".
    let dry = |attempt: &str| {
        let run = lpctl(
            &[POST_DEPLOY, &["--dry-run", "--output", "json"]].concat(),
            &[("GITHUB_RUN_ID", "77"), ("GITHUB_RUN_ATTEMPT", attempt)],
        );
        assert_eq!(run.code, 0, "{}", run.all());
        serde_json::from_str::<Value>(&run.stdout).unwrap()
    };
    let first = dry("1");
    assert_eq!(
        first["body"],
        json!({"product": "opw", "post_deploy": {"context": "opw", "instance": "testing"}}),
        "no defaults written out"
    );
    let second = dry("2");
    assert_ne!(first["idempotency_key"], second["idempotency_key"]);
    assert!(first["idempotency_key"].as_str().unwrap().ends_with(":run-77-1"));
}
