//! `launchplane-testkit serve`: the stand-in and its OIDC issuer on loopback until killed;
//! `launchplane-testkit config-schema`: the JSON Schema of its config file.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use launchplane_testkit::{FaultSpec, StandIn, StandInConfig};
use serde_json::Value;

#[derive(Parser)]
#[command(
    name = "launchplane-testkit",
    version,
    about = "Launchplane v1 stand-in and fake GitHub Actions OIDC issuer"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve on 127.0.0.1, print one JSON line with the URLs a workflow needs, then log one
    /// line per Launchplane request on stderr.
    ///
    /// Example: launchplane-testkit serve --config stand-in.json --fault operation=odoo_post_deploy,status=503
    Serve(Serve),
    /// Print the JSON Schema of the `--config` file.
    ConfigSchema,
}

#[derive(Args)]
struct Serve {
    /// Launchplane port (default: a free one).
    #[arg(long)]
    port: Option<u16>,
    /// Issuer port (default: a free one).
    #[arg(long)]
    issuer_port: Option<u16>,
    /// A JSON config (see `config-schema`); fields left out keep their defaults.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The caller's repository (`owner/name`) the tokens carry; unless a policy is
    /// configured, it is granted everything. Beats the config's `identity.repository`.
    #[arg(long, value_name = "OWNER/NAME")]
    repository: Option<String>,
    /// The caller's workflow ref the tokens carry. Beats the config's `identity.workflow_ref`.
    #[arg(long, value_name = "REF")]
    workflow_ref: Option<String>,
    /// A fault for the next requests, e.g. `operation=odoo_post_deploy,status=503,body=html,count=2`
    /// (keys: operation, route, status, body=json|plain|html|none, delay, drop, count). Repeatable.
    #[arg(long, value_name = "SPEC")]
    fault: Vec<FaultSpec>,
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Serve(serve) => run(serve),
        Command::ConfigSchema => print_config_schema(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("launchplane-testkit: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_config_schema() -> Result<(), String> {
    let text = serde_json::to_string_pretty(&StandInConfig::json_schema()).map_err(|e| e.to_string())?;
    writeln!(std::io::stdout(), "{text}").map_err(|e| format!("stdout: {e}"))
}

/// The config: the file's, then the job's identity (GitHub's variables) where the file does
/// not name it, then the flags.
fn config(serve: &Serve) -> Result<StandInConfig, String> {
    let file = match &serve.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str::<Value>(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?
        }
        None => Value::Object(Default::default()),
    };
    let mut config = serde_json::from_value::<StandInConfig>(file.clone()).map_err(|e| {
        let shown = serve
            .config
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        format!("{shown}: {e} (see `launchplane-testkit config-schema`)")
    })?;
    let named = |field: &str| file.pointer(&format!("/identity/{field}")).is_some();
    let job = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let identity = &mut config.identity;
    let repository = serve
        .repository
        .clone()
        .or_else(|| (!named("repository")).then(|| job("GITHUB_REPOSITORY")).flatten());
    if let Some(repository) = repository {
        if !repository.contains('/') {
            return Err(format!("the repository must be owner/name, not `{repository}`"));
        }
        if !named("repository_owner") {
            identity.repository_owner = repository.split('/').next().unwrap_or_default().to_owned();
        }
        identity.repository = repository;
    }
    let workflow_ref = serve
        .workflow_ref
        .clone()
        .or_else(|| (!named("workflow_ref")).then(|| job("GITHUB_WORKFLOW_REF")).flatten());
    if let Some(workflow_ref) = workflow_ref {
        if !named("job_workflow_ref") {
            identity.job_workflow_ref = workflow_ref.clone();
        }
        identity.workflow_ref = workflow_ref;
    }
    for (field, variable, claim) in [
        ("ref", "GITHUB_REF", &mut identity.git_ref),
        ("ref_type", "GITHUB_REF_TYPE", &mut identity.ref_type),
        ("sha", "GITHUB_SHA", &mut identity.sha),
        ("event_name", "GITHUB_EVENT_NAME", &mut identity.event_name),
        ("repository_id", "GITHUB_REPOSITORY_ID", &mut identity.repository_id),
        (
            "repository_owner_id",
            "GITHUB_REPOSITORY_OWNER_ID",
            &mut identity.repository_owner_id,
        ),
    ] {
        if let (false, Some(value)) = (named(field), job(variable)) {
            *claim = value;
        }
    }
    config.launchplane_port = serve.port.unwrap_or(config.launchplane_port);
    config.issuer_port = serve.issuer_port.unwrap_or(config.issuer_port);
    Ok(config)
}

fn run(serve: Serve) -> Result<(), String> {
    let config = config(&serve)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("start a runtime: {e}"))?;
    runtime.block_on(async {
        let stand_in = StandIn::try_start(config).await.map_err(|e| format!("start: {e}"))?;
        for fault in &serve.fault {
            stand_in.inject_spec(fault);
        }
        stand_in.log_requests(true);
        let ready = serde_json::json!({
            "launchplane_url": stand_in.base_url(),
            "token_request_url": stand_in.token_request_url(),
            "token_request_token": stand_in.token_request_token(),
            "audience": stand_in.audience(),
            "issuer": stand_in.issuer(),
            "repository": stand_in.repository(),
        });
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{ready}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("stdout: {e}"))?;
        drop(stdout);
        std::future::pending::<()>().await;
        Ok(())
    })
}
