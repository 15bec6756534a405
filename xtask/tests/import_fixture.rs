//! `spec import` on the transcription of Launchplane's own OpenAPI export at 00086a04: the
//! checked-in carried list, a small overlay, and the checks the spec itself must pass.

use std::collections::BTreeSet;
use std::fs;

use serde_json::{Value, json};
use xtask::spec::import::{self, CARRIED_PATH, Carried};
use xtask::spec::{check, doc, workspace_root};

const FIXTURE: &str = "xtask/fixtures/openapi-00086a04.json";

fn fixture() -> Value {
    let text = fs::read_to_string(workspace_root().join(FIXTURE)).unwrap();
    doc::parse_any(&text).unwrap()
}

fn carried() -> Carried {
    Carried::load(&workspace_root().join(CARRIED_PATH)).unwrap()
}

/// What the spec adds around Launchplane's operations: security, tags, the revision.
fn small_overlay() -> Value {
    let tags: Vec<Value> = [
        "service",
        "odoo",
        "generic_web",
        "products",
        "backups",
        "authz",
        "drivers",
        "evidence",
        "previews",
    ]
    .iter()
    .map(|t| json!({"name": t, "description": format!("{t} routes.")}))
    .collect();
    json!({
        "": {
            "servers": [{"url": "https://launchplane.example.com"}],
            "security": [{"githubOidc": []}],
            "tags": tags
        },
        "/components": {"securitySchemes": {"githubOidc": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        "/paths/~1v1~1drivers~1odoo~1post-deploy/post": {"x-launchplane-authz-action": "odoo_post_deploy.execute"}
    })
}

fn imported() -> Value {
    import::import(&fixture(), &carried(), &[small_overlay()]).unwrap()
}

/// Keywords of JSON Schema 2020-12 / OpenAPI 3.1 that 3.0.3 does not have.
const ONLY_31: [&str; 9] = [
    "const",
    "$defs",
    "examples",
    "prefixItems",
    "$schema",
    "$id",
    "jsonSchemaDialect",
    "webhooks",
    "contentMediaType",
];

fn keys_in(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                // Media-type `examples` are 3.0 too; only schema keywords matter here.
                if k != "examples" || !c.is_object() {
                    out.insert(k.clone());
                }
                keys_in(c, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| keys_in(c, out)),
        _ => {}
    }
}

#[test]
fn import_is_a_30_document_with_every_carried_operation() {
    let out = imported();
    assert_eq!(out["openapi"], json!("3.0.3"));
    let mut keys = BTreeSet::new();
    keys_in(&out, &mut keys);
    for k in ONLY_31 {
        assert!(!keys.contains(k), "3.1-only keyword `{k}` left in the import");
    }
    let mut types = Vec::new();
    collect_type_lists(&out, &mut types);
    assert!(types.is_empty(), "type lists left: {types:?}");

    let ops: BTreeSet<(String, String)> = doc::operations(&out)
        .iter()
        .map(|o| (o.method.to_string(), o.path.to_string()))
        .collect();
    let wanted: BTreeSet<(String, String)> = carried()
        .carried
        .iter()
        .map(|c| (c.method.to_lowercase(), c.path.clone()))
        .collect();
    assert_eq!(ops, wanted);
    for op in doc::operations(&out) {
        let id = op.operation_id().unwrap();
        let entry = carried().carried.into_iter().find(|c| c.path == op.path).unwrap();
        assert_eq!(id, entry.operation_id);
        assert_eq!(op.value["tags"], json!([entry.tag]));
    }
}

fn collect_type_lists(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            if let Some(t @ Value::Array(_)) = m.get("type") {
                out.push(t.clone());
            }
            m.values().for_each(|c| collect_type_lists(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_type_lists(c, out)),
        _ => {}
    }
}

/// What only this project can add (the overlay's job when switching the spec): examples,
/// authorization actions, the shared Idempotency-Key, the house error statuses.
const CONTENT_RULES: [&str; 5] = [
    "success response has no `example`",
    "request body has no `examples` entry",
    "has no `x-launchplane-authz-action`",
    "does not take the Idempotency-Key header",
    "does not declare ",
];

#[test]
fn import_breaks_no_rule_of_spec_check_but_the_content_ones() {
    let text = import::render(&imported()).unwrap();
    let report = check::check_text(&text, None);
    assert!(
        !report.violations.is_empty(),
        "the small overlay adds no examples: check must say so"
    );
    let other: Vec<String> = report
        .violations
        .iter()
        .filter(|v| !CONTENT_RULES.iter().any(|rule| v.what.contains(rule)))
        .map(ToString::to_string)
        .collect();
    assert!(
        other.is_empty(),
        "spec check found more than missing content:\n{}",
        other.join("\n")
    );
}

#[test]
fn every_ref_resolves_and_nothing_unreached_is_kept() {
    let out = imported();
    let mut refs = Vec::new();
    doc::collect_refs(&out, &mut Vec::new(), &mut refs);
    for (loc, r) in &refs {
        let target = doc::ref_loc(r).and_then(|l| doc::get(&out, &l).cloned());
        assert!(target.is_some(), "{r} at /{} does not resolve", loc.join("/"));
    }
    let referenced: BTreeSet<&str> = refs.iter().map(|(_, r)| doc::ref_name(r)).collect();
    for name in out["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            referenced.contains(name.as_str()),
            "component {name} is kept but unreached"
        );
    }
}

#[test]
fn the_shapes_launchplane_writes_arrive_as_the_generator_reads_them() {
    let out = imported();
    let schemas = &out["components"]["schemas"];
    // Inline Odoo bodies become their named models; their `$defs` become components.
    let body = "/paths/~1v1~1drivers~1odoo~1artifact-publish/post/requestBody/content/application~1json/schema";
    assert_eq!(
        out.pointer(body),
        Some(&json!({"$ref": "#/components/schemas/OdooArtifactPublishEnvelope"}))
    );
    assert_eq!(
        schemas["OdooArtifactPublishEvidenceRequest"]["properties"]["manifest"],
        json!({"$ref": "#/components/schemas/ArtifactIdentityManifest"})
    );
    // Generic-web bodies restated their component beside the `$ref`: the `$ref` alone remains.
    let gw = "/paths/~1v1~1drivers~1generic-web~1deploy/post/requestBody/content/application~1json/schema";
    assert_eq!(
        out.pointer(gw),
        Some(&json!({"$ref": "#/components/schemas/GenericWebDeployEnvelope"}))
    );
    // The manifest's version union is two complete models.
    assert_eq!(
        schemas["ArtifactIdentityManifest"]["oneOf"],
        json!([{"$ref": "#/components/schemas/ArtifactIdentityManifestV1"}, {"$ref": "#/components/schemas/ArtifactIdentityManifestV2"}])
    );
    assert_eq!(
        schemas["ArtifactIdentityManifestV2"]["properties"]["schema_version"]["enum"],
        json!([2])
    );
    // const → enum, anyOf-null → nullable, whole-number bounds.
    let req = &schemas["GenericWebProdPromotionRequest"]["properties"];
    assert_eq!(
        req["backup_required"],
        json!({"type": "boolean", "default": true, "enum": [true]})
    );
    assert_eq!(
        req["timeout_seconds"],
        json!({"nullable": true, "type": "integer", "minimum": 1})
    );
    assert_eq!(
        schemas["OdooPreviewApplyInputsRequest"]["properties"]["manifest"],
        json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/ArtifactIdentityManifest"}]})
    );
    // Authentication headers go; the usual Idempotency-Key is shared; a different one stays.
    let deploy = &out["paths"]["/v1/drivers/generic-web/deploy"]["post"];
    assert_eq!(
        deploy["parameters"],
        json!([{"$ref": "#/components/parameters/IdempotencyKey"}])
    );
    let gate = &out["paths"]["/v1/production-backup-gates"]["post"];
    assert_eq!(gate["parameters"][0]["schema"]["maxLength"], json!(256));
    assert_eq!(
        deploy["responses"]["409"],
        json!({"$ref": "#/components/responses/Rejected"})
    );
    // The overlay landed.
    assert_eq!(
        out["paths"]["/v1/drivers/odoo/post-deploy"]["post"]["x-launchplane-authz-action"],
        json!("odoo_post_deploy.execute")
    );
    assert_eq!(
        out["info"]["x-launchplane-revision"],
        json!("00086a04be7571bd0de73ca06ca1993d4560cb78")
    );
}

#[test]
fn the_committed_draft_is_what_import_writes() {
    let root = workspace_root();
    let overlays: Vec<Value> = [
        "openapi/overlay-00086a04.yaml",
        "openapi/overlay-00086a04-new-routes.yaml",
        "openapi/overlay-00086a04-evidence-previews.yaml",
    ]
    .iter()
    .map(|p| import::read::load_overlay(&root.join(p)).unwrap())
    .collect();
    let draft = import::import(&fixture(), &carried(), &overlays).unwrap();
    let committed = fs::read_to_string(root.join("openapi/draft/launchplane-v1-00086a04.yaml")).unwrap();
    assert!(
        import::render(&draft).unwrap() == committed,
        "openapi/draft/launchplane-v1-00086a04.yaml is stale: rerun the command in openapi/draft/README.md"
    );
}

#[test]
fn import_is_deterministic() {
    let a = import::render(&imported()).unwrap();
    let b = import::render(&imported()).unwrap();
    assert_eq!(a.as_bytes(), b.as_bytes());
}

#[test]
fn an_overlay_entry_pointing_nowhere_is_an_error_naming_it() {
    let overlay = json!({"/paths/~1v1~1drivers~1odoo~1target-replacement-apply/post": {"summary": "gone"}});
    let errors = import::import(&fixture(), &carried(), &[overlay]).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("`/paths/~1v1~1drivers~1odoo~1target-replacement-apply/post` points nowhere"),
        "{errors:?}"
    );
}

#[test]
fn a_source_route_neither_carried_nor_left_out_is_an_error() {
    let mut source = fixture();
    source["paths"]["/v1/new-thing"] = json!({"post": {"responses": {}}});
    let errors = import::import(&source, &carried(), &[]).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("`POST /v1/new-thing` is in the source but neither")),
        "{errors:?}"
    );
}
