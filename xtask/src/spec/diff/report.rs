//! The `spec diff` report: grouped by operation, breaking first; markdown, console lines and
//! GitHub annotations.

use serde::Serialize;
use serde_json::Value;

use super::change::{Change, Class};
use crate::spec::{SPEC_PATH, locate, output};

/// Marks the report so a workflow can find and update its previous PR comment.
pub const MARKER: &str = "<!-- launchplane-spec-diff -->";

#[derive(Serialize, Debug)]
pub struct DiffReport {
    pub base: String,
    pub old_version: String,
    pub new_version: String,
    /// `info.version`'s major part went up: breaking changes are accepted.
    pub major_bump: bool,
    pub breaking: usize,
    pub unclassified: usize,
    pub non_breaking: usize,
    pub groups: Vec<Group>,
}

#[derive(Serialize, Debug)]
pub struct Group {
    /// `POST /v1/…`, or `document` for changes outside operations.
    pub operation: String,
    pub operation_id: Option<String>,
    pub changes: Vec<Entry>,
}

#[derive(Serialize, Debug)]
pub struct Entry {
    pub class: Class,
    pub rule: &'static str,
    #[serde(rename = "where")]
    pub place: String,
    pub message: String,
    /// Line in the working spec (of the nearest surviving node for removals).
    pub line: usize,
}

fn version(doc: &Value) -> String {
    doc.pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn major(v: &str) -> Option<u64> {
    v.trim_start_matches('v').split('.').next()?.parse().ok()
}

impl DiffReport {
    pub fn new(base: &str, old: &Value, new: &Value, new_text: &str, changes: Vec<Change>) -> Self {
        let (old_version, new_version) = (version(old), version(new));
        let major_bump = matches!((major(&old_version), major(&new_version)), (Some(a), Some(b)) if b > a);
        let count = |c: Class| changes.iter().filter(|x| x.class == c).count();
        let (breaking, unclassified, non_breaking) = (
            count(Class::Breaking),
            count(Class::Unclassified),
            count(Class::NonBreaking),
        );

        let mut groups: Vec<Group> = Vec::new();
        for change in changes {
            let name = change.operation.clone().unwrap_or_else(|| "document".into());
            let entry = Entry {
                class: change.class,
                rule: change.rule,
                place: change.place(),
                line: locate::line_of(new_text, &change.new_loc),
                message: change.message,
            };
            match groups.iter_mut().find(|g| g.operation == name) {
                Some(g) => g.changes.push(entry),
                None => groups.push(Group {
                    operation: name,
                    operation_id: change.operation_id,
                    changes: vec![entry],
                }),
            }
        }
        for g in &mut groups {
            g.changes.sort_by_key(|e| e.class);
        }
        groups.sort_by_key(|g| g.changes.iter().map(|e| e.class).min());
        DiffReport {
            base: base.to_string(),
            old_version,
            new_version,
            major_bump,
            breaking,
            unclassified,
            non_breaking,
            groups,
        }
    }

    /// Breaking or unclassified changes without a major version bump.
    pub fn failed(&self) -> bool {
        !self.major_bump && (self.breaking > 0 || self.unclassified > 0)
    }

    fn verdict(&self) -> String {
        let counts = format!(
            "{} breaking, {} unclassified, {} non-breaking",
            self.breaking, self.unclassified, self.non_breaking
        );
        if self.major_bump {
            format!(
                "{counts}. `info.version` major part bumped ({} → {}): breaking changes are accepted.",
                self.old_version, self.new_version
            )
        } else if self.failed() {
            format!(
                "{counts}. Breaking and unclassified changes fail this check unless `info.version`'s major part is bumped."
            )
        } else {
            format!("{counts}.")
        }
    }

    pub fn markdown(&self) -> String {
        let mut out = format!(
            "{MARKER}\n## Spec changes against `{}`\n\n**{}**\n",
            self.base,
            self.verdict()
        );
        for g in &self.groups {
            let id = g
                .operation_id
                .as_ref()
                .map(|id| format!(" · `{id}`"))
                .unwrap_or_default();
            out.push_str(&format!(
                "\n### `{}`{id}\n\n| Class | Where | Change | Line |\n|---|---|---|---|\n",
                g.operation
            ));
            for e in &g.changes {
                let class = match e.class {
                    Class::NonBreaking => e.class.label().to_string(),
                    _ => format!("**{}**", e.class.label()),
                };
                out.push_str(&format!(
                    "| {class} | {} | {} | {} |\n",
                    output::cell(&e.place),
                    output::cell(&e.message),
                    e.line
                ));
            }
        }
        out
    }

    /// One line per change: annotations inside GitHub Actions, `file:line:` text elsewhere.
    pub fn console_lines(&self, annotations: bool) -> Vec<String> {
        let mut out = Vec::new();
        for g in &self.groups {
            for e in &g.changes {
                let place = if e.place.is_empty() {
                    String::new()
                } else {
                    format!(" {}", e.place)
                };
                let text = format!("{}{place}: {} [{}]", g.operation, e.message, e.rule);
                let level = match e.class {
                    Class::Breaking => "error",
                    Class::Unclassified => "warning",
                    Class::NonBreaking => "notice",
                };
                if annotations && e.class != Class::NonBreaking {
                    let title = format!("{} spec change", e.class.label());
                    out.push(output::annotation(level, SPEC_PATH, e.line, &title, &text));
                } else {
                    out.push(format!("{SPEC_PATH}:{}: {}: {text}", e.line, e.class.label()));
                }
            }
        }
        out.push(self.verdict());
        out
    }
}
