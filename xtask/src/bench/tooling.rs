//! Spec tooling wall times on the full spec, and the demo's: the built xtask binary run
//! directly, warm.

use std::path::Path;

use super::calls::shown_path;
use super::process::Run;
use super::runs::{Series, Subject, interleave};

pub const CHECK: &str = "spec check";
pub const DIFF: &str = "spec diff";
pub const DRIFT: &str = "spec drift";
pub const DEMO: &str = "demo";
/// Measured demo rounds: each takes seconds.
pub const DEMO_RUNS: usize = 3;

const COMMANDS: [(&str, &[&str]); 3] = [
    (CHECK, &["spec", "check"]),
    (DIFF, &["spec", "diff", "--base", "HEAD"]),
    (
        DRIFT,
        &["spec", "drift", "--descriptors", "xtask/fixtures/drivers-371132b.json"],
    ),
];

pub fn measure(
    spawner: &Path,
    xtask: &Path,
    root: &Path,
    warm_up: usize,
    runs: usize,
    scratch: &Path,
) -> Result<Vec<Series>, String> {
    let shown = shown_path(xtask, root);
    let subjects: Vec<Subject> = COMMANDS
        .iter()
        .map(|&(name, args)| Subject {
            name,
            shown: format!("{shown} {}", args.join(" ")),
            run: Box::new(move |_| Run {
                program: xtask.to_owned(),
                args: args.iter().map(Into::into).collect(),
                dir: root.to_owned(),
                env: None,
            }),
        })
        .collect();
    interleave(spawner, &subjects, warm_up, runs, scratch)
}

/// The demo, warm (after one unmeasured round that also builds the lpctl it runs).
pub fn measure_demo(spawner: &Path, xtask: &Path, root: &Path, scratch: &Path) -> Result<Series, String> {
    let subject = Subject {
        name: DEMO,
        shown: format!("{} demo", shown_path(xtask, root)),
        run: Box::new(move |_| Run {
            program: xtask.to_owned(),
            args: vec!["demo".into()],
            dir: root.to_owned(),
            env: None,
        }),
    };
    let mut series = interleave(spawner, &[subject], 1, DEMO_RUNS, scratch)?;
    Ok(series.remove(0))
}
