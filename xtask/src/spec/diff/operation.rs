//! Operation-level comparison: parameters, request body, responses and their content.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Options;
use super::change::{Changes, Class, Scope};
use super::schema::{Direction, SchemaDiff};
use crate::spec::doc::{self, Loc, Op};

const OP_DOC_KEYS: [&str; 5] = ["summary", "description", "externalDocs", "tags", "deprecated"];

pub(super) fn op_scope(op: &Op<'_>) -> Scope {
    Scope {
        operation: Some(op.label()),
        operation_id: op.operation_id().map(String::from),
        part: String::new(),
    }
}

pub(super) fn show(v: Option<&Value>) -> String {
    v.map_or_else(
        || "none".to_string(),
        |v| format!("`{}`", v.as_str().map_or_else(|| v.to_string(), String::from)),
    )
}

pub(super) fn compare_operation(
    old: &Value,
    new: &Value,
    old_op: &Op<'_>,
    new_op: &Op<'_>,
    opts: &Options,
    out: &mut Changes,
) {
    let scope = op_scope(new_op);
    let (Some(o), Some(n)) = (old_op.value.as_object(), new_op.value.as_object()) else {
        return;
    };
    if !opts.drift && old_op.path != new_op.path {
        out.push(
            &scope,
            "",
            Class::NonBreaking,
            "path_parameter_renamed",
            format!("path template changed from `{}`", old_op.path),
            &new_op.loc,
        );
    }
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for key in keys {
        let (a, b) = (o.get(key), n.get(key));
        if a == b || matches!(key.as_str(), "parameters" | "requestBody" | "responses") || opts.drift {
            continue;
        }
        let loc = doc::child(&new_op.loc, key.as_str());
        let (class, rule, msg) = match key.as_str() {
            k if OP_DOC_KEYS.contains(&k) => (Class::NonBreaking, "documentation_changed", format!("`{key}` changed")),
            "operationId" => (
                Class::Unclassified,
                "operation_id_changed",
                format!(
                    "operationId changed from {} to {} (generated method name)",
                    show(a),
                    show(b)
                ),
            ),
            "security" => (Class::Unclassified, "security_changed", "`security` changed".into()),
            k if k.starts_with("x-") => (
                Class::Unclassified,
                "extension_changed",
                format!("`{key}` changed from {} to {}", show(a), show(b)),
            ),
            _ => (Class::Unclassified, "operation_changed", format!("`{key}` changed")),
        };
        out.push(&scope, "", class, rule, msg, &loc);
    }
    compare_parameters(old, new, old_op, new_op, &scope, opts, out);
    compare_body(old, new, old_op, new_op, &scope, opts, out);
    compare_responses(old, new, old_op, new_op, &scope, opts, out);
}

/// Path-item and operation parameters, dereferenced, keyed by location and name.
fn parameters<'a>(doc_root: &'a Value, op: &Op<'a>) -> Vec<((String, String), &'a Value, Loc)> {
    let mut out = Vec::new();
    for scope in [op.loc[..2].to_vec(), op.loc.clone()] {
        let list_loc = doc::child(&scope, "parameters");
        let Some(Value::Array(params)) = doc::get(doc_root, &list_loc) else {
            continue;
        };
        for (i, p) in params.iter().enumerate() {
            let Some((p, loc)) = doc::deref(doc_root, p, doc::child(&list_loc, i.to_string())) else {
                continue;
            };
            let place = p.get("in").and_then(Value::as_str).unwrap_or("?").to_string();
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            // Header names are case-insensitive on the wire.
            let name = if place == "header" {
                name.to_ascii_lowercase()
            } else {
                name.to_string()
            };
            out.retain(|(k, _, _): &((String, String), &Value, Loc)| k != &(place.clone(), name.clone()));
            out.push(((place, name), p, loc));
        }
    }
    out
}

fn compare_parameters(
    old: &Value,
    new: &Value,
    old_op: &Op<'_>,
    new_op: &Op<'_>,
    scope: &Scope,
    opts: &Options,
    out: &mut Changes,
) {
    let (a, b) = (parameters(old, old_op), parameters(new, new_op));
    let required = |p: &Value| p.get("required") == Some(&Value::Bool(true));
    let part = |p: &Value, (place, name): &(String, String)| {
        let shown = p.get("name").and_then(Value::as_str).unwrap_or(name);
        format!("parameter {place} `{shown}`")
    };
    for (key, p, _) in &a {
        if !b.iter().any(|(k, _, _)| k == key) {
            let scope = Scope {
                part: part(p, key),
                ..scope.clone()
            };
            out.push(
                &scope,
                "",
                Class::Breaking,
                "parameter_removed",
                "parameter removed".into(),
                &new_op.loc,
            );
        }
    }
    for (key, p, loc) in &b {
        let part_scope = Scope {
            part: part(p, key),
            ..scope.clone()
        };
        let Some((_, old_p, old_loc)) = a.iter().find(|(k, _, _)| k == key) else {
            let (class, rule) = if required(p) {
                (Class::Breaking, "parameter_added_required")
            } else {
                (Class::NonBreaking, "parameter_added_optional")
            };
            out.push(&part_scope, "", class, rule, "parameter added".into(), loc);
            continue;
        };
        if required(old_p) != required(p) {
            let (class, rule, msg) = if required(p) {
                (
                    Class::Breaking,
                    "parameter_became_required",
                    "parameter became required",
                )
            } else {
                (
                    Class::NonBreaking,
                    "parameter_became_optional",
                    "parameter became optional",
                )
            };
            out.push(&part_scope, "", class, rule, msg.into(), loc);
        }
        let (Some(o), Some(n)) = (old_p.as_object(), p.as_object()) else {
            continue;
        };
        let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
        for k in keys.into_iter().filter(|k| o.get(*k) != n.get(*k)) {
            match k.as_str() {
                "schema" => {
                    let (os, ns) = (&o["schema"], n.get("schema").unwrap_or(&Value::Null));
                    let mut d = SchemaDiff::new(old, new, Direction::Request, opts, &part_scope, out);
                    d.compare(os, doc::child(old_loc, "schema"), ns, doc::child(loc, "schema"), "");
                }
                "required" | "name" | "in" => {}
                "description" | "example" | "examples" if opts.drift => {}
                "description" | "example" | "examples" => out.push(
                    &part_scope,
                    "",
                    Class::NonBreaking,
                    "documentation_changed",
                    format!("`{k}` changed"),
                    loc,
                ),
                _ => out.push(
                    &part_scope,
                    "",
                    Class::Unclassified,
                    "parameter_changed",
                    format!("`{k}` changed"),
                    loc,
                ),
            }
        }
    }
}

fn compare_body(
    old: &Value,
    new: &Value,
    old_op: &Op<'_>,
    new_op: &Op<'_>,
    scope: &Scope,
    opts: &Options,
    out: &mut Changes,
) {
    let scope = Scope {
        part: "request body".into(),
        ..scope.clone()
    };
    let required = |b: &Value| b.get("required") == Some(&Value::Bool(true));
    match (request_body(old, old_op), request_body(new, new_op)) {
        (None, None) => {}
        (None, Some((b, loc))) => {
            let (class, rule) = if required(b) {
                (Class::Breaking, "request_body_added_required")
            } else {
                (Class::NonBreaking, "request_body_added_optional")
            };
            out.push(&scope, "", class, rule, "request body added".into(), &loc);
        }
        (Some(_), None) => out.push(
            &scope,
            "",
            Class::Breaking,
            "request_body_removed",
            "request body removed".into(),
            &new_op.loc,
        ),
        (Some((a, a_loc)), Some((b, b_loc))) => {
            if required(a) != required(b) {
                let (class, rule) = if required(b) {
                    (Class::Breaking, "request_body_became_required")
                } else {
                    (Class::NonBreaking, "request_body_became_optional")
                };
                out.push(
                    &scope,
                    "",
                    class,
                    rule,
                    format!("request body `required` is now {}", required(b)),
                    &b_loc,
                );
            }
            if a.get("description") != b.get("description") && !opts.drift {
                out.push(
                    &scope,
                    "",
                    Class::NonBreaking,
                    "documentation_changed",
                    "`description` changed".into(),
                    &b_loc,
                );
            }
            compare_content(old, new, (a, a_loc), (b, b_loc), Direction::Request, &scope, opts, out);
        }
    }
}

fn request_body<'a>(root: &'a Value, op: &Op<'a>) -> Option<(&'a Value, Loc)> {
    op.value
        .get("requestBody")
        .and_then(|b| doc::deref(root, b, doc::child(&op.loc, "requestBody")))
}

fn success_code(responses: &Map<String, Value>) -> Option<&String> {
    responses.keys().find(|c| c.starts_with('2'))
}

#[allow(clippy::too_many_arguments)]
fn compare_content(
    old: &Value,
    new: &Value,
    (a, a_loc): (&Value, Loc),
    (b, b_loc): (&Value, Loc),
    dir: Direction,
    scope: &Scope,
    opts: &Options,
    out: &mut Changes,
) {
    let empty = Map::new();
    let ca = a.get("content").and_then(Value::as_object).unwrap_or(&empty);
    let cb = b.get("content").and_then(Value::as_object).unwrap_or(&empty);
    let content_loc = doc::child(&b_loc, "content");
    let types: BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
    for media_type in types {
        let (Some(ma), Some(mb)) = (ca.get(media_type), cb.get(media_type)) else {
            let msg = format!(
                "content type `{media_type}` {}",
                if cb.contains_key(media_type) {
                    "added"
                } else {
                    "removed"
                }
            );
            out.push(scope, "", Class::Unclassified, "media_type_changed", msg, &content_loc);
            continue;
        };
        let mb_loc = doc::child(&content_loc, media_type.as_str());
        let ma_loc = [a_loc.clone(), vec!["content".into(), media_type.clone()]].concat();
        match (ma.get("schema"), mb.get("schema")) {
            (Some(sa), Some(sb)) => {
                let mut d = SchemaDiff::new(old, new, dir, opts, scope, out);
                d.compare(sa, doc::child(&ma_loc, "schema"), sb, doc::child(&mb_loc, "schema"), "");
            }
            (None, None) => {}
            _ => out.push(
                scope,
                "",
                Class::Unclassified,
                "media_type_changed",
                "schema added or removed".into(),
                &mb_loc,
            ),
        }
        if !opts.drift {
            for key in ["example", "examples"] {
                if ma.get(key) != mb.get(key) {
                    out.push(
                        scope,
                        "",
                        Class::NonBreaking,
                        "documentation_changed",
                        format!("`{key}` changed"),
                        &doc::child(&mb_loc, key),
                    );
                }
            }
        }
    }
}

fn compare_responses(
    old: &Value,
    new: &Value,
    old_op: &Op<'_>,
    new_op: &Op<'_>,
    scope: &Scope,
    opts: &Options,
    out: &mut Changes,
) {
    let empty = Map::new();
    let ra = old_op
        .value
        .get("responses")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let rb = new_op
        .value
        .get("responses")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let responses_loc = doc::child(&new_op.loc, "responses");
    let pairs: Vec<(&String, &String)> = if opts.drift {
        // The live service documents its own error set; only the success response is compared.
        match (success_code(ra), success_code(rb)) {
            (Some(a), Some(b)) => {
                if a != b {
                    let scope = Scope {
                        part: format!("response {b}"),
                        ..scope.clone()
                    };
                    out.push(
                        &scope,
                        "",
                        Class::Unclassified,
                        "success_status_changed",
                        format!("success status changed from {a} to {b}"),
                        &responses_loc,
                    );
                }
                vec![(a, b)]
            }
            (Some(a), None) => {
                let scope = Scope {
                    part: format!("response {a}"),
                    ..scope.clone()
                };
                out.push(
                    &scope,
                    "",
                    Class::Unclassified,
                    "success_status_changed",
                    "no success response".into(),
                    &responses_loc,
                );
                Vec::new()
            }
            _ => Vec::new(),
        }
    } else {
        let codes: BTreeSet<&String> = ra.keys().chain(rb.keys()).collect();
        let mut pairs = Vec::new();
        for code in codes {
            match (ra.contains_key(code), rb.contains_key(code)) {
                (true, true) => pairs.push((code, code)),
                (in_old, _) => {
                    let scope = Scope {
                        part: format!("response {code}"),
                        ..scope.clone()
                    };
                    let msg = if in_old {
                        "status no longer declared"
                    } else {
                        "status added"
                    };
                    out.push(
                        &scope,
                        "",
                        Class::Unclassified,
                        "response_status_changed",
                        msg.into(),
                        &responses_loc,
                    );
                }
            }
        }
        pairs
    };
    for (ca, cb) in pairs {
        let (a, b) = (&ra[ca.as_str()], &rb[cb.as_str()]);
        // Same shared response on both sides: compared once for the whole document.
        if !opts.drift && doc::ref_of(a).is_some() && doc::ref_of(a) == doc::ref_of(b) {
            continue;
        }
        let part_scope = Scope {
            part: format!("response {cb}"),
            ..scope.clone()
        };
        let a_loc = [old_op.loc.clone(), vec!["responses".into(), ca.clone()]].concat();
        let b_loc = doc::child(&responses_loc, cb.as_str());
        compare_response_object(old, new, (a, a_loc), (b, b_loc), &part_scope, opts, out);
    }
}

pub(super) fn compare_response_object(
    old: &Value,
    new: &Value,
    (a, a_loc): (&Value, Loc),
    (b, b_loc): (&Value, Loc),
    scope: &Scope,
    opts: &Options,
    out: &mut Changes,
) {
    let (Some(a), Some(b)) = (doc::deref(old, a, a_loc), doc::deref(new, b, b_loc.clone())) else {
        out.push(
            scope,
            "",
            Class::Unclassified,
            "response_changed",
            "response reference does not resolve".into(),
            &b_loc,
        );
        return;
    };
    if !opts.drift {
        if a.0.get("description") != b.0.get("description") {
            out.push(
                scope,
                "",
                Class::NonBreaking,
                "documentation_changed",
                "`description` changed".into(),
                &b.1,
            );
        }
        if a.0.get("headers") != b.0.get("headers") || a.0.get("links") != b.0.get("links") {
            out.push(
                scope,
                "",
                Class::Unclassified,
                "response_changed",
                "`headers` or `links` changed".into(),
                &b.1,
            );
        }
    }
    compare_content(old, new, a, b, Direction::Response, scope, opts, out);
}
