//! One tenant call end to end (wall time, CPU time and peak memory): the release lpctl, the curl
//! script and the Python client, interleaved against the stand-in; plus lpctl's `--dry-run` and
//! `--version`.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use launchplane_testkit::StandIn;

use super::process::{Run, build_spawner};
use super::runs::{Series, Subject, interleave};

pub const LPCTL: &str = "lpctl";
pub const CURL: &str = "curl script";
pub const PYTHON: &str = "Python client";
pub const DRY_RUN: &str = "lpctl --dry-run";
pub const VERSION: &str = "lpctl --version";

const LPCTL_ARGS: [&str; 8] = [
    "odoo",
    "post-deploy",
    "--product",
    "opw",
    "--context",
    "opw",
    "--instance",
    "testing",
];

/// `bench-spawn` and the programs the clients run, resolved once so no launcher (e.g. a
/// pyenv shim) is timed.
pub struct Programs {
    pub spawner: PathBuf,
    pub lpctl: PathBuf,
    pub bash: PathBuf,
    pub python: PathBuf,
}

impl Programs {
    pub fn resolve(lpctl: PathBuf) -> Result<Programs, String> {
        let bash = on_path("bash").ok_or("bash is not on PATH")?;
        let output = Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .map_err(|e| format!("cannot run python3: {e}"))?;
        let python = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if !output.status.success() || !python.is_file() {
            return Err("python3 does not name its interpreter".into());
        }
        Ok(Programs {
            spawner: build_spawner()?,
            lpctl,
            bash,
            python,
        })
    }
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// `path` relative to the workspace root when it is inside it.
pub fn shown_path(path: &Path, root: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    path.strip_prefix(&root).unwrap_or(&path).display().to_string()
}

/// Runs the four subjects interleaved and checks that every post-deploy run was a new write.
pub fn measure(
    stand_in: &StandIn,
    programs: &Programs,
    root: &Path,
    warm_up: usize,
    runs: usize,
    scratch: &Path,
) -> Result<Vec<Series>, String> {
    let mut env: Vec<(OsString, OsString)> = vec![("PATH".into(), std::env::var_os("PATH").unwrap_or_default())];
    env.extend(stand_in.client_env().into_iter().map(|(k, v)| (k.into(), v.into())));
    let run = |program: &Path, args: Vec<String>| Run {
        program: program.to_owned(),
        args: args.into_iter().map(Into::into).collect(),
        dir: root.to_owned(),
        env: Some(env.clone()),
    };
    let lpctl_args = |key: String, extra: &[&str]| {
        let mut args: Vec<String> = LPCTL_ARGS.iter().map(|a| a.to_string()).collect();
        args.extend(["--idempotency-key".into(), key]);
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let lpctl = shown_path(&programs.lpctl, root);
    let subjects = [
        Subject {
            name: LPCTL,
            shown: format!("{lpctl} {} --idempotency-key bench-lpctl-<n>", LPCTL_ARGS.join(" ")),
            run: Box::new(|n| run(&programs.lpctl, lpctl_args(format!("bench-lpctl-{n}"), &[]))),
        },
        Subject {
            name: CURL,
            shown: format!("{} benches/curl-client.sh bench-curl-<n>", programs.bash.display()),
            run: Box::new(|n| {
                run(
                    &programs.bash,
                    vec!["benches/curl-client.sh".into(), format!("bench-curl-{n}")],
                )
            }),
        },
        Subject {
            name: PYTHON,
            shown: format!(
                "{} benches/python-client.py bench-python-<n>",
                programs.python.display()
            ),
            run: Box::new(|n| {
                run(
                    &programs.python,
                    vec!["benches/python-client.py".into(), format!("bench-python-{n}")],
                )
            }),
        },
        Subject {
            name: DRY_RUN,
            shown: format!(
                "{lpctl} {} --idempotency-key bench-dry-<n> --dry-run",
                LPCTL_ARGS.join(" ")
            ),
            run: Box::new(|n| run(&programs.lpctl, lpctl_args(format!("bench-dry-{n}"), &["--dry-run"]))),
        },
        Subject {
            name: VERSION,
            shown: format!("{lpctl} --version"),
            run: Box::new(|_| run(&programs.lpctl, vec!["--version".into()])),
        },
    ];
    let series = interleave(&programs.spawner, &subjects, warm_up, runs, scratch)?;
    check_writes(stand_in, warm_up + runs)?;
    Ok(series)
}

/// Each post-deploy run must have been executed once with its own key: no replays, no
/// dry run reaching the stand-in.
fn check_writes(stand_in: &StandIn, rounds: usize) -> Result<(), String> {
    let accepted = stand_in.accepted();
    let keys: Vec<&str> = accepted
        .iter()
        .filter(|a| a.operation_id == "odoo_post_deploy")
        .filter_map(|a| a.idempotency_key.as_deref())
        .collect();
    let distinct: HashSet<&str> = keys.iter().copied().collect();
    let expected = 3 * rounds;
    if keys.len() != expected || distinct.len() != expected || distinct.iter().any(|k| k.starts_with("bench-dry-")) {
        return Err(format!(
            "expected {expected} distinct executed post-deploy writes, the stand-in executed {} ({} distinct keys)",
            keys.len(),
            distinct.len()
        ));
    }
    Ok(())
}
