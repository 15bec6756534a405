//! Facts the GitHub Actions job already knows (repository, head commit, pull request, run URL),
//! read from its environment and event payload when a flag that carries one is absent.

use std::sync::OnceLock;

use launchplane_client::Error;
use serde_json::Value;

use crate::body::read_limited;

/// A fact of the job, and where it is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobFact {
    /// `owner/name`.
    Repository,
    /// The `name` of `owner/name`.
    RepositoryName,
    /// The pull request's head commit, else the commit the run is for.
    HeadSha,
    PrNumber,
    PrUrl,
    RunUrl,
    /// The workflow run, the same in every attempt of it.
    RunId,
}

pub const ENV_REPOSITORY: &str = "GITHUB_REPOSITORY";
pub const ENV_SHA: &str = "GITHUB_SHA";
pub const ENV_EVENT_PATH: &str = "GITHUB_EVENT_PATH";
pub const ENV_SERVER_URL: &str = "GITHUB_SERVER_URL";
pub const ENV_RUN_ID: &str = "GITHUB_RUN_ID";

impl JobFact {
    /// Where the fact comes from, as `--help` and errors name it.
    pub fn source(self) -> &'static str {
        match self {
            JobFact::Repository => "GITHUB_REPOSITORY",
            JobFact::RepositoryName => "the name part of GITHUB_REPOSITORY",
            JobFact::HeadSha => "pull_request.head.sha of the event at GITHUB_EVENT_PATH, else GITHUB_SHA",
            JobFact::PrNumber => "pull_request.number of the event at GITHUB_EVENT_PATH",
            JobFact::PrUrl => "pull_request.html_url of the event at GITHUB_EVENT_PATH",
            JobFact::RunUrl => "GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID",
            JobFact::RunId => "GITHUB_RUN_ID (the same in every re-run attempt)",
        }
    }

    /// The fact's value in this process's job, if the job has it.
    pub fn value(self) -> Result<Option<Value>, Error> {
        self.value_in(&|name| std::env::var(name).ok(), event_payload)
    }

    /// The fact's value given an environment and a way to read the event payload.
    pub fn value_in(
        self,
        env: &dyn Fn(&str) -> Option<String>,
        event: fn() -> Result<Option<&'static Value>, Error>,
    ) -> Result<Option<Value>, Error> {
        let var = |name: &str| env(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let pull_request = || -> Result<Option<&'static Value>, Error> {
            Ok(event()?.and_then(|e| {
                e.get("pull_request")
                    .or_else(|| e.pointer("/issue/pull_request").filter(|_| e.get("issue").is_some()))
                    .filter(|pr| pr.is_object())
            }))
        };
        Ok(match self {
            JobFact::Repository => var(ENV_REPOSITORY).map(Value::String),
            JobFact::RepositoryName => var(ENV_REPOSITORY)
                .and_then(|r| r.rsplit_once('/').map(|(_, name)| name.to_owned()))
                .filter(|name| !name.is_empty())
                .map(Value::String),
            JobFact::HeadSha => {
                let head = pull_request()?
                    .and_then(|pr| pr.pointer("/head/sha"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                head.or_else(|| var(ENV_SHA)).map(Value::String)
            }
            JobFact::PrNumber => {
                let number = match pull_request()?.and_then(|pr| pr.get("number")) {
                    Some(n) => Some(n),
                    // issue_comment events name the PR as the issue.
                    None => event()?
                        .filter(|e| e.pointer("/issue/pull_request").is_some())
                        .and_then(|e| e.pointer("/issue/number")),
                };
                number.and_then(Value::as_u64).map(Value::from)
            }
            JobFact::PrUrl => pull_request()?
                .and_then(|pr| pr.get("html_url"))
                .and_then(Value::as_str)
                .map(|url| Value::String(url.to_owned())),
            JobFact::RunUrl => match (var(ENV_SERVER_URL), var(ENV_REPOSITORY), var(ENV_RUN_ID)) {
                (Some(server), Some(repository), Some(run)) => Some(Value::String(format!(
                    "{}/{repository}/actions/runs/{run}",
                    server.trim_end_matches('/')
                ))),
                _ => None,
            },
            JobFact::RunId => var(ENV_RUN_ID).map(Value::String),
        })
    }
}

/// The event payload of this job, read once and with the body size limit.
fn event_payload() -> Result<Option<&'static Value>, Error> {
    static EVENT: OnceLock<Result<Option<Value>, String>> = OnceLock::new();
    let read = EVENT.get_or_init(|| {
        let Some(path) = std::env::var(ENV_EVENT_PATH).ok().filter(|p| !p.trim().is_empty()) else {
            return Ok(None);
        };
        let bytes = read_limited(&path, &format!("the event payload ({ENV_EVENT_PATH})")).map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("the event payload at {ENV_EVENT_PATH} ({path}) is not JSON: {e}"))
    });
    match read {
        Ok(event) => Ok(event.as_ref()),
        Err(message) => Err(Error::Config(message.trim_start_matches("configuration: ").to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::json;

    use super::*;

    fn pr_event() -> Result<Option<&'static Value>, Error> {
        static EVENT: OnceLock<Value> = OnceLock::new();
        Ok(Some(EVENT.get_or_init(|| {
            json!({"number": 7, "pull_request": {"number": 7, "html_url": "https://github.com/o/r/pull/7", "head": {"sha": "abc123"}}})
        })))
    }

    fn comment_event() -> Result<Option<&'static Value>, Error> {
        static EVENT: OnceLock<Value> = OnceLock::new();
        Ok(Some(EVENT.get_or_init(
            || json!({"issue": {"number": 9, "pull_request": {"html_url": "https://github.com/o/r/pull/9"}}}),
        )))
    }

    fn no_event() -> Result<Option<&'static Value>, Error> {
        Ok(None)
    }

    fn env(vars: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        move |name| map.get(name).map(|v| v.to_string())
    }

    #[test]
    fn facts_come_from_the_event_before_the_environment() {
        let env = env(&[
            (ENV_REPOSITORY, "cbusillo/odoo-opw"),
            (ENV_SHA, "merge-sha"),
            (ENV_SERVER_URL, "https://github.com/"),
            (ENV_RUN_ID, "42"),
        ]);
        let fact = |f: JobFact, event| f.value_in(&env, event).unwrap();
        assert_eq!(fact(JobFact::Repository, pr_event), Some(json!("cbusillo/odoo-opw")));
        assert_eq!(fact(JobFact::RepositoryName, pr_event), Some(json!("odoo-opw")));
        assert_eq!(
            fact(JobFact::HeadSha, pr_event),
            Some(json!("abc123")),
            "the PR head, not the merge commit"
        );
        assert_eq!(fact(JobFact::HeadSha, no_event), Some(json!("merge-sha")));
        assert_eq!(fact(JobFact::PrNumber, pr_event), Some(json!(7)));
        assert_eq!(
            fact(JobFact::PrUrl, pr_event),
            Some(json!("https://github.com/o/r/pull/7"))
        );
        assert_eq!(fact(JobFact::PrNumber, comment_event), Some(json!(9)));
        assert_eq!(
            fact(JobFact::PrUrl, comment_event),
            Some(json!("https://github.com/o/r/pull/9"))
        );
        assert_eq!(fact(JobFact::PrNumber, no_event), None);
        assert_eq!(
            fact(JobFact::RunUrl, no_event),
            Some(json!("https://github.com/cbusillo/odoo-opw/actions/runs/42"))
        );
    }

    #[test]
    fn blank_or_missing_variables_give_no_fact() {
        let env = env(&[(ENV_REPOSITORY, "  "), (ENV_SHA, "")]);
        for fact in [
            JobFact::Repository,
            JobFact::RepositoryName,
            JobFact::HeadSha,
            JobFact::RunUrl,
        ] {
            assert_eq!(fact.value_in(&env, no_event).unwrap(), None, "{fact:?}");
        }
    }
}
