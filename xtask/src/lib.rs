//! Library behind `cargo xtask`; the binary only parses arguments and dispatches here.

pub mod bench;
pub mod demo;
pub mod spec;

use std::path::PathBuf;
use std::process::Command;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the `lpctl` binary (debug, or release with `release`) and returns its path.
pub fn build_lpctl_profile(release: bool) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "-p", "lpctl"])
        .current_dir(workspace_root());
    if release {
        command.arg("--release");
    }
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build -p lpctl failed".into());
    }
    Ok(target_dir()
        .join(if release { "release" } else { "debug" })
        .join("lpctl"))
}

/// Where cargo builds this workspace: `CARGO_TARGET_DIR`, else `target/` at the root.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Builds the debug `lpctl` binary and returns its path.
pub fn build_lpctl() -> Result<PathBuf, String> {
    build_lpctl_profile(false)
}
