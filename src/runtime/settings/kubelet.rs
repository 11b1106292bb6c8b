//! The kubelet's rotation settings against its client certificate.
//!
//! Defaults assumed (KubeletConfiguration v1beta1): `rotateCertificates` false and
//! `serverTLSBootstrap` false when unset (kubeadm writes `rotateCertificates: true`); feature
//! gate `RotateKubeletServerCertificate` on unless set to false (beta and on since 1.12).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{kubelet_client_cert, problem};
use crate::pki::format::datetime;
use crate::pki::{Inventory, Problem, Severity, Status};
use crate::runtime::consumers::Usage;
use crate::runtime::Node;

const SERVER_GATE: &str = "RotateKubeletServerCertificate";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KubeletSettings {
    pub config: PathBuf,
    pub rotate_certificates: bool,
    pub server_tls_bootstrap: bool,
    /// `authentication.x509.clientCAFile`; `null` when unset.
    pub client_ca_file: Option<PathBuf>,
    pub feature_gates: BTreeMap<String, bool>,
    /// Whether the serving certificate really comes from the CSR API: `serverTLSBootstrap`
    /// with `RotateKubeletServerCertificate` not turned off.
    pub serving_from_csr: bool,
    /// The client certificate the kubelet's kubeconfig uses, when the scan found it.
    pub client_cert: Option<String>,
    pub client_cert_not_after: Option<DateTime<Utc>>,
}

pub(super) fn check(
    inv: &Inventory,
    node: &Node,
    usage: &Usage,
    problems: &mut Vec<Problem>,
) -> Option<KubeletSettings> {
    let k = node.kubelet.as_ref()?;
    let client = kubelet_client_cert(inv, usage);
    let gate_off = k.feature_gates.get(SERVER_GATE) == Some(&false);
    let config = k.path.display();

    if let (false, Some(id)) = (k.rotate_certificates, client) {
        let c = &inv.certs[id];
        let until = datetime(c.not_after);
        let (severity, message) = match c.status {
            Status::Expired => (
                Severity::Error,
                format!(
                    "rotateCertificates is off in {config} and the kubelet's client certificate {} expired on {until}: the kubelet will not request a new client certificate; the API server refuses this node until it is renewed by hand",
                    c.origin.describe()
                ),
            ),
            Status::Warning | Status::Critical => (
                Severity::Error,
                format!(
                    "rotateCertificates is off in {config} and the kubelet's client certificate {} expires on {until} ({} days left): the kubelet will not request a new client certificate; it will lose the API server on {until}",
                    c.origin.describe(),
                    c.days_left(inv.generated_at)
                ),
            ),
            Status::Ok | Status::NotYetValid => (
                Severity::Info,
                format!(
                    "rotateCertificates is off in {config}: the kubelet will not renew its client certificate {} (valid until {until}); renew it by hand before then, or set rotateCertificates: true",
                    c.origin.describe()
                ),
            ),
        };
        problems.push(problem(&k.path, Some(id), severity, message));
    }

    if k.server_tls_bootstrap && gate_off {
        problems.push(problem(
            &k.path,
            None,
            Severity::Warning,
            format!(
                "serverTLSBootstrap is true in {config} but feature gate {SERVER_GATE} is false: the kubelet ignores serverTLSBootstrap and serves a self-signed certificate that nothing verifies"
            ),
        ));
    } else if k.server_tls_bootstrap {
        problems.push(problem(
            &k.path,
            None,
            Severity::Warning,
            format!(
                "serverTLSBootstrap is true in {config}: the kubelet's serving certificate comes from kubernetes.io/kubelet-serving CSRs, which Kubernetes never approves by itself; approve them by hand (kubectl certificate approve) or run an approver such as kubelet-csr-approver, else the kubelet has no serving certificate (kubectl logs and exec fail); `kcert csr doctor` checks the cluster side"
            ),
        ));
    }

    if k.client_ca_file.is_none() {
        problems.push(problem(
            &k.path,
            None,
            Severity::Warning,
            format!(
                "authentication.x509.clientCAFile is not set in {config}: the kubelet accepts no client certificate, so the API server's requests (kubectl logs, exec, port-forward) are refused unless anonymous access is on"
            ),
        ));
    }

    Some(KubeletSettings {
        config: k.path.clone(),
        rotate_certificates: k.rotate_certificates,
        server_tls_bootstrap: k.server_tls_bootstrap,
        client_ca_file: k.client_ca_file.clone(),
        feature_gates: k.feature_gates.clone(),
        serving_from_csr: k.server_tls_bootstrap && !gate_off,
        client_cert: client.map(|id| inv.certs[id].origin.describe()),
        client_cert_not_after: client.map(|id| inv.certs[id].not_after),
    })
}
