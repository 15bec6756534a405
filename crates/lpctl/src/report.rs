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
/// `query` is the query string the call adds (`?product=opw`), or empty.
pub fn dry_run(prepared: &Prepared, base_url: Option<&str>, query: &str, needs_confirmation: bool, format: Format) {
    let url = format!(
        "{}{}{query}",
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
        Format::Text => github::print_untrusted(&text(outcome)),
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
        let _ = writeln!(out, "  trace_id: {}", one_line(&outcome.trace_id));
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
        let _ = writeln!(out, "  {}: {}", one_line(key), scalar(value));
    }
    match &outcome.result {
        Some(Value::Object(result)) => {
            for (key, value) in result {
                if !matches!(value, Value::Object(_) | Value::Array(_)) {
                    let _ = writeln!(out, "  result.{}: {}", one_line(key), scalar(value));
                }
            }
        }
        _ if outcome.records.is_empty() && !outcome.body.is_null() => {
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
    error_with_advice(operation, error, &[], format)
}

/// Prints a failure with what to do about it, and returns the exit code.
pub fn error_with_advice(operation: &str, error: &Error, advice: &[String], format: Format) -> i32 {
    let code = exit::for_error(error);
    let mut message = crate::explain::error_text(error);
    for line in advice {
        message.push_str("\n  ");
        message.push_str(line);
    }
    let message = message.as_str();
    match format {
        Format::Json => {
            let mut report =
                json!({ "operation": operation, "status": "error", "exit_code": code, "message": message });
            if let Error::Rejected(r) = error {
                report["status"] = json!("rejected");
                report["http_status"] = json!(r.status);
                report["code"] = json!(r.code);
                report["trace_id"] = json!(r.trace_id);
            }
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
        Format::Text => {
            let _ = writeln!(std::io::stderr(), "lpctl: {message}");
        }
    }
    github::error(operation, error, message);
    code
}

/// Prints a call that failed a check of lpctl's own on Launchplane's answer (a status not
/// expected, a failing result value), and returns the exit code of a failed outcome.
pub fn failed(operation: &str, message: &str, trace_id: &str, format: Format) -> i32 {
    let code = exit::REJECTED;
    match format {
        Format::Json => {
            let report = json!({ "operation": operation, "status": "failed", "exit_code": code, "message": message, "trace_id": trace_id });
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
        Format::Text => {
            let _ = writeln!(std::io::stderr(), "lpctl: {}", one_line(message));
        }
    }
    if github::active() {
        eprintln!(
            "{}",
            github::annotation(&format!("Launchplane {operation} failed"), message)
        );
    }
    code
}

/// Prints a rejected answer the caller expected (`--expect-status`): an answer to read.
pub fn expected_rejection(operation: &str, rejection: &launchplane_client::Rejection, quiet: bool, format: Format) {
    let message = (!quiet).then_some(rejection.message.as_str());
    match format {
        Format::Json => {
            let report = json!({
                "operation": operation,
                "status": "expected",
                "http_status": rejection.status,
                "code": rejection.code,
                "message": message,
                "trace_id": rejection.trace_id,
            });
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
        Format::Text => {
            let mut out = format!(
                "{operation}: HTTP {} {} (an expected status)\n",
                rejection.status,
                one_line(&rejection.code)
            );
            if let Some(message) = message {
                let _ = writeln!(out, "  message: {}", one_line(message));
            }
            let _ = writeln!(out, "  trace_id: {}", one_line(&rejection.trace_id));
            github::print_untrusted(&out);
        }
    }
}

/// Whether `name` can be a step output name.
pub fn valid_output_name(name: &str) -> bool {
    github::valid_output_name(name)
}

/// In GitHub Actions, sets these step outputs (values escaped, as every output lpctl writes).
pub fn write_outputs(outputs: &[(String, String)]) {
    if github::active() {
        let text: String = outputs
            .iter()
            .map(|(name, value)| github::output_entry(name, value))
            .collect();
        github::append_output(&text);
    }
}

/// Reports a command-line usage error (clap's), and returns its exit code. Help and version
/// requests print and exit 0.
pub fn usage(error: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    let _ = error.print();
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => exit::OK,
        _ => {
            let message = error.render().to_string();
            let first = message
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid command line")
                .trim_start_matches("error: ")
                .to_owned();
            github::usage(&first, &message);
            exit::USAGE
        }
    }
}

/// In GitHub Actions, refuses to run when the files lpctl reports to cannot be written:
/// nothing is sent, so a re-run after fixing the job is safe.
pub fn check_github_files() -> Result<(), Error> {
    github::check_files()
}

/// A server value on one line: control characters escaped, so an answer cannot start lines.
fn scalar(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    one_line(&text)
}

fn one_line(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '\n' => "\\n".chars().collect::<Vec<_>>(),
            '\r' => "\\r".chars().collect(),
            c if c.is_control() => c.escape_unicode().collect(),
            c => vec![c],
        })
        .collect()
}

mod github {
    //! GitHub Actions integration, active when `GITHUB_ACTIONS=true`. Everything a server
    //! answer puts in an output, the summary or an annotation is escaped, so an answer can
    //! neither add outputs nor issue workflow commands.

    use std::fs::OpenOptions;
    use std::io::Write;

    use launchplane_client::{Error, Outcome};
    use serde_json::Value;

    const OUTPUT: &str = "GITHUB_OUTPUT";
    const SUMMARY: &str = "GITHUB_STEP_SUMMARY";
    /// Outputs lpctl sets itself; a record of the same name does not replace them.
    const OWN_OUTPUTS: &[&str] = &["trace_id", "status", "replayed", "original_trace_id"];

    pub fn active() -> bool {
        std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
    }

    fn path(variable: &str) -> Option<String> {
        std::env::var(variable).ok().filter(|p| !p.trim().is_empty())
    }

    pub fn check_files() -> Result<(), Error> {
        if !active() {
            return Ok(());
        }
        for variable in [OUTPUT, SUMMARY] {
            if let Some(path) = path(variable) {
                OpenOptions::new().create(true).append(true).open(&path).map_err(|e| {
                    Error::Config(format!(
                        "{variable} ({path}) cannot be written: {e}. lpctl reports its outputs there, so it sent \
                         nothing; point {variable} at a writable file (the runner sets it; do not override it)"
                    ))
                })?;
            }
        }
        Ok(())
    }

    fn append(variable: &str, text: &str) {
        let Some(path) = path(variable) else {
            return;
        };
        let written = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()));
        if let Err(e) = written {
            eprintln!(
                "::warning title=lpctl::{}",
                escape_data(&format!(
                    "{variable} ({path}) could not be written: {e}; the step's outputs are incomplete"
                ))
            );
        }
    }

    pub fn append_output(text: &str) {
        append(OUTPUT, text);
    }

    /// Whether `name` can be a step output name.
    pub fn valid_output_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    /// One `$GITHUB_OUTPUT` entry in the multi-line form, with a random delimiter the value
    /// does not contain: a value cannot end the entry early and add outputs of its own.
    pub fn output_entry(key: &str, value: &str) -> String {
        loop {
            let delimiter = format!("ghadelimiter_{:032x}", rand::random::<u128>());
            if !value.contains(&delimiter) {
                return format!("{key}<<{delimiter}\n{value}\n{delimiter}\n");
            }
        }
    }

    /// Workflow-command data escaping: `%`, CR and LF.
    pub fn escape_data(text: &str) -> String {
        text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
    }

    /// Workflow-command property escaping (an annotation's title): data escaping plus `:` and `,`.
    pub fn escape_property(text: &str) -> String {
        escape_data(text).replace(':', "%3A").replace(',', "%2C")
    }

    /// Text for the Markdown summary, inside `<code>`/`<pre>`: no HTML, no table breaks.
    pub fn escape_markdown(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('|', "&#124;")
            .replace('`', "&#96;")
            .replace(['\r', '\n'], " ")
    }

    fn escape_block(text: &str) -> String {
        text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    }

    pub fn annotation(title: &str, message: &str) -> String {
        format!("::error title={}::{}", escape_property(title), escape_data(message))
    }

    /// Prints text that holds server answers to stdout; in GitHub Actions between
    /// `stop-commands` markers, so no line of it is taken as a workflow command.
    pub fn print_untrusted(text: &str) {
        if active() {
            let token = format!("lpctl-{:032x}", rand::random::<u128>());
            print!("::stop-commands::{token}\n{text}::{token}::\n");
        } else {
            print!("{text}");
        }
        let _ = std::io::stdout().flush();
    }

    pub fn outcome_outputs(outcome: &Outcome) -> String {
        let status = if outcome.succeeded() { "succeeded" } else { "failed" };
        let mut outputs = output_entry("trace_id", &outcome.trace_id);
        outputs.push_str(&output_entry("status", status));
        outputs.push_str(&output_entry(
            "replayed",
            if outcome.replayed { "true" } else { "false" },
        ));
        if let Some(original) = &outcome.original_trace_id {
            outputs.push_str(&output_entry("original_trace_id", original));
        }
        for (key, value) in &outcome.records {
            if let Value::String(text) = value
                && valid_output_name(key)
                && !OWN_OUTPUTS.contains(&key.as_str())
            {
                outputs.push_str(&output_entry(key, text));
            }
        }
        outputs
    }

    pub fn plan_written(path: &str, plan_id: Option<&str>) {
        if !active() {
            return;
        }
        let mut outputs = output_entry("plan_file", path);
        if let Some(id) = plan_id {
            outputs.push_str(&output_entry("plan_id", id));
        }
        append(OUTPUT, &outputs);
    }

    pub fn outcome(outcome: &Outcome) {
        if !active() {
            return;
        }
        let status = if outcome.succeeded() { "succeeded" } else { "failed" };
        append(OUTPUT, &outcome_outputs(outcome));
        let mut summary = format!(
            "### Launchplane `{}`: {status}\n\n| | |\n|---|---|\n| trace_id | <code>{}</code> |\n| replayed | {} |\n",
            escape_markdown(&outcome.operation),
            escape_markdown(&outcome.trace_id),
            outcome.replayed
        );
        for (key, value) in &outcome.records {
            summary.push_str(&format!(
                "| {} | <code>{}</code> |\n",
                escape_markdown(key),
                escape_markdown(value.as_str().unwrap_or_default())
            ));
        }
        if !outcome.failures.is_empty() {
            summary.push_str(&format!(
                "| failure | {} |\n",
                escape_markdown(&outcome.failures.join(", "))
            ));
        }
        append(SUMMARY, &format!("{summary}\n"));
        if !outcome.succeeded() {
            let message = outcome.error_message().unwrap_or("the driver result reports failure");
            eprintln!(
                "{}",
                annotation(
                    &format!("Launchplane {} failed", outcome.operation),
                    &format!(
                        "{message} ({}; trace_id {})",
                        outcome.failures.join(", "),
                        outcome.trace_id
                    )
                )
            );
        }
    }

    fn failed(operation: &str, status: &str, trace: &str, message: &str) {
        let mut outputs = output_entry("status", status);
        outputs.push_str(&output_entry("trace_id", trace));
        outputs.push_str(&output_entry("replayed", "false"));
        append(OUTPUT, &outputs);
        append(
            SUMMARY,
            &format!(
                "### Launchplane `{}`: {status}\n\n<pre>{}</pre>\n\n",
                escape_markdown(operation),
                escape_block(message)
            ),
        );
    }

    pub fn error(operation: &str, error: &Error, message: &str) {
        if !active() {
            return;
        }
        let (status, trace) = match error {
            Error::Rejected(r) => ("rejected", r.trace_id.as_str()),
            _ => ("error", ""),
        };
        failed(operation, status, trace, message);
        eprintln!("{}", annotation(&format!("Launchplane {operation}"), message));
    }

    pub fn usage(first_line: &str, message: &str) {
        if !active() {
            return;
        }
        failed("lpctl", "error", "", message);
        eprintln!("{}", annotation("lpctl usage", first_line));
    }
}

/// Says where the plan went; in GitHub Actions also as the `plan_file` and `plan_id` outputs.
pub fn plan_written(path: &str, plan_id: Option<&str>) {
    eprintln!(
        "plan written to {path}{}",
        plan_id.map(|id| format!(" (plan id {id})")).unwrap_or_default()
    );
    github::plan_written(path, plan_id);
}

/// Flushes stdout so outputs are complete before the process exits.
pub fn flush() {
    let _ = std::io::stdout().flush();
}

#[cfg(test)]
mod tests {
    use super::github::*;
    use launchplane_testkit::parse_outputs;

    #[test]
    fn a_hostile_value_cannot_add_outputs() {
        let hostile = "x\nstatus=succeeded\nEOF\nghadelimiter_0\ninjected<<Z\nZ";
        let text = output_entry("deployment_record_id", hostile);
        let outputs = parse_outputs(&text);
        assert_eq!(outputs, vec![("deployment_record_id".to_owned(), hostile.to_owned())]);
    }

    #[test]
    fn a_hostile_answer_sets_only_its_own_well_named_outputs() {
        let records = serde_json::json!({
            "deployment_record_id": "d-1\nstatus=succeeded",
            "status": "succeeded",
            "bad\nname": "x",
            "evil=1\nx": "y",
        });
        let outcome = launchplane_client::Outcome {
            operation: "generic_web_deploy".into(),
            http_status: 202,
            trace_id: "t-1\ninjected=1".into(),
            replayed: false,
            original_trace_id: None,
            records: records.as_object().unwrap().clone(),
            result: None,
            body: serde_json::Value::Null,
            failures: vec!["deploy_status=fail".into()],
            attempts: 1,
        };
        let outputs = parse_outputs(&outcome_outputs(&outcome));
        let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["trace_id", "status", "replayed", "deployment_record_id"]);
        assert_eq!(outputs[0].1, "t-1\ninjected=1");
        assert_eq!(outputs[1].1, "failed", "a record cannot replace lpctl's own status");
        assert_eq!(outputs[3].1, "d-1\nstatus=succeeded");
    }

    #[test]
    fn output_names_are_checked() {
        assert!(valid_output_name("deployment_record_id") && valid_output_name("_a-b1"));
        for bad in ["", "1x", "a=b", "a\nb", "a<<b", "a b", "::set-output"] {
            assert!(!valid_output_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn annotations_cannot_carry_a_second_command() {
        let line = annotation("Launchplane x: y, z", "bad\r\n::add-mask::secret 100%");
        assert_eq!(line.lines().count(), 1);
        assert_eq!(
            line,
            "::error title=Launchplane x%3A y%2C z::bad%0D%0A::add-mask::secret 100%25"
        );
    }

    #[test]
    fn summary_text_cannot_break_out_of_its_cell() {
        let escaped = escape_markdown("a|b`c<script>\n| x |");
        assert!(!escaped.contains(['|', '`', '<', '\n']), "{escaped}");
    }
}
