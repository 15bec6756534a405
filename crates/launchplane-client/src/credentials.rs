//! The bearer token of one connection: fetched on first use and fetched again when the one
//! held is about to expire, so a retry after a long call does not go out with a dead token.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::config::Config;
use crate::error::Error;
use crate::token;

/// A token this close to its `exp` is not sent: the request could arrive after it.
pub const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// The token cache of one Launchplane connection.
#[derive(Debug)]
pub struct Credentials {
    config: Config,
    held: Mutex<Option<Held>>,
}

#[derive(Debug, Clone)]
struct Held {
    token: SecretString,
    /// None for tokens that are not JWTs or carry no `exp`: kept for the connection's life.
    expires: Option<SystemTime>,
}

impl Credentials {
    pub fn new(config: Config) -> Credentials {
        Credentials {
            config,
            held: Mutex::new(None),
        }
    }

    /// The token to send now: the one held unless it expires within [`EXPIRY_MARGIN`].
    pub async fn token(&self, http: &reqwest::Client) -> Result<SecretString, Error> {
        let source = self.config.token_source()?;
        let mut held = self.held.lock().await;
        if let Some(current) = held.as_ref().filter(|h| fresh(h.expires, SystemTime::now())) {
            return Ok(current.token.clone());
        }
        let token = token::fetch(source, http).await?;
        let expires = expiry(&token);
        *held = Some(Held {
            token: token.clone(),
            expires,
        });
        Ok(token)
    }
}

fn fresh(expires: Option<SystemTime>, now: SystemTime) -> bool {
    expires.is_none_or(|at| now.checked_add(EXPIRY_MARGIN).is_some_and(|soon| soon < at))
}

/// The `exp` claim of a JWT, read without verifying it (Launchplane verifies; this only
/// decides when to ask for a new one).
fn expiry(token: &SecretString) -> Option<SystemTime> {
    let payload = token.expose_secret().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_u64()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> SecretString {
        let part = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        SecretString::from(format!("{}.{}.sig", part(r#"{"alg":"RS256"}"#), part(claims)))
    }

    #[test]
    fn reads_exp_from_a_jwt_and_nothing_from_other_tokens() {
        assert_eq!(
            expiry(&jwt(r#"{"exp": 1700000000, "aud": "lp"}"#)),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        assert_eq!(expiry(&jwt(r#"{"aud": "lp"}"#)), None);
        assert_eq!(expiry(&jwt(r#"{"exp": -1}"#)), None);
        assert_eq!(expiry(&SecretString::from("opaque-static-token")), None);
        assert_eq!(expiry(&SecretString::from("a.%%%.c")), None);
    }

    #[test]
    fn a_token_near_or_past_expiry_is_not_fresh() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(fresh(None, now));
        assert!(fresh(Some(now + Duration::from_secs(600)), now));
        assert!(!fresh(Some(now + EXPIRY_MARGIN), now));
        assert!(!fresh(Some(now + Duration::from_secs(5)), now));
        assert!(!fresh(Some(now - Duration::from_secs(5)), now));
    }
}
