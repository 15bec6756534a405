//! `cargo xtask`: workspace automation for the Launchplane connector.
//! It keeps `openapi/launchplane-v1.yaml` and its derived files in check, runs the demo and the benchmarks.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Workspace automation for the Launchplane connector")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint, format, compare and drift-check the OpenAPI spec.
    Spec(xtask::spec::SpecArgs),
    /// Drive the real lpctl through the tenant flows against the embedded stand-in.
    Demo,
    /// Measure lpctl against curl and Python clients, builds, spec tooling and the stand-in.
    Bench(xtask::bench::BenchArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Spec(args) => xtask::spec::run(args),
        Command::Demo => ExitCode::from(xtask::demo::run()),
        Command::Bench(args) => ExitCode::from(xtask::bench::run(args)),
    }
}
