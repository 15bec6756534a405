//! Connection settings from flags and environment, refused when missing, unsafe or contradictory.

use std::net::IpAddr;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::error::Error;

pub const ENV_URL: &str = "LAUNCHPLANE_URL";
pub const ENV_AUDIENCE: &str = "LAUNCHPLANE_AUDIENCE";
pub const ENV_TOKEN: &str = "LAUNCHPLANE_TOKEN";
pub const ENV_CONNECT_TIMEOUT: &str = "LAUNCHPLANE_CONNECT_TIMEOUT";
pub const ENV_TIMEOUT: &str = "LAUNCHPLANE_TIMEOUT";
pub const ENV_MAX_ATTEMPTS: &str = "LAUNCHPLANE_MAX_ATTEMPTS";
pub const ENV_OIDC_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
pub const ENV_OIDC_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// The `LAUNCHPLANE_*` variables this crate reads.
pub const KNOWN_ENV: &[&str] = &[
    ENV_URL,
    ENV_AUDIENCE,
    ENV_TOKEN,
    ENV_CONNECT_TIMEOUT,
    ENV_TIMEOUT,
    ENV_MAX_ATTEMPTS,
];

/// Where the bearer token comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// GitHub Actions OIDC: the runner's token request URL and request token.
    GitHubOidc {
        request_url: Url,
        request_token: SecretString,
        audience: String,
    },
    /// A token given as is (`LAUNCHPLANE_TOKEN`), for operators and local use.
    Static(SecretString),
}

/// Everything needed to reach Launchplane.
#[derive(Debug, Clone)]
pub struct Config {
    pub base_url: Url,
    /// None when no source is set: calls that need a token then fail before sending.
    pub token: Option<TokenSource>,
    pub connect_timeout: Duration,
    /// Per attempt, answer included.
    pub timeout: Duration,
    pub max_attempts: u32,
}

/// Settings as given; `None` falls back to the environment, then to the default.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    pub url: Option<String>,
    pub audience: Option<String>,
    pub connect_timeout_secs: Option<u64>,
    pub timeout_secs: Option<u64>,
    pub max_attempts: Option<u32>,
}

/// A view of the process environment, replaceable in tests.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment; empty values count as unset.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl Config {
    /// Reads the environment alone.
    pub fn from_env() -> Result<Config, Error> {
        Config::resolve(Settings::default(), &ProcessEnv)
    }

    /// Flags first, then the environment; refuses anything missing, unsafe or contradictory.
    pub fn resolve(settings: Settings, env: &dyn Environment) -> Result<Config, Error> {
        let url_text = settings
            .url
            .or_else(|| env.var(ENV_URL))
            .ok_or_else(|| Error::Config(format!("the Launchplane URL is missing: pass --url or set {ENV_URL}")))?;
        let base_url = checked_base_url(&url_text)?;
        let audience = settings.audience.or_else(|| env.var(ENV_AUDIENCE));
        let token = token_source(env, audience)?;
        let number = |flag: Option<u64>, name: &str, default: u64| -> Result<u64, Error> {
            match flag {
                Some(v) => Ok(v),
                None => env.var(name).map_or(Ok(default), |text| {
                    text.trim()
                        .parse()
                        .map_err(|_| Error::Config(format!("{name}={text:?} is not a whole number of seconds")))
                }),
            }
        };
        let connect_timeout = number(settings.connect_timeout_secs, ENV_CONNECT_TIMEOUT, 10)?;
        // Driver calls are synchronous: a prod promotion waits for its deploy and health checks.
        let timeout = number(settings.timeout_secs, ENV_TIMEOUT, 3600)?;
        let max_attempts = number(settings.max_attempts.map(u64::from), ENV_MAX_ATTEMPTS, 3)?;
        if connect_timeout == 0 || timeout == 0 {
            return Err(Error::Config("timeouts must be at least 1 second".into()));
        }
        if connect_timeout > timeout {
            return Err(Error::Config(format!(
                "the connect timeout ({connect_timeout}s) is longer than the request timeout ({timeout}s)"
            )));
        }
        if !(1..=10).contains(&max_attempts) {
            return Err(Error::Config(format!(
                "max attempts must be 1 to 10, not {max_attempts}"
            )));
        }
        Ok(Config {
            base_url,
            token,
            connect_timeout: Duration::from_secs(connect_timeout),
            timeout: Duration::from_secs(timeout),
            max_attempts: max_attempts as u32,
        })
    }

    /// The token source, or the error that says how to provide one.
    pub fn token_source(&self) -> Result<&TokenSource, Error> {
        self.token.as_ref().ok_or_else(|| {
            Error::Config(format!(
                "no token source: {ENV_OIDC_URL} and {ENV_OIDC_TOKEN} are not set. In GitHub Actions the job needs \
                 `permissions: id-token: write`; elsewhere set {ENV_TOKEN}"
            ))
        })
    }

    /// The time all attempts of one call may take together.
    pub fn budget(&self) -> Duration {
        self.timeout * self.max_attempts + Duration::from_secs(30)
    }
}

/// A Launchplane base URL: https, or http to a loopback host; no query or fragment.
pub fn checked_base_url(text: &str) -> Result<Url, Error> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::Config(format!("the Launchplane URL {text:?} is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config("the Launchplane URL must not carry credentials".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(
            "the Launchplane URL must not have a query or fragment".into(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(Error::Config(format!(
            "refusing plain http to {}: the token would travel unencrypted; use https (http is allowed only for loopback hosts)",
            url.host_str().unwrap_or("?")
        ))),
        other => Err(Error::Config(format!("the Launchplane URL must be https, not {other}"))),
    }
}

/// Whether the URL's host is this machine.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

fn token_source(env: &dyn Environment, audience: Option<String>) -> Result<Option<TokenSource>, Error> {
    let static_token = env.var(ENV_TOKEN);
    let request_url = env.var(ENV_OIDC_URL);
    let request_token = env.var(ENV_OIDC_TOKEN);
    match (static_token, request_url, request_token) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(Error::Config(format!(
            "both {ENV_TOKEN} and GitHub OIDC ({ENV_OIDC_URL}) are set: use one token source"
        ))),
        (Some(token), None, None) => Ok(Some(TokenSource::Static(SecretString::from(token)))),
        (None, Some(url), Some(token)) => {
            let audience = audience.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).ok_or_else(|| {
                Error::Config(format!(
                    "the OIDC audience is missing: pass --audience or set {ENV_AUDIENCE} to the Launchplane service audience"
                ))
            })?;
            let request_url = Url::parse(&url).map_err(|_| Error::Config(format!("{ENV_OIDC_URL} is not a URL")))?;
            Ok(Some(TokenSource::GitHubOidc {
                request_url,
                request_token: SecretString::from(token),
                audience,
            }))
        }
        (None, None, None) => Ok(None),
        (None, url, _) => {
            let missing = if url.is_none() { ENV_OIDC_URL } else { ENV_OIDC_TOKEN };
            Err(Error::Config(format!(
                "{missing} is not set (the other GitHub OIDC variable is): the job needs `permissions: id-token: write`"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Vars(HashMap<&'static str, &'static str>);
    impl Environment for Vars {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }

    fn oidc(extra: &[(&'static str, &'static str)]) -> Vars {
        let mut vars: HashMap<_, _> = [
            (ENV_OIDC_URL, "https://token.example/req?api-version=2.0"),
            (ENV_OIDC_TOKEN, "request-token"),
            (ENV_AUDIENCE, "launchplane.example.com"),
        ]
        .into();
        vars.extend(extra.iter().copied());
        Vars(vars)
    }

    fn error(settings: Settings, env: &Vars) -> String {
        Config::resolve(settings, env).unwrap_err().to_string()
    }

    #[test]
    fn refuses_missing_url_plain_http_and_missing_audience() {
        assert!(error(Settings::default(), &oidc(&[])).contains("LAUNCHPLANE_URL"));
        let http = Settings {
            url: Some("http://launchplane.example.com".into()),
            ..Default::default()
        };
        assert!(error(http, &oidc(&[])).contains("refusing plain http"));
        let mut no_audience = oidc(&[]);
        no_audience.0.remove(ENV_AUDIENCE);
        let url = Settings {
            url: Some("https://launchplane.example.com".into()),
            ..Default::default()
        };
        assert!(error(url, &no_audience).contains("audience is missing"));
    }

    #[test]
    fn accepts_loopback_http_and_reads_defaults() {
        let config = Config::resolve(
            Settings {
                url: Some("http://127.0.0.1:8080".into()),
                ..Default::default()
            },
            &oidc(&[]),
        )
        .unwrap();
        assert_eq!(config.max_attempts, 3);
        assert!(
            matches!(config.token, Some(TokenSource::GitHubOidc { ref audience, .. }) if audience == "launchplane.example.com")
        );
    }

    #[test]
    fn names_the_missing_oidc_variable_and_the_permission() {
        let url = Settings {
            url: Some("https://lp.example".into()),
            ..Default::default()
        };
        let mut half = oidc(&[]);
        half.0.remove(ENV_OIDC_TOKEN);
        let text = error(url.clone(), &half);
        assert!(
            text.contains(ENV_OIDC_TOKEN) && text.contains("id-token: write"),
            "{text}"
        );
        let none = Config::resolve(url, &Vars(HashMap::new())).unwrap();
        assert!(none.token_source().unwrap_err().to_string().contains("id-token: write"));
    }

    #[test]
    fn refuses_contradictions() {
        let url = Settings {
            url: Some("https://lp.example".into()),
            ..Default::default()
        };
        assert!(error(url.clone(), &oidc(&[(ENV_TOKEN, "x")])).contains("one token source"));
        let slow_connect = Settings {
            connect_timeout_secs: Some(50),
            timeout_secs: Some(10),
            ..url
        };
        assert!(error(slow_connect, &oidc(&[])).contains("longer than the request timeout"));
    }
}
