//! Section 6: installing lpctl in a workflow. The lpctl actions' installer (`install.sh plan`,
//! then `install`) fetches the release lpctl, packed as a release archive, from a loopback
//! server into an empty directory each round; next to it, the clean builds it replaces.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::process::Run;
use super::runs::{Series, Subject, interleave};
use super::targets::Target;

const INSTALLER: &str = ".github/actions/lpctl/install.sh";
/// The release the rounds install: the only one whose sums the bench's action copy holds.
const TAG: &str = "v0.0.0";
const GOAL: Duration = Duration::from_secs(5);

pub struct InstallCosts {
    pub cold: Series,
    pub archive_bytes: u64,
    /// Clean `-p lpctl` builds in fresh target dirs, by profile; empty with `--skip-build`.
    pub builds: Vec<(&'static str, Duration)>,
    pub commands: Vec<String>,
}

/// One round: plan, install into the empty directory `$1`, as the actions' steps run them.
const ROUND: &str = r#"#!/usr/bin/env bash
set -euo pipefail
out="$(mktemp)"
GITHUB_OUTPUT="$out" bash "$INSTALLER" plan >/dev/null
value() { sed -n "s/^$1=//p" "$out"; }
LPCTL_SOURCE="$(value source)" LPCTL_TAG="$(value tag)" LPCTL_TARGET="$(value target)" \
  LPCTL_REPOSITORY="$(value repository)" LPCTL_INSTALL_DIR="$1" bash "$INSTALLER" install >/dev/null
rm -f "$out"
"#;

pub fn measure(
    spawner: &Path,
    lpctl: &Path,
    root: &Path,
    (warm_up, runs): (usize, usize),
    build: bool,
    scratch: &Path,
) -> Result<InstallCosts, String> {
    let dir = scratch.join("install");
    let action = dir.join("action");
    fs::create_dir_all(action.join("checksums")).map_err(|e| format!("cannot create {}: {e}", action.display()))?;
    let installer = action.join("install.sh");
    fs::copy(root.join(INSTALLER), &installer).map_err(|e| format!("cannot copy {INSTALLER}: {e}"))?;
    let round = dir.join("round.sh");
    fs::write(&round, ROUND).map_err(|e| format!("cannot write {}: {e}", round.display()))?;
    fs::set_permissions(&round, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;

    let www = dir.join("www");
    // `plan` names the target only for a release with committed sums: an empty file for now.
    let sums = action.join("checksums").join(format!("{TAG}.sha256"));
    fs::write(&sums, "").map_err(|e| e.to_string())?;
    let archive = pack(lpctl, &dir, &www)?;
    let archive_bytes = fs::metadata(&archive).map_err(|e| e.to_string())?.len();
    let name = archive.file_name().unwrap().to_string_lossy().into_owned();
    let sha = sha256(&archive)?;
    fs::write(&sums, format!("{sha}  {name}\n")).map_err(|e| e.to_string())?;
    let url = serve(www)?;

    let env = vec![
        ("PATH".into(), std::env::var_os("PATH").unwrap_or_default()),
        ("HOME".into(), dir.clone().into_os_string()),
        ("INSTALLER".into(), installer.into_os_string()),
        ("LPCTL_ACTION_REPOSITORY".into(), "bench/launchplane-contracts".into()),
        ("LPCTL_RELEASES_URL".into(), url.clone().into()),
    ];
    let subject = Subject {
        name: "install.sh plan + install",
        shown: format!("LPCTL_RELEASES_URL={url} {} <empty dir>", round.display()),
        run: Box::new(|n| Run {
            program: round.clone(),
            args: vec![dir.join(format!("bin-{n}")).into_os_string()],
            dir: dir.clone(),
            env: Some(env.clone()),
        }),
    };
    let cold = interleave(spawner, &[subject], warm_up, runs, scratch)?
        .pop()
        .ok_or("no install series")?;
    let mut commands = vec![cold.shown.clone()];
    let builds = if build {
        clean_builds(root, scratch, &mut commands)?
    } else {
        Vec::new()
    };
    Ok(InstallCosts {
        cold,
        archive_bytes,
        builds,
        commands,
    })
}

/// The archive for the target `install.sh plan` names on this machine, with `lpctl` on top.
fn pack(lpctl: &Path, dir: &Path, www: &Path) -> Result<PathBuf, String> {
    let out = Command::new("bash")
        .arg(dir.join("action/install.sh"))
        .arg("plan")
        .env("LPCTL_VERSION", TAG)
        .env("LPCTL_ACTION_REPOSITORY", "bench/launchplane-contracts")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .map_err(|e| format!("cannot run install.sh: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let target = stdout.lines().find_map(|l| l.strip_prefix("target=")).ok_or_else(|| {
        format!(
            "install.sh plans no release here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })?;
    let staging = dir.join("staging");
    let release_dir = www.join(TAG);
    for d in [&staging, &release_dir] {
        fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    fs::copy(lpctl, staging.join("lpctl")).map_err(|e| format!("cannot copy lpctl: {e}"))?;
    let archive = release_dir.join(format!("lpctl-{TAG}-{target}.tar.gz"));
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .args(["-C", &staging.to_string_lossy(), "lpctl"])
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    status.success().then_some(archive).ok_or_else(|| "tar failed".into())
}

fn sha256(path: &Path) -> Result<String, String> {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run sha256sum: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .next()
        .filter(|s| s.len() == 64)
        .map(str::to_owned)
        .ok_or_else(|| "sha256sum printed no digest".into())
}

/// Serves the files under `root` over HTTP/1.1 on loopback until xtask exits.
fn serve(root: PathBuf) -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot bind loopback: {e}"))?;
    let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().filter_map(Result::ok) {
            let Ok(clone) = stream.try_clone() else { continue };
            let mut reader = BufReader::new(clone);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let body = (!path.contains(".."))
                .then(|| fs::read(root.join(path.trim_start_matches('/'))).ok())
                .flatten();
            let (status, body) = body.map_or(("404 Not Found", Vec::new()), |b| ("200 OK", b));
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    Ok(url)
}

/// What a cache miss built before releases: `cargo install` with the release profile, and the
/// install-fast profile the actions now build a commit without a release with.
fn clean_builds(
    root: &Path,
    scratch: &Path,
    commands: &mut Vec<String>,
) -> Result<Vec<(&'static str, Duration)>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut builds = Vec::new();
    for profile in ["release", "install-fast"] {
        let target_dir = scratch.join(format!("target-{profile}"));
        let args = [
            "build",
            "--offline",
            "--locked",
            "--quiet",
            "--profile",
            profile,
            "-p",
            "lpctl",
        ];
        commands.push(format!(
            "CARGO_TARGET_DIR={} cargo {}",
            target_dir.display(),
            args.join(" ")
        ));
        let started = Instant::now();
        let status = Command::new(&cargo)
            .args(args)
            .env("CARGO_TARGET_DIR", &target_dir)
            .current_dir(root)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let elapsed = started.elapsed();
        let _ = fs::remove_dir_all(&target_dir);
        if !status.success() {
            return Err(format!("cargo build --profile {profile} -p lpctl failed"));
        }
        builds.push((profile, elapsed));
    }
    Ok(builds)
}

pub fn target(costs: &InstallCosts) -> Target {
    let median = costs.cold.wall_ms().median / 1e3;
    Target {
        what: "cold lpctl install from a release ≤ 5 s",
        measured: format!("{median:.2} s (median)"),
        met: median <= GOAL.as_secs_f64(),
    }
}

pub fn render(out: &mut String, c: &InstallCosts, warm_up: usize, runs: usize) {
    let w = c.cold.wall_ms();
    let _ = writeln!(
        out,
        "## 6. Installing lpctl in a workflow\n\n\
         What a cache miss of the lpctl actions costs. With a release: `install.sh plan`, then \
         `install` into an empty directory (the release `lpctl` above packed as a {:.2} MB \
         release archive, served from loopback; download, SHA-256 against the committed sums, \
         unpack, `lpctl --version`), {warm_up} warm-up rounds then {runs} measured. Without \
         one: a clean `cargo build -p lpctl` (fresh target dir, crates from the local cache; \
         `cargo install` adds the fetch).\n\n\
         | how | min s | median s | max s |\n|---|---|---|---|\n\
         | install a release (cold) | {:.2} | {:.2} | {:.2} |",
        c.archive_bytes as f64 / 1e6,
        w.min / 1e3,
        w.median / 1e3,
        w.max / 1e3
    );
    if c.builds.is_empty() {
        let _ = writeln!(out, "| clean builds | skipped (`--skip-build`) | | |");
    }
    for (profile, took) in &c.builds {
        let s = took.as_secs_f64();
        let _ = writeln!(
            out,
            "| build with the `{profile}` profile (one run) | {s:.1} | {s:.1} | {s:.1} |"
        );
    }
    let _ = writeln!(out, "\n```sh");
    for command in &c.commands {
        let _ = writeln!(out, "{command}");
    }
    let _ = writeln!(out, "```\n");
}
