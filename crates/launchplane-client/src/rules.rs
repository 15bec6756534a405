//! Evaluates the spec's `x-launchplane-rules`: the checks Launchplane makes beyond JSON Schema.

use serde_json::Value;

use crate::contract::{Contract, Violation, ref_name};

/// Every rule of `schema_name` and of the schemas nested in it that `body` breaks.
pub fn check(contract: &Contract, schema_name: &str, body: &Value) -> Vec<Violation> {
    let mut violations = Vec::new();
    walk(contract, schema_name, body, "", &mut violations);
    violations
}

/// Whether a condition (or list of conditions) of the rule language holds for `body`,
/// whose schema is `schema_name`.
pub fn condition_holds(contract: &Contract, schema_name: &str, body: &Value, condition: &Value) -> bool {
    contract.schema(schema_name).is_some_and(|schema| {
        Scope {
            contract,
            schema,
            value: body,
        }
        .all_hold(condition)
    })
}

/// The value at a dot path of `body`, falling back to schema defaults for missing fields.
pub fn resolve(contract: &Contract, schema_name: &str, body: &Value, dot_path: &str) -> Option<Value> {
    let schema = contract.schema(schema_name)?;
    Scope {
        contract,
        schema,
        value: body,
    }
    .resolve(dot_path)
}

fn walk(contract: &Contract, schema_name: &str, value: &Value, prefix: &str, out: &mut Vec<Violation>) {
    let Some(schema) = contract.schema(schema_name) else {
        return;
    };
    let scope = Scope {
        contract,
        schema,
        value,
    };
    for rule in schema
        .get("x-launchplane-rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(violation) = scope.evaluate(rule, prefix) {
            out.push(violation);
        }
    }
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, property) in properties {
        let Some(child) = value.get(name) else { continue };
        let path = join(prefix, name);
        if let Some(nested) = property.get("$ref").and_then(Value::as_str).and_then(ref_name) {
            walk(contract, nested, child, &path, out);
        } else if let (Some(nested), Some(items)) = (
            property
                .pointer("/items/$ref")
                .and_then(Value::as_str)
                .and_then(ref_name),
            child.as_array(),
        ) {
            for (index, item) in items.iter().enumerate() {
                walk(contract, nested, item, &format!("{path}.{index}"), out);
            }
        }
    }
}

struct Scope<'a> {
    contract: &'a Contract,
    schema: &'a Value,
    value: &'a Value,
}

impl Scope<'_> {
    fn evaluate(&self, rule: &Value, prefix: &str) -> Option<Violation> {
        let guard_holds = rule.get("when").is_none_or(|when| self.all_hold(when));
        if !guard_holds {
            return None;
        }
        let check = rule.get("check")?;
        if self.all_hold(check) {
            return None;
        }
        let first = match check {
            Value::Array(items) => items.iter().find(|c| !self.holds(c)).unwrap_or(&Value::Null),
            single => single,
        };
        let field = first.get("field").and_then(Value::as_str).unwrap_or_default();
        Some(Violation {
            path: join(prefix, field),
            rule: rule.get("id").and_then(Value::as_str).unwrap_or("rule").to_owned(),
            message: rule
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("rule failed")
                .to_owned(),
        })
    }

    fn all_hold(&self, conditions: &Value) -> bool {
        match conditions {
            Value::Array(items) => items.iter().all(|c| self.holds(c)),
            single => self.holds(single),
        }
    }

    fn holds(&self, condition: &Value) -> bool {
        let Some(field) = condition.get("field").and_then(Value::as_str) else {
            return false;
        };
        let normalize = condition.get("normalize").and_then(Value::as_str).unwrap_or("trim");
        let value = self.resolve(field).map(|v| normalized(&v, normalize));
        if let Some(expected) = condition.get("equals") {
            return value.as_ref() == Some(&normalized(expected, normalize));
        }
        if let Some(options) = condition.get("one_of").and_then(Value::as_array) {
            return value.is_some_and(|v| options.iter().any(|o| normalized(o, normalize) == v));
        }
        if condition.get("non_blank").is_some() {
            return value
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|s| !s.trim().is_empty());
        }
        if condition.get("non_empty").is_some() {
            return match value {
                Some(Value::Array(items)) => !items.is_empty(),
                Some(Value::Object(map)) => !map.is_empty(),
                _ => false,
            };
        }
        if condition.get("present").is_some() {
            return value.is_some_and(|v| !v.is_null());
        }
        if let Some(other) = condition.get("same_as").and_then(Value::as_str) {
            return value == self.resolve(other).map(|v| normalized(&v, normalize));
        }
        if let Some(other) = condition.get("differs_from").and_then(Value::as_str) {
            return value != self.resolve(other).map(|v| normalized(&v, normalize));
        }
        if let Some(template) = condition.get("starts_with").and_then(Value::as_str) {
            let prefix = self.fill(template, normalize);
            return value
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|s| s.starts_with(&prefix));
        }
        if condition.get("http_url").is_some() {
            return value.as_ref().and_then(Value::as_str).is_some_and(is_http_url);
        }
        false
    }

    /// The value at a dot path, falling back to the schema default of a missing field.
    fn resolve(&self, dot_path: &str) -> Option<Value> {
        let mut schema = Some(self.schema);
        let mut value = Some(self.value.clone());
        for segment in dot_path.split('.') {
            let property = schema.and_then(|s| s.pointer(&format!("/properties/{segment}")));
            let present = value.as_ref().and_then(|v| v.get(segment)).cloned();
            value = present.or_else(|| property.and_then(|p| p.get("default")).cloned());
            schema = property.map(|p| self.deref(p));
        }
        value
    }

    fn deref<'s>(&'s self, schema: &'s Value) -> &'s Value {
        schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(ref_name)
            .and_then(|name| self.contract.schema(name))
            .unwrap_or(schema)
    }

    /// Fills `{dot.path}` placeholders of a template from the object.
    fn fill(&self, template: &str, normalize: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else { break };
            let path = &rest[start + 1..start + end];
            let filled = self.resolve(path).map(|v| normalized(&v, "trim_lower"));
            out.push_str(&filled.map(|v| scalar_text(&v)).unwrap_or_default());
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        match normalize {
            "trim_lower" => out.to_lowercase(),
            _ => out,
        }
    }
}

fn normalized(value: &Value, how: &str) -> Value {
    match (value, how) {
        (Value::String(s), "trim") => Value::String(s.trim().to_owned()),
        (Value::String(s), "trim_lower") => Value::String(s.trim().to_lowercase()),
        _ => value.clone(),
    }
}

/// The text of a scalar as it appears in keys and templates.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn is_http_url(text: &str) -> bool {
    url::Url::parse(text.trim())
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
}

fn join(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty()) {
        (true, _) => field.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{field}"),
    }
}
