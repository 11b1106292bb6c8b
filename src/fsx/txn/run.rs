//! Carrying out an intent: lock, check nothing moved since the plan, journal the intent,
//! back up, stage every file, rename group by group, verify, journal the end — or put every
//! file back.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::Utc;

use super::{After, Begin, Change, FileRecord, Fingerprint, Intent};
use crate::fsx::backup::{backup_one, mirror, restore, Backed};
use crate::fsx::dirs::{ensure_dir, fresh_private_dir};
use crate::fsx::disk::{Disk, Staged};
use crate::fsx::failpoint;
use crate::fsx::journal::{history_in, Appender};
use crate::fsx::lock::{self, LockError};

/// What a finished change did.
#[derive(Debug)]
pub struct Done {
    pub entry: String,
    pub journal: PathBuf,
    /// The files changed, in order.
    pub written: Vec<PathBuf>,
    /// The change is complete but its end could not be journalled (disk full?): the next
    /// kcert finds it unfinished and `kcert renew --recover` closes it. A sentence of its
    /// own, never folded into other advice.
    pub journal_warning: Option<String>,
}

/// A file the rollback could not put back.
#[derive(Debug)]
pub struct RestoreFailure {
    pub path: PathBuf,
    pub source: io::Error,
}

/// A change that did not happen; every file is as it was unless `restore_failures` says
/// otherwise.
#[derive(Debug, thiserror::Error)]
pub enum TxnError<E: std::error::Error + 'static> {
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("an earlier change (journal entry {entry}, by pid {pid}) was interrupted and is not finished: run `kcert renew --recover` first; nothing was changed")]
    Unfinished { entry: String, pid: u32 },
    #[error("{} changed since this was planned (another renewal, or an edit); nothing was changed: plan again", .0.display())]
    Changed(PathBuf),
    #[error("cannot read {}: {source}; nothing was changed", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the journal {}: {source}; nothing was changed", path.display())]
    Journal {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not back up to {}: {source}; nothing was changed", dir.display())]
    Backup {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("writing {} failed: {source}; {}", path.display(), restored_text(.restore_failures))]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
        restore_failures: Vec<RestoreFailure>,
    },
    #[error("the new files did not check out: {source}; {}", restored_text(.restore_failures))]
    Verify {
        #[source]
        source: E,
        restore_failures: Vec<RestoreFailure>,
    },
}

impl<E: std::error::Error + 'static> TxnError<E> {
    /// Some file could not be put back: the operator must copy it from the backup.
    pub fn left_changes(&self) -> bool {
        self.restore_failures().is_some_and(|f| !f.is_empty())
    }

    /// Refused before any file was touched.
    pub fn changed_nothing(&self) -> bool {
        self.restore_failures().is_none()
    }

    fn restore_failures(&self) -> Option<&[RestoreFailure]> {
        match self {
            TxnError::Write {
                restore_failures, ..
            }
            | TxnError::Verify {
                restore_failures, ..
            } => Some(restore_failures),
            _ => None,
        }
    }
}

fn restored_text(failures: &[RestoreFailure]) -> String {
    if failures.is_empty() {
        return "every file was restored from the backup".into();
    }
    let list: Vec<String> = failures
        .iter()
        .map(|f| format!("{} ({})", f.path.display(), f.source))
        .collect();
    format!(
        "COULD NOT RESTORE {} — copy it back from the backup by hand",
        list.join(", ")
    )
}

fn new_entry() -> String {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}-{}",
        Utc::now().format("%Y%m%dT%H%M%SZ"),
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst) + 1
    )
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The journal of one change: every line carries the entry.
struct Log {
    file: Appender,
    entry: String,
}

impl Log {
    /// Best effort and not synced on its own (the next synced line carries it): an
    /// informative step must neither stop nor slow the change.
    fn step(&mut self, step: &str, group: Option<usize>) {
        let mut v = serde_json::json!({
            "time": now(), "action": "step", "entry": self.entry, "step": step,
        });
        if let (Some(g), Some(o)) = (group, v.as_object_mut()) {
            o.insert("group".into(), g.into());
        }
        let _ = self.file.append_unsynced(&[v]);
    }

    fn end(&mut self, outcome: &str, history: &[serde_json::Value]) -> io::Result<()> {
        let lines = super::end_lines(&self.entry, outcome, history);
        self.file.append(&lines)
    }
}

/// Put back the files already changed, newest first.
pub(super) fn rollback(
    backed: &[Backed],
    changed: &[PathBuf],
    disk: &mut dyn Disk,
) -> Vec<RestoreFailure> {
    changed
        .iter()
        .rev()
        .filter_map(|w| backed.iter().find(|b| &b.original == w))
        .filter_map(|b| {
            restore(b, disk).err().map(|source| RestoreFailure {
                path: b.original.clone(),
                source,
            })
        })
        .collect()
}

fn stage(c: &Change<'_>, disk: &mut dyn Disk) -> io::Result<Option<Staged>> {
    match c.after {
        After::File { bytes, perms } => disk.stage_file(c.path, bytes, perms).map(Some),
        After::Link(target) => disk.stage_symlink(c.path, target).map(Some),
        After::Absent => Ok(None),
    }
}

/// Carry out `intent`. Nothing changes unless the lock is taken, no earlier change is
/// unfinished, every file is as the caller saw it, and the intent is journalled and every
/// file backed up; `verify` then judges the result, and a failure puts everything back.
pub fn run<E: std::error::Error + 'static>(
    intent: &Intent<'_>,
    disk: &mut dyn Disk,
    verify: impl FnOnce() -> Result<(), E>,
) -> Result<Done, TxnError<E>> {
    let _lock = lock::acquire(intent.tmp_dir, intent.lock_wait)?;
    let journal = history_in(intent.tmp_dir);
    let journal_err = |source| TxnError::Journal {
        path: journal.clone(),
        source,
    };
    if let Some(b) = super::unfinished(intent.tmp_dir)
        .map_err(journal_err)?
        .into_iter()
        .next()
    {
        return Err(TxnError::Unfinished {
            entry: b.entry,
            pid: b.pid,
        });
    }
    for c in &intent.changes {
        let now = Fingerprint::of(c.path).map_err(|source| TxnError::Read {
            path: c.path.to_path_buf(),
            source,
        })?;
        if now != c.before {
            return Err(TxnError::Changed(c.path.to_path_buf()));
        }
    }

    ensure_dir(intent.tmp_dir).map_err(journal_err)?;
    let mut log = Log {
        file: Appender::open(&journal).map_err(journal_err)?,
        entry: new_entry(),
    };
    let files: Vec<FileRecord> = intent
        .changes
        .iter()
        .map(|c| FileRecord {
            path: c.path.to_path_buf(),
            group: c.group,
            before: c.before.clone(),
            after: c.after.fingerprint(),
            backup: (c.before != Fingerprint::Absent).then(|| mirror(intent.backup_dir, c.path)),
        })
        .collect();
    let begin = Begin {
        time: Utc::now(),
        action: "begin".into(),
        entry: log.entry.clone(),
        kind: intent.kind.into(),
        pid: std::process::id(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        backup_dir: intent.backup_dir.to_path_buf(),
        files,
        history: intent.history.clone(),
        detail: intent.detail.clone(),
    };
    // A path JSON cannot hold (not UTF-8) would make a record recovery cannot use: refuse.
    let begin = serde_json::to_value(&begin).map_err(|e| journal_err(io::Error::other(e)))?;
    log.file.append(&[begin]).map_err(journal_err)?;
    failpoint::hit("begin", &journal);

    let backed = match back_up(intent) {
        Ok(b) => b,
        Err(source) => {
            let _ = log.end("failed", &[]);
            return Err(TxnError::Backup {
                dir: intent.backup_dir.to_path_buf(),
                source,
            });
        }
    };
    log.step("backed-up", None);

    // Every new file is complete on disk before the first rename.
    let mut staged: Vec<Option<Staged>> = Vec::new();
    for c in &intent.changes {
        match stage(c, disk) {
            Ok(s) => staged.push(s),
            Err(source) => {
                let _ = log.end("failed", &[]);
                return Err(TxnError::Write {
                    path: c.path.to_path_buf(),
                    source,
                    restore_failures: Vec::new(),
                });
            }
        }
    }

    let mut written: Vec<PathBuf> = Vec::new();
    let mut group = None;
    for (c, s) in intent.changes.iter().zip(staged) {
        if group.is_some_and(|g| g != c.group) {
            log.step("replaced", group);
        }
        group = Some(c.group);
        let result = match s {
            Some(s) => disk.commit(s),
            None => disk.remove(c.path),
        };
        if let Err(source) = result {
            let restore_failures = rollback(&backed, &written, disk);
            let _ = log.end("rolled-back", &[]);
            return Err(TxnError::Write {
                path: c.path.to_path_buf(),
                source,
                restore_failures,
            });
        }
        written.push(c.path.to_path_buf());
        failpoint::hit("replaced", c.path);
    }
    if group.is_some() {
        log.step("replaced", group);
    }

    if let Err(source) = verify() {
        let restore_failures = rollback(&backed, &written, disk);
        let _ = log.end("rolled-back", &[]);
        return Err(TxnError::Verify {
            source,
            restore_failures,
        });
    }
    failpoint::hit("verified", &journal);
    let journal_warning = log.end("done", &intent.history).err().map(|e| {
        format!(
            "the {} is complete, but the journal {} could not record its end ({e}); \
             `kcert renew --recover` will close it",
            intent.kind,
            journal.display()
        )
    });
    failpoint::hit("end", &journal);
    Ok(Done {
        entry: log.entry,
        journal,
        written,
        journal_warning,
    })
}

/// Back up every file of the intent and prove each copy holds what the plan saw.
fn back_up(intent: &Intent<'_>) -> io::Result<Vec<Backed>> {
    fresh_private_dir(intent.backup_dir)?;
    let mut backed: Vec<Backed> = Vec::new();
    for c in &intent.changes {
        if backed.iter().any(|b| b.original == c.path) {
            continue;
        }
        let b = backup_one(c.path, intent.backup_dir)?;
        let copied = match &b.copy {
            Some(copy) => Fingerprint::of(copy)?,
            None => Fingerprint::Absent,
        };
        if copied != c.before {
            return Err(io::Error::other(format!(
                "the copy of {} does not match the file (it changed while being copied)",
                c.path.display()
            )));
        }
        failpoint::hit("backup", c.path);
        backed.push(b);
    }
    crate::fsx::backup::sync_dirs_below(intent.backup_dir)?;
    Ok(backed)
}

/// The backed-up state of a journalled file, for putting it back after a crash.
pub(super) fn backed_of(f: &FileRecord) -> Backed {
    let link_target = match &f.before {
        Fingerprint::Link(t) => Some(t.clone()),
        _ => None,
    };
    Backed {
        original: f.path.clone(),
        copy: f.backup.clone(),
        link_target,
    }
}
