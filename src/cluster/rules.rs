//! The verdict on a CSR: signer-specific rules (what the in-tree signers and
//! kubelet-csr-approver enforce) plus checks for any signer. Pure: no I/O, no clock.
//!
//! Every rule that applies is reported, passed or failed, so the operator sees *why* a
//! request looks right, not only why it does not.

use std::collections::BTreeSet;

use serde::Serialize;

use super::nodes::{NodeIndex, NodeLookup};
use super::request::DecodedRequest;
use crate::pki::KeyAlgorithm;

pub const KUBELET_SERVING: &str = "kubernetes.io/kubelet-serving";
pub const KUBELET_CLIENT: &str = "kubernetes.io/kube-apiserver-client-kubelet";
pub const APISERVER_CLIENT: &str = "kubernetes.io/kube-apiserver-client";

const NODE_PREFIX: &str = "system:node:";
const NODES_GROUP: &str = "system:nodes";
/// One year; the CSR API allows longer, but a kubelet or user never needs it.
const MAX_DURATION_SECS: i64 = 365 * 86_400;
/// Groups that bypass RBAC or are bound to cluster-admin by kubeadm.
const PRIVILEGED_GROUPS: &[&str] = &["system:masters", "kubeadm:cluster-admins"];
/// CNs that kubeadm and the control plane use for their own identities.
const SYSTEM_CNS: &[&str] = &[
    "kubernetes-admin",
    "kubernetes-super-admin",
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:kube-proxy",
    "system:apiserver",
    "kube-apiserver-kubelet-client",
    "kube-apiserver-etcd-client",
    "front-proxy-client",
];
const SYSTEM_CN_PREFIXES: &[&str] = &[NODE_PREFIX, "system:serviceaccount:", "system:kube-"];

/// Whether a rule held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The rule needs facts kcert does not have (e.g. Nodes cannot be read); never fails a verdict.
    NotChecked,
}

/// One rule's result, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Short id shown in the VERDICT column: `cn`, `org`, `sans`, ...
    pub rule: &'static str,
    pub outcome: Outcome,
    /// A failure that grants cluster-admin or another identity: shown in red.
    pub danger: bool,
    pub reason: String,
}

/// All checks for one CSR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub checks: Vec<Check>,
}

impl Verdict {
    /// True when no rule failed.
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(|c| c.outcome == Outcome::Fail)
    }

    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.outcome == Outcome::Fail)
    }

    /// A failure that would hand out a privileged or someone else's identity.
    pub fn is_dangerous(&self) -> bool {
        self.failures().any(|c| c.danger)
    }

    /// `valid`, or `FAIL: cn, org` naming the failed rules.
    pub fn label(&self) -> String {
        let failed: Vec<&str> = self.failures().map(|c| c.rule).collect();
        if failed.is_empty() {
            "valid".into()
        } else {
            format!("FAIL: {}", failed.join(", "))
        }
    }
}

/// The facts of a CSR the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct RuleInput<'a> {
    pub signer: &'a str,
    /// `spec.username`: who created the object, set by the API server, not by the requestor.
    pub requestor: &'a str,
    pub usages: &'a [String],
    pub expiration_seconds: Option<i32>,
    /// The decoded request, or why it could not be decoded.
    pub request: Result<&'a DecodedRequest, &'a str>,
}

struct Checks(Vec<Check>);

impl Checks {
    fn add(&mut self, rule: &'static str, ok: bool, reason: String) {
        self.push(rule, ok, false, reason);
    }
    fn push(&mut self, rule: &'static str, ok: bool, danger: bool, reason: String) {
        let outcome = if ok { Outcome::Pass } else { Outcome::Fail };
        self.0.push(Check {
            rule,
            outcome,
            danger: danger && !ok,
            reason,
        });
    }
    fn skip(&mut self, rule: &'static str, reason: String) {
        self.0.push(Check {
            rule,
            outcome: Outcome::NotChecked,
            danger: false,
            reason,
        });
    }
}

/// Judge one CSR against the rules of its signer and the rules for every signer.
pub fn evaluate(input: &RuleInput<'_>, nodes: &NodeIndex) -> Verdict {
    let mut c = Checks(Vec::new());
    signer_known(&mut c, input.signer);
    let req = match input.request {
        Ok(r) => r,
        Err(e) => {
            c.add(
                "request",
                false,
                format!("spec.request cannot be read: {e}"),
            );
            duration(&mut c, input.expiration_seconds);
            return Verdict { checks: c.0 };
        }
    };
    match &req.signature {
        Ok(()) => c.add(
            "request",
            true,
            format!("PKCS#10 signature verifies ({})", req.signature_algorithm),
        ),
        Err(e) => c.push("request", false, true, e.clone()),
    }
    key_strength(&mut c, req.key_algorithm);
    duration(&mut c, input.expiration_seconds);
    match input.signer {
        KUBELET_SERVING => kubelet_serving(&mut c, input, req, nodes),
        KUBELET_CLIENT => kubelet_client(&mut c, input, req),
        APISERVER_CLIENT => {
            apiserver_client(&mut c, input, req);
            identity(&mut c, input, req);
        }
        _ => identity(&mut c, input, req),
    }
    Verdict { checks: c.0 }
}

fn signer_known(c: &mut Checks, signer: &str) {
    match signer {
        KUBELET_SERVING | KUBELET_CLIENT | APISERVER_CLIENT => {
            c.add("signer", true, format!("{signer} is a built-in signer"))
        }
        s if s.starts_with("kubernetes.io/") => c.add(
            "signer",
            false,
            format!("no built-in signer issues for {s}: it will never be Issued"),
        ),
        "" => c.add("signer", false, "no signerName".into()),
        s => c.add(
            "signer",
            true,
            format!("{s} is a custom signer: only the general rules apply"),
        ),
    }
}

fn key_strength(c: &mut Checks, alg: KeyAlgorithm) {
    match alg {
        KeyAlgorithm::Rsa(bits) if bits < 2048 => {
            c.add("key", false, format!("{alg} is too weak (under 2048 bits)"))
        }
        KeyAlgorithm::Unknown => c.add("key", false, "unrecognised key algorithm".into()),
        _ => c.add("key", true, format!("{alg}")),
    }
}

fn duration(c: &mut Checks, seconds: Option<i32>) {
    match seconds {
        None => c.add(
            "duration",
            true,
            "none requested: the signer's default".into(),
        ),
        Some(s) if i64::from(s) > MAX_DURATION_SECS => c.add(
            "duration",
            false,
            format!(
                "asks for {} (over one year)",
                crate::pki::expiry::human_duration(s.into())
            ),
        ),
        Some(s) => c.add(
            "duration",
            true,
            format!("asks for {}", crate::pki::expiry::human_duration(s.into())),
        ),
    }
}

fn cn(req: &DecodedRequest) -> &str {
    req.common_name.as_deref().unwrap_or("")
}

fn orgs_exactly_nodes(c: &mut Checks, req: &DecodedRequest) {
    let ok = req.organizations == [NODES_GROUP];
    let reason = if ok {
        "O is system:nodes".to_string()
    } else {
        format!(
            "O must be exactly system:nodes, is [{}]",
            req.organizations.join(", ")
        )
    };
    c.add("org", ok, reason);
}

/// Usages must be a subset of `allowed` and include `required`.
fn usages(c: &mut Checks, usages: &[String], allowed: &[&str], required: &str) {
    let extra: Vec<&str> = usages
        .iter()
        .map(String::as_str)
        .filter(|u| !allowed.contains(u))
        .collect();
    let has_required = usages.iter().any(|u| u == required);
    let reason = if !extra.is_empty() {
        format!("not allowed for this signer: {}", extra.join(", "))
    } else if !has_required {
        format!("\"{required}\" is missing")
    } else {
        usages.join(", ")
    };
    c.add("usages", extra.is_empty() && has_required, reason);
}

fn kubelet_serving(c: &mut Checks, input: &RuleInput<'_>, req: &DecodedRequest, nodes: &NodeIndex) {
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

fn kubelet_client(c: &mut Checks, input: &RuleInput<'_>, req: &DecodedRequest) {
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
        .strip_prefix("system:bootstrap:")
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

fn apiserver_client(c: &mut Checks, input: &RuleInput<'_>, req: &DecodedRequest) {
    let privileged: Vec<&str> = req
        .organizations
        .iter()
        .map(String::as_str)
        .filter(|o| PRIVILEGED_GROUPS.contains(o))
        .collect();
    let reason = if privileged.is_empty() {
        format!("groups: [{}]", req.organizations.join(", "))
    } else {
        format!(
            "asks for privileged group {} (full cluster admin)",
            privileged.join(", ")
        )
    };
    c.push("groups", privileged.is_empty(), true, reason);
    let name = cn(req);
    let system = SYSTEM_CNS.contains(&name)
        || SYSTEM_CN_PREFIXES.iter().any(|p| name.starts_with(p))
        || req.organizations.iter().any(|o| o == NODES_GROUP);
    let reason = if system {
        format!(
            "CN {name} (O {}) impersonates a system component",
            req.organizations.join(", ")
        )
    } else {
        format!("CN {} is not a system identity", show(name))
    };
    c.push("impersonation", !system, true, reason);
    usages(
        c,
        input.usages,
        &["digital signature", "key encipherment", "client auth"],
        "client auth",
    );
}

/// Any signer: a subject that claims a node or service account must come from that identity.
fn identity(c: &mut Checks, input: &RuleInput<'_>, req: &DecodedRequest) {
    let name = cn(req);
    if input.requestor.is_empty() {
        c.add(
            "identity",
            false,
            "no requestor recorded (spec.username is empty)".into(),
        );
        return;
    }
    let claims = name.starts_with(NODE_PREFIX) || name.starts_with("system:serviceaccount:");
    let ok = !claims || name == input.requestor;
    let reason = if ok {
        format!("CN {} requested by {}", show(name), input.requestor)
    } else {
        format!("CN claims {name} but {} requested it", input.requestor)
    };
    c.push("identity", ok, true, reason);
}

fn show(s: &str) -> &str {
    if s.is_empty() {
        "(empty)"
    } else {
        s
    }
}
