//! The clap command tree, built from the command table and the spec: each flag's type,
//! choices, default and help come from the request schema field it fills.

use clap::{Arg, ArgAction, Command, value_parser};
use launchplane_client::config::{
    DEFAULT_CONNECT_TIMEOUT_SECS, DEFAULT_MAX_ATTEMPTS, ENV_CONNECT_TIMEOUT, ENV_MAX_ATTEMPTS, ENV_TIMEOUT,
    MAX_ATTEMPTS, MAX_TIMEOUT_SECS, RETRY_BUDGET_SLACK_SECS, parse_attempts, parse_seconds,
};
use launchplane_client::contract::Contract;
use launchplane_client::contract::resolve::component_loc;
use serde_json::Value;

use crate::commands::{COMMANDS, Fact, TenantCommand};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  accepted, and the driver result (if any) reports success
  1  Launchplane rejected the request, or the driver result reports failure
  2  usage or configuration error: nothing was sent
  3  transport failure after retries (no usable answer), or --wait gave up while still pending";

const ENVIRONMENT: &str = "\
Environment:
  LAUNCHPLANE_URL          Launchplane base URL (https; http only for loopback)
  LAUNCHPLANE_AUDIENCE     OIDC audience = the Launchplane service audience (required with GitHub OIDC)
  ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN
                           set by GitHub Actions when the job has `permissions: id-token: write`
  LAUNCHPLANE_TOKEN        a static bearer token instead of GitHub OIDC (operators, local use)
  LAUNCHPLANE_CONNECT_TIMEOUT, LAUNCHPLANE_TIMEOUT, LAUNCHPLANE_MAX_ATTEMPTS
  LAUNCHPLANE_PRODUCT, LAUNCHPLANE_CONTEXT, LAUNCHPLANE_INSTANCE   fallbacks for --product, --context, --instance
  LAUNCHPLANE_OUTPUT       text or json
  GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_EVENT_PATH, GITHUB_SERVER_URL, GITHUB_RUN_ID
                           facts of the job, taken where their flag is absent (each flag's help says)
  GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
                           step outputs, job summary and annotations in GitHub Actions";

/// What `--version` prints after the name.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (Launchplane ",
    env!("LAUNCHPLANE_SPEC_REVISION"),
    ")"
);

/// The whole command tree.
pub fn command() -> Command {
    let contract = Contract::embedded();
    let mut root = Command::new("lpctl")
        .version(VERSION)
        .about("Call Launchplane from a tenant workflow: one subcommand per Launchplane operation")
        .after_help(format!(
            "Example:\n  lpctl odoo post-deploy --product opw --context opw --instance testing\n\n{EXIT_CODES}\n\n{ENVIRONMENT}"
        ))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args())
        .args(crate::flags::args());
    let mut groups: Vec<(&str, Command)> = Vec::new();
    for tenant in COMMANDS {
        let sub = tenant_command(contract, tenant);
        if tenant.group.is_empty() {
            root = root.subcommand(sub);
        } else if let Some((_, group)) = groups.iter_mut().find(|(name, _)| *name == tenant.group) {
            *group = group.clone().subcommand(sub);
        } else {
            let group = Command::new(tenant.group)
                .about(group_about(tenant.group))
                .subcommand_required(true)
                .arg_required_else_help(true)
                .subcommand(sub);
            groups.push((tenant.group, group));
        }
    }
    for (name, group) in groups {
        let examples: Vec<&str> = COMMANDS.iter().filter(|c| c.group == name).map(|c| c.example).collect();
        root = root.subcommand(group.after_help(format!("Examples:\n  {}", examples.join("\n  "))));
    }
    root.subcommand(call_command(contract))
}

fn group_about(group: &str) -> &'static str {
    match group {
        "drivers" => "Driver descriptors",
        "odoo" => "Odoo driver: artifacts, previews, post-deploy, target replacement, prod promotion run, rollback",
        "generic-web" => "Generic-web driver: deploy, promotion, previews",
        "evidence" => "Write deployment, backup-gate, promotion and preview evidence",
        "previews" => "Preview lifecycle: desired state, plan, cleanup, PR feedback",
        "products" => "Product reads: release review, profile, protected artifacts",
        "backups" => "Production backup gates",
        "authz" => "Authorization diagnostics",
        _ => "",
    }
}

fn global_args() -> Vec<Arg> {
    let text = |name: &'static str, env: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .env(env)
            .global(true)
            .help(help)
            .hide_env_values(true)
            .display_order(100)
    };
    vec![
        text("url", "LAUNCHPLANE_URL", "Launchplane base URL").value_name("URL"),
        text(
            "audience",
            "LAUNCHPLANE_AUDIENCE",
            "OIDC audience (the Launchplane service audience)",
        ),
        text("connect-timeout", ENV_CONNECT_TIMEOUT, "")
            .help(format!(
                "Connect timeout: seconds, or with a unit (10s, 1m) [default: {DEFAULT_CONNECT_TIMEOUT_SECS}, or the \
                 --timeout if shorter]"
            ))
            .value_name("SECONDS")
            .value_parser(|text: &str| parse_seconds("--connect-timeout/LAUNCHPLANE_CONNECT_TIMEOUT", text)),
        text("timeout", ENV_TIMEOUT, "")
            .help(format!(
                "Per-attempt timeout, answer included: seconds, or with a unit (120s, 2m, 1h; at most \
                 {MAX_TIMEOUT_SECS}s) [default: {LIMIT_DEFAULT}]"
            ))
            .value_name("SECONDS")
            .value_parser(|text: &str| parse_seconds("--timeout/LAUNCHPLANE_TIMEOUT", text)),
        text("max-attempts", ENV_MAX_ATTEMPTS, "")
            .help(format!(
                "Attempts for retry-safe requests, 1 to {MAX_ATTEMPTS}; all attempts together get attempts × \
                 timeout + {RETRY_BUDGET_SLACK_SECS}s [default: {DEFAULT_MAX_ATTEMPTS}]"
            ))
            .value_name("N")
            .value_parser(|text: &str| parse_attempts("--max-attempts/LAUNCHPLANE_MAX_ATTEMPTS", text)),
        Arg::new("idempotency-key")
            .long("idempotency-key")
            .display_order(100)
            .global(true)
            .help("Idempotency-Key to send instead of the derived one"),
        Arg::new("plan")
            .long("plan")
            .value_name("FILE")
            .display_order(100)
            .global(true)
            .help("Apply the plan a planning operation wrote with --plan-out; its id is the Idempotency-Key"),
        Arg::new("plan-out")
            .long("plan-out")
            .value_name("FILE")
            .display_order(100)
            .global(true)
            .help("Write the plan this operation answers to FILE (and plan_file, plan_id outputs)"),
        Arg::new("confirm")
            .long("confirm")
            .display_order(100)
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Allow a destructive or prod-changing call (accepted and ignored elsewhere)"),
        Arg::new("dry-run")
            .long("dry-run")
            .display_order(100)
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Print the exact request without fetching a token or sending anything"),
        text("output", "LAUNCHPLANE_OUTPUT", "Output format")
            .value_parser(["text", "json"])
            .default_value("text"),
    ]
}

/// What `--timeout` defaults to, as its help says.
pub const LIMIT_DEFAULT: &str = "the operation's limit in the spec, x-launchplane-timeout-seconds";

/// The per-attempt limit of `op`, as its command's help tells it.
fn limit_help(contract: &Contract, op: &launchplane_client::contract::Operation) -> String {
    match contract.timeout_seconds(op) {
        Some(seconds) => format!(
            "\n\nEach attempt may take up to {seconds}s, the operation's limit in the spec \
             (--timeout or {ENV_TIMEOUT} changes it)."
        ),
        None => String::new(),
    }
}

fn tenant_command(contract: &Contract, tenant: &TenantCommand) -> Command {
    let op = contract
        .operation(tenant.operation)
        .unwrap_or_else(|| panic!("spec operation {}", tenant.operation));
    let waits = crate::wait::help(op).map(|w| format!("\n\n{w}")).unwrap_or_default();
    let limit = limit_help(contract, op);
    let mut command = Command::new(tenant.name)
        .about(tenant.about)
        .long_about(format!(
            "{}\n\nCalls {} {} ({}).{limit}{waits}",
            tenant.about, op.method, op.path, op.id
        ))
        .after_help(format!("Example:\n  {}", tenant.example));
    // `odoo prod-promotion --wait` and `prod-rollback --wait` fill the body's `wait`.
    if !tenant.facts.iter().any(|f| f.flag == crate::wait::FLAG) {
        command = command.args(crate::wait::args());
    }
    if let Some(param) = tenant.path_param {
        command = command.arg(Arg::new(param).required(true).help(format!("Path parameter `{param}`")));
    }
    for fact in tenant.params {
        let name = fact.paths[0];
        let declared = op.query_parameters.iter().find(|p| p.name == name).unwrap_or_else(|| {
            panic!(
                "`--{}` fills parameter `{name}`, which {} does not declare",
                fact.flag, op.id
            )
        });
        let mut arg = Arg::new(fact.flag)
            .long(fact.flag)
            .required(declared.required)
            .help(format!("Query parameter `{name}`"));
        if let Some(env) = fact.env {
            arg = arg.env(env).hide_env_values(true);
        }
        command = command.arg(arg);
    }
    let schema = op.request_schema.as_deref();
    for fact in tenant.facts {
        command = command.arg(fact_arg(contract, schema, fact));
    }
    command
}

/// The schema of the field at a dot path of a request schema, and whether it is required.
pub fn field_schema<'c>(contract: &'c Contract, schema: &str, dot_path: &str) -> Option<(&'c Value, bool)> {
    let field = contract.resolver().field(&component_loc(schema), dot_path).ok()?;
    Some((field.schema, field.required))
}

fn fact_arg(contract: &Contract, schema: Option<&str>, fact: &Fact) -> Arg {
    let mut arg = Arg::new(fact.flag).long(fact.flag);
    if let Some(env) = fact.env {
        arg = arg.env(env).hide_env_values(true);
    }
    let path = fact.paths[0];
    let found = schema.filter(|_| !path.is_empty()).map(|s| {
        field_schema(contract, s, path)
            .unwrap_or_else(|| panic!("`--{}` fills `{path}`, which `{s}` does not have", fact.flag))
    });
    let mut help = String::new();
    if let Some((field, required)) = found {
        let property_help = field.get("description").and_then(Value::as_str).unwrap_or_default();
        help.push_str(
            property_help
                .split(". ")
                .next()
                .unwrap_or_default()
                .trim_end_matches('.'),
        );
        if fact.file {
            arg = arg.value_name("FILE");
            help = format!("JSON file (or - for stdin) for `{path}`");
        } else {
            match field.get("type").and_then(Value::as_str) {
                Some("integer") => arg = arg.value_parser(value_parser!(u64)).value_name("N"),
                Some("boolean") => {
                    arg = arg
                        .value_parser(value_parser!(bool))
                        .num_args(0..=1)
                        .require_equals(true)
                        .default_missing_value("true")
                        .value_name("true|false")
                }
                _ => {}
            }
            if let Some(choices) = field.get("enum").and_then(Value::as_array) {
                let names: Vec<String> = choices.iter().filter_map(Value::as_str).map(str::to_owned).collect();
                arg = arg.value_parser(names);
            }
        }
        if let Some(default) = field.get("default").filter(|d| !d.is_null()) {
            help.push_str(&format!(" [default: {default}]"));
        }
        if required && field.get("default").is_none() && fact.job.is_none() {
            arg = arg.required(true);
        }
    } else if fact.file {
        arg = arg.value_name("FILE").required(true);
        help = "JSON file (or - for stdin) with the request's records".into();
    }
    if help.trim().is_empty() {
        help = match fact.flag {
            "product" => "Product key of the Launchplane product profile, e.g. opw".into(),
            "context" => "Launchplane context of the lane, e.g. opw".into(),
            "instance" => "Lane instance, e.g. testing or prod".into(),
            _ => format!("Sets `{path}`"),
        };
    }
    if let Some(job) = fact.job {
        let own = help.split(" [default").next().unwrap_or_default().trim().to_owned();
        help = format!("{own} [in GitHub Actions, when absent: {}]", job.source());
    }
    if fact.flag == "marker" {
        help = format!(
            "{} [default: {}]",
            help.split(" [default").next().unwrap_or_default().trim(),
            crate::body::marker_for("<product>")
        );
    }
    arg.help(help.trim().to_owned())
}

/// A route and a field of its body, from the spec, for the `call` example.
fn route_example(contract: &Contract) -> (String, String) {
    contract
        .operations()
        .iter()
        .filter(|op| op.method == "POST")
        .find_map(|op| {
            let schema = op.request_schema.as_deref()?;
            let path = crate::compose::dot_paths(contract.resolver(), schema)
                .into_iter()
                .find(|p| p.contains('.'))?;
            Some((op.path.clone(), format!("{path}=VALUE")))
        })
        .unwrap_or_default()
}

fn call_command(contract: &Contract) -> Command {
    let ids: Vec<&str> = contract.operations().iter().map(|op| op.id.as_str()).collect();
    let (route, set) = route_example(contract);
    Command::new("call")
        .about("Call any spec operation by operationId with a JSON body")
        .after_help(format!(
            "Examples:\n  lpctl call odoo_post_deploy --body body.json\n  lpctl call --route-path {} --body body.json --set {}\n\nOperations:\n  {}",
            route,
            set,
            ids.join("\n  ")
        ))
        .arg(
            Arg::new("operation")
                .required_unless_present("route-path")
                .conflicts_with("route-path")
                .help("operationId from the spec"),
        )
        .arg(
            Arg::new("route-path")
                .long("route-path")
                .value_name("PATH[?QUERY]")
                .help("Name the operation by its route instead, e.g. /v1/drivers/odoo (templates match; the query is checked against the operation's parameters)"),
        )
        .arg(
            Arg::new("method")
                .long("method")
                .value_name("METHOD")
                .requires("route-path")
                .help("HTTP method of --route-path [default: POST]"),
        )
        .arg(
            Arg::new("body")
                .long("body")
                .value_name("FILE")
                .help("JSON body file, or - for stdin"),
        )
        .arg(
            Arg::new("param")
                .long("param")
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help("Path parameter, e.g. --param driver_id=odoo"),
        )
        .args(crate::wait::args())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(command: &Command, path: &str, seen: &mut usize) {
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let name = format!("{path} {}", sub.get_name());
            let help = sub.get_after_help().map(ToString::to_string).unwrap_or_default();
            assert!(help.contains("Example"), "`{name} --help` has no example");
            *seen += 1;
            walk(sub, &name, seen);
        }
    }

    #[test]
    fn the_command_tree_is_consistent_and_every_command_has_an_example() {
        command().debug_assert();
        let mut seen = 0;
        walk(&command(), "lpctl", &mut seen);
        let groups = COMMANDS
            .iter()
            .filter(|c| !c.group.is_empty())
            .map(|c| c.group)
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(seen, COMMANDS.len() + groups.len() + 1, "commands, groups and `call`");
    }

    #[test]
    fn each_commands_help_tells_its_operations_limit_from_the_spec() {
        let contract = Contract::embedded();
        let root = command();
        for tenant in COMMANDS.iter().filter(|c| !c.group.is_empty()) {
            let op = contract.operation(tenant.operation).unwrap();
            let limit = contract
                .timeout_seconds(op)
                .expect("the spec gives every operation a limit");
            let help = root
                .find_subcommand(tenant.group)
                .and_then(|g| g.find_subcommand(tenant.name))
                .and_then(|c| c.get_long_about())
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                help.contains(&format!("up to {limit}s, the operation's limit in the spec")),
                "{} {}: {help}",
                tenant.group,
                tenant.name
            );
        }
    }

    /// The JSON types a flag can fill: scalars from the flag, objects and arrays from a file.
    fn takes(fact: &Fact) -> &'static [&'static str] {
        if fact.file {
            &["object", "array"]
        } else {
            &["string", "integer", "boolean"]
        }
    }

    /// The JSON type of a schema, through `$ref`s and unions whose members agree.
    fn json_type<'c>(contract: &'c Contract, schema: &'c Value) -> Option<&'c str> {
        if let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(launchplane_client::contract::ref_name)
        {
            return json_type(contract, contract.schema(name)?);
        }
        if let Some(kind) = schema.get("type").and_then(Value::as_str) {
            return Some(kind);
        }
        let members = ["oneOf", "anyOf", "allOf"]
            .iter()
            .find_map(|k| schema.get(*k).and_then(Value::as_array))?;
        let mut kinds = members.iter().map(|m| json_type(contract, m));
        let first = kinds.next()??;
        kinds.all(|k| k == Some(first)).then_some(first)
    }

    #[test]
    fn every_body_path_of_the_command_table_resolves_with_the_type_its_flag_takes() {
        let contract = Contract::embedded();
        let mut checked = 0;
        for tenant in COMMANDS {
            let op = contract.operation(tenant.operation).expect("spec operation");
            let params = launchplane_client::contract::path_parameters(&op.path);
            assert_eq!(
                tenant.path_param.map(str::to_owned).into_iter().collect::<Vec<_>>(),
                params,
                "lpctl {} {}: positional argument vs {}",
                tenant.group,
                tenant.name,
                op.path
            );
            for fact in tenant.facts {
                let schema = op
                    .request_schema
                    .as_deref()
                    .unwrap_or_else(|| panic!("{} takes no body, yet `--{}` fills one", op.id, fact.flag));
                let mut types = Vec::new();
                for path in fact.paths {
                    let field = contract
                        .resolver()
                        .field(&component_loc(schema), path)
                        .unwrap_or_else(|e| panic!("lpctl {} {} --{}: {e}", tenant.group, tenant.name, fact.flag));
                    let kind = json_type(contract, field.schema).unwrap_or("untyped");
                    assert!(
                        takes(fact).contains(&kind),
                        "lpctl {} {} --{} fills `{path}` of type {kind}",
                        tenant.group,
                        tenant.name,
                        fact.flag
                    );
                    types.push(kind);
                    checked += 1;
                }
                types.dedup();
                assert_eq!(types.len(), 1, "`--{}` fills paths of different types", fact.flag);
            }
        }
        assert!(checked > 50, "{checked}");
    }

    #[test]
    fn an_unknown_body_path_stops_the_command_tree_from_building() {
        let contract = Contract::embedded();
        let unknown = Fact {
            flag: "artifact",
            paths: &["deploy.artifact"],
            env: None,
            file: false,
            job: None,
        };
        let built = std::panic::catch_unwind(|| fact_arg(contract, Some("GenericWebDeployEnvelope"), &unknown));
        let message = built.expect_err("an unknown path is refused");
        let message = message.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("`deploy.artifact`"), "{message}");
        let known = Fact {
            paths: &["deploy.artifact_id"],
            ..unknown
        };
        assert_eq!(
            fact_arg(contract, Some("GenericWebDeployEnvelope"), &known).get_id(),
            "artifact"
        );
    }

    /// The README row of a flag in the Configuration table.
    fn readme_row(flag: &str) -> &'static str {
        include_str!("../../../README.md")
            .lines()
            .find(|line| line.starts_with(&format!("| `{flag}` |")))
            .unwrap_or_else(|| panic!("README's Configuration table has no row for {flag}"))
    }

    fn help_of(flag: &str) -> String {
        let command = command();
        let arg = command
            .get_arguments()
            .find(|a| a.get_long() == Some(flag))
            .unwrap_or_else(|| panic!("no --{flag}"));
        arg.get_help().map(ToString::to_string).unwrap_or_default()
    }

    #[test]
    fn defaults_have_one_definition_that_help_and_readme_show() {
        use launchplane_client::config::*;
        let timeout = readme_row("--timeout");
        assert!(timeout.contains(&format!("default {LIMIT_DEFAULT}")), "{timeout}");
        assert!(timeout.contains(&format!("at most {MAX_TIMEOUT_SECS} s")), "{timeout}");
        let connect = readme_row("--connect-timeout");
        assert!(
            connect.contains(&format!("default {DEFAULT_CONNECT_TIMEOUT_SECS} s")),
            "{connect}"
        );
        let attempts = readme_row("--max-attempts");
        assert!(
            attempts.contains(&format!(
                "default {DEFAULT_MAX_ATTEMPTS} attempts (1 to {MAX_ATTEMPTS})"
            )) && attempts.contains(&format!("attempts × timeout + {RETRY_BUDGET_SLACK_SECS} s")),
            "{attempts}"
        );
        assert!(help_of("timeout").contains(&format!("[default: {LIMIT_DEFAULT}]")));
        assert!(
            help_of("connect-timeout").contains(&format!("[default: {DEFAULT_CONNECT_TIMEOUT_SECS}, or the --timeout"))
        );
        let attempts_help = help_of("max-attempts");
        assert!(
            attempts_help.contains(&format!("[default: {DEFAULT_MAX_ATTEMPTS}]")),
            "{attempts_help}"
        );
        assert!(
            attempts_help.contains(&format!("timeout + {RETRY_BUDGET_SLACK_SECS}s")),
            "{attempts_help}"
        );
        let readme = include_str!("../../../README.md");
        assert!(readme.contains(&format!("({} bytes)", crate::body::MAX_BODY_BYTES)));
    }

    #[test]
    fn every_spec_operation_has_a_named_command() {
        let named: Vec<&str> = COMMANDS.iter().map(|c| c.operation).collect();
        for op in Contract::embedded().operations() {
            assert!(named.contains(&op.id.as_str()), "no lpctl command for {}", op.id);
        }
    }
}
