//! Runs a child process and reads its wall time and peak memory (max RSS) from `wait4`.

use std::process::Command;
use std::time::{Duration, Instant};

/// What one run of a command cost.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    pub wall: Duration,
    pub max_rss_kib: u64,
    pub success: bool,
}

/// Spawns `command` (stdout and stderr discarded) and waits for it with `wait4`, so the
/// kernel's resource accounting of that one child is what is reported.
pub fn measure(command: &mut Command) -> Result<Cost, String> {
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let started = Instant::now();
    let child = command.spawn().map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: zeroed rusage is a valid value; wait4 writes it for the child we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet reaped; status and usage point to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if reaped != pid {
        return Err(format!("wait4 failed for {command:?}"));
    }
    // The child was reaped by wait4; dropping the handle does not wait again.
    drop(child);
    let success = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok(Cost {
        wall,
        max_rss_kib: usage.ru_maxrss as u64,
        success,
    })
}
