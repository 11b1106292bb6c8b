//! kube-controller-manager's in-tree CSR signer: which CA signs what, for how long, and
//! whether the API server and this node's kubelet agree with it (reference §6.3, §6.6).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::Serialize;

use super::duration::{go_duration_string, parse_go_duration};
use super::{cert_named, key_matches, kubelet_client_cert, path_flag, problem};
use crate::pki::decode::read_certificates;
use crate::pki::format::datetime;
use crate::pki::{CertId, Inventory, Problem, Severity};
use crate::runtime::consumers::Usage;
use crate::runtime::manifest::StaticPod;
use crate::runtime::verify::{bundle_accepts, bundle_verifies};
use crate::runtime::{Component, Node};

/// kube-controller-manager's default `--cluster-signing-duration`: one year.
const DEFAULT_DURATION: i64 = 8760 * 3600;

/// The in-tree signers, the flag prefix that overrides the shared pair for each, and whether
/// the API server authenticates the certificates it signs with `--client-ca-file`.
const SIGNERS: [(&str, &str, bool); 4] = [
    (
        "kubernetes.io/kube-apiserver-client-kubelet",
        "--cluster-signing-kubelet-client",
        true,
    ),
    (
        "kubernetes.io/kube-apiserver-client",
        "--cluster-signing-kube-apiserver-client",
        true,
    ),
    (
        "kubernetes.io/kubelet-serving",
        "--cluster-signing-kubelet-serving",
        false,
    ),
    (
        "kubernetes.io/legacy-unknown",
        "--cluster-signing-legacy-unknown",
        false,
    ),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signing {
    /// `--cluster-signing-cert-file` / `--cluster-signing-key-file` on the host; `null` when
    /// unset or empty (kubeadm's external-CA mode).
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// As written, or kube-controller-manager's default `8760h0m0s`.
    pub duration: String,
    /// The flag that set it; `null` for the default.
    pub duration_flag: Option<&'static str>,
    /// `null` when the duration does not parse.
    pub duration_seconds: Option<i64>,
    pub duration_days: Option<i64>,
    pub signers: Vec<Signer>,
}

/// One in-tree signer and the CA it signs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    pub name: &'static str,
    /// The flag naming its certificate: the shared one or the signer's own.
    pub cert_flag: String,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    /// The CA's subject and expiry, when the scan read the certificate.
    pub ca_subject: Option<String>,
    pub ca_not_after: Option<DateTime<Utc>>,
    pub is_ca: Option<bool>,
    pub key_matches: Option<bool>,
    /// NotAfter of a certificate signed now: `now + duration`, capped at the CA's NotAfter;
    /// `null` when unknown or the CA has expired (the signer then refuses to sign).
    pub issues_until: Option<DateTime<Utc>>,
    /// Certificates signed now are cut short by the CA's expiry.
    pub clipped: bool,
}

pub(super) fn check(
    inv: &Inventory,
    node: &Node,
    usage: &Usage,
    problems: &mut Vec<Problem>,
) -> Option<Signing> {
    let pod = node.manifests.pod(Component::ControllerManager)?;
    let kcm = Component::ControllerManager;
    let (duration_flag, written) = [
        "--cluster-signing-duration",
        "--experimental-cluster-signing-duration",
    ]
    .into_iter()
    .find_map(|f| pod.flag(f).map(|v| (Some(f), v.to_string())))
    .unwrap_or((None, go_duration_string(DEFAULT_DURATION)));
    let seconds = match parse_go_duration(&written) {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push(problem(
                &pod.path,
                None,
                Severity::Error,
                format!(
                    "{kcm} {}: {e}: kube-controller-manager does not start with it",
                    duration_flag.unwrap_or_default()
                ),
            ));
            None
        }
    };

    let shared = (
        path_flag(pod, "--cluster-signing-cert-file"),
        path_flag(pod, "--cluster-signing-key-file"),
    );
    let client_ca = usage
        .consumers
        .iter()
        .find(|c| c.component == Component::ApiServer.name() && c.flag == "--client-ca-file");
    let kubelet_client = kubelet_client_cert(inv, usage);
    // Whole seconds, as certificates have them.
    let now = inv.generated_at.trunc_subsecs(0);
    let until = seconds.map(|d| now + Duration::seconds(d));
    let mut signers = Vec::new();
    let mut ids = Vec::new();
    for (name, prefix, _) in SIGNERS {
        let (own_cert, own_key) = (format!("{prefix}-cert-file"), format!("{prefix}-key-file"));
        let own = (path_flag(pod, &own_cert), path_flag(pod, &own_key));
        let (cert_flag, (cert_file, key_file)) = if own.0.is_some() || own.1.is_some() {
            (own_cert, own)
        } else {
            ("--cluster-signing-cert-file".to_string(), shared.clone())
        };
        let id = cert_file
            .as_ref()
            .and_then(|_| cert_named(inv, usage, kcm, &cert_flag));
        let c = id.map(|id| &inv.certs[id]);
        let alive = c.filter(|c| c.not_after > now);
        signers.push(Signer {
            name,
            key_matches: match (id, &key_file) {
                (Some(id), Some(k)) => key_matches(inv, id, k).0,
                _ => None,
            },
            cert_flag,
            cert_file,
            key_file,
            ca_subject: c.map(|c| c.subject.clone()),
            ca_not_after: c.map(|c| c.not_after),
            is_ca: c.map(|c| c.is_ca),
            issues_until: alive.and_then(|c| until.map(|u| u.min(c.not_after))),
            clipped: alive.is_some_and(|c| until.is_some_and(|u| u > c.not_after)),
        });
        ids.push(id);
    }

    // Each CA file is judged once, naming every signer that uses it.
    let mut judged: Vec<&PathBuf> = Vec::new();
    let mut accepted = true;
    for (i, s) in signers.iter().enumerate() {
        let (Some(file), Some(id)) = (&s.cert_file, ids[i]) else {
            continue;
        };
        if judged.contains(&file) {
            continue;
        }
        judged.push(file);
        let users = |client_only: bool| -> Vec<&str> {
            signers
                .iter()
                .zip(SIGNERS)
                .filter(|(o, (_, _, client))| {
                    o.cert_file.as_ref() == Some(file) && (*client || !client_only)
                })
                .map(|(o, _)| o.name)
                .collect()
        };
        judge(inv, s, id, &users(false), seconds, pod, problems);
        let clients = users(true);
        if let (Some(api), false) = (client_ca, clients.is_empty()) {
            let ok = judge_client_ca(inv, s, id, &clients, &api.path, pod, problems);
            if clients.contains(&SIGNERS[0].0) {
                accepted = ok;
            }
        }
    }
    if let (Some(id), Some(kubelet)) = (ids[0], kubelet_client) {
        judge_kubelet(inv, &signers[0], id, kubelet, accepted, pod, problems);
    }
    if signers.iter().all(|s| s.cert_file.is_none()) {
        problems.push(problem(
            &pod.path,
            None,
            Severity::Info,
            format!("{kcm} names no --cluster-signing-cert-file: its CSR signer does not run (kubeadm's external-CA mode), so kubelet certificate rotation needs another signer"),
        ));
    }
    Some(Signing {
        cert_file: shared.0,
        key_file: shared.1,
        duration: written,
        duration_flag,
        duration_seconds: seconds,
        duration_days: seconds.map(|s| s.div_euclid(86_400)),
        signers,
    })
}

/// The CA itself: a CA, its key, and whether it outlives what it signs.
fn judge(
    inv: &Inventory,
    s: &Signer,
    id: CertId,
    users: &[&str],
    seconds: Option<i64>,
    pod: &StaticPod,
    problems: &mut Vec<Problem>,
) {
    let c = &inv.certs[id];
    let file = s.cert_file.as_deref().unwrap_or(Path::new("")).display();
    let who = users.join(", ");
    if !c.is_ca {
        problems.push(problem(
            &pod.path,
            Some(id),
            Severity::Error,
            format!(
                "kube-controller-manager {} names {file} ({}), which is not a CA certificate: the certificates it signs for {who} do not verify",
                s.cert_flag, c.subject
            ),
        ));
    }
    if let Some(key) = &s.key_file {
        if let (Some(false), false) = key_matches(inv, id, key) {
            problems.push(problem(
                &pod.path,
                Some(id),
                Severity::Error,
                format!(
                    "kube-controller-manager signs with {file} and {}, which is not that certificate's key: the signer cannot load them and no CSR for {who} is signed",
                    key.display()
                ),
            ));
        }
    }
    if let (true, Some(until), Some(d)) = (s.clipped, s.issues_until, seconds) {
        problems.push(problem(
            &pod.path,
            Some(id),
            Severity::Warning,
            format!(
                "kube-controller-manager signs with {file}, which expires on {}: certificates it signs now ({who}) end then, {} days instead of {} ({})",
                datetime(c.not_after),
                (until - inv.generated_at).num_days(),
                d.div_euclid(86_400),
                go_duration_string(d)
            ),
        ));
    }
}

/// A client signer's CA must be one the API server accepts; false when it is not.
fn judge_client_ca(
    inv: &Inventory,
    s: &Signer,
    id: CertId,
    signers: &[&str],
    api_ca: &Path,
    pod: &StaticPod,
    problems: &mut Vec<Problem>,
) -> bool {
    let bundle = read_certificates(api_ca);
    if bundle.is_empty() || inv.der(id).is_some_and(|der| bundle_accepts(&bundle, &der)) {
        return true;
    }
    problems.push(problem(
        &pod.path,
        Some(id),
        Severity::Error,
        format!(
            "kube-apiserver --client-ca-file ({}) does not accept {} ({}), the CA kube-controller-manager signs client certificates with ({}): every client certificate it signs, such as each node's after its next rotation, is refused",
            api_ca.display(),
            s.cert_file.as_deref().unwrap_or(Path::new("")).display(),
            inv.certs[id].subject,
            signers.join(", ")
        ),
    ));
    false
}

/// This node's kubelet client certificate should come from the CA that will sign its next one.
fn judge_kubelet(
    inv: &Inventory,
    s: &Signer,
    id: CertId,
    kubelet: CertId,
    accepted: bool,
    pod: &StaticPod,
    problems: &mut Vec<Problem>,
) {
    let signer = inv.der(id).map(|der| vec![der.into_owned()]);
    if signer.is_some_and(|signer| bundle_verifies(inv, &signer, kubelet)) {
        return;
    }
    let k = &inv.certs[kubelet];
    problems.push(problem(
        &pod.path,
        Some(kubelet),
        if accepted {
            Severity::Warning
        } else {
            Severity::Error
        },
        format!(
            "kube-controller-manager signs kubelet client certificates with {} ({}), but this node's kubelet client certificate {} was issued by {}: its next rotation brings a certificate from another CA{}",
            s.cert_file.as_deref().unwrap_or(Path::new("")).display(),
            inv.certs[id].subject,
            k.origin.describe(),
            k.issuer,
            if accepted {
                ""
            } else {
                ", which the API server refuses"
            }
        ),
    ));
}
