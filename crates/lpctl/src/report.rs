//! What lpctl prints: text for people, JSON for machines, and in GitHub Actions the step
//! outputs, a job summary and an error annotation.

use std::fmt::Write as _;
use std::io::Write as _;

use launchplane_client::{Error, Outcome, Prepared};
use serde_json::{Value, json};

use crate::exit;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Prints the request a call would send.
pub fn dry_run(prepared: &Prepared, base_url: Option<&str>, needs_confirmation: bool, format: Format) {
    let url = format!(
        "{}{}",
        base_url.unwrap_or("$LAUNCHPLANE_URL").trim_end_matches('/'),
        prepared.path
    );
    let mut headers = vec![("Accept", "application/json".to_owned())];
    if prepared.operation.authenticated {
        headers.push(("Authorization", "Bearer [redacted]".to_owned()));
    }
    if prepared.body.is_some() {
        headers.push(("Content-Type", "application/json".to_owned()));
    }
    if let Some(key) = &prepared.idempotency_key {
        headers.push(("Idempotency-Key", key.clone()));
    }
    match format {
        Format::Json => {
            let request = json!({
                "operation": prepared.operation.id,
                "method": prepared.operation.method,
                "url": url,
                "headers": headers.iter().map(|(k, v)| (k.to_string(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
                "idempotency_key": prepared.idempotency_key,
                "body": prepared.body,
                "needs_confirm": needs_confirmation,
            });
            println!("{}", serde_json::to_string_pretty(&request).unwrap_or_default());
        }
        Format::Text => {
            println!("{} {url}", prepared.operation.method);
            for (name, value) in &headers {
                println!("{name}: {value}");
            }
            if let Some(body) = &prepared.body {
                println!("\n{}", serde_json::to_string_pretty(body).unwrap_or_default());
            }
            if needs_confirmation {
                println!("\n(dry run: sending this needs --confirm)");
            }
        }
    }
}

/// Prints an accepted answer and returns the exit code.
pub fn outcome(outcome: &Outcome, key: Option<&str>, format: Format) -> i32 {
    let code = if outcome.succeeded() { exit::OK } else { exit::REJECTED };
    match format {
        Format::Json => {
            let report = json!({
                "operation": outcome.operation,
                "status": if outcome.succeeded() { "succeeded" } else { "failed" },
                "http_status": outcome.http_status,
                "trace_id": outcome.trace_id,
                "replayed": outcome.replayed,
                "original_trace_id": outcome.original_trace_id,
                "idempotency_key": key,
                "attempts": outcome.attempts,
                "failures": outcome.failures,
                "records": outcome.records,
                "result": outcome.result,
                "body": if outcome.result.is_none() && outcome.records.is_empty() { outcome.body.clone() } else { Value::Null },
            });
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
        Format::Text => print!("{}", text(outcome)),
    }
    github::outcome(outcome);
    code
}

fn text(outcome: &Outcome) -> String {
    let mut out = String::new();
    if outcome.succeeded() {
        let _ = writeln!(out, "{}: accepted (HTTP {})", outcome.operation, outcome.http_status);
    } else {
        let _ = writeln!(
            out,
            "{}: accepted (HTTP {}), but the driver reported failure: {}",
            outcome.operation,
            outcome.http_status,
            outcome.failures.join(", ")
        );
        if let Some(message) = outcome.error_message() {
            let _ = writeln!(out, "  error_message: {message}");
        }
    }
    if !outcome.trace_id.is_empty() {
        let _ = writeln!(out, "  trace_id: {}", outcome.trace_id);
    }
    if outcome.replayed {
        let original = outcome.original_trace_id.as_deref().unwrap_or("unknown");
        let _ = writeln!(
            out,
            "  replayed: yes — Launchplane returned its stored answer of trace {original}; nothing ran again"
        );
    }
    if outcome.attempts > 1 {
        let _ = writeln!(out, "  attempts: {}", outcome.attempts);
    }
    for (key, value) in &outcome.records {
        let _ = writeln!(out, "  {key}: {}", scalar(value));
    }
    match &outcome.result {
        Some(Value::Object(result)) => {
            for (key, value) in result {
                if !matches!(value, Value::Object(_) | Value::Array(_)) {
                    let _ = writeln!(out, "  result.{key}: {}", scalar(value));
                }
            }
        }
        _ if outcome.records.is_empty() => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&outcome.body).unwrap_or_default()
            );
        }
        _ => {}
    }
    out
}

/// Prints a failure and returns the exit code.
pub fn error(operation: &str, error: &Error, format: Format) -> i32 {
    let code = exit::for_error(error);
    match format {
        Format::Json => {
            let mut report =
                json!({ "operation": operation, "status": "error", "exit_code": code, "message": error.to_string() });
            if let Error::Rejected(r) = error {
                report["status"] = json!("rejected");
                report["http_status"] = json!(r.status);
                report["code"] = json!(r.code);
                report["trace_id"] = json!(r.trace_id);
            }
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
        Format::Text => {
            let _ = writeln!(std::io::stderr(), "lpctl: {error}");
        }
    }
    github::error(operation, error);
    code
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

mod github {
    //! GitHub Actions integration, active when `GITHUB_ACTIONS=true`.

    use std::fs::OpenOptions;
    use std::io::Write;

    use launchplane_client::{Error, Outcome};
    use serde_json::Value;

    fn active() -> bool {
        std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
    }

    fn append(variable: &str, text: &str) {
        let file = std::env::var(variable)
            .ok()
            .and_then(|path| OpenOptions::new().create(true).append(true).open(path).ok());
        if let Some(mut file) = file {
            let _ = file.write_all(text.as_bytes());
        }
    }

    /// `key=value` lines for $GITHUB_OUTPUT; values are single-line by construction.
    fn output_line(key: &str, value: &str) -> String {
        format!("{key}={}\n", value.replace(['\r', '\n'], " "))
    }

    fn escape(text: &str) -> String {
        text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
    }

    pub fn outcome(outcome: &Outcome) {
        if !active() {
            return;
        }
        let status = if outcome.succeeded() { "succeeded" } else { "failed" };
        let mut outputs = output_line("trace_id", &outcome.trace_id);
        outputs.push_str(&output_line("status", status));
        outputs.push_str(&output_line(
            "replayed",
            if outcome.replayed { "true" } else { "false" },
        ));
        if let Some(original) = &outcome.original_trace_id {
            outputs.push_str(&output_line("original_trace_id", original));
        }
        for (key, value) in &outcome.records {
            if let Value::String(text) = value {
                outputs.push_str(&output_line(key, text));
            }
        }
        append("GITHUB_OUTPUT", &outputs);
        let mut summary = format!(
            "### Launchplane `{}`: {status}\n\n| | |\n|---|---|\n| trace_id | `{}` |\n| replayed | {} |\n",
            outcome.operation, outcome.trace_id, outcome.replayed
        );
        for (key, value) in &outcome.records {
            summary.push_str(&format!("| {key} | `{}` |\n", value.as_str().unwrap_or_default()));
        }
        if !outcome.failures.is_empty() {
            summary.push_str(&format!("| failure | {} |\n", outcome.failures.join(", ")));
        }
        append("GITHUB_STEP_SUMMARY", &format!("{summary}\n"));
        if !outcome.succeeded() {
            let message = outcome.error_message().unwrap_or("the driver result reports failure");
            eprintln!(
                "::error title=Launchplane {} failed::{} ({}; trace_id {})",
                outcome.operation,
                escape(message),
                outcome.failures.join(", "),
                outcome.trace_id
            );
        }
    }

    pub fn error(operation: &str, error: &Error) {
        if !active() {
            return;
        }
        let (status, trace) = match error {
            Error::Rejected(r) => ("rejected", r.trace_id.as_str()),
            _ => ("error", ""),
        };
        let mut outputs = output_line("status", status);
        outputs.push_str(&output_line("trace_id", trace));
        outputs.push_str(&output_line("replayed", "false"));
        append("GITHUB_OUTPUT", &outputs);
        append(
            "GITHUB_STEP_SUMMARY",
            &format!("### Launchplane `{operation}`: {status}\n\n```\n{error}\n```\n\n"),
        );
        eprintln!("::error title=Launchplane {operation}::{}", escape(&error.to_string()));
    }
}

/// Flushes stdout so outputs are complete before the process exits.
pub fn flush() {
    let _ = std::io::stdout().flush();
}
