//! The bearer token: a GitHub Actions OIDC token requested for the Launchplane audience,
//! or a static one. Kept in `secrecy` types; masked in GitHub Actions logs.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::config::{ENV_OIDC_URL, TokenSource};
use crate::error::{Error, excerpt};
use crate::retry::RetryPolicy;

#[derive(Deserialize)]
struct TokenAnswer {
    value: Option<String>,
}

/// Produces the bearer token for this run.
pub async fn fetch(source: &TokenSource, http: &reqwest::Client) -> Result<SecretString, Error> {
    let token = match source {
        TokenSource::Static(token) => token.clone(),
        TokenSource::GitHubOidc {
            request_url,
            request_token,
            audience,
        } => request_oidc(http, &with_audience(request_url, audience), request_token).await?,
    };
    mask_in_github_actions(&token);
    Ok(token)
}

/// The request URL with `audience` added to whatever query it already has.
pub fn with_audience(request_url: &Url, audience: &str) -> Url {
    let mut url = request_url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "audience")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("audience", audience);
    url
}

/// How long one token request may take: GitHub answers within a second, and the token
/// policy's budget leaves room for a retry after a request that hangs.
const TOKEN_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

async fn request_oidc(http: &reqwest::Client, url: &Url, request_token: &SecretString) -> Result<SecretString, Error> {
    let policy = RetryPolicy::token();
    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let response = http
            .get(url.clone())
            .timeout(TOKEN_ATTEMPT_TIMEOUT)
            .bearer_auth(request_token.expose_secret())
            .send()
            .await;
        let (retry, retry_after, failure) = match response {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = crate::retry::retry_after(response.headers());
                let body = response.bytes().await.unwrap_or_default();
                if (200..300).contains(&status) {
                    return read_token(&body);
                }
                let retry = status == 429 || status >= 500;
                (
                    retry,
                    retry_after,
                    format!("the token endpoint answered HTTP {status}: {}", excerpt(&body, 200)),
                )
            }
            // A request the client refuses to build (an http URL under https_only, a bad
            // header) fails the same way every time: a configuration error, not retried.
            Err(e) if e.is_builder() => {
                return Err(Error::Config(format!(
                    "the token request to {ENV_OIDC_URL} cannot be made: {}",
                    without_url(&e)
                )));
            }
            Err(e) => (
                true,
                None,
                format!("the token endpoint could not be reached: {}", without_url(&e)),
            ),
        };
        attempt += 1;
        match policy.delay(attempt, started, retry_after).filter(|_| retry) {
            Some(wait) => tokio::time::sleep(wait).await,
            None => return Err(Error::Token(format!("{failure} (after {} attempt(s))", attempt - 1))),
        }
    }
}

fn read_token(body: &[u8]) -> Result<SecretString, Error> {
    let answer: TokenAnswer = serde_json::from_slice(body)
        .map_err(|_| Error::Token("the token endpoint's answer is not JSON with a `value`".into()))?;
    match answer.value.filter(|v| !v.trim().is_empty()) {
        Some(value) => Ok(SecretString::from(value)),
        None => Err(Error::Token("the token endpoint's answer has no `value`".into())),
    }
}

/// A transport error's text without the URL, which carries the audience and may carry secrets.
pub fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        // The origin alone says where the request went; path and query may carry the audience.
        let origin = url.origin().ascii_serialization();
        text = text
            .replace(&format!(" for url ({})", url.as_str()), &format!(" to {origin}"))
            .replace(&format!(" ({})", url.as_str()), "")
            .replace(url.as_str(), "the URL");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn mask_in_github_actions(token: &SecretString) {
    if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
        // The runner hides every later occurrence of a masked value in the job log. It reads
        // workflow commands from stderr too, which keeps stdout for the command's own output.
        eprintln!("::add-mask::{}", token.expose_secret());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_joins_an_existing_query() {
        let url = Url::parse("https://token.example/req?api-version=2.0").unwrap();
        assert_eq!(
            with_audience(&url, "lp.example.com").as_str(),
            "https://token.example/req?api-version=2.0&audience=lp.example.com"
        );
        let bare = Url::parse("https://token.example/req").unwrap();
        assert_eq!(
            with_audience(&bare, "a b").as_str(),
            "https://token.example/req?audience=a+b"
        );
    }

    #[test]
    fn a_missing_or_empty_value_is_refused() {
        assert!(read_token(br#"{"value": ""}"#).is_err());
        assert!(read_token(br#"{"count": 1}"#).is_err());
        assert!(read_token(b"<html>").is_err());
        assert!(read_token(br#"{"value": "jwt"}"#).is_ok());
    }
}
