//! Who uses which file: every manifest flag and kubelet setting that names a PKI file
//! (reference §9), mapped onto the inventory's certificates.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Component, Node};
use crate::pki::walk::file_id;
use crate::pki::{CertId, EntryKind, Inventory, Origin, Problem, ProblemKind, Severity};

/// What a component does with a file; decides which checks apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ServingCert,
    ServingKey,
    /// etcd's peer certificate: served to and presented to other members.
    PeerCert,
    PeerKey,
    ClientCert,
    ClientKey,
    /// Verifies the certificates clients present.
    ClientCa,
    /// Verifies etcd peers.
    PeerCa,
    /// Verifies a server this component connects to (or is handed to pods, `--root-ca-file`).
    ServerCa,
    SigningCert,
    SigningKey,
    ServiceAccountKey,
    ServiceAccountPublicKey,
    /// A kubeconfig: its client certificate and its cluster CA data.
    Kubeconfig,
    /// A flag kcert does not know whose value is a PKI-looking absolute path.
    Other,
}

/// Flags of kube-apiserver, kube-controller-manager, kube-scheduler and etcd.
const FLAGS: &[(&str, Role)] = &[
    ("--tls-cert-file", Role::ServingCert),
    ("--tls-private-key-file", Role::ServingKey),
    ("--client-ca-file", Role::ClientCa),
    ("--requestheader-client-ca-file", Role::ClientCa),
    ("--kubelet-client-certificate", Role::ClientCert),
    ("--kubelet-client-key", Role::ClientKey),
    ("--kubelet-certificate-authority", Role::ServerCa),
    ("--proxy-client-cert-file", Role::ClientCert),
    ("--proxy-client-key-file", Role::ClientKey),
    ("--etcd-cafile", Role::ServerCa),
    ("--etcd-certfile", Role::ClientCert),
    ("--etcd-keyfile", Role::ClientKey),
    ("--service-account-key-file", Role::ServiceAccountPublicKey),
    (
        "--service-account-signing-key-file",
        Role::ServiceAccountKey,
    ),
    (
        "--service-account-private-key-file",
        Role::ServiceAccountKey,
    ),
    ("--root-ca-file", Role::ServerCa),
    ("--cluster-signing-cert-file", Role::SigningCert),
    ("--cluster-signing-key-file", Role::SigningKey),
    (
        "--cluster-signing-kubelet-client-cert-file",
        Role::SigningCert,
    ),
    (
        "--cluster-signing-kubelet-client-key-file",
        Role::SigningKey,
    ),
    (
        "--cluster-signing-kube-apiserver-client-cert-file",
        Role::SigningCert,
    ),
    (
        "--cluster-signing-kube-apiserver-client-key-file",
        Role::SigningKey,
    ),
    (
        "--cluster-signing-kubelet-serving-cert-file",
        Role::SigningCert,
    ),
    (
        "--cluster-signing-kubelet-serving-key-file",
        Role::SigningKey,
    ),
    (
        "--cluster-signing-legacy-unknown-cert-file",
        Role::SigningCert,
    ),
    (
        "--cluster-signing-legacy-unknown-key-file",
        Role::SigningKey,
    ),
    ("--kubeconfig", Role::Kubeconfig),
    ("--authentication-kubeconfig", Role::Kubeconfig),
    ("--authorization-kubeconfig", Role::Kubeconfig),
    // etcd
    ("--cert-file", Role::ServingCert),
    ("--key-file", Role::ServingKey),
    ("--trusted-ca-file", Role::ClientCa),
    ("--peer-cert-file", Role::PeerCert),
    ("--peer-key-file", Role::PeerKey),
    ("--peer-trusted-ca-file", Role::PeerCa),
    ("--client-cert-file", Role::ClientCert),
    ("--client-key-file", Role::ClientKey),
];

const PKI_EXTENSIONS: [&str; 7] = ["crt", "pem", "key", "pub", "cer", "conf", "kubeconfig"];

impl Role {
    /// A certificate the component presents on a listener.
    pub fn is_served(self) -> bool {
        matches!(self, Role::ServingCert | Role::PeerCert)
    }
}

fn role_of(flag: &str, value: &Path) -> Option<Role> {
    if let Some((_, r)) = FLAGS.iter().find(|(f, _)| *f == flag) {
        return Some(*r);
    }
    let pki_like = value
        .extension()
        .is_some_and(|e| PKI_EXTENSIONS.iter().any(|x| e == *x));
    pki_like.then_some(Role::Other)
}

/// One component's use of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consumer {
    /// `kube-apiserver`, `etcd`, `kubelet`, or the static pod's name.
    pub component: String,
    /// `--tls-cert-file`, `authentication.x509.clientCAFile`, ...
    pub flag: String,
    /// The file on the host.
    pub path: PathBuf,
    pub role: Role,
    /// The manifest or kubelet config that says so.
    #[serde(skip)]
    pub source: PathBuf,
}

/// Every file the node's manifests and kubelet configuration name, in manifest order.
pub fn consumers(node: &Node) -> Vec<Consumer> {
    let mut out = Vec::new();
    for pod in node.manifests.pods.iter().chain(&node.units.pods) {
        for c in &pod.containers {
            for (flag, value) in c.flags() {
                // kubeadm writes absolute paths; a relative one depends on the container's
                // working directory, which kcert cannot know.
                for part in value.split(',').filter(|p| p.starts_with('/')) {
                    let Some(role) = role_of(flag, Path::new(part)) else {
                        continue;
                    };
                    out.push(Consumer {
                        component: pod.name.clone(),
                        flag: flag.to_string(),
                        path: c.host_path(Path::new(part)),
                        role,
                        source: pod.path.clone(),
                    });
                }
            }
        }
    }
    if let Some(k) = &node.kubelet {
        let mut push = |flag: &str, path: &Path, role| {
            out.push(Consumer {
                component: Component::Kubelet.name().into(),
                flag: flag.into(),
                path: path.to_path_buf(),
                role,
                source: k.path.clone(),
            })
        };
        if let Some(p) = &k.client_ca_file {
            push("authentication.x509.clientCAFile", p, Role::ClientCa);
        }
        if let Some(cert) = &k.tls_cert_file {
            push("tlsCertFile", cert, Role::ServingCert);
            if let Some(key) = &k.tls_private_key_file {
                push("tlsPrivateKeyFile", key, Role::ServingKey);
            }
        } else if let Some(dir) = &node.paths.kubelet_cert_dir {
            let (cert, why) = k.serving_cert(dir);
            // The self-signed pair is made by the kubelet itself; its absence is no fault.
            if cert.exists() || k.server_tls_bootstrap {
                push(why, &cert, Role::ServingCert);
            }
        }
    }
    if let Some(data) = &node.paths.rancher {
        out.extend(embedded(data, &out));
    }
    let kubelet_runs = node.kubelet.is_some() || node.paths.kubelet_kubeconfig.exists();
    if let (None, true, Some(dir)) = (&node.kubelet, kubelet_runs, &node.paths.kubelet_cert_dir) {
        // No config to read: the kubelet's defaults (self-signed, or a bootstrapped pair).
        for (file, why) in [
            ("kubelet.crt", "self-signed (no tlsCertFile)"),
            ("kubelet-server-current.pem", "serverTLSBootstrap"),
        ] {
            let cert = dir.join(file);
            if cert.exists() {
                out.push(Consumer {
                    component: Component::Kubelet.name().into(),
                    flag: why.into(),
                    path: cert,
                    role: Role::ServingCert,
                    source: node.paths.kubelet_kubeconfig.clone(),
                });
            }
        }
    }
    if kubelet_runs {
        out.push(Consumer {
            component: Component::Kubelet.name().into(),
            flag: "--kubeconfig".into(),
            path: node.paths.kubelet_kubeconfig.clone(),
            role: Role::Kubeconfig,
            source: node
                .kubelet
                .as_ref()
                .map(|k| k.path.clone())
                .unwrap_or_else(|| node.paths.kubelet_kubeconfig.clone()),
        });
    }
    out
}

/// k3s runs its whole control plane in one process, and RKE2's supervisor reads its own
/// files beside its static pods: each certificate and key k3s/RKE2 names in its `server/tls`
/// and `agent` directories is used by that process (`k3s`, `rke2-server`, or the agent's
/// unit on an agent), unless a static pod already names it.
fn embedded(data: &Path, named: &[Consumer]) -> Vec<Consumer> {
    let program = data
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let server = data.join("server/tls");
    let process = match (program, server.is_dir()) {
        ("k3s", true) => "k3s".to_string(),
        (p, true) => format!("{p}-server"),
        (p, false) => format!("{p}-agent"),
    };
    let mut files: Vec<PathBuf> = [server.clone(), server.join("etcd"), data.join("agent")]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|entries| entries.flatten().map(|e| e.path()))
        .filter(|p| {
            let origin = Origin::File {
                path: p.clone(),
                index: 0,
            };
            let key = p.with_extension("crt");
            crate::pki::distro::place(&origin).is_some()
                || (p.extension().is_some_and(|e| e == "key")
                    && (key.is_file() || crate::pki::distro::key_without_certificate(p)))
        })
        .filter(|p| !named.iter().any(|c| c.path == *p))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| Consumer {
            component: process.clone(),
            flag: "(embedded control plane)".into(),
            role: Role::Other,
            source: data.to_path_buf(),
            path,
        })
        .collect()
}

/// Who uses what, per certificate, and the problems found on the way.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Usage {
    pub consumers: Vec<Consumer>,
    /// Per certificate (by [`CertId`]): indices into `consumers`.
    pub by_cert: Vec<Vec<usize>>,
    pub problems: Vec<Problem>,
}

impl Usage {
    /// The consumers of one certificate.
    pub fn of(&self, id: CertId) -> impl Iterator<Item = &Consumer> {
        self.by_cert
            .get(id)
            .into_iter()
            .flatten()
            .map(|&i| &self.consumers[i])
    }
}

/// Certificates nobody is expected to reference: people's and kubeadm's own credentials.
const NOT_FOR_COMPONENTS: [&str; 3] = ["admin.conf", "super-admin.conf", "etcd-healthcheck-client"];

/// Certificates by the file they are in, by path and by inode (symlinks, `..` in paths).
struct FileIndex {
    by_path: HashMap<PathBuf, Vec<CertId>>,
    by_id: HashMap<(u64, u64), Vec<CertId>>,
}

impl FileIndex {
    fn new(inv: &Inventory) -> Self {
        let mut by_path: HashMap<PathBuf, Vec<CertId>> = HashMap::new();
        for (id, c) in inv.certs.iter().enumerate() {
            by_path
                .entry(crate::pki::absolute(c.origin.path()))
                .or_default()
                .push(id);
        }
        let mut by_id: HashMap<(u64, u64), Vec<CertId>> = HashMap::new();
        for (path, ids) in &by_path {
            if let Some(fid) = file_id(path) {
                by_id.entry(fid).or_default().extend(ids);
            }
        }
        FileIndex { by_path, by_id }
    }

    fn certs_in(&self, path: &Path) -> Vec<CertId> {
        if let Some(ids) = self.by_path.get(&crate::pki::absolute(path)) {
            return ids.clone();
        }
        file_id(path)
            .and_then(|fid| self.by_id.get(&fid).cloned())
            .unwrap_or_default()
    }
}

/// Map the node's consumers onto the inventory and report missing files, unreadable
/// configuration and (as information) certificates no component references.
pub fn usage(inv: &Inventory, node: &Node) -> Usage {
    let consumers = consumers(node);
    let index = FileIndex::new(inv);
    let mut by_cert = vec![Vec::new(); inv.certs.len()];
    let mut problems = config_problems(node);
    for (i, c) in consumers.iter().enumerate() {
        if std::fs::metadata(&c.path).is_err() {
            problems.push(problem(
                &c.source,
                None,
                Severity::Error,
                format!(
                    "{} {} names {}, which does not exist",
                    c.component,
                    c.flag,
                    c.path.display()
                ),
            ));
            continue;
        }
        let mut ids = index.certs_in(&c.path);
        if c.role == Role::Kubeconfig {
            let kc = crate::pki::absolute(&c.path);
            ids.extend(inv.certs.iter().enumerate().filter_map(|(id, cert)| {
                cert.referenced_by
                    .iter()
                    .any(|r| crate::pki::absolute(r) == kc)
                    .then_some(id)
            }));
        }
        for id in ids {
            if !by_cert[id].contains(&i) {
                by_cert[id].push(i);
            }
        }
    }
    if node.has_runtime_config() {
        for (id, cert) in inv.certs.iter().enumerate() {
            let excluded = cert.superseded
                || matches!(
                    &cert.origin,
                    Origin::Kubeconfig {
                        entry: EntryKind::Cluster,
                        ..
                    }
                )
                || cert
                    .kubeadm_name
                    .as_deref()
                    .is_some_and(|n| NOT_FOR_COMPONENTS.contains(&n))
                || (cert.kubeadm_name.is_none()
                    && matches!(cert.origin, Origin::Kubeconfig { .. }));
            if by_cert[id].is_empty() && !excluded {
                problems.push(problem(
                    cert.origin.path(),
                    Some(id),
                    Severity::Info,
                    format!(
                        "{}: no component on this node references it (read {} manifest(s){})",
                        cert.display_name(),
                        node.manifests.pods.len() + node.units.pods.len(),
                        if node.kubelet.is_some() {
                            " and the kubelet config"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
    }
    Usage {
        consumers,
        by_cert,
        problems,
    }
}

fn config_problems(node: &Node) -> Vec<Problem> {
    let mut out: Vec<Problem> = node
        .manifests
        .errors
        .iter()
        .chain(&node.units.errors)
        .map(|e| {
            problem(
                &e.path,
                None,
                Severity::Warning,
                format!("cannot read static pod manifest: {}", e.message),
            )
        })
        .collect();
    if let (Some(path), Some(e)) = (&node.paths.kubelet_config, &node.kubelet_error) {
        out.push(problem(
            path,
            None,
            Severity::Warning,
            format!("cannot read the kubelet config: {e}"),
        ));
    }
    out
}

pub(super) fn problem(
    path: &Path,
    cert: Option<CertId>,
    severity: Severity,
    message: String,
) -> Problem {
    Problem {
        path: path.to_path_buf(),
        severity,
        kind: ProblemKind::Consumer,
        message,
        cert_id: cert,
        key_id: None,
    }
}
