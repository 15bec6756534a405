//! The blocking handle and the `launchplane-testkit serve` binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use launchplane_testkit::{StandIn, StandInConfig};
use serde_json::Value;

/// A plain HTTP/1.1 GET without any async runtime; returns status line and body.
fn get(url: &str, bearer: Option<&str>) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut stream = TcpStream::connect(host).expect("connect");
    let auth = bearer
        .map(|b| format!("Authorization: Bearer {b}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read the answer");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.lines().next().unwrap_or_default().to_owned(), body.to_owned())
}

#[test]
fn a_spawned_stand_in_serves_while_the_test_blocks() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let (status, body) = get(&format!("{}/v1/health", stand_in.base_url()), None);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["status"], "ok");

    let url = format!("{}&audience={}", stand_in.token_request_url(), stand_in.audience());
    let (status, body) = get(&url, Some(stand_in.token_request_token()));
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(serde_json::from_str::<Value>(&body).unwrap()["value"].is_string());
    assert_eq!(stand_in.token_requests(), 1);
    assert_eq!(stand_in.requests().len(), 1);

    let base_url = stand_in.base_url().to_owned();
    drop(stand_in);
    let host = base_url.strip_prefix("http://").unwrap();
    assert!(
        TcpStream::connect(host).is_err(),
        "dropping the handle stops the servers"
    );
}

#[test]
fn the_binary_prints_where_it_serves_and_serves_until_killed() {
    let config = std::env::temp_dir().join(format!("launchplane-testkit-{}.json", std::process::id()));
    std::fs::write(&config, r#"{"audience": "launchplane.ci.test"}"#).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_launchplane-testkit"))
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("read the ready line");
    let ready: Value = serde_json::from_str(&line).expect("one JSON line");

    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert_eq!(ready["audience"], "launchplane.ci.test");
        let launchplane_url = ready["launchplane_url"].as_str().unwrap();
        assert!(launchplane_url.starts_with("http://127.0.0.1:"));
        let (status, _) = get(&format!("{launchplane_url}/v1/health"), None);
        assert_eq!(status, "HTTP/1.1 200 OK");

        let token_url = format!(
            "{}&audience=launchplane.ci.test",
            ready["token_request_url"].as_str().unwrap()
        );
        let (status, body) = get(&token_url, ready["token_request_token"].as_str());
        assert_eq!(status, "HTTP/1.1 200 OK");
        let token: Value = serde_json::from_str(&body).unwrap();
        let (status, _) = get(&format!("{launchplane_url}/v1/drivers"), token["value"].as_str());
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(child.try_wait().unwrap().is_none(), "still serving");
    }));
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_file(&config);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// The ready line of `serve` with `args` and `env`, then the process is killed.
fn ready_line(args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_launchplane-testkit"));
    command
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for var in ["GITHUB_REPOSITORY", "GITHUB_WORKFLOW_REF"] {
        command.env_remove(var);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start the binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("read the ready line");
    child.kill().unwrap();
    child.wait().unwrap();
    serde_json::from_str(&line).expect("one JSON line")
}

#[test]
fn the_caller_is_the_jobs_repository_unless_the_config_or_a_flag_names_another() {
    let config = std::env::temp_dir().join(format!("launchplane-testkit-identity-{}.json", std::process::id()));
    std::fs::write(&config, r#"{"identity": {"repository": "acme/from-config"}}"#).unwrap();
    let config = config.to_str().unwrap();
    let job = [("GITHUB_REPOSITORY", "acme/from-job")];
    assert_eq!(ready_line(&[], &job)["repository"], "acme/from-job");
    assert_eq!(
        ready_line(&["--config", config], &job)["repository"],
        "acme/from-config"
    );
    assert_eq!(
        ready_line(&["--config", config, "--repository", "acme/from-flag"], &job)["repository"],
        "acme/from-flag"
    );
    assert_eq!(
        ready_line(&[], &[])["repository"],
        "cbusillo/odoo-opw",
        "the default identity"
    );
    let _ = std::fs::remove_file(config);
}
