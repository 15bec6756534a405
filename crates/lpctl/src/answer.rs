//! What lpctl does with Launchplane's answer beyond printing it: statuses the caller expects
//! (`--expect-status`), the answer written to a file or step outputs, extra result checks
//! (`--fail-result-path`), and the answer kept out of every log (`--quiet-response`).

use std::fs::OpenOptions;

use launchplane_client::contract::{Contract, Operation, dot_path};
use launchplane_client::{Error, Outcome, Rejection};
use serde_json::Value;

use crate::exit;
use crate::flags::Flags;
use crate::report::{self, Format};

const WITHHELD: &str = "(withheld by --quiet-response)";

/// The statuses an operation declares in the spec (`202`, `403`, …; `4XX` and `default` as written).
pub fn declared_statuses(contract: &Contract, op: &Operation) -> Vec<String> {
    let pointer = format!(
        "/paths/{}/{}/responses",
        op.path.replace('~', "~0").replace('/', "~1"),
        op.method.to_ascii_lowercase()
    );
    contract
        .document()
        .pointer(&pointer)
        .and_then(Value::as_object)
        .map(|responses| responses.keys().cloned().collect())
        .unwrap_or_default()
}

/// Refuses an expected status the operation does not declare: it could never be answered.
pub fn check_expected(contract: &Contract, op: &Operation, codes: &[u16]) -> Result<(), Error> {
    let declared = declared_statuses(contract, op);
    for code in codes {
        let text = code.to_string();
        let range = format!("{}XX", &text[..1]);
        let covered = declared
            .iter()
            .any(|d| *d == text || d.eq_ignore_ascii_case(&range) || d == "default");
        if !covered {
            return Err(Error::Config(format!(
                "--expect-status {code}: {} does not declare HTTP {code} in the spec; it declares {}",
                op.id,
                declared.join(", ")
            )));
        }
    }
    Ok(())
}

/// Refuses to send when the response file cannot be written: the answer would be lost.
pub fn check_response_file(flags: &Flags) -> Result<(), Error> {
    let Some(path) = &flags.response_file else {
        return Ok(());
    };
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(drop)
        .map_err(|e| {
            Error::Config(format!(
                "--response-file {path} cannot be written ({e}): lpctl sent nothing; name a writable file"
            ))
        })
}

/// What goes into the response file for one answer: the whole answer, or the value at `--response-path`.
pub fn response_value(flags: &Flags, answer: Option<&Value>) -> Value {
    let Some(answer) = answer else {
        return Value::Null;
    };
    match &flags.response_path {
        Some(path) => dot_path::field(answer, path).cloned().unwrap_or(Value::Null),
        None => answer.clone(),
    }
}

/// Writes the response file, if one is asked for; a write failure is reported, and fails the call.
pub fn write_response_file(flags: &Flags, value: &Value) -> Result<(), String> {
    let Some(path) = &flags.response_file else {
        return Ok(());
    };
    let text = format!("{}\n", serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
    std::fs::write(path, text).map_err(|e| format!("--response-file {path} could not be written: {e}"))
}

/// The step outputs of one answer: `status-code`, `trace-id`, and each `--output-path`.
pub fn outputs(flags: &Flags, status: Option<u16>, trace_id: &str, answer: Option<&Value>) -> Vec<(String, String)> {
    let mut outputs = vec![
        (
            "status-code".to_owned(),
            status.map(|s| s.to_string()).unwrap_or_default(),
        ),
        ("trace-id".to_owned(), trace_id.to_owned()),
    ];
    for (name, path) in &flags.output_paths {
        let value = answer.and_then(|a| dot_path::field(a, path));
        let text = match value {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        };
        outputs.push((name.clone(), text));
    }
    outputs
}

/// The first `--fail-result-path` whose value (trimmed, lower-cased) is a failing status.
pub fn result_failure(flags: &Flags, answer: &Value) -> Option<(String, String)> {
    flags.fail_result_paths.iter().find_map(|path| {
        let value = dot_path::field(answer, path)?;
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Null => return None,
            other => other.to_string(),
        };
        let text = text.trim().to_lowercase();
        (!text.is_empty() && flags.fail_result_statuses.contains(&text)).then(|| (path.clone(), text))
    })
}

/// The outcome with nothing of the answer's body left: the status, trace id and which result
/// fields failed remain.
pub fn quiet_outcome(outcome: Outcome) -> Outcome {
    Outcome {
        records: Default::default(),
        result: None,
        body: Value::Null,
        failures: outcome
            .failures
            .iter()
            .map(|f| f.split('=').next().unwrap_or_default().to_owned())
            .collect(),
        ..outcome
    }
}

/// The error with the answer's text left out: code, status and trace id remain.
pub fn quiet_error(error: Error) -> Error {
    match error {
        Error::Rejected(rejection) => Error::Rejected(Rejection {
            message: WITHHELD.into(),
            ..rejection
        }),
        Error::NonJson {
            operation,
            status,
            content_type,
            attempts,
            ..
        } => Error::NonJson {
            operation,
            status,
            content_type,
            attempts,
            excerpt: WITHHELD.into(),
        },
        Error::Undecodable { operation, status, .. } => Error::Undecodable {
            operation,
            status,
            detail: "the answer does not fit the spec".into(),
            excerpt: WITHHELD.into(),
        },
        other => other,
    }
}

/// One call's answer reported: the exit code, and what the response file gets for it
/// (None when no JSON answer came).
pub struct Reported {
    pub code: i32,
    pub value: Option<Value>,
}

/// Reports one call's answer under the shared flags and returns its exit code.
pub fn report_answer(
    op: &Operation,
    flags: &Flags,
    result: Result<Outcome, Error>,
    answer: Option<Value>,
    key: Option<&str>,
    advice: &[String],
    format: Format,
) -> Reported {
    let quiet = flags.quiet_response;
    let value = answer.as_ref().map(|a| response_value(flags, Some(a)));
    let (status, trace_id) = match &result {
        Ok(outcome) => (Some(outcome.http_status), outcome.trace_id.clone()),
        Err(Error::Rejected(r)) => (Some(r.status), r.trace_id.clone()),
        Err(Error::NonJson { status, .. } | Error::Undecodable { status, .. }) => (Some(*status), String::new()),
        Err(_) => (None, String::new()),
    };
    if status.is_some() {
        report::write_outputs(&outputs(flags, status, &trace_id, answer.as_ref()));
    }
    let expected = |status: u16| flags.expect_status.contains(&status);
    let code = match result {
        Ok(outcome) if !flags.expect_status.is_empty() && !expected(outcome.http_status) => report::failed(
            &op.id,
            &format!(
                "Launchplane answered HTTP {}, which is not one of --expect-status {} (trace_id {})",
                outcome.http_status,
                list(&flags.expect_status),
                outcome.trace_id
            ),
            &outcome.trace_id,
            format,
        ),
        Ok(mut outcome) => {
            let failure = answer.as_ref().and_then(|a| result_failure(flags, a));
            if let Some((path, text)) = &failure {
                outcome.failures.push(format!("{path}={text}"));
            }
            let message = outcome.error_message().map(str::to_owned);
            let outcome = if quiet { quiet_outcome(outcome) } else { outcome };
            let code = report::outcome(&outcome, key, format);
            if let (Some((path, text)), Format::Text) = (&failure, format) {
                let line = match (&message, quiet) {
                    (_, true) => format!("Launchplane result {path} is a failing value {WITHHELD}"),
                    (Some(message), false) => message.clone(),
                    (None, false) => format!("Launchplane result {path} was {text}"),
                };
                eprintln!("lpctl: {line}");
            }
            code
        }
        Err(Error::Rejected(rejection)) if expected(rejection.status) => {
            report::expected_rejection(&op.id, &rejection, quiet, format);
            match answer.as_ref().and_then(|a| result_failure(flags, a)) {
                Some((path, text)) => report::failed(
                    &op.id,
                    &if quiet {
                        format!("Launchplane result {path} is a failing value {WITHHELD}")
                    } else {
                        format!("Launchplane result {path} was {text}")
                    },
                    &rejection.trace_id,
                    format,
                ),
                None => exit::OK,
            }
        }
        Err(error) => {
            let error = if quiet { quiet_error(error) } else { error };
            report::error_with_advice(&op.id, &error, advice, format)
        }
    };
    Reported { code, value }
}

fn list(codes: &[u16]) -> String {
    codes.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flags(paths: &[&str], statuses: &[&str]) -> Flags {
        Flags {
            fail_result_paths: paths.iter().map(|p| p.to_string()).collect(),
            fail_result_statuses: statuses.iter().map(|s| s.to_string()).collect(),
            ..Flags::default()
        }
    }

    #[test]
    fn result_values_are_trimmed_and_lower_cased_and_the_first_failing_path_wins() {
        let answer = json!({"result": {"a": "pass", "b": " Blocked ", "c": "fail", "n": null, "x": 3}});
        let checks = flags(&["result.a", "result.n", "result.b", "result.c"], &["fail", "blocked"]);
        assert_eq!(
            result_failure(&checks, &answer),
            Some(("result.b".to_owned(), "blocked".to_owned()))
        );
        assert_eq!(
            result_failure(&flags(&["result.x"], &["3"]), &answer).map(|f| f.1),
            Some("3".into())
        );
        assert_eq!(result_failure(&flags(&["result.missing"], &["fail"]), &answer), None);
    }

    #[test]
    fn every_declared_status_is_accepted_and_others_are_refused() {
        let contract = Contract::embedded();
        for op in contract.operations() {
            let declared: Vec<u16> = declared_statuses(contract, op)
                .iter()
                .filter_map(|s| s.parse().ok())
                .collect();
            assert!(!declared.is_empty(), "{}", op.id);
            check_expected(contract, op, &declared).unwrap();
            let error = check_expected(contract, op, &[299]).unwrap_err().to_string();
            assert!(error.contains(&op.id) && error.contains("299"), "{error}");
        }
    }

    #[test]
    fn outputs_write_strings_as_they_are_and_other_values_as_json() {
        let flags = Flags {
            output_paths: vec![
                ("s".into(), "result.s".into()),
                ("o".into(), "result.o".into()),
                ("none".into(), "result.none".into()),
            ],
            ..Flags::default()
        };
        let answer = json!({"result": {"s": "text", "o": {"k": [1]}, "none": null}});
        let written = outputs(&flags, Some(202), "t-1", Some(&answer));
        assert_eq!(
            written,
            [
                ("status-code", "202"),
                ("trace-id", "t-1"),
                ("s", "text"),
                ("o", r#"{"k":[1]}"#),
                ("none", ""),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
    }
}
