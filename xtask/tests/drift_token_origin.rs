//! `spec drift` from a URL: the Launchplane bearer token goes only to the configured
//! Launchplane origin, unless `--send-token-to-other-origin` says otherwise.

use std::process::Command;

use launchplane_client::config::Environment;
use launchplane_client::{Config, Settings, TokenScope};
use launchplane_testkit::{StandIn, StandInConfig};
use xtask::spec::source::fetch_json_url;

struct StandInEnv(Vec<(&'static str, String)>);

impl Environment for StandInEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    }
}

fn config(stand_in: &StandIn) -> Config {
    Config::resolve(Settings::default(), &StandInEnv(stand_in.client_env())).unwrap()
}

/// The stand-in's own address under another host name: the same server, another origin.
fn other_origin(stand_in: &StandIn, path: &str) -> String {
    format!("{}{path}", stand_in.base_url().replace("127.0.0.1", "localhost"))
}

#[test]
fn the_launchplane_origin_gets_the_token() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let url = format!("{}/v1/drivers", stand_in.base_url());
    let payload = fetch_json_url(&config(&stand_in), &url, TokenScope::LaunchplaneOnly).expect("drivers");
    assert!(payload.is_object(), "{payload}");
    assert_eq!(
        stand_in.requests()[0].header("authorization"),
        Some("Bearer [redacted]")
    );
    assert_eq!(stand_in.token_requests(), 1);
}

#[test]
fn another_origin_gets_no_token_unless_asked() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let url = other_origin(&stand_in, "/v1/drivers");
    let error = fetch_json_url(&config(&stand_in), &url, TokenScope::LaunchplaneOnly).unwrap_err();
    assert!(error.contains("401"), "{error}");
    assert_eq!(stand_in.requests()[0].header("authorization"), None);
    assert_eq!(stand_in.token_requests(), 0, "no token was even fetched");

    fetch_json_url(&config(&stand_in), &url, TokenScope::AnyOrigin).expect("drivers with the token");
    assert_eq!(
        stand_in.requests()[1].header("authorization"),
        Some("Bearer [redacted]")
    );
}

#[test]
fn the_drift_command_sends_the_token_elsewhere_only_with_its_flag() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let url = other_origin(&stand_in, "/v1/drivers");
    let drift = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["spec", "drift", "--descriptors", &url])
            .args(extra)
            .env_clear()
            .envs(stand_in.client_env())
            .output()
            .expect("run xtask")
    };
    let refused = drift(&[]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("401"));
    assert_eq!(stand_in.requests()[0].header("authorization"), None);

    let sent = drift(&["--send-token-to-other-origin"]);
    assert_ne!(sent.status.code(), Some(2), "{}", String::from_utf8_lossy(&sent.stderr));
    assert_eq!(
        stand_in.requests()[1].header("authorization"),
        Some("Bearer [redacted]")
    );
}
