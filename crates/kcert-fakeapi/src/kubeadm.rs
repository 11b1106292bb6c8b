//! What `kubeadm init` leaves in a cluster for node bootstrapping, as API objects: the
//! bootstrap-policy ClusterRoles, kubeadm's three CSR bindings and bootstrap-token Secrets.
//! Builders for tests, and [`rbac`] to seed a server with kubeadm's defaults.

use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::names::{DEFAULT_NODE_TOKEN_GROUP, NODECLIENT, NODE_BOOTSTRAPPER, SELFNODECLIENT};
use super::{ServerError, TestServer};

/// A ClusterRole with one rule.
pub fn cluster_role(name: &str, groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": { "name": name },
        "rules": [{ "apiGroups": groups, "resources": resources, "verbs": verbs }]
    })
}

/// A ClusterRoleBinding of `role` to `groups`.
pub fn binding(name: &str, role: &str, groups: &[&str]) -> Value {
    let subjects: Vec<Value> = groups
        .iter()
        .map(|g| json!({ "kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": g }))
        .collect();
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": { "name": name },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
        "subjects": subjects
    })
}

/// A bootstrap-token Secret in `kube-system`, as `kubeadm token create` writes it.
pub fn bootstrap_token(
    id: &str,
    secret: &str,
    description: &str,
    expiration: Option<DateTime<Utc>>,
    extra_groups: &[&str],
) -> Value {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut data = json!({
        "token-id": b64(id),
        "token-secret": b64(secret),
        "usage-bootstrap-authentication": b64("true"),
        "usage-bootstrap-signing": b64("true"),
    });
    if !description.is_empty() {
        data["description"] = b64(description).into();
    }
    if let Some(t) = expiration {
        data["expiration"] = b64(&t.to_rfc3339_opts(SecondsFormat::Secs, true)).into();
    }
    if !extra_groups.is_empty() {
        data["auth-extra-groups"] = b64(&extra_groups.join(",")).into();
    }
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": { "name": format!("bootstrap-token-{id}"), "namespace": "kube-system" },
        "type": "bootstrap.kubernetes.io/token",
        "data": data
    })
}

/// A Deployment running one container `image`.
pub fn deployment(namespace: &str, name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": name, "namespace": namespace },
        "spec": {
            "replicas": 1,
            "selector": { "matchLabels": { "app": name } },
            "template": {
                "metadata": { "labels": { "app": name } },
                "spec": { "containers": [{ "name": name, "image": image }] }
            }
        },
        "status": { "replicas": 1, "readyReplicas": 1, "updatedReplicas": 1, "availableReplicas": 1 }
    })
}

/// The bootstrap-policy roles kube-apiserver creates and the bindings `kubeadm init` adds.
pub fn rbac(server: &TestServer) -> Result<(), ServerError> {
    let csr_group = ["certificates.k8s.io"];
    for o in [
        cluster_role("cluster-admin", &["*"], &["*"], &["*"]),
        cluster_role(
            NODE_BOOTSTRAPPER,
            &csr_group,
            &["certificatesigningrequests"],
            &["create", "get", "list", "watch"],
        ),
        cluster_role(
            NODECLIENT,
            &csr_group,
            &["certificatesigningrequests/nodeclient"],
            &["create"],
        ),
        cluster_role(
            SELFNODECLIENT,
            &csr_group,
            &["certificatesigningrequests/selfnodeclient"],
            &["create"],
        ),
        binding(
            "kubeadm:kubelet-bootstrap",
            NODE_BOOTSTRAPPER,
            &[DEFAULT_NODE_TOKEN_GROUP],
        ),
        binding(
            "kubeadm:node-autoapprove-bootstrap",
            NODECLIENT,
            &[DEFAULT_NODE_TOKEN_GROUP],
        ),
        binding(
            "kubeadm:node-autoapprove-certificate-rotation",
            SELFNODECLIENT,
            &["system:nodes"],
        ),
        binding(
            "kubeadm:cluster-admins",
            "cluster-admin",
            &["kubeadm:cluster-admins"],
        ),
    ] {
        server.put_object(o)?;
    }
    Ok(())
}
