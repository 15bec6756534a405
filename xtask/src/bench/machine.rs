//! What the numbers were measured on: machine, toolchain, interpreters, tree state, load.

use std::path::Path;
use std::process::Command;

pub struct Machine {
    pub date: String,
    pub cores: usize,
    pub cpu: String,
    pub memory_gib: f64,
    pub kernel: String,
    pub rustc: String,
    pub curl: String,
    pub python: String,
    /// `git describe`-like: the commit, and whether the tree had uncommitted changes.
    pub tree: String,
}

impl Machine {
    pub fn describe(root: &Path, python: &Path) -> Machine {
        let cpu = read_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".into());
        let memory_gib = read_field("/proc/meminfo", "MemTotal")
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / (1024.0 * 1024.0));
        let commit = output("git", &["rev-parse", "--short", "HEAD"], root);
        let tree = match changed_files(root).as_slice() {
            [] => format!("commit {commit}, clean tree"),
            files => format!("commit {commit} with uncommitted changes to {}", files.join(", ")),
        };
        Machine {
            date: output("date", &["-u", "+%Y-%m-%d %H:%M UTC"], root),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            memory_gib,
            kernel: output("uname", &["-sr"], root),
            rustc: output("rustc", &["--version"], root),
            curl: output("curl", &["--version"], root)
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
            python: output(&python.to_string_lossy(), &["--version"], root),
            tree,
        }
    }
}

/// Files changed since HEAD (tracked or not), grouped by top-level directory. The report
/// itself is an output, not an input of the measurements.
fn changed_files(root: &Path) -> Vec<String> {
    let status = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(root)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut groups: Vec<(String, usize)> = Vec::new();
    for line in status.lines() {
        // `XY path` or `XY old -> new`.
        let path = line.get(3..).unwrap_or_default();
        let path = path.rsplit(" -> ").next().unwrap_or(path);
        if path == "BENCHMARKS.md" {
            continue;
        }
        let group = match path.split_once('/') {
            Some((dir, _)) => format!("{dir}/"),
            None => path.to_owned(),
        };
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, n)) => *n += 1,
            None => groups.push((group, 1)),
        }
    }
    groups
        .into_iter()
        .map(|(group, n)| {
            if group.ends_with('/') {
                format!("{group} ({n} files)")
            } else {
                group
            }
        })
        .collect()
}

/// The 1, 5 and 15 minute load averages and how many compilers ran besides this process.
pub fn load() -> String {
    let average = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let compilers = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter(|e| std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "rustc"))
        .count();
    format!("load average {average}, {compilers} rustc process(es) running")
}

fn read_field(file: &str, field: &str) -> Option<String> {
    std::fs::read_to_string(file)
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
}

fn output(program: &str, args: &[&str], dir: &Path) -> String {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
