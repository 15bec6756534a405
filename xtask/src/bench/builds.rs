//! Build costs: clean debug builds in fresh target directories, the rebuild of the client
//! after a one-line spec edit, and the size of the generated code.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::signals::Deferred;
use super::spec_edit::{SpecEdit, edit_a_description};
use crate::spec::SPEC_PATH;

pub struct BuildCosts {
    pub client_clean: Duration,
    pub lpctl_clean: Duration,
    pub client_after_spec_edit: Duration,
    /// The line of the spec the edit changed (1-based).
    pub edited_line: usize,
    pub generated_lines: usize,
    /// The commands run, in order, as the report shows them.
    pub commands: Vec<String>,
}

struct Builder<'a> {
    root: &'a Path,
    commands: Vec<String>,
}

impl Builder<'_> {
    /// `cargo build -p <package>` (debug) into `target_dir`; crates come from the local cache.
    fn build(&mut self, target_dir: &Path, package: &str) -> Result<Duration, String> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let args = ["build", "--offline", "--locked", "--quiet", "-p", package];
        self.commands.push(format!(
            "CARGO_TARGET_DIR={} cargo {}",
            target_dir.display(),
            args.join(" ")
        ));
        let started = Instant::now();
        let status = Command::new(cargo)
            .args(args)
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(self.root)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let elapsed = started.elapsed();
        if !status.success() {
            return Err(format!("cargo build -p {package} into {} failed", target_dir.display()));
        }
        Ok(elapsed)
    }
}

/// Builds in `scratch` (two fresh target directories, removed afterwards).
pub fn measure(root: &Path, scratch: &Path) -> Result<BuildCosts, String> {
    let client_dir = scratch.join("target-client");
    let lpctl_dir = scratch.join("target-lpctl");
    let signals = Deferred::install();
    let mut builder = Builder {
        root,
        commands: Vec::new(),
    };
    let costs = (|| {
        for dir in [&client_dir, &lpctl_dir] {
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
            }
        }
        let client_clean = builder.build(&client_dir, "launchplane-client")?;
        signals.check()?;
        let generated_lines = generated_code(&client_dir)
            .and_then(|path| std::fs::read_to_string(path).ok())
            .map(|code| code.lines().count())
            .ok_or("no launchplane_v1.rs in the build's OUT_DIR")?;

        // In the directory that built `-p launchplane-client` with the same feature set, so
        // the spec edit is the only change (a `-p lpctl` build unifies other features, e.g.
        // `bitflags/std`, which would recompile reqwest as well).
        let spec = root.join(SPEC_PATH);
        // The copy of the original stays outside `scratch` (removed on the way out) until
        // the restore succeeded.
        let backup = std::env::temp_dir().join(format!("launchplane-v1.yaml.{}.orig", std::process::id()));
        let edit = SpecEdit::apply(&spec, &backup, edit_a_description)?;
        let edited_line = edit.line();
        let rebuilt = builder.build(&client_dir, "launchplane-client");
        drop(edit);
        signals.check()?;
        let client_after_spec_edit = rebuilt?;

        let lpctl_clean = builder.build(&lpctl_dir, "lpctl")?;
        signals.check()?;
        Ok(BuildCosts {
            client_clean,
            lpctl_clean,
            client_after_spec_edit,
            edited_line,
            generated_lines,
            commands: Vec::new(),
        })
    })();
    for dir in [&client_dir, &lpctl_dir] {
        let _ = std::fs::remove_dir_all(dir);
    }
    costs.map(|costs| BuildCosts {
        commands: builder.commands,
        ..costs
    })
}

fn generated_code(target_dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(target_dir.join("debug/build"))
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("launchplane-client-"))
        .map(|e| e.path().join("out/launchplane_v1.rs"))
        .find(|p| p.is_file())
}
