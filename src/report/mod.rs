//! `kcert check`: the inventory as a table or JSON, and the exit-code policy.
//!
//! Exit codes follow the monitoring-plugin convention, decided in one place ([`exit_code`]).

mod json;
pub mod runtime;
pub(crate) mod table;

pub use json::{write_json, write_json_with, Extras};
pub use table::render_table;

pub use crate::pki::absolute;
use crate::pki::{CertEntry, Inventory, Origin, Severity};

/// 0 all ok, 1 some warning, 2 something critical; 3 (could not run) is the binary's.
pub fn exit_code(inv: &Inventory) -> u8 {
    match inv.worst_severity() {
        Some(Severity::Error) => 2,
        Some(Severity::Warning) => 1,
        _ => 0,
    }
}

/// A row label: kubeadm's name, else the path below its root plus the kubeconfig entry.
pub fn label(inv: &Inventory, cert: &CertEntry) -> String {
    if let Some(n) = &cert.kubeadm_name {
        return n.clone();
    }
    let path = cert.origin.path();
    let rel = inv
        .roots
        .iter()
        .filter_map(|r| path.strip_prefix(r).ok())
        .filter(|p| !p.as_os_str().is_empty())
        .min_by_key(|p| p.as_os_str().len())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| cert.display_name());
    match &cert.origin {
        Origin::File { index: 0, .. } => rel,
        Origin::File { index, .. } => format!("{rel} #{}", index + 1),
        Origin::Kubeconfig { entry, name, .. } => match entry {
            crate::pki::EntryKind::User => format!("{rel} [{name}]"),
            crate::pki::EntryKind::Cluster => format!("{rel} [cluster {name}]"),
        },
    }
}
