//! `lpctl call --route-path /v1/…[?query] [--method POST]`: the spec operation a route names,
//! its path parameters read from the concrete path, its query checked against the
//! operation's declared query parameters.

use launchplane_client::Error;
use launchplane_client::contract::resolve::ref_loc;
use launchplane_client::contract::{Contract, Operation, RouteMatch, path_parameters};
use serde_json::Value;

/// An operation found by route.
#[derive(Debug, PartialEq)]
pub struct Routed<'c> {
    pub operation: &'c Operation,
    pub path_params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
}

/// The operation at `method` + `route`, or why there is none.
pub fn resolve<'c>(contract: &'c Contract, method: &str, route: &str) -> Result<Routed<'c>, Error> {
    let method = method.trim().to_ascii_uppercase();
    let (path, query) = route.split_once('?').unwrap_or((route, ""));
    if !path.starts_with('/') || path.contains("://") {
        return Err(Error::Config(format!(
            "--route-path {route:?} is not an absolute route path: give the path after the base URL, e.g. {}",
            contract.operations().first().map_or("/v1/…", |op| op.path.as_str())
        )));
    }
    let operation = match contract.route(&method, path) {
        RouteMatch::Found(op) => op,
        RouteMatch::MethodNotAllowed { allowed } => {
            return Err(Error::Config(format!(
                "--route-path {path}: the spec has no {method} operation on this route (it has {}): pass --method {}",
                allowed.join(", "),
                allowed.first().map(String::as_str).unwrap_or("GET")
            )));
        }
        RouteMatch::NotFound => {
            let routes: Vec<String> = contract
                .operations()
                .iter()
                .map(|op| format!("{} {}", op.method, op.path))
                .collect();
            return Err(Error::Config(format!(
                "--route-path {path} is not a route of the spec this lpctl carries; it has:\n  {}\n(`lpctl call \
                 --help` lists them by operationId)",
                routes.join("\n  ")
            )));
        }
    };
    let path_params = path_parameters(&operation.path)
        .into_iter()
        .zip(
            operation
                .path
                .split('/')
                .zip(path.split('/'))
                .filter(|(template, _)| template.starts_with('{'))
                .map(|(_, value)| decode(value)),
        )
        .collect();
    let query = parse_query(query)?;
    check_query(contract, operation, &query)?;
    Ok(Routed {
        operation,
        path_params,
        query,
    })
}

/// `a=1&b=two` as pairs, percent-decoded (`+` as space, as forms write it).
fn parse_query(query: &str) -> Result<Vec<(String, String)>, Error> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| {
            if name.is_empty() {
                Err(Error::Config(format!(
                    "--route-path query {query:?} has a parameter without a name"
                )))
            } else {
                Ok((name.into_owned(), value.into_owned()))
            }
        })
        .collect()
}

fn decode(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The query parameters the operation declares, by name, with whether each is required.
pub fn declared_query(contract: &Contract, operation: &Operation) -> Vec<(String, bool)> {
    let document = contract.document();
    let pointer = format!(
        "/paths/{}/{}/parameters",
        operation.path.replace('~', "~0").replace('/', "~1"),
        operation.method.to_ascii_lowercase()
    );
    let Some(Value::Array(parameters)) = document.pointer(&pointer) else {
        return Vec::new();
    };
    parameters
        .iter()
        .filter_map(|parameter| match parameter.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let loc = ref_loc(reference)?;
                contract.resolver().get(&loc)
            }
            None => Some(parameter),
        })
        .filter(|parameter| parameter.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|parameter| {
            let name = parameter.get("name")?.as_str()?.to_owned();
            let required = parameter.get("required").and_then(Value::as_bool).unwrap_or(false);
            Some((name, required))
        })
        .collect()
}

fn check_query(contract: &Contract, operation: &Operation, query: &[(String, String)]) -> Result<(), Error> {
    let declared = declared_query(contract, operation);
    let names = || {
        if declared.is_empty() {
            "it declares none".to_owned()
        } else {
            format!(
                "it declares {}",
                declared
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    for (name, _) in query {
        if !declared.iter().any(|(declared, _)| declared == name) {
            return Err(Error::Config(format!(
                "--route-path: {} {} has no query parameter `{name}`; {}",
                operation.method,
                operation.path,
                names()
            )));
        }
    }
    for (name, required) in &declared {
        if *required && !query.iter().any(|(given, _)| given == name) {
            return Err(Error::Config(format!(
                "--route-path: {} {} needs the query parameter `{name}` (…?{name}=VALUE)",
                operation.method, operation.path
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_found_by_its_own_route() {
        let contract = Contract::embedded();
        for op in contract.operations() {
            let concrete = op
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "some-id" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let query: Vec<String> = op
                .query_parameters
                .iter()
                .filter(|p| p.required)
                .map(|p| format!("{}=some-id", p.name))
                .collect();
            let concrete = if query.is_empty() {
                concrete
            } else {
                format!("{concrete}?{}", query.join("&"))
            };
            let routed = resolve(contract, &op.method.to_ascii_lowercase(), &concrete).unwrap();
            assert_eq!(routed.operation.id, op.id);
            for (name, value) in &routed.path_params {
                assert!(path_parameters(&op.path).contains(name));
                assert_eq!(value, "some-id");
            }
        }
    }

    #[test]
    fn unknown_routes_methods_and_query_names_are_refused() {
        let contract = Contract::embedded();
        let op = &contract.operations()[0];
        let wrong = if op.method == "GET" { "POST" } else { "GET" };
        assert!(resolve(contract, wrong, &op.path).is_err() || op.path.contains('{'));
        let error = resolve(contract, "POST", "/v1/no-such-route").unwrap_err().to_string();
        assert!(error.contains(&op.path), "{error}");
        let error = resolve(contract, &op.method, &format!("{}?zz_unknown=1", op.path))
            .unwrap_err()
            .to_string();
        assert!(error.contains("zz_unknown"), "{error}");
        assert!(resolve(contract, "POST", "https://evil.example/v1/x").is_err());
    }
}
