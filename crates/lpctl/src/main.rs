//! lpctl: the command tenant workflows run to call Launchplane, one subcommand per operation
//! of the checked-in spec, with GitHub OIDC auth, idempotency and safe retries.

mod answer;
mod body;
mod body_list;
mod cli;
mod commands;
mod compose;
mod exit;
mod explain;
mod flags;
mod job;
mod js_json;
mod plan;
mod report;
mod route;
mod route_path;
mod wait;

use clap::ArgMatches;
use launchplane_client::config::KNOWN_ENV;
use launchplane_client::idempotency::RunScope;
use launchplane_client::{CallOptions, Config, Contract, Error, Launchplane, Prepared, Settings, TokenSource, prepare};
use serde_json::Value;

use crate::commands::{COMMAND_ENV, COMMANDS, TenantCommand};
use crate::flags::Flags;
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

/// The operation the command line names, with its bodies and call options.
struct Request {
    /// One body, or with `--body-list` one per entry.
    bodies: Vec<Option<Value>>,
    list: bool,
    options: CallOptions,
    flags: Flags,
    /// The query string `--route-path` gives (`?product=opw`), or empty.
    query: String,
}

/// The operation named, and its request or why it cannot be made.
fn request(matches: &ArgMatches) -> (String, Result<Request, Error>) {
    let contract = Contract::embedded();
    let (name, sub) = matches.subcommand().expect("a subcommand is required");
    let flags = Flags::from_matches(matches);
    let mut path_params = Vec::new();
    let mut query = String::new();
    let (operation, sub, body, tenant) = if name == "call" {
        let given = sub.get_one::<String>("operation").cloned();
        let routed = sub.get_one::<String>("route-path").map(|route| {
            let method = sub.get_one::<String>("method").map_or("POST", String::as_str);
            route_path::resolve(contract, method, route)
        });
        let operation = match routed {
            Some(Ok(routed)) => {
                path_params.extend(routed.path_params);
                if !routed.query.is_empty() {
                    let mut encoded = url::form_urlencoded::Serializer::new(String::from("?"));
                    encoded.extend_pairs(&routed.query);
                    query = encoded.finish();
                }
                path_params.extend(routed.query);
                routed.operation.id.clone()
            }
            Some(Err(error)) => return ("call".into(), Err(error)),
            None => given.unwrap_or_default(),
        };
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
        .and(flags)
        .and_then(|flags| {
            let body = body?;
            let op = contract.operation(&operation).ok_or_else(|| Error::UnknownOperation {
                requested: operation.clone(),
                supported: contract.operations().iter().map(|op| op.id.clone()).collect(),
            })?;
            answer::check_expected(contract, op, &flags.expect_status)?;
            answer::check_response_file(&flags)?;
            let (bodies, list) = match &flags.body_list {
                Some(file) => {
                    if sub.try_get_one::<String>("body").ok().flatten().is_some() {
                        return Err(Error::Config(
                            "--body and --body-list cannot be combined: put each body in the list".into(),
                        ));
                    }
                    let entries = body_list::read(file)?;
                    let bodies = entries
                        .into_iter()
                        .map(|entry| Some(body_list::over(body.as_ref(), entry)))
                        .collect();
                    (bodies, true)
                }
                None => (vec![compose::apply(contract, op, body, &flags)?], false),
            };
            let mut bodies = bodies;
            let mut plan_key = None;
            if let Some(file) = matches.get_one::<String>("plan") {
                if list {
                    return Err(Error::Config(
                        "--plan applies one plan: it cannot be combined with --body-list".into(),
                    ));
                }
                let body = bodies[0].get_or_insert_with(|| Value::Object(Default::default()));
                let given = matches.get_one::<String>("idempotency-key").map(String::as_str);
                plan_key = Some(plan::apply(op, file, body, given)?);
            }
            if matches.get_one::<String>("plan-out").is_some() && plan::applier_of(&operation).is_none() {
                plan::issued(&operation, &Value::Null)?;
            }
            for (index, body) in bodies.iter().enumerate() {
                if let Some(body) = body {
                    body::check_size(body).map_err(|e| entry_error(list, index, e))?;
                }
            }
            let mut options = call_options(matches, sub, path_params, tenant)?;
            if plan_key.is_some() {
                options.idempotency_key = plan_key;
            }
            Ok(Request {
                bodies,
                list,
                options,
                flags,
                query: query.clone(),
            })
        });
    (operation, request)
}

/// An error about one entry of `--body-list`, named by its 1-based position.
fn entry_error(list: bool, index: usize, error: Error) -> Error {
    if !list {
        return error;
    }
    let text = error.to_string();
    Error::Config(format!(
        "--body-list entry {}: {}",
        index + 1,
        text.strip_prefix("configuration: ").unwrap_or(&text)
    ))
}

fn call_options(
    matches: &ArgMatches,
    sub: &ArgMatches,
    mut path_params: Vec<(String, String)>,
    tenant: Option<&TenantCommand>,
) -> Result<CallOptions, Error> {
    if let Some(values) = sub.try_get_many::<String>("param").ok().flatten() {
        for pair in values {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| Error::Config(format!("--param {pair:?} is not NAME=VALUE")))?;
            if path_params.iter().any(|(name, _)| name == k) {
                return Err(Error::Config(format!(
                    "--param {k} is also in --route-path: give it once"
                )));
            }
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
    Ok(CallOptions {
        path_params,
        idempotency_key: matches.get_one::<String>("idempotency-key").cloned(),
        confirm: matches.get_flag("confirm"),
        run_scope: RunScope::from_env(),
    })
}

/// Every request prepared before the first is sent: one bad entry and nothing goes out.
fn prepare_all(operation: &str, request: &Request, options: &CallOptions) -> Result<Vec<Prepared>, Error> {
    let prefix = request.flags.key_prefix.as_deref().unwrap_or_default();
    request
        .bodies
        .iter()
        .enumerate()
        .map(|(index, body)| {
            let mut options = options.clone();
            if let (true, Some(body)) = (request.list, body) {
                options.idempotency_key = Some(body_list::key(prefix, body));
            }
            prepare(operation, body.clone(), &options).map_err(|e| entry_error(request.list, index, e))
        })
        .collect()
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
        let op = Contract::embedded().operation(operation);
        let options = CallOptions {
            confirm: true,
            ..request.options.clone()
        };
        return match prepare_all(operation, &request, &options) {
            Ok(prepared) => {
                let url = matches.get_one::<String>("url").map(String::as_str);
                for (prepared, body) in prepared.iter().zip(&request.bodies) {
                    let needs_confirmation =
                        op.is_some_and(|op| op.needs_confirmation(body.as_ref()) && !request.options.confirm);
                    report::dry_run(prepared, url, &request.query, needs_confirmation, format);
                }
                exit::OK
            }
            Err(error) => report::error(operation, &error, format),
        };
    }
    let prepared = match prepare_all(operation, &request, &request.options) {
        Ok(prepared) => prepared,
        Err(error) => return report::error(operation, &error, format),
    };
    if request.list && prepared.is_empty() {
        if let Err(message) = answer::write_response_file(&request.flags, &Value::Array(Vec::new())) {
            return report::failed(operation, &message, "", format);
        }
        if !request.flags.quiet_response {
            println!("[]");
        }
        return exit::OK;
    }
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
    let mut values = Vec::new();
    let mut code = exit::OK;
    for prepared in &prepared {
        let (result, answer) = match &waiting {
            Some(wait) => {
                let result = runtime.block_on(launchplane.send_waiting(prepared, wait));
                let answer = result.as_ref().ok().map(|outcome| outcome.body.clone());
                (result, answer)
            }
            None => runtime.block_on(launchplane.send_answer(prepared)),
        };
        if let (Some(path), Ok(outcome)) = (matches.get_one::<String>("plan-out"), &result)
            && outcome.succeeded()
            && let Err(error) = write_plan(operation, &outcome.body, path)
        {
            return report::error(operation, &error, format);
        }
        let key = prepared.idempotency_key.as_deref();
        let advice = match &result {
            Err(error) => advice(operation, error, token_source.as_ref(), key),
            Ok(_) => Vec::new(),
        };
        let reported = answer::report_answer(
            &prepared.operation,
            &request.flags,
            result,
            answer,
            key,
            &advice,
            format,
        );
        values.extend(reported.value);
        code = reported.code;
        if code != exit::OK {
            break;
        }
    }
    let written = if request.list {
        Value::Array(values)
    } else {
        values.pop().unwrap_or(Value::Null)
    };
    if let Err(message) = answer::write_response_file(&request.flags, &written) {
        let failed = report::failed(operation, &message, "", format);
        return if code == exit::OK { failed } else { code };
    }
    code
}

/// What to do about a failed call, beyond what the error says.
fn advice(operation: &str, error: &Error, token_source: Option<&TokenSource>, key: Option<&str>) -> Vec<String> {
    let mut advice = Vec::new();
    if let (Error::Rejected(r), Some(source)) = (error, token_source)
        && r.status == 401
    {
        advice.push(launchplane_client::error::unauthorized_hint(source).to_owned());
    }
    if let (true, false, Some(key)) = (
        error.is_transport(),
        matches!(error, Error::Timeout { .. } | Error::PollTimeout(_)),
        key,
    ) {
        advice.push(format!(
            "Launchplane may have run the request before the connection failed. Run the same command with \
             --idempotency-key {key}: it answers with the stored result if the request ran, and runs it once \
             if it did not. {}",
            launchplane_client::error::rerun_advice(operation)
        ));
    }
    advice
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
