//! Per-operation rules: ids, POST requirements, responses, and what the generator can build.

use std::collections::HashMap;

use serde_json::Value;

use launchplane_client::contract::TIMEOUT_KEY;

use super::Finding;
use crate::spec::doc::{self, Op};

pub const IDEMPOTENCY_KEY_REF: &str = "#/components/parameters/IdempotencyKey";
pub const REJECTED_REF: &str = "#/components/responses/Rejected";
/// Statuses every operation declares with the shared error response.
pub const ERROR_STATUSES: [&str; 8] = ["400", "401", "403", "404", "405", "409", "500", "503"];
pub const SAFETIES: [&str; 4] = ["read", "safe_write", "mutation", "destructive"];

pub fn check(spec: &Value, out: &mut Vec<Finding>) {
    let mut ids: HashMap<&str, String> = HashMap::new();
    if let Some(Value::Object(paths)) = spec.get("paths") {
        for (path, item) in paths {
            if item.get("$ref").is_some() {
                out.push(Finding::new(
                    vec!["paths".into(), path.clone(), "$ref".into()],
                    format!("path item {path} is a `$ref`"),
                    "write the operations inline; the generator rejects referenced path items",
                ));
            }
        }
    }
    let document_limit = spec.get(TIMEOUT_KEY);
    if let Some(limit) = document_limit
        && !is_positive_integer(limit)
    {
        out.push(Finding::new(
            vec![TIMEOUT_KEY.into()],
            format!("`{TIMEOUT_KEY}: {limit}` is not a whole number of seconds above 0"),
            "write the limit of one request in seconds, e.g. 300",
        ));
    }
    for op in doc::operations(spec) {
        check_limit(&op, document_limit.is_some(), out);
        check_id(&op, &mut ids, out);
        check_parameters(spec, &op, out);
        check_post(&op, out);
        check_extensions(&op, out);
        check_responses(spec, &op, out);
    }
}

fn is_positive_integer(value: &Value) -> bool {
    value.as_u64().is_some_and(|n| n > 0)
}

/// Every operation has a request limit: its own, or the document's.
fn check_limit(op: &Op<'_>, document_has_one: bool, out: &mut Vec<Finding>) {
    match op.value.get(TIMEOUT_KEY) {
        Some(limit) if !is_positive_integer(limit) => out.push(Finding::new(
            doc::child(&op.loc, TIMEOUT_KEY),
            format!("`{TIMEOUT_KEY}: {limit}` is not a whole number of seconds above 0"),
            "write the limit of one request in seconds, e.g. 1800",
        )),
        None if !document_has_one => out.push(Finding::new(
            op.loc.clone(),
            format!("{} has no request limit", op.label()),
            format!("add `{TIMEOUT_KEY}` to it, or one for every operation at the top of the document"),
        )),
        _ => {}
    }
    if let Some(stores) = op.value.get("x-launchplane-stores-failures")
        && !stores.is_boolean()
    {
        out.push(Finding::new(
            doc::child(&op.loc, "x-launchplane-stores-failures"),
            "`x-launchplane-stores-failures` is not a boolean",
            "write `false` (or drop it)",
        ));
    }
}

fn is_snake_case(s: &str) -> bool {
    s.split('_')
        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

fn check_id<'a>(op: &Op<'a>, ids: &mut HashMap<&'a str, String>, out: &mut Vec<Finding>) {
    let Some(id) = op.operation_id() else {
        out.push(Finding::new(
            op.loc.clone(),
            format!("{} has no operationId", op.label()),
            "add a unique snake_case `operationId: <group>_<route>` (the generator needs one)",
        ));
        return;
    };
    let loc = doc::child(&op.loc, "operationId");
    if !is_snake_case(id) {
        out.push(Finding::new(
            loc.clone(),
            format!("operationId `{id}` is not snake_case"),
            "use `<group>_<route>` in lower-case words joined by `_`",
        ));
    }
    if let Some(other) = ids.get(id) {
        out.push(Finding::new(
            loc,
            format!("operationId `{id}` is also used by {other}"),
            "make operationIds unique",
        ));
    } else {
        ids.insert(id, op.label());
    }
}

fn check_parameters(spec: &Value, op: &Op<'_>, out: &mut Vec<Finding>) {
    let item_loc = &op.loc[..2];
    let mut declared_path_params = Vec::new();
    for scope in [item_loc.to_vec(), op.loc.clone()] {
        let list_loc = doc::child(&scope, "parameters");
        let Some(Value::Array(params)) = doc::get(spec, &list_loc) else {
            continue;
        };
        for (i, p) in params.iter().enumerate() {
            let loc = doc::child(&list_loc, i.to_string());
            let Some((param, _)) = doc::deref(spec, p, loc.clone()) else {
                continue;
            };
            let name = param.get("name").and_then(Value::as_str).unwrap_or("?");
            match param.get("in").and_then(Value::as_str) {
                Some("cookie") => out.push(Finding::new(
                    loc,
                    format!("{} has cookie parameter `{name}`", op.label()),
                    "pass it as a header; the generator rejects cookie parameters",
                )),
                Some("path") => {
                    if param.get("required") != Some(&Value::Bool(true)) {
                        out.push(Finding::new(
                            loc.clone(),
                            format!("path parameter `{name}` is not `required: true`"),
                            "mark it required",
                        ));
                    }
                    if !doc::path_params(op.path).contains(&name) {
                        out.push(Finding::new(
                            loc,
                            format!("path parameter `{name}` is not in {}", op.path),
                            "remove it or add `{name}` to the path",
                        ));
                    }
                    declared_path_params.push(name.to_string());
                }
                _ => {}
            }
        }
    }
    for name in doc::path_params(op.path) {
        if !declared_path_params.iter().any(|d| d == name) {
            out.push(Finding::new(
                op.loc.clone(),
                format!("{} does not declare path parameter `{name}`", op.label()),
                "add `{name: ..., in: path, required: true, schema: {type: string}}` to its parameters",
            ));
        }
    }
}

fn check_post(op: &Op<'_>, out: &mut Vec<Finding>) {
    if op.method != "post" {
        return;
    }
    let params = op.value.get("parameters").and_then(Value::as_array);
    let shared_key = params.is_some_and(|ps| ps.iter().any(|p| doc::ref_of(p) == Some(IDEMPOTENCY_KEY_REF)));
    // Launchplane gives some routes their own key (required, or length-limited) and declares
    // none on routes it never replays.
    let own_key = params.is_some_and(|ps| ps.iter().any(is_idempotency_key_header));
    let never_replayed = op.value.get("x-launchplane-replay") == Some(&Value::Bool(false));
    if !shared_key && !own_key && !never_replayed {
        out.push(Finding::new(
            op.loc.clone(),
            format!("{} does not take the Idempotency-Key header", op.label()),
            format!(
                "add `parameters: [$ref: '{IDEMPOTENCY_KEY_REF}']` (or the route's own `Idempotency-Key` \
                 header; or `x-launchplane-replay: false` where Launchplane declares no key)"
            ),
        ));
    }
    let authz = op.value.get("x-launchplane-authz-action").and_then(Value::as_str);
    if authz.is_none_or(|a| a.trim().is_empty()) {
        out.push(Finding::new(
            op.loc.clone(),
            format!("{} has no `x-launchplane-authz-action`", op.label()),
            "add Launchplane's authorization action for the route (e.g. `odoo_post_deploy.execute`)",
        ));
    }
    if op.value.get("requestBody").is_none() {
        out.push(Finding::new(
            op.loc.clone(),
            format!("{} has no requestBody", op.label()),
            "add the JSON request body",
        ));
    }
}

/// An inline `Idempotency-Key` header parameter (a route's own declaration of the key).
fn is_idempotency_key_header(p: &Value) -> bool {
    p.get("in").and_then(Value::as_str) == Some("header")
        && p.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("idempotency-key"))
}

fn check_extensions(op: &Op<'_>, out: &mut Vec<Finding>) {
    if let Some(safety) = op.value.get("x-launchplane-safety")
        && !safety.as_str().is_some_and(|s| SAFETIES.contains(&s))
    {
        out.push(Finding::new(
            doc::child(&op.loc, "x-launchplane-safety"),
            format!("`x-launchplane-safety: {safety}` is not a descriptor safety"),
            format!("use one of {}", SAFETIES.join(", ")),
        ));
    }
    if let Some(replay) = op.value.get("x-launchplane-replay")
        && !replay.is_boolean()
    {
        out.push(Finding::new(
            doc::child(&op.loc, "x-launchplane-replay"),
            "`x-launchplane-replay` is not a boolean",
            "write `false` (or drop it)",
        ));
    }
}

fn check_responses(spec: &Value, op: &Op<'_>, out: &mut Vec<Finding>) {
    let loc = doc::child(&op.loc, "responses");
    let Some(Value::Object(responses)) = op.value.get("responses") else {
        out.push(Finding::new(
            op.loc.clone(),
            format!("{} has no responses", op.label()),
            "declare the success and error responses",
        ));
        return;
    };
    if responses.contains_key("default") {
        out.push(Finding::new(
            doc::child(&loc, "default"),
            format!("{} has a `default` response", op.label()),
            format!("declare each error status with `$ref: '{REJECTED_REF}'` instead"),
        ));
    }
    let success: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    match success.as_slice() {
        [code] => check_success(
            spec,
            op,
            &doc::child(&loc, code.as_str()),
            &responses[code.as_str()],
            out,
        ),
        _ => out.push(Finding::new(
            loc.clone(),
            format!("{} has {} success responses", op.label(), success.len()),
            "declare exactly one 2xx response (202 for POST, 200 for GET)",
        )),
    }
    for code in ERROR_STATUSES {
        if !responses.contains_key(code) {
            out.push(Finding::new(
                loc.clone(),
                format!("{} does not declare {code}", op.label()),
                format!("add `'{code}': {{$ref: '{REJECTED_REF}'}}`"),
            ));
        }
    }
    for (code, response) in responses {
        if code.starts_with('2') || code == "default" {
            continue;
        }
        let code_loc = doc::child(&loc, code.as_str());
        if code.starts_with('4') || code.starts_with('5') {
            if doc::ref_of(response) != Some(REJECTED_REF) {
                out.push(Finding::new(
                    code_loc,
                    format!(
                        "{} answers {code} with something other than the Rejected response",
                        op.label()
                    ),
                    format!("use `$ref: '{REJECTED_REF}'`; every error status shares one schema"),
                ));
            }
        } else {
            out.push(Finding::new(
                code_loc,
                format!("{} declares status {code}", op.label()),
                "declare only one 2xx and the Rejected 4xx/5xx statuses",
            ));
        }
    }
}

fn check_success(spec: &Value, op: &Op<'_>, loc: &[String], response: &Value, out: &mut Vec<Finding>) {
    let Some((response, loc)) = doc::deref(spec, response, loc.to_vec()) else {
        return;
    };
    let content = response.get("content").and_then(Value::as_object);
    let types: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
    if types.as_slice() != ["application/json"] {
        out.push(Finding::new(
            loc.clone(),
            format!(
                "{} success response has content types [{}]",
                op.label(),
                types.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
            ),
            "declare exactly one `application/json` content",
        ));
        return;
    }
    let media_loc = doc::child(&doc::child(&loc, "content"), "application/json");
    let media = &content.expect("checked above")["application/json"];
    if media.get("schema").is_none() {
        out.push(Finding::new(
            media_loc.clone(),
            format!("{} success response has no schema", op.label()),
            "add `schema: {$ref: ...}`",
        ));
    }
    if media.get("example").is_none() {
        out.push(Finding::new(
            media_loc,
            format!("{} success response has no `example`", op.label()),
            "add an `example` of the full envelope",
        ));
    }
}
