//! `--wait`: whether a call waits for its operation to finish, and how long, from the flags
//! and what the spec declares (`x-launchplane-poll`).

use std::sync::Arc;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches};
use launchplane_client::config::parse_seconds;
use launchplane_client::contract::Operation;
use launchplane_client::poll::declared;
use launchplane_client::{Error, Progress, Wait};

/// The flags, for the root command.
pub fn args() -> Vec<Arg> {
    let flag = |name: &'static str| Arg::new(name).long(name).global(true).display_order(110);
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
/// operation cannot do.
pub fn plan(matches: &ArgMatches, op: &Operation, in_github_actions: bool) -> Result<Option<Wait>, Error> {
    let asked = matches.get_flag("wait");
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
    use super::*;

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
