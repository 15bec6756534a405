//! Rules Launchplane enforces on fields behind `nullable` + `allOf` are checked before
//! anything is sent: lpctl refuses with exit 2 naming the field, live and in a dry run.

use contract_tests::{run_lpctl, run_lpctl_bare};
use launchplane_client::Contract;
use launchplane_testkit::{StandIn, StandInConfig};
use serde_json::{Value, json};

/// The spec's deployment evidence example with `resolved_target.target_id` set to `target_id`.
fn deployment_file(target_id: &str, name: &str) -> std::path::PathBuf {
    let contract = Contract::embedded();
    let op = contract.operation("evidence_deployments").expect("spec operation");
    let example = contract.request_example(op).expect("spec example");
    let mut record: Value = example["deployment"].clone();
    record["resolved_target"]["target_id"] = json!(target_id);
    let file = std::env::temp_dir().join(format!("lpctl-nested-{}-{name}.json", std::process::id()));
    std::fs::write(&file, record.to_string()).unwrap();
    file
}

#[test]
fn a_blank_resolved_target_id_is_refused_before_sending() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    for (name, blank) in [
        ("spaces", "   "),
        ("unit-separator", "\u{1f}"),
        ("ideographic", "\u{3000}"),
    ] {
        let file = deployment_file(blank, name);
        let file_text = file.to_string_lossy().into_owned();
        let args = ["evidence", "deployment", "--product", "opw", "--file", &file_text];
        let live = run_lpctl(&stand_in, &args, &[]);
        assert_eq!(live.code, 2, "{name}: {}", live.all_output());
        assert!(
            live.stderr.contains("deployment.resolved_target.target_id"),
            "{name}: {}",
            live.stderr
        );

        let mut dry = args.to_vec();
        dry.push("--dry-run");
        let dry = run_lpctl_bare(&dry, &[("LAUNCHPLANE_URL", stand_in.base_url())]);
        assert_eq!(dry.code, 2, "{name}: {}", dry.all_output());
        assert!(
            dry.stderr.contains("deployment.resolved_target.target_id"),
            "{}",
            dry.stderr
        );
        let _ = std::fs::remove_file(&file);
    }
    assert!(stand_in.requests().is_empty(), "nothing reached the stand-in");
    assert_eq!(stand_in.token_requests(), 0, "no token was fetched");

    // The same record with a real target id is accepted.
    let file = deployment_file("compose-opw-testing", "ok");
    let file_text = file.to_string_lossy().into_owned();
    let ok = run_lpctl(
        &stand_in,
        &["evidence", "deployment", "--product", "opw", "--file", &file_text],
        &[],
    );
    let _ = std::fs::remove_file(&file);
    assert_eq!(ok.code, 0, "{}", ok.all_output());
}
