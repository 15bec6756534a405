//! What a stand-in starts with: audience, caller identity, product table, policy, overrides.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::policy::{Policy, PolicyRule};

/// Everything a Launchplane stand-in is started with (`launchplane-testkit serve --config`);
/// every field has a default, so a config file only names what it changes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StandInConfig {
    /// The audience Launchplane expects in tokens.
    pub audience: String,
    /// Claims of the tokens the token endpoint hands out.
    pub identity: Identity,
    /// Product profiles: product key → driver and context.
    pub products: BTreeMap<String, Product>,
    /// Launchplane's authorization policy. Absent, the identity's repository is granted
    /// every action on every product and context.
    pub policy: Option<Policy>,
    /// Lifetime of the tokens the token endpoint hands out.
    pub token_ttl_seconds: u64,
    /// The bearer the token endpoint requires; random when absent.
    pub request_token: Option<String>,
    /// Launchplane port on 127.0.0.1; 0 picks a free one.
    pub launchplane_port: u16,
    /// Issuer (JWKS and token endpoint) port on 127.0.0.1; 0 picks a free one.
    pub issuer_port: u16,
    /// Operation id → JSON merge patch (RFC 7386) over the answer's `result` (over the whole
    /// body for reads).
    pub result_overrides: BTreeMap<String, Value>,
    /// Operation id → merge patches for its next answers, one per answer, over the whole
    /// answer body (after the override). A scripted answer is not stored under its
    /// Idempotency-Key: a repeat of the request is answered afresh, as Launchplane answers a
    /// request still running (`{"result": {"refresh_status": "pending"}}`, then the real answer
    /// once the script is spent).
    pub result_scripts: BTreeMap<String, Vec<Value>>,
}

/// A product profile as far as the stand-in needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// `odoo`, `generic-web`, or any other driver id.
    pub driver: String,
    /// The context Launchplane authorizes routes that take it from the profile.
    pub context: String,
}

impl Product {
    pub fn new(driver: &str, context: &str) -> Self {
        Product {
            driver: driver.to_owned(),
            context: context.to_owned(),
        }
    }
}

/// The GitHub Actions run a token describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Identity {
    /// `owner/name`; `serve` takes it from `GITHUB_REPOSITORY` unless the config names it.
    pub repository: String,
    pub repository_owner: String,
    pub repository_id: String,
    pub repository_owner_id: String,
    /// `serve` takes it from `GITHUB_WORKFLOW_REF` unless the config names it.
    pub workflow_ref: String,
    pub job_workflow_ref: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub ref_type: String,
    pub sha: String,
    pub event_name: String,
    /// The job's deployment environment; `sub` names it when set, as GitHub does.
    pub environment: Option<String>,
    /// Further claims, added as given.
    pub extra_claims: Map<String, Value>,
}

impl Identity {
    /// The `sub` claim GitHub derives from the run.
    pub fn subject(&self) -> String {
        match &self.environment {
            Some(environment) => format!("repo:{}:environment:{environment}", self.repository),
            None => format!("repo:{}:ref:{}", self.repository, self.git_ref),
        }
    }
}

impl Default for Identity {
    fn default() -> Self {
        let workflow_ref = "cbusillo/odoo-opw/.github/workflows/deploy.yml@refs/heads/main".to_owned();
        Identity {
            repository: "cbusillo/odoo-opw".into(),
            repository_owner: "cbusillo".into(),
            repository_id: "731046283".into(),
            repository_owner_id: "1497221".into(),
            job_workflow_ref: workflow_ref.clone(),
            workflow_ref,
            git_ref: "refs/heads/main".into(),
            ref_type: "branch".into(),
            sha: "3f786850e387550fdab836ed7e6dc881de23001b".into(),
            event_name: "push".into(),
            environment: None,
            extra_claims: Map::new(),
        }
    }
}

impl StandInConfig {
    /// The JSON Schema of a config file (`serve --config`), generated from these types.
    pub fn json_schema() -> Value {
        serde_json::to_value(schemars::schema_for!(StandInConfig)).expect("a JSON Schema is JSON")
    }

    /// The policy the stand-in enforces: the configured one, else a grant of everything to
    /// the identity's repository.
    pub fn effective_policy(&self) -> Policy {
        self.policy.clone().unwrap_or_else(|| Policy {
            schema_version: 1,
            github_actions: vec![PolicyRule::for_repository(&self.identity.repository)],
        })
    }
}

impl Default for StandInConfig {
    fn default() -> Self {
        let identity = Identity::default();
        let products = BTreeMap::from([
            ("opw".to_owned(), Product::new("odoo", "opw")),
            ("cm".to_owned(), Product::new("odoo", "cm")),
            // The product names the spec's Odoo examples use: the CM tenant and its website,
            // and `odoo`, the envelope product Launchplane's reusable Odoo workflows send.
            ("odoo-tenant-cm".to_owned(), Product::new("odoo", "cm")),
            ("odoo-tenant-cm-website".to_owned(), Product::new("odoo", "cm_website")),
            ("odoo".to_owned(), Product::new("odoo", "odoo")),
            (
                "sellyouroutboard".to_owned(),
                Product::new("generic-web", "sellyouroutboard"),
            ),
            // A profile on a driver no tenant route serves, for mismatch tests.
            ("wrongdriver".to_owned(), Product::new("verireel", "wrongdriver")),
        ]);
        StandInConfig {
            audience: "launchplane.example.com".into(),
            identity,
            products,
            policy: None,
            token_ttl_seconds: 300,
            request_token: None,
            launchplane_port: 0,
            issuer_port: 0,
            result_overrides: BTreeMap::new(),
            result_scripts: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_follows_the_environment() {
        let mut identity = Identity::default();
        assert_eq!(identity.subject(), "repo:cbusillo/odoo-opw:ref:refs/heads/main");
        identity.environment = Some("prod".into());
        assert_eq!(identity.subject(), "repo:cbusillo/odoo-opw:environment:prod");
    }

    #[test]
    fn a_config_file_names_only_what_it_changes() {
        let config: StandInConfig = serde_json::from_str(
            r#"{"audience": "lp.test", "identity": {"repository": "acme/site", "ref": "refs/heads/dev"},
                "products": {"site": {"driver": "generic-web", "context": "site"}}}"#,
        )
        .unwrap();
        assert_eq!(config.audience, "lp.test");
        assert_eq!(config.identity.repository, "acme/site");
        assert_eq!(config.identity.git_ref, "refs/heads/dev");
        assert_eq!(config.identity.event_name, "push");
        assert_eq!(config.products.len(), 1);
        assert_eq!(config.token_ttl_seconds, 300);
        assert!(serde_json::from_str::<StandInConfig>(r#"{"audiense": "typo"}"#).is_err());
    }
}
