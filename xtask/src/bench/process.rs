//! One run of a command through `bench-spawn` (see `src/bin/bench-spawn.rs`): its wall time
//! CPU time and peak memory as `wait4` reports them.

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{target_dir, workspace_root};

/// A command to measure.
pub struct Run {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub dir: PathBuf,
    /// The whole environment of the command; `None` inherits xtask's.
    pub env: Option<Vec<(OsString, OsString)>>,
}

/// What one run cost.
#[derive(Debug, Clone)]
pub struct Cost {
    pub wall: Duration,
    /// The largest resident set of the command or of any descendant it waited for, in KiB:
    /// for a script, its biggest process.
    pub max_rss_kib: u64,
    /// The exit code, or minus the signal that ended the command.
    pub status: i32,
    /// User plus system time of the command and the descendants it waited for.
    pub cpu: Duration,
}

/// Builds `bench-spawn` (debug) and returns its path.
pub fn build_spawner() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", "xtask", "--bin", "bench-spawn"])
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build --bin bench-spawn failed".into());
    }
    Ok(target_dir().join("debug/bench-spawn"))
}

/// Runs `run` through `spawner` (stdin and stdout null, stderr into `stderr_file`).
pub fn measure(spawner: &Path, run: &Run, stderr_file: &Path) -> Result<Cost, String> {
    let stderr = File::create(stderr_file).map_err(|e| format!("cannot create {}: {e}", stderr_file.display()))?;
    let mut command = Command::new(spawner);
    command
        .arg(&run.program)
        .args(&run.args)
        .current_dir(&run.dir)
        .stdin(Stdio::null())
        .stderr(stderr);
    if let Some(env) = &run.env {
        command.env_clear().envs(env.iter().map(|(k, v)| (k, v)));
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", spawner.display()))?;
    let line = String::from_utf8_lossy(&output.stdout);
    parse(&line).filter(|_| output.status.success()).ok_or_else(|| {
        format!(
            "bench-spawn could not measure {}: {}",
            run.program.display(),
            std::fs::read_to_string(stderr_file).unwrap_or_default().trim()
        )
    })
}

/// `<wall ns> <max RSS KiB> <status> <CPU ns>`, as `bench-spawn` prints it.
fn parse(line: &str) -> Option<Cost> {
    let mut fields = line.split_whitespace();
    let wall = Duration::from_nanos(fields.next()?.parse().ok()?);
    let max_rss_kib = fields.next()?.parse().ok()?;
    let status = fields.next()?.parse().ok()?;
    let cpu = Duration::from_nanos(fields.next()?.parse().ok()?);
    fields.next().is_none().then_some(Cost {
        wall,
        max_rss_kib,
        status,
        cpu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_bench_spawn_prints() {
        let cost = parse("1500000 2048 -9 700000\n").unwrap();
        assert_eq!(
            (cost.wall, cost.max_rss_kib, cost.status, cost.cpu),
            (Duration::from_micros(1500), 2048, -9, Duration::from_micros(700))
        );
        assert!(parse("1 2 3").is_none());
        assert!(parse("1 2 3 4 5").is_none());
    }
}
