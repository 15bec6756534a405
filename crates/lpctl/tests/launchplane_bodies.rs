//! The bodies Launchplane's own tests and reusable workflows send (the spec's request examples
//! named after them, `client_test_*` and `reusable_*`) pass `lpctl call --dry-run` unchanged.

mod support;

use launchplane_client::Contract;
use support::{lpctl, scratch};

#[test]
fn launchplanes_own_builder_bodies_pass_dry_run() {
    let dir = scratch("launchplane-bodies");
    let mut checked = Vec::new();
    for op in Contract::embedded().operations() {
        for (name, body) in Contract::embedded().request_examples(op) {
            if !(name.starts_with("client_test_") || name.starts_with("reusable_")) {
                continue;
            }
            let file = dir.join(format!("{}-{name}.json", op.id));
            std::fs::write(&file, body.to_string()).unwrap();
            let run = lpctl(
                &[
                    "call",
                    &op.id,
                    "--body",
                    &file.to_string_lossy(),
                    "--dry-run",
                    "--output",
                    "json",
                ],
                &[],
            );
            assert_eq!(run.code, 0, "{} {name}: {}", op.id, run.all());
            let shown: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(shown["body"], body, "{} {name}: sent as given", op.id);
            checked.push(format!("{}/{name}", op.id));
        }
    }
    for needed in [
        "odoo_artifact_publish_inputs/client_test_preview",
        "odoo_preview_apply_inputs/client_test_refresh",
        "odoo_preview_apply/client_test_refresh",
        "odoo_preview_apply/client_test_destroy",
        "odoo_prod_promotion_run/reusable_odoo_prod_promotion",
    ] {
        assert!(checked.iter().any(|c| c == needed), "{needed} in {checked:?}");
    }
}
