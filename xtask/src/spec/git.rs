//! The git lookups `spec diff` needs: a merge base and a file at a revision.

use std::path::Path;
use std::process::Command;

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .current_dir(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// `git merge-base HEAD origin/main`, with a message that says how to fix a shallow clone
/// or a missing remote.
pub fn default_base(root: &Path) -> Result<String, String> {
    match git(root, &["merge-base", "HEAD", "origin/main"]) {
        Ok(sha) => Ok(sha.trim().to_string()),
        Err(e) => {
            let shallow = git(root, &["rev-parse", "--is-shallow-repository"]).is_ok_and(|s| s.trim() == "true");
            let has_remote = git(root, &["rev-parse", "--verify", "--quiet", "origin/main"]).is_ok();
            let (why, fetch) = if shallow {
                (
                    "the clone is shallow".to_string(),
                    "`git fetch --unshallow origin` (or `fetch-depth: 0` on actions/checkout)",
                )
            } else if !has_remote {
                ("there is no origin/main".to_string(), "`git fetch origin main`")
            } else {
                (e, "`git fetch origin main`")
            };
            Err(format!(
                "cannot find the merge base of HEAD and origin/main: {why}. Fetch the history with {fetch}, \
                 or pass `--base <git-ref>`."
            ))
        }
    }
}

/// The content of `path` at `reference`; `None` when the file does not exist there.
pub fn show_file(root: &Path, reference: &str, path: &str) -> Result<Option<String>, String> {
    git(
        root,
        &["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")],
    )
    .map_err(|_| format!("`{reference}` is not a commit here; fetch it or pass another `--base`"))?;
    match git(root, &["show", &format!("{reference}:{path}")]) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.contains("does not exist in") || e.contains("exists on disk, but not in") => Ok(None),
        Err(e) => Err(e),
    }
}
