//! The copies of a kubeadm cluster's CA certificates that live in the API, as the components
//! write them: `kube-root-ca.crt` in every namespace (kube-controller-manager's root CA
//! publisher), `kube-public/cluster-info` (kubeadm init; the bootstrap signer adds
//! `jws-kubeconfig-<token id>` keys), `kube-system/extension-apiserver-authentication`
//! (kube-apiserver at start), legacy service-account token Secrets, webhook configurations
//! and APIServices with a `caBundle`. Builders for tests, and [`publish`] to seed a server
//! with the copies of a generated kubeadm tree's CAs.

use base64::Engine;
use serde_json::{json, Value};

use super::{ServerError, TestServer};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A ConfigMap with these `data` entries.
pub fn config_map(namespace: &str, name: &str, data: &[(&str, &str)]) -> Value {
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| (k.to_string(), Value::from(*v)))
        .collect();
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": name, "namespace": namespace },
        "data": data
    })
}

/// `NS/kube-root-ca.crt` with the CA bundle kube-controller-manager read from `--root-ca-file`.
pub fn kube_root_ca(namespace: &str, ca_pem: &str) -> Value {
    let mut cm = config_map(namespace, "kube-root-ca.crt", &[("ca.crt", ca_pem)]);
    cm["metadata"]["annotations"] = json!({
        "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
    });
    cm
}

/// The kubeconfig `kubeadm init` puts in cluster-info: one unnamed cluster, nothing else.
pub fn cluster_info_kubeconfig(server: &str, ca_pem: &str) -> String {
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {}\n    server: {server}\n  name: \"\"\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {{}}\nusers: null\n",
        b64(ca_pem.as_bytes())
    )
}

/// `kube-public/cluster-info`, with the bootstrap signer's signature for token `abcdef`
/// (a stand-in: this server signs nothing).
pub fn cluster_info(server: &str, ca_pem: &str) -> Value {
    let kubeconfig = cluster_info_kubeconfig(server, ca_pem);
    config_map(
        "kube-public",
        "cluster-info",
        &[
            ("kubeconfig", &kubeconfig),
            (
                "jws-kubeconfig-abcdef",
                "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..c2lnbmF0dXJl",
            ),
        ],
    )
}

/// `kube-system/extension-apiserver-authentication` as kube-apiserver publishes it.
pub fn extension_apiserver_authentication(client_ca_pem: &str, front_proxy_ca_pem: &str) -> Value {
    config_map(
        "kube-system",
        "extension-apiserver-authentication",
        &[
            ("client-ca-file", client_ca_pem),
            ("requestheader-allowed-names", "[\"front-proxy-client\"]"),
            ("requestheader-client-ca-file", front_proxy_ca_pem),
            (
                "requestheader-extra-headers-prefix",
                "[\"X-Remote-Extra-\"]",
            ),
            ("requestheader-group-headers", "[\"X-Remote-Group\"]"),
            ("requestheader-username-headers", "[\"X-Remote-User\"]"),
        ],
    )
}

/// A legacy token Secret of service account `account`, as the token controller writes it.
pub fn service_account_token(namespace: &str, account: &str, ca_pem: &str, token: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {
            "name": format!("{account}-token"), "namespace": namespace,
            "annotations": { "kubernetes.io/service-account.name": account }
        },
        "type": "kubernetes.io/service-account-token",
        "data": {
            "ca.crt": b64(ca_pem.as_bytes()),
            "namespace": b64(namespace.as_bytes()),
            "token": b64(token.as_bytes())
        }
    })
}

/// A webhook configuration (`ValidatingWebhookConfiguration` or `MutatingWebhookConfiguration`)
/// whose webhooks call service `namespace/service` with these `(name, caBundle PEM)`.
pub fn webhook_configuration(
    kind: &str,
    name: &str,
    service: (&str, &str),
    webhooks: &[(&str, &str)],
) -> Value {
    let webhooks: Vec<Value> = webhooks
        .iter()
        .map(|(hook, ca)| {
            json!({
                "name": hook,
                "clientConfig": {
                    "service": { "namespace": service.0, "name": service.1, "path": "/validate", "port": 443 },
                    "caBundle": b64(ca.as_bytes())
                },
                "rules": [{ "apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"], "scope": "*" }],
                "admissionReviewVersions": ["v1"], "sideEffects": "None", "failurePolicy": "Fail",
                "matchPolicy": "Equivalent", "timeoutSeconds": 10
            })
        })
        .collect();
    json!({
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
        "metadata": { "name": name },
        "webhooks": webhooks
    })
}

/// An APIService `version.group` served by `namespace/service`, trusting `ca_pem`; `None`
/// for a local one (no service, no caBundle).
pub fn api_service(version: &str, group: &str, backend: Option<(&str, &str, &str)>) -> Value {
    let mut spec = json!({
        "group": group, "version": version, "groupPriorityMinimum": 100, "versionPriority": 100
    });
    if let Some((namespace, service, ca_pem)) = backend {
        spec["service"] = json!({ "namespace": namespace, "name": service, "port": 443 });
        spec["caBundle"] = b64(ca_pem.as_bytes()).into();
    }
    json!({
        "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
        "metadata": { "name": format!("{version}.{group}") },
        "spec": spec,
        "status": { "conditions": [{ "type": "Available", "status": "True", "reason": "Passed",
                                     "message": "all checks passed" }] }
    })
}

/// What a kubeadm cluster publishes of its CAs.
#[derive(Debug, Clone)]
pub struct Publication<'a> {
    /// Every namespace gets `kube-root-ca.crt`.
    pub namespaces: &'a [&'a str],
    /// The API server's address, as cluster-info names it.
    pub server: &'a str,
    /// `pki/ca.crt` as PEM.
    pub ca_pem: &'a str,
    /// `pki/front-proxy-ca.crt` as PEM.
    pub front_proxy_ca_pem: &'a str,
}

/// Store the ConfigMaps a kubeadm cluster holds for `p`: `kube-root-ca.crt` in every namespace,
/// cluster-info and extension-apiserver-authentication.
pub fn publish(server: &TestServer, p: &Publication<'_>) -> Result<(), ServerError> {
    for ns in p.namespaces {
        server.put_object(kube_root_ca(ns, p.ca_pem))?;
    }
    server.put_object(cluster_info(p.server, p.ca_pem))?;
    server.put_object(extension_apiserver_authentication(
        p.ca_pem,
        p.front_proxy_ca_pem,
    ))?;
    Ok(())
}
