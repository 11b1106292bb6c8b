//! The two kubelet signers: serving certificates (never auto-approved, so the operator's
//! judgement matters most) and client certificates (bootstrap or self-renewal).

use std::collections::BTreeSet;

use super::super::nodes::{NodeIndex, NodeLookup};
use super::super::tokens::BOOTSTRAP_USER_PREFIX;
use super::{cn, orgs_exactly_nodes, show, usages, Checks, RuleInput, NODE_PREFIX};
use crate::pki::decode::DecodedRequest;

pub(super) fn serving(
    c: &mut Checks,
    input: &RuleInput<'_>,
    req: &DecodedRequest,
    nodes: &NodeIndex,
) {
    let node = input
        .requestor
        .strip_prefix(NODE_PREFIX)
        .filter(|n| !n.is_empty());
    match node {
        Some(_) => c.add(
            "requestor",
            true,
            format!("requested by node {}", input.requestor),
        ),
        None => c.push(
            "requestor",
            false,
            true,
            format!(
                "requested by {}, not by a node (system:node:<name>)",
                show(input.requestor)
            ),
        ),
    }
    let same = cn(req) == input.requestor;
    let reason = if same {
        format!("CN {} is the requestor", cn(req))
    } else {
        format!(
            "CN {} is not the requestor {}",
            show(cn(req)),
            show(input.requestor)
        )
    };
    c.push("cn", same, true, reason);
    orgs_exactly_nodes(c, req);
    let count = req.dns_names.len() + req.ip_addresses.len();
    let sans_ok = count > 0 && req.other_sans.is_empty();
    let reason = if !req.other_sans.is_empty() {
        format!(
            "email/URI SANs are not allowed: {}",
            req.other_sans.join(", ")
        )
    } else if count == 0 {
        "no DNS or IP SAN".to_string()
    } else {
        req.sans().join(", ")
    };
    c.add("sans", sans_ok, reason);
    node_addresses(c, node, req, nodes);
    usages(
        c,
        input.usages,
        &["digital signature", "key encipherment", "server auth"],
        "server auth",
    );
}

fn node_addresses(c: &mut Checks, node: Option<&str>, req: &DecodedRequest, nodes: &NodeIndex) {
    let Some(node) = node else {
        c.skip("node-addresses", "no node name to look up".into());
        return;
    };
    match nodes.lookup(node) {
        NodeLookup::Unknown => c.skip("node-addresses", "Nodes cannot be read".into()),
        NodeLookup::Missing => c.skip(
            "node-addresses",
            format!("node {node} is not registered: SANs not compared"),
        ),
        NodeLookup::Found(addrs) => {
            let known: BTreeSet<&str> = addrs.iter().map(String::as_str).collect();
            let ips: Vec<String> = req.ip_addresses.iter().map(|i| i.to_string()).collect();
            let foreign: Vec<&str> = req
                .dns_names
                .iter()
                .chain(ips.iter())
                .map(String::as_str)
                .filter(|s| !known.contains(s))
                .collect();
            let reason = if foreign.is_empty() {
                format!("every SAN is reported by node {node}")
            } else {
                format!("node {node} does not report {}", foreign.join(", "))
            };
            c.push("node-addresses", foreign.is_empty(), true, reason);
        }
    }
}

pub(super) fn client(c: &mut Checks, input: &RuleInput<'_>, req: &DecodedRequest) {
    let node = cn(req).strip_prefix(NODE_PREFIX).filter(|n| !n.is_empty());
    let reason = match node {
        Some(n) => format!("CN names node {n}"),
        None => format!("CN {} is not system:node:<name>", show(cn(req))),
    };
    c.add("cn", node.is_some(), reason);
    orgs_exactly_nodes(c, req);
    let sans = req.sans();
    let reason = if sans.is_empty() {
        "no SANs".to_string()
    } else {
        format!("client certificates carry no SANs: {}", sans.join(", "))
    };
    c.add("sans", sans.is_empty(), reason);
    usages(
        c,
        input.usages,
        &["digital signature", "key encipherment", "client auth"],
        "client auth",
    );
    let r = input.requestor;
    let bootstrap = r
        .strip_prefix(BOOTSTRAP_USER_PREFIX)
        .is_some_and(|id| !id.is_empty());
    let self_renewal = node.is_some() && r == cn(req);
    let reason = if bootstrap {
        format!("requested with bootstrap token {r}")
    } else if self_renewal {
        format!("node {r} renews its own certificate")
    } else {
        format!(
            "requested by {}, neither a bootstrap token nor node {}",
            show(r),
            node.unwrap_or("?")
        )
    };
    c.push("requestor", bootstrap || self_renewal, true, reason);
}
