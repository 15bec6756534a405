//! The lpctl actions' installer (`.github/actions/lpctl/install.sh`) against a loopback server
//! playing GitHub releases: verified installs, refused archives, builds when there is no release.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The release target the fake `uname` of most cases (Linux x86_64) maps to.
const TARGET: &str = "x86_64-unknown-linux-musl";
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const COLD_INSTALL_GOAL: Duration = Duration::from_secs(5);

/// Files under a directory served at their relative paths over HTTP/1.1; anything else is 404.
struct Releases {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Releases {
    fn serve(root: PathBuf) -> Releases {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                seen.lock().unwrap().push(path.clone());
                let file = (!path.contains(".."))
                    .then(|| fs::read(root.join(path.trim_start_matches('/'))).ok())
                    .flatten();
                let (status, body) = match file {
                    Some(body) => ("200 OK", body),
                    None => ("404 Not Found", b"Not Found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
            }
        });
        Releases { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// The workspace's debug lpctl packed as a release archive (`lpctl` at its top level), once.
fn archive() -> &'static (Vec<u8>, String) {
    static ARCHIVE: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    ARCHIVE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("lpctl-install-archive-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::copy(contract_tests::lpctl(), dir.join("lpctl")).unwrap();
        let status = Command::new("tar")
            .args(["-czf", "lpctl.tar.gz", "lpctl"])
            .current_dir(&dir)
            .status()
            .expect("run tar");
        assert!(status.success(), "packing the archive failed");
        let bytes = fs::read(dir.join("lpctl.tar.gz")).unwrap();
        let _ = fs::remove_dir_all(&dir);
        let sha = hex::encode(Sha256::digest(&bytes));
        (bytes, sha)
    })
}

fn archive_name(tag: &str, target: &str) -> String {
    format!("lpctl-{tag}-{target}.tar.gz")
}

/// How one run of the installer ended.
struct Outcome {
    code: i32,
    output: String,
    outputs: BTreeMap<String, String>,
    elapsed: Duration,
}

/// A copy of the action directory (the real install.sh, its own checksums/), a release
/// server root, a fake `uname` and an empty install dir, all under one temp dir.
struct Fixture {
    dir: PathBuf,
    action: PathBuf,
    www: PathBuf,
    bin: PathBuf,
    install_dir: PathBuf,
    runs: std::cell::Cell<u32>,
}

impl Fixture {
    fn new(name: &str, os: &str, arch: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("lpctl-install-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (action, www, bin) = (dir.join("action"), dir.join("www"), dir.join("bin"));
        for d in [action.join("checksums"), www.clone(), bin.clone(), dir.join("home")] {
            fs::create_dir_all(d).unwrap();
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.github/actions/lpctl/install.sh");
        fs::copy(script, action.join("install.sh")).unwrap();
        executable(
            &bin.join("uname"),
            &format!("#!/bin/sh\ncase \"$1\" in -s) echo {os} ;; -m) echo {arch} ;; *) echo {os} ;; esac\n"),
        );
        let install_dir = dir.join("install");
        Fixture {
            dir,
            action,
            www,
            bin,
            install_dir,
            runs: std::cell::Cell::new(0),
        }
    }

    fn commit_sums(&self, tag: &str, text: &str) {
        fs::write(self.action.join("checksums").join(format!("{tag}.sha256")), text).unwrap();
    }

    fn publish(&self, tag: &str, name: &str, bytes: &[u8]) {
        fs::create_dir_all(self.www.join(tag)).unwrap();
        fs::write(self.www.join(tag).join(name), bytes).unwrap();
    }

    /// A good archive for `tag` on the server, its SHA-256 committed with the action.
    fn release(&self, tag: &str) {
        let (bytes, sha) = archive();
        self.publish(tag, &archive_name(tag, TARGET), bytes);
        self.commit_sums(tag, &format!("{sha}  {}\n", archive_name(tag, TARGET)));
    }

    /// `install.sh <step>` with only PATH (fake tools first), HOME and the given variables.
    fn run(&self, step: &str, env: &[(&str, &str)]) -> Outcome {
        self.runs.set(self.runs.get() + 1);
        let github_output = self.dir.join(format!("github-output-{}", self.runs.get()));
        fs::write(&github_output, "").unwrap();
        let path = format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap());
        let started = Instant::now();
        let out = Command::new("bash")
            .arg(self.action.join("install.sh"))
            .arg(step)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.join("home"))
            .env("GITHUB_OUTPUT", &github_output)
            .env("LPCTL_INSTALL_DIR", &self.install_dir)
            .envs(env.iter().copied())
            .output()
            .expect("run install.sh");
        let elapsed = started.elapsed();
        let outputs = fs::read_to_string(&github_output)
            .unwrap()
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Outcome {
            code: out.status.code().unwrap_or(-1),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            outputs,
            elapsed,
        }
    }

    /// `install.sh install` with the plan's outputs as the actions pass them (action.yml).
    fn install_planned(&self, plan: &Outcome, env: &[(&str, &str)]) -> Outcome {
        let planned = |name: &str| plan.outputs.get(name).cloned().unwrap_or_default();
        let vars = [
            ("LPCTL_SOURCE", planned("source")),
            ("LPCTL_TAG", planned("tag")),
            ("LPCTL_TARGET", planned("target")),
            ("LPCTL_REPOSITORY", planned("repository")),
            ("LPCTL_COMMIT", planned("commit")),
            ("LPCTL_CRATE_PATH", planned("path")),
        ];
        let mut all: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.extend_from_slice(env);
        self.run("install", &all)
    }

    fn installed(&self) -> PathBuf {
        self.install_dir.join("lpctl")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn executable(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn version_of(binary: &Path) -> String {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .expect("run lpctl --version");
    assert!(out.status.success(), "{} --version failed", binary.display());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_newest_committed_release_installs_verified_and_runs_within_seconds() {
    let fixture = Fixture::new("good", "Linux", "x86_64");
    let releases = Releases::serve(fixture.www.clone());
    // v10.0.0 is the newest: versions compare as numbers, not as text.
    for tag in ["v2.0.0", "v9.10.0", "v10.0.0"] {
        fixture.release(tag);
    }
    let env = [
        ("LPCTL_ACTION_REPOSITORY", "owner/launchplane-contracts"),
        ("LPCTL_ACTION_REF", COMMIT),
        ("LPCTL_RELEASES_URL", releases.url.as_str()),
        ("ImageOS", "ubuntu24"),
        ("ImageVersion", "20261123.1"),
    ];

    let plan = fixture.run("plan", &env);
    assert_eq!(plan.code, 0, "{}", plan.output);
    assert_eq!(plan.outputs["source"], "release");
    assert_eq!(plan.outputs["tag"], "v10.0.0");
    assert_eq!(plan.outputs["target"], TARGET);
    assert_eq!(plan.outputs["key"], "lpctl-ubuntu24-20261123.1-x86_64-release-v10.0.0");

    assert!(!fixture.installed().exists());
    let install = fixture.install_planned(&plan, &env);
    assert_eq!(install.code, 0, "{}", install.output);
    assert_eq!(
        releases.requests(),
        [format!("/v10.0.0/{}", archive_name("v10.0.0", TARGET))]
    );
    let installed = version_of(&fixture.installed());
    assert_eq!(installed, version_of(contract_tests::lpctl()));
    assert!(install.output.contains(installed.trim()), "{}", install.output);
    assert!(
        install.elapsed <= COLD_INSTALL_GOAL,
        "a cold install took {:?} (goal {COLD_INSTALL_GOAL:?})",
        install.elapsed
    );
}

#[test]
fn an_action_called_at_a_release_tag_installs_that_release_not_the_newest() {
    let fixture = Fixture::new("tag", "Linux", "x86_64");
    let releases = Releases::serve(fixture.www.clone());
    fixture.release("v1.2.2");
    fixture.release("v1.2.3");
    let env = [
        ("LPCTL_ACTION_REPOSITORY", "owner/launchplane-contracts"),
        ("LPCTL_ACTION_REF", "v1.2.2"),
        ("LPCTL_RELEASES_URL", releases.url.as_str()),
    ];
    let plan = fixture.run("plan", &env);
    assert_eq!(plan.code, 0, "{}", plan.output);
    assert_eq!(
        (plan.outputs["source"].as_str(), plan.outputs["tag"].as_str()),
        ("release", "v1.2.2")
    );
    let install = fixture.install_planned(&plan, &env);
    assert_eq!(install.code, 0, "{}", install.output);
    assert_eq!(
        releases.requests(),
        [format!("/v1.2.2/{}", archive_name("v1.2.2", TARGET))]
    );
}

#[test]
fn a_tampered_archive_is_refused_and_nothing_is_installed() {
    let fixture = Fixture::new("tampered", "Linux", "x86_64");
    let releases = Releases::serve(fixture.www.clone());
    fixture.release("v1.2.3");
    // The release's own sums agree with the replaced archive; only the committed ones count.
    let mut tampered = archive().0.clone();
    tampered.extend_from_slice(b"appended");
    let name = archive_name("v1.2.3", TARGET);
    fixture.publish("v1.2.3", &name, &tampered);
    fixture.publish(
        "v1.2.3",
        "SHA256SUMS",
        format!("{}  {name}\n", hex::encode(Sha256::digest(&tampered))).as_bytes(),
    );
    let env = [
        ("LPCTL_VERSION", "1.2.3"),
        ("LPCTL_ACTION_REPOSITORY", "owner/launchplane-contracts"),
        ("LPCTL_RELEASES_URL", releases.url.as_str()),
    ];

    let plan = fixture.run("plan", &env);
    assert_eq!(plan.code, 0, "{}", plan.output);
    assert_eq!(plan.outputs["tag"], "v1.2.3");
    let install = fixture.install_planned(&plan, &env);
    assert_eq!(install.code, 2, "{}", install.output);
    assert!(
        install
            .output
            .contains("::error title=lpctl install::checksum mismatch for ")
            && install.output.contains(&archive().1)
            && install.output.contains("nothing was installed"),
        "{}",
        install.output
    );
    assert!(!fixture.installed().exists(), "a tampered lpctl was installed");
}

#[test]
fn a_missing_asset_is_refused() {
    let fixture = Fixture::new("missing", "Linux", "x86_64");
    let releases = Releases::serve(fixture.www.clone());
    let (_, sha) = archive();
    fixture.commit_sums("v1.2.3", &format!("{sha}  {}\n", archive_name("v1.2.3", TARGET)));
    let env = [
        ("LPCTL_VERSION", "v1.2.3"),
        ("LPCTL_ACTION_REPOSITORY", "owner/launchplane-contracts"),
        ("LPCTL_RELEASES_URL", releases.url.as_str()),
    ];

    let plan = fixture.run("plan", &env);
    assert_eq!(plan.code, 0, "{}", plan.output);
    let install = fixture.install_planned(&plan, &env);
    assert_eq!(install.code, 2, "{}", install.output);
    let expected = format!(
        "lpctl v1.2.3 has no asset {} (HTTP 404 from ",
        archive_name("v1.2.3", TARGET)
    );
    assert!(install.output.contains(&expected), "{}", install.output);
    assert!(!fixture.installed().exists());
}

#[test]
fn a_platform_without_a_release_is_named_and_builds_only_by_default() {
    let fixture = Fixture::new("platform", "FreeBSD", "riscv64");
    let releases = Releases::serve(fixture.www.clone());
    fixture.release("v1.2.3");
    let base = [
        ("LPCTL_ACTION_REPOSITORY", "owner/launchplane-contracts"),
        ("LPCTL_ACTION_REF", COMMIT),
        ("LPCTL_RELEASES_URL", releases.url.as_str()),
    ];

    let mut asked = base.to_vec();
    asked.push(("LPCTL_VERSION", "v1.2.3"));
    let refused = fixture.run("plan", &asked);
    assert_eq!(refused.code, 2, "{}", refused.output);
    assert!(
        refused
            .output
            .contains("::error title=lpctl install::lpctl v1.2.3 has no release for FreeBSD riscv64"),
        "{}",
        refused.output
    );

    let default = fixture.run("plan", &base);
    assert_eq!(default.code, 0, "{}", default.output);
    assert!(
        default
            .output
            .contains("lpctl v1.2.3 has no release for FreeBSD riscv64")
            && default.output.contains("building from source"),
        "{}",
        default.output
    );
    assert_eq!(default.outputs["source"], "git");
    assert_eq!(default.outputs["commit"], COMMIT);
    assert!(releases.requests().is_empty());
}

#[test]
fn a_release_without_committed_sums_is_refused_before_any_download() {
    let fixture = Fixture::new("uncommitted", "Linux", "x86_64");
    let releases = Releases::serve(fixture.www.clone());
    // The release exists with its own sums file; they are not enough.
    let (bytes, sha) = archive();
    let name = archive_name("v1.2.4", TARGET);
    fixture.publish("v1.2.4", &name, bytes);
    fixture.publish("v1.2.4", "SHA256SUMS", format!("{sha}  {name}\n").as_bytes());
    let env = [
        ("LPCTL_VERSION", "1.2.4"),
        ("LPCTL_ACTION_REPOSITORY", "owner/launchplane-contracts"),
        ("LPCTL_RELEASES_URL", releases.url.as_str()),
    ];

    let plan = fixture.run("plan", &env);
    assert_eq!(plan.code, 2, "{}", plan.output);
    assert!(
        plan.output.contains(
            "::error title=lpctl install::no checksums for lpctl v1.2.4 are committed with this action (.github/actions/lpctl/checksums/v1.2.4.sha256)"
        ),
        "{}",
        plan.output
    );
    assert!(plan.outputs.is_empty());
    assert!(releases.requests().is_empty());
}

#[test]
fn releases_come_over_https_only_except_from_loopback() {
    let fixture = Fixture::new("https", "Linux", "x86_64");
    fixture.release("v1.2.3");
    let plan = fixture.run(
        "plan",
        &[
            ("LPCTL_VERSION", "v1.2.3"),
            ("LPCTL_ACTION_REPOSITORY", "owner/launchplane-contracts"),
            ("LPCTL_RELEASES_URL", "http://mirror.example.com/releases"),
        ],
    );
    assert_eq!(plan.code, 2, "{}", plan.output);
    assert!(
        plan.output
            .contains("LPCTL_RELEASES_URL must be https (http only for loopback): http://mirror.example.com/releases"),
        "{}",
        plan.output
    );
}

/// A `cargo` that records its arguments and "builds" lpctl by copying the debug binary;
/// `NO_FAST_PROFILE` makes it answer as a commit older than the install-fast profile does.
fn fake_cargo(fixture: &Fixture) -> PathBuf {
    let log = fixture.dir.join("cargo.log");
    executable(
        &fixture.bin.join("cargo"),
        &format!(
            r#"#!/bin/sh
echo "$*" >>'{log}'
case "$*" in *install-fast*) if [ -n "$NO_FAST_PROFILE" ]; then echo 'error: profile `install-fast` is not defined' >&2; exit 101; fi ;; esac
root=""
while [ $# -gt 0 ]; do [ "$1" = --root ] && root="$2"; shift; done
mkdir -p "$root/bin" && cp '{lpctl}' "$root/bin/lpctl"
"#,
            log = log.display(),
            lpctl = contract_tests::lpctl().display()
        ),
    );
    log
}

#[test]
fn a_commit_without_a_release_is_built_with_the_fast_profile() {
    let fixture = Fixture::new("build", "Linux", "x86_64");
    fixture.release("v1.2.3");
    let log = fake_cargo(&fixture);
    let env = [
        ("LPCTL_VERSION", COMMIT),
        ("LPCTL_ACTION_REPOSITORY", "owner/launchplane-contracts"),
        ("ImageOS", "ubuntu24"),
        ("ImageVersion", "20261123.1"),
    ];

    let plan = fixture.run("plan", &env);
    assert_eq!(plan.code, 0, "{}", plan.output);
    assert_eq!(plan.outputs["source"], "git");
    assert_eq!(
        plan.outputs["key"],
        format!("lpctl-ubuntu24-20261123.1-x86_64-git-owner-launchplane-contracts-{COMMIT}")
    );
    let install = fixture.install_planned(&plan, &env);
    assert_eq!(install.code, 0, "{}", install.output);
    let calls = fs::read_to_string(&log).unwrap();
    let call = calls.lines().next().unwrap();
    assert_eq!(calls.lines().count(), 1, "{calls}");
    assert!(call.starts_with("install --locked --root "), "{call}");
    assert!(
        call.ends_with(&format!(
            " --profile install-fast --git https://github.com/owner/launchplane-contracts --rev {COMMIT} lpctl"
        )),
        "{call}"
    );
    assert_eq!(version_of(&fixture.installed()), version_of(contract_tests::lpctl()));

    // A commit from before the profile existed builds with the release profile instead.
    fs::remove_file(fixture.installed()).unwrap();
    fs::remove_file(&log).unwrap();
    let mut older = env.to_vec();
    older.push(("NO_FAST_PROFILE", "1"));
    let install = fixture.install_planned(&plan, &older);
    assert_eq!(install.code, 0, "{}", install.output);
    let calls = fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(!calls[1].contains("--profile"), "{calls:?}");
    assert!(fixture.installed().exists());
}
