//! `bench-spawn PROGRAM [ARG…]`: runs one command for `cargo xtask bench` and prints
//! `<wall ns> <max RSS KiB> <exit code, or -signal> <CPU ns>`. A separate small process because Linux
//! counts the address space a child replaces at exec in its peak RSS: spawned from xtask
//! itself, every command would weigh at least what xtask does.

use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let Some((program, args)) = args.split_first() else {
        eprintln!("usage: bench-spawn PROGRAM [ARG…]");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    // stdin and stderr are inherited; stdout carries the measurement.
    let child = match Command::new(program).args(args).stdout(Stdio::null()).spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("bench-spawn: cannot start {}: {e}", program.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = loop {
        // SAFETY: `pid` is our child and not yet reaped; both pointers are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break reaped;
    };
    let wall = started.elapsed();
    if reaped != pid {
        eprintln!("bench-spawn: wait4: {}", std::io::Error::last_os_error());
        return ExitCode::from(2);
    }
    // Already reaped; dropping the handle does not wait again.
    drop(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    // ru_maxrss is the peak of the child or of any descendant it waited for, in KiB; the
    // user and system times likewise count the descendants it waited for.
    let cpu_ns = [usage.ru_utime, usage.ru_stime]
        .iter()
        .map(|t| t.tv_sec as u128 * 1_000_000_000 + t.tv_usec as u128 * 1_000)
        .sum::<u128>();
    println!("{} {} {code} {cpu_ns}", wall.as_nanos(), usage.ru_maxrss);
    ExitCode::SUCCESS
}
