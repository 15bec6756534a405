//! `openapi/API.md`: the one-row-per-operation table derived from the spec.

use serde_json::Value;

use launchplane_client::contract::TIMEOUT_KEY;

use super::doc::{self, Op};

/// The text of `openapi/API.md` for a spec.
pub fn render(spec: &Value) -> String {
    let info = spec.get("info");
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let revision = text(info.and_then(|i| i.get("x-launchplane-revision")));
    let revision_date = text(info.and_then(|i| i.get("x-launchplane-revision-date")));
    let version = text(info.and_then(|i| i.get("version")));

    let mut out = String::new();
    out.push_str("# Launchplane v1 operations\n\n");
    out.push_str(&format!(
        "<!-- Generated from openapi/launchplane-v1.yaml by `{}`; do not edit. -->\n\n",
        super::FMT_COMMAND
    ));
    let dated = if revision_date.is_empty() {
        String::new()
    } else {
        format!(" ({revision_date})")
    };
    out.push_str(&format!(
        "Spec version {version}, Launchplane revision `{revision}`{dated}.\n\n"
    ));
    out.push_str(
        "Limit: how long one request is waited for, answer included (`x-launchplane-timeout-seconds`; \
         `lpctl --timeout` overrides it).\n\n",
    );
    out.push_str(
        "| Method | Path | operationId | Authz action | Safety | Request | Response | Idempotency key | Limit |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    let document_limit = spec.get(TIMEOUT_KEY).and_then(Value::as_u64);
    for op in doc::operations(spec) {
        let ext = |key: &str| op.value.get(key).and_then(Value::as_str);
        let cells = [
            op.method.to_uppercase(),
            code(op.path),
            code_or_dash(op.operation_id()),
            code_or_dash(ext("x-launchplane-authz-action")),
            ext("x-launchplane-safety").unwrap_or("—").to_string(),
            code_or_dash(request_type(&op)),
            code_or_dash(response_type(&op)),
            idempotency_key(&op),
            op.value
                .get(TIMEOUT_KEY)
                .and_then(Value::as_u64)
                .or(document_limit)
                .map_or_else(|| "—".to_owned(), |seconds| format!("{seconds} s")),
        ];
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }

    out.push_str("\n## Not carried\n\n");
    out.push_str("Launchplane routes this spec deliberately leaves out (`x-launchplane-not-carried`).\n\n");
    out.push_str("| Method | Path | Reason |\n|---|---|---|\n");
    if let Some(Value::Array(routes)) = spec.get("x-launchplane-not-carried") {
        for route in routes {
            let field = |k: &str| route.get(k).and_then(Value::as_str).unwrap_or("");
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                field("method"),
                code(field("path")),
                escape(field("reason"))
            ));
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn code(s: &str) -> String {
    format!("`{}`", escape(s))
}

fn code_or_dash(s: Option<&str>) -> String {
    s.map_or_else(|| "—".to_string(), code)
}

fn schema_name(schema: Option<&Value>) -> Option<&str> {
    let schema = schema?;
    if let Some(r) = doc::ref_of(schema) {
        return Some(doc::ref_name(r));
    }
    // `{type: array, items: {$ref}}` reads as `X[]`; other inline schemas have no name.
    schema.get("type").and_then(Value::as_str)
}

fn request_type<'a>(op: &Op<'a>) -> Option<&'a str> {
    let body = op.value.get("requestBody")?;
    schema_name(body.pointer("/content/application~1json/schema"))
}

fn response_type<'a>(op: &Op<'a>) -> Option<&'a str> {
    let responses = op.value.get("responses")?.as_object()?;
    let (_, success) = responses.iter().find(|(code, _)| code.starts_with('2'))?;
    schema_name(success.pointer("/content/application~1json/schema"))
}

fn idempotency_key(op: &Op<'_>) -> String {
    if op.method != "post" {
        return "—".into();
    }
    let shape = op.value.get("x-launchplane-idempotency-key").and_then(Value::as_str);
    let mut cell = shape.map_or_else(|| "caller-chosen".to_string(), code);
    if let Some(field) = op
        .value
        .pointer("/x-launchplane-key-from/field")
        .and_then(Value::as_str)
    {
        cell = format!(
            "{} when given (required by Launchplane), else {cell}",
            code(&format!("{{{field}}}"))
        );
    }
    if op.value.get("x-launchplane-replay") == Some(&Value::Bool(false)) {
        cell.push_str(" (stored, never replayed)");
    }
    if op.value.get("x-launchplane-stores-failures") == Some(&Value::Bool(false)) {
        cell.push_str(" (a failed answer is not stored: the key runs it again)");
    }
    cell
}
