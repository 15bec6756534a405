//! The launchplane-request action (`.github/actions/launchplane-request`): its script run on the
//! `with:` blocks of Launchplane's own reusable workflows, against the stand-in (what Launchplane
//! received, what the step wrote to `$GITHUB_OUTPUT`), the lpctl flags each input becomes, and
//! every input refused before anything is sent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use contract_tests::lpctl;
use launchplane_client::contract::RouteMatch;
use launchplane_testkit::{StandIn, StandInConfig, output, parse_outputs};
use serde_json::{Value, json};

/// The inputs of Launchplane's `launchplane-request` action.yml at
/// 052db9d452f05381a3b43a82dfddfeefb34a8b72, in its order.
const LAUNCHPLANE_INPUTS: &[&str] = &[
    "launchplane-url",
    "route-path",
    "payload",
    "payload-file",
    "payload-list-file",
    "payload-fields",
    "payload-json-files",
    "method",
    "audience",
    "idempotency-key",
    "idempotency-key-prefix",
    "timeout-ms",
    "oidc-timeout-ms",
    "retry-attempts",
    "retry-delay-ms",
    "ingress-retry-delay-ms",
    "expected-status",
    "poll-result-path",
    "poll-result-statuses",
    "poll-until-path",
    "poll-until-value",
    "poll-retry-on-request-error",
    "poll-retry-on-unexpected-status",
    "poll-interval-ms",
    "poll-timeout-ms",
    "fail-result-statuses",
    "fail-result-paths",
    "output-paths",
    "response-output-file",
    "response-output-path",
    "log-response-body",
];

/// The outputs it declares, in its order.
const LAUNCHPLANE_OUTPUTS: &str = "launchplane-url route-path audience status-code response-body applied_at \
    artifact_id backup_record_id backup_status deployment_record_id deployment_health_status deployment_status \
    deploy_status destination_health_status error_message authz_policy_schema_version authz_policy_sha256 \
    image_digest image_repository image_tag inventory_record_id generic_web_rollback_plan_id operation_id \
    override_payload_rendered override_record_found override_status poll_url post_deploy_status preview_slug \
    promotion_record_id promotion_health_status promotion_status publish_status release_tuple_id \
    rollback_health_status rollback_status source_commit source_repository trace_id website_bootstrap_included";

/// Its input defaults that are not empty.
const LAUNCHPLANE_DEFAULTS: &[(&str, &str)] = &[
    ("method", "POST"),
    ("timeout-ms", "0"),
    ("oidc-timeout-ms", "30000"),
    ("retry-attempts", "3"),
    ("retry-delay-ms", "250"),
    ("ingress-retry-delay-ms", "5000"),
    ("poll-result-statuses", "pending"),
    ("poll-retry-on-request-error", "false"),
    ("poll-retry-on-unexpected-status", "false"),
    ("poll-interval-ms", "30000"),
    ("poll-timeout-ms", "600000"),
    ("fail-result-statuses", "fail,blocked"),
    (
        "fail-result-paths",
        "result.refresh_status,result.deploy_status,result.rollout_status, result.migration_status,result.health_status",
    ),
    ("log-response-body", "true"),
];

const RUN_ID: &str = "4242";
const RUN_ATTEMPT: &str = "2";

fn action_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.github/actions/launchplane-request")
}

fn action() -> Value {
    let text = std::fs::read_to_string(action_dir().join("action.yml")).expect("read action.yml");
    serde_norway::from_str(&text).expect("action.yml is YAML")
}

/// Every input's value as the runner gives it: the action's default, then `with`.
fn inputs(with: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = action()["inputs"]
        .as_object()
        .expect("inputs")
        .iter()
        .map(|(name, spec)| {
            let default = spec.get("default").and_then(Value::as_str).unwrap_or_default();
            (name.clone(), default.to_owned())
        })
        .collect();
    for (name, value) in with {
        assert!(values.contains_key(*name), "the action has no input {name}");
        values.insert((*name).to_owned(), (*value).to_owned());
    }
    values
}

/// A scratch directory removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("lpr-{name}-{}-{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.0.join(name), text).unwrap();
        self.path(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run of the step printed, its exit code and its outputs.
struct Step {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: Vec<(String, String)>,
}

impl Step {
    fn output(&self, name: &str) -> Option<&str> {
        output(&self.outputs, name)
    }

    fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs request.sh as the composite step does: inputs as LPR_* variables, the job's OIDC
/// variables from the stand-in, and no LAUNCHPLANE_* variables (the inputs must carry it all).
fn run_step(stand_in: &StandIn, lpctl_path: &Path, with: &[(&str, &str)], scratch: &Scratch) -> Step {
    let output_file = scratch.write("github_output", "");
    let mut command = Command::new("bash");
    command
        .arg(action_dir().join("request.sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &scratch.0)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_RUN_ID", RUN_ID)
        .env("GITHUB_RUN_ATTEMPT", RUN_ATTEMPT)
        .env("GITHUB_REPOSITORY", stand_in.repository())
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", stand_in.token_request_url())
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", stand_in.token_request_token())
        .env("LPR_LPCTL", lpctl_path);
    for (name, value) in inputs(with) {
        command.env(format!("LPR_{}", name.to_uppercase().replace('-', "_")), value);
    }
    let out = command.output().expect("run request.sh");
    let text = std::fs::read_to_string(&output_file).unwrap_or_default();
    Step {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs: parse_outputs(&text),
    }
}

/// An lpctl that records its command line (NUL-separated, with the --body file copied),
/// writes `answer.json` (when the test put one) as the response file, and answers `route`
/// with the real lpctl: the flags each input becomes, with nothing sent.
fn recording_lpctl(scratch: &Scratch) -> PathBuf {
    let script = format!(
        "#!/usr/bin/env bash\n\
         if [ \"$1\" = route ]; then exec '{real}' \"$@\"; fi\n\
         printf '%s\\0' \"$@\" >'{dir}/argv'\n\
         prev=''\n\
         for arg in \"$@\"; do\n\
           [ \"$prev\" = --body ] && cp \"$arg\" '{dir}/body.json'\n\
           [ \"$prev\" = --response-file ] && [ -f '{dir}/answer.json' ] && cp '{dir}/answer.json' \"$arg\"\n\
           prev=\"$arg\"\n\
         done\n\
         exit 0\n",
        real = lpctl().display(),
        dir = scratch.0.display()
    );
    let path = scratch.0.join("lpctl-recorder");
    std::fs::write(&path, script).unwrap();
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&path, permissions).unwrap();
    path
}

fn recorded_argv(scratch: &Scratch) -> Vec<String> {
    let bytes = std::fs::read(scratch.0.join("argv")).expect("lpctl was called");
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// The values given to `flag`, in order.
fn flag_values<'a>(argv: &'a [String], flag: &str) -> Vec<&'a str> {
    argv.windows(2)
        .filter(|pair| pair[0] == flag)
        .map(|pair| pair[1].as_str())
        .collect()
}

/// A stand-in whose audience is its own host and port: what Launchplane's action asks a token
/// for when a step gives no `audience`, as its reusable workflows do.
fn stand_in_at_its_host(mut config: StandInConfig) -> StandIn {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    config.launchplane_port = port;
    config.audience = format!("127.0.0.1:{port}");
    StandIn::spawn(config)
}

fn stand_in() -> StandIn {
    stand_in_at_its_host(StandInConfig::default())
}

/// A stand-in that also knows the product `odoo`, which reusable-odoo-post-deploy.yml sends.
fn stand_in_with_odoo_product() -> StandIn {
    let mut config = StandInConfig::default();
    config
        .products
        .insert("odoo".into(), launchplane_testkit::Product::new("odoo", "opw"));
    stand_in_at_its_host(config)
}

/// Asserts no JWT appears in what the step printed, except in the `::add-mask::` command that
/// hands it to the runner to mask.
fn assert_no_token(step: &Step) {
    for line in step.all_output().lines() {
        assert!(
            line.starts_with("::add-mask::") || !line.contains("eyJ"),
            "a token reached the output: {line}"
        );
    }
}

/// The with: block of Launchplane's reusable-odoo-post-deploy.yml
/// (@023795577dc675239701078da52448b747102838), its expressions evaluated for context opw,
/// instance testing, phase `deploy`, run 4242 attempt 2.
fn odoo_post_deploy(stand_in: &StandIn, instance: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("launchplane-url", stand_in.base_url().to_owned()),
        ("route-path", "/v1/drivers/odoo/post-deploy".into()),
        (
            "payload",
            r#"{"schema_version":1,"product":"odoo","post_deploy":{"schema_version":1}}"#.into(),
        ),
        (
            "payload-fields",
            format!("post_deploy.context=opw\npost_deploy.instance={instance}\npost_deploy.phase=deploy"),
        ),
        ("idempotency-key", format!("odp:opw:{RUN_ID}:{RUN_ATTEMPT}")),
        ("timeout-ms", "600000".into()),
        ("fail-result-paths", "result.post_deploy_status".into()),
        (
            "output-paths",
            "post_deploy_status=result.post_deploy_status, override_status=result.override_status, \
             override_record_found=result.override_record_found, \
             override_payload_rendered=result.override_payload_rendered, applied_at=result.applied_at, \
             error_message=result.error_message"
                .into(),
        ),
    ]
}

fn borrowed<'a>(with: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    with.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn the_action_takes_every_input_of_launchplanes_with_the_same_defaults_and_gives_its_outputs() {
    let action = action();
    let inputs = action["inputs"].as_object().unwrap();
    for name in LAUNCHPLANE_INPUTS {
        assert!(inputs.contains_key(*name), "input {name} is missing");
    }
    let extra: Vec<&String> = inputs
        .keys()
        .filter(|name| !LAUNCHPLANE_INPUTS.contains(&name.as_str()))
        .collect();
    assert_eq!(extra, ["confirm", "version"], "inputs beyond Launchplane's");
    for name in LAUNCHPLANE_INPUTS {
        let ours = inputs[*name].get("default").and_then(Value::as_str).unwrap_or_default();
        let theirs = LAUNCHPLANE_DEFAULTS
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, d)| *d);
        assert_eq!(ours.trim(), theirs, "default of {name}");
    }
    let outputs = action["outputs"].as_object().unwrap();
    for name in LAUNCHPLANE_OUTPUTS.split_whitespace() {
        let value = outputs
            .get(name)
            .and_then(|o| o.get("value"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("output {name} is missing"));
        assert!(
            value.contains(name) && value.contains("steps.request.outputs"),
            "{name}: {value}"
        );
    }
    // Every input reaches the script, under the name it reads.
    let env = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == "request")
        .map(|step| step["env"].clone())
        .unwrap();
    for name in inputs.keys().filter(|n| *n != "version") {
        let var = format!("LPR_{}", name.to_uppercase().replace('-', "_"));
        assert_eq!(env[&var], format!("${{{{ inputs['{name}'] }}}}"), "{var}");
    }
}

#[test]
fn odoo_post_deploy_inputs_become_these_lpctl_flags() {
    let stand_in = stand_in();
    let scratch = Scratch::new("flags");
    let recorder = recording_lpctl(&scratch);
    let with = odoo_post_deploy(&stand_in, "testing");
    let step = run_step(&stand_in, &recorder, &borrowed(&with), &scratch);
    assert_eq!(step.code, 0, "{}", step.all_output());
    let argv = recorded_argv(&scratch);
    assert_eq!(argv[0], "call");
    let one = |flag: &str| flag_values(&argv, flag).first().copied().unwrap_or_default().to_owned();
    assert_eq!(one("--route-path"), "/v1/drivers/odoo/post-deploy");
    assert_eq!(one("--method"), "POST");
    assert_eq!(one("--url"), stand_in.base_url());
    assert_eq!(one("--audience"), stand_in.audience());
    assert_eq!(one("--idempotency-key"), "odp:opw:4242:2");
    assert_eq!(one("--timeout"), "600s", "600000 ms");
    assert_eq!(one("--max-attempts"), "3", "retry-attempts default");
    assert_eq!(
        flag_values(&argv, "--set"),
        [
            "post_deploy.context=opw",
            "post_deploy.instance=testing",
            "post_deploy.phase=deploy"
        ]
    );
    assert_eq!(flag_values(&argv, "--fail-result-path"), ["result.post_deploy_status"]);
    assert_eq!(one("--fail-result-statuses"), "fail,blocked");
    assert_eq!(
        flag_values(&argv, "--output-path"),
        [
            "post_deploy_status=result.post_deploy_status",
            "override_status=result.override_status",
            "override_record_found=result.override_record_found",
            "override_payload_rendered=result.override_payload_rendered",
            "applied_at=result.applied_at",
            "error_message=result.error_message",
        ]
    );
    assert!(
        argv.contains(&"--no-wait".to_owned()),
        "no poll input: no waiting: {argv:?}"
    );
    assert!(!argv.contains(&"--quiet-response".to_owned()));
    assert!(
        argv.contains(&"--confirm".to_owned()),
        "confirm defaults to true: the step names the route it calls"
    );
    let body: Value = serde_json::from_str(&std::fs::read_to_string(scratch.0.join("body.json")).unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"schema_version":1,"product":"odoo","post_deploy":{"schema_version":1}})
    );
    assert_eq!(
        step.output("launchplane-url"),
        Some(format!("{}/v1/drivers/odoo/post-deploy", stand_in.base_url()).as_str())
    );
    assert_eq!(step.output("route-path"), Some("/v1/drivers/odoo/post-deploy"));
    assert_eq!(step.output("audience"), Some(stand_in.audience()));
    assert!(stand_in.requests().is_empty(), "the recorder sends nothing");
}

#[test]
fn the_default_fail_result_paths_are_passed_one_by_one_and_milliseconds_round_up() {
    let stand_in = stand_in();
    let scratch = Scratch::new("defaults");
    let recorder = recording_lpctl(&scratch);
    let url = stand_in.base_url().to_owned();
    let step = run_step(
        &stand_in,
        &recorder,
        &[
            ("launchplane-url", &url),
            ("audience", stand_in.audience()),
            ("route-path", "/v1/drivers/odoo/post-deploy"),
            ("payload-file", "/dev/null"),
            ("timeout-ms", "1500"),
            ("retry-attempts", "5"),
            ("log-response-body", "false"),
            ("confirm", "true"),
            ("fail-result-statuses", " Fail , blocked,"),
        ],
        &scratch,
    );
    assert_eq!(step.code, 0, "{}", step.all_output());
    let argv = recorded_argv(&scratch);
    assert_eq!(
        flag_values(&argv, "--fail-result-path"),
        [
            "result.refresh_status",
            "result.deploy_status",
            "result.rollout_status",
            "result.migration_status",
            "result.health_status"
        ]
    );
    assert_eq!(flag_values(&argv, "--fail-result-statuses"), ["Fail,blocked"]);
    assert_eq!(flag_values(&argv, "--timeout"), ["2s"], "1500 ms is never cut to 1s");
    assert_eq!(flag_values(&argv, "--max-attempts"), ["5"]);
    assert_eq!(flag_values(&argv, "--body"), ["/dev/null"]);
    assert!(argv.contains(&"--quiet-response".to_owned()));
    assert!(argv.contains(&"--confirm".to_owned()));
}

#[test]
fn a_timeout_of_zero_keeps_lpctls_bound_and_empty_fail_statuses_pass_no_result_paths() {
    let stand_in = stand_in();
    let scratch = Scratch::new("zero");
    let recorder = recording_lpctl(&scratch);
    let url = stand_in.base_url().to_owned();
    let step = run_step(
        &stand_in,
        &recorder,
        &[
            ("launchplane-url", &url),
            ("audience", stand_in.audience()),
            ("route-path", "/v1/drivers/odoo/post-deploy"),
            ("fail-result-statuses", ""),
        ],
        &scratch,
    );
    assert_eq!(step.code, 0, "{}", step.all_output());
    let argv = recorded_argv(&scratch);
    assert!(flag_values(&argv, "--timeout").is_empty(), "{argv:?}");
    assert!(flag_values(&argv, "--fail-result-path").is_empty(), "{argv:?}");
    assert!(flag_values(&argv, "--body").is_empty(), "no payload input: no body");
}

#[test]
fn payload_list_files_map_to_body_list_with_their_key_prefix() {
    let stand_in = stand_in();
    let scratch = Scratch::new("list");
    let recorder = recording_lpctl(&scratch);
    let list = scratch.write("list.json", "[]");
    let url = stand_in.base_url().to_owned();
    let step = run_step(
        &stand_in,
        &recorder,
        &[
            ("launchplane-url", &url),
            ("audience", stand_in.audience()),
            ("route-path", "/v1/previews/pr-feedback"),
            ("payload-list-file", &list),
            ("idempotency-key-prefix", "preview-pr-feedback:opw"),
        ],
        &scratch,
    );
    assert_eq!(step.code, 0, "{}", step.all_output());
    let argv = recorded_argv(&scratch);
    assert_eq!(flag_values(&argv, "--body-list"), [list.as_str()]);
    assert_eq!(flag_values(&argv, "--key-prefix"), ["preview-pr-feedback:opw"]);
    assert!(flag_values(&argv, "--idempotency-key").is_empty());
}

#[test]
fn payload_json_files_map_to_set_json_after_the_fields() {
    let stand_in = stand_in();
    let scratch = Scratch::new("jsonfiles");
    let recorder = recording_lpctl(&scratch);
    let url = stand_in.base_url().to_owned();
    let step = run_step(
        &stand_in,
        &recorder,
        &[
            ("launchplane-url", &url),
            ("audience", stand_in.audience()),
            ("route-path", "/v1/drivers/odoo/artifact-publish"),
            (
                "payload-fields",
                "# the lane\n\n  publish.context=opw  \npublish.note=a=b",
            ),
            ("payload-json-files", "publish.manifest=/tmp/artifact.json\n"),
        ],
        &scratch,
    );
    assert_eq!(step.code, 0, "{}", step.all_output());
    let argv = recorded_argv(&scratch);
    assert_eq!(flag_values(&argv, "--set"), ["publish.context=opw", "publish.note=a=b"]);
    assert_eq!(
        flag_values(&argv, "--set-json"),
        ["publish.manifest=@/tmp/artifact.json"]
    );
}

/// Inputs refused, each with what the annotation must say; nothing reaches Launchplane, not
/// even the token endpoint, and lpctl is never asked to call.
#[test]
fn inputs_without_a_safe_meaning_are_refused_before_anything_is_sent() {
    let stand_in = stand_in();
    let url = stand_in.base_url().to_owned();
    let base = [
        ("launchplane-url", url.as_str()),
        ("audience", stand_in.audience()),
        ("route-path", "/v1/drivers/odoo/post-deploy"),
    ];
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("route-path", "/v1/no-such-route")],
            "route-path: POST /v1/no-such-route cannot be called",
        ),
        (
            vec![("route-path", "/v1/drivers/odoo/post-deploy"), ("method", "DELETE")],
            "not DELETE",
        ),
        (
            vec![("route-path", "v1/drivers")],
            "route-path 'v1/drivers' must be absolute",
        ),
        (vec![("launchplane-url", "")], "launchplane-url is required"),
        (vec![("payload", "{}"), ("payload-file", "/dev/null")], "use only one"),
        (
            vec![("idempotency-key-prefix", "k")],
            "idempotency-key-prefix applies to payload-list-file only",
        ),
        (
            vec![("payload-list-file", "/dev/null")],
            "idempotency-key-prefix is required",
        ),
        (
            vec![
                ("payload-list-file", "/dev/null"),
                ("idempotency-key-prefix", "p"),
                ("idempotency-key", "k"),
            ],
            "idempotency-key cannot be combined with payload-list-file",
        ),
        (
            vec![("payload-fields", "post_deploy.context")],
            "payload-fields line 'post_deploy.context' is not json.path=value",
        ),
        (
            vec![("payload-json-files", "publish.manifest")],
            "payload-json-files line 'publish.manifest' is not json.path=file",
        ),
        (
            vec![("expected-status", "200,2xx")],
            "expected-status '200,2xx' must be comma-separated 3-digit",
        ),
        (
            vec![("timeout-ms", "10s")],
            "timeout-ms must be a non-negative integer of milliseconds",
        ),
        (
            vec![("retry-attempts", "0")],
            "retry-attempts must be a positive integer",
        ),
        (
            vec![("retry-delay-ms", "-1")],
            "retry-delay-ms must be a non-negative integer",
        ),
        (
            vec![("poll-retry-on-unexpected-status", "true")],
            "poll-retry-on-unexpected-status is not supported",
        ),
        (
            vec![("poll-result-path", "result.post_deploy_status")],
            "poll-result-path: the spec declares no polling for POST /v1/drivers/odoo/post-deploy",
        ),
        (
            vec![("poll-until-value", "done")],
            "poll-until-value is set without poll-until-path",
        ),
        (
            vec![("output-paths", "trace_id=trace_id, made_up=result.x")],
            "output-paths names 'made_up', which this action does not declare",
        ),
        (
            vec![("output-paths", "trace_id")],
            "output-paths entry 'trace_id' is not output=json.path",
        ),
        (
            vec![("response-output-path", "result")],
            "response-output-path is set without response-output-file",
        ),
        (
            vec![
                ("payload-list-file", "/dev/null"),
                ("idempotency-key-prefix", "p"),
                ("response-output-file", "/dev/null"),
                ("response-output-path", "result"),
            ],
            "response-output-path cannot be combined with payload-list-file",
        ),
        (
            vec![("poll-result-path", "a"), ("poll-until-path", "b")],
            "poll-result-path and poll-until-path: use one",
        ),
        (
            vec![("log-response-body", "yes")],
            "log-response-body must be true or false",
        ),
        (vec![("confirm", "yes")], "confirm must be true or false"),
    ];
    for (overrides, expected) in cases {
        let scratch = Scratch::new("refused");
        let recorder = recording_lpctl(&scratch);
        let mut with: Vec<(&str, &str)> = base.to_vec();
        with.extend(overrides.iter().copied());
        let step = run_step(&stand_in, &recorder, &with, &scratch);
        assert_eq!(step.code, 2, "{overrides:?}: {}", step.all_output());
        assert!(
            step.stderr.contains("::error title=launchplane-request::") && step.stderr.contains(expected),
            "{overrides:?} should say {expected:?}:\n{}",
            step.stderr
        );
        assert!(
            !scratch.0.join("argv").exists(),
            "{overrides:?}: lpctl was asked to call"
        );
    }
    assert!(stand_in.requests().is_empty());
    assert_eq!(stand_in.token_requests(), 0);
}

#[test]
fn an_empty_audience_is_the_url_host_as_in_launchplanes_action_with_a_notice() {
    let stand_in = stand_in();
    let scratch = Scratch::new("audience");
    let recorder = recording_lpctl(&scratch);
    let step = run_step(
        &stand_in,
        &recorder,
        &[
            ("launchplane-url", "https://launchplane.example.com:8443/base"),
            ("route-path", "/v1/drivers/odoo/post-deploy"),
        ],
        &scratch,
    );
    assert_eq!(step.code, 0, "{}", step.all_output());
    let argv = recorded_argv(&scratch);
    assert_eq!(flag_values(&argv, "--audience"), ["launchplane.example.com:8443"]);
    assert_eq!(step.output("audience"), Some("launchplane.example.com:8443"));
    assert!(
        step.stdout.contains("::notice") && step.stdout.contains("audience not set"),
        "{}",
        step.stdout
    );
}

/// The routes whose polling the spec declares (`x-launchplane-poll`): method, concrete path,
/// the watched field and its pending values.
fn polled_routes(stand_in: &StandIn) -> Vec<(String, String, String, Vec<String>)> {
    let contract = stand_in.contract();
    contract
        .operations()
        .iter()
        .filter_map(|op| {
            let entry = contract.document().pointer(&format!(
                "/paths/{}/{}",
                op.path.replace('/', "~1"),
                op.method.to_lowercase()
            ))?;
            let poll = entry.get("x-launchplane-poll")?;
            let watched = poll.get("repeat").or_else(|| poll.get("follow"))?;
            let field = watched["field"].as_str()?.to_owned();
            let pending = watched["pending"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            let concrete = op
                .path
                .split('/')
                .map(|segment| if segment.starts_with('{') { "x-1" } else { segment })
                .collect::<Vec<_>>()
                .join("/");
            Some((op.method.clone(), concrete, field, pending))
        })
        .collect()
}

/// The poll inputs of a route whose polling the spec declares: the declared field and pending
/// values become --wait; another field, another pending value, or an until-value that is
/// itself pending are refused.
#[test]
fn poll_paths_are_taken_only_as_the_spec_declares_them() {
    let stand_in = stand_in();
    let url = stand_in.base_url().to_owned();
    for (method, path, field, pending) in polled_routes(&stand_in) {
        let base = vec![
            ("launchplane-url", url.as_str()),
            ("audience", stand_in.audience()),
            ("route-path", path.as_str()),
            ("method", method.as_str()),
        ];
        let statuses = pending.join(", ").to_uppercase();
        let scratch = Scratch::new("poll");
        let recorder = recording_lpctl(&scratch);
        let mut with = base.clone();
        with.extend([
            ("poll-result-path", field.as_str()),
            ("poll-result-statuses", statuses.as_str()),
            ("poll-interval-ms", "1500"),
            ("poll-timeout-ms", "120000"),
            ("poll-retry-on-request-error", "true"),
        ]);
        let step = run_step(&stand_in, &recorder, &with, &scratch);
        assert_eq!(step.code, 0, "{path}: {}", step.all_output());
        let argv = recorded_argv(&scratch);
        assert!(argv.contains(&"--wait".to_owned()), "{argv:?}");
        assert!(!argv.contains(&"--no-wait".to_owned()), "{argv:?}");
        assert_eq!(flag_values(&argv, "--wait-timeout"), ["120s"]);
        assert_eq!(flag_values(&argv, "--poll-interval"), ["2s"], "1500 ms rounds up");

        let refused: [(Vec<(&str, &str)>, &str); 4] = [
            (
                vec![("poll-result-path", "result.not_declared")],
                "is not the result the spec polls",
            ),
            (
                vec![
                    ("poll-result-path", field.as_str()),
                    ("poll-result-statuses", "queued_forever"),
                ],
                "poll-result-statuses 'queued_forever' is not a pending value",
            ),
            (
                vec![
                    ("poll-until-path", field.as_str()),
                    ("poll-until-value", pending[0].as_str()),
                ],
                "is a pending value",
            ),
            (
                vec![("poll-result-path", field.as_str()), ("poll-timeout-ms", "0")],
                "poll-timeout-ms is 0",
            ),
        ];
        for (overrides, expected) in refused {
            let scratch = Scratch::new("poll-refused");
            let recorder = recording_lpctl(&scratch);
            let mut with = base.clone();
            with.extend(overrides.iter().copied());
            let step = run_step(&stand_in, &recorder, &with, &scratch);
            assert_eq!(step.code, 2, "{path} {overrides:?}: {}", step.all_output());
            assert!(step.stderr.contains(expected), "{path} {overrides:?}: {}", step.stderr);
            assert!(!scratch.0.join("argv").exists());
        }
    }
}

fn operation_at(stand_in: &StandIn, method: &str, path: &str) -> String {
    match stand_in.contract().route(method, path) {
        RouteMatch::Found(op) => op.id.clone(),
        other => panic!("{method} {path}: {other:?}"),
    }
}

#[test]
fn odoo_post_deploy_reaches_launchplane_as_the_workflow_asked_and_fills_the_outputs() {
    let stand_in = stand_in_with_odoo_product();
    let scratch = Scratch::new("post-deploy");
    let with = odoo_post_deploy(&stand_in, "testing");
    let step = run_step(&stand_in, lpctl(), &borrowed(&with), &scratch);
    assert_eq!(step.code, 0, "{}", step.all_output());
    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(
        accepted[0].operation_id,
        operation_at(&stand_in, "POST", "/v1/drivers/odoo/post-deploy")
    );
    assert_eq!(accepted[0].idempotency_key.as_deref(), Some("odp:opw:4242:2"));
    assert_eq!(accepted[0].body["post_deploy"]["context"], "opw");
    assert_eq!(accepted[0].body["post_deploy"]["instance"], "testing");
    assert_eq!(accepted[0].body["post_deploy"]["phase"], "deploy");
    assert_eq!(step.output("status-code"), Some("202"));
    let body: Value = serde_json::from_str(step.output("response-body").unwrap()).unwrap();
    assert_eq!(body["trace_id"], accepted[0].trace_id.as_str());
    assert_eq!(
        step.output("post_deploy_status"),
        body["result"]["post_deploy_status"].as_str()
    );
    assert_no_token(&step);
}

#[test]
fn a_prod_post_deploy_is_sent_as_the_step_asks_and_refused_with_confirm_false() {
    let stand_in = stand_in_with_odoo_product();
    let with = odoo_post_deploy(&stand_in, "prod");
    let mut guarded = borrowed(&with);
    guarded.push(("confirm", "false"));
    let step = run_step(&stand_in, lpctl(), &guarded, &Scratch::new("prod-guarded"));
    assert_eq!(step.code, 2, "{}", step.all_output());
    assert!(step.stderr.contains("--confirm"), "{}", step.stderr);
    assert!(stand_in.requests().is_empty());
    let step = run_step(&stand_in, lpctl(), &borrowed(&with), &Scratch::new("prod"));
    assert_eq!(step.code, 0, "{}", step.all_output());
    assert_eq!(stand_in.accepted().len(), 1);
}

/// reusable-odoo-prod-promotion.yml @6809fccf: the key and `run.request_id` name the run attempt.
#[test]
fn a_prod_promotion_key_naming_the_attempt_runs_as_written_with_a_warning_about_re_runs() {
    let stand_in = stand_in();
    let with = [
        ("launchplane-url", stand_in.base_url().to_owned()),
        ("route-path", "/v1/drivers/odoo/prod-promotion-run".to_owned()),
        (
            "payload",
            r#"{"schema_version":1,"product":"opw","run":{"schema_version":1}}"#.to_owned(),
        ),
        (
            "payload-fields",
            format!(
                "run.context=opw\nrun.request_id={RUN_ID}-{RUN_ATTEMPT}\nrun.expected_artifact_id=artifact-opw-3f2a9c1"
            ),
        ),
        ("idempotency-key", format!("opp:opw:{RUN_ID}:{RUN_ATTEMPT}")),
        ("timeout-ms", "2700000".to_owned()),
    ];
    let step = run_step(
        &stand_in,
        lpctl(),
        &borrowed(&with),
        &Scratch::new("promotion-attempt-key"),
    );
    assert_eq!(step.code, 0, "{}", step.all_output());
    assert_eq!(
        stand_in.accepted()[0].idempotency_key.as_deref(),
        Some(format!("opp:opw:{RUN_ID}:{RUN_ATTEMPT}").as_str()),
        "the step's key is sent as written"
    );
    assert!(
        step.stdout.contains("::warning") && step.stdout.contains(&format!("names run attempt {RUN_ATTEMPT}")),
        "{}",
        step.stdout
    );

    let mut run_scoped = with.to_vec();
    run_scoped[4].1 = format!("opp:opw:{RUN_ID}");
    let step = run_step(
        &stand_in,
        lpctl(),
        &borrowed(&run_scoped),
        &Scratch::new("promotion-run-key"),
    );
    assert_eq!(step.code, 0, "{}", step.all_output());
    assert!(!step.stdout.contains("::warning"), "{}", step.stdout);
}

#[test]
fn the_response_body_output_and_response_output_file_come_from_lpctls_response_file() {
    let stand_in = stand_in();
    let scratch = Scratch::new("response");
    let recorder = recording_lpctl(&scratch);
    let answer =
        json!({"status":"accepted","trace_id":"t-1","records":{},"result":{"image_tag":"pr-7","ok":false,"gone":null}});
    scratch.write("answer.json", &answer.to_string());
    let url = stand_in.base_url().to_owned();
    let base = [
        ("launchplane-url", url.as_str()),
        ("audience", stand_in.audience()),
        ("route-path", "/v1/drivers/odoo/artifact-publish-inputs"),
    ];
    let whole = scratch.path("whole.json");
    let mut with = base.to_vec();
    with.push(("response-output-file", &whole));
    let step = run_step(&stand_in, &recorder, &with, &scratch);
    assert_eq!(step.code, 0, "{}", step.all_output());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&whole).unwrap()).unwrap();
    assert_eq!(written, answer);
    let body: Value = serde_json::from_str(step.output("response-body").unwrap()).unwrap();
    assert_eq!(body, answer);

    for (path, expected) in [
        ("result", answer["result"].clone()),
        ("result.ok", json!(false)),
        ("result.gone", Value::Null),
    ] {
        let file = scratch.path("part.json");
        let mut with = base.to_vec();
        with.extend([("response-output-file", file.as_str()), ("response-output-path", path)]);
        let step = run_step(&stand_in, &recorder, &with, &scratch);
        assert_eq!(step.code, 0, "{path}: {}", step.all_output());
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(written, expected, "{path}");
        let body: Value = serde_json::from_str(step.output("response-body").unwrap()).unwrap();
        assert_eq!(body, answer, "response-body stays the whole body");
    }

    let file = scratch.path("absent.json");
    let mut with = base.to_vec();
    with.extend([
        ("response-output-file", file.as_str()),
        ("response-output-path", "result.image_digest"),
    ]);
    let step = run_step(&stand_in, &recorder, &with, &scratch);
    assert_eq!(step.code, 1, "{}", step.all_output());
    assert!(
        step.stderr
            .contains("response-output-path 'result.image_digest' is not in the response"),
        "{}",
        step.stderr
    );
}

/// Whether the spec's request schema of `method path` has every dot path of `fields`: the
/// reusable workflows are written for Launchplane's newest revision, which the spec lpctl
/// carries may not have reached yet.
fn spec_takes(stand_in: &StandIn, method: &str, path: &str, fields: &[&str]) -> bool {
    let contract = stand_in.contract();
    let RouteMatch::Found(op) = contract.route(method, path) else {
        return false;
    };
    let Some(schema) = op.request_schema.as_deref() else {
        return fields.is_empty();
    };
    let loc = launchplane_client::contract::resolve::component_loc(schema);
    fields
        .iter()
        .all(|field| contract.resolver().field(&loc, field).is_ok())
}

/// The dot paths a `payload-fields` / `payload-json-files` block sets.
fn field_paths(block: &str) -> Vec<&str> {
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('=').map(|(path, _)| path))
        .collect()
}

/// Runs a reusable workflow's step; when the spec does not carry what it sends, asserts it is
/// refused before anything is sent and returns `None`.
fn run_workflow_step(stand_in: &StandIn, with: &[(&str, String)], scratch: &Scratch) -> Option<Step> {
    let map: BTreeMap<&str, &str> = with.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let method = map.get("method").copied().unwrap_or("POST");
    let route = map["route-path"];
    let mut fields = field_paths(map.get("payload-fields").copied().unwrap_or_default());
    fields.extend(field_paths(map.get("payload-json-files").copied().unwrap_or_default()));
    let step = run_step(stand_in, lpctl(), &borrowed(with), scratch);
    if spec_takes(stand_in, method, route, &fields) {
        return Some(step);
    }
    eprintln!("{method} {route}: the spec lpctl carries does not take all of {fields:?}: refused");
    assert_eq!(
        step.code,
        2,
        "{method} {route} the spec does not carry:\n{}",
        step.all_output()
    );
    assert!(stand_in.requests().is_empty(), "{route}: a refused step sent a request");
    None
}

/// reusable-generic-web-stable-deploy.yml @01db5b6f8a6473e307b1bd85951f8b170e344b28, step `lp`.
#[test]
fn generic_web_stable_deploy_as_launchplanes_workflow_sends_it() {
    let stand_in = stand_in();
    let scratch = Scratch::new("stable-deploy");
    let artifact = format!("ghcr.io/cbusillo/sellyouroutboard@sha256:{}", "ab".repeat(32));
    let key = format!("generic-web-stable-deploy:sellyouroutboard:testing:{artifact}::{RUN_ID}:1");
    let with = vec![
        ("launchplane-url", format!("{}\n", stand_in.base_url())),
        ("route-path", "/v1/drivers/generic-web/deploy".into()),
        (
            "payload",
            "{\n  \"schema_version\": 1,\n  \"deploy\": {\n    \"schema_version\": 1\n  }\n}".into(),
        ),
        (
            "payload-fields",
            format!(
                "product=sellyouroutboard\ndeploy.product=sellyouroutboard\ndeploy.instance=testing\n\
                 deploy.artifact_id={artifact}\ndeploy.deploy_reference=\ndeploy.source_git_ref=3f786850e387550fdab836ed7e6dc881de23001b"
            ),
        ),
        ("idempotency-key", format!("{key}\n")),
        ("timeout-ms", "1800000".into()),
        (
            "fail-result-paths",
            "result.deploy_status,result.post_deploy_status".into(),
        ),
        (
            "output-paths",
            "trace_id=trace_id, deployment_record_id=records.deployment_record_id, \
             deploy_status=result.deploy_status, post_deploy_status=result.post_deploy_status, \
             error_message=result.error_message"
                .into(),
        ),
    ];
    let Some(step) = run_workflow_step(&stand_in, &with, &scratch) else {
        return;
    };
    assert_eq!(step.code, 0, "{}", step.all_output());
    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].idempotency_key.as_deref(), Some(key.as_str()));
    assert_eq!(
        accepted[0].body["deploy"],
        json!({"schema_version": 1, "product": "sellyouroutboard", "instance": "testing", "artifact_id": artifact,
               "deploy_reference": "", "source_git_ref": "3f786850e387550fdab836ed7e6dc881de23001b"})
    );
    let body: Value = serde_json::from_str(step.output("response-body").unwrap()).unwrap();
    assert_eq!(step.output("trace_id"), Some(accepted[0].trace_id.as_str()));
    assert_eq!(
        step.output("deployment_record_id"),
        body["records"]["deployment_record_id"].as_str()
    );
    assert_eq!(step.output("deploy_status"), body["result"]["deploy_status"].as_str());
}

/// reusable-generic-web-preview-lifecycle.yml @2ca144e24419d8a3e9cf5fcb14ee79c1c3c5d20c, job
/// `refresh`: `expected-status: 200,202,403` turns a denial into an answer the next step reads.
#[test]
fn a_denied_preview_refresh_with_expected_403_is_an_answer_with_its_status_and_body() {
    let stand_in = StandIn::spawn(StandInConfig {
        policy: Some(launchplane_testkit::Policy {
            schema_version: 1,
            github_actions: vec![launchplane_testkit::PolicyRule::for_repository("someone/else")],
        }),
        ..StandInConfig::default()
    });
    let scratch = Scratch::new("refresh-403");
    let run_url = format!("https://github.com/{}/actions/runs/{RUN_ID}", stand_in.repository());
    let with = vec![
        ("launchplane-url", stand_in.base_url().to_owned()),
        ("audience", stand_in.audience().to_owned()),
        ("route-path", "/v1/drivers/generic-web/preview-refresh".into()),
        (
            "payload",
            "{\n  \"schema_version\": 1,\n  \"refresh\": {\n    \"schema_version\": 1\n  }\n}".into(),
        ),
        (
            "payload-fields",
            format!(
                "product=sellyouroutboard\nrefresh.product=sellyouroutboard\nrefresh.anchor_pr_number=12\n\
                 refresh.anchor_pr_url=https://github.com/cbusillo/sellyouroutboard/pull/12\n\
                 refresh.anchor_head_sha=3f786850e387550fdab836ed7e6dc881de23001b\n\
                 refresh.image_reference=ghcr.io/cbusillo/sellyouroutboard:pr-12\nrefresh.source={run_url}\n\
                 refresh.timeout_seconds=300"
            ),
        ),
        (
            "idempotency-key",
            format!("generic-web-preview-lifecycle:sellyouroutboard:refresh:pr-12:{RUN_ID}:{RUN_ATTEMPT}"),
        ),
        ("timeout-ms", "1800000".into()),
        ("expected-status", "200,202,403".into()),
        (
            "fail-result-paths",
            "result.refresh_status,result.readiness.health_status".into(),
        ),
        (
            "output-paths",
            "trace_id=trace_id, preview_slug=result.preview_slug, preview_url=result.preview_url, \
             refresh_status=result.refresh_status, error_message=result.error_message"
                .into(),
        ),
    ];
    let Some(step) = run_workflow_step(&stand_in, &with, &scratch) else {
        return;
    };
    assert_eq!(step.code, 0, "403 is expected:\n{}", step.all_output());
    assert_eq!(step.output("status-code"), Some("403"));
    let body: Value = serde_json::from_str(step.output("response-body").unwrap()).unwrap();
    assert_eq!(body["status"], "rejected", "{body}");
    assert!(stand_in.accepted().is_empty());
    let sent = stand_in.requests();
    assert_eq!(sent.len(), 1, "a rejection is not retried");
    assert_eq!(sent[0].body["refresh"]["anchor_pr_number"], 12, "typed from the spec");
}

/// reusable-odoo-artifact-publish.yml @10c642ab8e174b4d820c845d3b89fa3290430660, step
/// `launchplane`: the manifest file laid at `publish.manifest`.
#[test]
fn odoo_artifact_publish_lays_the_manifest_file_into_the_body() {
    let stand_in = stand_in();
    let scratch = Scratch::new("artifact-publish");
    let operation = operation_at(&stand_in, "POST", "/v1/drivers/odoo/artifact-publish");
    let manifest = launchplane_testkit::examples::part(&operation, "publish.manifest");
    let manifest_file = scratch.write("opw-artifact.json", &serde_json::to_string_pretty(&manifest).unwrap());
    let key = format!("odoo-artifact-publish:opw:opw:testing:run-{RUN_ID}-attempt-{RUN_ATTEMPT}");
    let with =
        vec![
        ("launchplane-url", stand_in.base_url().to_owned()),
        ("audience", stand_in.audience().to_owned()),
        ("route-path", "/v1/drivers/odoo/artifact-publish".into()),
        ("payload", r#"{"schema_version":1,"publish":{"schema_version":1}}"#.into()),
        ("payload-fields", "product=opw\npublish.context=opw\npublish.instance=testing".into()),
        ("payload-json-files", format!("publish.manifest={manifest_file}")),
        ("idempotency-key", key.clone()),
        ("timeout-ms", "600000".into()),
        ("fail-result-paths", "result.status,result.publish_status".into()),
        (
            "output-paths",
            "publish_status=result.status, artifact_id=result.artifact_id, image_repository=result.image_repository, \
             image_digest=result.image_digest, source_commit=result.source_commit, error_message=result.error_message"
                .into(),
        ),
    ];
    let Some(step) = run_workflow_step(&stand_in, &with, &scratch) else {
        return;
    };
    assert_eq!(step.code, 0, "{}", step.all_output());
    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].operation_id, operation);
    assert_eq!(accepted[0].idempotency_key.as_deref(), Some(key.as_str()));
    assert_eq!(accepted[0].body["publish"]["manifest"], manifest);
    assert_eq!(accepted[0].body["publish"]["context"], "opw");
    let body: Value = serde_json::from_str(step.output("response-body").unwrap()).unwrap();
    assert_eq!(step.output("artifact_id"), body["result"]["artifact_id"].as_str());
}

/// reusable-preview-pr-feedback.yml @2b703d3dca2705af08855f5b91a7810dcc9fc8fe, step `lp`.
#[test]
fn preview_pr_feedback_as_launchplanes_workflow_sends_it() {
    let stand_in = stand_in();
    let scratch = Scratch::new("pr-feedback");
    let run_url = format!("https://github.com/{}/actions/runs/{RUN_ID}", stand_in.repository());
    let repository = stand_in.repository().to_owned();
    let key = format!("preview-pr-feedback:opw:opw:pr-42:ready:{RUN_ID}:{RUN_ATTEMPT}");
    let with = vec![
        ("launchplane-url", stand_in.base_url().to_owned()),
        ("audience", stand_in.audience().to_owned()),
        ("route-path", "/v1/previews/pr-feedback".into()),
        ("payload", "{\n  \"schema_version\": 1\n}".into()),
        (
            "payload-fields",
            format!(
                "product=opw\ncontext=opw\nsource={run_url}\nrepository={repository}\nanchor_repo={repository}\n\
                 anchor_pr_number=42\nanchor_pr_url=https://github.com/{repository}/pull/42\nstatus=ready\n\
                 preview_url=https://pr-42.opw.example.com\nimmutable_image_reference=ghcr.io/cbusillo/odoo-opw@sha256:{}\n\
                 refresh_image_reference=ghcr.io/cbusillo/odoo-opw:pr-42\nrevision=3f786850e387550fdab836ed7e6dc881de23001b\n\
                 run_url={run_url}\nfailure_summary=",
                "cd".repeat(32)
            ),
        ),
        ("idempotency-key", key.clone()),
        ("timeout-ms", "300000".into()),
        ("fail-result-paths", "result.delivery_status".into()),
        (
            "output-paths",
            "trace_id=trace_id, feedback_status=result.status, error_message=result.error_message".into(),
        ),
    ];
    let Some(step) = run_workflow_step(&stand_in, &with, &scratch) else {
        return;
    };
    assert_eq!(step.code, 0, "{}", step.all_output());
    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].idempotency_key.as_deref(), Some(key.as_str()));
    assert_eq!(accepted[0].body["anchor_pr_number"], 42, "typed from the spec");
    assert_eq!(accepted[0].body["failure_summary"], "");
    assert_eq!(accepted[0].body["status"], "ready");
    let body: Value = serde_json::from_str(step.output("response-body").unwrap()).unwrap();
    assert_eq!(step.output("feedback_status"), body["result"]["status"].as_str());
    assert_eq!(step.output("trace_id"), Some(accepted[0].trace_id.as_str()));
}

/// `payload-list-file` with `idempotency-key-prefix`, as Launchplane's action takes them: one
/// request per entry, each keyed `prefix:sha256hex(JSON.stringify(entry))`, every answer in
/// `response-output-file`.
#[test]
fn a_payload_list_is_sent_entry_by_entry_with_digest_keys() {
    use sha2::{Digest, Sha256};
    let stand_in = stand_in();
    let scratch = Scratch::new("list-e2e");
    let operation = operation_at(&stand_in, "POST", "/v1/previews/pr-feedback");
    let example = stand_in
        .contract()
        .request_example(stand_in.contract().operation(&operation).unwrap())
        .unwrap();
    let entries: Vec<Value> = [41, 42]
        .iter()
        .map(|pr| {
            let mut entry = example.clone();
            entry["anchor_pr_number"] = json!(pr);
            entry
        })
        .collect();
    let list = scratch.write("feedback.json", &serde_json::to_string(&entries).unwrap());
    let answers = scratch.path("answers.json");
    let url = stand_in.base_url().to_owned();
    let step = run_step(
        &stand_in,
        lpctl(),
        &[
            ("launchplane-url", &url),
            ("audience", stand_in.audience()),
            ("route-path", "/v1/previews/pr-feedback"),
            ("payload-list-file", &list),
            ("idempotency-key-prefix", "preview-pr-feedback:fanout"),
            ("response-output-file", &answers),
        ],
        &scratch,
    );
    assert_eq!(step.code, 0, "{}", step.all_output());
    let accepted = stand_in.accepted();
    assert_eq!(accepted.len(), 2);
    for (entry, seen) in entries.iter().zip(&accepted) {
        // The file holds each entry as serde_json writes it, in this same key order; compact,
        // that is the text JSON.stringify gives for the entry node parses from the file.
        let digest = hex::encode(Sha256::digest(serde_json::to_string(entry).unwrap()));
        assert_eq!(
            seen.idempotency_key.as_deref(),
            Some(format!("preview-pr-feedback:fanout:{digest}").as_str())
        );
        assert_eq!(seen.body["anchor_pr_number"], entry["anchor_pr_number"]);
    }
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&answers).unwrap()).unwrap();
    assert_eq!(written.as_array().map(Vec::len), Some(2), "{written}");
    assert_eq!(written[1]["trace_id"], accepted[1].trace_id.as_str());
}
