//! Node-side settings that decide whether certificates get renewed and accepted: the kubelet's
//! rotation, kube-controller-manager's CSR signer and the aggregation layer's front proxy.
//! Offline, from the kubelet config and the static pod manifests.

mod aggregator;
mod duration;
mod kubelet;
mod signing;

pub use aggregator::Aggregator;
pub use duration::{go_duration_string, parse_go_duration, DurationError};
pub use kubelet::KubeletSettings;
pub use signing::{Signer, Signing};

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::consumers::Usage;
use super::manifest::StaticPod;
use super::verify::{presented, Presenter};
use super::{Component, Node};
use crate::pki::walk::file_id;
use crate::pki::{absolute, CertId, Inventory, KeyId, Origin, Problem, ProblemKind, Severity};

/// What the node's configuration says about rotation, signing and the front proxy; each part
/// is `None` when the node has no such configuration (no kubelet config, no manifest).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NodeSettings {
    pub kubelet: Option<KubeletSettings>,
    pub signing: Option<Signing>,
    pub aggregator: Option<Aggregator>,
    #[serde(skip)]
    pub problems: Vec<Problem>,
}

/// Read the settings and judge them against the inventory.
pub fn settings(inv: &Inventory, node: &Node, usage: &Usage) -> NodeSettings {
    let mut problems = Vec::new();
    let kubelet = kubelet::check(inv, node, usage, &mut problems);
    let signing = signing::check(inv, node, usage, &mut problems);
    let aggregator = aggregator::check(inv, node, usage, &mut problems);
    NodeSettings {
        kubelet,
        signing,
        aggregator,
        problems,
    }
}

fn problem(path: &Path, cert: Option<CertId>, severity: Severity, message: String) -> Problem {
    Problem {
        path: path.to_path_buf(),
        severity,
        kind: ProblemKind::Settings,
        message,
        cert_id: cert,
        key_id: None,
    }
}

/// The certificate (first block) of the file `component flag` names, as the inventory read it.
fn cert_named(inv: &Inventory, usage: &Usage, component: Component, flag: &str) -> Option<CertId> {
    let i = usage
        .consumers
        .iter()
        .position(|c| c.component == component.name() && c.flag == flag)?;
    (0..inv.certs.len()).find(|&id| {
        usage.by_cert.get(id).is_some_and(|v| v.contains(&i))
            && matches!(inv.certs[id].origin, Origin::File { index: 0, .. })
    })
}

/// The private key the inventory read from `path`.
fn key_at(inv: &Inventory, path: &Path) -> Option<KeyId> {
    let want = absolute(path);
    let fid = file_id(path);
    inv.keys.iter().position(|k| {
        k.is_private
            && k.origin.index() == 0
            && matches!(k.origin, Origin::File { .. })
            && (absolute(k.origin.path()) == want
                || (fid.is_some() && file_id(k.origin.path()) == fid))
    })
}

/// Whether the key file a flag names holds the certificate's key, and whether the inventory
/// already judged that pair (its mismatch is then reported as a key mismatch, not here).
fn key_matches(inv: &Inventory, cert: CertId, key_path: &Path) -> (Option<bool>, bool) {
    let Some(kid) = key_at(inv, key_path) else {
        return (None, false);
    };
    let c = &inv.certs[cert];
    let matches = match (inv.keys[kid].public_key_id, c.public_key_id) {
        (Some(a), Some(b)) => Some(a == b),
        _ => None,
    };
    (matches, c.key_id == Some(kid))
}

/// The client certificate the kubelet's kubeconfig uses (the current rotation file).
fn kubelet_client_cert(inv: &Inventory, usage: &Usage) -> Option<CertId> {
    presented(
        inv,
        usage,
        &Presenter::Kubeconfig(Component::Kubelet, "--kubeconfig"),
    )
    .into_iter()
    .map(|(id, _, _)| id)
    .find(|&id| !inv.certs[id].superseded)
}

/// The host path a non-empty path flag of the pod's main container names.
fn path_flag(pod: &StaticPod, flag: &str) -> Option<PathBuf> {
    let c = pod.main_container()?;
    let v = c.flag(flag)?.trim();
    (!v.is_empty()).then(|| c.host_path(Path::new(v)))
}
