//! Interleaved runs of several commands (A B C A B C …) after warm-up rounds.

use std::path::Path;

use super::process::{Cost, Run, measure};
use super::stats::{Summary, summarize};

/// A command under test.
pub struct Subject<'a> {
    pub name: &'static str,
    /// The command as the report shows it.
    pub shown: String,
    /// The command of the n-th run (warm-up runs included).
    pub run: Box<dyn Fn(usize) -> Run + 'a>,
}

/// The measured runs of one subject.
pub struct Series {
    pub name: &'static str,
    pub shown: String,
    pub costs: Vec<Cost>,
}

impl Series {
    /// Wall times in milliseconds.
    pub fn wall_ms(&self) -> Summary {
        summarize(
            &self
                .costs
                .iter()
                .map(|c| c.wall.as_secs_f64() * 1e3)
                .collect::<Vec<_>>(),
        )
    }

    /// CPU times (user + system) in milliseconds.
    pub fn cpu_ms(&self) -> Summary {
        summarize(&self.costs.iter().map(|c| c.cpu.as_secs_f64() * 1e3).collect::<Vec<_>>())
    }

    /// Peak resident set in MB (10⁶ bytes).
    pub fn rss_mb(&self) -> Summary {
        summarize(
            &self
                .costs
                .iter()
                .map(|c| c.max_rss_kib as f64 * 1024.0 / 1e6)
                .collect::<Vec<_>>(),
        )
    }
}

/// `warm_up` unrecorded rounds, then `runs` recorded rounds; each round runs every subject
/// once, in order, through `spawner`. Any run exiting other than 0 ends the benchmark with
/// its stderr.
pub fn interleave(
    spawner: &Path,
    subjects: &[Subject],
    warm_up: usize,
    runs: usize,
    scratch: &Path,
) -> Result<Vec<Series>, String> {
    let stderr = scratch.join("stderr");
    let mut series: Vec<Series> = subjects
        .iter()
        .map(|s| Series {
            name: s.name,
            shown: s.shown.clone(),
            costs: Vec::with_capacity(runs),
        })
        .collect();
    for n in 0..warm_up + runs {
        for (subject, series) in subjects.iter().zip(&mut series) {
            let cost = measure(spawner, &(subject.run)(n), &stderr)?;
            if cost.status != 0 {
                let said = std::fs::read_to_string(&stderr).unwrap_or_default();
                let how = match cost.status {
                    signal @ ..0 => format!("signal {}", -signal),
                    code => format!("exit {code}"),
                };
                return Err(format!("{} ended with {how} on run {n}: {}", subject.name, said.trim()));
            }
            if n >= warm_up {
                series.costs.push(cost);
            }
        }
    }
    Ok(series)
}
