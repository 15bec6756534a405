//! lpctl: the command tenant workflows run to call Launchplane, one subcommand per operation
//! of the checked-in spec, with GitHub OIDC auth, idempotency and safe retries.

mod body;
mod cli;
mod commands;
mod exit;
mod explain;
mod job;
mod plan;
mod report;
mod wait;

use clap::ArgMatches;
use launchplane_client::config::KNOWN_ENV;
use launchplane_client::idempotency::RunScope;
use launchplane_client::{CallOptions, Config, Contract, Error, Launchplane, Settings, prepare};
use serde_json::Value;

use crate::commands::{COMMAND_ENV, COMMANDS, TenantCommand};
use crate::report::Format;

fn main() {
    // Alone, `--version` is answered before the tree of every operation's flags is built.
    if let [flag] = &std::env::args_os().skip(1).collect::<Vec<_>>()[..]
        && (flag == "--version" || flag == "-V")
    {
        println!("{} {}", env!("CARGO_PKG_NAME"), cli::VERSION);
        return;
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
    let (operation, sub, body, tenant) = if name == "call" {
        let operation = sub.get_one::<String>("operation").cloned().unwrap_or_default();
        let body = sub
            .get_one::<String>("body")
            .map(|path| body::read_json(path, "--body"))
            .transpose();
        (operation, sub, body, None)
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
        (
            tenant.operation.to_owned(),
            sub,
            body::from_flags(tenant, sub),
            Some(tenant),
        )
    };
    let request = check_environment()
        .and_then(|()| report::check_github_files())
        .and(body)
        .and_then(|body| {
            body.as_ref().map(body::check_size).transpose()?;
            Ok(body)
        })
        .and_then(|body| call_request(matches, sub, &operation, body, tenant));
    (operation, request)
}

fn call_request(
    matches: &ArgMatches,
    sub: &ArgMatches,
    operation: &str,
    mut body: Option<Value>,
    tenant: Option<&TenantCommand>,
) -> Result<Request, Error> {
    let mut path_params: Vec<(String, String)> = Vec::new();
    if let Some(values) = sub.try_get_many::<String>("param").ok().flatten() {
        for pair in values {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| Error::Config(format!("--param {pair:?} is not NAME=VALUE")))?;
            path_params.push((k.to_owned(), v.to_owned()));
        }
    }
    if let Some(tenant) = tenant {
        let positional = tenant.path_param.map(|name| (name, name));
        let flags = tenant.params.iter().map(|fact| (fact.flag, fact.paths[0]));
        for (arg, name) in positional.into_iter().chain(flags) {
            if let Some(value) = sub.get_one::<String>(arg) {
                path_params.push((name.to_owned(), value.clone()));
            }
        }
    }
    let mut idempotency_key = matches.get_one::<String>("idempotency-key").cloned();
    if let Some(file) = matches.get_one::<String>("plan") {
        let op = Contract::embedded()
            .operation(operation)
            .ok_or_else(|| Error::Config(format!("--plan: the spec has no operation {operation}")))?;
        let body = body.get_or_insert_with(|| Value::Object(Default::default()));
        idempotency_key = Some(plan::apply(op, file, body, idempotency_key.as_deref())?);
    }
    if matches.get_one::<String>("plan-out").is_some() && plan::applier_of(operation).is_none() {
        plan::issued(operation, &Value::Null)?;
    }
    let options = CallOptions {
        path_params,
        idempotency_key,
        confirm: matches.get_flag("confirm"),
        run_scope: RunScope::from_env(),
    };
    Ok(Request { body, options })
}

/// Writes the plan a planning operation answered, for `--plan` of the operation that applies it.
fn write_plan(operation: &str, answer: &Value, path: &str) -> Result<(), Error> {
    let (plan, plan_id) = plan::issued(operation, answer)?;
    let text = serde_json::to_string_pretty(plan).expect("a JSON value serializes");
    std::fs::write(path, text + "\n").map_err(|e| Error::Config(format!("--plan-out {path}: {e}")))?;
    report::plan_written(path, plan_id);
    Ok(())
}

fn run(matches: &ArgMatches, operation: &str, request: Request, format: Format) -> i32 {
    let in_github_actions = std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true");
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    let waiting = match Contract::embedded().operation(operation) {
        Some(op) => wait::plan(leaf, op, in_github_actions),
        None => Ok(None),
    };
    let waiting = match waiting {
        Ok(waiting) => waiting,
        Err(error) => return report::error(operation, &error, format),
    };
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
    let answer = match &waiting {
        Some(wait) => runtime.block_on(launchplane.send_waiting(&prepared, wait)),
        None => runtime.block_on(launchplane.send(&prepared)),
    };
    match answer {
        Ok(outcome) => {
            if let Some(path) = matches.get_one::<String>("plan-out")
                && outcome.succeeded()
                && let Err(error) = write_plan(operation, &outcome.body, path)
            {
                return report::error(operation, &error, format);
            }
            report::outcome(&outcome, prepared.idempotency_key.as_deref(), format)
        }
        Err(error) => {
            let mut advice = Vec::new();
            if let (Error::Rejected(r), Some(source)) = (&error, &token_source)
                && r.status == 401
            {
                advice.push(launchplane_client::error::unauthorized_hint(source).to_owned());
            }
            if let (true, false, Some(key)) = (
                error.is_transport(),
                matches!(error, Error::Timeout { .. } | Error::PollTimeout(_)),
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
