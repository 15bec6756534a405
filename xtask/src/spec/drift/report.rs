//! The drift report: route tables and field changes, as text and markdown.

use serde::Serialize;

use super::openapi::OpenApiDrift;
use super::{Route, RouteStatus, sort_routes};
use crate::spec::diff::change::Class;
use crate::spec::output::cell;

/// Marks the report in job summaries.
pub const MARKER: &str = "<!-- launchplane-contract-drift -->";

#[derive(Serialize, Default, Debug)]
pub struct DriftReport {
    pub descriptors: Option<Section>,
    pub openapi: Option<Section>,
}

#[derive(Serialize, Debug)]
pub struct Section {
    pub source: String,
    pub routes: Vec<Route>,
    /// Field-level differences on routes both sides carry (OpenAPI only).
    pub fields: Vec<FieldRow>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct FieldRow {
    pub route: String,
    pub class: Class,
    pub rule: &'static str,
    #[serde(rename = "where")]
    pub place: String,
    pub message: String,
}

impl Section {
    fn drift_count(&self) -> usize {
        self.routes.iter().filter(|r| r.status.is_drift()).count() + self.fields.len()
    }
}

impl DriftReport {
    pub fn add_descriptors(&mut self, source: &str, mut routes: Vec<Route>) {
        sort_routes(&mut routes);
        self.descriptors = Some(Section {
            source: source.to_string(),
            routes,
            fields: Vec::new(),
        });
    }

    pub fn add_openapi(&mut self, source: &str, drift: OpenApiDrift) {
        let mut routes = drift.routes;
        sort_routes(&mut routes);
        let mut fields: Vec<FieldRow> = drift
            .changes
            .into_iter()
            .map(|c| FieldRow {
                route: c.operation.clone().unwrap_or_else(|| "document".into()),
                class: c.class,
                rule: c.rule,
                place: c.place(),
                message: c.message,
            })
            .collect();
        fields.sort_by(|a, b| (a.class, &a.route).cmp(&(b.class, &b.route)));
        self.openapi = Some(Section {
            source: source.to_string(),
            routes,
            fields,
        });
    }

    fn sections(&self) -> impl Iterator<Item = (&'static str, &Section)> {
        [("Driver descriptors", &self.descriptors), ("OpenAPI", &self.openapi)]
            .into_iter()
            .filter_map(|(title, s)| s.as_ref().map(|s| (title, s)))
    }

    pub fn has_drift(&self) -> bool {
        self.sections().any(|(_, s)| s.drift_count() > 0)
    }

    fn verdict(&self) -> String {
        let n: usize = self.sections().map(|(_, s)| s.drift_count()).sum();
        if n == 0 {
            "No drift.".into()
        } else {
            format!("Drift: {n} difference(s) between the spec and the service.")
        }
    }

    pub fn markdown(&self) -> String {
        let mut out = format!("{MARKER}\n## Contract drift\n\n**{}**\n", self.verdict());
        for (title, s) in self.sections() {
            out.push_str(&format!("\n### {title} (`{}`)\n\n", s.source));
            let (listed, summary) = split_routes(&s.routes);
            out.push_str(&summary);
            out.push('\n');
            if !listed.is_empty() {
                out.push_str("\n| Status | Method | Path | Descriptor action | Detail |\n|---|---|---|---|---|\n");
                for r in listed {
                    let action = r.action.as_deref().map(|a| format!("`{a}`")).unwrap_or_default();
                    let (status, detail) = (r.status.label(), cell(r.status.detail()));
                    out.push_str(&format!(
                        "| {status} | {} | `{}` | {action} | {detail} |\n",
                        r.method, r.path
                    ));
                }
            }
            if !s.fields.is_empty() {
                out.push_str("\n| Route | Class | Where | Change |\n|---|---|---|---|\n");
                for f in &s.fields {
                    out.push_str(&format!(
                        "| `{}` | {} | {} | {} |\n",
                        f.route,
                        f.class.label(),
                        cell(&f.place),
                        cell(&f.message)
                    ));
                }
            }
        }
        out
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        for (title, s) in self.sections() {
            out.push_str(&format!("{title} ({})\n", s.source));
            let (listed, summary) = split_routes(&s.routes);
            let rows: Vec<[String; 5]> = listed
                .iter()
                .map(|r| {
                    let action = r.action.clone().unwrap_or_default();
                    [
                        r.status.label().into(),
                        r.method.clone(),
                        r.path.clone(),
                        action,
                        r.status.detail().into(),
                    ]
                })
                .collect();
            out.push_str(&aligned(&["STATUS", "METHOD", "PATH", "ACTION", "DETAIL"], &rows));
            out.push_str(&format!("{summary}\n"));
            if !s.fields.is_empty() {
                let rows: Vec<[String; 4]> = s
                    .fields
                    .iter()
                    .map(|f| {
                        [
                            f.route.clone(),
                            f.class.label().into(),
                            f.place.clone(),
                            f.message.clone(),
                        ]
                    })
                    .collect();
                out.push_str(&aligned(&["ROUTE", "CLASS", "WHERE", "CHANGE"], &rows));
            }
            out.push('\n');
        }
        out.push_str(&self.verdict());
        out
    }
}

/// Routes worth a row (drift, not carried) and a sentence counting the rest.
fn split_routes(routes: &[Route]) -> (Vec<&Route>, String) {
    let listed: Vec<&Route> = routes
        .iter()
        .filter(|r| r.status.is_drift() || matches!(r.status, RouteStatus::NotCarried(_)))
        .collect();
    let ok = routes.iter().filter(|r| r.status == RouteStatus::Carried).count();
    let outside: Vec<String> = routes
        .iter()
        .filter(|r| r.status == RouteStatus::OutsideSpec)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let mut summary = format!("{ok} route(s) match.");
    if !outside.is_empty() {
        summary.push_str(&format!(
            " {} service route(s) lie outside the route families the spec covers: {}.",
            outside.len(),
            outside.join(", ")
        ));
    }
    (listed, summary)
}

fn aligned<const N: usize>(headers: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths: [usize; N] = headers.map(|h| h.chars().count());
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = String::new();
    if rows.is_empty() {
        return out;
    }
    out.push_str(&line(headers.to_vec()));
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
