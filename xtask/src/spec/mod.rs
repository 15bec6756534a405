//! `cargo xtask spec …`: tooling for `openapi/launchplane-v1.yaml`.

pub mod api_md;
pub mod canonical;
pub mod check;
pub mod diff;
pub mod doc;
pub mod drift;
pub mod fmt;
pub mod git;
pub mod import;
pub mod locate;
pub mod normalize;
pub mod oas_jsonschema;
pub mod output;
pub mod source;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

/// The spec, relative to the workspace root (also the `file=` of annotations).
pub const SPEC_PATH: &str = "openapi/launchplane-v1.yaml";
/// The derived operation table.
pub const API_MD_PATH: &str = "openapi/API.md";
/// What to run when the canonical or derived files are stale.
pub const FMT_COMMAND: &str = "cargo xtask spec fmt";

/// Process exit codes shared by the spec subcommands.
pub mod exit {
    /// Nothing to report.
    pub const CLEAN: u8 = 0;
    /// Rule violations, breaking/unclassified changes, or drift.
    pub const FAILED: u8 = 1;
    /// The command could not run (arguments, files, git, network).
    pub const ERROR: u8 = 2;
    /// The spec is valid but not canonical, or a derived file is stale.
    pub const STALE: u8 = 4;
}

#[derive(Args)]
pub struct SpecArgs {
    #[command(subcommand)]
    command: SpecCommand,
}

#[derive(Subcommand)]
enum SpecCommand {
    /// Validate the spec (OpenAPI 3.0.3, house rules, canonical form, openapi/API.md).
    Check,
    /// Rewrite the spec into canonical form and regenerate openapi/API.md.
    Fmt,
    /// Classify the changes to the spec against a git base, from the tenant's side.
    Diff(diff::DiffArgs),
    /// Compare the spec with a live Launchplane (driver descriptors and/or its OpenAPI).
    Drift(drift::DriftArgs),
    /// Build a spec from Launchplane's own OpenAPI document: carried operations, 3.0.3, overlay.
    Import(import::ImportArgs),
}

pub fn run(args: SpecArgs) -> ExitCode {
    let root = workspace_root();
    let code = match args.command {
        SpecCommand::Check => check::run(&root),
        SpecCommand::Fmt => fmt::run(&root),
        SpecCommand::Diff(args) => diff::run(&root, &args),
        SpecCommand::Drift(args) => drift::run(&root, &args),
        SpecCommand::Import(args) => import::run(&root, &args),
    };
    ExitCode::from(code)
}

/// The workspace root: xtask always runs from its source tree.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
