//! The fleet: every node's `kcert serve` report, read through the API server that is
//! already there (the kcert DaemonSet's pods and their `proxy` subresource), with the
//! kubeconfig logic of the CSR tab. No agent protocol and no SSH.
//!
//! - [`fetch`] lists the pods and the nodes and fetches each report: concurrently (16 at
//!   a time), each under its own timeout and size cap, so one dead node never holds up the
//!   others.
//! - [`report`] reads a report back and sums a node up in one line.
//! - [`inventory`] turns a report back into an [`crate::pki::Inventory`] for the terminal
//!   UI's read-only tree of that node.
//! - [`output`] prints the fleet as a table or JSON (`kcert fleet`).

pub mod fetch;
pub mod inventory;
pub mod output;
pub mod report;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

pub use fetch::{connect, fetch_fleet, list_targets, Targets};
pub use report::{Report, Summary};

use crate::pki::Health;

/// Where the DaemonSet is and how to reach its pods.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    pub namespace: String,
    /// Label selector of the DaemonSet's pods.
    pub selector: String,
    /// The port `kcert serve` listens on in the pod.
    pub port: u16,
    /// How long one node's report may take.
    pub node_timeout: Duration,
    /// Reports fetched at once.
    pub concurrency: usize,
    /// Largest report accepted from one node.
    pub max_report: usize,
}

/// 64 MiB: a node with ten thousand certificates writes about 20 MiB.
pub const MAX_REPORT: usize = 64 * 1024 * 1024;

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            namespace: "kcert".into(),
            selector: "app.kubernetes.io/name=kcert".into(),
            port: 9793,
            node_timeout: Duration::from_secs(10),
            concurrency: 16,
            max_report: MAX_REPORT,
        }
    }
}

/// One node of the fleet.
#[derive(Debug, Clone, Serialize)]
pub struct NodeRow {
    pub node: String,
    /// `control-plane` or `worker`, from the Node's role labels; `None` when the Nodes
    /// could not be read.
    pub role: Option<String>,
    /// The kcert pod on it.
    pub pod: Option<String>,
    #[serde(flatten)]
    pub state: NodeState,
    /// The whole report, for the terminal UI's tree of the node (not in JSON output).
    #[serde(skip)]
    pub report: Option<Arc<Report>>,
}

/// What is known of a node.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum NodeState {
    /// Its report is being fetched.
    Fetching,
    Reported {
        #[serde(flatten)]
        summary: Summary,
    },
    /// Its pod did not give a report (down, not ready, too slow, too large, not JSON).
    Unreachable { error: String },
    /// No kcert pod runs there (a taint not tolerated, a node selector, a new node).
    NotCovered,
}

impl NodeRow {
    /// How bad the node looks: a node whose certificates cannot be seen is at least a
    /// warning (kcert never calls a node it cannot see fine).
    pub fn health(&self) -> Option<Health> {
        match &self.state {
            NodeState::Reported { summary } => Some(summary.health),
            NodeState::Unreachable { .. } | NodeState::NotCovered => Some(Health::Warning),
            NodeState::Fetching => None,
        }
    }

    /// Order of the list: critical first, then nodes that cannot be seen, warnings, ok.
    pub fn rank(&self) -> u8 {
        match &self.state {
            NodeState::Reported { summary } if summary.health == Health::Critical => 0,
            NodeState::Unreachable { .. } => 1,
            NodeState::NotCovered => 2,
            NodeState::Reported { summary } if summary.health == Health::Warning => 3,
            NodeState::Fetching => 4,
            NodeState::Reported { .. } => 5,
        }
    }
}

/// Worst first, then by name.
pub fn sort_rows(rows: &mut [NodeRow]) {
    rows.sort_by(|a, b| a.rank().cmp(&b.rank()).then_with(|| a.node.cmp(&b.node)));
}

/// The worst health over the fleet (`None` for an empty fleet).
pub fn worst(rows: &[NodeRow]) -> Option<Health> {
    rows.iter().filter_map(NodeRow::health).max()
}

/// Why the fleet could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("{}", .0.banner())]
    Cluster(Box<crate::cluster::Diagnosis>),
    #[error("no pods match {selector} in namespace {namespace}: is kcert's DaemonSet deployed (kubectl apply -k assets/deploy)?")]
    NoPods { namespace: String, selector: String },
}
