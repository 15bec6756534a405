//! lpctl end to end against the stand-in, for the flags that compose a body and handle the
//! answer: `--set`/`--set-json`, `call --route-path`, `--body-list`/`--key-prefix`,
//! `--expect-status`, `--quiet-response`, `--response-file`/`--response-path`,
//! `--output-path`, `--fail-result-path`/`--fail-result-statuses`, and the resend of an ingress
//! proxy's answer. Every refusal is checked to send nothing. README.md and
//! docs/migrating-tenants.md name these tests.

mod support;

use std::path::Path;

use launchplane_testkit::{Fault, FaultTarget, StandIn, StandInConfig};
use serde_json::{Value, json};
use support::*;

const PRODUCT: &str = "sellyouroutboard";
const SHA: &str = "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";

fn stand_in() -> StandIn {
    StandIn::spawn(StandInConfig::default())
}

fn deploy_args() -> Vec<&'static str> {
    vec![
        "generic-web",
        "deploy",
        "--product",
        PRODUCT,
        "--instance",
        "testing",
        "--artifact-id",
        "ghcr.io/cbusillo/sellyouroutboard@sha256:4f6c",
        "--source-git-ref",
        SHA,
    ]
}

fn with(base: &[&'static str], more: &[&str]) -> Vec<String> {
    base.iter()
        .copied()
        .chain(more.iter().copied())
        .map(str::to_owned)
        .collect()
}

fn lpctl_args(args: &[String], env: &[(&str, String)]) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    lpctl(&args, &pairs(env))
}

/// What `--dry-run --output json` says a command sends: operation, method, path, body.
fn planned(args: &[&str]) -> (String, String, String, Value) {
    let run = lpctl(&[args, &["--dry-run", "--output", "json"]].concat(), &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let plan: Value = serde_json::from_str(&run.stdout).expect("dry run JSON");
    let url = plan["url"].as_str().unwrap();
    let path = url.trim_start_matches("$LAUNCHPLANE_URL").to_owned();
    (
        plan["operation"].as_str().unwrap().to_owned(),
        plan["method"].as_str().unwrap().to_owned(),
        path,
        plan["body"].clone(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("file written")).expect("JSON file")
}

fn actions_env(stand_in: &StandIn, dir: &Path) -> (Vec<(&'static str, String)>, String, String) {
    let output = write(dir, "output", "");
    let summary = write(dir, "summary", "");
    let mut env = stand_in_env(stand_in);
    env.extend([
        ("GITHUB_ACTIONS", "true".to_owned()),
        ("GITHUB_OUTPUT", output.clone()),
        ("GITHUB_STEP_SUMMARY", summary.clone()),
    ]);
    (env, output, summary)
}

/// Runs a command line that must be refused: exit 2, nothing sent, `expected` in the message.
fn refused(stand_in: &StandIn, args: &[String], expected: &[&str]) -> String {
    let run = lpctl_args(args, &stand_in_env(stand_in));
    assert_eq!(run.code, 2, "{args:?}: {}", run.all());
    for text in expected {
        assert!(run.stderr.contains(text), "{args:?}: {text:?} not in {}", run.stderr);
    }
    assert!(stand_in.requests().is_empty(), "{args:?} sent a request");
    assert_eq!(stand_in.token_requests(), 0, "{args:?} fetched a token");
    run.stderr
}

#[test]
fn set_and_set_json_lay_values_typed_by_the_spec_over_the_flag_body() {
    let stand_in = stand_in();
    let dir = scratch("compose-set");
    let timeout = write(&dir, "timeout.json", "600");
    let args = with(
        &deploy_args(),
        &[
            "--set",
            "deploy.timeout_seconds=1800",
            "--set",
            "deploy.artifact_id=12345",
            "--set",
            "deploy.no_cache=yes",
            "--set-json",
            &format!("deploy.timeout_seconds=@{timeout}"),
        ],
    );
    let run = lpctl_args(&args, &stand_in_env(&stand_in));
    assert_eq!(run.code, 0, "{}", run.all());
    let body = &stand_in.accepted()[0].body;
    assert_eq!(
        body["deploy"]["artifact_id"],
        json!("12345"),
        "a string field stays a string"
    );
    assert_eq!(
        body["deploy"]["no_cache"],
        json!(true),
        "a boolean read with the lax rules"
    );
    assert_eq!(
        body["deploy"]["timeout_seconds"],
        json!(600),
        "--set-json comes after --set"
    );
    assert_eq!(body["deploy"]["instance"], json!("testing"), "the flags' body stays");

    // On `call`, over the --body file.
    let (operation, _, _, plan) = planned(&deploy_args());
    let body_file = write(&dir, "body.json", &plan.to_string());
    let call = lpctl_args(
        &[
            "call",
            &operation,
            "--body",
            &body_file,
            "--set",
            "deploy.instance=prod",
            "--confirm",
        ]
        .map(str::to_owned),
        &stand_in_env(&stand_in),
    );
    assert_eq!(call.code, 0, "{}", call.all());
    let body = &stand_in.accepted()[1].body;
    assert_eq!(body["deploy"]["instance"], json!("prod"));
    assert_eq!(body["deploy"]["artifact_id"], plan["deploy"]["artifact_id"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn set_refuses_unknown_paths_and_values_of_the_wrong_type_before_sending() {
    let stand_in = stand_in();
    let dir = scratch("compose-set-refused");
    let stderr = refused(
        &stand_in,
        &with(&deploy_args(), &["--set", "deploy.instnce=prod"]),
        &["deploy.instnce", "nearest: `deploy.instance`"],
    );
    assert!(!stderr.contains("Bearer"), "{stderr}");
    refused(
        &stand_in,
        &with(&deploy_args(), &["--set", "deploy.timeout_seconds=soon"]),
        &["`deploy.timeout_seconds` takes an integer", "\"soon\""],
    );
    refused(
        &stand_in,
        &with(&deploy_args(), &["--set", "deploy=not-json"]),
        &["`deploy` takes a JSON object", "--set-json deploy=@FILE"],
    );
    refused(
        &stand_in,
        &with(&deploy_args(), &["--set", "novalue"]),
        &["--set \"novalue\" is not PATH=VALUE"],
    );
    refused(
        &stand_in,
        &with(&deploy_args(), &["--set-json", "deploy.no_cache={oops"]),
        &["--set-json deploy.no_cache", "is not JSON"],
    );
    let huge = dir.join("huge.json");
    std::fs::write(&huge, vec![b' '; 2 * 1024 * 1024 + 1]).unwrap();
    refused(
        &stand_in,
        &with(
            &deploy_args(),
            &["--set-json", &format!("deploy.artifact_id=@{}", huge.display())],
        ),
        &["2097153 bytes", "at most 2097152 bytes"],
    );
    // The laid value is still checked against the schema as a whole.
    refused(
        &stand_in,
        &with(&deploy_args(), &["--set-json", "deploy.no_cache=\"often\""]),
        &["deploy.no_cache"],
    );
    refused(
        &stand_in,
        &["health".to_owned(), "--set".to_owned(), "x=1".to_owned()],
        &["takes no request body"],
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn call_by_route_path_sends_what_the_operation_id_sends() {
    let stand_in = stand_in();
    let dir = scratch("compose-route");
    let (operation, method, path, body) = planned(&deploy_args());
    let body_file = write(&dir, "body.json", &body.to_string());
    let env = stand_in_env(&stand_in);
    let by_route = lpctl_args(
        &[
            "call",
            "--route-path",
            &path,
            "--method",
            &method,
            "--body",
            &body_file,
            "--idempotency-key",
            "k-1",
        ]
        .map(str::to_owned),
        &env,
    );
    assert_eq!(by_route.code, 0, "{}", by_route.all());
    let by_id = lpctl_args(
        &["call", &operation, "--body", &body_file, "--idempotency-key", "k-1"].map(str::to_owned),
        &env,
    );
    assert_eq!(by_id.code, 0, "{}", by_id.all());
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, path);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(
        stand_in.accepted().len(),
        1,
        "the same key and body: the second is a replay"
    );

    // A path template: `drivers show odoo` is GET /v1/drivers/{driver_id}.
    let (_, method, path, _) = planned(&["drivers", "show", "odoo"]);
    let run_show = lpctl_args(
        &["call", "--route-path", &path, "--method", &method.to_lowercase()].map(str::to_owned),
        &env,
    );
    assert_eq!(run_show.code, 0, "{}", run_show.all());
    assert_eq!(stand_in.requests().last().unwrap().path, path);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_route_or_method_the_spec_does_not_carry_is_refused() {
    let stand_in = stand_in();
    let (_, method, path, _) = planned(&deploy_args());
    let (_, _, first_route, _) = planned(&["health"]);
    refused(
        &stand_in,
        &["call", "--route-path", "/v1/no-such-route"].map(str::to_owned),
        &["is not a route of the spec", &first_route],
    );
    let other = if method == "GET" { "POST" } else { "GET" };
    refused(
        &stand_in,
        &["call", "--route-path", &path, "--method", other].map(str::to_owned),
        &[
            &format!("no {other} operation on this route"),
            &format!("--method {method}"),
        ],
    );
    refused(
        &stand_in,
        &["call", "--route-path", &format!("{path}?zz_not_declared=1")].map(str::to_owned),
        &["no query parameter `zz_not_declared`"],
    );
    refused(
        &stand_in,
        &["call", "--route-path", "https://elsewhere.example/v1/x"].map(str::to_owned),
        &["not an absolute route path"],
    );
}

/// `sha256hex(JSON.stringify(entry))` of each entry as node computes it.
fn node_keys(prefix: &str, list_file: &str) -> Vec<String> {
    let script = "const c=require('crypto');const l=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));\
                  for(const e of l)console.log(process.argv[2]+':'+c.createHash('sha256').update(JSON.stringify(e)).digest('hex'))";
    let output = std::process::Command::new("node")
        .args(["-e", script, list_file, prefix])
        .output()
        .expect("node (Node.js) computes the reference keys: install it to run this test");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn body_list_keys_are_those_of_launchplanes_action_and_answers_are_collected() {
    let stand_in = stand_in();
    let dir = scratch("compose-list");
    let (operation, _, _, body) = planned(&deploy_args());
    // Keys out of schema order, a whole float, text JSON escapes differently in places.
    let text = format!(
        r#"[
          {{"deploy": {{"source_git_ref": "{SHA}", "timeout_seconds": 1800.0, "artifact_id": "ghcr.io/a/b@sha256:1", "instance": "testing", "product": "{PRODUCT}"}}, "product": "{PRODUCT}"}},
          {{"product": "{PRODUCT}", "deploy": {{"product": "{PRODUCT}", "instance": "testing", "artifact_id": "ghcr.io/a/b@sha256:é\u0001/\"", "source_git_ref": "{SHA}"}}}}
        ]"#
    );
    let list = write(&dir, "list.json", &text);
    let responses = dir.join("responses.json").to_string_lossy().into_owned();
    let prefix = "deploy-feedback:run-1";
    let args = vec![
        "call".to_owned(),
        operation.clone(),
        "--body-list".into(),
        list.clone(),
        "--key-prefix".into(),
        prefix.into(),
        "--response-file".into(),
        responses.clone(),
    ];
    let first = lpctl_args(&args, &stand_in_env(&stand_in));
    assert_eq!(first.code, 0, "{}", first.all());
    let sent: Vec<String> = stand_in
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sent, node_keys(prefix, &list));
    let answers = read_json(&responses);
    let traces: Vec<&Value> = answers.as_array().unwrap().iter().map(|a| &a["trace_id"]).collect();
    let accepted: Vec<Value> = stand_in.accepted().iter().map(|a| json!(a.trace_id)).collect();
    assert_eq!(traces, accepted.iter().collect::<Vec<_>>());

    // A later failure: the answers so far, and the failing one, are still written.
    let mut unknown = body.clone();
    unknown["product"] = json!("no-such-product");
    unknown["deploy"]["product"] = json!("no-such-product");
    let failing = json!([body, unknown, body]);
    let list = write(&dir, "failing.json", &failing.to_string());
    let failed = support::lpctl(
        &[
            "call",
            &operation,
            "--body-list",
            &list,
            "--key-prefix",
            "p2",
            "--response-file",
            &responses,
        ],
        &pairs(&stand_in_env(&stand_in)),
    );
    assert_eq!(failed.code, 1, "{}", failed.all());
    let answers = read_json(&responses);
    assert_eq!(answers.as_array().unwrap().len(), 2, "{answers}");
    assert_eq!(answers[1]["status"], json!("rejected"));
    assert_eq!(stand_in.requests().len(), 4, "the third entry is not sent");

    // On a command, each entry is laid over the body its flags make.
    let entries = json!([{"deploy": {"artifact_id": "ghcr.io/a/b@sha256:2"}}]);
    let list = write(&dir, "entries.json", &entries.to_string());
    let laid = lpctl_args(
        &with(&deploy_args(), &["--body-list", &list, "--key-prefix", "p3"]),
        &stand_in_env(&stand_in),
    );
    assert_eq!(laid.code, 0, "{}", laid.all());
    let sent = stand_in.requests().last().unwrap().body.clone();
    assert_eq!(sent["deploy"]["artifact_id"], json!("ghcr.io/a/b@sha256:2"));
    assert_eq!(sent["deploy"]["instance"], json!("testing"));
    assert_eq!(sent["product"], json!(PRODUCT));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn body_list_refusals_send_nothing() {
    let stand_in = stand_in();
    let dir = scratch("compose-list-refused");
    let (operation, _, _, body) = planned(&deploy_args());
    let list = write(&dir, "list.json", &json!([body, body]).to_string());
    let call = |more: &[&str]| with(&["call"], &[&[operation.as_str()][..], more].concat());
    refused(
        &stand_in,
        &call(&["--body-list", &list]),
        &["--body-list needs --key-prefix"],
    );
    refused(
        &stand_in,
        &call(&["--body-list", &list, "--key-prefix", "p", "--idempotency-key", "k"]),
        &["--idempotency-key cannot be combined with --body-list"],
    );
    refused(
        &stand_in,
        &call(&["--body-list", &list, "--key-prefix", "p", "--set", "product=x"]),
        &["cannot be combined with --body-list"],
    );
    refused(
        &stand_in,
        &call(&["--key-prefix", "p"]),
        &["--key-prefix only applies to --body-list"],
    );
    refused(
        &stand_in,
        &call(&["--body-list", &list, "--key-prefix", "p", "--body", &list]),
        &["--body and --body-list cannot be combined"],
    );
    let not_object = write(&dir, "not-object.json", &json!([body, "text"]).to_string());
    refused(
        &stand_in,
        &call(&["--body-list", &not_object, "--key-prefix", "p"]),
        &["--body-list entry 2 must be a JSON object"],
    );
    let mut bad = body.clone();
    bad["deploy"]["no_cache"] = json!("often");
    let invalid = write(&dir, "invalid.json", &json!([body, bad]).to_string());
    refused(
        &stand_in,
        &call(&["--body-list", &invalid, "--key-prefix", "p"]),
        &["--body-list entry 2", "deploy.no_cache"],
    );
    let not_list = write(&dir, "object.json", &body.to_string());
    refused(
        &stand_in,
        &call(&["--body-list", &not_list, "--key-prefix", "p"]),
        &["must hold a JSON array"],
    );

    // An empty list sends nothing and writes `[]`.
    let empty = write(&dir, "empty.json", "[]");
    let responses = dir.join("responses.json").to_string_lossy().into_owned();
    let run = lpctl_args(
        &call(&[
            "--body-list",
            &empty,
            "--key-prefix",
            "p",
            "--response-file",
            &responses,
        ]),
        &stand_in_env(&stand_in),
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(read_json(&responses), json!([]));
    assert!(stand_in.requests().is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

fn preview_refresh_args() -> Vec<&'static str> {
    vec![
        "generic-web",
        "preview-refresh",
        "--product",
        PRODUCT,
        "--preview-slug",
        "pr-42",
        "--preview-url",
        "https://pr-42.preview.example.com",
        "--image-reference",
        "ghcr.io/cbusillo/sellyouroutboard@sha256:4f6c",
    ]
}

#[test]
fn an_expected_status_is_an_answer_to_read() {
    // A policy that allows nothing: Launchplane answers 403.
    let stand_in = StandIn::spawn(StandInConfig {
        policy: Some(Default::default()),
        ..StandInConfig::default()
    });
    let dir = scratch("compose-expect");
    let (env, output_file, _) = actions_env(&stand_in, &dir);
    let responses = dir.join("answer.json").to_string_lossy().into_owned();
    let args = with(
        &preview_refresh_args(),
        &["--expect-status", "202,403", "--response-file", &responses],
    );
    let run = lpctl_args(&args, &env);
    assert_eq!(run.code, 0, "{}", run.all());
    let outputs = outputs(Path::new(&output_file));
    assert_eq!(output(&outputs, "status-code"), Some("403"));
    let answer = read_json(&responses);
    assert_eq!(answer["status"], json!("rejected"));
    assert_eq!(output(&outputs, "trace-id"), answer["trace_id"].as_str());

    // Without it, the same answer fails the step.
    let plain = support::lpctl(&preview_refresh_args(), &pairs(&env));
    assert_eq!(plain.code, 1, "{}", plain.all());
    // A status outside the list fails even when Launchplane accepted.
    let open = stand_in_with_default_policy();
    let accepted = support::lpctl(
        &[&preview_refresh_args()[..], &["--expect-status", "403"]].concat(),
        &pairs(&stand_in_env(&open)),
    );
    assert_eq!(accepted.code, 1, "{}", accepted.all());
    assert!(
        accepted.stderr.contains("not one of --expect-status 403"),
        "{}",
        accepted.stderr
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn stand_in_with_default_policy() -> StandIn {
    stand_in()
}

#[test]
fn expect_status_must_be_a_status_the_operation_declares() {
    let stand_in = stand_in();
    refused(
        &stand_in,
        &with(&preview_refresh_args(), &["--expect-status", "299"]),
        &["--expect-status 299", "does not declare HTTP 299", "202"],
    );
    refused(
        &stand_in,
        &with(&preview_refresh_args(), &["--expect-status", "40"]),
        &["\"40\" is not a three-digit HTTP status"],
    );
}

#[test]
fn quiet_response_keeps_the_answer_out_of_every_log_and_writes_it_to_the_file() {
    let stand_in = stand_in();
    let dir = scratch("compose-quiet");
    let (operation, _, _, _) = planned(&deploy_args());
    let marker = "answer-text-7f3a9c";
    stand_in.override_result(&operation, json!({"error_message": marker}));
    let (env, output_file, summary) = actions_env(&stand_in, &dir);
    let responses = dir.join("answer.json").to_string_lossy().into_owned();
    let args = with(
        &deploy_args(),
        &[
            "--quiet-response",
            "--response-file",
            &responses,
            "--output-path",
            "envelope=status",
        ],
    );
    let run = lpctl_args(&args, &env);
    assert_eq!(run.code, 0, "{}", run.all());
    let answer = read_json(&responses);
    assert_eq!(
        answer["result"]["error_message"],
        json!(marker),
        "the file has the whole answer"
    );
    let records: Vec<String> = answer["records"]
        .as_object()
        .map(|r| r.values().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let summary_text = std::fs::read_to_string(&summary).unwrap();
    for text in records.iter().map(String::as_str).chain([marker]) {
        assert!(!run.stdout.contains(text), "{text} on stdout: {}", run.stdout);
        assert!(!run.stderr.contains(text), "{text} on stderr: {}", run.stderr);
        assert!(!summary_text.contains(text), "{text} in the summary");
    }
    assert!(
        run.stdout.contains(answer["trace_id"].as_str().unwrap()),
        "the trace id stays"
    );
    let outputs = outputs(Path::new(&output_file));
    assert_eq!(
        output(&outputs, "envelope"),
        answer["status"].as_str(),
        "asked-for outputs are set"
    );
    assert_eq!(output(&outputs, "status-code"), Some("202"));
    for record in answer["records"].as_object().into_iter().flat_map(|r| r.keys()) {
        assert_eq!(output(&outputs, record), None, "record output {record} is left out");
    }

    // A rejection keeps its code, status and trace id, not its message.
    let denied = StandIn::spawn(StandInConfig {
        policy: Some(Default::default()),
        ..StandInConfig::default()
    });
    let (env, _, summary) = actions_env(&denied, &dir);
    let run = support::lpctl(
        &[&deploy_args()[..], &["--quiet-response", "--response-file", &responses]].concat(),
        &pairs(&env),
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let rejected = read_json(&responses);
    let message = rejected["error"]["message"].as_str().unwrap();
    assert!(!message.is_empty());
    assert!(!run.all().contains(message), "{}", run.all());
    assert!(!std::fs::read_to_string(&summary).unwrap().contains(message));
    assert!(run.stderr.contains("HTTP 403"), "{}", run.stderr);
    assert!(run.stderr.contains(rejected["error"]["code"].as_str().unwrap()));
    assert!(run.stderr.contains(rejected["trace_id"].as_str().unwrap()));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn response_path_and_output_paths_read_the_answer() {
    let stand_in = stand_in();
    let dir = scratch("compose-outputs");
    let (env, output_file, _) = actions_env(&stand_in, &dir);
    let responses = dir.join("trace.json").to_string_lossy().into_owned();
    let args = with(
        &deploy_args(),
        &[
            "--response-file",
            &responses,
            "--response-path",
            "trace_id",
            "--output-path",
            "tid=trace_id",
            "--output-path",
            "missing=no.such.path",
        ],
    );
    let run = lpctl_args(&args, &env);
    assert_eq!(run.code, 0, "{}", run.all());
    let trace = stand_in.accepted()[0].trace_id.clone();
    assert_eq!(read_json(&responses), json!(trace));
    let outputs = outputs(Path::new(&output_file));
    assert_eq!(output(&outputs, "tid"), Some(trace.as_str()));
    assert_eq!(output(&outputs, "trace-id"), Some(trace.as_str()));
    assert_eq!(output(&outputs, "missing"), Some(""));
    let fresh = self::stand_in();
    refused(
        &fresh,
        &with(&deploy_args(), &["--response-path", "trace_id"]),
        &["--response-path needs --response-file"],
    );
    refused(
        &fresh,
        &with(&deploy_args(), &["--output-path", "1bad=trace_id"]),
        &["is not a step output name"],
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A string field of the operation's result that the spec's outcome rules do not judge.
fn unjudged_result_field(stand_in: &StandIn, operation: &str, answer: &Value) -> String {
    let contract = stand_in.contract();
    let op = contract.operation(operation).unwrap();
    let judged: Vec<String> = contract.outcome_fields(op).into_iter().map(|(f, _)| f).collect();
    answer["result"]
        .as_object()
        .expect("the answer has a result")
        .iter()
        .find(|(name, value)| value.is_string() && !judged.contains(name) && *name != "error_message")
        .map(|(name, _)| name.clone())
        .expect("a string field the outcome rules leave alone")
}

#[test]
fn fail_result_paths_fail_on_the_listed_values() {
    let stand_in = stand_in();
    let dir = scratch("compose-fail-result");
    let (operation, _, _, _) = planned(&deploy_args());
    let responses = dir.join("answer.json").to_string_lossy().into_owned();
    let env = stand_in_env(&stand_in);
    let first = lpctl_args(&with(&deploy_args(), &["--response-file", &responses]), &env);
    assert_eq!(first.code, 0, "{}", first.all());
    let field = unjudged_result_field(&stand_in, &operation, &read_json(&responses));
    let path = format!("result.{field}");
    stand_in.override_result(&operation, json!({ field.clone(): " Blocked ", "error_message": "" }));
    // Each run its own key: a replay would answer with the stored result.
    let checked = |key: &str| {
        with(
            &deploy_args(),
            &[
                "--fail-result-path",
                &path,
                "--fail-result-statuses",
                "fail,blocked",
                "--idempotency-key",
                key,
            ],
        )
    };
    let run_checked = lpctl_args(&checked("k-blocked"), &env);
    assert_eq!(run_checked.code, 1, "{}", run_checked.all());
    assert!(
        run_checked
            .stderr
            .contains(&format!("Launchplane result {path} was blocked")),
        "{}",
        run_checked.stderr
    );
    // With an error_message, that is the message.
    stand_in.override_result(
        &operation,
        json!({ field.clone(): "blocked", "error_message": "lane is locked" }),
    );
    let with_message = lpctl_args(&checked("k-message"), &env);
    assert_eq!(with_message.code, 1);
    assert!(
        with_message.stderr.contains("lane is locked"),
        "{}",
        with_message.stderr
    );
    // Values not listed pass.
    let other = lpctl_args(
        &with(
            &deploy_args(),
            &[
                "--fail-result-path",
                &path,
                "--fail-result-statuses",
                "fail",
                "--idempotency-key",
                "k-other",
            ],
        ),
        &env,
    );
    assert_eq!(other.code, 0, "{}", other.all());
    refused(
        &StandIn::spawn(StandInConfig::default()),
        &with(&deploy_args(), &["--fail-result-path", &path]),
        &["--fail-result-path and --fail-result-statuses go together"],
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_ingress_404_without_json_is_sent_again_with_the_same_key_and_a_fresh_token() {
    // Tokens that live 30 s are within the expiry margin: each attempt fetches its own.
    let stand_in = StandIn::spawn(StandInConfig {
        token_ttl_seconds: 30,
        ..StandInConfig::default()
    });
    stand_in.inject(FaultTarget::Launchplane, Fault::HtmlError(404), 1);
    let run = support::lpctl(&deploy_args(), &pairs(&stand_in_env(&stand_in)));
    assert_eq!(run.code, 0, "{}", run.all());
    let requests = stand_in.requests();
    assert_eq!(requests.len(), 2, "the proxy's 404 was sent again");
    assert_eq!(requests[0].status, Some(404));
    assert_eq!(
        requests[0].header("idempotency-key"),
        requests[1].header("idempotency-key"),
        "the same key: a resend is a replay"
    );
    assert_eq!(stand_in.token_requests(), 2, "a fresh token per attempt");
    assert_eq!(stand_in.accepted().len(), 1);
}

#[test]
fn launchplanes_own_404_and_a_single_attempt_are_not_sent_again() {
    let stand_in = stand_in();
    stand_in.inject(FaultTarget::Launchplane, Fault::JsonError(404), 1);
    let run = support::lpctl(&deploy_args(), &pairs(&stand_in_env(&stand_in)));
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(stand_in.requests().len(), 1, "a JSON 404 is Launchplane's answer");

    let stand_in = self::stand_in();
    stand_in.inject(FaultTarget::Launchplane, Fault::HtmlError(404), 1);
    let run = support::lpctl(
        &[&deploy_args()[..], &["--max-attempts", "1"]].concat(),
        &pairs(&stand_in_env(&stand_in)),
    );
    assert_eq!(run.code, 3, "{}", run.all());
    assert_eq!(stand_in.requests().len(), 1);
}

#[test]
fn help_shows_the_shared_flags_on_call_and_on_every_command() {
    for command in [
        &["call", "--help"][..],
        &["generic-web", "deploy", "--help"],
        &["health", "--help"],
    ] {
        let run = lpctl(command, &[]);
        assert_eq!(run.code, 0, "{}", run.all());
        for flag in [
            "--set <PATH=VALUE>",
            "--set-json <PATH=@FILE|PATH=JSON>",
            "--body-list <FILE>",
            "--key-prefix <PREFIX>",
            "--expect-status <CODES>",
            "--quiet-response",
            "--response-file <FILE>",
            "--response-path <JSON.PATH>",
            "--output-path <NAME=JSON.PATH>",
            "--fail-result-path <PATH>",
            "--fail-result-statuses <V1,V2>",
        ] {
            assert!(run.stdout.contains(flag), "{command:?} --help lacks {flag}");
        }
    }
    let call = lpctl(&["call", "--help"], &[]);
    assert!(call.stdout.contains("--route-path <PATH[?QUERY]>") && call.stdout.contains("--method <METHOD>"));
}
