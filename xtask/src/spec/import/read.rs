//! Reading the inputs of `spec import`: the service's OpenAPI document, the carried-operations
//! list (`openapi/carried.yaml`) and the overlay (`openapi/overlay.yaml`).

use std::fs;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::spec::{doc, source};

/// `openapi/carried.yaml`: the operations this project carries and the routes it leaves out.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Carried {
    pub carried: Vec<CarriedOp>,
    #[serde(default)]
    pub left_out: Vec<LeftOut>,
}

/// One carried operation and the name and tag it has in the spec.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CarriedOp {
    pub method: String,
    pub path: String,
    pub operation_id: String,
    pub tag: String,
}

/// A route (`method` + `path`) or a family of routes (`prefix`) deliberately not carried.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct LeftOut {
    pub method: Option<String>,
    pub path: Option<String>,
    pub prefix: Option<String>,
    pub reason: String,
}

impl LeftOut {
    /// Whether this entry covers `METHOD path` (method in any case).
    pub fn covers(&self, method: &str, path: &str) -> bool {
        match (&self.method, &self.path, &self.prefix) {
            (Some(m), Some(p), None) => m.eq_ignore_ascii_case(method) && doc::path_shape(p) == doc::path_shape(path),
            (None, None, Some(prefix)) => path.starts_with(prefix.as_str()),
            _ => false,
        }
    }
}

impl Carried {
    /// Parses the list and rejects entries that are malformed or name a route twice.
    pub fn parse(text: &str) -> Result<Carried, String> {
        let carried: Carried = serde_norway::from_str(text).map_err(|e| format!("carried list: {e}"))?;
        let mut errors = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for op in &carried.carried {
            if !doc::METHODS.contains(&op.method.to_lowercase().as_str()) {
                errors.push(format!(
                    "carried `{} {}`: `{}` is not an HTTP method",
                    op.method, op.path, op.method
                ));
            }
            if !seen.insert((op.method.to_lowercase(), doc::path_shape(&op.path))) {
                errors.push(format!("carried `{} {}` is listed twice", op.method, op.path));
            }
        }
        for entry in &carried.left_out {
            let well_formed = matches!(
                (&entry.method, &entry.path, &entry.prefix),
                (Some(_), Some(_), None) | (None, None, Some(_))
            );
            if !well_formed {
                errors.push(format!(
                    "left_out entry {:?}: give either `method` and `path`, or `prefix`",
                    entry.path.as_deref().or(entry.prefix.as_deref()).unwrap_or("")
                ));
            }
            if entry.reason.trim().is_empty() {
                errors.push(format!(
                    "left_out entry {:?} has no reason: say why the route is not carried",
                    entry.path.as_deref().or(entry.prefix.as_deref()).unwrap_or("")
                ));
            }
            // A prefix family may hold carried routes (carried wins); a single route may not.
            for op in carried.carried.iter().filter(|_| entry.prefix.is_none()) {
                if entry.covers(&op.method, &op.path) {
                    errors.push(format!(
                        "`{} {}` is both carried and left out: keep one",
                        op.method.to_uppercase(),
                        op.path
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(carried)
        } else {
            Err(errors.join("\n"))
        }
    }

    pub fn load(path: &Path) -> Result<Carried, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Carried::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The service's OpenAPI document: a file (JSON or YAML) or a Launchplane URL (`/openapi.json`).
pub fn load_source(from: &str) -> Result<Value, String> {
    let value = source::load(from)?;
    let version = value.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.") {
        return Err(format!("{from} is not an OpenAPI 3 document (openapi: {version:?})"));
    }
    Ok(value)
}

/// An overlay file: a YAML mapping from JSON pointers to merge patches.
pub fn load_overlay(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value =
        doc::parse_yaml(&text).map_err(|e| format!("{}:{}: {}", path.display(), e.line.unwrap_or(1), e.message))?;
    if !value.is_object() {
        return Err(format!(
            "{}: an overlay is a mapping from JSON pointers to the values merged there",
            path.display()
        ));
    }
    Ok(value)
}
