//! `x-launchplane-rules`, `x-launchplane-outcome` and the operation keys that name body
//! fields: every field path must resolve in the schema it belongs to.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{Finding, fields};
use crate::spec::doc::{self, Loc};

use launchplane_contract::rule_language::{PREDICATES, Rule};
const NORMALIZE: [&str; 3] = ["trim", "trim_lower", "none"];

pub fn check(spec: &Value, out: &mut Vec<Finding>) {
    walk(spec, spec, &mut Vec::new(), out);
    for op in doc::operations(spec) {
        let Some(body) = op.value.get("requestBody") else {
            continue;
        };
        let Some((_, body_loc)) = doc::deref(spec, body, doc::child(&op.loc, "requestBody")) else {
            continue;
        };
        let schema_loc = [
            body_loc,
            vec!["content".into(), "application/json".into(), "schema".into()],
        ]
        .concat();
        if doc::get(spec, &schema_loc).is_none() {
            continue;
        }
        let resolve = |path: &str| fields::resolve(spec, schema_loc.clone(), path);
        for key in ["x-launchplane-instance-field", "x-launchplane-context-field"] {
            if let Some(path) = op.value.get(key).and_then(Value::as_str)
                && let Err(e) = resolve(path)
            {
                out.push(Finding::new(
                    doc::child(&op.loc, key),
                    format!("{key} {e}"),
                    "name a field of the request body",
                ));
            }
        }
        let key_from = op.value.get("x-launchplane-key-from");
        let key_from_fields = key_from
            .and_then(|k| k.get("field"))
            .into_iter()
            .chain(key_from.and_then(|k| k.pointer("/when/field")));
        for path in key_from_fields.filter_map(Value::as_str) {
            if let Err(e) = resolve(path) {
                out.push(Finding::new(
                    doc::child(&op.loc, "x-launchplane-key-from"),
                    format!("x-launchplane-key-from {e}"),
                    "name a field of the request body",
                ));
            }
        }
        if let Some(template) = op.value.get("x-launchplane-idempotency-key").and_then(Value::as_str) {
            for placeholder in fields::placeholders(template) {
                if let Err(e) = resolve(placeholder) {
                    out.push(Finding::new(
                        doc::child(&op.loc, "x-launchplane-idempotency-key"),
                        format!("idempotency key placeholder {e}"),
                        "use `{dot.path}` placeholders into the request body",
                    ));
                }
            }
        }
    }
}

fn walk(spec: &Value, v: &Value, loc: &mut Loc, out: &mut Vec<Finding>) {
    match v {
        Value::Object(m) => {
            if let Some(rules) = m.get("x-launchplane-rules") {
                check_rules(spec, loc, rules, out);
            }
            if let Some(outcome) = m.get("x-launchplane-outcome") {
                check_outcome(spec, loc, outcome, out);
            }
            for (k, child) in m {
                // Example payloads are data, not schemas.
                if matches!(k.as_str(), "example" | "examples" | "default" | "enum") {
                    continue;
                }
                loc.push(k.clone());
                walk(spec, child, loc, out);
                loc.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                loc.push(i.to_string());
                walk(spec, child, loc, out);
                loc.pop();
            }
        }
        _ => {}
    }
}

fn check_rules(spec: &Value, loc: &[String], rules: &Value, out: &mut Vec<Finding>) {
    let rules_loc = doc::child(loc, "x-launchplane-rules");
    let Some(rules) = rules.as_array() else {
        out.push(Finding::new(
            rules_loc,
            "`x-launchplane-rules` is not a list",
            "list `{id, message, when?, check}` rules",
        ));
        return;
    };
    let mut ids = HashSet::new();
    for (i, rule) in rules.iter().enumerate() {
        let rule_loc = doc::child(&rules_loc, i.to_string());
        let Some(rule) = rule.as_object() else {
            out.push(Finding::new(
                rule_loc,
                "rule is not a mapping",
                "write `{id, message, when?, check}`",
            ));
            continue;
        };
        let found_before = out.len();
        match rule.get("id").and_then(Value::as_str) {
            Some(id) if !ids.insert(id) => out.push(Finding::new(
                doc::child(&rule_loc, "id"),
                format!("rule id `{id}` is used twice"),
                "make rule ids unique within the schema",
            )),
            Some(_) => {}
            None => out.push(Finding::new(rule_loc.clone(), "rule has no `id`", "add a unique `id`")),
        }
        if !rule.get("message").is_some_and(Value::is_string) {
            out.push(Finding::new(
                rule_loc.clone(),
                "rule has no `message`",
                "add the message Launchplane answers",
            ));
        }
        for key in rule
            .keys()
            .filter(|k| !matches!(k.as_str(), "id" | "message" | "when" | "check"))
        {
            out.push(Finding::new(
                doc::child(&rule_loc, key.as_str()),
                format!("rule key `{key}` is unknown"),
                "use `id`, `message`, `when`, `check`",
            ));
        }
        if !rule.contains_key("check") {
            out.push(Finding::new(
                rule_loc.clone(),
                "rule has no `check`",
                "add the condition that must hold",
            ));
        }
        for key in ["when", "check"] {
            let Some(conditions) = rule.get(key) else { continue };
            let cond_loc = doc::child(&rule_loc, key);
            match conditions {
                Value::Array(list) => {
                    for (j, c) in list.iter().enumerate() {
                        check_condition(spec, loc, c, doc::child(&cond_loc, j.to_string()), out);
                    }
                }
                c => check_condition(spec, loc, c, cond_loc, out),
            }
        }
        // What the checks above let through must load in the contract model.
        if out.len() == found_before
            && let Err(e) = serde_json::from_value::<Rule>(Value::Object(rule.clone()))
        {
            out.push(Finding::new(
                rule_loc,
                format!("the contract model does not load this rule: {e}"),
                "write the rule in the language `openapi/README.md` documents",
            ));
        }
    }
}

fn check_condition(spec: &Value, schema_loc: &[String], c: &Value, loc: Loc, out: &mut Vec<Finding>) {
    let Some(c) = c.as_object() else {
        out.push(Finding::new(
            loc,
            "condition is not a mapping",
            "write `{field, <predicate>}`",
        ));
        return;
    };
    let resolve = |path: &str| fields::resolve(spec, schema_loc.to_vec(), path).map(|_| ());
    match c.get("field").and_then(Value::as_str) {
        Some(field) => {
            if let Err(e) = resolve(field) {
                out.push(Finding::new(
                    doc::child(&loc, "field"),
                    format!("rule field {e}"),
                    "name a field of this schema (dot path)",
                ));
            }
        }
        None => out.push(Finding::new(
            loc.clone(),
            "condition has no `field`",
            "add the dot path it tests",
        )),
    }
    let predicates: Vec<&String> = c.keys().filter(|k| PREDICATES.contains(&k.as_str())).collect();
    if predicates.len() != 1 {
        out.push(Finding::new(
            loc.clone(),
            format!("condition has {} predicates", predicates.len()),
            format!("use exactly one of {}", PREDICATES.join(", ")),
        ));
    }
    for key in c
        .keys()
        .filter(|k| !PREDICATES.contains(&k.as_str()) && !matches!(k.as_str(), "field" | "normalize"))
    {
        out.push(Finding::new(
            doc::child(&loc, key.as_str()),
            format!("condition key `{key}` is unknown"),
            format!("use `field`, `normalize` and one of {}", PREDICATES.join(", ")),
        ));
    }
    if let Some(n) = c.get("normalize")
        && !n.as_str().is_some_and(|n| NORMALIZE.contains(&n))
    {
        out.push(Finding::new(
            doc::child(&loc, "normalize"),
            format!("`normalize: {n}` is unknown"),
            format!("use one of {}", NORMALIZE.join(", ")),
        ));
    }
    check_predicate_values(c, &loc, &resolve, out);
}

fn check_predicate_values(
    c: &Map<String, Value>,
    loc: &[String],
    resolve: &dyn Fn(&str) -> Result<(), String>,
    out: &mut Vec<Finding>,
) {
    for key in ["non_blank", "non_empty", "present", "http_url"] {
        if c.get(key).is_some_and(|v| v != &Value::Bool(true)) {
            out.push(Finding::new(
                doc::child(loc, key),
                format!("`{key}` must be `true`"),
                "write `true`",
            ));
        }
    }
    if c.get("one_of").is_some_and(|v| !v.is_array()) {
        out.push(Finding::new(
            doc::child(loc, "one_of"),
            "`one_of` is not a list",
            "list the allowed values",
        ));
    }
    for key in ["same_as", "differs_from"] {
        if let Some(v) = c.get(key) {
            match v.as_str().map(resolve) {
                Some(Ok(_)) => {}
                Some(Err(e)) => out.push(Finding::new(
                    doc::child(loc, key),
                    format!("`{key}` {e}"),
                    "name a field of this schema",
                )),
                None => out.push(Finding::new(
                    doc::child(loc, key),
                    format!("`{key}` is not a dot path"),
                    "name a field of this schema",
                )),
            }
        }
    }
    if let Some(template) = c.get("starts_with").and_then(Value::as_str) {
        for placeholder in fields::placeholders(template) {
            if let Err(e) = resolve(placeholder) {
                out.push(Finding::new(
                    doc::child(loc, "starts_with"),
                    format!("`starts_with` placeholder {e}"),
                    "use `{dot.path}` placeholders into this schema",
                ));
            }
        }
    }
}

fn check_outcome(spec: &Value, loc: &[String], outcome: &Value, out: &mut Vec<Finding>) {
    let outcome_loc = doc::child(loc, "x-launchplane-outcome");
    let Some(entries) = outcome.as_array() else {
        out.push(Finding::new(
            outcome_loc,
            "`x-launchplane-outcome` is not a list",
            "list `{field, ok: [values]}` entries",
        ));
        return;
    };
    for (i, entry) in entries.iter().enumerate() {
        let entry_loc = doc::child(&outcome_loc, i.to_string());
        match entry.get("field").and_then(Value::as_str) {
            Some(field) => match fields::resolve(spec, loc.to_vec(), field) {
                Ok((field_schema, field_loc)) => check_ok_values(spec, entry, field_schema, field_loc, &entry_loc, out),
                Err(e) => out.push(Finding::new(
                    doc::child(&entry_loc, "field"),
                    format!("outcome field {e}"),
                    "name a field of this schema",
                )),
            },
            None => out.push(Finding::new(
                entry_loc.clone(),
                "outcome entry has no `field`",
                "add the status field it reads",
            )),
        }
    }
}

fn check_ok_values(spec: &Value, entry: &Value, field: &Value, field_loc: Loc, loc: &[String], out: &mut Vec<Finding>) {
    let ok = entry.get("ok").and_then(Value::as_array).filter(|a| !a.is_empty());
    let Some(ok) = ok else {
        out.push(Finding::new(
            doc::child(loc, "ok"),
            "outcome entry has no `ok` values",
            "list the values that mean success",
        ));
        return;
    };
    let allowed = doc::deref(spec, field, field_loc)
        .and_then(|(f, _)| f.get("enum"))
        .and_then(Value::as_array);
    if let Some(allowed) = allowed {
        for v in ok.iter().filter(|v| !allowed.contains(v)) {
            out.push(Finding::new(
                doc::child(loc, "ok"),
                format!("outcome value {v} is not in the field's enum"),
                "use values of the field's enum",
            ));
        }
    }
}
