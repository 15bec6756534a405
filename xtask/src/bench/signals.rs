//! Deferred SIGINT/SIGTERM/SIGHUP: while a guard is held they only end the child (cargo) in
//! the foreground, so xtask itself lives on to restore the spec and remove scratch builds.

use std::sync::atomic::{AtomicI32, Ordering};

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn note(signal: libc::c_int) {
    CAUGHT.store(signal, Ordering::SeqCst);
}

pub struct Deferred {
    previous: Vec<(libc::c_int, libc::sighandler_t)>,
}

impl Deferred {
    pub fn install() -> Deferred {
        CAUGHT.store(0, Ordering::SeqCst);
        let previous = SIGNALS
            .iter()
            // SAFETY: the handler only stores to an atomic, which is async-signal-safe. Unlike
            // SIG_IGN, a handler is reset to the default in the programs cargo execs.
            .map(|&s| (s, unsafe { libc::signal(s, note as *const () as libc::sighandler_t) }))
            .collect();
        Deferred { previous }
    }

    /// Fails with the signal that arrived since `install`, if any.
    pub fn check(&self) -> Result<(), String> {
        match CAUGHT.load(Ordering::SeqCst) {
            0 => Ok(()),
            signal => Err(format!("interrupted by signal {signal}")),
        }
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        for &(signal, handler) in &self.previous {
            // SAFETY: puts back the disposition `install` replaced.
            unsafe { libc::signal(signal, handler) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_is_noted_not_fatal_while_deferred() {
        let deferred = Deferred::install();
        assert!(deferred.check().is_ok());
        // SAFETY: raising a signal whose handler only stores to an atomic.
        unsafe { libc::raise(libc::SIGHUP) };
        assert_eq!(deferred.check(), Err(format!("interrupted by signal {}", libc::SIGHUP)));
    }
}
