//! Turns the parsed flags of a tenant command into its request body.

use std::io::Read;

use clap::ArgMatches;
use launchplane_client::Error;
use launchplane_client::contract::Contract;
use serde_json::{Map, Value};

use crate::cli::field_schema;
use crate::commands::TenantCommand;

/// The body the flags describe; flags not given are left out, so Launchplane's defaults apply.
pub fn from_flags(tenant: &TenantCommand, matches: &ArgMatches) -> Result<Option<Value>, Error> {
    let contract = Contract::embedded();
    let op = contract
        .operation(tenant.operation)
        .expect("command table names spec operations");
    let Some(schema) = op.request_schema.as_deref() else {
        return Ok(None);
    };
    let mut body = Value::Object(Map::new());
    for fact in tenant.facts {
        let value = if fact.file {
            match matches.get_one::<String>(fact.flag) {
                Some(path) => read_json(path)?,
                None => continue,
            }
        } else {
            let kind = field_schema(contract, schema, fact.paths[0]).and_then(|(f, _)| f.get("type")?.as_str());
            match kind {
                Some("integer") => match matches.get_one::<u64>(fact.flag) {
                    Some(n) => Value::from(*n),
                    None => continue,
                },
                Some("boolean") => match matches.get_one::<bool>(fact.flag) {
                    Some(b) => Value::Bool(*b),
                    None => continue,
                },
                _ => match matches.get_one::<String>(fact.flag) {
                    Some(text) => Value::String(text.clone()),
                    None => continue,
                },
            }
        };
        for path in fact.paths {
            set(&mut body, path, value.clone(), fact.flag)?;
        }
    }
    Ok(Some(body))
}

/// Puts `value` at a dot path; the empty path merges an object into the body itself.
fn set(body: &mut Value, dot_path: &str, value: Value, flag: &str) -> Result<(), Error> {
    if dot_path.is_empty() {
        let Value::Object(members) = value else {
            return Err(Error::Config(format!("--{flag} must hold a JSON object")));
        };
        body.as_object_mut().expect("body is an object").extend(members);
        return Ok(());
    }
    let mut current = body;
    let segments: Vec<&str> = dot_path.split('.').collect();
    for segment in &segments[..segments.len() - 1] {
        current = current
            .as_object_mut()
            .expect("objects all the way down")
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    current
        .as_object_mut()
        .expect("an object")
        .insert(segments[segments.len() - 1].to_owned(), value);
    Ok(())
}

/// JSON from a file, or from stdin for `-`.
pub fn read_json(path: &str) -> Result<Value, Error> {
    let text = if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::Config(format!("cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(path).map_err(|e| Error::Config(format!("cannot read {path}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| Error::Config(format!("{path} is not JSON: {e}")))
}
