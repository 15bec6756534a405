//! `x-launchplane-poll`: a well-formed declaration whose fields exist in the answers they are
//! read from, with pending values the field can hold.

use launchplane_contract::Resolver;
use launchplane_contract::operation::Poll;
use serde_json::Value;

use super::Finding;
use crate::spec::doc::{self, Loc, Op};

const KEY: &str = "x-launchplane-poll";

pub fn check(spec: &Value, out: &mut Vec<Finding>) {
    let operations = doc::operations(spec);
    for op in &operations {
        let Some(declared) = op.value.get(KEY) else { continue };
        let loc = doc::child(&op.loc, KEY);
        let poll: Poll = match serde_json::from_value(declared.clone()) {
            Ok(poll) => poll,
            Err(e) => {
                out.push(Finding::new(loc, format!("{KEY}: {e}"), REMEDY));
                continue;
            }
        };
        if let Err(e) = poll.check() {
            out.push(Finding::new(loc, format!("{KEY}: {e}"), REMEDY));
            continue;
        }
        let Some(answer) = success_schema(spec, op) else {
            out.push(Finding::new(
                loc,
                format!("{KEY} on {}, which has no JSON success schema", op.label()),
                "declare polling only on operations whose answer has a schema",
            ));
            continue;
        };
        if let Some(repeat) = &poll.repeat {
            check_status(spec, &answer, &repeat.field, &repeat.pending, &loc, out);
        }
        if let Some(follow) = &poll.follow {
            match Resolver::new(spec).field(&answer, &follow.url_field) {
                Ok(field) if field.schema.get("type").and_then(Value::as_str) != Some("string") => {
                    out.push(Finding::new(
                        loc.clone(),
                        format!("{KEY}: `url_field` `{}` is not a string field", follow.url_field),
                        "name the answer field that holds the operation's URL path",
                    ))
                }
                Ok(_) => {}
                Err(e) => out.push(Finding::new(
                    loc.clone(),
                    format!("{KEY}: url_field {e}"),
                    "name the answer field that holds the operation's URL path",
                )),
            }
            let status_op = operations
                .iter()
                .find(|o| o.method == "get" && o.operation_id() == Some(follow.operation.as_str()));
            match status_op.and_then(|o| success_schema(spec, o)) {
                Some(status) => check_status(spec, &status, &follow.field, &follow.pending, &loc, out),
                None => out.push(Finding::new(
                    loc.clone(),
                    format!("{KEY}: `{}` is no GET operation with a JSON answer", follow.operation),
                    "name the operationId of the GET the URL points at",
                )),
            }
        }
    }
}

const REMEDY: &str = "write `repeat: {field, pending}` or `follow: {url_field, operation, field, pending}`, with \
                      `interval_seconds` and `timeout_seconds` (openapi/README.md)";

/// The status field must exist, be text, and take every pending value its enum allows.
fn check_status(spec: &Value, answer: &Loc, path: &str, pending: &[String], loc: &Loc, out: &mut Vec<Finding>) {
    let field = match Resolver::new(spec).field(answer, path) {
        Ok(field) => field,
        Err(e) => {
            out.push(Finding::new(
                loc.clone(),
                format!("{KEY}: field {e}"),
                "name a field of the answer, as a dot path from its top (`result.backup_status`)",
            ));
            return;
        }
    };
    if let Some(kind) = field.schema.get("type").and_then(Value::as_str)
        && kind != "string"
    {
        out.push(Finding::new(
            loc.clone(),
            format!("{KEY}: field `{path}` is {kind}, not text"),
            "watch a string status field",
        ));
    }
    if let Some(values) = field.schema.get("enum").and_then(Value::as_array) {
        for value in pending {
            if !values.iter().any(|v| v.as_str() == Some(value)) {
                out.push(Finding::new(
                    loc.clone(),
                    format!(
                        "{KEY}: `{path}` never holds `{value}`: its enum is {}",
                        Value::Array(values.clone())
                    ),
                    "list only values the field's enum has, or add the value to the enum if Launchplane answers it",
                ));
            }
        }
    }
}

/// Where the schema of the operation's JSON success answer is.
fn success_schema(spec: &Value, op: &Op<'_>) -> Option<Loc> {
    let responses = op.value.get("responses")?.as_object()?;
    let (code, response) = responses.iter().find(|(code, _)| code.starts_with('2'))?;
    let loc = [doc::child(&op.loc, "responses"), vec![code.clone()]].concat();
    let (_, loc) = doc::deref(spec, response, loc)?;
    let schema = [loc, vec!["content".into(), "application/json".into(), "schema".into()]].concat();
    doc::get(spec, &schema).map(|_| schema)
}
