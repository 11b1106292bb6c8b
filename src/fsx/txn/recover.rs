//! Settling what a killed kcert left: finish the change when every new file is in place and
//! checks out, else put every file back from the backups; then remove stray temp files.
//! A file that is neither as before nor as after is never touched: the operator decides.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::run::{backed_of, rollback, RestoreFailure};
use super::{Begin, FileRecord, Fingerprint};
use crate::fsx::disk::{temp_affixes, Disk};
use crate::fsx::journal::{history_in, Appender};
use crate::fsx::lock::{self, LockError};

/// What recovery did with one unfinished change.
#[derive(Debug)]
pub enum Recovered {
    /// Every new file was in place and checked out: the change is now complete.
    Completed { begin: Begin, swept: Vec<PathBuf> },
    /// The files that had changed were put back; `reason` says why it was not completed.
    RolledBack {
        begin: Begin,
        restored: Vec<PathBuf>,
        reason: String,
        swept: Vec<PathBuf>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error("cannot use the journal {}: {source}", path.display())]
    Journal {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("journal entry {entry}: {} is neither as it was before that change nor as it wrote it ({now}); \
             kcert changed nothing. Compare it with the backup in {} and put the right file in place by hand",
             .path.display(), .backup_dir.display())]
    Conflict {
        entry: String,
        path: PathBuf,
        now: String,
        backup_dir: PathBuf,
    },
    #[error("journal entry {entry}: the backup of {} ({}) is missing or differs from the file it copied; \
             kcert changed nothing. Find a good copy of that file and put it in place by hand",
             .path.display(), .copy.as_ref().map_or_else(|| "none".to_string(), |c| c.display().to_string()))]
    BackupDamaged {
        entry: String,
        path: PathBuf,
        copy: Option<PathBuf>,
    },
    #[error("journal entry {entry}: COULD NOT RESTORE {} — copy it back from {} by hand",
            .failures.iter().map(|f| format!("{} ({})", f.path.display(), f.source)).collect::<Vec<_>>().join(", "),
            .backup_dir.display())]
    Restore {
        entry: String,
        failures: Vec<RestoreFailure>,
        backup_dir: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Before,
    After,
}

/// Where each file of `begin` stands, or the first one that is neither.
fn states(begin: &Begin) -> Result<Vec<State>, RecoverError> {
    begin
        .files
        .iter()
        .map(|f| {
            let now = Fingerprint::of(&f.path).map_err(|e| conflict(begin, f, e.to_string()))?;
            if now == f.after {
                Ok(State::After)
            } else if now == f.before {
                Ok(State::Before)
            } else {
                Err(conflict(begin, f, format!("now {now}")))
            }
        })
        .collect()
}

fn conflict(begin: &Begin, f: &FileRecord, now: String) -> RecoverError {
    RecoverError::Conflict {
        entry: begin.entry.clone(),
        path: f.path.clone(),
        now,
        backup_dir: begin.backup_dir.clone(),
    }
}

/// Every backup needed to undo `begin` holds what the file was.
fn check_backups(begin: &Begin, states: &[State]) -> Result<(), RecoverError> {
    for (f, s) in begin.files.iter().zip(states) {
        if *s == State::Before || !matches!(f.before, Fingerprint::File(_)) {
            continue;
        }
        let good = f
            .backup
            .as_deref()
            .is_some_and(|c| Fingerprint::of(c).is_ok_and(|fp| fp == f.before));
        if !good {
            return Err(RecoverError::BackupDamaged {
                entry: begin.entry.clone(),
                path: f.path.clone(),
                copy: f.backup.clone(),
            });
        }
    }
    Ok(())
}

/// Remove kcert temp files (`.NAME.kcert-*.tmp`) beside the files of a change.
pub fn sweep_temps(files: &[&Path]) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for path in files {
        let Some(dir) = path.parent() else { continue };
        let (prefix, suffix) = temp_affixes(path);
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with(&prefix) && name.ends_with(suffix);
            if ours && e.file_type().is_ok_and(|t| !t.is_dir()) && fs::remove_file(e.path()).is_ok()
            {
                removed.push(e.path());
            }
        }
    }
    removed
}

/// Settle every unfinished change in `tmp_dir`, newest first. `verify` checks a change whose
/// every file is in place (e.g. each new certificate against its key and CA); when it fails
/// the change is rolled back instead.
pub fn recover<E: std::fmt::Display>(
    tmp_dir: &Path,
    disk: &mut dyn Disk,
    lock_wait: std::time::Duration,
    verify: impl Fn(&Begin) -> Result<(), E>,
) -> Result<Vec<Recovered>, RecoverError> {
    let _lock = lock::acquire(tmp_dir, lock_wait)?;
    let journal = history_in(tmp_dir);
    let journal_err = |source| RecoverError::Journal {
        path: journal.clone(),
        source,
    };
    let pending = super::unfinished(tmp_dir).map_err(journal_err)?;
    let mut out = Vec::new();
    for begin in pending.into_iter().rev() {
        let states = states(&begin)?;
        let files: Vec<&Path> = begin.files.iter().map(|f| f.path.as_path()).collect();
        let all_new = states.iter().all(|s| *s == State::After);
        let reason = if all_new {
            match verify(&begin) {
                Ok(()) => {
                    end(&journal, &begin, "recovered-done", &begin.history).map_err(journal_err)?;
                    let swept = sweep_temps(&files);
                    out.push(Recovered::Completed { begin, swept });
                    continue;
                }
                Err(e) => format!("every new file was in place, but {e}"),
            }
        } else if states.iter().all(|s| *s == State::Before) {
            "it was interrupted before any file changed".to_string()
        } else {
            "it was interrupted half-way".to_string()
        };
        check_backups(&begin, &states)?;
        let backed: Vec<_> = begin.files.iter().map(backed_of).collect();
        let changed: Vec<PathBuf> = begin
            .files
            .iter()
            .zip(&states)
            .filter(|(_, s)| **s == State::After)
            .map(|(f, _)| f.path.clone())
            .collect();
        let failures = rollback(&backed, &changed, disk);
        if !failures.is_empty() {
            return Err(RecoverError::Restore {
                entry: begin.entry.clone(),
                failures,
                backup_dir: begin.backup_dir.clone(),
            });
        }
        end(&journal, &begin, "recovered-rolled-back", &[]).map_err(journal_err)?;
        let swept = sweep_temps(&files);
        out.push(Recovered::RolledBack {
            begin,
            restored: changed,
            reason,
            swept,
        });
    }
    Ok(out)
}

fn end(
    journal: &Path,
    begin: &Begin,
    outcome: &str,
    history: &[serde_json::Value],
) -> io::Result<()> {
    Appender::open(journal)?.append(&super::end_lines(&begin.entry, outcome, history))
}
