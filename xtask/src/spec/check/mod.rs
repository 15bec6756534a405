//! `spec check`: OpenAPI 3.0.3 validity, house rules, canonical form and derived files.

mod examples;
mod fields;
mod operations;
mod poll;
mod requests;
mod rules;
mod structure;

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::doc::{self, Loc};
use super::{API_MD_PATH, FMT_COMMAND, SPEC_PATH, api_md, canonical, exit, locate};

/// A rule violation at a location of the spec.
#[derive(Debug, Clone)]
pub struct Finding {
    pub loc: Loc,
    pub what: String,
    pub remedy: String,
}

impl Finding {
    pub fn new(loc: Loc, what: impl Into<String>, remedy: impl Into<String>) -> Self {
        Finding {
            loc,
            what: what.into(),
            remedy: remedy.into(),
        }
    }
}

/// A finding placed on a line of the spec text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub line: usize,
    pub what: String,
    pub remedy: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{SPEC_PATH}:{}: {} — {}", self.line, self.what, self.remedy)
    }
}

/// Everything `spec check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub violations: Vec<Violation>,
    /// Files whose content differs from what `spec fmt` would write.
    pub stale: Vec<&'static str>,
}

impl CheckReport {
    pub fn exit_code(&self) -> u8 {
        if !self.violations.is_empty() {
            exit::FAILED
        } else if !self.stale.is_empty() {
            exit::STALE
        } else {
            exit::CLEAN
        }
    }
}

/// Checks a spec text; `api_md` is the current `openapi/API.md` (`None` when absent).
pub fn check_text(spec_text: &str, api_md: Option<&str>) -> CheckReport {
    let mut report = CheckReport::default();
    let spec = match doc::parse_yaml(spec_text) {
        Ok(v) => v,
        Err(e) => {
            report.violations.push(Violation {
                line: e.line.unwrap_or(1),
                what: format!("not valid YAML: {}", e.message),
                remedy: "fix the syntax".into(),
            });
            return report;
        }
    };

    let findings = findings(spec_text, &spec);
    report.violations = findings
        .into_iter()
        .map(|f| Violation {
            line: locate::line_of(spec_text, &f.loc),
            what: f.what,
            remedy: f.remedy,
        })
        .collect();
    report.violations.sort_by_key(|v| v.line);

    // A file equal to the emitted text reads back as `spec`, so the read-back check `fmt`
    // runs before writing is not needed here.
    if canonical::emit(&spec) != spec_text {
        report.stale.push(SPEC_PATH);
    }
    if api_md != Some(api_md::render(&spec).as_str()) {
        report.stale.push(API_MD_PATH);
    }
    report
}

/// The spec must be exactly what `spec import` makes from `openapi/import.yaml`: knowledge of
/// Launchplane's routes lives in its document and in the overlays, never in the spec alone.
pub fn imported(root: &Path, spec_text: &str) -> Option<Violation> {
    use crate::spec::import::recipe::{RECIPE_PATH, Recipe, first_difference};
    let remedy =
        format!("change the overlays or the source that {RECIPE_PATH} names, then run `cargo xtask spec import`");
    let made = Recipe::load(root).map_err(|e| vec![e]).and_then(|r| r.render(root));
    match made {
        Ok(made) if made == spec_text => None,
        Ok(made) => Some(Violation {
            line: first_difference(spec_text, &made),
            what: format!("the spec differs here from what `cargo xtask spec import` makes from {RECIPE_PATH}"),
            remedy,
        }),
        Err(errors) => Some(Violation {
            line: 1,
            what: format!("{RECIPE_PATH} does not import: {}", errors.join("; ")),
            remedy,
        }),
    }
}

/// Every rule violation of a parsed spec.
pub fn findings(spec_text: &str, spec: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    if !structure::check(spec_text, spec, &mut out) {
        return out;
    }
    operations::check(spec, &mut out);
    requests::check(spec, &mut out);
    rules::check(spec, &mut out);
    poll::check(spec, &mut out);
    examples::check(spec, &mut out);
    out
}

pub fn run(root: &Path) -> u8 {
    let spec_text = match fs::read_to_string(root.join(SPEC_PATH)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {SPEC_PATH}: {e}");
            return exit::ERROR;
        }
    };
    let api_md = fs::read_to_string(root.join(API_MD_PATH)).ok();
    let mut report = check_text(&spec_text, api_md.as_deref());
    report.violations.extend(imported(root, &spec_text));
    for v in &report.violations {
        println!("{v}");
    }
    for file in &report.stale {
        println!("{file}: not what `{FMT_COMMAND}` writes — run `{FMT_COMMAND}`");
    }
    match report.exit_code() {
        exit::CLEAN => println!("{SPEC_PATH}: ok"),
        exit::STALE => println!("regenerate with: {FMT_COMMAND}"),
        _ => println!("{} violation(s)", report.violations.len()),
    }
    report.exit_code()
}
