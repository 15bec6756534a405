//! Driver descriptors (`GET /v1/drivers`) against the spec: every descriptor action must be an
//! operation with the same method, path and authz action, and every driver route of the spec
//! must be a descriptor action, unless the spec lists the route as not carried.

use serde_json::Value;

use super::{Route, RouteStatus};
use crate::spec::doc;

/// One descriptor action as the payload states it.
struct Action<'a> {
    driver: &'a str,
    id: &'a str,
    method: String,
    path: &'a str,
    authz: &'a str,
    safety: Option<&'a str>,
}

fn actions(payload: &Value) -> Result<Vec<Action<'_>>, String> {
    let drivers = payload
        .get("drivers")
        .and_then(Value::as_array)
        .ok_or("not a `GET /v1/drivers` payload: no `drivers` list")?;
    let mut out = Vec::new();
    for driver in drivers {
        let driver_id = driver.get("driver_id").and_then(Value::as_str).unwrap_or("?");
        for action in driver.get("actions").and_then(Value::as_array).into_iter().flatten() {
            let text = |k: &str| action.get(k).and_then(Value::as_str);
            let path =
                text("route_path").ok_or_else(|| format!("driver `{driver_id}` has an action without `route_path`"))?;
            out.push(Action {
                driver: driver_id,
                id: text("action_id").unwrap_or("?"),
                method: text("method").unwrap_or("POST").to_uppercase(),
                path,
                authz: text("authz_action").unwrap_or(""),
                safety: text("safety"),
            });
        }
    }
    Ok(out)
}

/// `/v1/drivers/<driver>/<route>`: a route a driver descriptor can announce.
pub fn is_driver_route(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    segments.len() == 4 && segments[..2] == ["v1", "drivers"] && !path.contains('{')
}

pub fn compare(spec: &Value, payload: &Value) -> Result<Vec<Route>, String> {
    let actions = actions(payload)?;
    let ops = doc::operations(spec);
    let not_carried = super::not_carried(spec);
    let mut rows = Vec::new();
    for a in &actions {
        let action = format!("{}/{}", a.driver, a.id);
        let op = ops.iter().find(|op| {
            op.method.eq_ignore_ascii_case(&a.method) && doc::path_shape(op.path) == doc::path_shape(a.path)
        });
        let status = match op {
            Some(op) => {
                let mut problems = Vec::new();
                let spec_authz = op
                    .value
                    .get("x-launchplane-authz-action")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if spec_authz != a.authz {
                    problems.push(format!("authz_action `{}` ≠ spec `{spec_authz}`", a.authz));
                }
                let spec_safety = op.value.get("x-launchplane-safety").and_then(Value::as_str);
                if let (Some(d), Some(s)) = (a.safety, spec_safety)
                    && d != s
                {
                    problems.push(format!("safety `{d}` ≠ spec `{s}`"));
                }
                if problems.is_empty() {
                    RouteStatus::Carried
                } else {
                    RouteStatus::Mismatch(problems.join("; "))
                }
            }
            None => match not_carried
                .iter()
                .find(|(m, p, _)| m.eq_ignore_ascii_case(&a.method) && p == a.path)
            {
                Some((_, _, reason)) => RouteStatus::NotCarried(reason.clone()),
                None => RouteStatus::MissingFromSpec,
            },
        };
        rows.push(Route {
            status,
            method: a.method.clone(),
            path: a.path.to_string(),
            action: Some(action),
        });
    }
    for op in ops.iter().filter(|op| is_driver_route(op.path)) {
        let announced = actions
            .iter()
            .any(|a| a.method.eq_ignore_ascii_case(op.method) && doc::path_shape(a.path) == doc::path_shape(op.path));
        if !announced {
            rows.push(Route {
                status: RouteStatus::NotInDescriptors,
                method: op.method.to_uppercase(),
                path: op.path.to_string(),
                action: None,
            });
        }
    }
    Ok(rows)
}
