//! Which Kubernetes distribution made the node's files: kubeadm, k3s, RKE2, MicroK8s,
//! kubespray, the hard way (cfssl/openssl by hand), or read-only ones (OpenShift, Talos).
//!
//! - [`owner`] says which distribution owns a file by where it is: renewal asks it before it
//!   writes anything (k3s, RKE2 and MicroK8s renew their own files).
//! - [`place`] gives a file the distribution's own name and the CA role it is or must be under.
//! - [`detect`] names the node's distribution and whether it is a server, an agent or both.
//! - [`handover`] says how the distribution renews a certificate, when kcert must not.

mod handover;
mod owner;
mod places;

pub use handover::{handover, unit_of, Handover, RENEW_WINDOW_DAYS, RENEW_WINDOW_DAYS_BEFORE_2025};
pub use owner::{owner, Area, Owner};
pub use places::{ca_name, key_without_certificate, place, scope, Place};

use std::fmt;

use serde::Serialize;

use super::{CertEntry, Inventory, Origin};

/// A Kubernetes distribution kcert knows the layout of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Distribution {
    Kubeadm,
    K3s,
    Rke2,
    MicroK8s,
    /// kubeadm with `certificatesDir: /etc/kubernetes/ssl` and etcd in `/etc/ssl/etcd/ssl`.
    Kubespray,
    /// Kubernetes the hard way: cfssl or openssl by hand, systemd units.
    HardWay,
    /// Managed by its operators: read only.
    OpenShift,
    /// Managed through `talosctl`: read only.
    Talos,
    #[default]
    Unknown,
}

impl Distribution {
    /// Every layout kcert knows, in the words of the JSON and the messages.
    pub const KNOWN: [Distribution; 8] = [
        Distribution::Kubeadm,
        Distribution::K3s,
        Distribution::Rke2,
        Distribution::MicroK8s,
        Distribution::Kubespray,
        Distribution::HardWay,
        Distribution::OpenShift,
        Distribution::Talos,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Distribution::Kubeadm => "kubeadm",
            Distribution::K3s => "k3s",
            Distribution::Rke2 => "rke2",
            Distribution::MicroK8s => "microk8s",
            Distribution::Kubespray => "kubespray",
            Distribution::HardWay => "hard-way",
            Distribution::OpenShift => "openshift",
            Distribution::Talos => "talos",
            Distribution::Unknown => "unknown",
        }
    }

    /// The program of k3s and RKE2 (their commands, units and file names).
    pub fn program(self) -> Option<&'static str> {
        match self {
            Distribution::K3s => Some("k3s"),
            Distribution::Rke2 => Some("rke2"),
            _ => None,
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Distribution {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What the node is for its cluster. k3s and RKE2 servers run an agent too, and a kubeadm
/// control-plane node runs a kubelet: such a node is both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// Holds control-plane credentials (an API server's certificates or a CA's key).
    Server,
    /// Holds a kubelet's credentials.
    Agent,
}

/// The node's distribution and roles, as `kcert check` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detection {
    pub distribution: Distribution,
    /// Server first; empty when nothing says.
    pub roles: Vec<NodeRole>,
}

impl Detection {
    /// `k3s (server, agent)`, `kubeadm (agent)`, `unknown`.
    pub fn describe(&self) -> String {
        let roles: Vec<&str> = self
            .roles
            .iter()
            .map(|r| match r {
                NodeRole::Server => "server",
                NodeRole::Agent => "agent",
            })
            .collect();
        if roles.is_empty() {
            self.distribution.to_string()
        } else {
            format!("{} ({})", self.distribution, roles.join(", "))
        }
    }
}

/// The distribution a CA's name gives away where its path does not (a copied `k3s.yaml`):
/// k3s and RKE2 name their CAs `<program>-<prefix>-ca@<unix time>`.
fn by_ca_name(cert: &CertEntry) -> Option<Distribution> {
    let cn = cert.common_name.as_deref()?;
    if !cert.is_ca || !cn.contains("-ca@") {
        return None;
    }
    if cn.starts_with("k3s-") {
        Some(Distribution::K3s)
    } else if cn.starts_with("rke2-") {
        Some(Distribution::Rke2)
    } else {
        None
    }
}

/// The hard way's file names, for a copied tree: cfssl's `kubernetes.pem` beside `ca.pem`.
fn hard_way_names(inv: &Inventory) -> bool {
    let named = |n: &str| {
        inv.certs.iter().any(|c| {
            matches!(&c.origin, Origin::File { path, index: 0 }
                if path.file_name().is_some_and(|f| f == n))
        })
    };
    named("ca.pem") && (named("kubernetes.pem") || named("admin.pem"))
}

/// The node's distribution and roles, from where its files are and what they are called.
pub fn detect(inv: &Inventory) -> Detection {
    use rayon::prelude::*;
    // Every file's place, in parallel: on large trees this was most of the detection.
    let paths = inv
        .certs
        .par_iter()
        .map(|c| c.origin.path())
        .chain(inv.keys.par_iter().map(|k| k.origin.path()));
    let owners: Vec<Owner> = paths.filter_map(owner).collect();
    let has = |d: Distribution| owners.iter().any(|o| o.distribution == d);
    let by_name: Vec<Distribution> = inv.certs.iter().filter_map(by_ca_name).collect();
    // kubeadm's names, or its file names in a copied `pki` directory.
    let kubeadm =
        inv.certs.iter().any(|c| c.kubeadm_name.is_some()) || file_named(inv, &KUBEADM_FILES);
    let distribution = [
        Distribution::OpenShift,
        Distribution::Talos,
        Distribution::Rke2,
        Distribution::K3s,
        Distribution::MicroK8s,
        Distribution::Kubespray,
    ]
    .into_iter()
    .find(|&d| has(d) || by_name.contains(&d))
    .or_else(|| (kubeadm || has(Distribution::Kubeadm)).then_some(Distribution::Kubeadm))
    .or_else(|| {
        (has(Distribution::HardWay) || hard_way_names(inv)).then_some(Distribution::HardWay)
    })
    .unwrap_or(Distribution::Unknown);
    let mut roles = Vec::new();
    if is_server(inv, distribution, &owners) {
        roles.push(NodeRole::Server);
    }
    if is_agent(inv, distribution, &owners) {
        roles.push(NodeRole::Agent);
    }
    Detection {
        distribution,
        roles,
    }
}

/// File names only kubeadm gives certificates.
const KUBEADM_FILES: [&str; 4] = [
    "apiserver.crt",
    "apiserver-kubelet-client.crt",
    "apiserver-etcd-client.crt",
    "front-proxy-client.crt",
];

fn file_named(inv: &Inventory, names: &[&str]) -> bool {
    inv.certs.iter().any(|c| {
        c.origin
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| names.contains(&n))
    })
}

fn is_server(inv: &Inventory, d: Distribution, owners: &[Owner]) -> bool {
    let area = |a: Area| owners.iter().any(|o| o.area == a);
    match d {
        Distribution::K3s | Distribution::Rke2 => {
            area(Area::RancherServer)
                || area(Area::RancherKubeconfig)
                || file_named(inv, &["k3s.yaml", "rke2.yaml"])
        }
        Distribution::MicroK8s => file_named(inv, &["server.crt"]),
        Distribution::HardWay => {
            owners
                .iter()
                .any(|o| o.area == Area::HardWay && o.dir.ends_with("kubernetes"))
                || file_named(inv, &["kubernetes.pem"])
        }
        Distribution::Kubeadm | Distribution::Kubespray => {
            file_named(inv, &["apiserver.crt"])
                || inv.certs.iter().any(|c| {
                    matches!(
                        c.kubeadm_name.as_deref(),
                        Some("apiserver" | "etcd-server" | "admin.conf" | "super-admin.conf")
                    )
                })
        }
        Distribution::OpenShift | Distribution::Talos | Distribution::Unknown => false,
    }
}

fn is_agent(inv: &Inventory, d: Distribution, owners: &[Owner]) -> bool {
    match d {
        Distribution::K3s | Distribution::Rke2 => {
            owners.iter().any(|o| o.area == Area::RancherAgent)
        }
        Distribution::MicroK8s => file_named(inv, &["kubelet.crt", "kubelet.config"]),
        Distribution::HardWay => owners
            .iter()
            .any(|o| o.area == Area::HardWay && o.dir.ends_with("kubelet")),
        Distribution::Kubeadm | Distribution::Kubespray => inv.certs.iter().any(|c| {
            c.kubeadm_name.as_deref() == Some("kubelet.conf")
                || super::kubeadm::name_for_kubelet_file(c.origin.path()).is_some()
                || c.referenced_by.iter().any(|k| k.ends_with("kubelet.conf"))
        }),
        Distribution::OpenShift | Distribution::Talos | Distribution::Unknown => false,
    }
}
