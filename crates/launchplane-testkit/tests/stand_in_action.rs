//! The stand-in action's start script, run against the real `serve` binary with the files a
//! GitHub runner gives a step, and the tenant example workflow's stand-in inputs.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn script() -> PathBuf {
    repo_root().join(".github/actions/launchplane-stand-in/start.sh")
}

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("stand-in-action-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The stand-in the script started; killed on drop.
struct Started {
    env: BTreeMap<String, String>,
    outputs: BTreeMap<String, String>,
    stdout: String,
}

impl Drop for Started {
    fn drop(&mut self) {
        if let Some(pid) = self.outputs.get("pid") {
            let _ = Command::new("kill").arg(pid).status();
        }
    }
}

fn run_script(dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new("bash");
    command
        .arg(script())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("STAND_IN_BIN", env!("CARGO_BIN_EXE_launchplane-testkit"))
        .env("STAND_IN_DIR", dir)
        .env("GITHUB_ENV", dir.join("github_env"))
        .env("GITHUB_OUTPUT", dir.join("github_output"));
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run start.sh")
}

fn key_values(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn start(dir: &Path, env: &[(&str, &str)]) -> Started {
    let output = run_script(dir, env);
    let started = Started {
        env: key_values(&dir.join("github_env")),
        outputs: key_values(&dir.join("github_output")),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    };
    assert!(
        output.status.success(),
        "start.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    started
}

/// One HTTP/1.1 request without a runtime; status and body.
fn call(method: &str, url: &str, bearer: Option<&str>, body: Option<&Value>) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap();
    let mut stream = TcpStream::connect(host).expect("connect");
    let auth = bearer
        .map(|b| format!("Authorization: Bearer {b}\r\n"))
        .unwrap_or_default();
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, body.to_owned())
}

/// A token from the stand-in's token endpoint, fetched the way lpctl does with the exported
/// variables.
fn token(env: &BTreeMap<String, String>) -> String {
    let url = format!(
        "{}&audience={}",
        env["ACTIONS_ID_TOKEN_REQUEST_URL"], env["LAUNCHPLANE_AUDIENCE"]
    );
    let (status, body) = call("GET", &url, Some(&env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]), None);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_script_exports_what_lpctl_needs_and_the_stand_in_serves_the_job() {
    let dir = TempDir::new("exports");
    let config = json!({"products": {"site": {"driver": "generic-web", "context": "site"}}}).to_string();
    let started = start(
        &dir.0,
        &[
            ("STAND_IN_CONFIG", &config),
            (
                "STAND_IN_FAULTS",
                "operation=generic_web_deploy,status=503,body=html\n\n",
            ),
            ("GITHUB_REPOSITORY", "acme/site"),
            (
                "GITHUB_WORKFLOW_REF",
                "acme/site/.github/workflows/ci.yml@refs/heads/main",
            ),
        ],
    );
    let env = &started.env;
    for name in [
        "LAUNCHPLANE_URL",
        "LAUNCHPLANE_AUDIENCE",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    ] {
        assert!(
            env.get(name).is_some_and(|v| !v.is_empty()),
            "{name} in GITHUB_ENV: {env:?}"
        );
    }
    assert!(
        started
            .stdout
            .contains(&format!("::add-mask::{}", env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])),
        "the request token is masked"
    );
    assert_eq!(started.outputs["launchplane-url"], env["LAUNCHPLANE_URL"]);

    let token = token(env);
    let deploy = format!("{}/v1/drivers/generic-web/deploy", env["LAUNCHPLANE_URL"]);
    let body = json!({"product": "site", "deploy": {"product": "site", "instance": "testing",
        "artifact_id": "ghcr.io/acme/site:1.0.0", "source_git_ref": "0123abc"}});
    let (status, page) = call("POST", &deploy, Some(&token), Some(&body));
    assert_eq!(status, 503, "the --fault from STAND_IN_FAULTS: {page}");
    assert!(page.contains("<center>nginx</center>"));
    let (status, answer) = call("POST", &deploy, Some(&token), Some(&body));
    assert_eq!(status, 202, "the job's repository is granted by default: {answer}");
    let answer: Value = serde_json::from_str(&answer).unwrap();
    assert!(
        answer["records"]["deployment_record_id"]
            .as_str()
            .unwrap()
            .ends_with("-site-testing")
    );

    let log = std::fs::read_to_string(&started.outputs["log"]).unwrap();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/v1/drivers/generic-web/deploy"))
        .collect();
    assert_eq!(lines.len(), 2, "one line per request: {log}");
    assert!(lines[0].contains("POST /v1/drivers/generic-web/deploy 503") && lines[0].contains("fault=injected"));
    assert!(lines[1].contains(&format!("202 trace_id={}", answer["trace_id"].as_str().unwrap())));
    assert!(lines[1].contains("replayed=false"));
    assert!(!log.contains(&token), "the bearer never reaches the log");
    assert!(!log.contains(&env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]));
}

#[test]
fn the_script_fails_with_the_stand_ins_own_error() {
    let dir = TempDir::new("fails");
    let output = run_script(&dir.0, &[("STAND_IN_FAULTS", "operation=no_such_operation,status=500")]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the spec has no operation `no_such_operation`"),
        "{stderr}"
    );
    assert!(stderr.contains("exited before it was ready"), "{stderr}");
    assert!(key_values(&dir.0.join("github_env")).is_empty(), "nothing exported");

    let output = run_script(&dir.0, &[("STAND_IN_CONFIG", r#"{"produtcs": {}}"#)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("unknown field `produtcs`"), "{stderr}");
}

/// The `with:` inputs of the example's stand-in step, and the `env:` of the job.
fn example_inputs() -> (BTreeMap<String, String>, Vec<String>) {
    let path = repo_root().join("examples/workflows/tenant-self-test.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let workflow: Value = serde_norway::from_str(&text).expect("the example is YAML");
    let steps: Vec<&Value> = workflow["jobs"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|job| job["steps"].as_array().unwrap())
        .collect();
    let stand_in = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains(".github/actions/launchplane-stand-in"))
        })
        .expect("the example starts the stand-in with the action");
    let with = stand_in["with"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let lpctl_runs = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .filter(|run| run.contains("lpctl "))
        .map(str::to_owned)
        .collect();
    (with, lpctl_runs)
}

#[test]
fn the_tenant_example_starts_a_stand_in_that_grants_its_calls() {
    let (with, lpctl_runs) = example_inputs();
    assert!(!lpctl_runs.is_empty(), "the example calls lpctl against the stand-in");
    let config: Value = serde_json::from_str(&with["config"]).expect("the example's config is JSON");
    let dir = TempDir::new("example");
    let started = start(
        &dir.0,
        &[
            ("STAND_IN_CONFIG", &with["config"]),
            (
                "STAND_IN_FAULTS",
                with.get("faults").map(String::as_str).unwrap_or_default(),
            ),
            ("GITHUB_REPOSITORY", "acme/shopfront"),
            (
                "GITHUB_WORKFLOW_REF",
                "acme/shopfront/.github/workflows/tenant-self-test.yml@refs/heads/main",
            ),
        ],
    );
    let token = token(&started.env);
    // Every product the example's lpctl steps name is one the stand-in serves the job.
    for (product, profile) in config["products"].as_object().unwrap() {
        assert!(
            lpctl_runs
                .iter()
                .any(|run| run.contains(&format!("--product {product}"))),
            "{product} is used by the example"
        );
        let driver = profile["driver"].as_str().unwrap();
        let (status, body) = call(
            "GET",
            &format!("{}/v1/drivers/{driver}", started.env["LAUNCHPLANE_URL"]),
            Some(&token),
            None,
        );
        assert_eq!(status, 200, "{body}");
    }
    for run in &lpctl_runs {
        for product in run
            .split("--product ")
            .skip(1)
            .filter_map(|rest| rest.split_whitespace().next())
        {
            assert!(
                config["products"].get(product).is_some(),
                "the config has a profile for {product}"
            );
        }
    }
}
