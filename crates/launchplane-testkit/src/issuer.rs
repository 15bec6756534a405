//! The fake GitHub Actions OIDC issuer: key, claims, JWKS, and the token endpoint.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::config::Identity;
use crate::jwt::{self, Expectations, SigningKeyPair, TokenError};

/// Path of the token endpoint; the URL handed out carries `?api-version=2.0` like GitHub's.
pub(crate) const TOKEN_PATH: &str = "/_apis/pipelines/idtoken";
pub(crate) const JWKS_PATH: &str = "/.well-known/jwks";
pub(crate) const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// Changes to one minted token. `claims` are merged over the issued ones; a `null` value
/// removes the claim.
#[derive(Debug, Clone, Default)]
pub struct TokenOverrides {
    /// `aud`; the stand-in's audience when absent.
    pub audience: Option<String>,
    pub claims: Map<String, Value>,
    /// `exp` relative to now; the configured lifetime when absent. Negative is expired.
    pub expires_in: Option<i64>,
    /// The `kid` header; the issuer's key id when absent.
    pub kid: Option<String>,
    /// Sign with a key the JWKS does not publish (under the published `kid`).
    pub foreign_key: bool,
}

impl TokenOverrides {
    pub fn audience(mut self, audience: &str) -> Self {
        self.audience = Some(audience.to_owned());
        self
    }

    pub fn claim(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.claims.insert(name.to_owned(), value.into());
        self
    }

    pub fn without(self, name: &str) -> Self {
        self.claim(name, Value::Null)
    }

    pub fn expires_in(mut self, seconds: i64) -> Self {
        self.expires_in = Some(seconds);
        self
    }

    pub fn kid(mut self, kid: &str) -> Self {
        self.kid = Some(kid.to_owned());
        self
    }

    pub fn foreign_key(mut self) -> Self {
        self.foreign_key = true;
        self
    }
}

pub(crate) struct Issuer {
    url: String,
    key: &'static SigningKeyPair,
    identity: Identity,
    audience: String,
    ttl_seconds: u64,
    request_token: String,
}

/// A JSON answer of the issuer: status and body.
pub(crate) type IssuerAnswer = (u16, Value);

impl Issuer {
    pub(crate) fn new(
        url: String,
        identity: Identity,
        audience: String,
        ttl_seconds: u64,
        request_token: String,
    ) -> Self {
        Issuer {
            url,
            key: signing_key(),
            identity,
            audience,
            ttl_seconds,
            request_token,
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn request_token(&self) -> &str {
        &self.request_token
    }

    pub(crate) fn token_request_url(&self) -> String {
        format!("{}{TOKEN_PATH}?api-version=2.0", self.url)
    }

    pub(crate) fn jwks(&self) -> Value {
        json!({"keys": [self.key.jwk()]})
    }

    pub(crate) fn discovery(&self) -> Value {
        json!({
            "issuer": self.url,
            "jwks_uri": format!("{}{JWKS_PATH}", self.url),
            "subject_types_supported": ["public", "pairwise"],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository",
                "repository_id", "repository_owner", "repository_owner_id", "workflow_ref", "job_workflow_ref",
                "ref_type", "event_name", "environment"],
        })
    }

    /// The run the tokens describe.
    pub(crate) fn identity(&self) -> &Identity {
        &self.identity
    }

    /// A signed token for the configured identity.
    pub(crate) fn mint(&self, overrides: &TokenOverrides) -> String {
        let now = now();
        let ttl = overrides.expires_in.unwrap_or(self.ttl_seconds as i64);
        let audience = overrides.audience.as_deref().unwrap_or(&self.audience);
        let identity = &self.identity;
        let mut claims = json!({
            "jti": format!("{:032x}", rand::random::<u128>()),
            "sub": identity.subject(),
            "aud": audience,
            "ref": identity.git_ref,
            "sha": identity.sha,
            "repository": identity.repository,
            "repository_owner": identity.repository_owner,
            "repository_owner_id": identity.repository_owner_id,
            "repository_id": identity.repository_id,
            "event_name": identity.event_name,
            "ref_type": identity.ref_type,
            "workflow_ref": identity.workflow_ref,
            "job_workflow_ref": identity.job_workflow_ref,
            "iss": self.url,
            "nbf": now,
            "iat": now,
            "exp": now as i64 + ttl,
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        if let Some(environment) = &identity.environment {
            claims.insert("environment".into(), environment.as_str().into());
        }
        claims.extend(identity.extra_claims.clone());
        for (name, value) in &overrides.claims {
            match value {
                Value::Null => claims.remove(name),
                value => claims.insert(name.clone(), value.clone()),
            };
        }
        let kid = overrides.kid.as_deref().unwrap_or(self.key.kid());
        let key = if overrides.foreign_key { foreign_key() } else { self.key };
        key.sign(kid, &claims)
    }

    /// Checks a bearer token the way Launchplane does, against this issuer.
    pub(crate) fn verify(&self, token: &str, audience: &str) -> Result<Map<String, Value>, TokenError> {
        jwt::verify(
            token,
            &[self.key],
            &Expectations {
                issuer: &self.url,
                audience,
                now: now(),
            },
        )
    }

    /// The token endpoint: `GET`, `Authorization: Bearer <request token>`,
    /// `api-version=2.0` and at most one `audience` in the query.
    pub(crate) fn token_endpoint(
        &self,
        method: &str,
        authorization: Option<&str>,
        query: Option<&str>,
    ) -> IssuerAnswer {
        if method != "GET" {
            return (405, json!({"message": "The token endpoint only answers GET."}));
        }
        let presented = authorization.and_then(crate::auth::bearer);
        if presented != Some(self.request_token.as_str()) {
            return (
                401,
                json!({"message": "A valid ACTIONS_ID_TOKEN_REQUEST_TOKEN bearer is required."}),
            );
        }
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        let values = |name: &str| {
            pairs
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        if values("api-version") != ["2.0"] {
            return (
                400,
                json!({"message": "The query must carry api-version=2.0 exactly once."}),
            );
        }
        let audience = match values("audience").as_slice() {
            [] | [""] => format!("https://github.com/{}", self.identity.repository_owner),
            [audience] => (*audience).to_owned(),
            _ => return (400, json!({"message": "The query names more than one audience."})),
        };
        let token = self.mint(&TokenOverrides::default().audience(&audience));
        (200, json!({"value": token, "count": 1}))
    }
}

/// The issuer key, generated once per process: 2048-bit generation takes up to a second
/// and stand-ins are many. Tokens still verify only where they were issued, by `iss`.
fn signing_key() -> &'static SigningKeyPair {
    static KEY: OnceLock<SigningKeyPair> = OnceLock::new();
    KEY.get_or_init(|| SigningKeyPair::generate(2048))
}

fn foreign_key() -> &'static SigningKeyPair {
    static KEY: OnceLock<SigningKeyPair> = OnceLock::new();
    KEY.get_or_init(|| SigningKeyPair::generate(2048))
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
