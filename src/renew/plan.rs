//! The plan: every new certificate signed in memory, every file write spelled out, every
//! certificate that cannot be renewed refused with the reason and what to do instead.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::ca::{plan_ca, CaCheck};
use super::item::plan_one;
use super::refused::Refused;
use super::select::{resolve, Selection};
use super::{RenewError, RenewOptions};
use crate::fsx::txn::Fingerprint;
use crate::pki::distro::{self, Handover};
use crate::pki::{CertId, Inventory};
use crate::runtime;

/// One file to write; `Debug` never shows the contents (they may hold a private key).
#[derive(Clone)]
pub struct Write {
    pub path: PathBuf,
    pub contents: Contents,
    /// Mode for a new file; an existing file keeps its own mode and owner.
    pub mode: u32,
    /// What the file was when the plan was made: applying refuses if it changed since.
    pub before: Fingerprint,
    /// What changes in it, when it is not the certificate's own file (a CA's copies).
    pub what: String,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Contents {
    File(Vec<u8>),
    /// Replace `path` with a symlink to this target (the kubelet's `-current.pem`).
    Symlink(PathBuf),
}

impl fmt::Debug for Write {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.contents {
            Contents::File(b) => write!(
                f,
                "write {} ({} bytes, mode {:o})",
                self.path.display(),
                b.len(),
                self.mode
            ),
            Contents::Symlink(t) => write!(f, "symlink {} -> {}", self.path.display(), t.display()),
        }
    }
}

/// One certificate to renew.
#[derive(Debug, Clone)]
pub struct Item {
    pub cert_id: CertId,
    pub label: String,
    pub cert_path: PathBuf,
    /// What it was under when kubeadm's CA for it is another (`ca` for a `front-proxy-client`
    /// signed by the wrong CA); `None` when it stays under the CA that signed it.
    pub was_under: Option<String>,
    pub ca_label: String,
    pub ca_path: PathBuf,
    pub old_serial: String,
    pub old_sha256: String,
    pub old_not_before: DateTime<Utc>,
    pub old_not_after: DateTime<Utc>,
    pub new_der: Vec<u8>,
    pub new_serial: String,
    pub new_sha256: String,
    pub new_not_before: DateTime<Utc>,
    pub new_not_after: DateTime<Utc>,
    /// NotAfter was cut to the CA's NotAfter.
    pub capped_at_ca: bool,
    /// `new ECDSA-P256 key (SEC1)` or `existing key kept`.
    pub key: String,
    pub writes: Vec<Write>,
    pub notes: Vec<String>,
    /// A CA renewed with its own key: what proves it after writing.
    pub ca_check: Option<CaCheck>,
}

/// A certificate that will not be renewed, and why.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub label: String,
    pub path: PathBuf,
    pub reason: Refused,
}

/// A certificate the node's distribution renews itself: nothing is written for it; the
/// distribution's commands are shown instead.
#[derive(Debug, Clone)]
pub struct Delegation {
    pub label: String,
    pub path: PathBuf,
    pub handover: Handover,
}

/// Everything a renewal will do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub created_at: DateTime<Utc>,
    pub items: Vec<Item>,
    pub refused: Vec<Refusal>,
    /// Left out of `--all`/`--expiring` because no CA key for them is on this node
    /// (an external CA, or the kubelet's self-signed serving certificate): not a failure.
    pub skipped: Vec<Refusal>,
    /// Left to the distribution (k3s, RKE2, MicroK8s, read-only layouts), decided before any
    /// signing or writing.
    pub delegated: Vec<Delegation>,
    pub backup_dir: PathBuf,
    /// `<kubernetes dir>/tmp`: the journal and the lock.
    pub tmp_dir: PathBuf,
    /// The journal the change is recorded in (see [`crate::fsx::txn`] for its format).
    pub journal: PathBuf,
    /// Components that must restart to use the new files, e.g. `kube-apiserver`.
    pub restart: Vec<String>,
}

/// Select, check and sign; nothing is written.
pub fn plan(
    inv: &Inventory,
    selection: &Selection,
    opts: &RenewOptions,
) -> Result<Plan, RenewError> {
    let ids = resolve(inv, selection).map_err(RenewError::UnknownNames)?;
    let mut items = Vec::new();
    let mut refused = Vec::new();
    let mut skipped = Vec::new();
    let mut delegated = Vec::new();
    let sweeping = matches!(selection, Selection::All | Selection::Expiring(_));
    for id in ids {
        // The distribution's own files: its commands, and no write unless forced.
        if let Some(handover) = distro::handover(inv, id, opts.now) {
            if !opts.force || handover.never_written {
                let cert = &inv.certs[id];
                delegated.push(Delegation {
                    label: inv.label(cert),
                    path: cert.origin.path().to_path_buf(),
                    handover,
                });
                continue;
            }
        }
        let planned = match inv.certs[id].is_ca {
            true => plan_ca(inv, id, opts),
            false => plan_one(inv, id, opts),
        };
        match planned {
            Ok(item) => items.push(item),
            Err(reason) => {
                let cert = &inv.certs[id];
                let r = Refusal {
                    label: inv.label(cert),
                    path: cert.origin.path().to_path_buf(),
                    reason,
                };
                let no_ca_key = cert
                    .issuer_id
                    .is_some_and(|i| inv.certs[i].key_id.is_none());
                if sweeping && no_ca_key {
                    skipped.push(r)
                } else {
                    refused.push(r)
                }
            }
        }
    }
    let (items, after_ca) = apart_from_cas(items);
    refused.extend(after_ca);
    Ok(assemble(inv, items, refused, skipped, delegated, opts))
}

/// A leaf whose files a CA renewal in the same plan also rewrites (a kubeconfig's CA data
/// beside its client certificate) waits for a run of its own: both edits of one file cannot
/// go into one change.
fn apart_from_cas(items: Vec<Item>) -> (Vec<Item>, Vec<Refusal>) {
    let ca_files: Vec<(PathBuf, String)> = items
        .iter()
        .filter(|i| i.ca_check.is_some())
        .flat_map(|i| i.writes.iter().map(|w| (w.path.clone(), i.label.clone())))
        .collect();
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    for item in items {
        let shared = (item.ca_check.is_none())
            .then(|| {
                ca_files
                    .iter()
                    .find(|(p, _)| item.writes.iter().any(|w| w.path == *p))
            })
            .flatten();
        match shared {
            Some((path, ca)) => refused.push(Refusal {
                label: item.label.clone(),
                path: item.cert_path.clone(),
                reason: Refused::AfterCa {
                    ca: ca.clone(),
                    file: path.clone(),
                },
            }),
            None => kept.push(item),
        }
    }
    (kept, refused)
}

/// The plan around its items: where backups and the journal go, who restarts.
pub(super) fn assemble(
    inv: &Inventory,
    items: Vec<Item>,
    refused: Vec<Refusal>,
    skipped: Vec<Refusal>,
    delegated: Vec<Delegation>,
    opts: &RenewOptions,
) -> Plan {
    let base = items
        .first()
        // The CA sits in kubeadm's pki directory even when the leaf does not (the kubelet's).
        .map(|i| kubernetes_dir(&i.ca_path))
        .unwrap_or_else(|| PathBuf::from("/etc/kubernetes"));
    let tmp_dir = base.join("tmp");
    let backup_dir = opts.backup_dir.clone().unwrap_or_else(|| {
        crate::fsx::unused_dir(&tmp_dir.join(format!(
            "kcert-backup-{}",
            opts.now.format("%Y%m%dT%H%M%SZ")
        )))
    });
    let journal = crate::fsx::journal::history_in(&tmp_dir);
    let leaves: Vec<(CertId, Vec<&Path>)> = items
        .iter()
        .filter(|i| i.ca_check.is_none())
        .map(|i| {
            (
                i.cert_id,
                i.writes.iter().map(|w| w.path.as_path()).collect(),
            )
        })
        .collect();
    let manifests = base.join("manifests");
    let mut restart = runtime::components_to_restart(&manifests, inv, &leaves);
    for item in items.iter().filter(|i| i.ca_check.is_some()) {
        let files: Vec<&Path> = item.writes.iter().map(|w| w.path.as_path()).collect();
        let name = inv.certs[item.cert_id].known_name();
        restart.extend(runtime::readers_of(&manifests, &files, name));
    }
    restart.sort();
    restart.dedup();
    Plan {
        created_at: opts.now,
        items,
        refused,
        skipped,
        delegated,
        backup_dir,
        tmp_dir,
        journal,
        restart,
    }
}

/// `/etc/kubernetes` for anything below it (or below a `pki` dir), the directory above k3s's
/// `tls` or MicroK8s' `certs` (a forced renewal), else the file's directory.
fn kubernetes_dir(path: &Path) -> PathBuf {
    let renews_itself = distro::owner(path).is_some_and(|o| o.renews_itself());
    for anc in path.ancestors().skip(1) {
        let own_dir = renews_itself && anc.file_name().is_some_and(|n| n == "tls" || n == "certs");
        if own_dir || anc.file_name().is_some_and(|n| n == "pki" || n == "ssl") {
            if let Some(p) = anc.parent() {
                return p.to_path_buf();
            }
        }
    }
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}
