//! What an operator calls things in an inventory: a certificate's label, a path relative to
//! its scan root, and the role a CA plays. Every view asks these of the [`Inventory`] rather
//! than working them out again.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::distro::{self, Distribution};
use super::{kubeadm, CertEntry, CertId, EntryKind, Inventory, Origin};

/// The part of the cluster a CA signs for. kubeadm has one CA per role (kubernetes, etcd,
/// front-proxy); k3s and RKE2 split them further (a client CA, a server CA, two etcd CAs),
/// which is why this is a type and not a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaRole {
    /// Signs the API server, its clients and the kubelets (kubeadm's `ca`, MicroK8s' `ca`,
    /// the hard way's one CA).
    Kubernetes,
    /// Signs only client certificates (k3s/RKE2 `client-ca`).
    Client,
    /// Signs only serving certificates (k3s/RKE2 `server-ca`).
    Server,
    /// Signs the aggregation layer's client certificate (`front-proxy-ca`, k3s
    /// `request-header-ca`).
    FrontProxy,
    /// Signs etcd's serving, peer and client certificates (kubeadm's `etcd-ca`, kubespray's
    /// `/etc/ssl/etcd/ssl/ca.pem`).
    Etcd,
    /// Signs etcd's serving and client certificates only (k3s/RKE2 `etcd/server-ca`).
    EtcdServer,
    /// Signs etcd's peer certificates only (k3s/RKE2 `etcd/peer-ca`).
    EtcdPeer,
}

impl CaRole {
    /// The words views use: `client`, `etcd peer`, ...
    pub fn word(self) -> &'static str {
        match self {
            CaRole::Kubernetes => "kubernetes",
            CaRole::Client => "client",
            CaRole::Server => "server",
            CaRole::FrontProxy => "front-proxy (request-header)",
            CaRole::Etcd => "etcd",
            CaRole::EtcdServer => "etcd server",
            CaRole::EtcdPeer => "etcd peer",
        }
    }

    /// Who is hurt when a certificate that must be under this CA is under another.
    pub fn consequence(self) -> &'static str {
        match self {
            CaRole::Kubernetes | CaRole::Client => "the API server will reject this client",
            CaRole::Server => "clients that trust the server CA will refuse it",
            CaRole::FrontProxy => {
                "aggregated APIs (metrics-server, ...) will reject proxied requests"
            }
            CaRole::Etcd | CaRole::EtcdServer | CaRole::EtcdPeer => {
                "etcd clients and peers will refuse it"
            }
        }
    }
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
    /// A row label: kubeadm's or the distribution's name, a bundled CA's CN, else the path
    /// below its root plus the kubeconfig entry.
    pub fn label(&self, cert: &CertEntry) -> String {
        if let Some(n) = cert.known_name().or(cert.bundled_ca_name()) {
            return n.to_string();
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

    /// The CA certificate `id` must be signed by, for the certificates kubeadm or another
    /// distribution names (and the kubelet's client certificate, through `kubelet.conf`);
    /// `None` for any other.
    pub fn expected_ca(&self, id: CertId) -> Option<ExpectedCa> {
        let cert = self.certs.get(id)?;
        if let Some((role, anchor)) = kubeadm_role(cert) {
            let ca_role = kubeadm::expected_ca(&role)?;
            let ca_name = kubeadm::ca_name(ca_role)?;
            let dir = kubeadm::pki_dir(&anchor, &role);
            let ca = dir.and_then(|dir| {
                self.certs.iter().position(|c| {
                    c.kubeadm_name.as_deref() == Some(ca_name)
                        && kubeadm::pki_dir(c.origin.path(), ca_name).as_deref()
                            == Some(dir.as_path())
                })
            });
            return Some(ExpectedCa {
                distribution: Distribution::Kubeadm,
                role,
                ca_role,
                ca_name: ca_name.to_string(),
                ca,
            });
        }
        let place = cert.place.as_ref().filter(|p| !p.is_ca && !cert.is_ca)?;
        let scope = distro::owner(cert.origin.path()).map(|o| distro::scope(&o))?;
        let ca = self
            .certs
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.place.as_ref().is_some_and(|p| {
                    p.is_ca && p.role == place.role && p.distribution == place.distribution
                }) && c.origin.path().starts_with(&scope)
            })
            .min_by_key(|(_, c)| (c.copy_of.is_some(), c.origin.path().to_path_buf()))
            .map(|(i, _)| self.original(i));
        Some(ExpectedCa {
            distribution: place.distribution,
            role: place.name.clone(),
            ca_role: place.role,
            ca_name: distro::ca_name(place.distribution, place.role),
            ca,
        })
    }

    /// The role CA certificate `id` plays: by kubeadm's or its distribution's name for it, by
    /// k3s and RKE2's CA names, as the original it copies, or, in a copied tree, by kubeadm's
    /// file names; `None` for a leaf or a CA kcert cannot place.
    pub fn ca_role(&self, id: CertId) -> Option<CaRole> {
        let cert = self.certs.get(id).filter(|c| c.is_ca)?;
        cert.kubeadm_name
            .as_deref()
            .and_then(kubeadm::ca_role)
            .or_else(|| cert.place.as_ref().filter(|p| p.is_ca).map(|p| p.role))
            .or_else(|| role_by_ca_name(cert))
            .or_else(|| {
                cert.copy_of
                    .filter(|&o| o != id)
                    .and_then(|o| self.ca_role(o))
            })
            .or_else(|| kubeadm::ca_role_of_file(cert.origin.path()))
    }
}

/// k3s and RKE2 name their CAs `<prefix>-ca@<unix time>`: `k3s-client`, `rke2-server`,
/// `k3s-request-header`, `etcd-server`, `etcd-peer` (k3s-io/k3s `deps.go`,
/// `createSigningCertKey`).
fn role_by_ca_name(cert: &CertEntry) -> Option<CaRole> {
    let cn = cert.common_name.as_deref()?;
    let (prefix, stamp) = cn.split_once("-ca@")?;
    if stamp.is_empty() || !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let kind = prefix
        .strip_prefix("k3s-")
        .or_else(|| prefix.strip_prefix("rke2-"))
        .unwrap_or(prefix);
    Some(match kind {
        "client" => CaRole::Client,
        "server" => CaRole::Server,
        "request-header" => CaRole::FrontProxy,
        "etcd-server" => CaRole::EtcdServer,
        "etcd-peer" => CaRole::EtcdPeer,
        _ => return None,
    })
}

/// Which CA signs a certificate, and whether that CA is in the inventory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedCa {
    /// Whose rule it is: kubeadm's, k3s's, ...
    pub distribution: Distribution,
    /// The distribution's name for the role the certificate plays (`front-proxy-client`,
    /// `kubelet.conf`, `client-auth-proxy`).
    pub role: String,
    pub ca_role: CaRole,
    /// The distribution's name for that CA (`front-proxy-ca`, `request-header-ca`).
    pub ca_name: String,
    /// That CA in the same layout (the original when it was found as a copy); `None` when it
    /// is not there.
    pub ca: Option<CertId>,
}

/// The kubeadm role a certificate plays and the file that anchors it in a kubeadm tree: its own
/// name, or that of a kubeadm kubeconfig naming it (`kubelet.conf` →
/// `kubelet-client-current.pem`, which `ca` must sign too).
fn kubeadm_role(cert: &CertEntry) -> Option<(String, PathBuf)> {
    if let Some(n) = &cert.kubeadm_name {
        return Some((n.clone(), cert.origin.path().to_path_buf()));
    }
    if cert.is_ca {
        return None;
    }
    cert.referenced_by
        .iter()
        .find_map(|k| kubeadm::name_for_kubeconfig(k).map(|n| (n.to_string(), k.clone())))
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use base64::Engine;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

    use super::*;
    use crate::pki::{scan, ScanOptions, Thresholds};

    /// A self-signed CA certificate, real enough for the scanner: PEM text.
    fn ca_pem(cn: &str) -> String {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, cn);
        params.self_signed(&key).expect("self-signed").pem()
    }

    /// A tree with kubeadm's three CA files (`pki`, or as `dir` says) and a kubeconfig that
    /// embeds another CA.
    fn tree(pki: &Path) {
        std::fs::create_dir_all(pki.join("etcd")).expect("dirs");
        for (file, cn) in [
            ("ca.crt", "kubernetes"),
            ("etcd/ca.crt", "etcd-ca"),
            ("front-proxy-ca.crt", "front-proxy-ca"),
            ("other-ca.crt", "other"),
        ] {
            std::fs::write(pki.join(file), ca_pem(cn)).expect("write");
        }
        let data = base64::engine::general_purpose::STANDARD.encode(ca_pem("remote"));
        let yaml = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: remote\n  cluster:\n    \
             server: https://192.0.2.1:6443\n    certificate-authority-data: {data}\n"
        );
        std::fs::write(pki.parent().unwrap_or(pki).join("my.conf"), yaml).expect("write");
    }

    fn scanned(roots: Vec<PathBuf>) -> Inventory {
        let opts = ScanOptions::new(roots, chrono::Utc::now(), Thresholds::default());
        scan(&opts).expect("scan")
    }

    fn id(inv: &Inventory, below_root: &str) -> CertId {
        (0..inv.certs.len())
            .find(|&i| inv.show_path(inv.certs[i].origin.path()) == below_root)
            .unwrap_or_else(|| panic!("no certificate at {below_root}"))
    }

    #[test]
    fn kubeadm_cas_have_their_role_by_name_or_by_file_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeadm = dir.path().join("kubernetes/pki");
        let copied = dir.path().join("copied/certs");
        tree(&kubeadm);
        tree(&copied);
        let inv = scanned(vec![dir.path().to_path_buf()]);
        for base in ["kubernetes/pki", "copied/certs"] {
            for (file, role) in [
                ("ca.crt", Some(CaRole::Kubernetes)),
                ("etcd/ca.crt", Some(CaRole::Etcd)),
                ("front-proxy-ca.crt", Some(CaRole::FrontProxy)),
                ("other-ca.crt", None),
            ] {
                let at = format!("{base}/{file}");
                assert_eq!(inv.ca_role(id(&inv, &at)), role, "{at}");
            }
        }
        let etcd = id(&inv, "kubernetes/pki/etcd/ca.crt");
        assert_eq!(
            inv.label(&inv.certs[etcd]),
            "etcd-ca",
            "kubeadm's name first"
        );
        let copied_etcd = id(&inv, "copied/certs/etcd/ca.crt");
        assert_eq!(
            inv.label(&inv.certs[copied_etcd]),
            "copied/certs/etcd/ca.crt"
        );
        let remote = id(&inv, "kubernetes/my.conf");
        assert_eq!(
            inv.label(&inv.certs[remote]),
            "kubernetes/my.conf [cluster remote]"
        );
    }

    /// A file given as the root has no path below it: its name is shown, with its entry once.
    #[test]
    fn a_file_root_is_labelled_by_its_name_and_entry_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        tree(&dir.path().join("pki"));
        let inv = scanned(vec![dir.path().join("my.conf")]);
        let labels: Vec<String> = inv.certs.iter().map(|c| inv.label(c)).collect();
        assert_eq!(labels, ["my.conf [cluster remote]"]);
    }
}
