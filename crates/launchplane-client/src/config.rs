//! Connection settings from flags and environment, refused when missing, unsafe or contradictory.

use std::net::IpAddr;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::contract::{Contract, Operation};
use crate::error::Error;

pub const ENV_URL: &str = "LAUNCHPLANE_URL";
pub const ENV_AUDIENCE: &str = "LAUNCHPLANE_AUDIENCE";
pub const ENV_TOKEN: &str = "LAUNCHPLANE_TOKEN";
pub const ENV_CONNECT_TIMEOUT: &str = "LAUNCHPLANE_CONNECT_TIMEOUT";
pub const ENV_TIMEOUT: &str = "LAUNCHPLANE_TIMEOUT";
pub const ENV_MAX_ATTEMPTS: &str = "LAUNCHPLANE_MAX_ATTEMPTS";
pub const ENV_OIDC_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
pub const ENV_OIDC_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// Connect timeout when none is given, clamped to a shorter request timeout.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;
/// Attempts of a retry-safe request when none is given, the first included.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Slack on top of `attempts × timeout` for the waits between attempts: the budget of one call.
pub const RETRY_BUDGET_SLACK_SECS: u64 = 30;
/// The longest per-attempt timeout taken; anything longer is a unit mistake (milliseconds).
pub const MAX_TIMEOUT_SECS: u64 = 4 * 3600;
/// The most attempts taken.
pub const MAX_ATTEMPTS: u32 = 10;

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
    /// Per attempt, answer included, when given; else each operation's limit in the spec
    /// ([`timeout_for`](Self::timeout_for)).
    pub timeout: Option<Duration>,
    pub max_attempts: u32,
}

/// Settings as given; `None` falls back to the environment, then to the default.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    pub url: Option<String>,
    pub audience: Option<String>,
    /// Seconds; `None` uses the default, clamped to the request timeout.
    pub connect_timeout_secs: Option<u64>,
    /// Seconds per attempt.
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
        let url_text = match settings.url {
            Some(text) if text.trim().is_empty() => {
                return Err(Error::Config(format!(
                    "the Launchplane URL is empty (--url or {ENV_URL} is set to \"\"): set it to Launchplane's base \
                     URL, e.g. https://launchplane.example.com; in a workflow check that the variable it comes from \
                     is defined for this repository"
                )));
            }
            Some(text) => text,
            None => env.var(ENV_URL).ok_or_else(|| {
                Error::Config(format!(
                    "the Launchplane URL is missing: pass --url or set {ENV_URL}, e.g. https://launchplane.example.com"
                ))
            })?,
        };
        let base_url = checked_base_url(&url_text)?;
        refuse_api_prefix(&base_url)?;
        let audience = settings.audience.or_else(|| env.var(ENV_AUDIENCE));
        let token = token_source(env, audience, &base_url)?;
        let seconds = |flag: Option<u64>, name: &str| -> Result<Option<u64>, Error> {
            match flag {
                Some(v) => Ok(Some(v)),
                None => env
                    .var(name)
                    .map(|text| parse_seconds(name, &text).map_err(Error::Config))
                    .transpose(),
            }
        };
        let timeout = seconds(settings.timeout_secs, ENV_TIMEOUT)?;
        let explicit_connect = seconds(settings.connect_timeout_secs, ENV_CONNECT_TIMEOUT)?;
        let max_attempts = match settings.max_attempts {
            Some(n) => n,
            None => env
                .var(ENV_MAX_ATTEMPTS)
                .map(|text| parse_attempts(ENV_MAX_ATTEMPTS, &text).map_err(Error::Config))
                .transpose()?
                .unwrap_or(DEFAULT_MAX_ATTEMPTS),
        };
        if let Some(timeout) = timeout {
            check_seconds("the request timeout (--timeout)", timeout).map_err(Error::Config)?;
        }
        if let Some(connect) = explicit_connect {
            check_seconds("the connect timeout (--connect-timeout)", connect).map_err(Error::Config)?;
            if let Some(timeout) = timeout.filter(|timeout| connect > *timeout) {
                return Err(Error::Config(format!(
                    "the connect timeout ({connect}s) is longer than the request timeout ({timeout}s): \
                     lower --connect-timeout or raise --timeout"
                )));
            }
        }
        // The default connect timeout must not make a short request timeout unusable.
        let connect_timeout = explicit_connect.unwrap_or(DEFAULT_CONNECT_TIMEOUT_SECS.min(timeout.unwrap_or(u64::MAX)));
        check_attempts(max_attempts).map_err(Error::Config)?;
        Ok(Config {
            base_url,
            token,
            connect_timeout: Duration::from_secs(connect_timeout),
            timeout: timeout.map(Duration::from_secs),
            max_attempts,
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

    /// How long one attempt of `op` may take, answer included: the timeout given, else the
    /// operation's limit in the spec.
    pub fn timeout_for(&self, op: &Operation) -> Duration {
        self.timeout.unwrap_or_else(|| {
            Duration::from_secs(Contract::embedded().timeout_seconds(op).unwrap_or(MAX_TIMEOUT_SECS))
        })
    }

    /// How long one request that is no operation of the spec may take: the timeout given, else
    /// the document's limit.
    pub fn default_timeout(&self) -> Duration {
        self.timeout.unwrap_or_else(|| {
            Duration::from_secs(
                Contract::embedded()
                    .document_timeout_seconds()
                    .unwrap_or(MAX_TIMEOUT_SECS),
            )
        })
    }

    /// The time all attempts of one call of `op` may take together.
    pub fn budget_for(&self, op: &Operation) -> Duration {
        self.timeout_for(op) * self.max_attempts + Duration::from_secs(RETRY_BUDGET_SLACK_SECS)
    }
}

/// Seconds from a flag or variable: a whole number of seconds, or a number with a unit
/// (`ms`, `s`, `m`, `h`), e.g. `120`, `120s`, `2m`, `120000ms`.
pub fn parse_seconds(name: &str, text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("{name} is empty: give seconds, e.g. 120 or 2m"));
    }
    let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let bad = || format!("{name}={text:?} is not a duration: give whole seconds (120) or a unit (120s, 2m, 1h)");
    let number: u64 = digits.parse().map_err(|_| bad())?;
    let secs = match unit.trim() {
        "" | "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        "ms" if number.is_multiple_of(1000) => number / 1000,
        "ms" => {
            return Err(format!(
                "{name}={text:?} is not a whole number of seconds: lpctl times in seconds"
            ));
        }
        _ => return Err(bad()),
    };
    if unit.is_empty() && secs > MAX_TIMEOUT_SECS {
        return Err(format!(
            "{name}={text:?} would be {} seconds ({}): lpctl reads seconds, not milliseconds; write e.g. 120 or 120s \
             (at most {MAX_TIMEOUT_SECS}s)",
            secs,
            human(secs)
        ));
    }
    check_seconds(name, secs)?;
    Ok(secs)
}

fn human(secs: u64) -> String {
    if secs >= 3600 {
        format!("{:.1} hours", secs as f64 / 3600.0)
    } else {
        format!("{secs}s")
    }
}

fn check_seconds(name: &str, secs: u64) -> Result<(), String> {
    if secs == 0 {
        return Err(format!("{name} must be at least 1 second"));
    }
    if secs > MAX_TIMEOUT_SECS {
        return Err(format!(
            "{name} of {secs}s ({}) is longer than the {MAX_TIMEOUT_SECS}s lpctl allows: was it meant in \
             milliseconds? Give seconds, e.g. 120 or 2m",
            human(secs)
        ));
    }
    Ok(())
}

/// Attempts from a flag or variable: 1 to `MAX_ATTEMPTS`.
pub fn parse_attempts(name: &str, text: &str) -> Result<u32, String> {
    let attempts: u32 = text
        .trim()
        .parse()
        .map_err(|_| format!("{name}={text:?} is not a whole number of attempts (1 to {MAX_ATTEMPTS})"))?;
    check_attempts(attempts)?;
    Ok(attempts)
}

fn check_attempts(attempts: u32) -> Result<(), String> {
    if (1..=MAX_ATTEMPTS).contains(&attempts) {
        Ok(())
    } else {
        Err(format!("max attempts must be 1 to {MAX_ATTEMPTS}, not {attempts}"))
    }
}

/// A Launchplane base URL: https, or http to a loopback host; no query or fragment.
pub fn checked_base_url(text: &str) -> Result<Url, Error> {
    let trimmed = text.trim();
    let url = Url::parse(trimmed).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => Error::Config(format!(
            "the Launchplane URL {text:?} has no scheme: write it in full, e.g. https://{}",
            trimmed.trim_start_matches('/')
        )),
        other => Error::Config(format!(
            "the Launchplane URL {text:?} is not a URL ({other}): write it in full, e.g. https://launchplane.example.com"
        )),
    })?;
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

/// lpctl adds the spec's `/v1/…` paths itself; a base URL that already ends in a version
/// prefix would produce `/v1/v1/…`, which Launchplane answers with a 404.
fn refuse_api_prefix(base_url: &Url) -> Result<(), Error> {
    let last = base_url
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let is_version = last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    if is_version {
        let mut root = base_url.clone();
        let path = base_url.path().trim_end_matches('/');
        root.set_path(&path[..path.len() - last.len()]);
        return Err(Error::Config(format!(
            "the Launchplane URL {base_url} ends in /{last}: lpctl adds the /{last}/… paths itself; use the base URL {root}"
        )));
    }
    Ok(())
}

/// The runner's token request URL: it carries the request token, so it must be https unless
/// both it and Launchplane are on this machine (a stand-in); the HTTP client refuses plain http
/// once Launchplane is https, so a mismatch is a configuration error, not a transient one.
fn checked_token_url(text: &str, base_url: &Url) -> Result<Url, Error> {
    let url = Url::parse(text.trim()).map_err(|_| {
        Error::Config(format!(
            "{ENV_OIDC_URL} is not a URL: it is set by GitHub Actions; do not set it by hand"
        ))
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) && is_loopback(base_url) => Ok(url),
        "http" => Err(Error::Config(format!(
            "{ENV_OIDC_URL} is plain http ({}) while Launchplane is {}: the token request must be https; \
             it is set by GitHub Actions, so do not override it",
            url.host_str().unwrap_or("?"),
            base_url.scheme()
        ))),
        other => Err(Error::Config(format!("{ENV_OIDC_URL} must be https, not {other}"))),
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

fn token_source(env: &dyn Environment, audience: Option<String>, base_url: &Url) -> Result<Option<TokenSource>, Error> {
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
            let request_url = checked_token_url(&url, base_url)?;
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

    fn at(url: &str) -> Settings {
        Settings {
            url: Some(url.into()),
            ..Default::default()
        }
    }

    #[test]
    fn url_habits_get_a_message_that_says_what_to_write() {
        let env = oidc(&[]);
        let no_scheme = error(at("launchplane.example.com"), &env);
        assert!(
            no_scheme.contains("has no scheme") && no_scheme.contains("https://launchplane.example.com"),
            "{no_scheme}"
        );
        let empty = error(at(""), &env);
        assert!(empty.contains("is empty") && empty.contains(ENV_URL), "{empty}");
        for versioned in [
            "https://lp.example.com/v1",
            "https://lp.example.com/v1/",
            "https://lp.example.com/api/v1",
        ] {
            let text = error(at(versioned), &env);
            assert!(
                text.contains("ends in /v1") && text.contains("use the base URL"),
                "{text}"
            );
        }
        assert!(Config::resolve(at("https://lp.example.com/launchplane/"), &env).is_ok());
    }

    #[test]
    fn timeouts_take_seconds_or_units_and_refuse_milliseconds_by_habit() {
        assert_eq!(parse_seconds("t", "120"), Ok(120));
        assert_eq!(parse_seconds("t", "120s"), Ok(120));
        assert_eq!(parse_seconds("t", "2m"), Ok(120));
        assert_eq!(parse_seconds("t", "1h"), Ok(3600));
        assert_eq!(parse_seconds("t", "120000ms"), Ok(120));
        let habit = parse_seconds(ENV_TIMEOUT, "120000").unwrap_err();
        assert!(habit.contains("not milliseconds") && habit.contains("120s"), "{habit}");
        assert!(parse_seconds("t", "10h").unwrap_err().contains("longer than"));
        assert!(parse_seconds("t", "").unwrap_err().contains("empty"));
        assert!(parse_seconds("t", "2 minutes").unwrap_err().contains("not a duration"));
        assert!(parse_seconds("t", "0").unwrap_err().contains("at least 1 second"));
        let env = oidc(&[(ENV_TIMEOUT, "120000")]);
        assert!(error(at("https://lp.example.com"), &env).contains("not milliseconds"));
        assert!(parse_attempts("n", "0").is_err() && parse_attempts("n", "11").is_err());
    }

    #[test]
    fn the_default_connect_timeout_is_clamped_but_an_explicit_longer_one_is_refused() {
        let short = Settings {
            timeout_secs: Some(1),
            ..at("https://lp.example.com")
        };
        let config = Config::resolve(short.clone(), &oidc(&[])).unwrap();
        assert_eq!(config.connect_timeout, Duration::from_secs(1));
        let explicit = Settings {
            connect_timeout_secs: Some(DEFAULT_CONNECT_TIMEOUT_SECS),
            ..short
        };
        assert!(error(explicit, &oidc(&[])).contains("longer than the request timeout"));
        let defaults = Config::resolve(at("https://lp.example.com"), &oidc(&[])).unwrap();
        assert_eq!(
            defaults.connect_timeout,
            Duration::from_secs(DEFAULT_CONNECT_TIMEOUT_SECS)
        );
        assert_eq!(defaults.timeout, None);
        assert_eq!(defaults.max_attempts, DEFAULT_MAX_ATTEMPTS);
    }

    #[test]
    fn without_a_timeout_each_operation_gets_its_limit_in_the_spec() {
        let contract = Contract::embedded();
        let defaults = Config::resolve(at("https://lp.example.com"), &oidc(&[])).unwrap();
        let limits: Vec<u64> = contract
            .operations()
            .iter()
            .map(|op| {
                let limit = contract.timeout_seconds(op).expect("every operation has a limit");
                assert_eq!(defaults.timeout_for(op), Duration::from_secs(limit), "{}", op.id);
                assert_eq!(
                    defaults.budget_for(op),
                    Duration::from_secs(limit * u64::from(DEFAULT_MAX_ATTEMPTS) + RETRY_BUDGET_SLACK_SECS)
                );
                limit
            })
            .collect();
        assert!(
            limits.iter().any(|l| *l != limits[0]),
            "the spec gives operations different limits: {limits:?}"
        );
        let given = Config::resolve(
            Settings {
                timeout_secs: Some(7),
                ..at("https://lp.example.com")
            },
            &oidc(&[]),
        )
        .unwrap();
        for op in contract.operations() {
            assert_eq!(
                given.timeout_for(op),
                Duration::from_secs(7),
                "--timeout wins for {}",
                op.id
            );
        }
    }

    #[test]
    fn an_http_token_url_under_https_launchplane_is_a_configuration_error() {
        let env = oidc(&[(ENV_OIDC_URL, "http://127.0.0.1:9/token")]);
        let text = error(at("https://lp.example.com"), &env);
        assert!(text.contains(ENV_OIDC_URL) && text.contains("must be https"), "{text}");
        assert!(
            Config::resolve(at("http://127.0.0.1:8080"), &env).is_ok(),
            "a stand-in on loopback"
        );
        let remote = oidc(&[(ENV_OIDC_URL, "http://token.example/req")]);
        assert!(error(at("https://lp.example.com"), &remote).contains("must be https"));
    }
}
