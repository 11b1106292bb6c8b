//! Trust bundles: kubeconfig CA data against the current `ca.crt`, the operator's
//! `~/.kube/config` against `admin.conf`, the kubelet's client CA against the API server's.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;

mod refresh;

pub use refresh::{refresh_user_kubeconfig, RefreshError, Refreshed};

use super::consumers::Usage;
use super::{Component, Node};
use crate::pki::decode::{self, pem_certificates, read_certificates};
use crate::pki::format::datetime;
use crate::pki::kubeconfig::{self, FieldValue};
use crate::pki::{signed_by, CertId, EntryKind, Inventory, Origin, Problem, ProblemKind, Severity};

/// The operator's kubeconfig compared with `admin.conf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserKubeconfig {
    pub path: PathBuf,
    pub admin: PathBuf,
    pub state: CopyState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CopyState {
    /// Holds `admin.conf`'s current client certificate.
    Current,
    /// Holds an earlier `admin.conf` credential: same subject and issuer, another certificate.
    Stale {
        /// The user entry that holds it.
        user: String,
        not_after: DateTime<Utc>,
        admin_not_after: DateTime<Utc>,
    },
    /// Another user or cluster: nothing to compare.
    NotACopy,
}

/// Findings about trust bundles.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Trust {
    /// `None` when there is no user kubeconfig or no `admin.conf` to compare.
    pub user_kubeconfig: Option<UserKubeconfig>,
    pub problems: Vec<Problem>,
}

fn problem(path: &Path, cert: Option<CertId>, severity: Severity, message: String) -> Problem {
    Problem {
        path: path.to_path_buf(),
        severity,
        kind: ProblemKind::TrustBundle,
        message,
        cert_id: cert,
        key_id: None,
    }
}

struct ClientCert {
    user: String,
    der: Vec<u8>,
}

pub(super) fn first_cert(pem: &[u8]) -> Option<Vec<u8>> {
    pem_certificates(pem).into_iter().next()
}

/// Parsed kubeconfig, or `None` when it is missing or broken (the scan reports that).
pub(super) fn load(path: &Path) -> Option<kubeconfig::Kubeconfig> {
    let bytes = std::fs::read(path).ok()?;
    kubeconfig::parse(&bytes, path.parent().unwrap_or(Path::new("/"))).ok()
}

fn client_certs(k: &kubeconfig::Kubeconfig) -> Vec<ClientCert> {
    k.fields
        .iter()
        .filter(|f| f.entry == EntryKind::User)
        .filter_map(|f| {
            let der = match (&f.value, f.field) {
                (FieldValue::Data(pem), "client-certificate-data") => first_cert(pem)?,
                (FieldValue::File(p), "client-certificate") => {
                    read_certificates(p).into_iter().next()?
                }
                _ => return None,
            };
            Some(ClientCert {
                user: f.name.clone(),
                der,
            })
        })
        .collect()
}

struct Names {
    subject: Vec<u8>,
    issuer: Vec<u8>,
    not_after: DateTime<Utc>,
}

fn names(der: &[u8]) -> Option<Names> {
    let c = decode::certificate(der).ok()?;
    Some(Names {
        subject: c.subject().as_raw().to_vec(),
        issuer: c.issuer().as_raw().to_vec(),
        not_after: decode::validity(&c).1,
    })
}

/// Compare the operator's kubeconfig with `admin.conf`; `None` when either is missing.
pub fn compare_user_kubeconfig(user: &Path, admin: &Path) -> Option<UserKubeconfig> {
    let admin_k = load(admin)?;
    let user_k = load(user)?;
    let admin_cert = client_certs(&admin_k)
        .into_iter()
        .find(|c| Some(&c.user) == admin_k.current_user.as_ref())
        .or_else(|| client_certs(&admin_k).into_iter().next())?;
    let admin_names = names(&admin_cert.der)?;
    let mine = client_certs(&user_k);
    let state = if mine.iter().any(|c| c.der == admin_cert.der) {
        CopyState::Current
    } else {
        mine.iter()
            .filter_map(|c| names(&c.der).map(|n| (c, n)))
            .find(|(_, n)| n.subject == admin_names.subject && n.issuer == admin_names.issuer)
            .map_or(CopyState::NotACopy, |(c, n)| CopyState::Stale {
                user: c.user.clone(),
                not_after: n.not_after,
                admin_not_after: admin_names.not_after,
            })
    };
    Some(UserKubeconfig {
        path: user.to_path_buf(),
        admin: admin.to_path_buf(),
        state,
    })
}

/// The CA kubeconfigs should carry: `<kubernetes dir>/pki/ca.crt`, else the API server's
/// `--client-ca-file`.
fn current_ca(node: &Node, usage: &Usage) -> Option<(PathBuf, Vec<u8>)> {
    let kubeadm = node.paths.kubernetes_dir.join("pki/ca.crt");
    let api = usage
        .consumers
        .iter()
        .find(|c| c.component == Component::ApiServer.name() && c.flag == "--client-ca-file")
        .map(|c| c.path.clone());
    [Some(kubeadm), api]
        .into_iter()
        .flatten()
        .find_map(|p| read_certificates(&p).into_iter().next().map(|der| (p, der)))
}

fn apiserver_cert(usage: &Usage) -> Option<Vec<u8>> {
    usage
        .consumers
        .iter()
        .find(|c| c.component == Component::ApiServer.name() && c.flag == "--tls-cert-file")
        .and_then(|c| read_certificates(&c.path).into_iter().next())
}

/// The servers of the kubeadm kubeconfigs: what "this cluster" is for a user kubeconfig.
fn cluster_servers(node: &Node) -> Vec<String> {
    load(&node.paths.admin_conf())
        .map(|k| k.servers.into_iter().map(|(_, s)| s).collect())
        .unwrap_or_default()
}

/// All trust-bundle findings for the scanned inventory on this node.
pub fn trust(inv: &Inventory, node: &Node, usage: &Usage) -> Trust {
    let mut problems = ca_data_problems(inv, node, usage);
    problems.extend(kubelet_client_ca(usage));
    let user_kubeconfig = node
        .paths
        .user_kubeconfig
        .as_deref()
        .and_then(|u| compare_user_kubeconfig(u, &node.paths.admin_conf()));
    if let Some(u) = &user_kubeconfig {
        if let CopyState::Stale {
            not_after,
            admin_not_after,
            ..
        } = &u.state
        {
            let expired = *not_after <= inv.generated_at;
            problems.push(problem(
                &u.path,
                inv.certs.iter().position(|c| {
                    c.origin.path() == u.path
                        && matches!(
                            c.origin,
                            Origin::Kubeconfig {
                                entry: EntryKind::User,
                                ..
                            }
                        )
                }),
                if expired {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                format!(
                    "an older copy of {}: its client certificate {} {}, admin.conf's on {}; refresh it from admin.conf (kcert probe --refresh-kubeconfig keeps a backup)",
                    u.admin.display(),
                    if expired { "expired" } else { "expires" },
                    datetime(*not_after),
                    datetime(*admin_not_after),
                ),
            ));
        }
    }
    Trust {
        user_kubeconfig,
        problems,
    }
}

fn ca_data_problems(inv: &Inventory, node: &Node, usage: &Usage) -> Vec<Problem> {
    let Some((ca_path, ca_der)) = current_ca(node, usage) else {
        return Vec::new();
    };
    let ca_key = decode::certificate(&ca_der)
        .ok()
        .map(|c| c.public_key().raw.to_vec());
    let served = apiserver_cert(usage);
    let servers = cluster_servers(node);
    let mut out = Vec::new();
    for ((path, cluster), bundle) in cluster_bundles(inv, usage) {
        // By fingerprint: a scan keeps no leaf's DER.
        let first = bundle.first().map(|b| crate::pki::Sha256::of(b));
        let id = inv
            .certs
            .iter()
            .position(|c| {
                first == Some(c.sha256)
                    && matches!(&c.origin, Origin::Kubeconfig { path: p, .. } if *p == path)
            })
            .or_else(|| inv.certs.iter().position(|c| first == Some(c.sha256)));
        let ours = path.starts_with(crate::pki::absolute(&node.paths.kubernetes_dir))
            || load(&path).is_some_and(|k| {
                k.servers
                    .iter()
                    .any(|(n, s)| *n == cluster && servers.contains(s))
            });
        if !ours || bundle.contains(&ca_der) {
            continue;
        }
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let fix = match crate::pki::kubeadm::name_for_kubeconfig(&path) {
            Some(n) if n != "kubelet.conf" => format!("kcert renew {n} --update-ca-data"),
            _ => "replace it with the CA on disk".into(),
        };
        if let Some(stale) = stale_copy(&bundle, &ca_der) {
            let past = stale <= inv.generated_at;
            out.push(problem(
                &path,
                id,
                if past { Severity::Error } else { Severity::Warning },
                format!(
                    "certificate-authority-data of cluster {cluster} in {file} is an older copy of {} (same name and key): it {} working on {}; {fix}",
                    ca_path.display(),
                    if past { "stopped" } else { "stops" },
                    datetime(stale)
                ),
            ));
            continue;
        }
        let still_verifies = served
            .as_ref()
            .is_some_and(|s| bundle.iter().any(|b| signed_by(s, b)));
        let same_key = bundle.iter().any(|b| {
            decode::certificate(b)
                .ok()
                .is_some_and(|c| Some(c.public_key().raw.to_vec()) == ca_key)
        });
        let (severity, consequence) = if still_verifies || (served.is_none() && same_key) {
            (
                Severity::Warning,
                "it still verifies the API server's certificate, but will not after the next CA change",
            )
        } else {
            (
                Severity::Error,
                "clients using it will refuse the API server",
            )
        };
        out.push(problem(
            &path,
            id,
            severity,
            format!(
                "certificate-authority-data of cluster {cluster} in {file} is not the current {}: {consequence}; {fix}",
                ca_path.display()
            ),
        ));
    }
    out
}

/// The NotAfter of an older copy of CA `ca_der` in `bundle`: another certificate with its
/// subject and public key that ends before it, and stops being trusted then.
fn stale_copy(bundle: &[Vec<u8>], ca_der: &[u8]) -> Option<DateTime<Utc>> {
    let current = crate::pki::copy_of_ca(ca_der, ca_der)?;
    bundle
        .iter()
        .filter_map(|b| crate::pki::copy_of_ca(b, ca_der))
        .find(|end| *end < current)
}

/// `(kubeconfig, cluster name)` and the CA certificates it trusts.
type ClusterBundle = ((PathBuf, String), Vec<Vec<u8>>);

/// Every kubeconfig the node and the scan know of, with each cluster's CA certificates.
fn cluster_bundles(inv: &Inventory, usage: &Usage) -> Vec<ClusterBundle> {
    let mut files: Vec<PathBuf> = inv
        .certs
        .iter()
        .flat_map(|c| {
            let own = matches!(c.origin, Origin::Kubeconfig { .. })
                .then(|| c.origin.path().to_path_buf());
            own.into_iter().chain(c.referenced_by.iter().cloned())
        })
        .chain(
            usage
                .consumers
                .iter()
                .filter(|c| c.role == super::Role::Kubeconfig)
                .map(|c| c.path.clone()),
        )
        .map(|p| crate::pki::absolute(&p))
        .collect();
    files.sort();
    files.dedup();
    let mut out: Vec<ClusterBundle> = Vec::new();
    for path in files {
        let Some(k) = load(&path) else { continue };
        for f in k.fields.iter().filter(|f| f.entry == EntryKind::Cluster) {
            let certs = match (&f.value, f.field) {
                (FieldValue::Data(pem), "certificate-authority-data") => pem_certificates(pem),
                (FieldValue::File(p), "certificate-authority") => read_certificates(p),
                _ => continue,
            };
            if !certs.is_empty() {
                out.push(((path.clone(), f.name.clone()), certs));
            }
        }
    }
    out
}

fn kubelet_client_ca(usage: &Usage) -> Option<Problem> {
    let find = |c: Component, flag: &str| {
        usage
            .consumers
            .iter()
            .find(|x| x.component == c.name() && x.flag == flag)
    };
    let kubelet = find(Component::Kubelet, "authentication.x509.clientCAFile")?;
    let api = find(Component::ApiServer, "--client-ca-file")?;
    if kubelet.path == api.path {
        return None;
    }
    let (mut a, mut b) = (
        read_certificates(&kubelet.path),
        read_certificates(&api.path),
    );
    if a.is_empty() || b.is_empty() {
        return None; // missing files are reported as such
    }
    a.sort();
    b.sort();
    (a != b).then(|| {
        problem(
            &kubelet.source,
            None,
            Severity::Warning,
            format!(
                "kubelet authentication.x509.clientCAFile ({}) holds other certificates than kube-apiserver --client-ca-file ({}): clients the API server accepts may be refused by the kubelet, and the other way round",
                kubelet.path.display(),
                api.path.display()
            ),
        )
    })
}
