//! The renewal history read back: which certificates kcert's renewals replaced, for telling
//! an error about an old certificate from one about a certificate on disk. The records are
//! the lines [`super::apply`] appends; older ones without the replaced certificate's times
//! are completed from the backup the renewal made.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::fsx::mirror;
use crate::pki::{self, ScanOptions, Thresholds};
use crate::runtime::Replaced;

#[derive(Deserialize)]
struct Record {
    action: String,
    time: DateTime<Utc>,
    what: String,
    path: std::path::PathBuf,
    old_serial: String,
    old_not_before: Option<DateTime<Utc>>,
    old_not_after: Option<DateTime<Utc>>,
    backup_dir: std::path::PathBuf,
}

/// Every certificate a renewal recorded in the history file `journal` replaced, oldest
/// first. A missing file is no history; unreadable lines are skipped (the history is a
/// record, not a source of truth).
pub fn replaced(journal: &Path) -> Vec<Replaced> {
    let Ok(text) = std::fs::read_to_string(journal) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<Record>(l).ok())
        .filter(|r| r.action == "renew")
        .map(|r| {
            let (not_before, not_after) = match (r.old_not_before, r.old_not_after) {
                (b, Some(a)) => (b, Some(a)),
                _ => from_backup(&r),
            };
            Replaced {
                what: r.what,
                path: r.path,
                serial: r.old_serial,
                not_before,
                not_after,
                replaced_at: r.time,
                backup_dir: r.backup_dir,
            }
        })
        .collect()
}

/// The validity of the replaced certificate, read from the renewal's backup of its file.
fn from_backup(r: &Record) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let copy = mirror(&r.backup_dir, &r.path);
    let opts = ScanOptions::new(vec![copy], r.time, Thresholds::default());
    pki::scan(&opts)
        .ok()
        .and_then(|inv| inv.certs.into_iter().find(|c| c.serial == r.old_serial))
        .map_or((None, None), |c| (Some(c.not_before), Some(c.not_after)))
}
