//! `kcert renew --recover`: settle a renewal (or restore) a killed kcert left unfinished —
//! completed when every new file is in place and proves itself as it would have after
//! writing, otherwise put back from its backups — then remove the temp files it left.

use std::path::{Path, PathBuf};

use chrono::Utc;

use super::apply::{verify, verify_ca, Check};
use super::ca::CaCheck;
use crate::fsx::txn::{self, Begin, RecoverError, Recovered};
use crate::fsx::{lock, Disk};

/// Settle every unfinished change in `tmp_dir` (`<kubernetes dir>/tmp`).
pub fn recover(tmp_dir: &Path, disk: &mut dyn Disk) -> Result<Vec<Recovered>, RecoverError> {
    txn::recover(tmp_dir, disk, lock::DEFAULT_WAIT, check_again)
}

/// A renewal's certificates proved again: present, under their CA, matching their keys.
fn check_again(begin: &Begin) -> Result<(), String> {
    if begin.kind != "renew" {
        return Ok(());
    }
    let checks: Vec<Check> = serde_json::from_value(begin.detail["checks"].clone())
        .map_err(|e| format!("the journal's checks cannot be read ({e})"))?;
    // Older journals have no CA checks.
    let ca_checks: Vec<CaCheck> =
        serde_json::from_value(begin.detail["ca_checks"].clone()).unwrap_or_default();
    let files: Vec<PathBuf> = begin.files.iter().map(|f| f.path.clone()).collect();
    let now = Utc::now();
    verify(&checks, &files, now)
        .and_then(|()| ca_checks.iter().try_for_each(|c| verify_ca(c, &files, now)))
        .map_err(|e| e.to_string())
}

/// An unfinished change before recovery, in words.
pub fn describe_unfinished(b: &Begin) -> String {
    format!(
        "Interrupted {} (journal entry {}, started {} by pid {}): {} file(s), backups in {}",
        b.kind,
        b.entry,
        crate::pki::format::datetime(b.time),
        b.pid,
        b.files.len(),
        b.backup_dir.display()
    )
}

/// What recovery did, in words.
pub fn describe_recovered(r: &Recovered) -> Vec<String> {
    let (mut out, swept) = match r {
        Recovered::Completed { begin, swept } => (
            vec![format!(
                "Finished the interrupted {} (journal entry {}): every new file was in place and checks out.",
                begin.kind, begin.entry
            )],
            swept,
        ),
        Recovered::RolledBack {
            begin,
            restored,
            reason,
            swept,
        } => {
            let mut lines = vec![format!(
                "Rolled back the interrupted {} (journal entry {}): {reason}; {} file(s) put back from {}.",
                begin.kind,
                begin.entry,
                restored.len(),
                begin.backup_dir.display()
            )];
            lines.extend(restored.iter().map(|p| format!("  restored {}", p.display())));
            (lines, swept)
        }
    };
    out.extend(
        swept
            .iter()
            .map(|p| format!("  removed the stray temp file {}", p.display())),
    );
    out
}
