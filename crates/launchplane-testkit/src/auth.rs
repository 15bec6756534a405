//! Launchplane's authentication: the bearer token and the caller identity it carries.

use serde_json::{Map, Value};

use crate::issuer::Issuer;

/// The verified GitHub Actions caller, with the claims policy and idempotency use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub repository: String,
    pub workflow_ref: String,
    pub job_workflow_ref: String,
    pub git_ref: String,
    pub event_name: String,
    pub environment: String,
    pub subject: String,
}

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// No usable bearer, or the token did not verify: 401.
    Unauthenticated,
    /// A valid token without `repository` or `workflow_ref`: Launchplane answers 400.
    MissingClaims,
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
pub(crate) fn bearer(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub(crate) fn authenticate(
    issuer: &Issuer,
    audience: &str,
    authorization: Option<&str>,
) -> Result<Caller, AuthFailure> {
    let token = authorization.and_then(bearer).ok_or(AuthFailure::Unauthenticated)?;
    let claims = issuer
        .verify(token, audience)
        .map_err(|_| AuthFailure::Unauthenticated)?;
    caller_from_claims(&claims)
}

fn caller_from_claims(claims: &Map<String, Value>) -> Result<Caller, AuthFailure> {
    let claim = |name: &str| match claims.get(name) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let caller = Caller {
        repository: claim("repository"),
        workflow_ref: claim("workflow_ref"),
        job_workflow_ref: claim("job_workflow_ref"),
        git_ref: claim("ref"),
        event_name: claim("event_name"),
        environment: claim("environment"),
        subject: claim("sub"),
    };
    if caller.repository.is_empty() || caller.workflow_ref.is_empty() {
        return Err(AuthFailure::MissingClaims);
    }
    Ok(caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_takes_any_case_of_the_scheme_and_needs_a_token() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("BEARER abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }

    #[test]
    fn repository_and_workflow_ref_are_required_claims() {
        let claims = |v: Value| v.as_object().cloned().unwrap();
        let full = claims(
            serde_json::json!({"repository": "a/b", "workflow_ref": "a/b/.github/workflows/x.yml@refs/heads/main", "sub": "repo:a/b:ref:refs/heads/main"}),
        );
        let caller = caller_from_claims(&full).unwrap();
        assert_eq!(caller.repository, "a/b");
        assert_eq!(caller.subject, "repo:a/b:ref:refs/heads/main");
        assert_eq!(
            caller_from_claims(&claims(serde_json::json!({"repository": "a/b"}))),
            Err(AuthFailure::MissingClaims)
        );
        assert_eq!(
            caller_from_claims(&claims(serde_json::json!({"repository": " ", "workflow_ref": "w"}))),
            Err(AuthFailure::MissingClaims)
        );
    }
}
