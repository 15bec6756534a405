//! `cargo xtask bench`: lpctl against a curl script and a Python stdlib client, build costs,
//! spec tooling and stand-in throughput, measured in one run and written to BENCHMARKS.md.

mod build;
mod load;
mod process;
mod stats;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use clap::Args;
use launchplane_testkit::{StandIn, StandInConfig};

use crate::{build_lpctl_profile, workspace_root};
use process::{Cost, measure};
use stats::{Summary, millis, summarize};

#[derive(Args)]
pub struct BenchArgs {
    /// Measured runs of each command (after warm-up).
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Leave out the clean builds (they take minutes).
    #[arg(long)]
    skip_build: bool,
    /// Where to write the report.
    #[arg(long, default_value = "BENCHMARKS.md")]
    output: PathBuf,
}

const WARM_UP: usize = 3;

/// A client under test: its name and the command of its n-th run.
type Client<'a> = (&'static str, Box<dyn Fn(usize) -> Command + 'a>);

struct Series {
    name: &'static str,
    costs: Vec<Cost>,
}

impl Series {
    fn wall(&self) -> Summary {
        summarize(&millis(&self.costs.iter().map(|c| c.wall).collect::<Vec<_>>()))
    }

    fn rss_mib(&self) -> Summary {
        summarize(
            &self
                .costs
                .iter()
                .map(|c| c.max_rss_kib as f64 / 1024.0)
                .collect::<Vec<_>>(),
        )
    }
}

pub fn run(args: BenchArgs) -> u8 {
    match bench(&args) {
        Ok(report) => {
            print!("{report}");
            match std::fs::write(&args.output, &report) {
                Ok(()) => {
                    println!("\nwrote {}", args.output.display());
                    0
                }
                Err(e) => {
                    eprintln!("bench: cannot write {}: {e}", args.output.display());
                    1
                }
            }
        }
        Err(error) => {
            eprintln!("bench: {error}");
            1
        }
    }
}

fn bench(args: &BenchArgs) -> Result<String, String> {
    let runs = args.runs.max(20);
    let lpctl = build_lpctl_profile(true)?;
    let xtask = std::env::current_exe().map_err(|e| e.to_string())?;
    let stand_in = StandIn::spawn(StandInConfig::default());
    let env = stand_in.client_env();
    let root = workspace_root();

    let clients: [Client; 3] = [
        (
            "lpctl",
            Box::new(|n| {
                let mut c = Command::new(&lpctl);
                c.args([
                    "odoo",
                    "post-deploy",
                    "--product",
                    "opw",
                    "--context",
                    "opw",
                    "--instance",
                    "testing",
                ]);
                c.args(["--idempotency-key", &format!("bench-lpctl-{n}")]);
                c
            }),
        ),
        (
            "curl script",
            Box::new(|n| {
                let mut c = Command::new("bash");
                c.arg(root.join("benches/curl-client.sh"))
                    .arg(format!("bench-curl-{n}"));
                c
            }),
        ),
        (
            "python urllib client",
            Box::new(|n| {
                let mut c = Command::new("python3");
                c.arg(root.join("benches/python-client.py"))
                    .arg(format!("bench-python-{n}"));
                c
            }),
        ),
    ];
    let mut calls: Vec<Series> = clients
        .iter()
        .map(|(name, _)| Series {
            name,
            costs: Vec::new(),
        })
        .collect();
    for n in 0..WARM_UP + runs {
        for (index, (name, command)) in clients.iter().enumerate() {
            let mut command = command(n);
            command
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .envs(env.clone());
            let cost = measure(&mut command)?;
            if !cost.success {
                return Err(format!("{name} failed on run {n}"));
            }
            if n >= WARM_UP {
                calls[index].costs.push(cost);
            }
        }
    }

    let tools: [(&'static str, Vec<&str>); 3] = [
        ("spec check", vec!["spec", "check"]),
        ("spec diff --base HEAD", vec!["spec", "diff", "--base", "HEAD"]),
        (
            "spec drift (descriptor file)",
            vec!["spec", "drift", "--descriptors", "xtask/fixtures/drivers-371132b.json"],
        ),
    ];
    let mut tooling: Vec<Series> = tools
        .iter()
        .map(|(name, _)| Series {
            name,
            costs: Vec::new(),
        })
        .collect();
    for n in 0..WARM_UP + 20 {
        for (index, (_, tool_args)) in tools.iter().enumerate() {
            let cost = measure(Command::new(&xtask).args(tool_args).current_dir(&root))?;
            if n >= WARM_UP {
                tooling[index].costs.push(cost);
            }
        }
    }

    let throughput = load::run(&stand_in, 16, 4000)?;
    let binary_size = std::fs::metadata(&lpctl).map(|m| m.len()).map_err(|e| e.to_string())?;
    let builds = if args.skip_build { None } else { Some(build::measure()?) };
    Ok(report(
        runs,
        &calls,
        &tooling,
        &throughput,
        binary_size,
        builds.as_ref(),
    ))
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "MISS" }
}

fn report(
    runs: usize,
    calls: &[Series],
    tooling: &[Series],
    throughput: &load::Throughput,
    binary_size: u64,
    builds: Option<&build::BuildCosts>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n\n{}\n", machine());
    let _ = writeln!(
        out,
        "Regenerate with `cargo xtask bench` (all sections; `--skip-build` leaves out the clean builds). \
         Everything runs on loopback against the embedded stand-in and its fake GitHub OIDC token endpoint; \
         `lpctl` is the release build.\n"
    );
    let _ = writeln!(out, "## One tenant call end to end\n");
    let _ = writeln!(
        out,
        "`lpctl odoo post-deploy --product opw --context opw --instance testing` (token request + authenticated \
         POST + answer read + exit) against `benches/curl-client.sh` and `benches/python-client.py`, which make \
         the same two requests. {WARM_UP} warm-up runs, then {runs} measured runs each, interleaved; every run \
         is a new write (its own Idempotency-Key).\n"
    );
    let _ = writeln!(
        out,
        "| client | min ms | median ms | max ms | peak RSS MiB (median) |\n|---|---|---|---|---|"
    );
    for series in calls {
        let (w, m) = (series.wall(), series.rss_mib());
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            series.name, w.min, w.median, w.max, m.median
        );
    }
    let (lpctl, curl, python) = (calls[0].wall().median, calls[1].wall().median, calls[2].wall().median);
    let rss = calls[0].rss_mib().max;
    let _ = writeln!(out, "\n## Spec tooling (warm, {} runs each)\n", tooling[0].costs.len());
    let _ = writeln!(out, "| command | min ms | median ms | max ms |\n|---|---|---|---|");
    for series in tooling {
        let w = series.wall();
        let _ = writeln!(
            out,
            "| `cargo xtask {}` | {:.1} | {:.1} | {:.1} |",
            series.name, w.min, w.median, w.max
        );
    }
    let (check, diff) = (tooling[0].wall().median, tooling[1].wall().median);
    let _ = writeln!(out, "\n## Stand-in throughput\n");
    let _ = writeln!(
        out,
        "{} validated odoo post-deploy writes from {} concurrent clients: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, \
         {} answers other than 202.",
        throughput.requests,
        throughput.clients,
        throughput.requests as f64 / throughput.elapsed.as_secs_f64(),
        throughput.p50_ms,
        throughput.p99_ms,
        throughput.non_202
    );
    let _ = writeln!(out, "\n## Build\n");
    let mib = binary_size as f64 / (1024.0 * 1024.0);
    match builds {
        Some(b) => {
            let _ = writeln!(
                out,
                "| what | value |\n|---|---|\n| clean debug build of `launchplane-client` | {:.1} s |\n\
                 | clean debug build of `lpctl` | {:.1} s |\n| `launchplane-client` rebuild after a one-line spec edit | {:.1} s |\n\
                 | generated code (`launchplane_v1.rs`) | {} lines |\n| stripped release `lpctl` | {:.1} MiB |",
                b.client_clean.as_secs_f64(),
                b.lpctl_clean.as_secs_f64(),
                b.client_after_spec_edit.as_secs_f64(),
                b.generated_lines,
                mib
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Clean builds skipped (`--skip-build`). Stripped release `lpctl`: {mib:.1} MiB."
            );
        }
    }
    let _ = writeln!(out, "\n## Targets\n\n| target | measured | |\n|---|---|---|");
    let mut target = |name: &str, measured: String, ok: bool| {
        let _ = writeln!(out, "| {name} | {measured} | {} |", pass(ok));
    };
    target(
        "lpctl median ≤ 1.0× curl script",
        format!("{:.2}×", lpctl / curl),
        lpctl <= curl,
    );
    target(
        "lpctl median ≤ 0.3× Python client",
        format!("{:.2}×", lpctl / python),
        lpctl <= 0.3 * python,
    );
    target(
        "lpctl peak RSS ≤ 20 MB",
        format!("{rss:.1} MiB (max of runs)"),
        rss * 1.048_576 <= 20.0,
    );
    if let Some(b) = builds {
        let edit = b.client_after_spec_edit.as_secs_f64();
        target("rebuild after a spec edit ≤ 20 s", format!("{edit:.1} s"), edit <= 20.0);
    }
    target(
        "stripped binary ≤ 10 MB",
        format!("{mib:.1} MiB"),
        mib * 1.048_576 <= 10.0,
    );
    target("spec check ≤ 200 ms", format!("{check:.0} ms"), check <= 200.0);
    target("spec diff ≤ 500 ms", format!("{diff:.0} ms"), diff <= 500.0);
    out
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_owned())
        })
        .and_then(|kib| kib.parse::<f64>().ok())
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let text = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    format!(
        "Measured {} on {cores} cores ({cpu}), {memory} memory, {}, {}, Python {}.",
        text("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        text("rustc", &["--version"]),
        text("curl", &["--version"]).lines().next().unwrap_or_default(),
        text("python3", &["-c", "import platform; print(platform.python_version())"]),
    )
}
