//! The two ways kube-controller-manager approves kubelet client certificates by itself, as
//! RBAC grants: what each needs, whether the ClusterRoles and ClusterRoleBindings give it, and
//! when not, the binding (or role) that is missing and the kubectl line that adds it.

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use serde::Serialize;

use super::doctor::ListError;
use super::rbac::{binds, granting, role_allows, role_of, subjects_text, Request, Requester};

/// kubeadm's names (constants.go) for the bootstrap-policy roles and the token group.
pub const NODE_BOOTSTRAPPER: &str = "system:node-bootstrapper";
pub const NODECLIENT: &str = "system:certificates.k8s.io:certificatesigningrequests:nodeclient";
pub const SELFNODECLIENT: &str =
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient";
pub const DEFAULT_NODE_TOKEN_GROUP: &str = "system:bootstrappers:kubeadm:default-node-token";

/// How one way of getting a certificate stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PathState {
    /// Granted, by these bindings.
    Works { bindings: Vec<String> },
    /// Not granted; what to add.
    Missing { fixes: Vec<Fix> },
    /// RBAC could not be read.
    Unknown { reason: ListError },
}

/// One thing to add, with the command that adds it (shown, never run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The ClusterRoleBinding (or ClusterRole) the command creates.
    pub creates: String,
    pub why: String,
    pub command: String,
}

/// One auto-approval path: what it is for and how it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathCheck {
    pub title: &'static str,
    #[serde(flatten)]
    pub state: PathState,
}

pub(super) const CSR_GROUP: &str = "certificates.k8s.io";
pub(super) const AUTHENTICATED: &str = "system:authenticated";

/// One RBAC grant a path needs, and kubeadm's way of giving it.
pub(super) struct Need {
    resource: &'static str,
    role: &'static str,
    binding: &'static str,
    group: &'static str,
}

pub(super) const CREATE_CSRS: Need = Need {
    resource: "certificatesigningrequests",
    role: NODE_BOOTSTRAPPER,
    binding: "kubeadm:kubelet-bootstrap",
    group: DEFAULT_NODE_TOKEN_GROUP,
};
pub(super) const NODE_CLIENT: Need = Need {
    resource: "certificatesigningrequests/nodeclient",
    role: NODECLIENT,
    binding: "kubeadm:node-autoapprove-bootstrap",
    group: DEFAULT_NODE_TOKEN_GROUP,
};
pub(super) const SELF_NODE_CLIENT: Need = Need {
    resource: "certificatesigningrequests/selfnodeclient",
    role: SELFNODECLIENT,
    binding: "kubeadm:node-autoapprove-certificate-rotation",
    group: "system:nodes",
};

pub(super) fn request(need: &Need) -> Request<'static> {
    Request {
        verb: "create",
        group: CSR_GROUP,
        resource: need.resource,
    }
}

/// The `kubectl create clusterrolebinding` line that grants `need` under `name`.
fn create_binding(name: &str, need: &Need) -> String {
    format!(
        "kubectl create clusterrolebinding {name} --clusterrole={} --group={}",
        need.role, need.group
    )
}

/// Why `need` is not granted to `who`, and what would grant it.
fn fixes_for(need: &Need, roles: &[ClusterRole], bindings: &[ClusterRoleBinding]) -> Vec<Fix> {
    let resource = need.resource;
    let mut fixes = Vec::new();
    let role = roles
        .iter()
        .find(|r| r.metadata.name.as_deref() == Some(need.role));
    match role {
        None => fixes.push(Fix {
            creates: need.role.into(),
            why: format!(
                "ClusterRole {} does not exist (kube-apiserver recreates its default roles when it restarts)",
                need.role
            ),
            command: format!(
                "kubectl create clusterrole {} --verb=create --resource={}",
                need.role,
                qualified(resource)
            ),
        }),
        Some(r) if !role_allows(r, &request(need)) => fixes.push(Fix {
            creates: need.role.into(),
            why: format!("ClusterRole {} does not allow create on {resource}", need.role),
            command: format!(
                "kubectl delete clusterrole {0} && kubectl create clusterrole {0} --verb=create --resource={1}",
                need.role,
                qualified(resource)
            ),
        }),
        Some(_) => {}
    }
    let existing = bindings
        .iter()
        .find(|b| b.metadata.name.as_deref() == Some(need.binding));
    let (name, why) = match existing {
        None => (
            need.binding.to_string(),
            format!(
                "ClusterRoleBinding {} is missing: nothing grants group {} create on {resource}",
                need.binding, need.group
            ),
        ),
        Some(b) => {
            let who = Requester {
                user: None,
                groups: vec![need.group.into()],
            };
            let detail = if b.role_ref.name != need.role {
                format!("binds ClusterRole {}, not {}", b.role_ref.name, need.role)
            } else if role_of(b, roles).is_none() {
                format!("binds ClusterRole {}, which does not exist", need.role)
            } else if !binds(b, &who) {
                format!("binds {}, not group {}", subjects_text(b), need.group)
            } else {
                format!(
                    "binds {}, which does not allow create on {resource}",
                    need.role
                )
            };
            // The name is taken: a second binding beside it does not disturb it.
            let name = need.binding.replacen("kubeadm:", "kcert:", 1);
            (
                name,
                format!("ClusterRoleBinding {} {detail}", need.binding),
            )
        }
    };
    let dangling_only = existing.is_some_and(|b| {
        b.role_ref.name == need.role
            && binds(
                b,
                &Requester {
                    user: None,
                    groups: vec![need.group.into()],
                },
            )
    });
    if dangling_only {
        // The binding is right; only its role is missing or wrong (fixed above).
        if let Some(f) = fixes.first_mut() {
            f.why = format!(
                "ClusterRoleBinding {} is right, but {}",
                need.binding,
                lower_first(&f.why)
            );
        }
        return fixes;
    }
    fixes.push(Fix {
        command: create_binding(&name, need),
        creates: name,
        why,
    });
    fixes
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// `certificatesigningrequests/nodeclient` → kubectl's `certificatesigningrequests.certificates.k8s.io/nodeclient`.
fn qualified(resource: &str) -> String {
    match resource.split_once('/') {
        Some((r, sub)) => format!("{r}.{CSR_GROUP}/{sub}"),
        None => format!("{resource}.{CSR_GROUP}"),
    }
}

/// Whether the requester in `groups` has every grant in `needs`.
pub(super) fn path(
    title: &'static str,
    needs: &[&Need],
    groups: &[&str],
    rbac: &Result<(&[ClusterRole], &[ClusterRoleBinding]), ListError>,
) -> PathCheck {
    let (roles, bindings) = match rbac {
        Ok(r) => *r,
        Err(e) => {
            return PathCheck {
                title,
                state: PathState::Unknown { reason: e.clone() },
            }
        }
    };
    let mut granted = Vec::new();
    let mut fixes = Vec::new();
    let who = Requester {
        user: None,
        groups: groups.iter().map(|g| g.to_string()).collect(),
    };
    for need in needs {
        match granting(bindings, roles, &who, &request(need)) {
            Some(b) => granted.push(b.metadata.name.clone().unwrap_or_default()),
            None => fixes.extend(fixes_for(need, roles, bindings)),
        }
    }
    let state = if fixes.is_empty() {
        PathState::Works { bindings: granted }
    } else {
        PathState::Missing { fixes }
    };
    PathCheck { title, state }
}
