//! `kcert restore`: put back the files a renewal replaced, from its backup, as one more
//! journalled change (lock, backups of the current files, private temp files, renames back to
//! back) so a restore can itself be recovered or undone.
//!
//! What to restore is a journal entry, a backup directory (with its journal entry, or a bare
//! one from an older kcert: every file in it goes back to the path it mirrors), or by default
//! the last renewal not already restored.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::fsx::backup::{mirror, perms_of};
use crate::fsx::txn::{self, After, Begin, Change, Fingerprint, Intent, TxnError};
use crate::fsx::{lock, Disk, Perms};
use crate::pki::absolute;

/// One file to put back.
#[derive(Debug, Clone)]
pub struct RestoreFile {
    pub path: PathBuf,
    pub group: usize,
    /// What it is now (the renewal's file); restoring refuses if it changes before then.
    pub now: Fingerprint,
    /// What it becomes.
    pub back: Back,
}

/// What a restored file becomes; `Debug` never shows contents (they may be a private key).
#[derive(Clone)]
pub enum Back {
    File { bytes: Vec<u8>, perms: Perms },
    Link(PathBuf),
    Absent,
}

impl std::fmt::Debug for Back {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Back::File { bytes, perms } => write!(f, "file ({} bytes, {perms:?})", bytes.len()),
            Back::Link(t) => write!(f, "symlink to {}", t.display()),
            Back::Absent => f.write_str("removed"),
        }
    }
}

/// A restore, worked out and not yet done.
#[derive(Debug, Clone)]
pub struct RestorePlan {
    pub tmp_dir: PathBuf,
    /// The journal entry undone; `None` for a bare backup directory.
    pub of: Option<String>,
    /// When the change undone was made.
    pub of_time: Option<DateTime<Utc>>,
    /// Where the old files come from.
    pub source: PathBuf,
    pub files: Vec<RestoreFile>,
    /// Where the current files are backed up first.
    pub backup_dir: PathBuf,
    /// Components to restart afterwards (as after the renewal).
    pub restart: Vec<String>,
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub entry: String,
    pub written: Vec<PathBuf>,
    pub backup_dir: PathBuf,
    pub journal_warning: Option<String>,
}

pub type RestoreApplyError = TxnError<Infallible>;

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("cannot read the journal in {}: {source}", dir.display())]
    Journal {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no renewal to restore: the journal in {} records none that is not already restored", .0.display())]
    NothingRecorded(PathBuf),
    #[error("{what:?} is neither a journal entry in {} nor a backup directory", .dir.display())]
    Unknown { what: String, dir: PathBuf },
    #[error("journal entry {0} did not finish; run `kcert renew --recover` first")]
    Unfinished(String),
    #[error("journal entry {entry} failed and was rolled back already: nothing to restore")]
    NotDone { entry: String },
    #[error("{} is no longer what journal entry {entry} wrote (a later renewal?): restore that one first, or put the file back by hand from {}", .path.display(), .source_dir.display())]
    Changed {
        entry: String,
        path: PathBuf,
        source_dir: PathBuf,
    },
    #[error("every file of journal entry {0} is already as it was before it")]
    AlreadyRestored(String),
    #[error("the backup {} of {} is missing or does not hold what the journal says; not restoring", .copy.display(), .path.display())]
    BadBackup { path: PathBuf, copy: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn read_err(path: &Path) -> impl FnOnce(std::io::Error) -> RestoreError + '_ {
    move |source| RestoreError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Work out a restore of `which` (an entry, a backup directory, or the last renewal).
pub fn plan_restore(
    tmp_dir: &Path,
    which: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RestorePlan, RestoreError> {
    let entries = txn::entries(tmp_dir).map_err(|source| RestoreError::Journal {
        dir: tmp_dir.to_path_buf(),
        source,
    })?;
    let undone: Vec<String> = entries
        .iter()
        .filter(|(b, end)| b.kind == "restore" && is_done(end))
        .filter_map(|(b, _)| b.detail["of"].as_str().map(str::to_string))
        .collect();
    let chosen = match which {
        None => entries
            .iter()
            .rev()
            .find(|(b, end)| b.kind == "renew" && is_done(end) && !undone.contains(&b.entry))
            .ok_or_else(|| RestoreError::NothingRecorded(tmp_dir.to_path_buf()))?,
        Some(w) => {
            let as_dir = absolute(Path::new(w));
            match entries
                .iter()
                .rev()
                .find(|(b, _)| b.entry == w || b.backup_dir == as_dir)
            {
                Some(found) => found,
                None if as_dir.is_dir() => return bare_dir(tmp_dir, &as_dir, now),
                None => {
                    return Err(RestoreError::Unknown {
                        what: w.to_string(),
                        dir: tmp_dir.to_path_buf(),
                    })
                }
            }
        }
    };
    let (begin, end) = chosen;
    match end.as_deref() {
        None => return Err(RestoreError::Unfinished(begin.entry.clone())),
        Some(o) if !is_done(&Some(o.to_string())) => {
            return Err(RestoreError::NotDone {
                entry: begin.entry.clone(),
            })
        }
        _ => {}
    }
    from_entry(tmp_dir, begin, now)
}

fn is_done(end: &Option<String>) -> bool {
    matches!(end.as_deref(), Some("done" | "recovered-done"))
}

fn restore_backup_dir(tmp_dir: &Path, now: DateTime<Utc>) -> PathBuf {
    crate::fsx::unused_dir(&tmp_dir.join(format!(
        "kcert-backup-restore-{}",
        now.format("%Y%m%dT%H%M%SZ")
    )))
}

fn restart_of(begin: &Begin) -> Vec<String> {
    serde_json::from_value(begin.detail["restart"].clone()).unwrap_or_default()
}

fn from_entry(
    tmp_dir: &Path,
    begin: &Begin,
    now: DateTime<Utc>,
) -> Result<RestorePlan, RestoreError> {
    let mut files = Vec::new();
    let mut already = 0;
    for f in &begin.files {
        let current = Fingerprint::of(&f.path).map_err(read_err(&f.path))?;
        if current == f.before {
            already += 1;
            continue;
        }
        if current != f.after {
            return Err(RestoreError::Changed {
                entry: begin.entry.clone(),
                path: f.path.clone(),
                source_dir: begin.backup_dir.clone(),
            });
        }
        let back = match &f.before {
            Fingerprint::Absent => Back::Absent,
            Fingerprint::Link(t) => Back::Link(t.clone()),
            Fingerprint::File(_) => {
                let copy = f
                    .backup
                    .clone()
                    .unwrap_or_else(|| mirror(&begin.backup_dir, &f.path));
                let bad = || RestoreError::BadBackup {
                    path: f.path.clone(),
                    copy: copy.clone(),
                };
                let (mut file, _) = crate::pki::open::open_regular(&copy).map_err(|_| bad())?;
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut file, &mut bytes).map_err(read_err(&copy))?;
                if Fingerprint::of_bytes(&bytes) != f.before {
                    return Err(bad());
                }
                let perms = perms_of(&copy).map_err(read_err(&copy))?;
                Back::File { bytes, perms }
            }
        };
        files.push(RestoreFile {
            path: f.path.clone(),
            group: f.group,
            now: current,
            back,
        });
    }
    if files.is_empty() && already > 0 {
        return Err(RestoreError::AlreadyRestored(begin.entry.clone()));
    }
    Ok(RestorePlan {
        tmp_dir: tmp_dir.to_path_buf(),
        of: Some(begin.entry.clone()),
        of_time: Some(begin.time),
        source: begin.backup_dir.clone(),
        files,
        backup_dir: restore_backup_dir(tmp_dir, now),
        restart: restart_of(begin),
    })
}

/// A backup directory without a journal entry: every file in it goes back to the absolute
/// path it mirrors. Symlinks inside it are restored as symlinks, never followed.
fn bare_dir(tmp_dir: &Path, dir: &Path, now: DateTime<Utc>) -> Result<RestorePlan, RestoreError> {
    let meta = std::fs::symlink_metadata(dir).map_err(read_err(dir))?;
    if !meta.is_dir() {
        return Err(RestoreError::Unknown {
            what: dir.display().to_string(),
            dir: tmp_dir.to_path_buf(),
        });
    }
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let e = e.map_err(|e| read_err(dir)(e.into()))?;
        if e.file_type().is_dir() {
            continue;
        }
        let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
        let path = Path::new("/").join(rel);
        let back = if e.file_type().is_symlink() {
            Back::Link(std::fs::read_link(e.path()).map_err(read_err(e.path()))?)
        } else {
            let (mut file, _) =
                crate::pki::open::open_regular(e.path()).map_err(read_err(e.path()))?;
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut bytes).map_err(read_err(e.path()))?;
            Back::File {
                bytes,
                perms: perms_of(e.path()).map_err(read_err(e.path()))?,
            }
        };
        files.push(RestoreFile {
            now: Fingerprint::of(&path).map_err(read_err(&path))?,
            path,
            group: 0,
            back,
        });
    }
    Ok(RestorePlan {
        tmp_dir: tmp_dir.to_path_buf(),
        of: None,
        of_time: None,
        source: dir.to_path_buf(),
        files,
        backup_dir: restore_backup_dir(tmp_dir, now),
        restart: Vec::new(),
    })
}

/// The restore as lines of text: what goes back, from where.
pub fn describe_restore(plan: &RestorePlan) -> Vec<String> {
    let mut out = vec![match (&plan.of, plan.of_time) {
        (Some(e), Some(t)) => format!(
            "Restore the renewal of {} (journal entry {e}) from {}; the current files are backed up to {}",
            crate::pki::format::datetime(t),
            plan.source.display(),
            plan.backup_dir.display()
        ),
        _ => format!(
            "Restore every file in {} to the path it mirrors; the current files are backed up to {}",
            plan.source.display(),
            plan.backup_dir.display()
        ),
    }];
    for f in &plan.files {
        out.push(match &f.back {
            Back::File { .. } => format!("  put back {}", f.path.display()),
            Back::Link(t) => format!("  point {} at {}", f.path.display(), t.display()),
            Back::Absent => format!("  remove {} (it did not exist before)", f.path.display()),
        });
    }
    if !plan.restart.is_empty() {
        out.push(format!(
            "Afterwards restart {} to use the old files.",
            super::and_list(&plan.restart)
        ));
    }
    out
}

/// Carry out a restore with the same safety as a renewal.
pub fn apply_restore(
    plan: &RestorePlan,
    disk: &mut dyn Disk,
) -> Result<Restored, RestoreApplyError> {
    let changes: Vec<Change<'_>> = plan
        .files
        .iter()
        .map(|f| Change {
            path: &f.path,
            group: f.group,
            before: f.now.clone(),
            after: match &f.back {
                Back::File { bytes, perms } => After::File {
                    bytes,
                    perms: *perms,
                },
                Back::Link(t) => After::Link(t),
                Back::Absent => After::Absent,
            },
        })
        .collect();
    let history = vec![serde_json::json!({
        "time": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "action": "restore",
        "of": plan.of,
        "files": plan.files.iter().map(|f| &f.path).collect::<Vec<_>>(),
    })];
    let intent = Intent {
        kind: "restore",
        tmp_dir: &plan.tmp_dir,
        backup_dir: &plan.backup_dir,
        changes,
        history,
        detail: serde_json::json!({ "of": plan.of, "source": plan.source, "restart": plan.restart }),
        lock_wait: lock::DEFAULT_WAIT,
    };
    let done = txn::run(&intent, disk, || Ok::<(), Infallible>(()))?;
    Ok(Restored {
        entry: done.entry,
        written: done.written,
        backup_dir: plan.backup_dir.clone(),
        journal_warning: done.journal_warning,
    })
}
