//! The Idempotency-Key of a POST: the route's documented key shape filled from the body,
//! else a stable hash of route and body; scoped to the GitHub run when there is one, and to its
//! attempt where Launchplane would replay a failure to a re-run.

pub use launchplane_contract::fingerprint::{canonical_json, fingerprint};
use serde_json::Value;

use crate::contract::{Contract, Operation};
use crate::rules::scalar_text;

/// The GitHub run a key is scoped to. A re-run attempt keeps the key of an operation whose failed
/// answers Launchplane does not store (a finished one is replayed, a failed one runs again);
/// other operations' keys name the attempt, so a re-run is not answered with a stored failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunScope {
    pub run_id: String,
    pub attempt: String,
}

impl RunScope {
    pub fn from_env() -> Option<RunScope> {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.trim().is_empty());
        Some(RunScope {
            run_id: var("GITHUB_RUN_ID")?,
            attempt: var("GITHUB_RUN_ATTEMPT").unwrap_or_else(|| "1".into()),
        })
    }
}

/// The default key of a request with this wire body: the key the body names where the spec
/// says Launchplane requires it (`x-launchplane-key-from`), else a derived one.
pub fn default_key(op: &Operation, body: &Value, run: Option<&RunScope>) -> String {
    if let Some(key) = Contract::embedded().required_key(op, body) {
        return key;
    }
    let base = op
        .idempotency_key
        .as_deref()
        .and_then(|template| fill(template, |path| facts(op, body, path)))
        // A documented shape names the live operation; a dry run of it is another request.
        .map(|key| {
            if asks_for_dry_run(body) {
                format!("{key}:dry-run")
            } else {
                key
            }
        })
        .unwrap_or_else(|| {
            format!(
                "{}:{}",
                op.id,
                &fingerprint(&format!("{} {}", op.method, op.path), body)[..32]
            )
        });
    match run {
        Some(run) if !op.stores_failures => format!("{base}:run-{}", run.run_id),
        Some(run) => format!("{base}:run-{}-{}", run.run_id, run.attempt),
        None => base,
    }
}

/// Whether the body, or an object directly inside it, says `dry_run: true`.
fn asks_for_dry_run(body: &Value) -> bool {
    let dry = |v: &Value| v.get("dry_run") == Some(&Value::Bool(true));
    dry(body) || body.as_object().is_some_and(|members| members.values().any(dry))
}

/// A fact of the body: the value at the path, or the schema default Launchplane will use.
fn facts(op: &Operation, body: &Value, dot_path: &str) -> Option<Value> {
    match &op.request_schema {
        Some(schema) => crate::rules::resolve(Contract::embedded(), schema, body, dot_path),
        None => Contract::field(body, dot_path).cloned(),
    }
}

/// The template with every `{dot.path}` filled by `fact`, or None when one is missing or blank.
pub fn fill(template: &str, fact: impl Fn(&str) -> Option<Value>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let value = fact(&rest[start + 1..end]).as_ref().map(scalar_text)?;
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        out.push_str(value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn op(template: Option<&str>) -> Operation {
        Operation {
            id: "evidence_promotions".into(),
            method: "POST".into(),
            path: "/v1/evidence/promotions".into(),
            tag: "evidence".into(),
            authz_action: None,
            safety: None,
            instance_field: None,
            destructive_when: None,
            context_field: None,
            idempotency_key: template.map(str::to_owned),
            replay: true,
            authenticated: true,
            request_schema: None,
            success_status: 202,
            summary: String::new(),
            query_parameters: Vec::new(),
            poll: None,
            plan: None,
            timeout_seconds: None,
            stores_failures: true,
            key_from: None,
        }
    }

    #[test]
    fn documented_shape_is_filled_from_the_body() {
        let body = json!({"product": "opw", "promotion": {"context": "opw", "from_instance": "testing", "to_instance": "prod", "record_id": "promotion-1"}});
        let template = "prod-promotion:{product}:{promotion.context}:{promotion.from_instance}:{promotion.to_instance}:{promotion.record_id}";
        assert_eq!(
            default_key(&op(Some(template)), &body, None),
            "prod-promotion:opw:opw:testing:prod:promotion-1"
        );
        let run = RunScope {
            run_id: "42".into(),
            attempt: "2".into(),
        };
        assert_eq!(
            default_key(&op(Some(template)), &body, Some(&run)),
            "prod-promotion:opw:opw:testing:prod:promotion-1:run-42-2"
        );
    }

    #[test]
    fn a_re_run_keeps_the_key_only_where_launchplane_does_not_store_failures() {
        let body = json!({"product": "opw", "run": {"context": "opw", "request_id": "42"}});
        let attempt = |n: &str| RunScope {
            run_id: "42".into(),
            attempt: n.into(),
        };
        let stores_failures = op(None);
        assert_ne!(
            default_key(&stores_failures, &body, Some(&attempt("1"))),
            default_key(&stores_failures, &body, Some(&attempt("2"))),
            "a stored failure must not answer a re-run"
        );
        let keeps_only_successes = Operation {
            stores_failures: false,
            ..op(None)
        };
        let first = default_key(&keeps_only_successes, &body, Some(&attempt("1")));
        assert_eq!(first, default_key(&keeps_only_successes, &body, Some(&attempt("2"))));
        assert!(first.ends_with(":run-42"), "{first}");
        let next_run = RunScope {
            run_id: "43".into(),
            attempt: "1".into(),
        };
        assert_ne!(first, default_key(&keeps_only_successes, &body, Some(&next_run)));
    }

    #[test]
    fn missing_facts_fall_back_to_a_stable_hash_independent_of_key_order() {
        let a = json!({"product": "opw", "promotion": {"context": "opw"}});
        let b: Value = serde_json::from_str(r#"{"promotion": {"context": "opw"}, "product": "opw"}"#).unwrap();
        let key = default_key(&op(Some("x:{promotion.record_id}")), &a, None);
        assert!(key.starts_with("evidence_promotions:"), "{key}");
        assert_eq!(key, default_key(&op(None), &b, None));
        assert_ne!(key, default_key(&op(None), &json!({"product": "cm"}), None));
    }
}
