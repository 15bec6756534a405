//! The tenant commands: each names one spec operation and the trigger facts it takes as
//! flags. Types, enums, defaults and help of each flag come from the spec's schema.

use crate::job::JobFact;

/// One flag: its name, where its value goes in the body, and its environment fallback.
pub struct Fact {
    pub flag: &'static str,
    /// Dot path in the request body; several paths get the same value.
    pub paths: &'static [&'static str],
    pub env: Option<&'static str>,
    /// Read the value as JSON from a file (or `-` for stdin) rather than from the flag.
    pub file: bool,
    /// A fact the GitHub Actions job knows, taken from it when the flag is absent.
    pub job: Option<JobFact>,
}

/// One tenant command.
pub struct TenantCommand {
    pub group: &'static str,
    pub name: &'static str,
    pub operation: &'static str,
    pub about: &'static str,
    pub example: &'static str,
    pub facts: &'static [Fact],
    /// A positional argument filling a path parameter.
    pub path_param: Option<&'static str>,
}

const fn fact(flag: &'static str, paths: &'static [&'static str]) -> Fact {
    Fact {
        flag,
        paths,
        env: None,
        file: false,
        job: None,
    }
}

const fn job_fact(flag: &'static str, paths: &'static [&'static str], job: JobFact) -> Fact {
    Fact {
        flag,
        paths,
        env: None,
        file: false,
        job: Some(job),
    }
}

const fn env_fact(flag: &'static str, paths: &'static [&'static str], env: &'static str) -> Fact {
    Fact {
        flag,
        paths,
        env: Some(env),
        file: false,
        job: None,
    }
}

const fn file_fact(flag: &'static str, paths: &'static [&'static str]) -> Fact {
    Fact {
        flag,
        paths,
        env: None,
        file: true,
        job: None,
    }
}

pub const PRODUCT_ENV: &str = "LAUNCHPLANE_PRODUCT";
pub const CONTEXT_ENV: &str = "LAUNCHPLANE_CONTEXT";
pub const INSTANCE_ENV: &str = "LAUNCHPLANE_INSTANCE";

/// The `LAUNCHPLANE_*` variables the commands read.
pub const COMMAND_ENV: &[&str] = &[PRODUCT_ENV, CONTEXT_ENV, INSTANCE_ENV, "LAUNCHPLANE_OUTPUT"];

const PRODUCT: Fact = env_fact("product", &["product"], PRODUCT_ENV);

pub const COMMANDS: &[TenantCommand] = &[
    TenantCommand {
        group: "",
        name: "health",
        operation: "service_health",
        about: "Check that Launchplane is up (no token needed)",
        example: "lpctl health",
        facts: &[],
        path_param: None,
    },
    TenantCommand {
        group: "drivers",
        name: "list",
        operation: "drivers_list",
        about: "List the driver descriptors Launchplane serves",
        example: "lpctl drivers list --output json",
        facts: &[],
        path_param: None,
    },
    TenantCommand {
        group: "drivers",
        name: "show",
        operation: "drivers_get",
        about: "Show one driver descriptor",
        example: "lpctl drivers show odoo",
        facts: &[],
        path_param: Some("driver_id"),
    },
    TenantCommand {
        group: "odoo",
        name: "artifact-publish-inputs",
        operation: "odoo_artifact_publish_inputs",
        about: "Get the build inputs (Odoo version, base images, addon repositories) for an artifact",
        example: "lpctl odoo artifact-publish-inputs --product opw --context opw --instance testing",
        facts: &[
            PRODUCT,
            env_fact("context", &["inputs.context"], CONTEXT_ENV),
            env_fact("instance", &["inputs.instance"], INSTANCE_ENV),
            fact("pr-number", &["inputs.pr_number"]),
            fact("isolated", &["inputs.isolated"]),
            fact("preview-slug", &["inputs.preview_slug"]),
            fact("source-git-ref", &["inputs.source_git_ref"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "odoo",
        name: "artifact-publish",
        operation: "odoo_artifact_publish",
        about: "Report a published Odoo artifact (its identity manifest)",
        example: "lpctl odoo artifact-publish --product opw --context opw --instance testing --manifest manifest.json",
        facts: &[
            PRODUCT,
            env_fact("context", &["publish.context"], CONTEXT_ENV),
            env_fact("instance", &["publish.instance"], INSTANCE_ENV),
            file_fact("manifest", &["publish.manifest"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "odoo",
        name: "post-deploy",
        operation: "odoo_post_deploy",
        about: "Run Odoo post-deploy steps on a lane",
        example: "lpctl odoo post-deploy --product opw --context opw --instance testing",
        facts: &[
            PRODUCT,
            env_fact("context", &["post_deploy.context"], CONTEXT_ENV),
            env_fact("instance", &["post_deploy.instance"], INSTANCE_ENV),
            fact("phase", &["post_deploy.phase"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "odoo",
        name: "prod-promotion-run",
        operation: "odoo_prod_promotion_run",
        about: "Back up prod, promote the testing artifact and check health (needs --confirm)",
        example: "lpctl odoo prod-promotion-run --product odoo --context opw --request-id \"$GITHUB_RUN_ID\" --expected-artifact-id artifact-opw-3f2a9c1 --confirm",
        facts: &[
            PRODUCT,
            env_fact("context", &["run.context"], CONTEXT_ENV),
            fact("request-id", &["run.request_id"]),
            fact("expected-artifact-id", &["run.expected_artifact_id"]),
            fact("from-instance", &["run.from_instance"]),
            fact("to-instance", &["run.to_instance"]),
            fact("infrastructure-backup-record-id", &["run.infrastructure_backup_record_id"]),
            fact("backup-timeout-seconds", &["run.backup_timeout_seconds"]),
            fact("promotion-timeout-seconds", &["run.promotion_timeout_seconds"]),
            fact("wait", &["run.wait"]),
            fact("verify-health", &["run.verify_health"]),
            fact("health-timeout-seconds", &["run.health_timeout_seconds"]),
            fact("no-cache", &["run.no_cache"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "odoo",
        name: "prod-rollback",
        operation: "odoo_prod_rollback",
        about: "Roll prod back to the previous release (needs --confirm)",
        example: "lpctl odoo prod-rollback --product opw --context opw --reason 'login broken' --confirm",
        facts: &[
            PRODUCT,
            env_fact("context", &["rollback.context"], CONTEXT_ENV),
            fact("promotion-record-id", &["rollback.promotion_record_id"]),
            fact("artifact-id", &["rollback.artifact_id"]),
            fact("instance", &["rollback.instance"]),
            fact("reason", &["rollback.reason"]),
            fact("wait", &["rollback.wait"]),
            fact("timeout-seconds", &["rollback.timeout_seconds"]),
            fact("verify-health", &["rollback.verify_health"]),
            fact("health-timeout-seconds", &["rollback.health_timeout_seconds"]),
            fact("no-cache", &["rollback.no_cache"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "generic-web",
        name: "deploy",
        operation: "generic_web_deploy",
        about: "Deploy an immutable image to a lane (prod needs --confirm)",
        example: "lpctl generic-web deploy --product sellyouroutboard --instance testing --artifact-id ghcr.io/cbusillo/sellyouroutboard@sha256:…",
        facts: &[
            env_fact("product", &["product", "deploy.product"], PRODUCT_ENV),
            env_fact("instance", &["deploy.instance"], INSTANCE_ENV),
            fact("artifact-id", &["deploy.artifact_id"]),
            job_fact("source-git-ref", &["deploy.source_git_ref"], JobFact::HeadSha),
            fact("deploy-reference", &["deploy.deploy_reference"]),
            fact("timeout-seconds", &["deploy.timeout_seconds"]),
            fact("no-cache", &["deploy.no_cache"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "generic-web",
        name: "prod-promotion",
        operation: "generic_web_prod_promotion",
        about: "Promote the testing artifact to prod (needs --confirm)",
        example: "lpctl generic-web prod-promotion --product sellyouroutboard --artifact-id ghcr.io/cbusillo/sellyouroutboard@sha256:… --source-git-ref $GITHUB_SHA --confirm",
        facts: &[
            env_fact("product", &["product", "promotion.product"], PRODUCT_ENV),
            fact("artifact-id", &["promotion.artifact_id"]),
            fact("source-git-ref", &["promotion.source_git_ref"]),
            fact("deploy-reference", &["promotion.deploy_reference"]),
            fact("release-tag", &["promotion.release_tag"]),
            fact("from-instance", &["promotion.from_instance"]),
            fact("to-instance", &["promotion.to_instance"]),
            fact("promotion-intent-id", &["promotion.promotion_intent_id"]),
            fact("backup-record-id", &["promotion.backup_record_id"]),
            fact("wait", &["promotion.wait"]),
            fact("timeout-seconds", &["promotion.timeout_seconds"]),
            fact("verify-health", &["promotion.verify_health"]),
            fact("health-timeout-seconds", &["promotion.health_timeout_seconds"]),
            fact("promotion-dry-run", &["promotion.dry_run"]),
            fact("no-cache", &["promotion.no_cache"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "generic-web",
        name: "preview-desired-state",
        operation: "generic_web_preview_desired_state",
        about: "Discover which previews should exist (labelled open PRs)",
        example: "lpctl generic-web preview-desired-state --product sellyouroutboard",
        facts: &[
            env_fact("product", &["product", "desired_state.product"], PRODUCT_ENV),
            fact("label", &["desired_state.label"]),
            fact("max-pages", &["desired_state.max_pages"]),
            fact("source", &["desired_state.source"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "generic-web",
        name: "preview-refresh",
        operation: "generic_web_preview_refresh",
        about: "Create or refresh a PR preview from an image",
        example: "lpctl generic-web preview-refresh --product sellyouroutboard --preview-slug pr-42 --preview-url https://pr-42.preview.example.com --image-reference ghcr.io/cbusillo/sellyouroutboard@sha256:…",
        facts: &[
            env_fact("product", &["product", "refresh.product"], PRODUCT_ENV),
            fact("preview-slug", &["refresh.preview_slug"]),
            fact("preview-url", &["refresh.preview_url"]),
            fact("image-reference", &["refresh.image_reference"]),
            job_fact("anchor-pr-number", &["refresh.anchor_pr_number"], JobFact::PrNumber),
            job_fact("anchor-pr-url", &["refresh.anchor_pr_url"], JobFact::PrUrl),
            job_fact("anchor-head-sha", &["refresh.anchor_head_sha"], JobFact::HeadSha),
            fact("source", &["refresh.source"]),
            fact("timeout-seconds", &["refresh.timeout_seconds"]),
            fact("no-cache", &["refresh.no_cache"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "generic-web",
        name: "preview-inventory",
        operation: "generic_web_preview_inventory",
        about: "Scan which previews exist",
        example: "lpctl generic-web preview-inventory --product sellyouroutboard",
        facts: &[
            env_fact("product", &["product", "inventory.product"], PRODUCT_ENV),
            fact("source", &["inventory.source"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "generic-web",
        name: "preview-readiness",
        operation: "generic_web_preview_readiness",
        about: "Check that previews can be created for the product",
        example: "lpctl generic-web preview-readiness --product sellyouroutboard",
        facts: &[
            env_fact("product", &["product", "readiness.product"], PRODUCT_ENV),
            fact("source", &["readiness.source"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "generic-web",
        name: "preview-destroy",
        operation: "generic_web_preview_destroy",
        about: "Destroy a PR preview (needs --confirm)",
        example: "lpctl generic-web preview-destroy --product sellyouroutboard --preview-slug pr-42 --destroy-reason pull_request_closed --confirm",
        facts: &[
            env_fact("product", &["product", "destroy.product"], PRODUCT_ENV),
            fact("preview-slug", &["destroy.preview_slug"]),
            fact("destroy-reason", &["destroy.destroy_reason"]),
            job_fact("anchor-pr-number", &["destroy.anchor_pr_number"], JobFact::PrNumber),
            fact("timeout-seconds", &["destroy.timeout_seconds"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "evidence",
        name: "deployment",
        operation: "evidence_deployments",
        about: "Write deployment evidence (the record from --file)",
        example: "lpctl evidence deployment --product opw --file deployment.json",
        facts: &[PRODUCT, file_fact("file", &["deployment"])],
        path_param: None,
    },
    TenantCommand {
        group: "evidence",
        name: "backup-gate",
        operation: "evidence_backup_gates",
        about: "Write backup gate evidence (the record from --file)",
        example: "lpctl evidence backup-gate --product opw --file backup-gate.json",
        facts: &[PRODUCT, file_fact("file", &["backup_gate"])],
        path_param: None,
    },
    TenantCommand {
        group: "evidence",
        name: "promotion",
        operation: "evidence_promotions",
        about: "Write promotion evidence (the record from --file)",
        example: "lpctl evidence promotion --product opw --file promotion.json",
        facts: &[PRODUCT, file_fact("file", &["promotion"])],
        path_param: None,
    },
    TenantCommand {
        group: "evidence",
        name: "preview-generation",
        operation: "evidence_preview_generations",
        about: "Write preview generation evidence ({\"preview\": …, \"generation\": …} from --file)",
        example: "lpctl evidence preview-generation --product opw --file generation.json",
        facts: &[PRODUCT, file_fact("file", &[""])],
        path_param: None,
    },
    TenantCommand {
        group: "evidence",
        name: "preview-destroyed",
        operation: "evidence_previews_destroyed",
        about: "Write preview destroyed evidence (the record from --file)",
        example: "lpctl evidence preview-destroyed --product opw --file destroyed.json",
        facts: &[PRODUCT, file_fact("file", &["destroy"])],
        path_param: None,
    },
    TenantCommand {
        group: "previews",
        name: "lifecycle-plan",
        operation: "previews_lifecycle_plan",
        about: "Plan which previews to keep and which are orphaned",
        example: "lpctl previews lifecycle-plan --product opw --context opw --desired-state-id preview-desired-state-opw-20260503",
        facts: &[
            PRODUCT,
            env_fact("context", &["context"], CONTEXT_ENV),
            fact("desired-state-id", &["desired_state_id"]),
            file_fact("desired-previews", &["desired_previews"]),
            fact("source", &["source"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "previews",
        name: "lifecycle-cleanup",
        operation: "previews_lifecycle_cleanup",
        about: "Report on, or with --apply destroy, the orphaned previews of a plan (needs --confirm)",
        example: "lpctl previews lifecycle-cleanup --product opw --context opw --plan-id preview-lifecycle-plan-opw-20260503 --apply --confirm",
        facts: &[
            PRODUCT,
            env_fact("context", &["context"], CONTEXT_ENV),
            fact("plan-id", &["plan_id"]),
            fact("apply", &["apply"]),
            fact("destroy-reason", &["destroy_reason"]),
            fact("timeout-seconds", &["timeout_seconds"]),
            fact("source", &["source"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "previews",
        name: "desired-state",
        operation: "previews_desired_state",
        about: "Discover the previews a repository's labelled PRs ask for",
        example: "lpctl previews desired-state --product opw --context opw   # --repository/--anchor-repo from GITHUB_REPOSITORY",
        facts: &[
            PRODUCT,
            env_fact("context", &["context"], CONTEXT_ENV),
            job_fact("repository", &["repository"], JobFact::Repository),
            job_fact("anchor-repo", &["anchor_repo"], JobFact::RepositoryName),
            fact("label", &["label"]),
            fact("preview-slug-prefix", &["preview_slug_prefix"]),
            fact("max-pages", &["max_pages"]),
            fact("source", &["source"]),
        ],
        path_param: None,
    },
    TenantCommand {
        group: "previews",
        name: "pr-feedback",
        operation: "previews_pr_feedback",
        about: "Post or update the preview status comment on a PR",
        example: "lpctl previews pr-feedback --product opw --context opw --status ready   # in a pull_request job",
        facts: &[
            PRODUCT,
            env_fact("context", &["context"], CONTEXT_ENV),
            job_fact("repository", &["repository"], JobFact::Repository),
            job_fact("anchor-repo", &["anchor_repo"], JobFact::RepositoryName),
            job_fact("pr-number", &["anchor_pr_number"], JobFact::PrNumber),
            job_fact("pr-url", &["anchor_pr_url"], JobFact::PrUrl),
            fact("status", &["status"]),
            fact("marker", &["marker"]),
            fact("preview-url", &["preview_url"]),
            fact("immutable-image-reference", &["immutable_image_reference"]),
            fact("refresh-image-reference", &["refresh_image_reference"]),
            job_fact("revision", &["revision"], JobFact::HeadSha),
            job_fact("run-url", &["run_url"], JobFact::RunUrl),
            fact("failure-summary", &["failure_summary"]),
            fact("source", &["source"]),
        ],
        path_param: None,
    },
];
