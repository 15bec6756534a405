//! `spec diff`: classifies every change of the spec against a git base from the tenant's side.

pub mod change;
pub mod compare;
mod operation;
pub mod report;
pub mod schema;
mod view;

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{SPEC_PATH, doc, exit, git, output};
pub use report::DiffReport;

#[derive(Args)]
pub struct DiffArgs {
    /// Git revision to compare against [default: `git merge-base HEAD origin/main`].
    #[arg(long)]
    pub base: Option<String>,
    /// Also write the markdown report to this file.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

/// What the comparison looks at.
#[derive(Default, Clone, Copy)]
pub struct Options {
    /// Comparing with a live service's document: skip documentation, operation ids, schema
    /// names, extensions, security, error responses, and the openness and `required` lists of
    /// response models, none of which a FastAPI document states the way this spec does.
    pub drift: bool,
}

/// Compares two spec texts; `base` is `None` when the base has no spec.
pub fn diff_texts(base_label: &str, base: Option<&str>, new: &str) -> Result<DiffReport, String> {
    let parse = |text: &str, what: &str| {
        doc::parse_yaml(text).map_err(|e| format!("{what} spec does not parse: {}", e.message))
    };
    let old = match base {
        Some(text) => parse(text, "base")?,
        None => serde_json::json!({}),
    };
    let new_value = parse(new, "working")?;
    let changes = compare::compare(&old, &new_value, &Options::default());
    Ok(DiffReport::new(base_label, &old, &new_value, new, changes))
}

pub fn run(root: &Path, args: &DiffArgs) -> u8 {
    match try_run(root, args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("spec diff: {e}");
            exit::ERROR
        }
    }
}

fn try_run(root: &Path, args: &DiffArgs) -> Result<u8, String> {
    let base = match &args.base {
        Some(b) => b.clone(),
        None => git::default_base(root)?,
    };
    let base_text = git::show_file(root, &base, SPEC_PATH)?;
    let new_text = fs::read_to_string(root.join(SPEC_PATH)).map_err(|e| format!("cannot read {SPEC_PATH}: {e}"))?;
    let report = diff_texts(&base, base_text.as_deref(), &new_text)?;
    for line in report.console_lines(output::in_github_actions()) {
        println!("{line}");
    }
    output::publish_markdown(args.markdown.as_deref(), &report.markdown())?;
    Ok(if report.failed() { exit::FAILED } else { exit::CLEAN })
}
