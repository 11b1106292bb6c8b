//! Carry out a plan through the file-safety layer's write-ahead change ([`crate::fsx::txn`]):
//! lock, journal, back up, stage every file, rename each key with its certificate back to
//! back, prove the result, or put everything back.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ca::CaCheck;
use super::plan::{Contents, Plan};
use crate::error::ScanError;
use crate::fsx::txn::{self, After, Change, Intent, TxnError};
use crate::fsx::{lock, Disk, Perms};
use crate::pki::{self, ChainVerdict, ProblemKind, ScanOptions, Thresholds};

pub use crate::fsx::txn::RestoreFailure;

/// A renewal that did not happen; every file is as it was unless it says otherwise
/// ([`TxnError::left_changes`]).
pub type ApplyError = TxnError<VerifyError>;

/// What a successful renewal did.
#[derive(Debug, Clone)]
pub struct Applied {
    pub backup_dir: PathBuf,
    pub journal: PathBuf,
    /// The journal entry (`kcert restore ENTRY` undoes it).
    pub entry: String,
    /// The files written, in order.
    pub written: Vec<PathBuf>,
    pub restart: Vec<String>,
    /// The renewal is complete but the journal could not record its end (disk full?):
    /// said in its own sentence, never inside the restart advice.
    pub journal_warning: Option<String>,
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
    #[error("{label} no longer verifies under the renewed CA {}", .ca.display())]
    LeafBroken { label: String, ca: PathBuf },
    #[error("{} still holds the old certificate of CA {label}", .path.display())]
    OldCopyLeft { label: String, path: PathBuf },
}

/// One renewed certificate to prove after writing; kept in the journal so a recovery after
/// a crash proves it the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub label: String,
    pub cert_path: PathBuf,
    pub ca_path: PathBuf,
    /// SHA-256 of the new certificate's DER.
    pub cert_sha256: String,
}

/// Execute `plan`. Nothing is changed unless the lock, the journal and the backup succeed first.
pub fn apply(plan: &Plan, disk: &mut dyn Disk) -> Result<Applied, ApplyError> {
    let changes: Vec<Change<'_>> = plan
        .items
        .iter()
        .enumerate()
        .flat_map(|(group, item)| {
            item.writes.iter().map(move |w| Change {
                path: &w.path,
                group,
                before: w.before.clone(),
                after: match &w.contents {
                    Contents::File(bytes) => After::File {
                        bytes,
                        perms: Perms::KeepOr(w.mode),
                    },
                    Contents::Symlink(target) => After::Link(target),
                },
            })
        })
        .collect();
    let checks: Vec<Check> = plan
        .items
        .iter()
        .filter(|i| i.ca_check.is_none())
        .map(|i| Check {
            label: i.label.clone(),
            cert_path: i.cert_path.clone(),
            ca_path: i.ca_path.clone(),
            cert_sha256: i.new_sha256.clone(),
        })
        .collect();
    let ca_checks: Vec<CaCheck> = plan
        .items
        .iter()
        .filter_map(|i| i.ca_check.clone())
        .collect();
    let files: Vec<PathBuf> = changes.iter().map(|c| c.path.to_path_buf()).collect();
    let intent = Intent {
        kind: "renew",
        tmp_dir: &plan.tmp_dir,
        backup_dir: &plan.backup_dir,
        changes,
        history: history(plan),
        detail: serde_json::json!({ "checks": checks, "ca_checks": ca_checks, "restart": plan.restart }),
        lock_wait: lock::DEFAULT_WAIT,
    };
    let done = txn::run(&intent, disk, || {
        verify(&checks, &files, plan.created_at)?;
        ca_checks
            .iter()
            .try_for_each(|c| verify_ca(c, &files, plan.created_at))
    })?;
    Ok(Applied {
        backup_dir: plan.backup_dir.clone(),
        journal: done.journal,
        entry: done.entry,
        written: done.written,
        restart: plan.restart.clone(),
        journal_warning: done.journal_warning,
    })
}

/// Re-scan what was written: each new certificate must be there, verify under its CA and
/// match its key; each kubeconfig must load.
pub fn verify(checks: &[Check], files: &[PathBuf], now: DateTime<Utc>) -> Result<(), VerifyError> {
    let mut roots: Vec<PathBuf> = files.to_vec();
    roots.extend(checks.iter().map(|c| c.ca_path.clone()));
    roots.sort();
    roots.dedup();
    let inv = pki::scan(&ScanOptions::new(roots, now, Thresholds::default()))?;
    for check in checks {
        let cert = inv
            .certs
            .iter()
            .find(|c| c.sha256 == check.cert_sha256)
            .ok_or_else(|| VerifyError::Missing {
                label: check.label.clone(),
                path: check.cert_path.clone(),
            })?;
        let ca_ok = cert.chain == ChainVerdict::Verified
            && cert
                .issuer_id
                .is_some_and(|i| inv.certs[i].origin.path() == check.ca_path);
        if !ca_ok {
            return Err(VerifyError::WrongCa {
                label: check.label.clone(),
                ca: check.ca_path.clone(),
            });
        }
        if cert.key_match != Some(true) {
            return Err(VerifyError::KeyMismatch {
                label: check.label.clone(),
            });
        }
    }
    kubeconfigs_load(&inv, files)
}

/// Every kubeconfig among `files` loads.
fn kubeconfigs_load(inv: &pki::Inventory, files: &[PathBuf]) -> Result<(), VerifyError> {
    match inv
        .problems
        .iter()
        .find(|p| p.kind == ProblemKind::Kubeconfig && files.contains(&p.path))
    {
        Some(p) => Err(VerifyError::Kubeconfig {
            path: p.path.clone(),
            message: p.message.clone(),
        }),
        None => Ok(()),
    }
}

/// Re-scan the roots after a CA renewal: the new certificate is in its file, every leaf that
/// verified under the old one verifies under it, no file outside the backups holds the old
/// certificate, and every kubeconfig loads.
pub fn verify_ca(
    check: &CaCheck,
    files: &[PathBuf],
    now: DateTime<Utc>,
) -> Result<(), VerifyError> {
    let inv = pki::scan(&ScanOptions::new(
        check.roots.clone(),
        now,
        Thresholds::default(),
    ))?;
    let ca = inv
        .certs
        .iter()
        .position(|c| c.sha256 == check.new_sha256 && c.origin.path() == check.ca_path)
        .ok_or_else(|| VerifyError::Missing {
            label: check.label.clone(),
            path: check.ca_path.clone(),
        })?;
    let ca = inv.original(ca);
    for (label, sha) in &check.leaves {
        let ok = inv.certs.iter().any(|c| {
            c.sha256 == *sha
                && c.chain == ChainVerdict::Verified
                && c.issuer_id
                    .is_some_and(|i| inv.certs[i].sha256 == check.new_sha256)
        });
        // Verified under the same original; a leaf file gone since the plan is not this change's.
        let gone = !inv.certs.iter().any(|c| c.sha256 == *sha);
        if !ok && !gone {
            return Err(VerifyError::LeafBroken {
                label: label.clone(),
                ca: inv.certs[ca].origin.path().to_path_buf(),
            });
        }
    }
    if let Some(c) = inv.certs.iter().find(|c| c.sha256 == check.old_sha256) {
        return Err(VerifyError::OldCopyLeft {
            label: check.label.clone(),
            path: c.origin.path().to_path_buf(),
        });
    }
    kubeconfigs_load(&inv, files)
}

/// One history line per renewed certificate, appended when the renewal is done.
fn history(plan: &Plan) -> Vec<serde_json::Value> {
    plan.items
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
        .collect()
}
