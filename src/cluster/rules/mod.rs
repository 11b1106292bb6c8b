//! The verdict on a CSR: signer-specific rules (what the in-tree signers and
//! kubelet-csr-approver enforce) plus checks for any signer. Pure: no I/O, no clock.
//!
//! Every rule that applies is reported, passed or failed, so the operator sees *why* a
//! request looks right, not only why it does not.

use serde::Serialize;

mod kubelet;
mod token;

pub use token::bootstrap_token;

use super::nodes::NodeIndex;
use crate::pki::decode::{DecodeError, DecodedRequest};
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

/// Whether a group grants cluster-admin (`system:masters`, `kubeadm:cluster-admins`): the UI
/// marks these wherever a request asks for them.
pub fn is_privileged_group(group: &str) -> bool {
    PRIVILEGED_GROUPS.contains(&group)
}

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
    pub request: Result<&'a DecodedRequest, &'a DecodeError>,
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
        Err(e) => c.push("request", false, true, e.to_string()),
    }
    key_strength(&mut c, req.key_algorithm);
    duration(&mut c, input.expiration_seconds);
    match input.signer {
        KUBELET_SERVING => kubelet::serving(&mut c, input, req, nodes),
        KUBELET_CLIENT => kubelet::client(&mut c, input, req),
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
                crate::pki::format::human_duration(s.into())
            ),
        ),
        Some(s) => c.add(
            "duration",
            true,
            format!("asks for {}", crate::pki::format::human_duration(s.into())),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(cn: &str, orgs: &[&str]) -> DecodedRequest {
        DecodedRequest {
            subject: format!("CN={cn}"),
            common_name: Some(cn.into()),
            organizations: orgs.iter().map(|o| o.to_string()).collect(),
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            other_sans: Vec::new(),
            key_algorithm: KeyAlgorithm::EcdsaP256,
            public_key_id: None,
            signature_algorithm: "ecdsa-with-SHA256".into(),
            signature: Ok(()),
        }
    }

    fn judge(signer: &str, requestor: &str, req: &DecodedRequest, usages: &[&str]) -> Verdict {
        let usages: Vec<String> = usages.iter().map(|u| u.to_string()).collect();
        let input = RuleInput {
            signer,
            requestor,
            usages: &usages,
            expiration_seconds: None,
            request: Ok(req),
        };
        evaluate(&input, &NodeIndex::unreadable())
    }

    #[test]
    fn every_applicable_rule_is_reported_and_the_label_names_failures() {
        let ok = judge(
            APISERVER_CLIENT,
            "admin",
            &request("dev", &["dev"]),
            &["client auth"],
        );
        let rules: Vec<&str> = ok.checks.iter().map(|c| c.rule).collect();
        assert_eq!(
            rules,
            [
                "signer",
                "request",
                "key",
                "duration",
                "groups",
                "impersonation",
                "usages",
                "identity"
            ]
        );
        assert!(ok.passed() && !ok.is_dangerous());
        assert_eq!(ok.label(), "valid");
        let bad = judge(
            APISERVER_CLIENT,
            "admin",
            &request("x", &["system:masters"]),
            &["server auth"],
        );
        assert_eq!(bad.label(), "FAIL: groups, usages");
        assert!(bad.is_dangerous());
    }

    #[test]
    fn weak_rsa_and_unknown_keys_fail() {
        let mut r = request("dev", &[]);
        r.key_algorithm = KeyAlgorithm::Rsa(1024);
        let v = judge(APISERVER_CLIENT, "admin", &r, &["client auth"]);
        assert_eq!(v.label(), "FAIL: key");
        r.key_algorithm = KeyAlgorithm::Unknown;
        assert_eq!(
            judge(APISERVER_CLIENT, "admin", &r, &["client auth"]).label(),
            "FAIL: key"
        );
    }

    #[test]
    fn an_undecodable_request_fails_alone_without_guessing_the_rest() {
        let input = RuleInput {
            signer: KUBELET_SERVING,
            requestor: "system:node:a",
            usages: &[],
            expiration_seconds: Some(86_400),
            request: Err(&DecodeError::Request("parsing error".into())),
        };
        let v = evaluate(&input, &NodeIndex::unreadable());
        assert_eq!(v.label(), "FAIL: request");
        assert_eq!(v.checks.len(), 3, "{v:#?}");
    }
}
