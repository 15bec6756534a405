//! `cargo xtask demo`: the tenant flows through the real `lpctl` binary against the embedded
//! stand-in, printed as a transcript; fails when any step does not behave as expected.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use launchplane_testkit::{Fault, FaultTarget, StandIn, StandInConfig, examples};
use serde_json::{Value, json};

/// What a step must show.
struct Expect {
    exit: i32,
    replayed: bool,
    min_attempts: u32,
}

const ACCEPTED: Expect = Expect {
    exit: 0,
    replayed: false,
    min_attempts: 1,
};

struct Demo {
    lpctl: PathBuf,
    stand_in: StandIn,
    files: PathBuf,
    failures: Vec<String>,
    step: usize,
}

pub fn run() -> u8 {
    let started = Instant::now();
    let lpctl = match crate::build_lpctl() {
        Ok(path) => path,
        Err(error) => {
            eprintln!("demo: {error}");
            return 1;
        }
    };
    let files = std::env::temp_dir().join(format!("lpctl-demo-{}", std::process::id()));
    std::fs::create_dir_all(&files).expect("demo scratch directory");
    let stand_in = StandIn::spawn(StandInConfig::default());
    println!(
        "Launchplane stand-in at {} (fake GitHub OIDC issuer at {})\n",
        stand_in.base_url(),
        stand_in.issuer()
    );
    let mut demo = Demo {
        lpctl,
        stand_in,
        files,
        failures: Vec::new(),
        step: 0,
    };
    demo.odoo_flow();
    demo.odoo_preview_flow();
    demo.generic_web_preview_flow();
    demo.failures_and_retries();
    let _ = std::fs::remove_dir_all(&demo.files);
    let writes = demo.stand_in.accepted().len();
    println!(
        "\n{} steps, {writes} writes accepted by the stand-in, {:.1?}",
        demo.step,
        started.elapsed()
    );
    if demo.failures.is_empty() {
        println!("demo: every step behaved as expected");
        0
    } else {
        println!("demo: {} step(s) did not behave as expected:", demo.failures.len());
        for failure in &demo.failures {
            println!("  - {failure}");
        }
        1
    }
}

impl Demo {
    fn odoo_flow(&mut self) {
        println!(
            "== Odoo tenant (product opw): publish → post-deploy → prod promotion run (backup gate, promotion, health) → evidence → rollback"
        );
        let base = ["--product", "opw", "--context", "opw"];
        self.run(
            "publish inputs",
            &[
                &["odoo", "artifact-publish-inputs"],
                &base[..],
                &["--instance", "testing", "--pr-number", "42"],
            ],
            ACCEPTED,
        );
        let manifest = self.example_file("odoo_artifact_publish", "publish.manifest", "manifest.json");
        self.run(
            "artifact publish report",
            &[
                &["odoo", "artifact-publish"],
                &base[..],
                &["--instance", "testing", "--manifest", &manifest],
            ],
            ACCEPTED,
        );
        self.run(
            "post-deploy",
            &[&["odoo", "post-deploy"], &base[..], &["--instance", "testing"]],
            ACCEPTED,
        );
        self.run(
            "prod promotion run",
            &[
                &["odoo", "prod-promotion-run"],
                &base[..],
                &[
                    "--request-id",
                    "demo-run-1",
                    "--expected-artifact-id",
                    "artifact-opw-3f2a9c1",
                    "--confirm",
                ],
            ],
            ACCEPTED,
        );
        let deployment = self.example_file("evidence_deployments", "deployment", "deployment.json");
        self.run(
            "deployment evidence",
            &[&["evidence", "deployment", "--product", "opw", "--file", &deployment]],
            ACCEPTED,
        );
        let promotion = self.example_file("evidence_promotions", "promotion", "promotion.json");
        self.run(
            "promotion evidence",
            &[&["evidence", "promotion", "--product", "opw", "--file", &promotion]],
            ACCEPTED,
        );
        self.run(
            "prod rollback",
            &[
                &["odoo", "prod-rollback"],
                &base[..],
                &["--reason", "demo rollback", "--confirm"],
            ],
            ACCEPTED,
        );
    }

    fn odoo_preview_flow(&mut self) {
        println!(
            "\n== Odoo PR preview (product opw, PR 42): plan → apply with the plan id as key → re-run replays → destroy plan → apply"
        );
        let plan = self.files.join("preview-plan.json").to_string_lossy().into_owned();
        let plan_refresh = [
            "odoo",
            "preview-apply-inputs",
            "--product",
            "opw",
            "--pr-number",
            "42",
            "--source-git-ref",
            "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
            "--plan-out",
            &plan,
        ];
        self.run("preview refresh plan (written to a file)", &[&plan_refresh], ACCEPTED);
        let apply = [
            "odoo",
            "preview-apply",
            "--product",
            "opw",
            "--plan",
            &plan,
            "--confirm",
        ];
        let applied = self.run("preview apply of the plan", &[&apply], ACCEPTED);
        let plan_id = plan_key(&plan);
        let key = applied.get("idempotency_key").cloned().unwrap_or(Value::Null);
        println!("     Idempotency-Key {key} is the plan id {plan_id}");
        if key.is_null() || key != plan_id {
            self.failures
                .push(format!("preview apply: key {key} is not the plan id {plan_id}"));
        }
        self.run(
            "the same apply again (a job re-run): replayed, not applied twice",
            &[&apply],
            Expect {
                exit: 0,
                replayed: true,
                min_attempts: 1,
            },
        );
        let mut plan_destroy = plan_refresh.to_vec();
        plan_destroy.extend(["--operation", "destroy"]);
        self.run("preview destroy plan", &[&plan_destroy], ACCEPTED);
        self.run("preview apply of the destroy plan", &[&apply], ACCEPTED);
    }

    fn generic_web_preview_flow(&mut self) {
        println!(
            "\n== generic-web product (sellyouroutboard): preview desired state → refresh → readiness → evidence → destroy"
        );
        let product = ["--product", "sellyouroutboard"];
        self.run(
            "preview desired state",
            &[&["generic-web", "preview-desired-state"], &product[..]],
            ACCEPTED,
        );
        let image =
            "ghcr.io/cbusillo/sellyouroutboard@sha256:4f6c1b0d8e2a7c9b3d5e1f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c";
        self.run(
            "preview refresh",
            &[
                &["generic-web", "preview-refresh"],
                &product[..],
                &[
                    "--preview-slug",
                    "pr-42",
                    "--preview-url",
                    "https://pr-42.preview.example.com",
                    "--image-reference",
                    image,
                ],
            ],
            ACCEPTED,
        );
        self.run(
            "preview readiness",
            &[&["generic-web", "preview-readiness"], &product[..]],
            ACCEPTED,
        );
        let generation = self.example_file("evidence_preview_generations", "", "generation.json");
        self.run(
            "preview generation evidence",
            &[&[
                "evidence",
                "preview-generation",
                "--product",
                "opw",
                "--file",
                &generation,
            ]],
            ACCEPTED,
        );
        self.run(
            "preview destroy",
            &[
                &["generic-web", "preview-destroy"],
                &product[..],
                &[
                    "--preview-slug",
                    "pr-42",
                    "--destroy-reason",
                    "pull_request_closed",
                    "--confirm",
                ],
            ],
            ACCEPTED,
        );
    }

    fn failures_and_retries(&mut self) {
        println!("\n== failures, refusals, retries and replays");
        self.stand_in.override_result(
            "generic_web_deploy",
            json!({"deploy_status": "fail", "error_message": "health check timed out"}),
        );
        let deploy = [
            "generic-web",
            "deploy",
            "--product",
            "sellyouroutboard",
            "--instance",
            "testing",
            "--artifact-id",
            "ghcr.io/cbusillo/sellyouroutboard@sha256:4f6c1b0d8e2a7c9b3d5e1f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c",
            "--source-git-ref",
            "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
        ];
        self.run(
            "deploy whose driver result fails (exit 1)",
            &[&deploy],
            Expect {
                exit: 1,
                replayed: false,
                min_attempts: 1,
            },
        );
        self.run(
            "the same deploy again: Launchplane replays the stored failure",
            &[&deploy],
            Expect {
                exit: 1,
                replayed: true,
                min_attempts: 1,
            },
        );
        self.stand_in.override_result("generic_web_deploy", Value::Null);

        let writes = self.stand_in.accepted().len();
        self.run(
            "prod promotion run without --confirm is refused before sending (exit 2)",
            &[&[
                "odoo",
                "prod-promotion-run",
                "--product",
                "opw",
                "--context",
                "opw",
                "--request-id",
                "demo-run-2",
                "--expected-artifact-id",
                "artifact-opw-3f2a9c1",
            ]],
            Expect {
                exit: 2,
                replayed: false,
                min_attempts: 0,
            },
        );
        self.run(
            "a body breaking a rule is refused before sending (exit 2)",
            &[&[
                "odoo",
                "prod-rollback",
                "--product",
                "opw",
                "--context",
                "opw",
                "--wait=false",
                "--confirm",
            ]],
            Expect {
                exit: 2,
                replayed: false,
                min_attempts: 0,
            },
        );
        if self.stand_in.accepted().len() != writes {
            self.failures.push("a refused command reached the stand-in".into());
        }

        self.stand_in.inject(FaultTarget::Launchplane, Fault::HtmlError(502), 1);
        self.stand_in.inject(FaultTarget::Launchplane, Fault::JsonError(503), 1);
        let before = self.stand_in.accepted().len();
        let answer = self.run(
            "post-deploy through an injected 502 (HTML) and 503: retried with the same key",
            &[&[
                "odoo",
                "post-deploy",
                "--product",
                "cm",
                "--context",
                "cm",
                "--instance",
                "testing",
            ]],
            Expect {
                exit: 0,
                replayed: false,
                min_attempts: 3,
            },
        );
        let accepted = self.stand_in.accepted();
        let new_writes = accepted.len() - before;
        let key = answer
            .get("idempotency_key")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let same_key = self
            .stand_in
            .requests()
            .iter()
            .rev()
            .take(3)
            .all(|r| r.header("idempotency-key") == Some(key));
        println!("     {new_writes} write accepted, all 3 attempts sent Idempotency-Key {key}");
        if new_writes != 1 || !same_key {
            self.failures.push(format!(
                "retry: {new_writes} writes, same key on every attempt: {same_key}"
            ));
        }
    }

    /// Runs lpctl with `--output json`, prints a transcript line, checks the expectation.
    fn run(&mut self, title: &str, parts: &[&[&str]], expect: Expect) -> Value {
        self.step += 1;
        let args: Vec<&str> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        let shown: Vec<String> = args.iter().map(|a| shell_word(a)).collect();
        println!("\n{:>2}. {title}\n    $ lpctl {}", self.step, shown.join(" "));
        let output = Command::new(&self.lpctl)
            .args(&args)
            .args(["--output", "json"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.stand_in.client_env())
            .output()
            .expect("run lpctl");
        let code = output.status.code().unwrap_or(-1);
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        let status = report.get("status").and_then(Value::as_str).unwrap_or("?");
        let mut line = format!("    exit {code} · {status}");
        if let Some(trace) = report.get("trace_id").and_then(Value::as_str) {
            line.push_str(&format!(" · trace {trace}"));
        }
        let replayed = report.get("replayed").and_then(Value::as_bool).unwrap_or(false);
        if replayed {
            let original = report.get("original_trace_id").and_then(Value::as_str).unwrap_or("?");
            line.push_str(&format!(" · replayed (original {original})"));
        }
        let attempts = report.get("attempts").and_then(Value::as_u64).unwrap_or(0) as u32;
        if attempts > 1 {
            line.push_str(&format!(" · {attempts} attempts"));
        }
        println!("{line}");
        if let Some(records) = report
            .get("records")
            .and_then(Value::as_object)
            .filter(|r| !r.is_empty())
        {
            let listed: Vec<String> = records
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect();
            println!("    records: {}", listed.join(", "));
        }
        if let Some(message) = report.get("message").and_then(Value::as_str) {
            for line in message.lines().take(2) {
                println!("    {}", line.trim());
            }
        }
        if let Some(failures) = report
            .get("failures")
            .and_then(Value::as_array)
            .filter(|f| !f.is_empty())
        {
            println!(
                "    driver failure: {}",
                failures.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
            );
        }
        let ok = code == expect.exit && replayed == expect.replayed && attempts >= expect.min_attempts;
        if !ok {
            self.failures.push(format!(
                "step {} ({title}): exit {code}, replayed {replayed}, attempts {attempts}; stderr: {}",
                self.step,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        report
    }

    fn example_file(&self, operation_id: &str, dot_path: &str, name: &str) -> String {
        examples::write_part(&self.files, operation_id, dot_path, name)
    }
}

/// The id of the plan in `file`, read where the spec says the preview apply takes its key from.
fn plan_key(file: &str) -> Value {
    let contract = launchplane_client::Contract::embedded();
    let key_path = contract
        .operation("odoo_preview_apply")
        .and_then(|op| op.plan.as_ref())
        .map(|plan| plan.key.clone())
        .unwrap_or_default();
    std::fs::read_to_string(file)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|plan| launchplane_client::contract::dot_path::field(&plan, &key_path).cloned())
        .unwrap_or(Value::Null)
}

/// An argument as a shell would need it written.
fn shell_word(arg: &str) -> String {
    if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c)) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}
