//! One scan of `kcert serve`, turned into what the endpoints answer: the metrics, ready but
//! for the clock-bound series, and the report's JSON bytes. The inventory itself is dropped
//! once both are made, so the process holds only what it serves between scans.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::ServeOptions;
use crate::pki::{self, Inventory, ScanOptions};
use crate::report::metrics::{Exposition, MetricsInput, SourceHealth};
use crate::report::{write_json_with, Extras};
use crate::runtime::{self, NodeCheck};

/// What the endpoints serve until the next scan.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub metrics: Exposition,
    /// `kcert check --output json`'s document, byte for byte.
    pub report: Bytes,
    pub scanned_at: DateTime<Utc>,
    pub certificates: usize,
    pub problems: usize,
    pub took: Duration,
}

/// The clock a scan is judged against.
pub(super) fn clock(opts: &ServeOptions) -> DateTime<Utc> {
    opts.now.unwrap_or_else(Utc::now)
}

/// Walk and parse the roots that exist now. Named roots that are missing are not an error
/// here, as they would be for `check`: a server must keep serving, and the metrics say the
/// source is down. Blocking; runs on a blocking thread.
pub(super) fn scan(opts: &ServeOptions, now: DateTime<Utc>) -> Result<Inventory, String> {
    let (present, missing): (Vec<PathBuf>, Vec<PathBuf>) = opts
        .roots
        .iter()
        .cloned()
        .partition(|r| std::fs::symlink_metadata(r).is_ok());
    let scan = ScanOptions {
        roots: present,
        explicit: opts.explicit,
        now,
        thresholds: opts.thresholds,
    };
    let mut inv = pki::scan_with(&scan, opts.policy).map_err(|e| e.to_string())?;
    inv.roots = opts.roots.clone();
    inv.missing_roots.extend(missing);
    Ok(inv)
}

/// Add the node's findings (and probes) to `inv`, count the sources and build what is served.
pub(super) async fn finish(
    opts: &ServeOptions,
    mut inv: Inventory,
    health: &mut SourceHealth,
    started: Instant,
) -> Snapshot {
    let node: NodeCheck =
        runtime::check_node(&mut inv, opts.node.as_ref(), opts.probe.as_ref()).await;
    health.observe(Some(&inv));
    let took = started.elapsed();
    let scanned_at = clock(opts);
    let metrics = Exposition::build(&MetricsInput {
        inv: &inv,
        probes: node.probes.as_deref(),
        sources: health,
        scan_duration: took,
        scanned_at,
    });
    let extras = Extras {
        exit_code: (opts.exit_code)(&inv),
        usage: node.findings.as_ref().map(|f| &f.usage),
        probes: node.probes.as_deref(),
        settings: node.findings.as_ref().map(|f| &f.settings),
    };
    let mut json = Vec::with_capacity(inv.certs.len() * 2048 + 4096);
    if let Err(e) = write_json_with(&inv, &extras, &mut json) {
        // Serializing plain data into memory does not fail; say so if it ever does.
        json =
            serde_json::to_vec(&serde_json::json!({ "error": e.to_string() })).unwrap_or_default();
    }
    json.push(b'\n');
    Snapshot {
        metrics,
        report: Bytes::from(json),
        scanned_at,
        certificates: inv.certs.len(),
        problems: inv.problems.len(),
        took,
    }
}
