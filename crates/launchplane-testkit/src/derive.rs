//! What Launchplane derives from a request (record ids, transitions, lanes), per operation,
//! in the shapes its code at the spec's revision builds them.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use launchplane_contract::{Contract, Operation};

/// What a derivation reads: the request (with the spec's defaults), the caller's product
/// profile and repository, and the moment of the answer.
pub(crate) struct Facts<'a> {
    pub contract: &'a Contract,
    pub op: &'a Operation,
    pub request: &'a Value,
    /// The context of the product's profile (generic-web routes take their context from it).
    pub profile_context: &'a str,
    /// The repository of the caller's token (a product profile names the tenant's repository).
    pub repository: &'a str,
    /// The Idempotency-Key sent (trimmed; empty without one) and the caller's key scope.
    pub idempotency_key: &'a str,
    pub idempotency_scope: String,
    pub now: Timestamp,
}

impl Facts<'_> {
    /// The request's value at `dot_path`, else the spec's default there, as trimmed text.
    fn text(&self, dot_path: &str) -> String {
        let value = Contract::field(self.request, dot_path)
            .cloned()
            .or_else(|| self.default(dot_path));
        match value {
            Some(Value::String(text)) => text.trim().to_owned(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// Context and instance names: Launchplane trims and lower-cases them.
    fn lane(&self, dot_path: &str) -> String {
        self.text(dot_path).to_lowercase()
    }

    fn flag(&self, dot_path: &str) -> bool {
        self.text(dot_path) == "true"
    }

    fn product(&self) -> String {
        self.text("product")
    }

    /// The object at `dot_path` as Launchplane's model holds it: every property of its schema,
    /// as sent or else its default.
    fn with_defaults(&self, dot_path: &str) -> Value {
        let mut object = Contract::field(self.request, dot_path)
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if let Some(properties) = self
            .schema_at(dot_path)
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
        {
            for name in properties.keys() {
                if !object.contains_key(name)
                    && let Some(default) = self.default(&format!("{dot_path}.{name}"))
                {
                    object.insert(name.clone(), default);
                }
            }
        }
        Value::Object(object)
    }

    /// The request schema at `dot_path`, resolved.
    fn schema_at(&self, dot_path: &str) -> Option<&Value> {
        let mut schema = self.contract.schema(self.op.request_schema.as_deref()?)?;
        for segment in dot_path.split('.') {
            schema = resolve(self.contract, schema).get("properties")?.get(segment)?;
        }
        Some(resolve(self.contract, schema))
    }

    /// The `default` of the request schema's property at `dot_path`.
    fn default(&self, dot_path: &str) -> Option<Value> {
        self.schema_at(dot_path)?.get("default").cloned()
    }
}

fn resolve<'c>(contract: &'c Contract, schema: &'c Value) -> &'c Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(launchplane_contract::ref_name)
        .and_then(|name| contract.schema(name))
        .unwrap_or(schema)
}

/// One derived field: where it goes in the answer and how Launchplane builds it. `None`
/// keeps the example's value (with the request's facts in it); `null` removes the field
/// (Launchplane leaves it out).
type Derivation = (&'static str, fn(&Facts) -> Option<Value>);

fn text(value: impl Into<String>) -> Option<Value> {
    Some(Value::String(value.into()))
}

/// `generate_deployment_record_id` (workflows/ship.py).
fn deployment_record_id(f: &Facts, context: &str, instance: &str) -> String {
    format!("deployment-{}-{context}-{instance}", f.now.compact())
}

/// `generate_promotion_record_id` (workflows/promote.py).
fn promotion_record_id(f: &Facts, context: &str, from: &str, to: &str) -> String {
    format!("promotion-{}-{context}-{from}-to-{to}", f.now.compact())
}

/// `generate_preview_id` (workflows/launchplane.py).
fn preview_id(context: &str, anchor_repo: &str, pr_number: &str) -> String {
    let key = format!("{context}-{anchor_repo}-pr-{pr_number}").to_lowercase();
    let mut slug = String::new();
    for c in key.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    format!("preview-{}", slug.trim_matches('-'))
}

/// `generate_preview_generation_id`: the sequence is the one sent, else 1 (the stand-in keeps
/// no generations).
fn generation_id(f: &Facts) -> String {
    let sent = f.text("generation.generation_id");
    if !sent.is_empty() {
        return sent;
    }
    let sequence = f.text("generation.sequence").parse::<u32>().unwrap_or(1);
    let preview = preview_id(
        &f.text("generation.context"),
        &f.text("generation.anchor_repo"),
        &f.text("generation.anchor_pr_number"),
    );
    format!("{preview}-generation-{sequence:04}")
}

/// `effective_preview_app_name_prefix` for a profile without its own prefix.
fn app_name_prefix(f: &Facts) -> String {
    format!("{}-preview", f.product())
}

fn odoo_run_lanes(f: &Facts) -> (String, String, String) {
    (
        f.lane("run.context"),
        f.lane("run.from_instance"),
        f.lane("run.to_instance"),
    )
}

/// `ODOO_PREVIEW_PLAN_TTL_SECONDS`: an issued preview plan expires after 30 minutes.
const PREVIEW_PLAN_TTL_SECONDS: u64 = 30 * 60;

/// `build_odoo_preview_plan_id`: the SHA-256 of the caller scope and the Idempotency-Key
/// (the preview-apply key is this id). Launchplane issues none without both; the example's
/// id then stays.
fn preview_plan_id(f: &Facts) -> Option<String> {
    let (scope, key) = (f.idempotency_scope.trim(), f.idempotency_key.trim());
    if scope.is_empty() || key.is_empty() {
        return None;
    }
    let digest = Sha256::digest(["odoo-preview-plan-v1", scope, key].join("\u{1f}").as_bytes());
    Some(format!("odoo-preview-plan-{}", hex::encode(digest)))
}

/// The operation a target replacement apply enqueues is read here.
const TARGET_REPLACEMENT_READ: &str = "odoo_target_replacement_operation";

/// `build_odoo_stable_target_replacement_operation_id`
/// (contracts/odoo_stable_target_replacement_operation.py): context, instance, the creation
/// time without colons, and the first 16 hex digits of the SHA-256 of the lane, time, key and
/// caller scope.
fn target_replacement_operation_id(f: &Facts) -> String {
    let product = f.text("replacement.product").to_lowercase().replace('/', "-");
    let context = f.profile_context.trim().to_lowercase();
    let instance = f.lane("replacement.instance");
    let created_at = f.now.iso().replace(':', "").replace('+', "z");
    let digest_input = Value::from(vec![
        product,
        context.clone(),
        instance.clone(),
        created_at.clone(),
        f.idempotency_key.trim().to_owned(),
        f.idempotency_scope.trim().to_owned(),
    ]);
    let digest = hex::encode(Sha256::digest(digest_input.to_string().as_bytes()));
    format!(
        "odoo-target-replacement-{context}-{instance}-{created_at}-{}",
        &digest[..16]
    )
}

fn generic_promotion_lanes(f: &Facts) -> (String, String, String) {
    (
        f.profile_context.to_owned(),
        f.lane("promotion.from_instance"),
        f.lane("promotion.to_instance"),
    )
}

fn rollback_artifact(f: &Facts) -> Option<Value> {
    let sent = f.text("rollback.artifact_id");
    (!sent.is_empty()).then(|| Value::String(sent))
}

fn id_of(records_field: &str, f: &Facts) -> Option<Value> {
    derived(f.op, records_field).and_then(|derive| derive(f))
}

/// The derivation of `path` for the operation, if any.
fn derived(op: &Operation, path: &str) -> Option<fn(&Facts) -> Option<Value>> {
    derivations(&op.id)
        .iter()
        .find(|(target, _)| *target == path)
        .map(|(_, derive)| *derive)
}

/// The derivations of an operation: ids and transitions as Launchplane's service and
/// driver code build them, and the lane names it resolves.
pub(crate) fn derivations(operation_id: &str) -> &'static [Derivation] {
    DERIVATIONS
        .iter()
        .find(|(id, _)| *id == operation_id)
        .map_or(&[], |(_, derivations)| derivations)
}

/// Per operation id, its derivations.
const DERIVATIONS: &[(&str, &[Derivation])] = &[
    (
        "odoo_post_deploy",
        &[
            ("records.transition", |f| {
                text(format!(
                    "odoo-post-deploy:{}:{}:{}",
                    f.lane("post_deploy.context"),
                    f.lane("post_deploy.instance"),
                    f.text("post_deploy.phase")
                ))
            }),
            ("result.context", |f| text(f.lane("post_deploy.context"))),
            ("result.instance", |f| text(f.lane("post_deploy.instance"))),
            ("result.phase", |f| text(f.text("post_deploy.phase"))),
        ],
    ),
    (
        "odoo_artifact_publish_inputs",
        &[
            ("result.context", |f| text(f.lane("inputs.context"))),
            ("result.instance", |f| text(f.lane("inputs.instance"))),
        ],
    ),
    (
        "odoo_artifact_publish",
        &[
            ("records.artifact_id", |f| text(f.text("publish.manifest.artifact_id"))),
            ("result.artifact_id", |f| text(f.text("publish.manifest.artifact_id"))),
            ("result.context", |f| text(f.lane("publish.context"))),
            ("result.instance", |f| text(f.lane("publish.instance"))),
            ("result.image_repository", |f| {
                text(f.text("publish.manifest.image.repository"))
            }),
            ("result.image_digest", |f| text(f.text("publish.manifest.image.digest"))),
            ("result.source_commit", |f| {
                text(f.text("publish.manifest.source_commit"))
            }),
        ],
    ),
    (
        "odoo_preview_apply_inputs",
        &[
            ("result.product", |f| text(f.product())),
            ("result.context", |f| text(f.profile_context)),
            ("result.plan_request", |f| Some(f.with_defaults("inputs"))),
            ("result.plan_provenance.plan_id", |f| {
                preview_plan_id(f).map(Value::String)
            }),
            ("result.plan_provenance.issued_at", |f| text(f.now.iso())),
            ("result.plan_provenance.expires_at", |f| {
                text(f.now.plus(PREVIEW_PLAN_TTL_SECONDS).iso())
            }),
        ],
    ),
    (
        "odoo_prod_promotion_run",
        &[
            // `_result_from_inputs` (workflows/odoo_prod_promotion_run.py): the run's lanes and
            // request id as sent, the record ids of the promotion it ran.
            ("result.context", |f| text(odoo_run_lanes(f).0)),
            ("result.from_instance", |f| text(odoo_run_lanes(f).1)),
            ("result.to_instance", |f| text(odoo_run_lanes(f).2)),
            ("result.request_id", |f| text(f.text("run.request_id"))),
            ("result.infrastructure_backup_record_id", |f| {
                text(f.text("run.infrastructure_backup_record_id"))
            }),
            ("result.promotion_record_id", |f| {
                let (context, from, to) = odoo_run_lanes(f);
                text(promotion_record_id(f, &context, &from, &to))
            }),
            ("result.deployment_record_id", |f| {
                let (context, _, to) = odoo_run_lanes(f);
                text(deployment_record_id(f, &context, &to))
            }),
        ],
    ),
    (
        "odoo_target_replacement_apply",
        &[
            ("records.odoo_stable_target_replacement_operation_id", |f| {
                text(target_replacement_operation_id(f))
            }),
            ("result.operation_id", |f| text(target_replacement_operation_id(f))),
            ("result.product", |f| text(f.text("replacement.product"))),
            ("result.context", |f| text(f.profile_context)),
            ("result.instance", |f| text(f.lane("replacement.instance"))),
            ("result.idempotency_key", |f| text(f.idempotency_key)),
            ("result.request", |f| Some(f.with_defaults("replacement"))),
            ("result.created_at", |f| text(f.now.iso())),
            ("result.updated_at", |f| text(f.now.iso())),
            // `odoo_stable_target_replacement_operation_status_payload`: the status read's path.
            ("result.poll_url", |f| {
                let read = f.contract.operation(TARGET_REPLACEMENT_READ)?;
                text(read.path.replace("{operation_id}", &target_replacement_operation_id(f)))
            }),
        ],
    ),
    // `_response` (http_routes/production_backup_gate.py): the answer is the operation,
    // at the top of the body.
    (
        "production_backup_gate_enqueue",
        &[
            ("backup_record_id", |f| text(f.text("backup_record_id"))),
            // The stand-in's gate finishes when asked: it answers the status a passing gate ends
            // in, not the spec example's `running` (tests script pending answers).
            ("operation_status", |_| text("pass")),
        ],
    ),
    (
        "odoo_prod_rollback",
        &[
            ("records.deployment_record_id", |f| {
                text(deployment_record_id(
                    f,
                    &f.lane("rollback.context"),
                    &f.lane("rollback.instance"),
                ))
            }),
            // Without one sent, Launchplane reads it from the prod inventory the stand-in does
            // not keep; the example's id (in the request's lane) stands in.
            ("records.promotion_record_id", |f| {
                let sent = f.text("rollback.promotion_record_id");
                (!sent.is_empty()).then(|| Value::String(sent))
            }),
            ("result.deployment_record_id", |f| {
                id_of("records.deployment_record_id", f)
            }),
            ("result.promotion_record_id", |f| {
                id_of("records.promotion_record_id", f)
            }),
            ("result.context", |f| text(f.lane("rollback.context"))),
            ("result.instance", |f| text(f.lane("rollback.instance"))),
            ("result.artifact_id", rollback_artifact),
            // An explicit artifact rolls back from `artifact`, else from the release tuple of
            // the source channel.
            ("result.source_channel", |f| match rollback_artifact(f) {
                Some(_) => text("artifact"),
                None => text(f.text("rollback.source_channel")),
            }),
            ("result.release_tuple_id", |f| {
                rollback_artifact(f).and_then(|artifact| {
                    text(format!(
                        "{}-{}-{}",
                        f.lane("rollback.context"),
                        f.lane("rollback.instance"),
                        artifact.as_str()?
                    ))
                })
            }),
        ],
    ),
    (
        "evidence_deployments",
        &[
            ("records.deployment_record_id", |f| text(f.text("deployment.record_id"))),
            // `inventory_record_id`: the record's fields as sent, not normalised.
            ("records.inventory_record_id", |f| {
                text(format!(
                    "{}-{}",
                    f.text("deployment.context"),
                    f.text("deployment.instance")
                ))
            }),
        ],
    ),
    (
        "evidence_backup_gates",
        &[("records.backup_gate_record_id", |f| {
            text(f.text("backup_gate.record_id"))
        })],
    ),
    (
        "evidence_promotions",
        &[
            ("records.promotion_record_id", |f| text(f.text("promotion.record_id"))),
            // Only a linked deployment refreshes the destination inventory.
            ("records.inventory_record_id", |f| {
                if f.text("promotion.deployment_record_id").is_empty() {
                    return Some(Value::Null);
                }
                text(format!(
                    "{}-{}",
                    f.text("promotion.context"),
                    f.text("promotion.to_instance")
                ))
            }),
        ],
    ),
    (
        "evidence_preview_generations",
        &[
            ("records.preview_id", |f| {
                text(preview_id(
                    &f.text("preview.context"),
                    &f.text("preview.anchor_repo"),
                    &f.text("preview.anchor_pr_number"),
                ))
            }),
            ("records.generation_id", |f| text(generation_id(f))),
            ("records.transition", |f| text(f.text("generation.state"))),
        ],
    ),
    (
        "evidence_previews_destroyed",
        &[("records.preview_id", |f| {
            text(preview_id(
                &f.text("destroy.context"),
                &f.text("destroy.anchor_repo"),
                &f.text("destroy.anchor_pr_number"),
            ))
        })],
    ),
    (
        "previews_lifecycle_plan",
        &[
            ("records.preview_lifecycle_plan_id", |f| {
                text(format!(
                    "preview-lifecycle-plan-{}-{}",
                    f.text("context"),
                    f.now.compact()
                ))
            }),
            ("result.plan_id", |f| id_of("records.preview_lifecycle_plan_id", f)),
            ("result.planned_at", |f| text(f.now.iso())),
            ("result.desired_previews", |f| {
                Some(
                    Contract::field(f.request, "desired_previews")
                        .cloned()
                        .unwrap_or(Value::Array(Vec::new())),
                )
            }),
            ("result.desired_slugs", |f| {
                let previews = Contract::field(f.request, "desired_previews").and_then(Value::as_array);
                let slugs = previews
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("preview_slug").and_then(Value::as_str))
                    .map(|slug| Value::String(slug.trim().to_owned()))
                    .collect();
                Some(Value::Array(slugs))
            }),
        ],
    ),
    (
        "previews_lifecycle_cleanup",
        &[
            ("records.preview_lifecycle_cleanup_id", |f| {
                text(format!(
                    "preview-lifecycle-cleanup-{}-{}",
                    f.text("context"),
                    f.now.compact()
                ))
            }),
            ("result.cleanup_id", |f| {
                id_of("records.preview_lifecycle_cleanup_id", f)
            }),
            ("result.requested_at", |f| text(f.now.iso())),
            ("result.apply", |f| Some(Value::Bool(f.flag("apply")))),
        ],
    ),
    (
        "previews_desired_state",
        &[
            ("records.preview_desired_state_id", |f| {
                text(format!(
                    "preview-desired-state-{}-{}",
                    f.text("context"),
                    f.now.compact()
                ))
            }),
            ("result.desired_state_id", |f| {
                id_of("records.preview_desired_state_id", f)
            }),
            ("result.discovered_at", |f| text(f.now.iso())),
            ("result.label", |f| text(f.text("label"))),
            ("result.preview_slug_prefix", |f| text(f.text("preview_slug_prefix"))),
        ],
    ),
    (
        "previews_pr_feedback",
        &[
            ("records.preview_pr_feedback_id", |f| {
                text(format!(
                    "preview-pr-feedback-{}-pr-{}-{}",
                    f.text("context"),
                    f.text("anchor_pr_number"),
                    f.now.compact()
                ))
            }),
            ("result.feedback_id", |f| id_of("records.preview_pr_feedback_id", f)),
            ("result.requested_at", |f| text(f.now.iso())),
            ("result.marker", |f| text(f.text("marker"))),
        ],
    ),
    (
        "generic_web_deploy",
        &[
            ("records.deployment_record_id", |f| {
                text(deployment_record_id(f, f.profile_context, &f.text("deploy.instance")))
            }),
            ("result.deployment_record_id", |f| {
                id_of("records.deployment_record_id", f)
            }),
            ("result.context", |f| text(f.profile_context)),
            ("result.deploy_started_at", |f| text(f.now.iso())),
            ("result.deploy_finished_at", |f| text(f.now.iso())),
            // `_fallback_target_name`: `<product>-<instance>`.
            ("result.target_name", |f| {
                text(format!("{}-{}", f.product(), f.text("deploy.instance")))
            }),
        ],
    ),
    (
        "generic_web_prod_promotion",
        &[
            ("records.promotion_record_id", |f| {
                let (context, from, to) = generic_promotion_lanes(f);
                text(promotion_record_id(f, &context, &from, &to))
            }),
            // A dry run deploys nothing: no deployment and no inventory record.
            ("records.deployment_record_id", |f| {
                let (context, _, to) = generic_promotion_lanes(f);
                text(if f.flag("promotion.dry_run") {
                    String::new()
                } else {
                    deployment_record_id(f, &context, &to)
                })
            }),
            ("records.backup_record_id", |f| {
                text(f.text("promotion.backup_record_id"))
            }),
            ("records.inventory_record_id", |f| {
                let (context, _, to) = generic_promotion_lanes(f);
                text(if f.flag("promotion.dry_run") {
                    String::new()
                } else {
                    format!("{context}-{to}")
                })
            }),
            ("result.promotion_record_id", |f| {
                id_of("records.promotion_record_id", f)
            }),
            ("result.deployment_record_id", |f| {
                id_of("records.deployment_record_id", f)
            }),
            ("result.backup_record_id", |f| id_of("records.backup_record_id", f)),
            ("result.inventory_record_id", |f| {
                id_of("records.inventory_record_id", f)
            }),
            ("result.context", |f| text(f.profile_context)),
            ("result.from_instance", |f| text(generic_promotion_lanes(f).1)),
            ("result.to_instance", |f| text(generic_promotion_lanes(f).2)),
            ("result.dry_run", |f| Some(Value::Bool(f.flag("promotion.dry_run")))),
            ("result.promotion_status", |f| {
                f.flag("promotion.dry_run").then(|| Value::String("pending".into()))
            }),
            ("result.deployment_status", |f| {
                f.flag("promotion.dry_run").then(|| Value::String("skipped".into()))
            }),
            ("result.target_name", |f| {
                text(format!("{}-{}", f.product(), generic_promotion_lanes(f).2))
            }),
        ],
    ),
    (
        "generic_web_preview_desired_state",
        &[
            ("records.preview_desired_state_id", |f| {
                text(format!(
                    "preview-desired-state-{}-{}",
                    f.profile_context,
                    f.now.compact()
                ))
            }),
            ("result.desired_state_id", |f| {
                id_of("records.preview_desired_state_id", f)
            }),
            ("result.context", |f| text(f.profile_context)),
            ("result.discovered_at", |f| text(f.now.iso())),
            ("result.repository", |f| text(f.repository)),
            ("result.source", |f| text(f.text("desired_state.source"))),
            // The label comes from the product profile, which the stand-in's profiles leave out.
        ],
    ),
    (
        "generic_web_preview_refresh",
        &[
            ("result.context", |f| text(f.profile_context)),
            ("result.application_name", |f| {
                text(format!("{}-{}", app_name_prefix(f), f.text("refresh.preview_slug")))
            }),
            ("result.refresh_started_at", |f| text(f.now.iso())),
            ("result.refresh_finished_at", |f| text(f.now.iso())),
            ("result.readiness.product", |f| text(f.product())),
            ("result.readiness.context", |f| text(f.profile_context)),
            ("result.readiness.template_context", |f| text(f.profile_context)),
            ("result.readiness.checked_at", |f| text(f.now.iso())),
            ("result.readiness.source", |f| text(f.text("refresh.source"))),
        ],
    ),
    (
        "generic_web_preview_inventory",
        &[
            ("records.preview_inventory_scan_id", |f| {
                text(format!(
                    "preview-inventory-scan-{}-{}",
                    f.profile_context,
                    f.now.compact()
                ))
            }),
            ("result.context", |f| text(f.profile_context)),
            ("result.app_name_prefix", |f| text(app_name_prefix(f))),
            ("result.source", |f| text(f.text("inventory.source"))),
        ],
    ),
    (
        "generic_web_preview_readiness",
        &[
            ("result.context", |f| text(f.profile_context)),
            ("result.template_context", |f| text(f.profile_context)),
            ("result.checked_at", |f| text(f.now.iso())),
            ("result.source", |f| text(f.text("readiness.source"))),
        ],
    ),
    (
        "generic_web_preview_destroy",
        &[
            ("result.context", |f| text(f.profile_context)),
            ("result.application_name", |f| {
                text(format!("{}-{}", app_name_prefix(f), f.text("destroy.preview_slug")))
            }),
            ("result.destroy_started_at", |f| text(f.now.iso())),
            ("result.destroy_finished_at", |f| text(f.now.iso())),
        ],
    ),
];

/// The operation's derived fields for this request.
pub(crate) fn compute(facts: &Facts) -> Vec<(&'static str, Option<Value>)> {
    derivations(&facts.op.id)
        .iter()
        .map(|(path, derive)| (*path, derive(facts)))
        .collect()
}

/// Replaces, wherever the example answer repeats them (paths, names, texts), every value the
/// example held in place of a derived one and every fact the example request held in place
/// of the one sent.
pub(crate) fn substitute(
    derived: &[(&'static str, Option<Value>)],
    example_request: Option<&Value>,
    request: &Value,
    payload: &mut Value,
) {
    let mut replacements: Vec<(String, String)> = Vec::new();
    for (path, value) in derived {
        if let (Some(Value::String(old)), Some(Value::String(new))) = (Contract::field(payload, path), value) {
            replacements.push((old.clone(), new.clone()));
        }
    }
    if let Some(example) = example_request {
        replacements.extend(sent_facts(example, request));
    }
    replacements.retain(|(old, new)| !old.is_empty() && old != new);
    // Longest first, so an id is replaced whole before a product name inside it.
    replacements.sort_by_key(|(old, _)| std::cmp::Reverse(old.len()));
    replace_strings(payload, &replacements);
}

/// Writes the derived fields into the answer.
pub(crate) fn write(derived: Vec<(&'static str, Option<Value>)>, payload: &mut Value) {
    for (path, value) in derived {
        set(payload, path, value);
    }
}

/// Pairs (example value, sent value) of the identifying strings both requests hold at the
/// same place: product, contexts, repositories and ids; lane names and enum-like fields are
/// left out, since they also name other things.
fn sent_facts(example: &Value, request: &Value) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    collect_pairs(example, request, "", &mut pairs);
    pairs
}

fn collect_pairs(example: &Value, request: &Value, name: &str, pairs: &mut Vec<(String, String)>) {
    match (example, request) {
        (Value::Object(example), Value::Object(request)) => {
            for (key, value) in example {
                if let Some(sent) = request.get(key) {
                    collect_pairs(value, sent, key, pairs);
                }
            }
        }
        (Value::Array(example), Value::Array(request)) => {
            for (value, sent) in example.iter().zip(request) {
                collect_pairs(value, sent, name, pairs);
            }
        }
        (Value::String(example), Value::String(sent)) if identifies(name) => {
            pairs.push((example.trim().to_owned(), sent.trim().to_owned()));
        }
        _ => {}
    }
}

fn identifies(field: &str) -> bool {
    matches!(
        field,
        "product" | "context" | "repository" | "anchor_repo" | "repo" | "preview_slug" | "marker" | "source"
    ) || ["_id", "_url", "_ref", "_sha", "_reference", "_commit", "_fingerprint"]
        .iter()
        .any(|suffix| field.ends_with(suffix))
}

fn replace_strings(value: &mut Value, replacements: &[(String, String)]) {
    match value {
        Value::String(text) => *text = replace_once(text, replacements),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_strings(v, replacements)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_strings(v, replacements)),
        _ => {}
    }
}

/// One left-to-right pass: at each position the longest old value that starts there is
/// replaced, and replaced text is not looked at again.
fn replace_once(text: &str, replacements: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while let Some(c) = rest.chars().next() {
        for (old, new) in replacements {
            if let Some(tail) = rest.strip_prefix(old.as_str()) {
                out.push_str(new);
                rest = tail;
                continue 'scan;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Sets the field at `dot_path` (creating parent objects), removes it for `null`, leaves it
/// for `None`.
fn set(payload: &mut Value, dot_path: &str, value: Option<Value>) {
    let Some(value) = value else { return };
    let (parent_path, name) = match dot_path.rsplit_once('.') {
        Some((parent, name)) => (Some(parent), name),
        None => (None, dot_path),
    };
    let mut parent = &mut *payload;
    if let Some(parent_path) = parent_path {
        for segment in parent_path.split('.') {
            let Some(object) = parent.as_object_mut() else { return };
            parent = object
                .entry(segment.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    let Some(object) = parent.as_object_mut() else { return };
    if value.is_null() {
        object.remove(name);
    } else {
        object.insert(name.to_owned(), value);
    }
}

/// A UTC second, in Launchplane's two forms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timestamp {
    seconds: u64,
}

impl Timestamp {
    pub(crate) fn now() -> Self {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        Timestamp { seconds }
    }

    fn plus(self, seconds: u64) -> Self {
        Timestamp {
            seconds: self.seconds + seconds,
        }
    }

    #[cfg(test)]
    fn at(seconds: u64) -> Self {
        Timestamp { seconds }
    }

    fn parts(self) -> (i64, u32, u32, u64, u64, u64) {
        let days = (self.seconds / 86_400) as i64;
        let time = self.seconds % 86_400;
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day, time / 3600, time % 3600 / 60, time % 60)
    }

    /// `%Y%m%dT%H%M%SZ`, as in record ids.
    pub(crate) fn compact(self) -> String {
        let (y, mo, d, h, mi, s) = self.parts();
        format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
    }

    /// `%Y-%m-%dT%H:%M:%SZ`, as in record times.
    pub(crate) fn iso(self) -> String {
        let (y, mo, d, h, mi, s) = self.parts();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use launchplane_contract::RouteMatch;

    #[test]
    fn timestamps_have_launchplanes_forms() {
        let t = Timestamp::at(1_777_824_600); // 2026-05-03T16:10:00Z
        assert_eq!(t.compact(), "20260503T161000Z");
        assert_eq!(t.iso(), "2026-05-03T16:10:00Z");
        assert_eq!(Timestamp::at(951_782_400).iso(), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn preview_ids_are_slugged_like_launchplane() {
        assert_eq!(preview_id("opw", "odoo-opw", "42"), "preview-opw-odoo-opw-pr-42");
        assert_eq!(preview_id("CM", "Acme_Site.web", "7"), "preview-cm-acme-site-web-pr-7");
    }

    #[test]
    fn replacements_are_one_pass_and_longest_first() {
        let pairs = vec![
            ("backup-opw-prod-1".to_owned(), "backup-cm-prod-9".to_owned()),
            ("opw".to_owned(), "cm".to_owned()),
            ("cm".to_owned(), "x".to_owned()),
        ];
        assert_eq!(
            replace_once("/b/opw/backup-opw-prod-1/opw.dump", &pairs),
            "/b/cm/backup-cm-prod-9/cm.dump"
        );
    }

    #[test]
    fn every_derivation_names_an_operation_and_a_field_of_the_spec() {
        let contract = Contract::embedded();
        for (id, derivations) in DERIVATIONS {
            let op = contract
                .operation(id)
                .unwrap_or_else(|| panic!("derivations for `{id}`, which the spec does not have"));
            let schema = contract
                .response_schema(op)
                .and_then(|name| contract.schema(&name))
                .unwrap_or_else(|| panic!("{id}: a success schema"));
            for (path, _) in *derivations {
                let top = path.split('.').next().unwrap_or_default();
                assert!(
                    schema["properties"].get(top).is_some(),
                    "{id}: `{path}` is not a field of its answer"
                );
            }
        }
    }

    #[test]
    fn target_replacement_ids_follow_launchplanes_shape() {
        let contract = Contract::embedded();
        let op = contract.operation("odoo_target_replacement_apply").unwrap();
        let request = serde_json::json!({"product": "odoo-tenant-cm",
            "replacement": {"product": "odoo-tenant-cm", "instance": " Testing "}});
        let facts = |key| Facts {
            contract,
            op,
            request: &request,
            profile_context: "cm",
            repository: "acme/cm",
            idempotency_key: key,
            idempotency_scope: "acme/cm|subject".into(),
            now: Timestamp::at(1_778_976_000), // 2026-05-17T00:00:00Z
        };
        let id = target_replacement_operation_id(&facts("k-1"));
        let digest = id
            .strip_prefix("odoo-target-replacement-cm-testing-2026-05-17T000000Z-")
            .unwrap_or_else(|| panic!("{id}"));
        assert_eq!(digest.len(), 16);
        assert!(digest.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(
            id,
            target_replacement_operation_id(&facts("k-2")),
            "the key is in the digest"
        );
        let poll_url = derived(op, "result.poll_url").unwrap()(&facts("k-1")).unwrap();
        let read = &contract.operation(TARGET_REPLACEMENT_READ).unwrap().path;
        assert_eq!(poll_url, read.replace("{operation_id}", &id), "the operation's read");
        let routed = contract.route("GET", poll_url.as_str().unwrap());
        assert!(
            matches!(routed, RouteMatch::Found(op) if op.id == TARGET_REPLACEMENT_READ),
            "{poll_url} routes to the read"
        );
        let replayed = derived(op, "result.request").unwrap()(&facts("k-1")).unwrap();
        assert_eq!(replayed["strategy"], "recreate-in-place", "the spec's default");
        assert_eq!(replayed["instance"], " Testing ", "as sent");
    }

    #[test]
    fn preview_plans_are_named_by_scope_and_key_and_expire_in_half_an_hour() {
        let contract = Contract::embedded();
        let op = contract.operation("odoo_preview_apply_inputs").unwrap();
        let request = serde_json::json!({"product": "odoo-tenant-cm-website",
            "inputs": {"product": "odoo-tenant-cm-website", "pr_number": 42}});
        let facts = |key, scope: &str| Facts {
            contract,
            op,
            request: &request,
            profile_context: "cm_website",
            repository: "acme/cm",
            idempotency_key: key,
            idempotency_scope: scope.into(),
            now: Timestamp::at(1_777_824_000), // 2026-05-03T16:00:00Z
        };
        let plan_id = preview_plan_id(&facts("k-1", "acme/cm|subject")).unwrap();
        let digest = plan_id.strip_prefix("odoo-preview-plan-").unwrap();
        assert_eq!(digest.len(), 64);
        assert_ne!(Some(plan_id.clone()), preview_plan_id(&facts("k-2", "acme/cm|subject")));
        assert_ne!(Some(plan_id), preview_plan_id(&facts("k-1", "other|subject")));
        assert_eq!(
            preview_plan_id(&facts("", "acme/cm|subject")),
            None,
            "no key, no plan id"
        );
        let expires = derived(op, "result.plan_provenance.expires_at").unwrap();
        assert_eq!(expires(&facts("k-1", "s")), text("2026-05-03T16:30:00Z"));
        let plan_request = derived(op, "result.plan_request").unwrap()(&facts("k-1", "s")).unwrap();
        assert_eq!(plan_request["operation"], "refresh", "the spec's default");
        assert_eq!(plan_request["pr_number"], 42);
    }
}
