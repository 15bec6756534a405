//! The checked-in spec passes `spec check`, so `cargo test` catches violations and stale
//! canonical/derived files.

use std::fs;

use xtask::spec::{API_MD_PATH, FMT_COMMAND, SPEC_PATH, check, workspace_root};

#[test]
fn spec_passes_check() {
    let root = workspace_root();
    let spec = fs::read_to_string(root.join(SPEC_PATH)).expect("read the spec");
    let api_md = fs::read_to_string(root.join(API_MD_PATH)).ok();
    let report = check::check_text(&spec, api_md.as_deref());
    let violations: Vec<String> = report.violations.iter().map(ToString::to_string).collect();
    assert!(
        violations.is_empty(),
        "spec check found violations:\n{}",
        violations.join("\n")
    );
    assert!(
        report.stale.is_empty(),
        "{:?} need regenerating: run `{FMT_COMMAND}`",
        report.stale
    );
}
