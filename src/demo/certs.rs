//! The certificates kubeadm creates (reference §1.1–1.3), issued with the tree's faults applied.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Duration, Utc};
use rayon::prelude::*;

use super::{DemoError, TreeSpec};
use crate::sign::{
    issue, CertTemplate, ExtendedKeyUsagePurpose as Eku, Issuer, KeySpec, PrivateKey, Subject,
};

/// kubeadm's CAs, in the order they are made.
pub(super) const CAS: [&str; 3] = ["ca", "front-proxy-ca", "etcd-ca"];

/// Where a kubeadm certificate lives.
#[derive(Clone, Copy)]
pub(super) enum Place {
    /// `<pki>/<base>.crt` and `.key`.
    Pki(&'static str),
    /// Embedded in `/etc/kubernetes/<file>`.
    Kubeconfig(&'static str),
}

/// Extended key usages of a kubeadm leaf.
#[derive(Clone, Copy)]
enum Usage {
    Server,
    Client,
    /// etcd server and peer certificates (etcd 3.2 wants both).
    Both,
}

/// Which SAN set kubeadm computes for a leaf (§1.3).
#[derive(Clone, Copy)]
enum Sans {
    None,
    ApiServer,
    Etcd,
}

/// (name, place, issuing CA, CN with `{node}` for the node name, O, usages, SANs).
type LeafRow = (
    &'static str,
    Place,
    &'static str,
    &'static str,
    Option<&'static str>,
    Usage,
    Sans,
);

/// kubeadm's leaves for a stacked-etcd control-plane node, v1.31–1.35 subjects.
#[rustfmt::skip]
const LEAVES: [LeafRow; 11] = [
    ("apiserver", Place::Pki("apiserver"), "ca", "kube-apiserver", None, Usage::Server, Sans::ApiServer),
    ("apiserver-kubelet-client", Place::Pki("apiserver-kubelet-client"), "ca", "kube-apiserver-kubelet-client", Some("kubeadm:cluster-admins"), Usage::Client, Sans::None),
    ("front-proxy-client", Place::Pki("front-proxy-client"), "front-proxy-ca", "front-proxy-client", None, Usage::Client, Sans::None),
    ("apiserver-etcd-client", Place::Pki("apiserver-etcd-client"), "etcd-ca", "kube-apiserver-etcd-client", None, Usage::Client, Sans::None),
    ("etcd-server", Place::Pki("etcd/server"), "etcd-ca", "{node}", None, Usage::Both, Sans::Etcd),
    ("etcd-peer", Place::Pki("etcd/peer"), "etcd-ca", "{node}", None, Usage::Both, Sans::Etcd),
    ("etcd-healthcheck-client", Place::Pki("etcd/healthcheck-client"), "etcd-ca", "kube-etcd-healthcheck-client", None, Usage::Client, Sans::None),
    ("admin.conf", Place::Kubeconfig("admin.conf"), "ca", "kubernetes-admin", Some("kubeadm:cluster-admins"), Usage::Client, Sans::None),
    ("super-admin.conf", Place::Kubeconfig("super-admin.conf"), "ca", "kubernetes-super-admin", Some("system:masters"), Usage::Client, Sans::None),
    ("controller-manager.conf", Place::Kubeconfig("controller-manager.conf"), "ca", "system:kube-controller-manager", None, Usage::Client, Sans::None),
    ("scheduler.conf", Place::Kubeconfig("scheduler.conf"), "ca", "system:kube-scheduler", None, Usage::Client, Sans::None),
];

/// One kubeadm leaf certificate, with the node's names filled in.
pub(super) struct LeafPlan {
    pub name: &'static str,
    pub place: Place,
    pub ca: &'static str,
    pub cn: String,
    pub org: Option<&'static str>,
    pub usages: Vec<Eku>,
    pub dns: Vec<String>,
    pub ips: Vec<IpAddr>,
}

pub(super) fn leaf_plans(node: &str, advertise: IpAddr) -> Vec<LeafPlan> {
    LEAVES
        .iter()
        .map(|&(name, place, ca, cn, org, usage, sans)| {
            let (mut dns, ips): (Vec<&str>, Vec<IpAddr>) = match sans {
                Sans::None => (vec![], vec![]),
                Sans::ApiServer => (
                    vec![
                        node,
                        "kubernetes",
                        "kubernetes.default",
                        "kubernetes.default.svc",
                        "kubernetes.default.svc.cluster.local",
                    ],
                    vec![Ipv4Addr::new(10, 96, 0, 1).into(), advertise],
                ),
                Sans::Etcd => (
                    vec![node, "localhost"],
                    vec![
                        advertise,
                        Ipv4Addr::LOCALHOST.into(),
                        Ipv6Addr::LOCALHOST.into(),
                    ],
                ),
            };
            // kubeadm's RemoveDuplicateAltNames sorts DNS names and keeps IPs in order.
            dns.sort_unstable();
            dns.dedup();
            LeafPlan {
                name,
                place,
                ca,
                cn: cn.replace("{node}", node),
                org,
                usages: match usage {
                    Usage::Server => vec![Eku::ServerAuth],
                    Usage::Client => vec![Eku::ClientAuth],
                    Usage::Both => vec![Eku::ServerAuth, Eku::ClientAuth],
                },
                dns: dns.into_iter().map(String::from).collect(),
                ips,
            }
        })
        .collect()
}

/// A CA certificate with its key.
pub(super) struct Authority {
    pub cert: Vec<u8>,
    pub key: PrivateKey,
}

/// An issued certificate and the key written beside it (a different one for a planted mismatch).
pub(super) struct Issued {
    pub cert: Vec<u8>,
    pub key: PrivateKey,
}

/// The clock of the story: the cluster was installed 400 days ago and its leaves were renewed
/// by an upgrade 30 days ago, so healthy leaves have 335 days left.
pub(super) struct Story<'a> {
    pub spec: &'a TreeSpec,
    pub installed: DateTime<Utc>,
    pub renewed: DateTime<Utc>,
}

const BACKDATE: Duration = Duration::minutes(5);

impl<'a> Story<'a> {
    pub fn new(spec: &'a TreeSpec) -> Self {
        Story {
            spec,
            installed: spec.now - Duration::days(400),
            renewed: spec.now - Duration::days(30),
        }
    }

    /// When `name` was issued, honouring a planted `days_left`; `lifetime` is its validity period.
    pub fn issued_at(
        &self,
        name: &str,
        default: DateTime<Utc>,
        lifetime: Duration,
    ) -> DateTime<Utc> {
        match self.spec.faults.days_left_of(name) {
            Some(days) => self.spec.now + Duration::days(days) - lifetime,
            None => default,
        }
    }

    /// kubeadm validity: NotBefore = issue time − 5 min, NotAfter = issue time + lifetime.
    pub fn validity(
        &self,
        name: &str,
        default: DateTime<Utc>,
        lifetime: Duration,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        let at = self.issued_at(name, default, lifetime);
        (at - BACKDATE, at + lifetime)
    }

    /// Keys for `names` in parallel (RSA generation dominates the run time).
    pub fn keys(
        &self,
        names: &[&'static str],
        spec: KeySpec,
    ) -> Result<HashMap<&'static str, PrivateKey>, DemoError> {
        names
            .par_iter()
            .map(|n| Ok((*n, PrivateKey::generate(spec)?)))
            .collect()
    }

    /// A different key to plant next to `name`'s certificate, when the spec asks for a mismatch.
    pub fn stranger(&self, name: &str, spec: KeySpec) -> Result<Option<PrivateKey>, DemoError> {
        match self.spec.faults.key_mismatch.iter().any(|n| n == name) {
            true => Ok(Some(PrivateKey::generate(spec)?)),
            false => Ok(None),
        }
    }

    /// The key to write next to `name`'s certificate: its own, or a stranger.
    pub fn written_key(&self, name: &str, own: PrivateKey) -> Result<PrivateKey, DemoError> {
        Ok(self.stranger(name, own.spec())?.unwrap_or(own))
    }

    /// kubeadm CA: self-signed (or signed by `parent`), SAN DNS = CN, ten years.
    pub fn ca(
        &self,
        name: &str,
        subject: Subject,
        key: PrivateKey,
        parent: Option<&Authority>,
    ) -> Result<Authority, DemoError> {
        let (nb, na) = self.validity(name, self.installed, Duration::days(3650));
        let mut t = CertTemplate::new(subject, nb, na);
        t.is_ca = true;
        t.dns_names = t.subject.common_name().into_iter().collect();
        let issuer = match parent {
            Some(p) => Issuer::Ca {
                cert_der: &p.cert,
                key: &p.key,
            },
            None => Issuer::SelfSigned,
        };
        let cert = issue(&t, &key, issuer)?;
        Ok(Authority { cert, key })
    }

    /// Issue `t` for `key` under `ca`, or under `wrong` when the spec plants a wrong-CA fault
    /// on `name`.
    pub fn sign(
        &self,
        name: &str,
        t: &CertTemplate,
        key: &PrivateKey,
        ca: &Authority,
        wrong: &Authority,
    ) -> Result<Vec<u8>, DemoError> {
        let signer = if self.spec.faults.wrong_ca.iter().any(|n| n == name) {
            wrong
        } else {
            ca
        };
        let issuer = Issuer::Ca {
            cert_der: &signer.cert,
            key: &signer.key,
        };
        Ok(issue(t, key, issuer)?)
    }

    /// A kubeadm leaf signed by its CA, or by `wrong` when the spec plants a wrong-CA fault.
    pub fn leaf(
        &self,
        plan: &LeafPlan,
        key: PrivateKey,
        ca: &Authority,
        wrong: &Authority,
    ) -> Result<Issued, DemoError> {
        let (nb, na) = self.validity(plan.name, self.renewed, Duration::days(365));
        let orgs: Vec<&str> = plan.org.into_iter().collect();
        let mut t = CertTemplate::new(Subject::new(&plan.cn, &orgs)?, nb, na);
        t.usages = plan.usages.clone();
        t.dns_names = plan.dns.clone();
        t.ip_addresses = plan.ips.clone();
        let cert = self.sign(plan.name, &t, &key, ca, wrong)?;
        Ok(Issued {
            cert,
            key: self.written_key(plan.name, key)?,
        })
    }
}
