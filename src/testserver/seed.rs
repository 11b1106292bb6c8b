//! CSR objects for tests and the demo: a builder, and the demo cluster (three nodes and a
//! dozen requests: valid kubelet serving and client requests, an impostor claiming another
//! node's name, one asking for `system:masters`, and other traps).

use std::net::IpAddr;

use base64::Engine;
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::certs::make_request;
use super::{ServerError, TestServer};
use crate::cluster::rules::{APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING};

/// What a CSR object holds, before the server fills in its metadata.
#[derive(Debug, Clone)]
pub struct CsrSpec<'a> {
    pub name: &'a str,
    pub signer: &'a str,
    /// `spec.username`: the API server records who created the object.
    pub requestor: &'a str,
    pub groups: &'a [&'a str],
    pub usages: &'a [&'a str],
    pub expiration_seconds: Option<i64>,
    /// PEM `CERTIFICATE REQUEST`.
    pub request_pem: &'a str,
    /// How long ago it was created.
    pub age: Duration,
}

/// The JSON API object for `spec`.
pub fn csr_object(spec: &CsrSpec<'_>) -> Value {
    let created = (Utc::now() - spec.age).to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut o = json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": { "name": spec.name, "creationTimestamp": created },
        "spec": {
            "request": base64::engine::general_purpose::STANDARD.encode(spec.request_pem),
            "signerName": spec.signer,
            "usages": spec.usages,
            "username": spec.requestor,
            "groups": spec.groups,
        },
        "status": {}
    });
    if let Some(s) = spec.expiration_seconds {
        o["spec"]["expirationSeconds"] = s.into();
    }
    o
}

/// The same request with one bit of its signature flipped: decodes, does not verify.
pub fn tamper_signature(request_pem: &str) -> Result<String, ServerError> {
    let block = pem::parse(request_pem).map_err(|e| ServerError::Pki(e.to_string()))?;
    let mut der = block.contents().to_vec();
    let i = der.len().saturating_sub(3);
    if let Some(b) = der.get_mut(i) {
        *b ^= 0x01;
    }
    Ok(pem::encode(&pem::Pem::new("CERTIFICATE REQUEST", der)))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

const SERVING: &[&str] = &["digital signature", "server auth"];
const CLIENT: &[&str] = &["digital signature", "client auth"];
const NODE_GROUPS: &[&str] = &["system:nodes", "system:authenticated"];

/// Nodes `cp-1`, `worker-1`, `worker-2` and a dozen CSRs about them. Two are then
/// approved (and issued) and one denied through the server's own approval path.
pub fn demo(server: &TestServer) -> Result<(), ServerError> {
    for (name, addr) in [
        ("cp-1", "10.0.0.10"),
        ("worker-1", "10.0.0.11"),
        ("worker-2", "10.0.0.12"),
    ] {
        server.add_node(name, &[("InternalIP", addr), ("Hostname", name)]);
    }
    let node_req = |n: &str, a: &str| {
        make_request(
            &format!("system:node:{n}"),
            &["system:nodes"],
            &[n],
            &[ip(a)],
        )
    };
    let serving_w1 = node_req("worker-1", "10.0.0.11")?;
    let serving_w2 = node_req("worker-2", "10.0.0.12")?;
    let serving_cp1 = node_req("cp-1", "10.0.0.10")?;
    let impostor = node_req("worker-2", "10.0.0.12")?;
    let foreign = make_request(
        "system:node:worker-2",
        &["system:nodes"],
        &["worker-2", "kubernetes.default.svc"],
        &[ip("10.0.0.12"), ip("10.96.0.1")],
    )?;
    let bootstrap_w3 = make_request("system:node:worker-3", &["system:nodes"], &[], &[])?;
    let client_w1 = make_request("system:node:worker-1", &["system:nodes"], &[], &[])?;
    let masters = make_request("bob", &["system:masters"], &[], &[])?;
    let alice = make_request("alice", &["dev"], &[], &[])?;
    let carol = make_request("carol", &["ops"], &[], &[])?;
    let mallory = make_request("kubernetes-admin", &["kubeadm:cluster-admins"], &[], &[])?;
    let forged = tamper_signature(&node_req("worker-1", "10.0.0.11")?)?;
    let m = Duration::minutes;
    let specs = [
        CsrSpec {
            name: "csr-serving-worker-1",
            signer: KUBELET_SERVING,
            requestor: "system:node:worker-1",
            groups: NODE_GROUPS,
            usages: SERVING,
            expiration_seconds: None,
            request_pem: &serving_w1,
            age: m(3),
        },
        CsrSpec {
            name: "csr-serving-worker-2",
            signer: KUBELET_SERVING,
            requestor: "system:node:worker-2",
            groups: NODE_GROUPS,
            usages: SERVING,
            expiration_seconds: None,
            request_pem: &serving_w2,
            age: m(4),
        },
        CsrSpec {
            name: "csr-serving-cp-1",
            signer: KUBELET_SERVING,
            requestor: "system:node:cp-1",
            groups: NODE_GROUPS,
            usages: SERVING,
            expiration_seconds: None,
            request_pem: &serving_cp1,
            age: m(40),
        },
        CsrSpec {
            name: "node-csr-worker-3-bootstrap",
            signer: KUBELET_CLIENT,
            requestor: "system:bootstrap:abcdef",
            groups: &[
                "system:bootstrappers",
                "system:bootstrappers:kubeadm:default-node-token",
                "system:authenticated",
            ],
            usages: CLIENT,
            expiration_seconds: None,
            request_pem: &bootstrap_w3,
            age: m(2),
        },
        CsrSpec {
            name: "csr-client-worker-1",
            signer: KUBELET_CLIENT,
            requestor: "system:node:worker-1",
            groups: NODE_GROUPS,
            usages: CLIENT,
            expiration_seconds: None,
            request_pem: &client_w1,
            age: m(25),
        },
        CsrSpec {
            name: "csr-impostor-worker-2",
            signer: KUBELET_SERVING,
            requestor: "system:node:worker-1",
            groups: NODE_GROUPS,
            usages: SERVING,
            expiration_seconds: None,
            request_pem: &impostor,
            age: m(1),
        },
        CsrSpec {
            name: "csr-serving-worker-2-extra-sans",
            signer: KUBELET_SERVING,
            requestor: "system:node:worker-2",
            groups: NODE_GROUPS,
            usages: SERVING,
            expiration_seconds: None,
            request_pem: &foreign,
            age: m(6),
        },
        CsrSpec {
            name: "bob-admin",
            signer: APISERVER_CLIENT,
            requestor: "bob",
            groups: &["developers", "system:authenticated"],
            usages: CLIENT,
            expiration_seconds: Some(86_400),
            request_pem: &masters,
            age: m(9),
        },
        CsrSpec {
            name: "alice-dev",
            signer: APISERVER_CLIENT,
            requestor: "kubernetes-admin",
            groups: &["kubeadm:cluster-admins", "system:authenticated"],
            usages: CLIENT,
            expiration_seconds: Some(86_400),
            request_pem: &alice,
            age: m(12),
        },
        CsrSpec {
            name: "carol-two-years",
            signer: APISERVER_CLIENT,
            requestor: "kubernetes-admin",
            groups: &["kubeadm:cluster-admins", "system:authenticated"],
            usages: CLIENT,
            expiration_seconds: Some(2 * 365 * 86_400),
            request_pem: &carol,
            age: m(15),
        },
        CsrSpec {
            name: "mallory-admin",
            signer: APISERVER_CLIENT,
            requestor: "mallory",
            groups: &["system:authenticated"],
            usages: CLIENT,
            expiration_seconds: None,
            request_pem: &mallory,
            age: m(50),
        },
        CsrSpec {
            name: "csr-forged-signature",
            signer: KUBELET_SERVING,
            requestor: "system:node:worker-1",
            groups: NODE_GROUPS,
            usages: SERVING,
            expiration_seconds: None,
            request_pem: &forged,
            age: m(5),
        },
    ];
    for s in &specs {
        server.add_csr(csr_object(s))?;
    }
    settle(
        server,
        "csr-serving-cp-1",
        "Approved",
        "KubectlApprove",
        "This CSR was approved by kubectl certificate approve.",
    )?;
    settle(
        server,
        "csr-client-worker-1",
        "Approved",
        "AutoApproved",
        "Auto approving self kubelet client certificate after SubjectAccessReview.",
    )?;
    settle(
        server,
        "mallory-admin",
        "Denied",
        "KubectlDeny",
        "This CSR was denied by kubectl certificate deny.",
    )?;
    Ok(())
}

/// Add a condition directly (and issue approved requests), as the controllers would have.
fn settle(
    server: &TestServer,
    name: &str,
    type_: &str,
    reason: &str,
    message: &str,
) -> Result<(), ServerError> {
    let mut o = server
        .csr(name)
        .ok_or_else(|| ServerError::Object(format!("{name} missing")))?;
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    o["status"]["conditions"] = json!([{
        "type": type_, "status": "True", "reason": reason, "message": message,
        "lastUpdateTime": now, "lastTransitionTime": now
    }]);
    if type_ == "Approved" {
        let request = base64::engine::general_purpose::STANDARD
            .decode(o["spec"]["request"].as_str().unwrap_or_default())
            .map_err(|e| ServerError::Object(e.to_string()))?;
        let usages: Vec<String> =
            serde_json::from_value(o["spec"]["usages"].clone()).unwrap_or_default();
        let pem = server
            .shared
            .ca
            .sign_request(&request, &usages, Duration::days(365))?;
        o["status"]["certificate"] = base64::engine::general_purpose::STANDARD.encode(pem).into();
    }
    server.update_csr(o)?;
    Ok(())
}
