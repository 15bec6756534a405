//! `--wait`: whether a call waits for its operation to finish, and how long, from the flags
//! and what the spec declares (`x-launchplane-poll`).

use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches};
use launchplane_client::config::parse_seconds;
use launchplane_client::contract::Operation;
use launchplane_client::poll::declared;
use launchplane_client::{Error, Progress, Wait};

/// The flag that asks to wait; two commands have a body field of that name instead.
pub const FLAG: &str = "wait";

/// The flags, for each command whose own flags leave `--wait` free.
pub fn args() -> Vec<Arg> {
    let flag = |name: &'static str| Arg::new(name).long(name).display_order(110);
    vec![
        flag("wait").action(ArgAction::SetTrue).conflicts_with("no-wait").help(
            "Wait for a long-running operation to finish, as the spec declares for it: send the same request \
                 (same Idempotency-Key) again while its answer is pending, or follow the operation URL it names. \
                 Refused on operations that declare no polling",
        ),
        flag("no-wait").action(ArgAction::SetTrue).help(
            "Do not follow an operation URL (in GitHub Actions lpctl follows one by default, where the spec \
             declares it)",
        ),
        flag("wait-timeout")
            .value_name("SECONDS")
            .value_parser(|text: &str| parse_seconds("--wait-timeout", text))
            .help(
                "With --wait: give up when the next request would start later than this after the first: seconds, \
                 or with a unit (600s, 10m) [default: the operation's timeout_seconds in the spec]",
            ),
        flag("poll-interval")
            .value_name("SECONDS")
            .value_parser(|text: &str| parse_seconds("--poll-interval", text))
            .help(
                "With --wait: time between a pending answer and the next request: seconds, or with a unit (30s) \
                 [default: the operation's interval_seconds in the spec]",
            ),
    ]
}

/// How the call waits, or `None` to send it once; an error when the flags ask for what the
/// operation cannot do. `matches` are the command's own (the leaf subcommand's).
pub fn plan(matches: &ArgMatches, op: &Operation, in_github_actions: bool) -> Result<Option<Wait>, Error> {
    // A command whose `--wait` fills the body has none of these flags.
    if matches.try_get_one::<bool>("no-wait").is_err() {
        return Ok(None);
    }
    let asked = matches.get_flag(FLAG);
    let follows_by_default =
        in_github_actions && !matches.get_flag("no-wait") && op.poll.as_ref().is_some_and(|p| p.follow.is_some());
    let interval = matches.get_one::<u64>("poll-interval").copied();
    let timeout = matches.get_one::<u64>("wait-timeout").copied();
    if asked {
        declared(op)?;
    } else if !follows_by_default {
        if let Some(flag) = [("--poll-interval", interval), ("--wait-timeout", timeout)]
            .iter()
            .find_map(|(flag, value)| value.map(|_| *flag))
        {
            return Err(Error::Config(format!("{flag} applies only with --wait")));
        }
        return Ok(None);
    }
    Ok(Some(Wait {
        interval: interval.map(Duration::from_secs),
        timeout: timeout.map(Duration::from_secs),
        progress: Some(Arc::new(|p: &Progress<'_>| eprintln!("{}", line(p)))),
    }))
}

/// `waiting: <route> <path>=<status> (<answers>, <elapsed>)`.
pub fn line(p: &Progress<'_>) -> String {
    format!(
        "waiting: {} {}={} ({}, {:.0?})",
        p.route, p.field, p.status, p.answers, p.elapsed
    )
}

/// What `--help` of an operation says about waiting for it.
pub fn help(op: &Operation) -> Option<String> {
    let poll = op.poll.as_ref()?;
    let watched = poll.watched();
    let how = match &poll.follow {
        None => "sends the same request again".to_owned(),
        Some(follow) => format!(
            "GETs the operation URL at `{}` ({})",
            follow.url_field, follow.operation
        ),
    };
    Some(format!(
        "With --wait, lpctl {how} while `{}` is {}: every {}s, for up to {}s (--poll-interval, --wait-timeout).",
        watched.field,
        watched.pending.join(" or "),
        poll.interval_seconds,
        poll.timeout_seconds
    ))
}

#[cfg(test)]
mod tests {
    use launchplane_client::Contract;
    use serde_json::json;

    use super::*;

    /// A spec with one route of each polling form and one without.
    fn contract() -> Contract {
        let ok = |code: &str| json!({ code: {"description": "ok"} });
        let pending = json!({"field": "result.state", "pending": ["pending"]});
        Contract::from_document(json!({"paths": {
            "/v1/repeat": {"post": {"operationId": "repeat_run", "responses": ok("202"),
                "x-launchplane-poll": {"repeat": pending, "interval_seconds": 30, "timeout_seconds": 600}}},
            "/v1/follow": {"post": {"operationId": "follow_run", "responses": ok("202"),
                "x-launchplane-poll": {"follow": {"url_field": "result.poll_url", "operation": "follow_status",
                    "field": "operation.status", "pending": ["pending", "running"]},
                    "interval_seconds": 15, "timeout_seconds": 900}}},
            "/v1/follow/{id}": {"get": {"operationId": "follow_status", "responses": ok("200")}},
            "/v1/plain": {"post": {"operationId": "plain_run", "responses": ok("202")}},
        }}))
        .unwrap()
    }

    fn plan_for(id: &str, flags: &[&str], in_github_actions: bool) -> Result<Option<Wait>, Error> {
        let contract = contract();
        let matches = clap::Command::new("lpctl")
            .args(args())
            .try_get_matches_from([&["lpctl"], flags].concat())
            .unwrap();
        plan(&matches, contract.operation(id).unwrap(), in_github_actions)
    }

    #[test]
    fn in_github_actions_an_operation_url_is_followed_unless_no_wait() {
        assert!(plan_for("follow_run", &[], true).unwrap().is_some());
        assert!(plan_for("follow_run", &["--no-wait"], true).unwrap().is_none());
        assert!(plan_for("follow_run", &[], false).unwrap().is_none());
        // Repeating a request is never the default, in Actions or not.
        assert!(plan_for("repeat_run", &[], true).unwrap().is_none());
        let waits = plan_for(
            "repeat_run",
            &["--wait", "--wait-timeout", "2m", "--poll-interval", "5"],
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(waits.timeout, Some(Duration::from_secs(120)));
        assert_eq!(waits.interval, Some(Duration::from_secs(5)));
        let defaults = plan_for("follow_run", &[], true).unwrap().unwrap();
        assert_eq!(
            (defaults.interval, defaults.timeout),
            (None, None),
            "the spec's values stand"
        );
        assert!(
            plan_for("follow_run", &["--poll-interval", "5"], true)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn wait_flags_where_nothing_waits_are_errors() {
        let error = plan_for("plain_run", &["--wait"], false).unwrap_err().to_string();
        assert!(error.contains("plain_run does not declare polling"), "{error}");
        let error = plan_for("repeat_run", &["--poll-interval", "5"], false)
            .unwrap_err()
            .to_string();
        assert!(error.contains("--poll-interval applies only with --wait"), "{error}");
        let error = plan_for("follow_run", &["--no-wait", "--wait-timeout", "5"], true)
            .unwrap_err()
            .to_string();
        assert!(error.contains("--wait-timeout applies only with --wait"), "{error}");
    }

    #[test]
    fn help_tells_the_specs_field_values_interval_and_limit() {
        let contract = contract();
        let repeat = help(contract.operation("repeat_run").unwrap()).unwrap();
        assert!(
            repeat.contains("sends the same request again while `result.state` is pending: every 30s, for up to 600s"),
            "{repeat}"
        );
        let follow = help(contract.operation("follow_run").unwrap()).unwrap();
        assert!(follow.contains("GETs the operation URL at `result.poll_url` (follow_status) while `operation.status` is pending or running: every 15s, for up to 900s"), "{follow}");
        assert_eq!(help(contract.operation("plain_run").unwrap()), None);
    }

    #[test]
    fn the_progress_line_names_route_field_status_count_and_time() {
        let line = line(&Progress {
            route: "POST /v1/drivers/generic-web/preview-refresh",
            field: "result.refresh_status",
            status: "pending",
            answers: 2,
            elapsed: Duration::from_millis(31_200),
        });
        assert_eq!(
            line,
            "waiting: POST /v1/drivers/generic-web/preview-refresh result.refresh_status=pending (2, 31s)"
        );
    }
}
