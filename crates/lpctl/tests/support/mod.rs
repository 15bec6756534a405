//! Runs the lpctl binary Cargo built for these tests (`CARGO_BIN_EXE_lpctl`) with a clean
//! environment, and reads what it printed and wrote for GitHub Actions.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use launchplane_testkit::StandIn;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// lpctl with only PATH and `env`.
pub fn lpctl(args: &[&str], env: &[(&str, &str)]) -> Run {
    lpctl_with_stdin(args, env, None)
}

pub fn lpctl_with_stdin(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lpctl"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lpctl");
    if let Some(bytes) = stdin {
        use std::io::Write;
        // lpctl may refuse before reading it all; a broken pipe is then expected.
        let _ = child.stdin.take().unwrap().write_all(bytes);
    }
    let output = child.wait_with_output().expect("lpctl output");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The stand-in's connection settings as `(name, value)` pairs.
pub fn stand_in_env(stand_in: &StandIn) -> Vec<(&'static str, String)> {
    stand_in.client_env()
}

/// `env` pairs borrowed for `lpctl`.
pub fn pairs<'a>(owned: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    owned.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lpctl-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `$GITHUB_OUTPUT` read back the way the runner does.
pub fn outputs(path: &Path) -> Vec<(String, String)> {
    launchplane_testkit::parse_outputs(&std::fs::read_to_string(path).unwrap_or_default())
}

/// The value the runner would give `name`.
pub fn output<'o>(outputs: &'o [(String, String)], name: &str) -> Option<&'o str> {
    launchplane_testkit::output(outputs, name)
}

/// Lines of stderr the runner would take as workflow commands, `stop-commands` honoured.
pub fn commands(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stopped: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_start();
        if let Some(token) = &stopped {
            if line == format!("::{token}::") {
                stopped = None;
            }
            continue;
        }
        if let Some(token) = line.strip_prefix("::stop-commands::") {
            stopped = Some(token.to_owned());
            continue;
        }
        if line.starts_with("::") {
            found.push(line.to_owned());
        }
    }
    found
}
