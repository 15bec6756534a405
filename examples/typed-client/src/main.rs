//! `typed-client <product> <artifact_id> <source_git_ref> <backup_record_id> [--dry-run] [--idempotency-key KEY]`:
//! a prod promotion sent through the typed builders; configured like lpctl (LAUNCHPLANE_URL, …).

use std::process::ExitCode;

use launchplane_client::{Config, Error, Launchplane};
use typed_client::{Promotion, promote, summary};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut dry_run = false;
    let mut idempotency_key = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dry-run" => dry_run = true,
            "--idempotency-key" => idempotency_key = args.next(),
            _ => positional.push(arg),
        }
    }
    let [product, artifact_id, source_git_ref, backup_record_id] = <[String; 4]>::try_from(positional).unwrap_or_else(|_| {
        eprintln!("usage: typed-client <product> <artifact_id> <source_git_ref> <backup_record_id> [--dry-run] [--idempotency-key KEY]");
        std::process::exit(2);
    });
    let promotion = Promotion {
        product,
        artifact_id,
        source_git_ref,
        backup_record_id,
        dry_run,
        idempotency_key,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start a runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let launchplane = match Config::from_env().and_then(Launchplane::new) {
        Ok(launchplane) => launchplane,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let answer = runtime.block_on(promote(&launchplane, &promotion));
    println!("{}", summary(&answer));
    match answer {
        Ok(answer) if answer.outcome.succeeded() => ExitCode::SUCCESS,
        Ok(_) | Err(Error::Rejected(_)) => ExitCode::from(1),
        Err(_) => ExitCode::from(2),
    }
}
