//! The service's own OpenAPI document against the spec: routes on either side, and the
//! operations both carry compared field by field with `spec diff`'s rules (service = new).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Route, RouteStatus};
use crate::spec::diff::change::Change;
use crate::spec::diff::{Options, compare};
use crate::spec::{doc, normalize};

/// `/v1/drivers`: the first two segments, which group routes into families.
fn family(path: &str) -> String {
    path.split('/').take(3).collect::<Vec<_>>().join("/")
}

pub struct OpenApiDrift {
    pub routes: Vec<Route>,
    pub changes: Vec<Change>,
}

pub fn compare(spec: &Value, live: &Value) -> Result<OpenApiDrift, String> {
    let live = normalize::to_oas30(live)?;
    let changes = compare::compare(spec, &live, &Options { drift: true });

    let spec_ops = doc::operations(spec);
    let live_ops = doc::operations(&live);
    let not_carried = super::not_carried(spec);
    let families: BTreeSet<String> = spec_ops
        .iter()
        .map(|op| op.path.to_string())
        .chain(not_carried.iter().map(|(_, p, _)| p.clone()))
        .map(|p| family(&p))
        .collect();
    let same =
        |a: &doc::Op<'_>, b: &doc::Op<'_>| a.method == b.method && doc::path_shape(a.path) == doc::path_shape(b.path);

    let mut routes = Vec::new();
    for op in &spec_ops {
        let status = if live_ops.iter().any(|l| same(l, op)) {
            RouteStatus::Carried
        } else {
            RouteStatus::MissingFromService
        };
        routes.push(Route {
            status,
            method: op.method.to_uppercase(),
            path: op.path.to_string(),
            action: None,
        });
    }
    for op in live_ops.iter().filter(|l| !spec_ops.iter().any(|s| same(s, l))) {
        let method = op.method.to_uppercase();
        let reason = not_carried
            .iter()
            .find(|(m, p, _)| *m == method && doc::path_shape(p) == doc::path_shape(op.path));
        let status = match reason {
            Some((_, _, reason)) => RouteStatus::NotCarried(reason.clone()),
            None if families.contains(&family(op.path)) => RouteStatus::MissingFromSpec,
            None => RouteStatus::OutsideSpec,
        };
        routes.push(Route {
            status,
            method,
            path: op.path.to_string(),
            action: None,
        });
    }
    Ok(OpenApiDrift { routes, changes })
}
