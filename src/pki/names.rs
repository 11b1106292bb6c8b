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

impl Origin {
    /// `base` (a file's name or path) with the entry this origin is: ` #2` for the second
    /// block of a file, ` [user]` or ` [cluster name]` in a kubeconfig.
    pub fn with_entry(&self, base: String) -> String {
        match self {
            Origin::File { index: 0, .. } => base,
            Origin::File { index, .. } => format!("{base} #{}", index + 1),
            Origin::Kubeconfig { entry, name, .. } => match entry {
                EntryKind::User => format!("{base} [{name}]"),
                EntryKind::Cluster => format!("{base} [cluster {name}]"),
            },
        }
    }
}

impl Inventory {
    /// A row label: kubeadm's name, else the path below its root plus the kubeconfig entry.
    pub fn label(&self, cert: &CertEntry) -> String {
        if let Some(n) = &cert.kubeadm_name {
            return n.clone();
        }
        match self.below_root(cert.origin.path()) {
            Some(rel) => cert.origin.with_entry(rel.display().to_string()),
            None => cert.display_name(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{demo_spec, write_kubeadm_tree};
    use crate::pki::{scan, ScanOptions, Thresholds};

    fn scanned(root: impl Fn(&crate::demo::TreeLayout) -> std::path::PathBuf) -> Inventory {
        let dir = tempfile::tempdir().expect("temp dir");
        let now = chrono::Utc::now();
        let layout = write_kubeadm_tree(dir.path(), &demo_spec(now)).expect("demo tree");
        let opts = ScanOptions::new(vec![root(&layout)], now, Thresholds::default());
        scan(&opts).expect("scan")
    }

    fn by_label<'a>(inv: &'a Inventory, label: &str) -> Option<&'a CertEntry> {
        inv.certs.iter().find(|c| inv.label(c) == label)
    }

    #[test]
    fn labels_are_kubeadm_names_else_the_path_below_the_root_with_the_entry() {
        let inv = scanned(|l| l.root.clone());
        assert!(by_label(&inv, "apiserver").is_some());
        assert!(by_label(&inv, "var/lib/kubelet/pki/kubelet-client-current.pem").is_some());
        let etcd_ca = inv
            .certs
            .iter()
            .position(|c| c.kubeadm_name.as_deref() == Some("etcd-ca"))
            .expect("etcd-ca");
        assert_eq!(inv.ca_role(etcd_ca), Some(CaRole::Etcd));
        let apiserver = inv
            .certs
            .iter()
            .position(|c| c.kubeadm_name.as_deref() == Some("apiserver"))
            .expect("apiserver");
        assert_eq!(inv.ca_role(apiserver), None, "a leaf has no CA role");
        let path = inv.certs[apiserver].origin.path();
        assert_eq!(inv.show_path(path), "etc/kubernetes/pki/apiserver.crt");
    }

    /// A file given as the root has no path below it: its name is shown, entry once.
    #[test]
    fn a_file_root_is_labelled_by_its_name_and_entry_once() {
        let inv = scanned(|l| l.etc_kubernetes.join("admin.conf"));
        let labels: Vec<String> = inv.certs.iter().map(|c| inv.label(c)).collect();
        assert!(
            labels.contains(&"admin.conf [cluster kubernetes]".to_string()),
            "{labels:?}"
        );
    }

    #[test]
    fn ca_roles_follow_kubeadm_file_names_in_a_copied_tree() {
        let inv = scanned(|l| l.pki.clone());
        let roles: Vec<(String, Option<CaRole>)> = (0..inv.certs.len())
            .filter(|&i| inv.certs[i].is_ca)
            .map(|i| (inv.show_path(inv.certs[i].origin.path()), inv.ca_role(i)))
            .collect();
        for (file, role) in [
            ("ca.crt", CaRole::Kubernetes),
            ("etcd/ca.crt", CaRole::Etcd),
            ("front-proxy-ca.crt", CaRole::FrontProxy),
        ] {
            assert!(
                roles.contains(&(file.to_string(), Some(role))),
                "{file}: {roles:?}"
            );
        }
    }
}
