//! lpctl: the command tenant workflows run to call Launchplane, one subcommand per operation
//! of the checked-in spec, with GitHub OIDC auth, idempotency and safe retries.

mod body;
mod cli;
mod commands;
mod exit;
mod explain;
mod job;
mod report;
mod route;

use clap::ArgMatches;
use launchplane_client::config::KNOWN_ENV;
use launchplane_client::idempotency::RunScope;
use launchplane_client::{CallOptions, Config, Contract, Error, Launchplane, Settings, prepare};
use serde_json::Value;

use crate::commands::{COMMAND_ENV, COMMANDS};
use crate::report::Format;

fn main() {
    // Alone, `--version` is answered before the tree of every operation's flags is built.
    if let [flag] = &std::env::args_os().skip(1).collect::<Vec<_>>()[..]
        && (flag == "--version" || flag == "-V")
    {
        println!("{} {}", env!("CARGO_PKG_NAME"), cli::VERSION);
        return;
    }
    // `route` reads the spec only: it needs neither the operations' flags nor a connection.
    if std::env::args_os().nth(1).is_some_and(|word| word == "route") {
        std::process::exit(route::main(std::env::args_os().skip(2)));
    }
    let matches = match cli::command().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => std::process::exit(report::usage(&error)),
    };
    let format = match matches.get_one::<String>("output").map(String::as_str) {
        Some("json") => Format::Json,
        _ => Format::Text,
    };
    let (operation, request) = request(&matches);
    let request = match request {
        Ok(request) => request,
        Err(error) => std::process::exit(report::error(&operation, &error, format)),
    };
    let code = run(&matches, &operation, request, format);
    report::flush();
    std::process::exit(code);
}

/// The operation the command line names, with its body and call options.
struct Request {
    body: Option<Value>,
    options: CallOptions,
}

/// The operation named, and its request or why it cannot be made.
fn request(matches: &ArgMatches) -> (String, Result<Request, Error>) {
    let (name, sub) = matches.subcommand().expect("a subcommand is required");
    let (operation, sub, body) = if name == "call" {
        let operation = sub.get_one::<String>("operation").cloned().unwrap_or_default();
        let body = sub
            .get_one::<String>("body")
            .map(|path| body::read_json(path, "--body"))
            .transpose();
        (operation, sub, body)
    } else {
        let (tenant, sub) = match sub.subcommand() {
            Some((leaf, leaf_matches)) => (
                COMMANDS
                    .iter()
                    .find(|c| c.group == name && c.name == leaf)
                    .expect("table command"),
                leaf_matches,
            ),
            None => (
                COMMANDS
                    .iter()
                    .find(|c| c.group.is_empty() && c.name == name)
                    .expect("table command"),
                sub,
            ),
        };
        (tenant.operation.to_owned(), sub, body::from_flags(tenant, sub))
    };
    let request = check_environment()
        .and_then(|()| report::check_github_files())
        .and(body)
        .and_then(|body| {
            body.as_ref().map(body::check_size).transpose()?;
            Ok(body)
        })
        .and_then(|body| call_request(matches, sub, body));
    (operation, request)
}

fn call_request(matches: &ArgMatches, sub: &ArgMatches, body: Option<Value>) -> Result<Request, Error> {
    let mut path_params: Vec<(String, String)> = Vec::new();
    if let Some(values) = sub.try_get_many::<String>("param").ok().flatten() {
        for pair in values {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| Error::Config(format!("--param {pair:?} is not NAME=VALUE")))?;
            path_params.push((k.to_owned(), v.to_owned()));
        }
    }
    if let Some(id) = sub.try_get_one::<String>("driver_id").ok().flatten() {
        path_params.push(("driver_id".into(), id.clone()));
    }
    let options = CallOptions {
        path_params,
        idempotency_key: matches.get_one::<String>("idempotency-key").cloned(),
        confirm: matches.get_flag("confirm"),
        run_scope: RunScope::from_env(),
    };
    Ok(Request { body, options })
}

fn run(matches: &ArgMatches, operation: &str, request: Request, format: Format) -> i32 {
    if matches.get_flag("dry-run") {
        let needs_confirmation = Contract::embedded()
            .operation(operation)
            .is_some_and(|op| op.needs_confirmation(request.body.as_ref()) && !request.options.confirm);
        let options = CallOptions {
            confirm: true,
            ..request.options
        };
        return match prepare(operation, request.body, &options) {
            Ok(prepared) => {
                let url = matches.get_one::<String>("url").map(String::as_str);
                report::dry_run(&prepared, url, needs_confirmation, format);
                exit::OK
            }
            Err(error) => report::error(operation, &error, format),
        };
    }
    let prepared = match prepare(operation, request.body, &request.options) {
        Ok(prepared) => prepared,
        Err(error) => return report::error(operation, &error, format),
    };
    let settings = Settings {
        url: matches.get_one::<String>("url").cloned(),
        audience: matches.get_one::<String>("audience").cloned(),
        connect_timeout_secs: matches.get_one::<u64>("connect-timeout").copied(),
        timeout_secs: matches.get_one::<u64>("timeout").copied(),
        max_attempts: matches.get_one::<u32>("max-attempts").copied(),
    };
    let config = match Config::resolve(settings, &launchplane_client::config::ProcessEnv) {
        Ok(config) => config,
        Err(error) => return report::error(operation, &error, format),
    };
    let token_source = config.token.clone();
    let launchplane = match Launchplane::new(config) {
        Ok(launchplane) => launchplane,
        Err(error) => return report::error(operation, &error, format),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(launchplane.send(&prepared)) {
        Ok(outcome) => report::outcome(&outcome, prepared.idempotency_key.as_deref(), format),
        Err(error) => {
            let mut advice = Vec::new();
            if let (Error::Rejected(r), Some(source)) = (&error, &token_source)
                && r.status == 401
            {
                advice.push(launchplane_client::error::unauthorized_hint(source).to_owned());
            }
            if let (true, false, Some(key)) = (
                error.is_transport(),
                matches!(error, Error::Timeout { .. }),
                prepared.idempotency_key.as_deref(),
            ) {
                advice.push(format!(
                    "Launchplane may have run the request before the connection failed. Before re-running the \
                     workflow (a re-run is a new GITHUB_RUN_ATTEMPT, hence a new key, and could run it twice), \
                     run the same command with --idempotency-key {key}: it answers with the stored result if the \
                     request ran, and runs it once if it did not"
                ));
            }
            report::error_with_advice(operation, &error, &advice, format)
        }
    }
}

/// Refuses `LAUNCHPLANE_*` variables nobody reads: a typo would otherwise go unnoticed.
fn check_environment() -> Result<(), Error> {
    let unknown: Vec<String> = std::env::vars()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("LAUNCHPLANE_"))
        .filter(|name| !KNOWN_ENV.contains(&name.as_str()) && !COMMAND_ENV.contains(&name.as_str()))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        let mut known: Vec<&str> = KNOWN_ENV.iter().chain(COMMAND_ENV).copied().collect();
        known.sort();
        Err(Error::Config(format!(
            "unknown setting(s) {}: lpctl reads {}",
            unknown.join(", "),
            known.join(", ")
        )))
    }
}
