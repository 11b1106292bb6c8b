//! The k3s/RKE2 leaves and CAs, from k3s-io/k3s `pkg/daemons/control/deps/deps.go`
//! (`genClientCerts`, `genServerCerts`, `genRequestHeaderCerts`, `genETCDCerts`) and the
//! agent's from `pkg/server/handlers/handlers.go` (`ClientKubeletCert`, `ServingKubeletCert`,
//! `ClientKubeProxyCert`, `ClientControllerCert`): CNs, O values, EKUs and SANs.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use super::RancherSpec;
use crate::sign::{CertTemplate, ExtendedKeyUsagePurpose as Eku, SignError, Subject};

/// One leaf of the table below: its file (below `server/tls` or `agent/`), CN, O, EKUs, the
/// CA that signs it, and whether it carries the serving SANs.
pub(super) struct Leaf {
    pub name: String,
    pub cn: String,
    pub org: Option<&'static str>,
    pub usages: Vec<Eku>,
    pub ca: usize,
    pub sans: Sans,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Sans {
    None,
    /// `kubernetes`, `kubernetes.default`, ... plus the server's SANs (`genServerCerts`).
    ApiServer,
    /// `kine.sock` plus the server's SANs (`genETCDCerts`).
    Etcd,
    /// The node's name, `localhost`, 127.0.0.1 and its IP (`ServingKubeletCert`).
    Kubelet,
}

pub(super) const CLIENT: usize = 0;
pub(super) const SERVER: usize = 1;
pub(super) const REQUEST_HEADER: usize = 2;
pub(super) const ETCD_SERVER: usize = 3;
pub(super) const ETCD_PEER: usize = 4;

/// The CA files: name below `server/tls`, the prefix of its CN.
pub(super) fn cas(p: &str) -> [(&'static str, String); 5] {
    [
        ("client-ca", format!("{p}-client")),
        ("server-ca", format!("{p}-server")),
        ("request-header-ca", format!("{p}-request-header")),
        ("etcd/server-ca", "etcd-server".into()),
        ("etcd/peer-ca", "etcd-peer".into()),
    ]
}

pub(super) fn server_leaves(p: &str) -> Vec<Leaf> {
    let client = |name: &str, cn: &str, org| Leaf {
        name: name.into(),
        cn: cn.into(),
        org,
        usages: vec![Eku::ClientAuth],
        ca: CLIENT,
        sans: Sans::None,
    };
    let masters = Some("system:masters");
    vec![
        client("client-admin", "system:admin", masters),
        client(
            "client-supervisor",
            &format!("system:{p}-supervisor"),
            masters,
        ),
        client("client-controller", "system:kube-controller-manager", None),
        client("client-scheduler", "system:kube-scheduler", None),
        client("client-kube-apiserver", "system:apiserver", masters),
        client("client-kube-proxy", "system:kube-proxy", None),
        client(
            &format!("client-{p}-controller"),
            &format!("system:{p}-controller"),
            None,
        ),
        client(
            &format!("client-{p}-cloud-controller"),
            &format!("{p}-cloud-controller-manager"),
            None,
        ),
        Leaf {
            name: "serving-kube-apiserver".into(),
            cn: "kube-apiserver".into(),
            org: None,
            usages: vec![Eku::ServerAuth],
            ca: SERVER,
            sans: Sans::ApiServer,
        },
        Leaf {
            name: "client-auth-proxy".into(),
            cn: "system:auth-proxy".into(),
            org: None,
            usages: vec![Eku::ClientAuth],
            ca: REQUEST_HEADER,
            sans: Sans::None,
        },
        Leaf {
            name: "etcd/client".into(),
            cn: "etcd-client".into(),
            org: None,
            usages: vec![Eku::ClientAuth],
            ca: ETCD_SERVER,
            sans: Sans::None,
        },
        Leaf {
            name: "etcd/server-client".into(),
            cn: "etcd-server".into(),
            org: None,
            usages: vec![Eku::ServerAuth, Eku::ClientAuth],
            ca: ETCD_SERVER,
            sans: Sans::Etcd,
        },
        Leaf {
            name: "etcd/peer-server-client".into(),
            cn: "etcd-peer".into(),
            org: None,
            usages: vec![Eku::ServerAuth, Eku::ClientAuth],
            ca: ETCD_PEER,
            sans: Sans::Etcd,
        },
    ]
}

pub(super) fn agent_leaves(p: &str, node: &str) -> Vec<Leaf> {
    let client = |name: &str, cn: &str, org| Leaf {
        name: format!("agent/{name}"),
        cn: cn.into(),
        org,
        usages: vec![Eku::ClientAuth],
        ca: CLIENT,
        sans: Sans::None,
    };
    vec![
        client(
            "client-kubelet",
            &format!("system:node:{node}"),
            Some("system:nodes"),
        ),
        Leaf {
            name: "agent/serving-kubelet".into(),
            cn: node.into(),
            org: None,
            usages: vec![Eku::ServerAuth],
            ca: SERVER,
            sans: Sans::Kubelet,
        },
        client("client-kube-proxy", "system:kube-proxy", None),
        client(
            &format!("client-{p}-controller"),
            &format!("system:{p}-controller"),
            None,
        ),
    ]
}

/// The CA a wrong-CA fault puts a leaf under: the client CA for the others, the server CA
/// for the client CA's leaves.
pub(super) fn wrong_ca(ca: usize) -> usize {
    if ca == CLIENT {
        SERVER
    } else {
        CLIENT
    }
}

pub(super) fn template(
    spec: &RancherSpec,
    leaf: &Leaf,
    at: DateTime<Utc>,
) -> Result<CertTemplate, SignError> {
    let orgs: Vec<&str> = leaf.org.into_iter().collect();
    let mut t = CertTemplate::new(Subject::new(&leaf.cn, &orgs)?, at, at + Duration::days(365));
    t.usages = leaf.usages.clone();
    let loopback: IpAddr = [127, 0, 0, 1].into();
    match leaf.sans {
        Sans::None => {}
        Sans::ApiServer => {
            t.dns_names = [
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
                "localhost",
                &spec.node_name,
            ]
            .map(String::from)
            .to_vec();
            t.ip_addresses = vec![loopback, spec.node_ip, [10, 43, 0, 1].into()];
        }
        Sans::Etcd => {
            t.dns_names = vec![
                "kine.sock".into(),
                "localhost".into(),
                spec.node_name.clone(),
            ];
            t.ip_addresses = vec![loopback, spec.node_ip];
        }
        Sans::Kubelet => {
            t.dns_names = vec![spec.node_name.clone(), "localhost".into()];
            t.ip_addresses = vec![loopback, spec.node_ip];
        }
    }
    Ok(t)
}
