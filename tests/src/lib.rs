//! Shared harness of the contract tests: runs the real `lpctl` binary against a stand-in
//! and reads back what it printed and what the stand-in saw.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use launchplane_testkit::StandIn;
use serde_json::Value;

/// The `lpctl` binary of this workspace, built once per test run.
///
/// `CARGO_BIN_EXE_lpctl` exists only for the lpctl package's own integration tests (those
/// live in `crates/lpctl/tests`); these tests run from another package, so the binary is
/// built here and found next to this test executable: `<target>/<profile>/deps/<test>` has
/// it at `<target>/<profile>/lpctl`, whatever the target directory or profile.
pub fn lpctl() -> &'static PathBuf {
    static LPCTL: OnceLock<PathBuf> = OnceLock::new();
    LPCTL.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let test_exe = std::env::current_exe().expect("the test executable's path");
        let profile_dir = test_exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("the test executable lives in <target>/<profile>/deps")
            .to_path_buf();
        let target_dir = profile_dir
            .ancestors()
            .find(|dir| dir.join("CACHEDIR.TAG").exists())
            .map(PathBuf::from);
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        // The whole workspace with its test targets resolves dependency features as
        // `cargo test --workspace` does, so only the lpctl binary itself is left to build.
        build
            .args(["build", "--quiet", "--workspace", "--all-targets"])
            .current_dir(&root);
        if let Some(target_dir) = &target_dir {
            build.env("CARGO_TARGET_DIR", target_dir);
        }
        // `target/debug` is the `dev` profile; every other profile has a directory of its name.
        if let Some(profile) = profile_dir
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| *n != "debug")
        {
            build.args(["--profile", profile]);
        }
        let status = build.status().expect("run cargo build");
        assert!(status.success(), "building the workspace (for the lpctl binary) failed");
        let binary = profile_dir.join(format!("lpctl{}", std::env::consts::EXE_SUFFIX));
        assert!(binary.exists(), "no lpctl at {}", binary.display());
        binary
    })
}

/// What one lpctl run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|_| panic!("stdout is not JSON:\n{}\n{}", self.stdout, self.stderr))
    }

    /// Everything the process printed.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// lpctl with a clean environment: PATH, the stand-in's connection settings, then `env`.
pub fn run_lpctl(stand_in: &StandIn, args: &[&str], env: &[(&str, &str)]) -> Run {
    Command::new(lpctl())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(stand_in.client_env())
        .envs(env.iter().copied())
        .output()
        .expect("run lpctl")
        .into()
}

/// lpctl with only PATH and `env`: for configuration failures.
pub fn run_lpctl_bare(args: &[&str], env: &[(&str, &str)]) -> Run {
    Command::new(lpctl())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("run lpctl")
        .into()
}
