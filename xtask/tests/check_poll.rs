//! `spec check` on `x-launchplane-poll`: the declaration's shape, its fields in the answers
//! they are read from, and pending values the field's enum allows.

use serde_json::{Value, json};
use xtask::spec::check::{CheckReport, check_text};
use xtask::spec::{canonical, doc, exit, fmt};

const VALID: &str = include_str!("check/valid.yaml");

fn check(spec: &Value) -> CheckReport {
    let text = canonical::to_canonical(spec).expect("canonical");
    let api_md = fmt::generate(&text).expect("generate").api_md;
    check_text(&text, Some(&api_md))
}

/// The fixture with `run_status` able to answer `pending`, the read answering a `state`, and
/// the run answer naming a poll URL.
fn spec_with(poll: Value) -> Value {
    let mut spec = doc::parse_yaml(VALID).expect("fixture parses");
    spec["components"]["schemas"]["RunResult"]["properties"]["run_status"]["enum"] = json!(["pending", "pass", "fail"]);
    spec["components"]["schemas"]["RunResult"]["properties"]["poll_url"] = json!({"type": "string"});
    spec["components"]["schemas"]["RunResult"]["properties"]["attempt"] = json!({"type": "integer"});
    spec["components"]["schemas"]["Thing"]["properties"]["state"] = json!({"type": "string"});
    spec["paths"]["/v1/things/run"]["post"]["x-launchplane-poll"] = poll;
    spec
}

fn violations(spec: &Value) -> Vec<String> {
    check(spec)
        .violations
        .iter()
        .map(|v| format!("{} — {}", v.what, v.remedy))
        .collect()
}

#[test]
fn declarations_that_name_existing_fields_and_allowed_values_are_clean() {
    for poll in [
        json!({"repeat": {"field": "result.run_status", "pending": ["pending"]},
               "interval_seconds": 30, "timeout_seconds": 2400}),
        json!({"follow": {"url_field": "result.poll_url", "operation": "things_read",
                          "field": "state", "pending": ["pending", "running"]},
               "interval_seconds": 30, "timeout_seconds": 600}),
    ] {
        let report = check(&spec_with(poll.clone()));
        assert!(report.violations.is_empty(), "{poll}: {:#?}", report.violations);
        assert_eq!(report.exit_code(), exit::CLEAN);
    }
}

#[test]
fn each_broken_declaration_is_a_located_violation_with_a_remedy() {
    let repeat = |field: &str, pending: Value| json!({"repeat": {"field": field, "pending": pending}, "interval_seconds": 30, "timeout_seconds": 600});
    let follow = |url_field: &str, operation: &str, field: &str| {
        json!({"follow": {"url_field": url_field, "operation": operation, "field": field, "pending": ["pending"]},
               "interval_seconds": 30, "timeout_seconds": 600})
    };
    for (poll, says) in [
        (repeat("result.run_state", json!(["pending"])), "no field `run_state`"),
        (
            repeat("result.run_status", json!(["queued"])),
            "`result.run_status` never holds `queued`",
        ),
        (
            repeat("result.attempt", json!(["pending"])),
            "field `result.attempt` is integer, not text",
        ),
        (repeat("result.run_status", json!([])), "`pending` is empty"),
        (
            json!({"repeat": {"field": "result.run_status", "pending": ["pending"]}, "interval_seconds": 30}),
            "missing field `timeout_seconds`",
        ),
        (
            json!({"repeat": {"field": "result.run_status", "pending": ["pending"]},
                   "interval_seconds": 30, "timeout_seconds": 600, "limit": 3}),
            "unknown field `limit`",
        ),
        (
            follow("result.poll_link", "things_read", "state"),
            "url_field `result.poll_link`",
        ),
        (
            follow("result.attempt", "things_read", "state"),
            "`url_field` `result.attempt` is not a string",
        ),
        (
            follow("result.poll_url", "things_run", "state"),
            "`things_run` is no GET operation",
        ),
        (follow("result.poll_url", "things_read", "status"), "no field `status`"),
    ] {
        let spec = spec_with(poll.clone());
        let found = violations(&spec);
        assert!(
            found.iter().any(|v| v.contains(says)),
            "{poll}: wanted {says:?} in {found:#?}"
        );
        assert_eq!(check(&spec).exit_code(), exit::FAILED);
        let text = canonical::to_canonical(&spec).unwrap();
        let poll_line = text.lines().position(|l| l.contains("x-launchplane-poll")).unwrap() + 1;
        let report = check(&spec);
        let located = report.violations.iter().find(|v| v.what.contains(says)).unwrap();
        assert_eq!(located.line, poll_line, "{located}");
    }
}
