//! What the cluster's Nodes report about themselves, for checking kubelet-serving SANs.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::Node;

/// Node name → the names and addresses in its `status.addresses`.
#[derive(Debug, Clone, Default)]
pub struct NodeIndex {
    /// False until Nodes could be listed (RBAC may forbid it): rules then say "not checked"
    /// instead of treating every node as missing.
    readable: bool,
    nodes: HashMap<String, Vec<String>>,
}

/// The answer to "what does node N report?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeLookup<'a> {
    /// The node exists; these are its `status.addresses[].address` values.
    Found(&'a [String]),
    Missing,
    /// Nodes could not be read, so nothing can be said.
    Unknown,
}

impl NodeIndex {
    /// An index that knows Nodes could not be read.
    pub fn unreadable() -> Self {
        NodeIndex::default()
    }

    /// An index over a complete node list.
    pub fn from_nodes<'a>(nodes: impl IntoIterator<Item = &'a Node>) -> Self {
        let mut index = NodeIndex {
            readable: true,
            nodes: HashMap::new(),
        };
        for n in nodes {
            index.upsert(n);
        }
        index
    }

    /// Plain data form, for tests and the demo: `(name, [addresses])`.
    pub fn from_addresses<S: Into<String>>(
        nodes: impl IntoIterator<Item = (S, Vec<String>)>,
    ) -> Self {
        NodeIndex {
            readable: true,
            nodes: nodes.into_iter().map(|(n, a)| (n.into(), a)).collect(),
        }
    }

    pub fn is_readable(&self) -> bool {
        self.readable
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Add or replace one node; returns its name.
    pub fn upsert(&mut self, node: &Node) -> Option<String> {
        let name = node.metadata.name.clone()?;
        let addresses = node
            .status
            .as_ref()
            .and_then(|s| s.addresses.as_ref())
            .map(|a| a.iter().map(|a| a.address.clone()).collect())
            .unwrap_or_default();
        self.readable = true;
        self.nodes.insert(name.clone(), addresses);
        Some(name)
    }

    pub fn remove(&mut self, name: &str) {
        self.nodes.remove(name);
    }

    pub fn lookup(&self, name: &str) -> NodeLookup<'_> {
        if !self.readable {
            return NodeLookup::Unknown;
        }
        match self.nodes.get(name) {
            Some(a) => NodeLookup::Found(a),
            None => NodeLookup::Missing,
        }
    }
}
