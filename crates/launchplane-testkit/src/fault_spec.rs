//! Faults written as `key=value` lists, as `serve --fault` takes them.

use std::str::FromStr;
use std::time::Duration;

use launchplane_contract::{Contract, RouteMatch};

use crate::faults::{Fault, FaultTarget};

/// One `--fault`: which requests, what they get, and how many of them.
///
/// `operation=<id>` or `route=<path>` (a spec path, or `token` for the token endpoint; both
/// absent: every Launchplane request), `status=<code>`, `body=json|plain|html|none` (default
/// `json`), `delay=<n>ms|<n>s` (alone: the real answer, late), `drop` (close the connection),
/// `count=<n>` (default 1). Example: `operation=odoo_post_deploy,status=503,body=html,count=2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpec {
    pub targets: Vec<FaultTarget>,
    pub fault: Fault,
    pub count: usize,
}

const KEYS: &str = "operation, route, status, body, delay, drop, count";

impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        let contract = Contract::embedded();
        let mut targets = vec![FaultTarget::Launchplane];
        let (mut status, mut body, mut delay, mut drop, mut count) = (None, None, None, false, 1);
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let value = value.trim();
            match key.trim() {
                "operation" => {
                    let op = contract
                        .operation(value)
                        .ok_or_else(|| format!("fault `{spec}`: the spec has no operation `{value}`"))?;
                    targets = vec![FaultTarget::Operation(op.id.as_str())];
                }
                "route" if value == "token" => targets = vec![FaultTarget::TokenEndpoint],
                "route" => targets = route_targets(contract, value, spec)?,
                "status" => {
                    let code = value.parse::<u16>().ok().filter(|c| (100..=599).contains(c));
                    status = Some(code.ok_or_else(|| {
                        format!("fault `{spec}`: status must be an HTTP status code (100-599), not `{value}`")
                    })?);
                }
                "body" => body = Some(value.to_owned()),
                "delay" => {
                    delay =
                        Some(duration(value).ok_or_else(|| {
                            format!("fault `{spec}`: delay must look like 500ms or 2s, not `{value}`")
                        })?)
                }
                "drop" => drop = true,
                "count" => {
                    count = value.parse::<usize>().ok().filter(|c| *c > 0).ok_or_else(|| {
                        format!("fault `{spec}`: count must be a whole number above 0, not `{value}`")
                    })?;
                }
                other => return Err(format!("fault `{spec}`: unknown key `{other}`; keys are {KEYS}")),
            }
        }
        let answer = match (status, body.as_deref(), drop) {
            (Some(_), _, true) => return Err(format!("fault `{spec}`: drop and status exclude each other")),
            (None, Some(_), _) => return Err(format!("fault `{spec}`: body needs a status")),
            (None, None, true) => Some(Fault::Drop),
            (None, None, false) => None,
            (Some(status), None | Some("json"), false) => Some(Fault::JsonError(status)),
            (Some(status), Some("plain"), false) => Some(Fault::PlainError(status)),
            (Some(status), Some("html"), false) => Some(Fault::HtmlError(status)),
            (Some(status), Some("none"), false) => Some(Fault::EmptyError(status)),
            (Some(_), Some(other), false) => {
                return Err(format!(
                    "fault `{spec}`: body must be json, plain, html or none, not `{other}`"
                ));
            }
        };
        let fault = match (answer, delay) {
            (Some(answer), Some(delay)) => Fault::After(delay, Box::new(answer)),
            (Some(answer), None) => answer,
            (None, Some(delay)) => Fault::Delay(delay),
            (None, None) => return Err(format!("fault `{spec}`: give a status, a delay or drop")),
        };
        Ok(FaultSpec { targets, fault, count })
    }
}

/// The operations on a path of the spec, whatever their method.
fn route_targets(contract: &'static Contract, path: &str, spec: &str) -> Result<Vec<FaultTarget>, String> {
    let targets: Vec<FaultTarget> = ["GET", "POST"]
        .iter()
        .filter_map(|method| match contract.route(method, path) {
            RouteMatch::Found(op) => Some(FaultTarget::Operation(op.id.as_str())),
            _ => None,
        })
        .collect();
    if targets.is_empty() {
        return Err(format!("fault `{spec}`: no route of the spec matches `{path}`"));
    }
    Ok(targets)
}

fn duration(text: &str) -> Option<Duration> {
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.trim().parse().ok().map(Duration::from_millis);
    }
    let seconds = text.strip_suffix('s')?.trim().parse::<f64>().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Result<FaultSpec, String> {
        spec.parse()
    }

    #[test]
    fn specs_name_target_answer_and_count() {
        let spec = parse("operation=odoo_post_deploy,status=503,body=html,count=2").unwrap();
        assert_eq!(spec.targets, [FaultTarget::Operation("odoo_post_deploy")]);
        assert_eq!((spec.fault, spec.count), (Fault::HtmlError(503), 2));

        let spec = parse("route=/v1/drivers/odoo/prod-promotion-run, status=502, delay=250ms").unwrap();
        assert_eq!(spec.targets, [FaultTarget::Operation("odoo_prod_promotion_run")]);
        assert_eq!(
            spec.fault,
            Fault::After(Duration::from_millis(250), Box::new(Fault::JsonError(502)))
        );
        assert_eq!(spec.count, 1);

        assert!(
            parse("route=/v1/drivers/verireel")
                .unwrap_err()
                .contains("status, a delay")
        );
        assert_eq!(
            parse("route=/v1/drivers/odoo,delay=2s").unwrap().targets,
            [FaultTarget::Operation("drivers_get")]
        );
        assert_eq!(parse("status=500,body=none").unwrap().fault, Fault::EmptyError(500));
        assert_eq!(
            parse("status=500,body=plain").unwrap().targets,
            [FaultTarget::Launchplane]
        );
        assert_eq!(parse("route=token,drop").unwrap().targets, [FaultTarget::TokenEndpoint]);
        assert_eq!(parse("drop,count=3").unwrap().fault, Fault::Drop);
        assert_eq!(
            parse("delay=1.5s").unwrap().fault,
            Fault::Delay(Duration::from_millis(1500))
        );
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, says) in [
            (
                "operation=odoo_post_deploi,status=500",
                "no operation `odoo_post_deploi`",
            ),
            ("route=/v1/nope,status=500", "no route of the spec matches `/v1/nope`"),
            ("status=5000", "HTTP status code"),
            ("status=500,body=xml", "json, plain, html or none"),
            ("body=html", "body needs a status"),
            ("status=500,drop", "exclude each other"),
            ("delay=soon", "500ms or 2s"),
            ("status=500,count=0", "above 0"),
            ("stauts=500", "unknown key `stauts`"),
            ("", "give a status"),
        ] {
            let error = parse(spec).unwrap_err();
            assert!(error.contains(says), "{spec}: {error}");
        }
    }
}
