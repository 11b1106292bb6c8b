//! `kcert serve`: scan on start, every interval and on request (SIGHUP, which the binary
//! turns into a [`Rescan`]), and serve the last scan over HTTP: `/metrics` (Prometheus,
//! compatible with x509-certificate-exporter), `/report` (`kcert check --output json`'s
//! document) and `/healthz`. A scan runs on a blocking thread; the endpoints answer from the
//! last [`Snapshot`] and never wait for one. Nothing the node holds stops the server: bad
//! files become problems and read-error metrics, a failed scan keeps the previous answer.

mod http;
mod snapshot;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

pub use http::{answer, Latest};
pub use snapshot::Snapshot;

use crate::pki::{Inventory, ReadPolicy, Thresholds};
use crate::report::metrics::SourceHealth;
use crate::runtime::{NodePaths, ProbeSpec};

/// What to scan and how often.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub roots: Vec<PathBuf>,
    /// The roots were named by the operator (a missing one is a source down), not defaults.
    pub explicit: bool,
    pub thresholds: Thresholds,
    /// `--no-keys` reads no private key.
    pub policy: ReadPolicy,
    /// The node's runtime configuration, for consumers and probes.
    pub node: Option<NodePaths>,
    pub probe: Option<ProbeSpec>,
    pub interval: Duration,
    /// A fixed clock (tests); `None` follows the wall clock.
    pub now: Option<DateTime<Utc>>,
    /// The exit code `kcert check` would give this inventory (the binary's policy), for the
    /// report's `exit_code`.
    pub exit_code: fn(&Inventory) -> u8,
}

/// Ask for a scan now (SIGHUP); one asked for during a scan runs right after it.
pub type Rescan = Arc<Notify>;

/// Serve on `listener` and scan until the task is dropped. Each scan's outcome is also
/// reported to `log` in one line (the pod's log).
pub async fn run(
    opts: ServeOptions,
    listener: TcpListener,
    rescan: Rescan,
    log: impl Fn(&str) + Send + 'static,
) {
    let (tx, rx) = watch::channel(None);
    let fixed = opts.now;
    let _server = AbortOnDrop(tokio::spawn(http::serve(listener, rx, move || {
        fixed.unwrap_or_else(Utc::now)
    })));
    let opts = Arc::new(opts);
    let mut health = SourceHealth::new(&opts.roots, opts.explicit);
    loop {
        match scan_once(&opts, &mut health).await {
            Ok(snap) => {
                log(&format!(
                    "scanned {} certificates, {} problems in {:.2} s",
                    snap.certificates,
                    snap.problems,
                    snap.took.as_secs_f64()
                ));
                tx.send_replace(Some(Arc::new(snap)));
            }
            Err(why) => log(&format!("scan failed, still serving the last one: {why}")),
        }
        tokio::select! {
            _ = tokio::time::sleep(opts.interval) => {}
            _ = rescan.notified() => {}
        }
    }
}

/// The HTTP task stops with the scan loop.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One scan into a snapshot; a scan that fails or panics is an error in words.
pub async fn scan_once(
    opts: &Arc<ServeOptions>,
    health: &mut SourceHealth,
) -> Result<Snapshot, String> {
    let started = Instant::now();
    let now = snapshot::clock(opts);
    let for_scan = opts.clone();
    let scanned = tokio::task::spawn_blocking(move || snapshot::scan(&for_scan, now)).await;
    let inv = match scanned {
        Ok(Ok(inv)) => inv,
        Ok(Err(e)) => {
            health.observe(None);
            return Err(e);
        }
        Err(e) => {
            health.observe(None);
            return Err(format!("the scanner crashed: {e}"));
        }
    };
    Ok(snapshot::finish(opts, inv, health, started).await)
}
