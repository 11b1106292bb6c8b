//! The restart journal: written and synced before a manifest leaves the manifests directory,
//! removed once it is back. A kcert that was killed in between leaves it behind, and the next
//! kcert finds it and puts the manifest back.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fsx::{self, journal as files};
use crate::pki::{sha256_hex, Problem, ProblemKind, Severity};

/// The history kcert appends every renewal and restart to (shared with `kcert renew`).
pub use crate::fsx::journal::HISTORY;

/// File name of the pending-restart record in the kubeadm `tmp` directory.
pub const PENDING: &str = "kcert-restart-pending.json";

/// A manifest that is, or may be, out of the manifests directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub component: String,
    /// Where the manifest belongs.
    pub manifest: PathBuf,
    /// Where it was moved.
    pub moved_to: PathBuf,
    /// SHA-256 of its bytes, to prove it comes back unchanged.
    pub sha256: String,
    /// The kcert process that moved it.
    pub pid: u32,
    pub started: DateTime<Utc>,
}

pub fn pending_path(tmp_dir: &Path) -> PathBuf {
    tmp_dir.join(PENDING)
}

/// Why the journal could not be read or acted on.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: not a kcert restart journal ({reason}); look at it and remove it by hand", path.display())]
    Corrupt { path: PathBuf, reason: String },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The pending restart recorded in `tmp_dir`, if any.
pub fn read_pending(tmp_dir: &Path) -> Result<Option<Pending>, JournalError> {
    let path = pending_path(tmp_dir);
    let Some(bytes) = files::read_record(&path).map_err(io_err(&path))? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| JournalError::Corrupt {
            path,
            reason: e.to_string(),
        })
}

/// Record `p` before the move. Fails if a record exists: one restart at a time.
pub(super) fn write_pending(tmp_dir: &Path, p: &Pending) -> Result<(), JournalError> {
    let path = pending_path(tmp_dir);
    let text = serde_json::to_vec_pretty(p).map_err(|e| JournalError::Corrupt {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    files::create_record(&path, &text).map_err(io_err(&path))
}

pub(super) fn clear_pending(tmp_dir: &Path) -> Result<(), JournalError> {
    let path = pending_path(tmp_dir);
    files::remove_record(&path).map_err(io_err(&path))
}

/// Append one JSON line to the history. A record, not part of the change: callers report
/// a failure rather than undo anything.
pub(super) fn append_history(tmp_dir: &Path, line: serde_json::Value) -> io::Result<()> {
    files::append(&tmp_dir.join(HISTORY), &[line])
}

/// Renewals and restores a killed kcert left unfinished in `tmp_dir`, as problems for
/// `kcert check` and the UI: an error naming the command that settles each, or a warning
/// while the kcert that began it still runs.
pub fn interrupted(tmp_dir: &Path) -> Vec<Problem> {
    let journal = fsx::journal::history_in(tmp_dir);
    let problem = |severity, message| Problem {
        path: journal.clone(),
        severity,
        kind: ProblemKind::Interrupted,
        message,
        cert_id: None,
        key_id: None,
    };
    let pending = match fsx::txn::unfinished(tmp_dir) {
        Ok(p) => p,
        Err(e) => {
            return vec![problem(
                Severity::Warning,
                format!("cannot read the journal: {e}"),
            )]
        }
    };
    pending
        .iter()
        .map(|b| {
            let files = b.files.len();
            if b.writer_alive() {
                problem(
                    Severity::Warning,
                    format!(
                        "a kcert {} (pid {}) is changing {files} file(s) right now (journal entry {})",
                        b.kind, b.pid, b.entry
                    ),
                )
            } else {
                problem(
                    Severity::Error,
                    format!(
                        "an interrupted kcert {} (journal entry {}, started {} by pid {}) may have left {files} file(s) half-changed: run `kcert renew --recover` to finish or undo it",
                        b.kind,
                        b.entry,
                        crate::pki::format::datetime(b.time),
                        b.pid
                    ),
                )
            }
        })
        .collect()
}

/// What [`recover`] found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Recovery {
    NothingPending,
    /// The manifest was already back; the stale record was removed.
    AlreadyInPlace {
        pending: Pending,
    },
    /// The manifest was moved back from the backup directory.
    Restored {
        pending: Pending,
    },
    /// The kcert that moved it is still running: left alone.
    InProgress {
        pending: Pending,
    },
    /// Nothing was touched; the reason says what to do by hand.
    Conflict {
        pending: Pending,
        reason: String,
    },
}

fn alive(pid: u32) -> bool {
    pid != std::process::id() && Path::new(&format!("/proc/{pid}")).exists()
}

fn hash_of(path: &Path) -> Option<String> {
    fs::read(path).ok().map(|b| sha256_hex(&b))
}

/// Put back a manifest a killed kcert left in its backup directory.
pub fn recover(tmp_dir: &Path) -> Result<Recovery, JournalError> {
    let Some(p) = read_pending(tmp_dir)? else {
        return Ok(Recovery::NothingPending);
    };
    if alive(p.pid) {
        return Ok(Recovery::InProgress { pending: p });
    }
    // A restart that runs holds the lock; wait for none.
    let _lock = match crate::fsx::lock::acquire(tmp_dir, std::time::Duration::ZERO) {
        Ok(l) => l,
        Err(crate::fsx::LockError::Busy { .. }) => return Ok(Recovery::InProgress { pending: p }),
        Err(crate::fsx::LockError::Io { path, source }) => {
            return Err(JournalError::Io { path, source })
        }
    };
    let here = hash_of(&p.manifest);
    let there = hash_of(&p.moved_to);
    let conflict = |reason: String| Recovery::Conflict {
        pending: p.clone(),
        reason,
    };
    let outcome = match (here, there) {
        (Some(h), _) if h == p.sha256 => Recovery::AlreadyInPlace { pending: p.clone() },
        (Some(_), _) => {
            return Ok(conflict(format!(
                "{} exists but differs from the manifest kcert moved; compare it with {}",
                p.manifest.display(),
                p.moved_to.display()
            )))
        }
        (None, Some(t)) if t == p.sha256 => {
            fsx::move_file(&p.moved_to, &p.manifest).map_err(io_err(&p.manifest))?;
            Recovery::Restored { pending: p.clone() }
        }
        (None, Some(_)) => {
            return Ok(conflict(format!(
                "{} differs from the manifest kcert moved; copy it to {} by hand if it is right",
                p.moved_to.display(),
                p.manifest.display()
            )))
        }
        (None, None) => {
            return Ok(conflict(format!(
                "neither {} nor {} exists",
                p.manifest.display(),
                p.moved_to.display()
            )))
        }
    };
    clear_pending(tmp_dir)?;
    let _ = append_history(
        tmp_dir,
        serde_json::json!({
            "time": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "action": "restart-recovered",
            "component": p.component,
            "manifest": p.manifest,
            "moved_to": p.moved_to,
            "outcome": match &outcome { Recovery::Restored { .. } => "restored", _ => "already in place" },
        }),
    );
    Ok(outcome)
}
