//! `spec drift`: the spec against what a Launchplane service says about itself — its driver
//! descriptors and/or its OpenAPI document.

pub mod descriptors;
pub mod openapi;
pub mod report;

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;
use launchplane_client::TokenScope;
use serde::Serialize;
use serde_json::Value;

use super::{SPEC_PATH, doc, exit, output, source};
pub use report::DriftReport;

#[derive(Args)]
#[command(group = clap::ArgGroup::new("sources").required(true).multiple(true))]
pub struct DriftArgs {
    /// A `GET /v1/drivers` payload: URL or file.
    #[arg(long, group = "sources")]
    pub descriptors: Option<String>,
    /// The service's OpenAPI document (FastAPI, 3.1 or 3.0): URL or file.
    #[arg(long, group = "sources")]
    pub openapi: Option<String>,
    /// Also write the markdown report to this file.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Send the Launchplane bearer token to a URL on another origin than LAUNCHPLANE_URL
    /// (by default only the configured Launchplane origin gets it).
    #[arg(long)]
    pub send_token_to_other_origin: bool,
}

impl DriftArgs {
    fn token_scope(&self) -> TokenScope {
        if self.send_token_to_other_origin {
            TokenScope::AnyOrigin
        } else {
            TokenScope::LaunchplaneOnly
        }
    }
}

/// How a route of either side stands.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case", tag = "status", content = "detail")]
pub enum RouteStatus {
    /// Both sides have it and agree.
    Carried,
    /// The spec lists it under `x-launchplane-not-carried`, with this reason.
    NotCarried(String),
    /// The service has it; the spec neither carries nor excludes it.
    MissingFromSpec,
    /// A driver route of the spec that no descriptor announces.
    NotInDescriptors,
    /// An operation of the spec the service's OpenAPI does not have.
    MissingFromService,
    /// Both have it but disagree (authz action, safety).
    Mismatch(String),
    /// A service route outside every route family the spec covers.
    OutsideSpec,
}

impl RouteStatus {
    pub fn is_drift(&self) -> bool {
        matches!(
            self,
            RouteStatus::MissingFromSpec
                | RouteStatus::NotInDescriptors
                | RouteStatus::MissingFromService
                | RouteStatus::Mismatch(_)
        )
    }

    pub fn label(&self) -> &'static str {
        match self {
            RouteStatus::Carried => "ok",
            RouteStatus::NotCarried(_) => "not carried",
            RouteStatus::MissingFromSpec => "missing from spec",
            RouteStatus::NotInDescriptors => "not in descriptors",
            RouteStatus::MissingFromService => "missing from service",
            RouteStatus::Mismatch(_) => "mismatch",
            RouteStatus::OutsideSpec => "outside the spec's route families",
        }
    }

    /// The reason a route is not carried, or what disagrees.
    pub fn detail(&self) -> &str {
        match self {
            RouteStatus::NotCarried(d) | RouteStatus::Mismatch(d) => d,
            _ => "",
        }
    }

    fn rank(&self) -> u8 {
        match self {
            s if s.is_drift() => 0,
            RouteStatus::NotCarried(_) => 1,
            RouteStatus::OutsideSpec => 2,
            _ => 3,
        }
    }
}

/// A route and how it stands.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Route {
    #[serde(flatten)]
    pub status: RouteStatus,
    pub method: String,
    pub path: String,
    /// `driver/action_id` for descriptor actions.
    pub action: Option<String>,
}

/// `(METHOD, path, reason)` of every `x-launchplane-not-carried` entry.
pub fn not_carried(spec: &Value) -> Vec<(String, String, String)> {
    spec.get("x-launchplane-not-carried")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| {
            let text = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            (text("method").to_uppercase(), text("path"), text("reason"))
        })
        .collect()
}

/// Orders routes drift first, then not carried, then the rest, each by path.
pub fn sort_routes(routes: &mut [Route]) {
    routes.sort_by(|a, b| (a.status.rank(), &a.path, &a.method).cmp(&(b.status.rank(), &b.path, &b.method)));
}

pub fn run(root: &Path, args: &DriftArgs) -> u8 {
    match try_run(root, args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("spec drift: {e}");
            exit::ERROR
        }
    }
}

fn try_run(root: &Path, args: &DriftArgs) -> Result<u8, String> {
    let text = fs::read_to_string(root.join(SPEC_PATH)).map_err(|e| format!("cannot read {SPEC_PATH}: {e}"))?;
    let spec = doc::parse_yaml(&text).map_err(|e| format!("{SPEC_PATH} does not parse: {}", e.message))?;
    let mut report = DriftReport::default();
    if let Some(src) = &args.descriptors {
        let payload = source::load_with(src, args.token_scope())?;
        report.add_descriptors(src, descriptors::compare(&spec, &payload)?);
    }
    if let Some(src) = &args.openapi {
        let live = source::load_with(src, args.token_scope())?;
        report.add_openapi(src, openapi::compare(&spec, &live)?);
    }
    println!("{}", report.text());
    output::publish_markdown(args.markdown.as_deref(), &report.markdown())?;
    Ok(if report.has_drift() { exit::FAILED } else { exit::CLEAN })
}
