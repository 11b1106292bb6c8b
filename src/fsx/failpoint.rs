//! Crash tests of the real binary: `KCERT_FAILPOINT=NAME:N` makes the N-th pass through
//! point NAME kill the process with SIGKILL, as a power cut or `kill -9` would;
//! `KCERT_FAILPOINT=NAME:N:pause` stops there instead (saying so on stderr) until killed, so
//! a test can look at the files mid-change. Inert unless the variable is set.
//!
//! Points, in the order a change passes them ([`super::txn`]): `begin` (the intent is
//! journalled), `backup` (each file copied), `temp-written` (each temp file holds its bytes,
//! before its final mode and owner), `staged` (each temp file complete and synced), `replaced`
//! (each file renamed into place), `verified`, `end`.

use std::io::Write as _;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The environment variable naming the point.
pub const VAR: &str = "KCERT_FAILPOINT";

struct Spec {
    name: String,
    nth: u32,
    pause: bool,
}

fn spec() -> Option<&'static Spec> {
    static SPEC: OnceLock<Option<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let v = std::env::var(VAR).ok()?;
        let mut parts = v.split(':');
        let name = parts.next()?.to_string();
        let nth = parts.next().map_or(Some(1), |n| n.parse().ok())?;
        let pause = parts.next() == Some("pause");
        Some(Spec { name, nth, pause })
    })
    .as_ref()
}

/// Pass point `name`; `what` names the file involved, for the pause message.
pub fn hit(name: &str, what: &std::path::Path) {
    static PASSES: AtomicU32 = AtomicU32::new(0);
    let Some(s) = spec() else { return };
    if s.name != name || PASSES.fetch_add(1, Ordering::SeqCst) + 1 != s.nth {
        return;
    }
    let pid = rustix::process::getpid();
    if s.pause {
        let _ = writeln!(
            std::io::stderr(),
            "kcert: failpoint {name}:{} reached at {} (pid {}); paused until killed",
            s.nth,
            what.display(),
            pid.as_raw_nonzero()
        );
        loop {
            std::thread::park();
        }
    }
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
    // SIGKILL cannot be caught; should it somehow not arrive, never carry on past the point.
    std::process::abort();
}
