//! Carry out a plan: back up, write atomically, prove the result, or put everything back.

use std::io;
use std::path::{Path, PathBuf};

use super::plan::{Contents, Plan};
use crate::error::ScanError;
use crate::fsx::{self, backup, restore, Backed, Disk};
use crate::pki::{self, ChainVerdict, ProblemKind, ScanOptions, Thresholds};

/// What a successful renewal did.
#[derive(Debug, Clone)]
pub struct Applied {
    pub backup_dir: PathBuf,
    pub journal: PathBuf,
    /// The files written, in order.
    pub written: Vec<PathBuf>,
    pub restart: Vec<String>,
}

/// A renewal that did not happen; every file is as it was unless `restore_failures` says otherwise.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
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
    #[error("the renewed files did not check out: {source}; {}", restored_text(.restore_failures))]
    Verify {
        #[source]
        source: VerifyError,
        restore_failures: Vec<RestoreFailure>,
    },
}

impl ApplyError {
    /// Some file could not be put back: the operator must copy it from the backup.
    pub fn left_changes(&self) -> bool {
        match self {
            ApplyError::Backup { .. } => false,
            ApplyError::Write {
                restore_failures, ..
            }
            | ApplyError::Verify {
                restore_failures, ..
            } => !restore_failures.is_empty(),
        }
    }
}

/// A file the rollback could not put back.
#[derive(Debug)]
pub struct RestoreFailure {
    pub path: PathBuf,
    pub source: io::Error,
}

/// What the re-scan after writing found wrong.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("the new certificate for {label} is not in {}", .path.display())]
    Missing { label: String, path: PathBuf },
    #[error("the new certificate for {label} does not verify under {}", .ca.display())]
    WrongCa { label: String, ca: PathBuf },
    #[error("the new certificate for {label} does not match its key")]
    KeyMismatch { label: String },
    #[error("{}: {message}", .path.display())]
    Kubeconfig { path: PathBuf, message: String },
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

/// Restore the files already written, newest first. A write that failed left its file
/// untouched (writes are atomic), so only completed writes are undone.
fn rollback(backed: &[Backed], written: &[PathBuf], disk: &mut dyn Disk) -> Vec<RestoreFailure> {
    written
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

/// Execute `plan`. Nothing is changed unless the backup succeeded first.
pub fn apply(plan: &Plan, disk: &mut dyn Disk) -> Result<Applied, ApplyError> {
    let paths: Vec<&Path> = plan
        .items
        .iter()
        .flat_map(|i| i.writes.iter().map(|w| w.path.as_path()))
        .collect();
    let backed = backup(&paths, &plan.backup_dir).map_err(|source| ApplyError::Backup {
        dir: plan.backup_dir.clone(),
        source,
    })?;
    let mut written = Vec::new();
    for w in plan.items.iter().flat_map(|i| &i.writes) {
        let result = match &w.contents {
            Contents::File(bytes) => disk.write_file(&w.path, bytes, w.mode),
            Contents::Symlink(target) => disk.swap_symlink(&w.path, target),
        };
        if let Err(source) = result {
            return Err(ApplyError::Write {
                path: w.path.clone(),
                source,
                restore_failures: rollback(&backed, &written, disk),
            });
        }
        written.push(w.path.clone());
    }
    if let Err(source) = verify(plan) {
        return Err(ApplyError::Verify {
            source,
            restore_failures: rollback(&backed, &written, disk),
        });
    }
    // The journal is a record, not part of the change: failing to write it is reported, not undone.
    let journal_note = journal(plan).err();
    let mut restart = plan.restart.clone();
    if let Some(e) = journal_note {
        restart.push(format!(
            "(journal {} not written: {e})",
            plan.journal.display()
        ));
    }
    Ok(Applied {
        backup_dir: plan.backup_dir.clone(),
        journal: plan.journal.clone(),
        written,
        restart,
    })
}

/// Re-scan what was written: each new certificate must be there, verify under its CA and
/// match its key; each kubeconfig must load.
fn verify(plan: &Plan) -> Result<(), VerifyError> {
    let mut roots: Vec<PathBuf> = plan
        .items
        .iter()
        .flat_map(|i| i.writes.iter().map(|w| w.path.clone()))
        .collect();
    roots.extend(plan.items.iter().map(|i| i.ca_path.clone()));
    roots.sort();
    roots.dedup();
    let inv = pki::scan(&ScanOptions::new(
        roots,
        plan.created_at,
        Thresholds::default(),
    ))?;
    for item in &plan.items {
        let cert = inv
            .certs
            .iter()
            .find(|c| c.sha256 == item.new_sha256)
            .ok_or_else(|| VerifyError::Missing {
                label: item.label.clone(),
                path: item.cert_path.clone(),
            })?;
        let ca_ok = cert.chain == ChainVerdict::Verified
            && cert
                .issuer_id
                .is_some_and(|i| inv.certs[i].origin.path() == item.ca_path);
        if !ca_ok {
            return Err(VerifyError::WrongCa {
                label: item.label.clone(),
                ca: item.ca_path.clone(),
            });
        }
        if cert.key_match != Some(true) {
            return Err(VerifyError::KeyMismatch {
                label: item.label.clone(),
            });
        }
    }
    if let Some(p) = inv
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::Kubeconfig)
    {
        return Err(VerifyError::Kubeconfig {
            path: p.path.clone(),
            message: p.message.clone(),
        });
    }
    Ok(())
}

fn journal(plan: &Plan) -> std::io::Result<()> {
    let lines: Vec<serde_json::Value> = plan
        .items
        .iter()
        .map(|item| {
            serde_json::json!({
                "time": plan.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "action": "renew",
                "what": item.label,
                "path": item.cert_path,
                "ca": item.ca_path,
                "old_serial": item.old_serial,
                "old_not_before": item.old_not_before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "old_not_after": item.old_not_after.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "new_serial": item.new_serial,
                "old_sha256": item.old_sha256,
                "new_sha256": item.new_sha256,
                "not_after": item.new_not_after.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "files": item.writes.iter().map(|w| &w.path).collect::<Vec<_>>(),
                "backup_dir": plan.backup_dir,
            })
        })
        .collect();
    fsx::journal::append(&plan.journal, &lines)
}
