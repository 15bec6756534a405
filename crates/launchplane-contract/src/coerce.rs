//! A request body as Launchplane's pydantic models read it: every `integer`, `number` and
//! `boolean` field the schema reaches given pydantic's lax-mode conversion (`lax`).

use serde_json::Value;

use crate::contract::Contract;
use crate::lax;
use crate::resolve::{Edge, Loc, component_loc};

const MAX_DEPTH: usize = 64;

/// A copy of `body` (whose schema is the component `schema_name`) with the values pydantic
/// converts replaced by what it converts them to; anything else is left as it is, for the
/// schema to judge.
pub fn coerce(contract: &Contract, schema_name: &str, body: &Value) -> Value {
    let mut out = body.clone();
    let loc = component_loc(schema_name);
    if let Some(schema) = contract.resolver().get(&loc) {
        visit(contract, schema, loc, &mut out, 0);
    }
    out
}

fn visit(contract: &Contract, schema: &Value, loc: Loc, value: &mut Value, depth: usize) {
    let resolver = contract.resolver();
    // Null is pydantic's `None`: nothing to convert.
    if value.is_null() || depth > MAX_DEPTH {
        return;
    }
    let Some((schema, loc)) = resolver.deref(schema, loc) else {
        return;
    };
    let converted = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => lax::int(value),
        Some("number") => lax::float(value),
        Some("boolean") => lax::bool(value),
        _ => None,
    };
    if let Some(converted) = converted {
        *value = converted;
        return;
    }
    let declared: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let subschemas = resolver.subschemas(schema, &loc);
    let union_size = subschemas
        .iter()
        .filter(|(edge, ..)| matches!(edge, Edge::AnyOf | Edge::OneOf))
        .count();
    for (edge, name, sub, sub_loc) in subschemas {
        match edge {
            Edge::Property => {
                if let Some(child) = name.and_then(|name| value.get_mut(name)) {
                    visit(contract, sub, sub_loc, child, depth + 1);
                }
            }
            Edge::Items => {
                for item in value.as_array_mut().into_iter().flatten() {
                    visit(contract, sub, sub_loc.clone(), item, depth + 1);
                }
            }
            Edge::AdditionalProperties => {
                for (key, child) in value.as_object_mut().into_iter().flatten() {
                    if !declared.contains(key) {
                        visit(contract, sub, sub_loc.clone(), child, depth + 1);
                    }
                }
            }
            Edge::AllOf => visit(contract, sub, sub_loc, value, depth + 1),
            // A lone member (a nullable wrapper) is what the value must be.
            Edge::AnyOf | Edge::OneOf if union_size == 1 => visit(contract, sub, sub_loc, value, depth + 1),
            // Pydantic's smart union: a member the value fits as it is wins; else the first
            // member it fits once converted.
            Edge::AnyOf | Edge::OneOf => {
                if contract.schema_accepts(sub, value) {
                    return;
                }
                let mut candidate = value.clone();
                visit(contract, sub, sub_loc, &mut candidate, depth + 1);
                if contract.schema_accepts(sub, &candidate) {
                    *value = candidate;
                    return;
                }
            }
            Edge::Not => {}
        }
    }
}
