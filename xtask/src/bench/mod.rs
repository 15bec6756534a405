//! `cargo xtask bench`: lpctl against a curl script and a Python stdlib client, build costs,
//! spec tooling and stand-in throughput, measured in one run and written to BENCHMARKS.md.

mod builds;
mod calls;
mod install;
mod load;
mod machine;
mod process;
mod report;
mod runs;
mod signals;
mod spec_edit;
mod stats;
mod targets;
mod tooling;

use std::path::{Path, PathBuf};

use clap::Args;
use launchplane_testkit::{StandIn, StandInConfig};

use crate::{build_lpctl_profile, workspace_root};
use calls::{Programs, shown_path};
use machine::Machine;
use report::{Report, pass};

#[derive(Args)]
pub struct BenchArgs {
    /// Measured rounds of each command, after warm-up.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u16).range(20..=1000))]
    runs: u16,
    /// Unmeasured rounds before them.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
    warm_up: u16,
    /// Leave out section 3: clean builds, the rebuild after a spec edit (they take minutes).
    #[arg(long)]
    skip_build: bool,
    /// Requests of the stand-in throughput load.
    #[arg(long, default_value_t = 4000, value_parser = clap::value_parser!(u32).range(100..=100_000))]
    requests: u32,
    /// Concurrent clients of that load.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    clients: u16,
    /// Run section 6 alone (installing lpctl; its clean builds unless --skip-build) and print it.
    #[arg(long)]
    install_only: bool,
    /// Where to write the report [default: BENCHMARKS.md at the workspace root].
    #[arg(long)]
    output: Option<PathBuf>,
}

pub fn run(args: BenchArgs) -> u8 {
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| workspace_root().join("BENCHMARKS.md"));
    let scratch = std::env::temp_dir().join(format!("lp-bench-{}", std::process::id()));
    if args.install_only {
        let result = std::fs::create_dir_all(&scratch)
            .map_err(|e| format!("cannot create {}: {e}", scratch.display()))
            .and_then(|()| install_only(&args, &scratch));
        let _ = std::fs::remove_dir_all(&scratch);
        return match result {
            Ok(text) => {
                println!("{text}");
                0
            }
            Err(error) => {
                eprintln!("bench: {error}");
                1
            }
        };
    }
    let result = std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))
        .and_then(|()| bench(&args, &scratch));
    let _ = std::fs::remove_dir_all(&scratch);
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            eprintln!("bench: {error}");
            return 1;
        }
    };
    let text = report::render(&report);
    if let Err(e) = std::fs::write(&output, &text) {
        eprintln!("bench: cannot write {}: {e}", output.display());
        return 1;
    }
    println!("{text}");
    for t in &report.targets {
        println!("{:<4} {}: {}", pass(t.met), t.what, t.measured);
    }
    println!("\nwrote {}", output.display());
    0
}

fn bench(args: &BenchArgs, scratch: &Path) -> Result<Report, String> {
    let (runs, warm_up) = (usize::from(args.runs), usize::from(args.warm_up));
    let root = workspace_root();
    let root = root.canonicalize().unwrap_or(root);
    eprintln!("bench: building the release lpctl");
    let programs = Programs::resolve(build_lpctl_profile(true)?)?;
    let xtask = std::env::current_exe().map_err(|e| format!("cannot locate xtask: {e}"))?;
    let machine = Machine::describe(&root, &programs.python);
    let load_before = machine::load();

    let stand_in = StandIn::spawn(StandInConfig::default());
    eprintln!("bench: 1-2. one tenant call, {warm_up} + {runs} interleaved rounds");
    let calls = calls::measure(&stand_in, &programs, &root, warm_up, runs, scratch)?;
    eprintln!("bench: 4. spec tooling, {warm_up} + {runs} interleaved rounds");
    let tooling = tooling::measure(&programs.spawner, &xtask, &root, warm_up, runs, scratch)?;
    eprintln!("bench: 4. the demo, 1 + {} rounds", tooling::DEMO_RUNS);
    let demo = tooling::measure_demo(&programs.spawner, &xtask, &root, scratch)?;
    eprintln!(
        "bench: 5. stand-in throughput, {} requests from {} clients",
        args.requests, args.clients
    );
    let throughput = load::run(&stand_in, usize::from(args.clients), args.requests as usize)?;
    let client_env = shown_env(&stand_in);
    drop(stand_in);
    eprintln!("bench: 6. installing lpctl from a release, {warm_up} + {runs} rounds");
    let install = install::measure(
        &programs.spawner,
        &programs.lpctl,
        &root,
        (warm_up, runs),
        !args.skip_build,
        scratch,
    )?;
    let load_after = machine::load();

    let builds = if args.skip_build {
        None
    } else {
        eprintln!("bench: 3. clean builds and the rebuild after a spec edit (minutes)");
        Some(builds::measure(&root, scratch)?)
    };
    let binary_bytes = std::fs::metadata(&programs.lpctl)
        .map(|m| m.len())
        .map_err(|e| format!("cannot read {}: {e}", programs.lpctl.display()))?;
    let mut targets = targets::evaluate(&calls, &tooling, &demo, builds.as_ref(), binary_bytes);
    targets.push(install::target(&install));
    let invocation = std::env::args()
        .skip_while(|a| a != "bench")
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Report {
        machine,
        load_before,
        load_after,
        invocation: format!("cargo xtask {invocation}"),
        warm_up,
        runs,
        client_env,
        calls,
        tooling,
        demo,
        throughput,
        builds,
        install,
        lpctl_binary: shown_path(&programs.lpctl, &root),
        binary_bytes,
        targets,
    })
}

/// Section 6 alone, as Markdown.
fn install_only(args: &BenchArgs, scratch: &Path) -> Result<String, String> {
    let root = workspace_root();
    let root = root.canonicalize().unwrap_or(root);
    eprintln!("bench: building the release lpctl");
    let programs = Programs::resolve(build_lpctl_profile(true)?)?;
    let (warm_up, runs) = (usize::from(args.warm_up), usize::from(args.runs));
    let costs = install::measure(
        &programs.spawner,
        &programs.lpctl,
        &root,
        (warm_up, runs),
        !args.skip_build,
        scratch,
    )?;
    let mut text = String::new();
    install::render(&mut text, &costs, warm_up, runs);
    let target = install::target(&costs);
    text.push_str(&format!("{} {}: {}\n", pass(target.met), target.what, target.measured));
    Ok(text)
}

/// The clients' environment besides PATH, one assignment a line; the request token is not shown.
fn shown_env(stand_in: &StandIn) -> String {
    stand_in
        .client_env()
        .into_iter()
        .map(|(name, value)| match name {
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => format!("{name}=<request token>"),
            _ => format!("{name}='{value}'"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
