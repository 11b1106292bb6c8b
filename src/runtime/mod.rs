//! The running control plane: which component uses which file, what each one serves, trust
//! bundles, safe static pod restarts and x509 error lookup.
//!
//! Everything is plain data computed from parameters (no fixed `/etc/kubernetes`):
//! - [`Node::read`] reads the static pod manifests ([`manifest`]) and the kubelet config.
//! - [`analyse`] maps consumers onto an inventory ([`consumers::usage`]), checks client CA
//!   files ([`verify`]), trust bundles ([`trust`]) and the kubelet, signer and front-proxy
//!   settings ([`settings`]); all offline and fast.
//! - [`endpoints::targets`] lists the TLS listeners (loopback and given addresses only) and
//!   [`probe::probe`] reads what each serves, in parallel, async.
//! - [`components_to_restart`] says which components read changed files;
//!   [`restart::restart`] moves a manifest out and back with a journal ([`journal`], on
//!   [`crate::fsx`]).
//! - [`explain::explain`] finds the certificate a Go x509 validity error is about.
//!
//! Read-only apart from restarts and the operator's kubeconfig refresh ([`trust`]); the
//! words for these results are in `report::runtime`, a layer up.

pub mod consumers;
pub mod endpoints;
pub mod explain;
pub mod journal;
pub mod kubelet;
pub mod manifest;
mod node;
pub mod probe;
pub mod restart;
pub mod settings;
pub mod tls;
pub mod trust;
pub mod units;
pub mod verify;

pub use consumers::{Consumer, Role, Usage};
pub use endpoints::{targets, Endpoint, Targets};
pub use explain::{explain, Clues, Explanation, Reading, Replaced};
pub use node::{Component, Node, NodeOverrides, NodePaths};
pub use probe::{probe, served_by_cert, ProbeResult, ServedCert, ServedState};
pub use restart::{
    components_to_restart, plan_restart, readers_of, restart, RestartOptions, RestartPlan,
    RestartReport,
};
pub use settings::NodeSettings;
pub use trust::{CopyState, Trust, UserKubeconfig};

use std::time::Duration;

use serde::Serialize;

use crate::pki::{Inventory, Problem};

/// Everything kcert can tell offline about how the node uses its certificates.
#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    pub node: Node,
    pub usage: Usage,
    pub trust: Trust,
    /// Client CA files that do not verify the certificates meant for them.
    pub ca_problems: Vec<Problem>,
    /// Kubelet rotation, the CSR signer and the aggregation layer.
    pub settings: NodeSettings,
    /// Renewals or restores a killed kcert left unfinished.
    pub interrupted: Vec<Problem>,
}

impl Findings {
    /// Every problem found, in the order: interrupted changes, consumers, client CAs, trust
    /// bundles, settings.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.interrupted
            .iter()
            .chain(&self.usage.problems)
            .chain(&self.ca_problems)
            .chain(&self.trust.problems)
            .chain(&self.settings.problems)
    }
}

/// Read the node at `paths` and relate it to `inv`. Reads a handful of small files.
pub fn analyse(inv: &Inventory, paths: &NodePaths) -> Findings {
    let node = Node::read(paths);
    let usage = consumers::usage(inv, &node);
    let ca_problems = verify::client_ca_problems(inv, &usage);
    let trust = trust::trust(inv, &node, &usage);
    let settings = settings::settings(inv, &node, &usage);
    let interrupted = journal::interrupted(&paths.tmp_dir());
    Findings {
        interrupted,
        node,
        usage,
        trust,
        ca_problems,
        settings,
    }
}

/// How `--probe` reaches the node's components: loopback always, and these addresses.
#[derive(Debug, Clone)]
pub struct ProbeSpec {
    pub addresses: Vec<std::net::IpAddr>,
    pub timeout: Duration,
}

/// What the node adds to a scan (`kcert check`, `kcert serve`): who uses each file and the
/// node's settings, and with a probe what its listeners serve.
#[derive(Debug, Default)]
pub struct NodeCheck {
    /// `None` without node configuration.
    pub findings: Option<Findings>,
    /// `None` when not probed.
    pub probes: Option<Vec<ProbeResult>>,
}

/// Relate `inv` to the node at `paths` and, with `probe`, to what its listeners serve; the
/// problems found are added to `inv`. Without a probe nothing here awaits anything.
pub async fn check_node(
    inv: &mut Inventory,
    paths: Option<&NodePaths>,
    probe: Option<&ProbeSpec>,
) -> NodeCheck {
    let Some(paths) = paths else {
        return NodeCheck::default();
    };
    let findings = analyse(inv, paths);
    add_problems(inv, findings.problems());
    let probes = match probe {
        Some(spec) => {
            let targets = targets(&findings.node, &spec.addresses);
            let results = probe::probe(&targets.endpoints, spec.timeout).await;
            add_problems(inv, &probe::served_problems(inv, &results));
            Some(results)
        }
        None => None,
    };
    NodeCheck {
        findings: Some(findings),
        probes,
    }
}

/// Add problems to the inventory, keeping its order (worst first, then by path), so the
/// table, the JSON and the exit code include them.
pub fn add_problems<'a>(inv: &mut Inventory, problems: impl IntoIterator<Item = &'a Problem>) {
    inv.problems.extend(problems.into_iter().cloned());
    inv.problems.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
    });
}

/// Durations in JSON as whole milliseconds.
pub(crate) fn ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
