//! The targets the numbers are held to, each PASS or MISS.

use super::builds::BuildCosts;
use super::calls::{CURL, LPCTL, PYTHON, VERSION};
use super::runs::Series;
use super::tooling::{CHECK, DIFF};

pub struct Target {
    pub what: &'static str,
    pub measured: String,
    pub met: bool,
}

pub fn find<'a>(series: &'a [Series], name: &str) -> &'a Series {
    series
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no series {name}"))
}

pub fn evaluate(
    calls: &[Series],
    tooling: &[Series],
    demo: &Series,
    builds: Option<&BuildCosts>,
    binary_bytes: u64,
) -> Vec<Target> {
    let lpctl = find(calls, LPCTL).wall_ms().median;
    let curl = find(calls, CURL).wall_ms().median;
    let python = find(calls, PYTHON).wall_ms().median;
    let lpctl_cpu = find(calls, LPCTL).cpu_ms().median;
    let curl_cpu = find(calls, CURL).cpu_ms().median;
    let version_cpu = find(calls, VERSION).cpu_ms().median;
    let demo_s = demo.wall_ms().median / 1e3;
    let rss = find(calls, LPCTL).rss_mb().max;
    let check = find(tooling, CHECK).wall_ms().median;
    let diff = find(tooling, DIFF).wall_ms().median;
    let binary_mb = binary_bytes as f64 / 1e6;
    let mut targets = vec![
        Target {
            what: "lpctl median ≤ 1.0× curl script",
            measured: format!("{:.2}× ({lpctl:.1} ms vs {curl:.1} ms)", lpctl / curl),
            met: lpctl <= curl,
        },
        Target {
            what: "lpctl median CPU ≤ 0.35× curl script",
            measured: format!("{:.2}× ({lpctl_cpu:.1} ms vs {curl_cpu:.1} ms)", lpctl_cpu / curl_cpu),
            met: lpctl_cpu <= 0.35 * curl_cpu,
        },
        Target {
            what: "lpctl --version median CPU ≤ 2 ms",
            measured: format!("{version_cpu:.2} ms"),
            met: version_cpu <= 2.0,
        },
        Target {
            what: "lpctl median ≤ 0.3× Python client",
            measured: format!("{:.2}× ({lpctl:.1} ms vs {python:.1} ms)", lpctl / python),
            met: lpctl <= 0.3 * python,
        },
        Target {
            what: "lpctl peak RSS ≤ 20 MB",
            measured: format!("{rss:.1} MB (largest of all runs)"),
            met: rss <= 20.0,
        },
    ];
    if let Some(builds) = builds {
        let rebuild = builds.client_after_spec_edit.as_secs_f64();
        targets.push(Target {
            what: "rebuild after a spec edit ≤ 20 s",
            measured: format!("{rebuild:.1} s"),
            met: rebuild <= 20.0,
        });
    }
    targets.extend([
        Target {
            what: "stripped release lpctl ≤ 10 MB",
            measured: format!("{binary_mb:.2} MB"),
            met: binary_mb <= 10.0,
        },
        Target {
            what: "spec check ≤ 200 ms",
            measured: format!("{check:.0} ms"),
            met: check <= 200.0,
        },
        Target {
            what: "spec diff ≤ 500 ms",
            measured: format!("{diff:.0} ms"),
            met: diff <= 500.0,
        },
        Target {
            what: "demo median ≤ 8 s warm",
            measured: format!("{demo_s:.1} s"),
            met: demo_s <= 8.0,
        },
    ]);
    targets
}
