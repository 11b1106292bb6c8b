//! Renewal of leaf certificates and kubeconfig client certificates, the way
//! `kubeadm certs renew` does it, with the safety kubeadm lacks.
//!
//! Two steps, so the operator sees exactly what will happen before anything changes:
//! [`plan`] selects certificates and signs their replacements in memory (a dry run stops
//! here); [`apply`] takes the lock, journals the intent, backs up every file it will touch,
//! writes each key and its certificate to private temp files and renames them back to back,
//! re-scans to prove the result, and restores the backups if any step fails
//! ([`crate::fsx::txn`]). [`recover()`] settles a renewal a killed kcert left unfinished;
//! [`plan_restore`]/[`apply_restore`] undo a renewal from its backup.
//!
//! The files go through [`crate::fsx`]; which components must restart afterwards is the
//! runtime's knowledge ([`crate::runtime::components_to_restart`]). A certificate that
//! cannot be renewed here is kept in the plan with the reason ([`Refused`]); one the node's
//! distribution renews itself (k3s, RKE2, MicroK8s) is kept with its commands
//! ([`Delegation`]) and nothing is written for it, unless `--force` says otherwise.

mod apply;
pub mod ca;
pub mod history;
mod import;
mod item;
mod plan;
mod recover;
mod refused;
mod restore;
mod rotation;
mod select;
mod text;
mod writes;

pub use apply::{
    apply, verify, verify_ca, Applied, ApplyError, Check, RestoreFailure, VerifyError,
};
pub use ca::CaCheck;
pub use import::{plan_import, ImportError};
pub use plan::{plan, Contents, Delegation, Item, Plan, Refusal, Write};
pub use recover::{describe_recovered, describe_unfinished, recover};
pub use refused::Refused;
pub use restore::{
    apply_restore, describe_restore, plan_restore, Back, RestoreApplyError, RestoreError,
    RestoreFile, RestorePlan, Restored,
};
pub use rotation::{local_plan, plan_cas, restarts, CaRoute, LocalPlan};
pub use select::Selection;
pub use text::{and_list, describe, nothing_changed};

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::sign::KeySpec;

/// Why a renewal could not even be planned.
#[derive(Debug, thiserror::Error)]
pub enum RenewError {
    #[error("nothing is called {}: give a kubeadm name (apiserver, etcd-peer, admin.conf, ...) or the path of a certificate or kubeconfig", .0.join(", "))]
    UnknownNames(Vec<String>),
}

/// How to renew, as given on the command line or chosen in the UI.
#[derive(Debug, Clone)]
pub struct RenewOptions {
    pub now: DateTime<Utc>,
    /// Lifetime of the new certificates (kubeadm's default: 365 days).
    pub validity_days: i64,
    /// Lifetime of a CA renewed with its own key (kubeadm makes CAs for 3650 days).
    pub ca_validity_days: i64,
    /// A different key algorithm for the new keys; default: the old key's algorithm and size.
    pub key_algorithm: Option<KeySpec>,
    /// Keep the existing private keys instead of generating new ones.
    pub reuse_key: bool,
    /// Where backups go; default `<kubernetes dir>/tmp/kcert-backup-<UTC timestamp>`.
    pub backup_dir: Option<PathBuf>,
    /// Also replace a kubeconfig's `certificate-authority-data` that differs from the CA on disk.
    pub update_ca_data: bool,
    /// Renew in place even what the node's distribution renews itself (k3s, RKE2, MicroK8s);
    /// never what it rewrites from other files, its CAs, or read-only layouts.
    pub force: bool,
}

impl RenewOptions {
    pub fn new(now: DateTime<Utc>) -> Self {
        RenewOptions {
            now,
            validity_days: 365,
            ca_validity_days: 3650,
            key_algorithm: None,
            reuse_key: false,
            backup_dir: None,
            update_ca_data: false,
            force: false,
        }
    }
}

/// `<kubernetes dir>/tmp` for a restore or recovery under `roots`, where a renewal under
/// them keeps its journal: the kubeadm layout found there (a node root, a kubeadm directory,
/// or its `pki`), else the real node's `/etc/kubernetes/tmp`.
pub fn tmp_dir_for(roots: &[PathBuf]) -> PathBuf {
    for root in roots.iter().map(|r| crate::pki::absolute(r)) {
        if let Some(p) = crate::runtime::NodePaths::discover(std::slice::from_ref(&root)) {
            return p.tmp_dir();
        }
        if root.join("pki").is_dir() {
            return root.join("tmp");
        }
        if let (Some("pki"), Some(parent)) =
            (root.file_name().and_then(|n| n.to_str()), root.parent())
        {
            return parent.join("tmp");
        }
    }
    Path::new("/etc/kubernetes/tmp").to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_is_found_from_any_root_a_renewal_takes() {
        let t = tempfile::tempdir().unwrap();
        let etc = t.path().join("etc/kubernetes");
        std::fs::create_dir_all(etc.join("pki")).unwrap();
        std::fs::create_dir_all(etc.join("manifests")).unwrap();
        for root in [t.path().to_path_buf(), etc.clone(), etc.join("pki")] {
            assert_eq!(
                tmp_dir_for(std::slice::from_ref(&root)),
                etc.join("tmp"),
                "{}",
                root.display()
            );
        }
        assert_eq!(
            tmp_dir_for(&[]),
            Path::new("/etc/kubernetes/tmp").to_path_buf()
        );
    }
}
