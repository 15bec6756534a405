//! Turns the parsed flags of a tenant command into its request body.

use std::io::Read;

use clap::ArgMatches;
use launchplane_client::Error;
use launchplane_client::contract::Contract;
use serde_json::{Map, Value};

use crate::cli::field_schema;
use crate::commands::{Fact, TenantCommand};

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
                Some(path) => read_json(path, &format!("--{}", fact.flag))?,
                None => continue,
            }
        } else if !given(matches, fact.flag) {
            match job_value(contract, schema, fact)? {
                Some(value) => value,
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
    if tenant.operation == "previews_pr_feedback" {
        default_marker(&mut body, matches);
    }
    Ok(Some(body))
}

fn given(matches: &ArgMatches, flag: &str) -> bool {
    matches.contains_id(flag)
        && !matches!(
            matches.value_source(flag),
            None | Some(clap::parser::ValueSource::DefaultValue)
        )
}

/// A flag's value from the job, or the error that names the flag and where it is read from
/// when the field is required and the job does not have it either.
fn job_value(contract: &Contract, schema: &str, fact: &Fact) -> Result<Option<Value>, Error> {
    let Some(job) = fact.job else {
        return Ok(None);
    };
    if let Some(value) = job.value()? {
        return Ok(Some(value));
    }
    let required = field_schema(contract, schema, fact.paths[0])
        .is_some_and(|(field, required)| required && field.get("default").is_none());
    if required {
        return Err(Error::Config(format!(
            "--{} is missing: pass it, or run lpctl in GitHub Actions, where it reads it from {}",
            fact.flag,
            job.source()
        )));
    }
    Ok(None)
}

/// The comment marker of the product's own preview comment. The spec's default names another
/// product, so a comment would collide with it; the spec's examples use `<!-- {product}-preview-control -->`.
fn default_marker(body: &mut Value, matches: &ArgMatches) {
    if given(matches, "marker") {
        return;
    }
    let Some(product) = body.get("product").and_then(Value::as_str).map(str::to_owned) else {
        return;
    };
    if let Some(object) = body.as_object_mut() {
        object.insert("marker".into(), Value::String(marker_for(&product)));
    }
}

/// The preview comment marker lpctl sends for a product when `--marker` is not given.
pub fn marker_for(product: &str) -> String {
    format!("<!-- {}-preview-control -->", product.trim())
}

/// Puts `value` at a dot path; the empty path merges an object into the body itself.
pub(crate) fn set(body: &mut Value, dot_path: &str, value: Value, flag: &str) -> Result<(), Error> {
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

/// The largest body lpctl reads or sends: Launchplane's own request limit (2 MiB, the cap of
/// its evidence routes; at revision 371132b it reads any `Content-Length` whole, unbounded).
pub const MAX_BODY_BYTES: u64 = 2 * 1024 * 1024;

/// The bytes of a file, or of stdin for `-`, refused before reading whole when over the limit.
pub fn read_limited(path: &str, what: &str) -> Result<Vec<u8>, Error> {
    let shown = if path == "-" { "(stdin)" } else { path };
    let too_large = |size: Option<u64>| {
        let size = size.map_or_else(
            || format!("more than {MAX_BODY_BYTES} bytes"),
            |n| format!("{n} bytes ({})", mib(n)),
        );
        Error::Config(format!(
            "{what} {shown} is {size}; Launchplane takes request bodies of at most {MAX_BODY_BYTES} bytes (2 MiB): \
             send a smaller file (only the fields the request needs)"
        ))
    };
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Config(format!("cannot read {what} from stdin: {e}")))?;
    } else {
        let metadata = std::fs::metadata(path).map_err(|e| Error::Config(format!("cannot read {what} {path}: {e}")))?;
        if metadata.is_dir() {
            return Err(Error::Config(format!("{what} {path} is a directory, not a JSON file")));
        }
        if metadata.is_file() && metadata.len() > MAX_BODY_BYTES {
            return Err(too_large(Some(metadata.len())));
        }
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_BODY_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| Error::Config(format!("cannot read {what} {path}: {e}")))?;
    }
    if bytes.len() as u64 > MAX_BODY_BYTES {
        return Err(too_large(None));
    }
    Ok(bytes)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// JSON from a file, or from stdin for `-`, within the body size limit.
pub fn read_json(path: &str, what: &str) -> Result<Value, Error> {
    let bytes = read_limited(path, what)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Config(format!("{what} {path} is empty: it must hold JSON")));
    }
    serde_json::from_slice(&bytes).map_err(|e| Error::Config(format!("{what} {path} is not JSON: {e}")))
}

/// Refuses a body that, put together, is larger than Launchplane takes.
pub fn check_size(body: &Value) -> Result<(), Error> {
    let size = serde_json::to_vec(body).map_or(0, |b| b.len() as u64);
    if size > MAX_BODY_BYTES {
        return Err(Error::Config(format!(
            "the request body is {size} bytes ({}); Launchplane takes at most {MAX_BODY_BYTES} bytes (2 MiB)",
            mib(size)
        )));
    }
    Ok(())
}
