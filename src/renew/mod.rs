//! Renewal of leaf certificates and kubeconfig client certificates, the way
//! `kubeadm certs renew` does it, with the safety kubeadm lacks.
//!
//! Two steps, so the operator sees exactly what will happen before anything changes:
//! [`plan`] selects certificates and signs their replacements in memory (a dry run stops
//! here); [`apply`] backs up every file it will touch, writes atomically, re-scans to prove
//! the result, and restores the backups if any step fails.
//!
//! The files go through [`crate::fsx`]; which components must restart afterwards is the
//! runtime's knowledge ([`crate::runtime::components_to_restart`]). A certificate that
//! cannot be renewed here is kept in the plan with the reason ([`Refused`]); one the node's
//! distribution renews itself (k3s, RKE2, MicroK8s) is kept with its commands
//! ([`Delegation`]) and nothing is written for it, unless `--force` says otherwise.

mod apply;
pub mod history;
mod item;
mod plan;
mod refused;
mod select;
mod text;
mod writes;

pub use apply::{apply, Applied, ApplyError, RestoreFailure, VerifyError};
pub use plan::{plan, Contents, Delegation, Item, Plan, Refusal, Write};
pub use refused::Refused;
pub use select::Selection;
pub use text::{and_list, describe, nothing_changed};

use std::path::PathBuf;

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
            key_algorithm: None,
            reuse_key: false,
            backup_dir: None,
            update_ca_data: false,
            force: false,
        }
    }
}
