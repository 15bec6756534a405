//! The exact request `lpctl` sends for every tenant command, pinned as an insta snapshot
//! and checked against the spec in the same test, so a snapshot cannot drift from the spec.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use contract_tests::run_lpctl;
use launchplane_client::{Contract, RouteMatch};
use launchplane_testkit::{StandIn, StandInConfig, examples};
use serde_json::json;

const IMAGE: &str =
    "ghcr.io/cbusillo/sellyouroutboard@sha256:4f6c1b0d8e2a7c9b3d5e1f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c";
const SHA: &str = "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c";

/// Snapshot name and lpctl arguments; `{files}` stands for the directory of example files.
fn cases() -> Vec<(&'static str, Vec<String>)> {
    let raw: Vec<(&str, &str)> = vec![
        ("health", "health"),
        ("drivers_list", "drivers list"),
        ("drivers_show", "drivers show odoo"),
        (
            "odoo_artifact_publish_inputs",
            "odoo artifact-publish-inputs --product opw --context opw --instance testing",
        ),
        (
            "odoo_artifact_publish",
            "odoo artifact-publish --product opw --context opw --instance testing --manifest {files}/manifest.json",
        ),
        (
            "odoo_post_deploy",
            "odoo post-deploy --product opw --context opw --instance testing",
        ),
        (
            "odoo_post_deploy_prod_phase",
            "odoo post-deploy --product cm --context cm --instance prod --phase promotion --confirm",
        ),
        (
            "odoo_preview_apply_inputs",
            "odoo preview-apply-inputs --product opw --pr-number 42 --source-git-ref {sha} --manifest {files}/manifest.json --plan-out {files}/plan.json",
        ),
        (
            "odoo_preview_apply_inputs_destroy",
            "odoo preview-apply-inputs --product opw --pr-number 42 --operation destroy",
        ),
        (
            "odoo_preview_apply",
            "odoo preview-apply --product opw --plan {files}/plan.json --confirm",
        ),
        (
            "odoo_prod_promotion_run",
            "odoo prod-promotion-run --product opw --context opw --request-id run-1 --expected-artifact-id artifact-opw-3f2a9c1 --confirm",
        ),
        (
            "odoo_prod_promotion_run_no_wait",
            "odoo prod-promotion-run --product cm --context cm --request-id run-2 --wait=false --verify-health=false --confirm",
        ),
        (
            "odoo_target_replacement_apply",
            "odoo target-replacement-apply --product opw --instance testing --artifact-id artifact-opw-3f2a9c1 --source-git-ref {sha}",
        ),
        (
            "odoo_target_replacement_operation",
            "odoo target-replacement-operation odoo-target-replacement-op-20260503",
        ),
        (
            "release_review_get",
            "products release-review --product sellyouroutboard",
        ),
        ("product_profile_get", "products profile sellyouroutboard"),
        (
            "artifacts_protected",
            "products protected-artifacts --product opw --context opw",
        ),
        (
            "production_backup_gate_enqueue",
            "backups gate --product sellyouroutboard --context sellyouroutboard --instance prod --backup-record-id backup-sellyouroutboard-prod-20260503 --promotion-action generic_web_prod_promotion --confirm",
        ),
        (
            "production_backup_gate_operation",
            "backups gate-operation production-backup-gate-op-1 --product sellyouroutboard --context sellyouroutboard --instance prod",
        ),
        (
            "authz_diagnostic_evaluate",
            "authz evaluate --product sellyouroutboard --context sellyouroutboard --action generic_web_preview_refresh.execute --scope preview",
        ),
        (
            "odoo_prod_rollback",
            "odoo prod-rollback --product opw --context opw --reason login-broken --confirm",
        ),
        (
            "odoo_prod_rollback_no_wait",
            "odoo prod-rollback --product cm --context cm --promotion-record-id promotion-cm-20260503 --wait=false --verify-health=false --confirm",
        ),
        (
            "generic_web_deploy_testing",
            "generic-web deploy --product sellyouroutboard --instance testing --artifact-id {image} --source-git-ref {sha}",
        ),
        (
            "generic_web_deploy_prod",
            "generic-web deploy --product sellyouroutboard --instance prod --artifact-id {image} --source-git-ref {sha} --timeout-seconds 600 --confirm",
        ),
        (
            "generic_web_prod_promotion",
            "generic-web prod-promotion --product sellyouroutboard --artifact-id {image} --source-git-ref {sha} --backup-record-id backup-sellyouroutboard-prod-1 --confirm",
        ),
        (
            "generic_web_prod_promotion_dry_run",
            "generic-web prod-promotion --product sellyouroutboard --artifact-id {image} --source-git-ref {sha} --backup-record-id backup-sellyouroutboard-prod-1 --promotion-dry-run --confirm",
        ),
        (
            "generic_web_preview_desired_state",
            "generic-web preview-desired-state --product sellyouroutboard --max-pages 3",
        ),
        (
            "generic_web_preview_refresh",
            "generic-web preview-refresh --product sellyouroutboard --preview-slug pr-42 --preview-url https://pr-42.preview.example.com --image-reference {image}",
        ),
        (
            "generic_web_preview_inventory",
            "generic-web preview-inventory --product sellyouroutboard",
        ),
        (
            "generic_web_preview_readiness",
            "generic-web preview-readiness --product sellyouroutboard",
        ),
        (
            "generic_web_preview_destroy",
            "generic-web preview-destroy --product sellyouroutboard --preview-slug pr-42 --destroy-reason pull_request_closed --confirm",
        ),
        (
            "evidence_deployment",
            "evidence deployment --product opw --file {files}/deployment.json",
        ),
        (
            "evidence_backup_gate",
            "evidence backup-gate --product opw --file {files}/backup-gate.json",
        ),
        (
            "evidence_promotion",
            "evidence promotion --product opw --file {files}/promotion.json",
        ),
        (
            "evidence_preview_generation",
            "evidence preview-generation --product opw --file {files}/generation.json",
        ),
        (
            "evidence_preview_destroyed",
            "evidence preview-destroyed --product opw --file {files}/destroyed.json",
        ),
        (
            "previews_lifecycle_plan",
            "previews lifecycle-plan --product opw --context opw --desired-state-id preview-desired-state-opw-20260503",
        ),
        (
            "previews_lifecycle_cleanup_report",
            "previews lifecycle-cleanup --product opw --context opw --plan-id preview-lifecycle-plan-opw-20260503 --confirm",
        ),
        (
            "previews_lifecycle_cleanup_apply",
            "previews lifecycle-cleanup --product opw --context opw --plan-id preview-lifecycle-plan-opw-20260503 --apply --destroy-reason external_preview_cleanup_completed --confirm",
        ),
        (
            "previews_desired_state",
            "previews desired-state --product opw --context opw --repository cbusillo/odoo-opw --anchor-repo odoo-opw",
        ),
        (
            "previews_pr_feedback",
            "previews pr-feedback --product opw --context opw --repository cbusillo/odoo-opw --anchor-repo odoo-opw --pr-number 42 --pr-url https://github.com/cbusillo/odoo-opw/pull/42 --status ready --preview-url https://pr-42.opw.preview.example.com --run-url https://github.com/cbusillo/odoo-opw/actions/runs/1",
        ),
        (
            "call_odoo_post_deploy",
            "call odoo_post_deploy --body {files}/post-deploy-body.json",
        ),
    ];
    raw.into_iter()
        .map(|(name, line)| {
            let line = line.replace("{image}", IMAGE).replace("{sha}", SHA);
            (name, line.split(' ').map(str::to_owned).collect())
        })
        .collect()
}

fn example_files(dir: &Path) {
    examples::write_part(dir, "odoo_artifact_publish", "publish.manifest", "manifest.json");
    examples::write_part(dir, "evidence_deployments", "deployment", "deployment.json");
    examples::write_part(dir, "evidence_backup_gates", "backup_gate", "backup-gate.json");
    examples::write_part(dir, "evidence_promotions", "promotion", "promotion.json");
    examples::write_part(dir, "evidence_preview_generations", "", "generation.json");
    examples::write_part(dir, "evidence_previews_destroyed", "destroy", "destroyed.json");
    let body = json!({"product": "opw", "post_deploy": {"context": "opw", "instance": "testing", "phase": "manual"}});
    std::fs::write(dir.join("post-deploy-body.json"), body.to_string()).unwrap();
}

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

#[test]
fn every_tenant_request_is_pinned_and_valid_against_the_spec() {
    let stand_in = StandIn::spawn(StandInConfig::default());
    let contract = Contract::embedded();
    let files = std::env::temp_dir().join(format!("lpctl-requests-{}", std::process::id()));
    std::fs::create_dir_all(&files).unwrap();
    example_files(&files);
    let mut covered = BTreeSet::new();
    for (name, args) in cases() {
        let args: Vec<String> = args
            .into_iter()
            .map(|a| a.replace("{files}", &files.to_string_lossy()))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let seen = stand_in.requests().len();
        let run = run_lpctl(&stand_in, &args, &[]);
        assert_eq!(run.code, 0, "{name}: lpctl exited {}\n{}", run.code, run.all_output());
        let requests = stand_in.requests();
        assert_eq!(requests.len(), seen + 1, "{name}: expected exactly one request");
        let request = &requests[seen];
        let op = match contract.route(&request.method, &request.path) {
            RouteMatch::Found(op) => op,
            other => panic!(
                "{name}: {} {} is not a spec route: {other:?}",
                request.method, request.path
            ),
        };
        covered.insert(op.id.clone());
        if let (Some(_), Err(violations)) = (&op.request_schema, contract.validate_body(op, &request.body)) {
            panic!("{name}: the body lpctl sent breaks the spec: {violations:?}");
        }
        let sent: Vec<&str> = request
            .query
            .as_deref()
            .map(|q| q.split('&').filter_map(|pair| pair.split('=').next()).collect())
            .unwrap_or_default();
        for param in &sent {
            assert!(
                op.query_parameters.iter().any(|p| p.name == *param),
                "{name}: query parameter `{param}` is not declared by {}",
                op.id
            );
        }
        for declared in op.query_parameters.iter().filter(|p| p.required) {
            assert!(
                sent.contains(&declared.name.as_str()),
                "{name}: required query parameter `{}` was not sent",
                declared.name
            );
        }
        let header = |h: &str| request.header(h).map(str::to_owned);
        let pinned = json!({
            "operation": op.id,
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": {
                "accept": header("accept"),
                "authorization": header("authorization"),
                "content-type": header("content-type"),
                "idempotency-key": header("idempotency-key"),
            },
            "body": request.body,
        });
        insta::with_settings!({snapshot_path => snapshot_dir(), prepend_module_to_snapshot => false, omit_expression => true, sort_maps => true}, {
            insta::assert_json_snapshot!(name, pinned);
        });
    }
    let _ = std::fs::remove_dir_all(&files);
    let all: BTreeSet<String> = contract.operations().iter().map(|op| op.id.clone()).collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "operations without a snapshot: {missing:?}");
}

#[test]
fn every_snapshot_file_belongs_to_a_case() {
    let expected: BTreeSet<String> = cases().into_iter().map(|(name, _)| format!("{name}.snap")).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(snapshot_dir())
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let unreferenced: Vec<_> = on_disk
        .iter()
        .filter(|f| f.ends_with(".snap") && !expected.contains(*f))
        .collect();
    assert!(
        unreferenced.is_empty(),
        "snapshot files no case produces (delete them): {unreferenced:?}"
    );
    let stray: Vec<_> = on_disk
        .iter()
        .filter(|f| f.ends_with(".snap.new") || f.ends_with(".pending-snap"))
        .collect();
    assert!(stray.is_empty(), "unreviewed snapshots: {stray:?}");
}
