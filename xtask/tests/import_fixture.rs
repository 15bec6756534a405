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
const CONTENT_RULES: [&str; 6] = [
    "success response has no `example`",
    "request body has no `examples` entry",
    "has no `x-launchplane-authz-action`",
    "does not take the Idempotency-Key header",
    "does not declare ",
    "has no request limit",
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

/// The spec as `openapi/import.yaml` makes it.
fn draft() -> Value {
    let text = import::recipe::Recipe::load(&workspace_root())
        .unwrap()
        .render(&workspace_root())
        .unwrap();
    doc::parse_yaml(&text).unwrap()
}

/// A validator of Launchplane's own request schema for a route, as its export writes it
/// (JSON Schema 2020-12: inline `$defs`, `$ref`s to `#/components/schemas`).
fn launchplane_request_validator(source: &Value, path: &str, method: &str) -> jsonschema::Validator {
    let pointer = format!(
        "/paths/{}/{method}/requestBody/content/application~1json/schema",
        path.replace('~', "~0").replace('/', "~1")
    );
    let mut root = source
        .pointer(&pointer)
        .unwrap_or_else(|| panic!("the fixture has no request schema for {method} {path}"))
        .clone();
    root["components"] = source["components"].clone();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("{method} {path}: Launchplane's schema does not compile: {e}"))
}

#[test]
fn every_request_example_is_valid_for_launchplanes_own_schema() {
    let source = fixture();
    let draft = draft();
    let mut checked = 0;
    let mut invalid = Vec::new();
    for op in doc::operations(&draft) {
        let Some(Value::Object(examples)) = op.value.pointer("/requestBody/content/application~1json/examples") else {
            continue;
        };
        let validator = launchplane_request_validator(&source, op.path, op.method);
        for (name, example) in examples {
            checked += 1;
            for error in validator.iter_errors(&example["value"]) {
                invalid.push(format!(
                    "{} example `{name}`: {error} at {}",
                    op.label(),
                    error.instance_path()
                ));
            }
        }
    }
    assert!(invalid.is_empty(), "{}", invalid.join("\n"));
    assert!(checked >= 20, "only {checked} request examples were checked");
}

#[test]
fn launchplanes_request_schema_rejects_what_launchplane_rejects() {
    // The check above can fail: an unknown field, a missing required one, a value outside an enum.
    let source = fixture();
    let apply = launchplane_request_validator(&source, "/v1/drivers/odoo/target-replacement-apply", "post");
    let good = json!({"product": "p", "replacement": {"product": "p", "instance": "testing"}});
    assert!(apply.is_valid(&good));
    let mut unknown = good.clone();
    unknown["replacement"]["label"] = json!("x");
    assert!(!apply.is_valid(&unknown));
    assert!(!apply.is_valid(&json!({"product": "p", "replacement": {"product": "p"}})));
    let mut strategy = good.clone();
    strategy["replacement"]["strategy"] = json!("blue-green");
    assert!(!apply.is_valid(&strategy));
    // Generic-web: `$ref` beside inline `$defs`, and a `$ref` to a component.
    let desired = launchplane_request_validator(&source, "/v1/drivers/generic-web/preview-desired-state", "post");
    assert!(desired.is_valid(&json!({"product": "p", "desired_state": {"product": "p", "max_pages": 2}})));
    assert!(!desired.is_valid(&json!({"product": "p", "desired_state": {"product": "p", "label": "preview"}})));
    assert!(!desired.is_valid(&json!({"product": "p", "desired_state": {"product": "p", "max_pages": 21}})));
    let inventory = launchplane_request_validator(&source, "/v1/drivers/generic-web/preview-inventory", "post");
    assert!(!inventory.is_valid(&json!({"product": "p", "inventory": {"product": "p", "extra": 1}})));
}

#[test]
fn the_draft_keeps_launchplanes_keys_and_types_the_target_replacement_operation() {
    let draft = draft();
    let apply = &draft["paths"]["/v1/drivers/odoo/target-replacement-apply"]["post"];
    // Launchplane requires this route's key: its own declaration stays, not the shared optional one.
    assert_eq!(apply["parameters"][0]["name"], json!("Idempotency-Key"));
    assert_eq!(apply["parameters"][0]["required"], json!(true));
    assert_eq!(apply["parameters"][0]["schema"]["minLength"], json!(1));
    // Inventory and readiness declare no key at 00086a04, and Launchplane never replays them.
    for route in ["preview-inventory", "preview-readiness"] {
        let op = &draft["paths"][format!("/v1/drivers/generic-web/{route}")]["post"];
        assert!(op.get("parameters").is_none(), "{route}: {}", op["parameters"]);
        assert_eq!(op["x-launchplane-replay"], json!(false));
    }
    // The poll_url the apply answers reads a typed operation and result.
    let status = &draft["components"]["schemas"]["OdooStableTargetReplacementOperationStatusResponse"]["properties"];
    assert_eq!(
        status["operation"],
        json!({"$ref": "#/components/schemas/OdooTargetReplacementOperation"})
    );
    assert_eq!(
        status["result"],
        json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/OdooTargetReplacementResult"}]})
    );
    let accepted = "/paths/~1v1~1drivers~1odoo~1target-replacement-apply/post/responses/202/content/application~1json";
    let example = &draft.pointer(accepted).unwrap()["example"];
    let poll_url = example["result"]["poll_url"].as_str().unwrap();
    let operation_id = example["records"]["odoo_stable_target_replacement_operation_id"]
        .as_str()
        .unwrap();
    assert_eq!(
        poll_url,
        format!("/v1/drivers/odoo/target-replacement/operations/{operation_id}")
    );
    assert!(
        draft["paths"]
            .as_object()
            .unwrap()
            .keys()
            .any(|p| doc::path_shape(p) == doc::path_shape("/v1/drivers/odoo/target-replacement/operations/{x}")),
        "the route poll_url names is carried"
    );
}

#[test]
fn the_committed_spec_is_what_the_recipe_imports() {
    let root = workspace_root();
    let made = import::recipe::Recipe::load(&root).unwrap().render(&root).unwrap();
    let committed = fs::read_to_string(root.join(xtask::spec::SPEC_PATH)).unwrap();
    assert!(
        made == committed,
        "openapi/launchplane-v1.yaml is stale: run `cargo xtask spec import`"
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
    let overlay = json!({"/paths/~1v1~1drivers~1odoo~1target-replacement-plan/post": {"summary": "gone"}});
    let errors = import::import(&fixture(), &carried(), &[overlay]).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("`/paths/~1v1~1drivers~1odoo~1target-replacement-plan/post` points nowhere"),
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
