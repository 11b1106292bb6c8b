//! `kcert csr doctor`: which CSRs get approved without an operator, and why not. Reads the
//! ClusterRoles and ClusterRoleBindings (kube-controller-manager auto-approves a kubelet
//! client CSR when its requester may `create` `certificatesigningrequests/nodeclient` or
//! `/selfnodeclient`), the Deployments (kubelet-serving CSRs need an external approver) and
//! the bootstrap tokens. [`diagnose`] is pure; [`gather`] does the reading; the RBAC side of
//! the two client-certificate paths is in `autoapprove`.

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use kube::api::{Api, ListParams};
use serde::Serialize;

use super::autoapprove::{
    path, request, AUTHENTICATED, CREATE_CSRS, NODE_CLIENT, SELF_NODE_CLIENT,
};
pub use super::autoapprove::{
    Fix, PathCheck, PathState, DEFAULT_NODE_TOKEN_GROUP, NODECLIENT, NODE_BOOTSTRAPPER,
    SELFNODECLIENT,
};
use super::connect::Connection;
use super::rbac::{granting, Requester};
use super::rules::KUBELET_SERVING;
use super::source::error_chain;
use super::tokens::{self, BootstrapToken, TOKEN_NAMESPACE, TOKEN_TYPE};
use super::view::CsrView;
use crate::pki::{Severity, Status};
/// Names in a Deployment (or its images) that mark a kubelet-serving approver.
pub const APPROVER_NAMES: [&str; 3] = [
    "kubelet-csr-approver",
    "kubelet-rubber-stamp",
    "kubelet-serving-cert-approver",
];

/// What the doctor read; each part on its own, so one forbidden list does not hide the rest.
#[derive(Debug, Clone)]
pub struct Facts {
    pub roles: Result<Vec<ClusterRole>, ListError>,
    pub bindings: Result<Vec<ClusterRoleBinding>, ListError>,
    pub deployments: Result<Vec<Deployment>, ListError>,
    pub tokens: Result<Vec<BootstrapToken>, ListError>,
}

/// Why a list the doctor needs (`what`: `clusterroles`, `secrets in kube-system`, ...) could
/// not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("cannot read {what}: forbidden ({message})")]
    Forbidden { what: &'static str, message: String },
    #[error("cannot read {what}: the API server does not serve them (404)")]
    NotServed { what: &'static str },
    #[error("cannot read {what}: HTTP {code}: {message}")]
    Status {
        what: &'static str,
        code: u16,
        message: String,
    },
    #[error("cannot read {what}: {reason}")]
    Failed { what: &'static str, reason: String },
}

/// In the JSON report an error is its sentence.
impl Serialize for ListError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

pub(crate) fn unreadable(what: &'static str, e: kube::Error) -> ListError {
    match e {
        kube::Error::Api(s) if s.code == 403 => ListError::Forbidden {
            what,
            message: s.message,
        },
        kube::Error::Api(s) if s.code == 404 => ListError::NotServed { what },
        kube::Error::Api(s) => ListError::Status {
            what,
            code: s.code,
            message: s.message,
        },
        other => ListError::Failed {
            what,
            reason: match super::bounded::too_much(&other) {
                Some(t) => format!("the API server {t}"),
                None => error_chain(&other),
            },
        },
    }
}

/// One list, within `deadline` (`--timeout`); its body is bounded by the client.
async fn list<K>(
    api: Api<K>,
    lp: ListParams,
    what: &'static str,
    deadline: std::time::Duration,
) -> Result<Vec<K>, ListError>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    match tokio::time::timeout(deadline, api.list(&lp)).await {
        Ok(r) => r.map(|l| l.items).map_err(|e| unreadable(what, e)),
        Err(_) => Err(ListError::Failed {
            what,
            reason: format!(
                "the API server did not finish the list within {} s",
                deadline.as_secs()
            ),
        }),
    }
}

/// The bootstrap tokens (never their secrets); read-only.
pub async fn read_tokens(conn: &Connection) -> Result<Vec<BootstrapToken>, ListError> {
    let secrets: Api<Secret> = Api::namespaced(conn.client.clone(), TOKEN_NAMESPACE);
    let lp = ListParams::default().fields(&format!("type={TOKEN_TYPE}"));
    list(secrets, lp, "secrets in kube-system", conn.timeout)
        .await
        .map(|s| tokens::from_secrets(&s))
}

/// Read everything the doctor needs, concurrently; read-only.
pub async fn gather(conn: &Connection) -> Facts {
    let c = conn.client.clone();
    let lp = ListParams::default();
    let t = conn.timeout;
    let (roles, bindings, deployments, tokens) = futures::join!(
        list(
            Api::<ClusterRole>::all(c.clone()),
            lp.clone(),
            "clusterroles",
            t
        ),
        list(
            Api::<ClusterRoleBinding>::all(c.clone()),
            lp.clone(),
            "clusterrolebindings",
            t
        ),
        list(Api::<Deployment>::all(c), lp.clone(), "deployments", t),
        read_tokens(conn),
    );
    Facts {
        roles,
        bindings,
        deployments,
        tokens,
    }
}
/// A Deployment that looks like a kubelet-serving approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approver {
    pub namespace: String,
    pub name: String,
    pub image: String,
}

/// kubelet-serving CSRs: never approved by Kubernetes itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServingCheck {
    /// `Err`: Deployments could not be read.
    #[serde(serialize_with = "ser_result")]
    pub approvers: Result<Vec<Approver>, ListError>,
    pub pending: Vec<String>,
}

/// A CSR requested with a bootstrap token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenCsr {
    pub name: String,
    pub condition: String,
    pub pending: bool,
    pub created: Option<DateTime<Utc>>,
}

/// A token with what the doctor found about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenReport {
    #[serde(flatten)]
    pub token: BootstrapToken,
    pub status: Option<Status>,
    pub expires_in: String,
    pub csrs: Vec<TokenCsr>,
    /// Whether its first client certificates are approved automatically; `None`: RBAC unreadable.
    pub auto_approved: Option<bool>,
}

/// One finding, with the token it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub token: Option<String>,
    pub message: String,
}

/// Everything `kcert csr doctor` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub bootstrap: PathCheck,
    pub renewal: PathCheck,
    pub serving: ServingCheck,
    #[serde(serialize_with = "ser_result")]
    pub tokens: Result<Vec<TokenReport>, ListError>,
    pub findings: Vec<Finding>,
}

fn ser_result<T: Serialize, S: serde::Serializer>(
    r: &Result<T, ListError>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match r {
        Ok(v) => v.serialize(s),
        Err(e) => std::collections::BTreeMap::from([("error", e)]).serialize(s),
    }
}

impl Report {
    /// The worst severity: paths that do not work and token errors are errors, unknowns and
    /// waiting serving CSRs warnings.
    pub fn worst(&self) -> Option<Severity> {
        let paths = [&self.bootstrap, &self.renewal]
            .into_iter()
            .map(|p| match p.state {
                PathState::Works { .. } => None,
                PathState::Missing { .. } => Some(Severity::Error),
                PathState::Unknown { .. } => Some(Severity::Warning),
            });
        paths
            .chain(self.findings.iter().map(|f| Some(f.severity)))
            .flatten()
            .max()
    }
}
fn approvers(deployments: &[Deployment]) -> Vec<Approver> {
    deployments
        .iter()
        .filter_map(|d| {
            let name = d.metadata.name.clone().unwrap_or_default();
            let images: Vec<String> = d
                .spec
                .as_ref()
                .and_then(|s| s.template.spec.as_ref())
                .map(|p| {
                    p.containers
                        .iter()
                        .filter_map(|c| c.image.clone())
                        .collect()
                })
                .unwrap_or_default();
            let hit = |s: &str| APPROVER_NAMES.iter().any(|a| s.contains(a));
            let image = images.iter().find(|i| hit(i)).cloned();
            (hit(&name) || image.is_some()).then(|| Approver {
                namespace: d.metadata.namespace.clone().unwrap_or_default(),
                image: image
                    .or_else(|| images.first().cloned())
                    .unwrap_or_default(),
                name,
            })
        })
        .collect()
}

/// Judge the facts against the CSRs the cluster holds now.
pub fn diagnose(facts: &Facts, csrs: &[CsrView], now: DateTime<Utc>) -> Report {
    let rbac = match (&facts.roles, &facts.bindings) {
        (Ok(r), Ok(b)) => Ok((r.as_slice(), b.as_slice())),
        (Err(e), _) | (_, Err(e)) => Err(e.clone()),
    };
    let bootstrap = path(
        "First client certificates for bootstrapping nodes",
        &[&CREATE_CSRS, &NODE_CLIENT],
        &[
            tokens::BOOTSTRAPPERS,
            DEFAULT_NODE_TOKEN_GROUP,
            AUTHENTICATED,
        ],
        &rbac,
    );
    let renewal = path(
        "Client certificate renewal by nodes",
        &[&SELF_NODE_CLIENT],
        &["system:nodes", AUTHENTICATED],
        &rbac,
    );
    let serving = ServingCheck {
        approvers: facts
            .deployments
            .as_deref()
            .map(approvers)
            .map_err(Clone::clone),
        pending: csrs
            .iter()
            .filter(|v| v.signer == KUBELET_SERVING && v.is_pending())
            .map(|v| v.name.clone())
            .collect(),
    };
    let mut findings = Vec::new();
    let tokens = facts.tokens.as_ref().map_err(Clone::clone).map(|list| {
        list.iter()
            .map(|tok| token_report(tok, csrs, &rbac, now, &mut findings))
            .collect()
    });
    if let Ok(a) = &serving.approvers {
        if a.is_empty() && !serving.pending.is_empty() {
            findings.push(Finding {
                severity: Severity::Warning,
                token: None,
                message: format!(
                    "{} kubelet-serving CSR{} waiting and no approver is installed: approve them (kcert csr approve --all-valid) or install one such as kubelet-csr-approver",
                    serving.pending.len(),
                    if serving.pending.len() == 1 { " is" } else { "s are" }
                ),
            });
        }
    }
    Report {
        bootstrap,
        renewal,
        serving,
        tokens,
        findings,
    }
}

fn token_report(
    tok: &BootstrapToken,
    csrs: &[CsrView],
    rbac: &Result<(&[ClusterRole], &[ClusterRoleBinding]), ListError>,
    now: DateTime<Utc>,
    findings: &mut Vec<Finding>,
) -> TokenReport {
    let user = tok.username();
    let mine: Vec<TokenCsr> = csrs
        .iter()
        .filter(|v| v.requestor == user)
        .map(|v| TokenCsr {
            name: v.name.clone(),
            condition: v.condition.clone(),
            pending: v.is_pending(),
            created: v.created,
        })
        .collect();
    let pending: Vec<&str> = mine
        .iter()
        .filter(|c| c.pending)
        .map(|c| c.name.as_str())
        .collect();
    let status = tok.status(now, !pending.is_empty());
    let mut say = |severity, message: String| {
        findings.push(Finding {
            severity,
            token: Some(tok.id.clone()),
            message,
        })
    };
    for d in &tok.defects {
        say(Severity::Error, format!("token {}: {d}", tok.id));
    }
    match status {
        Some(Status::Expired) if !pending.is_empty() => say(
            Severity::Error,
            format!(
                "token {} expired {} but {} from {user} {} still pending: the node cannot finish joining; create a new token (kubeadm token create) and join again",
                tok.id,
                tok.expires_in(now).trim_start_matches("expired "),
                pending.join(", "),
                if pending.len() == 1 { "is" } else { "are" }
            ),
        ),
        Some(Status::Warning) => say(
            Severity::Warning,
            format!(
                "token {} expires in {} while {} from {user} {} pending: once it expires the node cannot finish joining",
                tok.id,
                tok.expires_in(now),
                pending.join(", "),
                if pending.len() == 1 { "is" } else { "are" }
            ),
        ),
        _ => {}
    }
    let auto_approved = rbac.as_ref().ok().map(|(roles, bindings)| {
        let who = Requester {
            user: Some(user.clone()),
            groups: tok.groups(),
        };
        granting(bindings, roles, &who, &request(&NODE_CLIENT)).is_some()
    });
    if auto_approved == Some(false) {
        say(
            Severity::Warning,
            format!(
                "nodes joining with token {} are not auto-approved: none of its groups ({}) may create certificatesigningrequests/nodeclient",
                tok.id,
                tok.groups().join(", ")
            ),
        );
    }
    TokenReport {
        token: tok.clone(),
        status,
        expires_in: tok.expires_in(now),
        csrs: mine,
        auto_approved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, message: &str) -> kube::Error {
        let status = serde_json::json!({ "code": code, "message": message });
        kube::Error::Api(Box::new(serde_json::from_value(status).unwrap()))
    }

    #[test]
    fn unreadable_lists_say_why_in_words() {
        assert_eq!(
            unreadable("clusterrolebindings", api(403, "User \"u\" cannot list")).to_string(),
            "cannot read clusterrolebindings: forbidden (User \"u\" cannot list)"
        );
        assert_eq!(
            unreadable(
                "deployments",
                api(404, "the server could not find the requested resource")
            )
            .to_string(),
            "cannot read deployments: the API server does not serve them (404)"
        );
        assert_eq!(
            unreadable("secrets in kube-system", api(500, "etcd timeout")).to_string(),
            "cannot read secrets in kube-system: HTTP 500: etcd timeout"
        );
    }
}
