//! `cargo xtask`: workspace automation for the Launchplane connector.
//! It keeps `openapi/launchplane-v1.yaml`, its derived files and its compatibility in check.

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
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Spec(args) => xtask::spec::run(args),
    }
}
