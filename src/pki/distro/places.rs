//! Each distribution's own names for its certificate files and the CA role each one is (a CA)
//! or must be under (a leaf), from the distributions' source:
//!
//! - k3s and RKE2: k3s-io/k3s `pkg/daemons/control/deps/deps.go` (`CreateRuntimeCertFiles`,
//!   `genClientCerts`, `genServerCerts`, `genRequestHeaderCerts`, `genETCDCerts`), the
//!   agent's files from `pkg/agent/config/config.go`, the rotate services from
//!   `pkg/util/services/services.go`. RKE2 is the same code with `rke2` for the program name.
//! - MicroK8s: canonical/microk8s `microk8s-resources/actions/common/utils.sh`
//!   (`produce_certs`, `gen_server_cert`, `gen_proxy_client_cert`, `create_user_certificates`).
//! - kubespray's etcd: `roles/etcd/files/make-ssl-etcd.sh` (`ca.pem`, `member-<host>.pem`,
//!   `admin-<host>.pem`, `node-<host>.pem`).
//! - The hard way: one CA (`ca.pem`, or `ca.crt` in the 2024 rewrite) signs every certificate.
//!
//! kubeadm's (and so kubespray's `/etc/kubernetes/ssl`) names are [`crate::pki::kubeadm`]'s.

use std::path::Path;

use super::owner::{owner, Area, Owner};
use super::Distribution;
use crate::pki::{CaRole, EntryKind, Origin};

/// What a distribution calls one of its certificates, and the CA role it is (a CA) or must be
/// signed under (a leaf).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub distribution: Distribution,
    /// `client-admin`, `etcd/peer-server-client`, `agent/client-kubelet`, `server.crt`, ...
    pub name: String,
    pub role: CaRole,
    pub is_ca: bool,
    /// k3s/RKE2 `certificate rotate --service` that renews it.
    pub service: Option<String>,
}

/// Where a k3s/RKE2 file is: the server's `server/tls`, the agent's `agent/`, or both.
#[derive(Clone, Copy, PartialEq, Eq)]
enum In {
    Server,
    Agent,
    Both,
}

/// `(where, name, role, is a CA, rotate service)`; `{p}` is the program. The agent's files are
/// fetched from a server on every agent start.
#[rustfmt::skip]
const RANCHER: &[(In, &str, CaRole, bool, Option<&str>)] = &[
    (In::Both, "client-ca", CaRole::Client, true, None),
    (In::Server, "client-ca.nochain", CaRole::Client, true, None),
    (In::Both, "server-ca", CaRole::Server, true, None),
    (In::Server, "server-ca.nochain", CaRole::Server, true, None),
    (In::Server, "request-header-ca", CaRole::FrontProxy, true, None),
    (In::Server, "etcd/server-ca", CaRole::EtcdServer, true, None),
    (In::Server, "etcd/peer-ca", CaRole::EtcdPeer, true, None),
    (In::Server, "client-admin", CaRole::Client, false, Some("admin")),
    (In::Server, "client-supervisor", CaRole::Client, false, Some("supervisor")),
    (In::Server, "client-controller", CaRole::Client, false, Some("controller-manager")),
    (In::Server, "client-scheduler", CaRole::Client, false, Some("scheduler")),
    (In::Server, "client-kube-apiserver", CaRole::Client, false, Some("api-server")),
    (In::Both, "client-kube-proxy", CaRole::Client, false, Some("kube-proxy")),
    (In::Both, "client-{p}-controller", CaRole::Client, false, Some("{p}-controller")),
    (In::Server, "client-{p}-cloud-controller", CaRole::Client, false, Some("cloud-controller")),
    (In::Server, "serving-kube-apiserver", CaRole::Server, false, Some("api-server")),
    (In::Server, "client-auth-proxy", CaRole::FrontProxy, false, Some("auth-proxy")),
    (In::Server, "etcd/client", CaRole::EtcdServer, false, Some("etcd")),
    (In::Server, "etcd/server-client", CaRole::EtcdServer, false, Some("etcd")),
    (In::Server, "etcd/peer-server-client", CaRole::EtcdPeer, false, Some("etcd")),
    (In::Agent, "client-kubelet", CaRole::Client, false, Some("kubelet")),
    (In::Agent, "serving-kubelet", CaRole::Server, false, Some("kubelet")),
];

/// MicroK8s `certs/`: `ca` signs the API server, the users and the kubelet; `front-proxy-ca`
/// the front proxy's client. `ca.remote.crt` is a worker's copy of the control plane's CA.
const MICROK8S: &[(&str, CaRole, bool)] = &[
    ("ca.crt", CaRole::Kubernetes, true),
    ("ca.remote.crt", CaRole::Kubernetes, true),
    ("front-proxy-ca.crt", CaRole::FrontProxy, true),
    ("server.crt", CaRole::Kubernetes, false),
    ("front-proxy-client.crt", CaRole::FrontProxy, false),
    ("client.crt", CaRole::Kubernetes, false),
    ("controller.crt", CaRole::Kubernetes, false),
    ("scheduler.crt", CaRole::Kubernetes, false),
    ("proxy.crt", CaRole::Kubernetes, false),
    ("kubelet.crt", CaRole::Kubernetes, false),
    ("apiserver-kubelet-client.crt", CaRole::Kubernetes, false),
];

/// The distribution's name for its CA of `role`, as operators and its docs say it.
pub fn ca_name(distribution: Distribution, role: CaRole) -> String {
    let rancher = |p: &str| match role {
        CaRole::Client => "client-ca".to_string(),
        CaRole::Server => "server-ca".to_string(),
        CaRole::FrontProxy => "request-header-ca".to_string(),
        CaRole::EtcdServer | CaRole::Etcd => "etcd/server-ca".to_string(),
        CaRole::EtcdPeer => "etcd/peer-ca".to_string(),
        CaRole::Kubernetes => format!("{p}'s CA"),
    };
    match distribution {
        Distribution::K3s => rancher("k3s"),
        Distribution::Rke2 => rancher("rke2"),
        Distribution::MicroK8s if role == CaRole::FrontProxy => "front-proxy-ca.crt".into(),
        Distribution::MicroK8s => "ca.crt".into(),
        Distribution::Kubespray | Distribution::HardWay => "ca.pem".into(),
        _ => crate::pki::kubeadm::ca_name(role)
            .unwrap_or(role.word())
            .to_string(),
    }
}

/// The directory that holds a layout's CAs and everything they sign, for finding the CA a
/// certificate must be under: k3s/RKE2's data directory (its server and agent parts), the
/// MicroK8s snap's data, the hard way's whole node, kubespray's etcd directory.
pub fn scope(o: &Owner) -> std::path::PathBuf {
    match o.distribution {
        Distribution::K3s | Distribution::Rke2 => {
            o.rancher_data_dir().unwrap_or_else(|| o.dir.clone())
        }
        Distribution::MicroK8s => o.dir.parent().unwrap_or(&o.dir).to_path_buf(),
        Distribution::HardWay => o.prefix.clone(),
        _ => o.dir.clone(),
    }
}

/// Key files a layout keeps without a certificate by design: the service-account signing
/// keys and the keys k3s issues per-agent certificates for.
pub fn key_without_certificate(path: &Path) -> bool {
    let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let Some(o) = owner(path) else {
        return false;
    };
    match o.area {
        Area::RancherServer => matches!(
            file,
            "service.key" | "service.current.key" | "client-kubelet.key" | "serving-kubelet.key"
        ),
        Area::MicroK8sCerts => file == "serviceaccount.key",
        _ => false,
    }
}

fn rancher(o: &Owner, stem: &str, agent: bool) -> Option<Place> {
    let program = o.distribution.program()?;
    let here = if agent { In::Agent } else { In::Server };
    RANCHER
        .iter()
        .filter(|(at, ..)| *at == here || *at == In::Both)
        .find_map(|(_, name, role, is_ca, service)| {
            (name.replace("{p}", program) == stem).then(|| Place {
                distribution: o.distribution,
                name: if agent {
                    format!("agent/{stem}")
                } else {
                    stem.to_string()
                },
                role: *role,
                is_ca: *is_ca,
                service: service.map(|s| s.replace("{p}", program)),
            })
        })
}

/// The distribution's name and CA role for the certificate at `origin` (a file's first
/// certificate, or a kubeconfig's client certificate or CA data); `None` where no
/// distribution other than kubeadm names it.
pub fn place(origin: &Origin) -> Option<Place> {
    let path = origin.path();
    let o = owner(path)?;
    let file = path.file_name()?.to_str()?;
    let simple = |role, is_ca| {
        Some(Place {
            distribution: o.distribution,
            name: file.to_string(),
            role,
            is_ca,
            service: None,
        })
    };
    let (kubeconfig_entry, first) = match origin {
        Origin::File { index, .. } => (None, *index == 0),
        Origin::Kubeconfig { entry, index, .. } => (Some(entry), *index == 0),
    };
    if !first {
        return None;
    }
    match (o.area, kubeconfig_entry) {
        (Area::RancherServer, None) => {
            let rel = path.strip_prefix(&o.dir).ok()?.to_str()?;
            let stem = rel.strip_suffix(".crt")?;
            rancher(&o, stem, false)
        }
        (Area::RancherAgent, None) => {
            let stem = file.strip_suffix(".crt")?;
            rancher(&o, stem, true)
        }
        (Area::RancherKubeconfig, Some(entry)) => Some(Place {
            distribution: o.distribution,
            name: file.to_string(),
            role: match entry {
                EntryKind::User => CaRole::Client,
                EntryKind::Cluster => CaRole::Server,
            },
            is_ca: *entry == EntryKind::Cluster,
            service: (*entry == EntryKind::User).then(|| "admin".to_string()),
        }),
        (Area::MicroK8sCerts, None) => MICROK8S
            .iter()
            .find(|(name, ..)| *name == file)
            .and_then(|&(_, role, is_ca)| simple(role, is_ca)),
        (Area::MicroK8sCredentials | Area::HardWay, Some(entry)) => {
            simple(CaRole::Kubernetes, *entry == EntryKind::Cluster)
        }
        (Area::KubesprayEtcd, None) => {
            let is_ca = file == "ca.pem";
            let leaf = ["member-", "admin-", "node-"]
                .iter()
                .any(|p| file.starts_with(p))
                && file.ends_with(".pem")
                && !file.ends_with("-key.pem");
            (is_ca || leaf).then_some(())?;
            simple(CaRole::Etcd, is_ca)
        }
        (Area::HardWay, None) => {
            let is_ca = matches!(file, "ca.pem" | "ca.crt");
            let cert =
                [".pem", ".crt"].iter().any(|e| file.ends_with(e)) && !file.ends_with("-key.pem");
            cert.then_some(())?;
            simple(CaRole::Kubernetes, is_ca)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn file(p: &str) -> Option<(String, CaRole, bool, Option<String>)> {
        place(&Origin::File {
            path: PathBuf::from(p),
            index: 0,
        })
        .map(|p| (p.name, p.role, p.is_ca, p.service))
    }

    #[test]
    fn k3s_and_rke2_names_follow_their_programs() {
        assert_eq!(
            file("/var/lib/rancher/k3s/server/tls/client-k3s-controller.crt"),
            Some((
                "client-k3s-controller".into(),
                CaRole::Client,
                false,
                Some("k3s-controller".into())
            ))
        );
        assert_eq!(
            file("/var/lib/rancher/rke2/server/tls/client-rke2-controller.crt"),
            Some((
                "client-rke2-controller".into(),
                CaRole::Client,
                false,
                Some("rke2-controller".into())
            ))
        );
        // The other program's name is not this one's file.
        assert_eq!(
            file("/var/lib/rancher/rke2/server/tls/client-k3s-controller.crt"),
            None
        );
        assert_eq!(
            file("/var/lib/rancher/k3s/server/tls/etcd/peer-server-client.crt"),
            Some((
                "etcd/peer-server-client".into(),
                CaRole::EtcdPeer,
                false,
                Some("etcd".into())
            ))
        );
        assert_eq!(
            file("/var/lib/rancher/k3s/agent/serving-kubelet.crt"),
            Some((
                "agent/serving-kubelet".into(),
                CaRole::Server,
                false,
                Some("kubelet".into())
            ))
        );
        // The CA copy after the leaf in the same file is not the leaf's place.
        assert_eq!(
            place(&Origin::File {
                path: PathBuf::from("/var/lib/rancher/k3s/server/tls/client-admin.crt"),
                index: 1
            }),
            None
        );
    }

    #[test]
    fn keys_without_certificates_by_design() {
        for p in [
            "/var/lib/rancher/k3s/server/tls/service.key",
            "/var/lib/rancher/rke2/server/tls/client-kubelet.key",
            "/var/lib/rancher/k3s/server/tls/serving-kubelet.key",
            "/var/snap/microk8s/current/certs/serviceaccount.key",
        ] {
            assert!(key_without_certificate(Path::new(p)), "{p}");
        }
        for p in [
            "/var/lib/rancher/k3s/server/tls/client-admin.key",
            "/srv/copy/service.key",
        ] {
            assert!(!key_without_certificate(Path::new(p)), "{p}");
        }
    }
}
