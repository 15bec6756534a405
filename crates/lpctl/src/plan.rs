//! Plan, then apply: `--plan-out` keeps the plan a planning operation answered, `--plan` lays
//! it into the request of the operation that applies it (`x-launchplane-plan`), checked first.

use std::time::SystemTime;

use launchplane_client::contract::dot_path;
use launchplane_client::{Contract, Error, Operation};
use serde_json::Value;

use crate::body;

/// The operation that applies plans `planner` issues, if any.
pub fn applier_of(planner: &str) -> Option<&'static Operation> {
    Contract::embedded()
        .operations()
        .iter()
        .find(|op| op.plan.as_ref().is_some_and(|p| p.planned_by == planner))
}

/// Fills the body from the plan file and returns the Idempotency-Key the plan names. Refuses a
/// plan that is not ready, has expired, was issued for another product, or lacks what the
/// request needs, before anything is sent.
pub fn apply(op: &Operation, file: &str, body: &mut Value, key: Option<&str>) -> Result<String, Error> {
    let Some(spec) = &op.plan else {
        return Err(Error::Config(format!(
            "--plan: {} applies no plan; it is for operations that apply one ({})",
            op.id,
            appliers()
        )));
    };
    let plan = body::read_json(file, "--plan")?;
    let text = |path: &str| dot_path::field(&plan, path).and_then(Value::as_str).map(str::trim);
    let what = format!("--plan {file} (from {})", spec.planned_by);
    let status = text(&spec.ready.field).unwrap_or_default();
    if !spec.ready.ok.iter().any(|ok| ok == status) {
        return Err(Error::Config(format!(
            "{what}: the plan's {} is {status:?}, not {}: it cannot be applied; read its blockers and plan again",
            spec.ready.field,
            spec.ready.ok.join(" or ")
        )));
    }
    let plan_id = text(&spec.key).filter(|id| !id.is_empty()).ok_or_else(|| {
        Error::Config(format!(
            "{what}: the plan has no {}; plan again with {}",
            spec.key, spec.planned_by
        ))
    })?;
    let expires = text(&spec.expires_at).unwrap_or_default();
    let deadline = parse_utc(expires).ok_or_else(|| {
        Error::Config(format!(
            "{what}: {} is {expires:?}, not a UTC time; plan again with {}",
            spec.expires_at, spec.planned_by
        ))
    })?;
    if SystemTime::now() >= deadline {
        return Err(Error::Config(format!(
            "{what}: the plan expired at {expires}; plan again with {}",
            spec.planned_by
        )));
    }
    let planned_for = text(&spec.product).unwrap_or_default();
    let product = dot_path::field(body, "product").and_then(Value::as_str).map(str::trim);
    if product != Some(planned_for) {
        return Err(Error::Config(format!(
            "{what}: the plan is for product {planned_for:?}, the request for {:?}; apply it with --product {planned_for}",
            product.unwrap_or_default()
        )));
    }
    for (body_path, plan_path) in &spec.fills {
        let part = dot_path::field(&plan, plan_path)
            .ok_or_else(|| Error::Config(format!("{what}: the plan has no {plan_path}; plan again")))?;
        body::set(body, body_path, part.clone(), "plan")?;
    }
    if let Some(given) = key
        && given.trim() != plan_id
    {
        return Err(Error::Config(format!(
            "--idempotency-key {given:?} is not the plan's id {plan_id:?}: Launchplane replays an apply by its plan id; \
             leave --idempotency-key out"
        )));
    }
    Ok(plan_id.to_owned())
}

/// The plan in a planner's answer, and its id, for `--plan-out`.
pub fn issued<'a>(planner: &str, answer: &'a Value) -> Result<(&'a Value, Option<&'a str>), Error> {
    let Some(spec) = applier_of(planner).and_then(|op| op.plan.as_ref()) else {
        return Err(Error::Config(format!(
            "--plan-out: {planner} issues no plan; it is for operations that plan ({})",
            planners()
        )));
    };
    let plan = dot_path::field(answer, &spec.plan)
        .filter(|p| p.is_object())
        .ok_or_else(|| Error::Config(format!("--plan-out: the answer has no {} to write", spec.plan)))?;
    Ok((plan, dot_path::field(plan, &spec.key).and_then(Value::as_str)))
}

fn appliers() -> String {
    let ids: Vec<&str> = Contract::embedded()
        .operations()
        .iter()
        .filter(|op| op.plan.is_some())
        .map(|op| op.id.as_str())
        .collect();
    ids.join(", ")
}

fn planners() -> String {
    let ids: Vec<&str> = Contract::embedded()
        .operations()
        .iter()
        .filter_map(|op| op.plan.as_ref().map(|p| p.planned_by.as_str()))
        .collect();
    ids.join(", ")
}

/// An RFC 3339 time in UTC (`Z` or `+00:00`).
fn parse_utc(text: &str) -> Option<SystemTime> {
    let text = text
        .strip_suffix("+00:00")
        .map_or_else(|| text.to_owned(), |t| format!("{t}Z"));
    humantime::parse_rfc3339_weak(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_with_either_suffix_are_read_and_others_refused() {
        assert!(parse_utc("2026-05-03T17:00:00Z").is_some());
        assert_eq!(
            parse_utc("2026-05-03T17:00:00+00:00"),
            parse_utc("2026-05-03T17:00:00Z")
        );
        assert!(parse_utc("2026-05-03T17:00:00.123456Z").is_some());
        assert!(parse_utc("2026-05-03T17:00:00+02:00").is_none());
        assert!(parse_utc("tomorrow").is_none());
    }
}
