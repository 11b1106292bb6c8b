//! How a distribution renews its own certificates: the commands kcert shows instead of
//! writing into a data directory another program manages.
//!
//! Facts from the distributions' source: k3s-io/k3s `pkg/daemons/control/deps/deps.go`
//! (`createClientCertKey` regenerates a leaf on start when `expired()` says it is within
//! `config.CertificateRenewDays` of its end, when its CN, O or SANs changed, or when it no
//! longer chains to the CA file), `pkg/daemons/config/types.go` (`CertificateRenewDays = 120`,
//! 90 before k3s-io/k3s#12171), `pkg/cli/cert/cert.go` (`rotate` with the service stopped,
//! `rotate-ca`), `pkg/agent/config/config.go` (an agent fetches its certificates on every
//! start); canonical/microk8s `scripts/wrappers/refresh_certs.py` (`--cert ca.crt|server.crt|
//! front-proxy-client.crt`, backups in `certs-backup/`).

use chrono::{DateTime, Utc};

use super::owner::{owner, Area, Owner};
use super::{place, Distribution};
use crate::pki::{CertId, Inventory};

/// Days before expiry within which k3s and RKE2 renew a leaf on start (current releases).
pub const RENEW_WINDOW_DAYS: i64 = 120;
/// The same before the May 2025 releases (k3s-io/k3s#12171).
pub const RENEW_WINDOW_DAYS_BEFORE_2025: i64 = 90;

/// A certificate its distribution renews, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub distribution: Distribution,
    /// Why kcert leaves it to the distribution.
    pub why: String,
    /// What to run, in order.
    pub steps: Vec<String>,
    /// Not written even with `--force`: read-only layouts, files the distribution rewrites
    /// from others (`k3s.yaml`), and CAs whose real copy is elsewhere.
    pub never_written: bool,
}

/// The systemd unit that reads a file a distribution owns, when one process does: k3s's or
/// RKE2's (the server's when the node has server files: a server runs the agent in the same
/// process, else the agent's).
/// MicroK8s runs its control plane and kubelet in `snap.microk8s.daemon-kubelite`; kubespray
/// runs etcd as the `etcd` unit (its certificates named in `/etc/etcd.env`).
pub fn unit_of(inv: &Inventory, o: &Owner) -> Option<String> {
    match o.distribution {
        Distribution::MicroK8s => Some("snap.microk8s.daemon-kubelite".into()),
        _ if o.area == Area::KubesprayEtcd => Some("etcd".into()),
        d => d.program().map(|p| unit(inv, o, p)),
    }
}

fn unit(inv: &Inventory, o: &Owner, program: &str) -> String {
    let server = match o.area {
        Area::RancherServer | Area::RancherKubeconfig => true,
        _ => inv
            .certs
            .iter()
            .filter_map(|c| owner(c.origin.path()))
            .any(|x| x.distribution == o.distribution && x.area == Area::RancherServer),
    };
    match (program, server) {
        ("k3s", true) => "k3s".into(),
        (p, true) => format!("{p}-server"),
        (p, false) => format!("{p}-agent"),
    }
}

fn rancher(inv: &Inventory, id: CertId, o: &Owner, now: DateTime<Utc>) -> Option<Handover> {
    let program = o.distribution.program()?;
    let cert = &inv.certs[id];
    let unit = unit(inv, o, program);
    let restart = format!("systemctl restart {unit}");
    let d = o.distribution;
    let handover = |why: String, steps: Vec<String>, never_written: bool| {
        Some(Handover {
            distribution: d,
            why,
            steps,
            never_written,
        })
    };
    let rotate = |service: &str| {
        vec![
            format!("systemctl stop {unit}"),
            format!("{program} certificate rotate --service {service}"),
            format!("systemctl start {unit}"),
        ]
    };
    let place = place(&cert.origin);
    if o.area == Area::RancherAgent {
        return handover(
            format!(
                "the {program} agent fetches its certificates from a server on every start; \
                 kcert does not write into {program}'s data directory"
            ),
            vec![restart],
            cert.is_ca,
        );
    }
    if cert.is_ca || place.as_ref().is_some_and(|p| p.is_ca) {
        let dir = o.dir.display();
        return handover(
            format!(
                "{program} keeps its CAs in the datastore (bootstrap data encrypted with the \
                 server token) and writes them out on every start: an edited file does not last, \
                 and a new server CA changes the join token's CA hash"
            ),
            vec![format!(
                "{program} certificate rotate-ca --path <directory with the new CA files> \
                 (cross-signed by the old CAs for no disruption; see {dir})"
            )],
            true,
        );
    }
    // k3s.yaml is rewritten from client-admin on every start: what renews that renews it.
    let rewritten = o.area == Area::RancherKubeconfig;
    let never = |why: String| match rewritten {
        true => format!(
            "{program} rewrites {} from client-admin.crt on every start; {why}",
            cert.origin.path().display()
        ),
        false => why,
    };
    let days = cert.days_left(now);
    // `createClientCertKey` also regenerates a leaf whose authority key id is not its CA
    // file's: one under another CA is replaced on the next start too.
    let expected = inv.expected_ca(id).and_then(|e| e.ca);
    let under_its_ca = match (expected, cert.issuer_id) {
        (Some(ca), Some(issuer)) => inv.certs[ca].sha256 == inv.certs[issuer].sha256,
        (Some(_), None) => false,
        (None, _) => true,
    };
    if days <= RENEW_WINDOW_DAYS || !under_its_ca {
        let when = match days {
            _ if !under_its_ca => "this one is not under its CA".to_string(),
            d if d < 0 => format!("this one expired {} days ago", -d),
            d => format!("this one ends in {d} days"),
        };
        let older = if under_its_ca && days > RENEW_WINDOW_DAYS_BEFORE_2025 {
            format!(
                " (releases before May 2025 wait until {RENEW_WINDOW_DAYS_BEFORE_2025} days: \
                 on those, stop {unit} and run `{program} certificate rotate` first)"
            )
        } else {
            String::new()
        };
        return handover(
            never(format!(
                "{program} renews a certificate when it starts if it is within \
                 {RENEW_WINDOW_DAYS} days of expiry or not under its CA, and {when}{older}"
            )),
            vec![restart],
            rewritten,
        );
    }
    let service = match rewritten {
        true => Some("admin".to_string()),
        false => place.and_then(|p| p.service),
    };
    let steps = match &service {
        Some(s) => rotate(s),
        None => vec![
            format!("systemctl stop {unit}"),
            format!("{program} certificate rotate"),
            format!("systemctl start {unit}"),
        ],
    };
    handover(
        never(format!(
            "{program} renews its own certificates (it would renew this one by itself \
             {RENEW_WINDOW_DAYS} days before it ends, on a start)"
        )),
        steps,
        rewritten,
    )
}

fn microk8s(inv: &Inventory, id: CertId, o: &Owner) -> Option<Handover> {
    let cert = &inv.certs[id];
    let file = cert.origin.path().file_name()?.to_str()?.to_string();
    let handover = |why: &str, steps: Vec<String>, never_written: bool| {
        Some(Handover {
            distribution: Distribution::MicroK8s,
            why: why.to_string(),
            steps,
            never_written,
        })
    };
    let refresh = |f: &str| vec![format!("microk8s refresh-certs --cert {f}")];
    // The one command that would re-create it also replaces the CA: said, not suggested.
    let whole_ca = "MicroK8s has no command for this certificate alone: `microk8s refresh-certs \
                    --cert ca.crt` re-creates it with a new CA and everything the CA signs \
                    (other nodes must leave and re-join); `kcert renew --force` renews it in \
                    place under the current CA";
    match (o.area, file.as_str()) {
        (Area::MicroK8sCerts, "ca.crt") => handover(
            "a new CA: MicroK8s re-creates every certificate it signs and the kubeconfigs; \
             other nodes must leave and re-join",
            refresh("ca.crt"),
            true,
        ),
        (Area::MicroK8sCerts, "server.crt" | "front-proxy-client.crt") => handover(
            "MicroK8s makes this certificate from its csr.conf; refresh-certs backs the \
             certificates up to certs-backup/ and restarts its services",
            refresh(&file),
            false,
        ),
        _ if cert.is_ca => handover(
            "MicroK8s makes this CA only when it is missing and has no command to renew it",
            Vec::new(),
            true,
        ),
        _ => handover(whole_ca, Vec::new(), false),
    }
}

/// How the distribution renews certificate `id` when kcert must not write it by default;
/// `None` when kcert renews it in place (kubeadm, kubespray, the hard way, files no
/// distribution claims).
pub fn handover(inv: &Inventory, id: CertId, now: DateTime<Utc>) -> Option<Handover> {
    let cert = inv.certs.get(id)?;
    let o = owner(cert.origin.path())?;
    match o.distribution {
        Distribution::K3s | Distribution::Rke2 => rancher(inv, id, &o, now),
        Distribution::MicroK8s => microk8s(inv, id, &o),
        Distribution::OpenShift => Some(Handover {
            distribution: o.distribution,
            why: "OpenShift's operators issue and rotate this certificate; kcert only reads it"
                .into(),
            steps: vec!["oc get clusteroperators (the operators renew it)".into()],
            never_written: true,
        }),
        Distribution::Talos => Some(Handover {
            distribution: o.distribution,
            why: "Talos manages its PKI through its API; kcert only reads it".into(),
            steps: vec!["talosctl rotate-ca (for its CAs; Talos renews the rest)".into()],
            never_written: true,
        }),
        _ => None,
    }
}
