//! The flags every command shares for composing the request body and handling the answer
//! (`--set`, `--body-list`, `--expect-status`, `--quiet-response`, …), and their checks
//! against each other. Checks against the spec live with each concern.

use clap::{Arg, ArgAction, ArgMatches};
use launchplane_client::Error;

const HEADING: &str = "Request body and answer";

/// The shared arg group, global so each command takes it.
pub fn args() -> Vec<Arg> {
    let arg = |name: &'static str, value: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name(value)
            .global(true)
            .help_heading(HEADING)
            .help(help)
    };
    vec![
        arg(
            "set",
            "PATH=VALUE",
            "Lay VALUE at the dot path PATH of the body, read as the spec types that field (repeatable)",
        )
        .action(ArgAction::Append),
        arg(
            "set-json",
            "PATH=@FILE|PATH=JSON",
            "Lay the JSON of FILE (or the JSON given) at PATH, after --set (repeatable)",
        )
        .action(ArgAction::Append),
        arg(
            "body-list",
            "FILE",
            "JSON array of bodies (on a command, each laid over its flags), each checked before the first is \
             sent, sent one by one (needs --key-prefix)",
        ),
        arg(
            "key-prefix",
            "PREFIX",
            "With --body-list: Idempotency-Key = PREFIX:sha256hex(JSON.stringify(body))",
        ),
        arg(
            "expect-status",
            "CODES",
            "Comma list of HTTP statuses that are answers to read (each one the operation declares): exit 0",
        ),
        arg(
            "quiet-response",
            "",
            "Keep the answer body out of stdout, stderr and the job summary (write it with --response-file)",
        )
        .action(ArgAction::SetTrue)
        .value_name(None::<&str>),
        arg(
            "response-file",
            "FILE",
            "Write the JSON answer (a JSON array with --body-list) to FILE",
        ),
        arg(
            "response-path",
            "JSON.PATH",
            "With --response-file: write only the value at this dot path of the answer",
        ),
        arg(
            "output-path",
            "NAME=JSON.PATH",
            "Set step output NAME to the value at JSON.PATH of the answer (repeatable)",
        )
        .action(ArgAction::Append),
        arg(
            "fail-result-path",
            "PATH",
            "A dot path of the answer whose value can fail the call (repeatable; with --fail-result-statuses)",
        )
        .action(ArgAction::Append),
        arg(
            "fail-result-statuses",
            "V1,V2",
            "Values (trimmed, lower-cased) at a --fail-result-path that fail the call",
        ),
    ]
}

/// What the shared flags ask for, checked against each other.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub sets: Vec<(String, String)>,
    pub set_jsons: Vec<(String, String)>,
    pub body_list: Option<String>,
    pub key_prefix: Option<String>,
    pub expect_status: Vec<u16>,
    pub quiet_response: bool,
    pub response_file: Option<String>,
    pub response_path: Option<String>,
    pub output_paths: Vec<(String, String)>,
    pub fail_result_paths: Vec<String>,
    pub fail_result_statuses: Vec<String>,
}

fn many(matches: &ArgMatches, name: &str) -> Vec<String> {
    matches
        .try_get_many::<String>(name)
        .ok()
        .flatten()
        .map(|values| values.cloned().collect())
        .unwrap_or_default()
}

fn one(matches: &ArgMatches, name: &str) -> Option<String> {
    matches.try_get_one::<String>(name).ok().flatten().cloned()
}

/// `NAME=VALUE` split at the first `=`, both sides present.
fn pair(flag: &str, text: &str, shape: &str) -> Result<(String, String), Error> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err(Error::Config(format!(
            "--{flag} {text:?} is not {shape}: write it as --{flag} {shape}"
        ))),
    }
}

fn comma_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Flags {
    /// Reads the flags from the matches of the command that ran.
    pub fn from_matches(matches: &ArgMatches) -> Result<Flags, Error> {
        let pairs = |flag: &str, shape: &str| -> Result<Vec<(String, String)>, Error> {
            many(matches, flag).iter().map(|text| pair(flag, text, shape)).collect()
        };
        let flags = Flags {
            sets: pairs("set", "PATH=VALUE")?,
            set_jsons: pairs("set-json", "PATH=@FILE")?,
            body_list: one(matches, "body-list"),
            key_prefix: one(matches, "key-prefix"),
            expect_status: one(matches, "expect-status")
                .map(|text| parse_statuses(&text))
                .transpose()?
                .unwrap_or_default(),
            quiet_response: matches.try_get_one::<bool>("quiet-response").ok().flatten() == Some(&true),
            response_file: one(matches, "response-file"),
            response_path: one(matches, "response-path"),
            output_paths: pairs("output-path", "NAME=JSON.PATH")?,
            fail_result_paths: many(matches, "fail-result-path"),
            fail_result_statuses: one(matches, "fail-result-statuses")
                .map(|text| comma_list(&text).into_iter().map(|s| s.to_lowercase()).collect())
                .unwrap_or_default(),
        };
        flags.check(one(matches, "idempotency-key").is_some())?;
        Ok(flags)
    }

    fn check(&self, idempotency_key: bool) -> Result<(), Error> {
        let refuse = |message: String| Err(Error::Config(message));
        if self.body_list.is_some() {
            if self.key_prefix.as_deref().is_none_or(|p| p.trim().is_empty()) {
                return refuse(
                    "--body-list needs --key-prefix PREFIX: each body is sent with Idempotency-Key \
                     PREFIX:sha256hex(JSON.stringify(body))"
                        .into(),
                );
            }
            if idempotency_key {
                return refuse(
                    "--idempotency-key cannot be combined with --body-list: each body gets its own key from \
                     --key-prefix"
                        .into(),
                );
            }
            if !self.sets.is_empty() || !self.set_jsons.is_empty() {
                return refuse(
                    "--set and --set-json lay values over one body and cannot be combined with --body-list: put \
                     the values in each entry of the list"
                        .into(),
                );
            }
        } else if self.key_prefix.is_some() {
            return refuse("--key-prefix only applies to --body-list: use --idempotency-key for one body".into());
        }
        if self.response_path.is_some() && self.response_file.is_none() {
            return refuse("--response-path needs --response-file FILE to write the value to".into());
        }
        if self.fail_result_paths.is_empty() != self.fail_result_statuses.is_empty() {
            return refuse(
                "--fail-result-path and --fail-result-statuses go together: name the answer's dot path(s) and \
                 the values that fail the call, e.g. --fail-result-path result.refresh_status \
                 --fail-result-statuses fail,blocked"
                    .into(),
            );
        }
        for (name, path) in &self.output_paths {
            if !crate::report::valid_output_name(name) {
                return refuse(format!(
                    "--output-path {name}={path}: {name:?} is not a step output name (letters, digits, `_`, `-`; \
                     not starting with a digit)"
                ));
            }
            if path.trim().is_empty() {
                return refuse(format!("--output-path {name}=: name the answer's dot path after `=`"));
            }
        }
        Ok(())
    }
}

/// `--expect-status 202,403`: three-digit codes.
fn parse_statuses(text: &str) -> Result<Vec<u16>, Error> {
    let codes = comma_list(text);
    if codes.is_empty() {
        return Err(Error::Config(
            "--expect-status is empty: give a comma list of HTTP statuses, e.g. 202,403".into(),
        ));
    }
    codes
        .iter()
        .map(|code| {
            code.parse::<u16>()
                .ok()
                .filter(|c| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) && *c >= 100)
                .ok_or_else(|| {
                    Error::Config(format!(
                        "--expect-status entry {code:?} is not a three-digit HTTP status, e.g. 403"
                    ))
                })
        })
        .collect()
}
