//! Which certificates a renewal is about: names, paths, everything, or what expires soon.

use std::path::Path;

use crate::pki::{absolute, CertEntry, CertId, ChainVerdict, Inventory};

/// What the operator asked to renew.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// kubeadm names (`apiserver`, `admin.conf`, `kubelet.conf`) or paths of certificate files
    /// and kubeconfigs.
    Named(Vec<String>),
    /// Every leaf whose CA is on this node.
    All,
    /// Leaves expiring within this many days (or expired).
    Expiring(i64),
    /// Certificates picked by id (the TUI's selection).
    Ids(Vec<CertId>),
}

/// A leaf a renewal can be about: not a CA, not a rotated-out kubelet file.
fn renewable_kind(c: &CertEntry) -> bool {
    !c.is_ca && !c.superseded
}

/// Resolve the selection; names that match nothing are returned as the error list.
pub fn resolve(inv: &Inventory, sel: &Selection) -> Result<Vec<CertId>, Vec<String>> {
    let ids: Vec<CertId> = (0..inv.certs.len()).collect();
    let signed_here = |c: &CertEntry| renewable_kind(c) && c.chain == ChainVerdict::Verified;
    match sel {
        Selection::All => Ok(ids
            .into_iter()
            .filter(|&i| signed_here(&inv.certs[i]))
            .collect()),
        Selection::Expiring(days) => Ok(ids
            .into_iter()
            .filter(|&i| {
                signed_here(&inv.certs[i])
                    && inv.certs[i].not_after - inv.generated_at < chrono::Duration::days(*days)
            })
            .collect()),
        Selection::Ids(ids) => Ok(ids.clone()),
        Selection::Named(names) => {
            if names.iter().any(|n| n == "all") {
                return resolve(inv, &Selection::All);
            }
            let mut out = Vec::new();
            let mut unknown = Vec::new();
            for name in names {
                let found: Vec<CertId> = ids
                    .iter()
                    .copied()
                    .filter(|&i| matches(&inv.certs[i], name))
                    .collect();
                if found.is_empty() {
                    unknown.push(name.clone());
                }
                for f in found {
                    if !out.contains(&f) {
                        out.push(f);
                    }
                }
            }
            if unknown.is_empty() {
                Ok(out)
            } else {
                Err(unknown)
            }
        }
    }
}

/// Does `name` (kubeadm's or the distribution's name, or a path) designate this certificate?
fn matches(c: &CertEntry, name: &str) -> bool {
    // A CA by the path of its own file (never a copy of it inside another file).
    let own_ca_file = c.is_ca
        && c.copy_of.is_none()
        && c.origin.index() == 0
        && c.origin.path() == absolute(Path::new(name));
    if !renewable_kind(c) && c.known_name() != Some(name) {
        return own_ca_file;
    }
    if c.known_name() == Some(name) {
        return true;
    }
    let path = Path::new(name);
    let wanted = absolute(path);
    let file = c.origin.path();
    let is_kubeconfig = matches!(
        c.origin,
        crate::pki::Origin::Kubeconfig {
            entry: crate::pki::EntryKind::User,
            ..
        }
    );
    if file == wanted && (is_kubeconfig || c.origin.index() == 0) {
        return true;
    }
    // `kubelet.conf` (or any kubeconfig path) names the certificate file it references.
    let by_reference = c.referenced_by.iter().any(|k| {
        k == &wanted || (path.components().count() == 1 && k.file_name() == Some(path.as_os_str()))
    });
    by_reference && !c.is_ca
}
