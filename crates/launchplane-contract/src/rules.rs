//! Evaluates `x-launchplane-rules`, the checks Launchplane makes beyond JSON Schema, on every
//! schema a body reaches: through `$ref`, `allOf`, matching `anyOf`/`oneOf` members,
//! `nullable` wrappers, `items` and `additionalProperties`.

use std::collections::HashMap;

use serde_json::Value;

use crate::contract::{Contract, Violation};
use crate::dot_path::join;
use crate::python;
use crate::resolve::{Edge, Loc, Resolver, component_loc};
use crate::rule_language::{Condition, Conditions, Normalize, OutcomeField, Predicate, Rule};

/// The rules of a document by the location of the schema that declares them.
pub type RuleTable = HashMap<Loc, Vec<Rule>>;

/// Reads every `x-launchplane-rules` (and checks every `x-launchplane-outcome`) of the
/// component schemas; anything outside the rule language is an error naming where.
pub fn load(document: &Value) -> Result<RuleTable, String> {
    let resolver = Resolver::new(document);
    let mut table = RuleTable::new();
    let Some(schemas) = document.pointer("/components/schemas").and_then(Value::as_object) else {
        return Ok(table);
    };
    let mut stack: Vec<(&Value, Loc)> = schemas.iter().map(|(name, s)| (s, component_loc(name))).collect();
    while let Some((schema, loc)) = stack.pop() {
        let at = || loc.join("/");
        if let Some(rules) = schema.get("x-launchplane-rules") {
            let rules: Vec<Rule> =
                serde_json::from_value(rules.clone()).map_err(|e| format!("{}: x-launchplane-rules: {e}", at()))?;
            table.insert(loc.clone(), rules);
        }
        if let Some(outcome) = schema.get("x-launchplane-outcome") {
            serde_json::from_value::<Vec<OutcomeField>>(outcome.clone())
                .map_err(|e| format!("{}: x-launchplane-outcome: {e}", at()))?;
        }
        for (_, _, sub, sub_loc) in resolver.subschemas(schema, &loc) {
            stack.push((sub, sub_loc));
        }
    }
    Ok(table)
}

/// Every rule of `schema_name` and of the schemas nested in it that `body` breaks.
pub fn check(contract: &Contract, schema_name: &str, body: &Value) -> Vec<Violation> {
    let mut violations = Vec::new();
    walk(contract, component_loc(schema_name), body, "", 0, &mut violations);
    violations
}

/// Whether conditions of the rule language hold for `body`, whose schema is `schema_name`.
pub fn condition_holds(contract: &Contract, schema_name: &str, body: &Value, conditions: &Conditions) -> bool {
    Scope::new(contract, component_loc(schema_name), body).is_some_and(|scope| scope.all_hold(conditions))
}

/// Whether one condition holds for `body`.
pub fn holds(contract: &Contract, schema_name: &str, body: &Value, condition: &Condition) -> bool {
    Scope::new(contract, component_loc(schema_name), body).is_some_and(|scope| scope.holds(condition))
}

/// The value at a dot path of `body`, falling back to schema defaults for missing fields.
pub fn resolve(contract: &Contract, schema_name: &str, body: &Value, dot_path: &str) -> Option<Value> {
    Scope::new(contract, component_loc(schema_name), body)?.resolve(dot_path)
}

/// The text of a scalar as it appears in keys and templates.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

const MAX_DEPTH: usize = 64;

fn walk(contract: &Contract, loc: Loc, value: &Value, prefix: &str, depth: usize, out: &mut Vec<Violation>) {
    let resolver = contract.resolver();
    let Some((schema, loc)) = resolver.get(&loc).and_then(|s| resolver.deref(s, loc.clone())) else {
        return;
    };
    // Null carries no fields; whether it is allowed is JSON Schema's verdict.
    if value.is_null() || depth > MAX_DEPTH {
        return;
    }
    if let Some(rules) = contract.rule_table().get(&loc) {
        let scope = Scope {
            contract,
            schema: (schema, loc.clone()),
            value,
        };
        out.extend(rules.iter().filter_map(|rule| scope.evaluate(rule, prefix)));
    }
    let declared: Vec<&String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    for (edge, name, sub, sub_loc) in resolver.subschemas(schema, &loc) {
        match edge {
            Edge::Property => {
                let name = name.unwrap_or_default();
                if let Some(child) = value.get(name) {
                    walk(contract, sub_loc, child, &join(prefix, name), depth + 1, out);
                }
            }
            Edge::Items => {
                for (index, item) in value.as_array().into_iter().flatten().enumerate() {
                    walk(
                        contract,
                        sub_loc.clone(),
                        item,
                        &join(prefix, &index.to_string()),
                        depth + 1,
                        out,
                    );
                }
            }
            Edge::AdditionalProperties => {
                for (key, child) in value.as_object().into_iter().flatten() {
                    if !declared.contains(&key) {
                        walk(contract, sub_loc.clone(), child, &join(prefix, key), depth + 1, out);
                    }
                }
            }
            Edge::AllOf => walk(contract, sub_loc, value, prefix, depth + 1, out),
            Edge::AnyOf | Edge::OneOf => {
                if contract.schema_accepts(sub, value) {
                    walk(contract, sub_loc, value, prefix, depth + 1, out);
                }
            }
            Edge::Not => {}
        }
    }
}

/// A body object and the schema that describes it.
struct Scope<'a> {
    contract: &'a Contract,
    schema: (&'a Value, Loc),
    value: &'a Value,
}

impl<'a> Scope<'a> {
    fn new(contract: &'a Contract, loc: Loc, value: &'a Value) -> Option<Self> {
        let resolver = contract.resolver();
        let schema = resolver.get(&loc).and_then(|s| resolver.effective(s, loc))?;
        Some(Scope {
            contract,
            schema,
            value,
        })
    }

    fn evaluate(&self, rule: &Rule, prefix: &str) -> Option<Violation> {
        if rule.when.as_ref().is_some_and(|when| !self.all_hold(when)) {
            return None;
        }
        let failed = rule.check.0.iter().find(|c| !self.holds(c))?;
        Some(Violation {
            path: join(prefix, &failed.field),
            rule: rule.id.clone(),
            message: rule.message.clone(),
        })
    }

    fn all_hold(&self, conditions: &Conditions) -> bool {
        conditions.0.iter().all(|c| self.holds(c))
    }

    fn holds(&self, condition: &Condition) -> bool {
        let how = condition.normalize;
        let value = self.resolve(&condition.field).map(|v| normalized(&v, how));
        match &condition.predicate {
            Predicate::Equals(expected) => value.as_ref() == Some(&normalized(expected, how)),
            Predicate::OneOf(options) => value.is_some_and(|v| options.iter().any(|o| normalized(o, how) == v)),
            Predicate::NonBlank(_) => value
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|s| !python::is_blank(s)),
            Predicate::NonEmpty(_) => match value {
                Some(Value::Array(items)) => !items.is_empty(),
                Some(Value::Object(map)) => !map.is_empty(),
                _ => false,
            },
            Predicate::Present(_) => value.is_some_and(|v| !v.is_null()),
            Predicate::SameAs(other) => value == self.resolve(other).map(|v| normalized(&v, how)),
            Predicate::DiffersFrom(other) => value != self.resolve(other).map(|v| normalized(&v, how)),
            Predicate::StartsWith(template) => {
                let prefix = self.fill(template, how);
                value
                    .as_ref()
                    .and_then(Value::as_str)
                    .is_some_and(|s| s.starts_with(&prefix))
            }
            Predicate::HttpUrl(_) => value.as_ref().and_then(Value::as_str).is_some_and(python::is_http_url),
        }
    }

    /// The value at a dot path, falling back to the schema default of a missing field.
    fn resolve(&self, dot_path: &str) -> Option<Value> {
        let resolver = self.contract.resolver();
        let mut schema = Some(self.schema.clone());
        let mut value = Some(self.value.clone());
        for segment in dot_path.split('.') {
            let member = schema
                .and_then(|(s, loc)| resolver.effective(s, loc))
                .and_then(|(s, loc)| resolver.member(s, loc, segment));
            let present = value.as_ref().and_then(|v| v.get(segment)).cloned();
            value = present.or_else(|| {
                let (declared, loc) = member.clone()?;
                declared
                    .get("default")
                    .or_else(|| resolver.effective(declared, loc)?.0.get("default"))
                    .cloned()
            });
            schema = member;
        }
        value
    }

    /// Fills `{dot.path}` placeholders of a template from the object.
    fn fill(&self, template: &str, how: Normalize) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else { break };
            let path = &rest[start + 1..start + end];
            let filled = self.resolve(path).map(|v| normalized(&v, Normalize::TrimLower));
            out.push_str(&filled.map(|v| scalar_text(&v)).unwrap_or_default());
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        match how {
            Normalize::TrimLower => python::lower(&out),
            _ => out,
        }
    }
}

fn normalized(value: &Value, how: Normalize) -> Value {
    match (value, how) {
        (Value::String(s), Normalize::Trim) => Value::String(python::strip(s).to_owned()),
        (Value::String(s), Normalize::TrimLower) => Value::String(python::lower(python::strip(s))),
        _ => value.clone(),
    }
}
