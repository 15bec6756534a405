//! Comparison of two documents: operations matched by method and path, document-level keys,
//! shared responses. Operations are compared in `operation.rs`, schemas in `schema.rs`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Options;
use super::change::{Change, Changes, Class, Scope};
use super::operation::{compare_operation, compare_response_object, op_scope, show};
use crate::spec::doc::{self, Op};

/// Every classified change from `old` to `new`, in document order.
pub fn compare(old: &Value, new: &Value, opts: &Options) -> Vec<Change> {
    let mut out = Changes::default();
    if !opts.drift {
        compare_document(old, new, &mut out);
        compare_path_items(old, new, &mut out);
        compare_shared_responses(old, new, opts, &mut out);
    }
    let old_ops = doc::operations(old);
    let new_ops = doc::operations(new);
    let key = |op: &Op<'_>| (op.method, doc::path_shape(op.path));
    for old_op in &old_ops {
        match new_ops.iter().find(|n| key(n) == key(old_op)) {
            Some(new_op) => compare_operation(old, new, old_op, new_op, opts, &mut out),
            None if !opts.drift => {
                let path_left = new_ops
                    .iter()
                    .any(|n| doc::path_shape(n.path) == doc::path_shape(old_op.path));
                let scope = op_scope(old_op);
                let (rule, msg, loc) = if path_left {
                    (
                        "operation_removed",
                        "operation removed",
                        vec!["paths".into(), old_op.path.to_string()],
                    )
                } else {
                    (
                        "path_removed",
                        "path removed (no operation left under it)",
                        vec!["paths".into()],
                    )
                };
                out.push(&scope, "", Class::Breaking, rule, msg.into(), &loc);
            }
            None => {}
        }
    }
    if !opts.drift {
        for new_op in new_ops.iter().filter(|n| !old_ops.iter().any(|o| key(o) == key(n))) {
            out.push(
                &op_scope(new_op),
                "",
                Class::NonBreaking,
                "operation_added",
                "new operation".into(),
                &new_op.loc,
            );
        }
    }
    let mut list = out.list;
    let mut seen = Vec::new();
    list.retain(|c| {
        let fresh = !seen.contains(c);
        if fresh {
            seen.push(c.clone());
        }
        fresh
    });
    list
}

/// Path-item keys besides the operations and their shared parameters (compared per operation).
fn compare_path_items(old: &Value, new: &Value, out: &mut Changes) {
    let (Some(Value::Object(a)), Some(Value::Object(b))) = (old.get("paths"), new.get("paths")) else {
        return;
    };
    for (path, new_item) in b {
        let old_item = a
            .iter()
            .find(|(p, _)| doc::path_shape(p) == doc::path_shape(path))
            .map(|(_, i)| i);
        let (Some(Value::Object(o)), Value::Object(n)) = (old_item, new_item) else {
            continue;
        };
        let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
        for key in keys {
            if doc::METHODS.contains(&key.as_str()) || key == "parameters" || o.get(key) == n.get(key) {
                continue;
            }
            let scope = Scope {
                part: format!("path `{path}`"),
                ..Scope::default()
            };
            let loc = vec!["paths".into(), path.clone(), key.clone()];
            let (class, rule) = match key.as_str() {
                "summary" | "description" => (Class::NonBreaking, "documentation_changed"),
                _ => (Class::Unclassified, "path_item_changed"),
            };
            out.push(&scope, "", class, rule, format!("`{key}` changed"), &loc);
        }
    }
}

fn compare_document(old: &Value, new: &Value, out: &mut Changes) {
    let scope = Scope::default();
    let empty = Map::new();
    let (o, n) = (old.as_object().unwrap_or(&empty), new.as_object().unwrap_or(&empty));
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for key in keys {
        let (a, b) = (o.get(key), n.get(key));
        if a == b || matches!(key.as_str(), "paths" | "components") {
            continue;
        }
        let loc = vec![key.clone()];
        match key.as_str() {
            "info" => compare_info(a, b, &scope, out),
            "tags" | "servers" | "externalDocs" => out.push(
                &scope,
                "",
                Class::NonBreaking,
                "documentation_changed",
                format!("`{key}` changed"),
                &loc,
            ),
            "x-launchplane-not-carried" => out.push(
                &scope,
                "",
                Class::NonBreaking,
                "not_carried_changed",
                not_carried_delta(a, b),
                &loc,
            ),
            _ => out.push(
                &scope,
                "",
                Class::Unclassified,
                "document_changed",
                format!("`{key}` changed"),
                &loc,
            ),
        }
    }
    let (a, b) = (
        old.pointer("/components/securitySchemes"),
        new.pointer("/components/securitySchemes"),
    );
    if a != b {
        let loc = vec!["components".into(), "securitySchemes".into()];
        out.push(
            &scope,
            "",
            Class::Unclassified,
            "document_changed",
            "`components.securitySchemes` changed".into(),
            &loc,
        );
    }
}

fn compare_info(a: Option<&Value>, b: Option<&Value>, scope: &Scope, out: &mut Changes) {
    let empty = Map::new();
    let a = a.and_then(Value::as_object).unwrap_or(&empty);
    let b = b.and_then(Value::as_object).unwrap_or(&empty);
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys.into_iter().filter(|k| a.get(*k) != b.get(*k)) {
        let loc = vec!["info".into(), key.clone()];
        let msg = format!("`info.{key}` changed from {} to {}", show(a.get(key)), show(b.get(key)));
        let rule = match key.as_str() {
            "version" => "version_changed",
            k if k.starts_with("x-launchplane-revision") => "revision_changed",
            _ => "documentation_changed",
        };
        let msg = if rule == "documentation_changed" {
            format!("`info.{key}` changed")
        } else {
            msg
        };
        out.push(scope, "", Class::NonBreaking, rule, msg, &loc);
    }
}

fn not_carried_delta(a: Option<&Value>, b: Option<&Value>) -> String {
    let routes = |v: Option<&Value>| -> BTreeSet<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|r| {
                format!(
                    "{} {}",
                    r.get("method").and_then(Value::as_str).unwrap_or("?"),
                    r.get("path").and_then(Value::as_str).unwrap_or("?")
                )
            })
            .collect()
    };
    let (a, b) = (routes(a), routes(b));
    let added: Vec<&String> = b.difference(&a).collect();
    let removed: Vec<&String> = a.difference(&b).collect();
    let fmt = |v: Vec<&String>| v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
    match (added.is_empty(), removed.is_empty()) {
        (false, true) => format!("routes declared not carried: {}", fmt(added)),
        (true, false) => format!("routes no longer declared not carried: {}", fmt(removed)),
        (false, false) => format!("not carried: added {}; removed {}", fmt(added), fmt(removed)),
        (true, true) => "not-carried reasons changed".into(),
    }
}

/// Shared responses (`#/components/responses/X`) are compared once, not under every operation.
fn compare_shared_responses(old: &Value, new: &Value, opts: &Options, out: &mut Changes) {
    let (Some(Value::Object(a)), Some(Value::Object(b))) = (
        old.pointer("/components/responses"),
        new.pointer("/components/responses"),
    ) else {
        return;
    };
    for (name, old_r) in a {
        let Some(new_r) = b.get(name) else { continue };
        let scope = Scope {
            operation: None,
            operation_id: None,
            part: format!("shared response `{name}`"),
        };
        let loc = vec!["components".into(), "responses".into(), name.clone()];
        compare_response_object(old, new, (old_r, loc.clone()), (new_r, loc), &scope, opts, out);
    }
}
