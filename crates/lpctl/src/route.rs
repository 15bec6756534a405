//! `lpctl route`: which spec operation a method and concrete path (query allowed) reach, and
//! the polling the spec declares for it, as one JSON line for scripts such as the actions'.

use clap::{Arg, Command};
use launchplane_client::contract::{Contract, RouteMatch};
use serde_json::{Value, json};

use crate::exit;

pub fn command() -> Command {
    Command::new("route")
        .bin_name("lpctl route")
        .about("Name the spec operation a method and path reach, with the polling the spec declares")
        .after_help(
            "Example:\n  lpctl route --method GET --route-path '/v1/artifacts/protected?product=opw'\n\n\
             Prints {\"operation\", \"method\", \"path\", \"poll\", \"statuses\", \"stores_failures\"} on \
             stdout; poll is the operation's x-launchplane-poll or null, stores_failures its \
             x-launchplane-stores-failures.\nExit 2 (nothing printed on stdout) when the spec has no such route.",
        )
        .arg(
            Arg::new("route-path")
                .long("route-path")
                .required(true)
                .value_name("PATH[?QUERY]")
                .help("Absolute route path, e.g. /v1/drivers/odoo/post-deploy"),
        )
        .arg(
            Arg::new("method")
                .long("method")
                .default_value("POST")
                .help("HTTP method"),
        )
}

/// Runs `lpctl route <args>` (the arguments after `route`) and returns the exit code.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let matches = match command().no_binary_name(true).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => return crate::report::usage(&error),
    };
    let route_path = matches
        .get_one::<String>("route-path")
        .map(String::as_str)
        .unwrap_or_default();
    let method = matches
        .get_one::<String>("method")
        .map(String::as_str)
        .unwrap_or("POST");
    match describe(Contract::embedded(), method, route_path) {
        Ok(line) => {
            println!("{line}");
            exit::OK
        }
        Err(message) => {
            eprintln!("lpctl route: {message}");
            exit::USAGE
        }
    }
}

/// The operation at `method` + `route_path` as JSON, or why there is none.
pub fn describe(contract: &Contract, method: &str, route_path: &str) -> Result<Value, String> {
    let path = route_path.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/') {
        return Err(format!(
            "route path {route_path:?} must be absolute, starting with /v1/"
        ));
    }
    let method = method.to_ascii_uppercase();
    match contract.route(&method, path) {
        RouteMatch::Found(op) => {
            let poll = serde_json::to_value(&op.poll).unwrap_or(Value::Null);
            let statuses: Vec<&str> = contract
                .document()
                .pointer(&format!(
                    "/paths/{}/{}/responses",
                    op.path.replace('~', "~0").replace('/', "~1"),
                    op.method.to_ascii_lowercase()
                ))
                .and_then(Value::as_object)
                .map(|responses| responses.keys().map(String::as_str).collect())
                .unwrap_or_default();
            Ok(json!({
                "operation": op.id, "method": op.method, "path": op.path, "poll": poll, "statuses": statuses,
                "stores_failures": op.stores_failures,
            }))
        }
        RouteMatch::MethodNotAllowed { allowed } => {
            Err(format!("{path} takes {} in the spec, not {method}", allowed.join(", ")))
        }
        RouteMatch::NotFound => Err(format!(
            "{path} is not a route of the spec (Launchplane {}); `lpctl call --help` lists the operations",
            env!("LAUNCHPLANE_SPEC_REVISION")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec extension that declares how a long-running operation is waited for.
    const POLL_EXTENSION: &str = "x-launchplane-poll";

    #[test]
    fn every_spec_operation_is_found_from_its_concrete_path() {
        let contract = Contract::embedded();
        for op in contract.operations() {
            let concrete = op.path.replace("{driver_id}", "odoo");
            let found = describe(contract, &op.method.to_lowercase(), &format!("{concrete}?a=b")).unwrap();
            assert_eq!(found["operation"], op.id.as_str(), "{} {}", op.method, op.path);
            let declared = contract
                .document()
                .pointer(&format!(
                    "/paths/{}/{}",
                    op.path.replace('/', "~1"),
                    op.method.to_lowercase()
                ))
                .and_then(|entry| entry.get(POLL_EXTENSION))
                .cloned()
                .unwrap_or(Value::Null);
            assert_eq!(found["poll"], declared, "{}", op.id);
        }
    }

    #[test]
    fn unknown_routes_and_methods_are_refused_with_what_to_do() {
        let contract = Contract::embedded();
        let missing = describe(contract, "POST", "/v1/drivers/odoo/no-such-route").unwrap_err();
        assert!(missing.contains("not a route of the spec"), "{missing}");
        let post = contract.operations().iter().find(|op| op.method == "POST").unwrap();
        let wrong = describe(contract, "DELETE", &post.path).unwrap_err();
        assert!(wrong.contains("takes POST") && wrong.contains("not DELETE"), "{wrong}");
        let relative = describe(contract, "POST", "v1/drivers").unwrap_err();
        assert!(relative.contains("must be absolute"), "{relative}");
    }
}
