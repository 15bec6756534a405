//! `launchplane-testkit serve`: the stand-in and its OIDC issuer on loopback until killed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use launchplane_testkit::{StandIn, StandInConfig};

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
    /// Serve on 127.0.0.1 and print one JSON line with the URLs a workflow needs.
    Serve {
        /// Launchplane port (default: a free one).
        #[arg(long)]
        port: Option<u16>,
        /// Issuer port (default: a free one).
        #[arg(long)]
        issuer_port: Option<u16>,
        /// A JSON `StandInConfig`; fields left out keep their defaults.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let Command::Serve {
        port,
        issuer_port,
        config,
    } = Cli::parse().command;
    match serve(port, issuer_port, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("launchplane-testkit: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(port: Option<u16>, issuer_port: Option<u16>, config: Option<PathBuf>) -> Result<(), String> {
    let mut config = match config {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str::<StandInConfig>(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => StandInConfig::default(),
    };
    config.launchplane_port = port.unwrap_or(config.launchplane_port);
    config.issuer_port = issuer_port.unwrap_or(config.issuer_port);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("start a runtime: {e}"))?;
    runtime.block_on(async {
        let stand_in = StandIn::try_start(config).await.map_err(|e| format!("start: {e}"))?;
        let ready = serde_json::json!({
            "launchplane_url": stand_in.base_url(),
            "token_request_url": stand_in.token_request_url(),
            "token_request_token": stand_in.token_request_token(),
            "audience": stand_in.audience(),
            "issuer": stand_in.issuer(),
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
