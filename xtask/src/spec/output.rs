//! Where reports go: a markdown file, the GitHub job summary, annotations.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Whether the process runs inside GitHub Actions (annotations are understood there).
pub fn in_github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Writes the markdown report to `--markdown <file>` and appends it to `$GITHUB_STEP_SUMMARY`.
pub fn publish_markdown(file: Option<&Path>, markdown: &str) -> Result<(), String> {
    if let Some(file) = file {
        fs::write(file, markdown).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .map_err(|e| format!("cannot open $GITHUB_STEP_SUMMARY: {e}"))?;
        writeln!(f, "{markdown}").map_err(|e| format!("cannot write $GITHUB_STEP_SUMMARY: {e}"))?;
    }
    Ok(())
}

/// A GitHub workflow command (`::error file=…,line=…::message`), escaped.
pub fn annotation(level: &str, file: &str, line: usize, title: &str, message: &str) -> String {
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    format!(
        "::{level} file={},line={line},title={}::{}",
        prop(file),
        prop(title),
        data(message)
    )
}

/// Escapes a table cell.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
