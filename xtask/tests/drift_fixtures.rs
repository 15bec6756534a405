//! `spec drift` on the fixtures: the SNAP descriptor catalog, the newest catalog, and a
//! FastAPI-style OpenAPI sample carrying the field changes of later Launchplane revisions.

use std::collections::BTreeSet;
use std::fs;

use serde_json::Value;
use xtask::spec::diff::change::Class;
use xtask::spec::drift::{DriftReport, RouteStatus, descriptors, openapi};
use xtask::spec::{doc, workspace_root};

/// The 371132b spec: the catalogs and the FastAPI sample here describe changes since it.
fn spec() -> Value {
    let text = fs::read_to_string(workspace_root().join(FIXTURE_SPEC)).unwrap();
    doc::parse_yaml(&text).unwrap()
}

const FIXTURE_SPEC: &str = "openapi/fixtures/launchplane-v1-371132b.yaml";

fn fixture(name: &str) -> Value {
    let path = workspace_root().join("xtask/fixtures").join(name);
    doc::parse_any(&fs::read_to_string(path).unwrap()).unwrap()
}

fn routes_with(routes: &[xtask::spec::drift::Route], pred: impl Fn(&RouteStatus) -> bool) -> BTreeSet<String> {
    routes
        .iter()
        .filter(|r| pred(&r.status))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn verireel_routes() -> BTreeSet<String> {
    [
        "testing-deploy",
        "testing-verification",
        "stable-environment",
        "runtime-verification",
        "app-maintenance",
        "prod-deploy",
        "prod-backup-gate",
        "prod-promotion",
        "prod-rollback",
        "preview-refresh",
        "preview-inventory",
        "preview-destroy",
        "preview-verification",
    ]
    .iter()
    .map(|r| format!("POST /v1/drivers/verireel/{r}"))
    .collect()
}

#[test]
fn snap_catalog_has_no_drift() {
    let routes = descriptors::compare(&spec(), &fixture("drivers-371132b.json")).unwrap();
    assert_eq!(routes.len(), 27, "one row per SNAP descriptor action");
    let not_carried = routes_with(&routes, |s| matches!(s, RouteStatus::NotCarried(_)));
    let mut expected = verireel_routes();
    expected.insert("POST /v1/drivers/generic-web/prod-promotion-workflow".into());
    assert_eq!(not_carried, expected);
    for r in &routes {
        if let RouteStatus::NotCarried(reason) = &r.status {
            assert!(!reason.trim().is_empty(), "{} has no reason", r.path);
        }
    }
    let drift: Vec<String> = routes
        .iter()
        .filter(|r| r.status.is_drift())
        .map(|r| format!("{} {} {}", r.status.label(), r.method, r.path))
        .collect();
    assert!(
        drift.is_empty(),
        "drift against the SNAP catalog:\n{}",
        drift.join("\n")
    );
    assert_eq!(routes_with(&routes, |s| *s == RouteStatus::Carried).len(), 13);

    let mut report = DriftReport::default();
    report.add_descriptors("drivers-371132b.json", routes);
    assert!(!report.has_drift());
    assert!(report.markdown().contains("No drift."));
}

#[test]
fn newest_catalog_reports_the_routes_added_since() {
    let routes = descriptors::compare(&spec(), &fixture("drivers-b8f5d12c.json")).unwrap();
    assert_eq!(routes.len(), 45);
    let missing = routes_with(&routes, |s| *s == RouteStatus::MissingFromSpec);
    let added: BTreeSet<String> = [
        "generic-web/prod-rollback-plan",
        "generic-web/prod-rollback",
        "generic-web/stable-verification",
        "generic-web/preview-verification",
        "odoo/app-maintenance",
        "odoo/config-parameter-override",
        "odoo/website-bootstrap-override",
        "odoo/stable-bootstrap",
        "odoo/preview-apply-inputs",
        "odoo/preview-apply",
        "odoo/prod-promotion-inputs",
        "odoo/prod-promotion-run",
        "odoo/prod-backup-verification",
        "odoo/prod-backup-restore-plan",
        "odoo/prod-backup-restore-apply",
        "odoo/target-replacement-plan",
        "odoo/target-replacement-apply",
        "ingress/route-apply",
    ]
    .iter()
    .map(|r| format!("POST /v1/drivers/{r}"))
    .collect();
    assert_eq!(missing, added);
    assert!(
        routes_with(&routes, |s| matches!(
            s,
            RouteStatus::Mismatch(_) | RouteStatus::NotInDescriptors
        ))
        .is_empty()
    );
    assert_eq!(
        routes_with(&routes, |s| matches!(s, RouteStatus::NotCarried(_))).len(),
        14
    );

    let mut report = DriftReport::default();
    report.add_descriptors("drivers-b8f5d12c.json", routes);
    assert!(report.has_drift());
    assert!(
        report
            .text()
            .contains("missing from spec  POST    /v1/drivers/ingress/route-apply"),
        "{}",
        report.text()
    );
}

#[test]
fn descriptor_mismatch_and_unannounced_routes_are_drift() {
    let mut payload = fixture("drivers-371132b.json");
    let odoo = &mut payload["drivers"][1]["actions"];
    odoo[2]["authz_action"] = "odoo_post_deploy.write".into();
    odoo.as_array_mut().unwrap().remove(0);
    let routes = descriptors::compare(&spec(), &payload).unwrap();
    let mismatch = routes
        .iter()
        .find(|r| matches!(r.status, RouteStatus::Mismatch(_)))
        .expect("mismatch");
    assert_eq!(mismatch.path, "/v1/drivers/odoo/post-deploy");
    assert!(mismatch.status.detail().contains("odoo_post_deploy.write"));
    assert_eq!(
        routes_with(&routes, |s| *s == RouteStatus::NotInDescriptors),
        BTreeSet::from(["POST /v1/drivers/odoo/artifact-publish-inputs".to_string()])
    );
}

#[test]
fn fastapi_sample_names_each_field_change() {
    let drift = openapi::compare(&spec(), &fixture("fastapi-openapi-sample.json")).unwrap();
    let fields: BTreeSet<(String, Class, &str, String)> = drift
        .changes
        .iter()
        .map(|c| (c.operation.clone().unwrap_or_default(), c.class, c.rule, c.place()))
        .collect();
    let gw = |r: &str| format!("POST /v1/drivers/generic-web/{r}");
    let expected = [
        (
            gw("prod-promotion"),
            Class::NonBreaking,
            "request_field_became_optional",
            "request body `promotion.artifact_id`",
        ),
        (
            gw("prod-promotion"),
            Class::Breaking,
            "request_enum_value_removed",
            "request body `promotion.backup_required`",
        ),
        (
            gw("prod-promotion"),
            Class::Unclassified,
            "default_changed",
            "request body `promotion.backup_required`",
        ),
        (
            gw("preview-desired-state"),
            Class::Breaking,
            "request_field_removed",
            "request body `desired_state.label`",
        ),
        (
            gw("deploy"),
            Class::NonBreaking,
            "response_field_added",
            "response 202 `result.post_deploy_status`",
        ),
        (
            gw("deploy"),
            Class::Breaking,
            "response_field_removed",
            "response 202 `result.target_type`",
        ),
        (
            gw("preview-refresh"),
            Class::NonBreaking,
            "request_field_became_optional",
            "request body `refresh.preview_slug`",
        ),
    ];
    for (route, class, rule, place) in expected {
        let want = (route.clone(), class, rule, place.to_string());
        assert!(fields.contains(&want), "missing {want:?}; got {fields:#?}");
    }
    // Normalisation leaves nothing else behind on the sampled routes.
    assert_eq!(fields.len(), 7, "unexpected field changes: {fields:#?}");

    let missing = routes_with(&drift.routes, |s| *s == RouteStatus::MissingFromSpec);
    assert_eq!(missing, BTreeSet::from([gw("prod-rollback")]));
    let not_carried = routes_with(&drift.routes, |s| matches!(s, RouteStatus::NotCarried(_)));
    assert_eq!(not_carried, BTreeSet::from([gw("prod-promotion-workflow")]));
    let outside = routes_with(&drift.routes, |s| *s == RouteStatus::OutsideSpec);
    assert_eq!(outside, BTreeSet::from(["GET /v1/service/runtime".to_string()]));
    let matched = routes_with(&drift.routes, |s| *s == RouteStatus::Carried);
    assert_eq!(matched.len(), 5, "{matched:?}");

    let mut report = DriftReport::default();
    report.add_openapi("fastapi-openapi-sample.json", drift);
    assert!(report.has_drift());
    let md = report.markdown();
    assert!(
        md.contains("| `POST /v1/drivers/generic-web/deploy` | breaking | response 202 `result.target_type` |"),
        "{md}"
    );
}
