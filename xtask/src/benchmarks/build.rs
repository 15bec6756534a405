//! Build costs: clean builds, the rebuild after a one-line spec edit, generated code size.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::workspace_root;

pub struct BuildCosts {
    pub client_clean: Duration,
    pub lpctl_clean: Duration,
    pub client_after_spec_edit: Duration,
    pub generated_lines: usize,
}

fn cargo_build(target_dir: &Path, package: &str) -> Result<Duration, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--locked", "-p", package])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build -p {package} failed"));
    }
    Ok(started.elapsed())
}

/// Puts the spec back as it was, whatever happens while it is edited.
struct SpecRestore {
    path: PathBuf,
    original: Vec<u8>,
}

impl Drop for SpecRestore {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.path, &self.original);
    }
}

/// Clean debug builds in fresh target directories (crates already downloaded).
pub fn measure() -> Result<BuildCosts, String> {
    let scratch = std::env::temp_dir().join(format!("lp-bench-build-{}", std::process::id()));
    let client_dir = scratch.join("client");
    let lpctl_dir = scratch.join("lpctl");
    let client_clean = cargo_build(&client_dir, "launchplane-client")?;
    let lpctl_clean = cargo_build(&lpctl_dir, "lpctl")?;

    let spec = workspace_root().join("openapi/launchplane-v1.yaml");
    let original = std::fs::read(&spec).map_err(|e| e.to_string())?;
    let client_after_spec_edit = {
        let _restore = SpecRestore {
            path: spec.clone(),
            original: original.clone(),
        };
        let edited =
            String::from_utf8_lossy(&original).replacen("title: Launchplane v1", "title: Launchplane v1 (edited)", 1);
        std::fs::write(&spec, edited).map_err(|e| e.to_string())?;
        cargo_build(&lpctl_dir, "launchplane-client")?
    };
    // Back to the committed spec for whatever builds next.
    cargo_build(&lpctl_dir, "launchplane-client")?;
    let generated_lines = generated_code(&lpctl_dir)
        .and_then(|path| std::fs::read_to_string(path).ok())
        .map(|code| code.lines().count())
        .unwrap_or(0);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(BuildCosts {
        client_clean,
        lpctl_clean,
        client_after_spec_edit,
        generated_lines,
    })
}

fn generated_code(target_dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(target_dir.join("debug/build"))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("out/launchplane_v1.rs"))
        .filter(|p| p.exists())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
}
