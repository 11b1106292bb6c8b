//! What an operator calls things in an inventory: a certificate's label, a path relative to
//! its scan root, and the role a CA plays. Every view asks these of the [`Inventory`] rather
//! than working them out again.

use std::path::Path;

use super::{kubeadm, CertEntry, CertId, EntryKind, Inventory, Origin};

/// The part of the cluster a CA signs for. kubeadm has one CA per role; other distributions
/// split them further, which is why this is a type and not a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaRole {
    /// Signs the API server, its clients and the kubelets (kubeadm's `ca`).
    Kubernetes,
    /// Signs etcd's serving, peer and client certificates (`etcd-ca`).
    Etcd,
    /// Signs the aggregation layer's client certificate (`front-proxy-ca`).
    FrontProxy,
}

impl Inventory {
    /// A row label: kubeadm's name, else the path below its root plus the kubeconfig entry.
    pub fn label(&self, cert: &CertEntry) -> String {
        if let Some(n) = &cert.kubeadm_name {
            return n.clone();
        }
        let rel = self
            .below_root(cert.origin.path())
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| cert.display_name());
        match &cert.origin {
            Origin::File { index: 0, .. } => rel,
            Origin::File { index, .. } => format!("{rel} #{}", index + 1),
            Origin::Kubeconfig { entry, name, .. } => match entry {
                EntryKind::User => format!("{rel} [{name}]"),
                EntryKind::Cluster => format!("{rel} [cluster {name}]"),
            },
        }
    }

    /// `path` below the scan root that holds it most closely; `None` outside every root
    /// (and for a root itself).
    pub fn below_root<'a>(&self, path: &'a Path) -> Option<&'a Path> {
        self.roots
            .iter()
            .filter_map(|r| path.strip_prefix(r).ok())
            .filter(|p| !p.as_os_str().is_empty())
            .min_by_key(|p| p.as_os_str().len())
    }

    /// A path as shown to the operator: relative to its scan root, else as it is.
    pub fn show_path(&self, path: &Path) -> String {
        self.below_root(path).unwrap_or(path).display().to_string()
    }

    /// The role CA certificate `id` plays, by kubeadm's name for it or, in a copied tree,
    /// kubeadm's file names; `None` for a leaf or a CA kcert cannot place.
    pub fn ca_role(&self, id: CertId) -> Option<CaRole> {
        let cert = self.certs.get(id).filter(|c| c.is_ca)?;
        cert.kubeadm_name
            .as_deref()
            .and_then(kubeadm::ca_role)
            .or_else(|| kubeadm::ca_role_of_file(cert.origin.path()))
    }
}
