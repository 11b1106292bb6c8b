//! Does each CA file a component is configured with verify the certificates meant for it?
//! The pairs are kubeadm's wiring (reference §9): who checks whom with which flag.

use std::path::PathBuf;

use super::consumers::{problem, Role, Usage};
use super::Component;

use crate::pki::decode::read_certificates;
use crate::pki::{signed_by, CertId, EntryKind, Inventory, Origin, Problem, Severity};

/// Who presents the certificate.
pub(super) enum Presenter {
    /// A certificate file named by a flag.
    File(Component, &'static str),
    /// The client certificate of the kubeconfig named by a flag.
    Kubeconfig(Component, &'static str),
}

struct Pair {
    verifier: Component,
    flag: &'static str,
    presenter: Presenter,
    consequence: &'static str,
}

const PAIRS: &[Pair] = &[
    Pair {
        verifier: Component::ApiServer,
        flag: "--client-ca-file",
        presenter: Presenter::Kubeconfig(Component::ControllerManager, "--kubeconfig"),
        consequence: "the API server will reject kube-controller-manager",
    },
    Pair {
        verifier: Component::ApiServer,
        flag: "--client-ca-file",
        presenter: Presenter::Kubeconfig(Component::Scheduler, "--kubeconfig"),
        consequence: "the API server will reject kube-scheduler",
    },
    Pair {
        verifier: Component::ApiServer,
        flag: "--client-ca-file",
        presenter: Presenter::Kubeconfig(Component::Kubelet, "--kubeconfig"),
        consequence: "the API server will reject this node's kubelet",
    },
    Pair {
        verifier: Component::ApiServer,
        flag: "--requestheader-client-ca-file",
        presenter: Presenter::File(Component::ApiServer, "--proxy-client-cert-file"),
        consequence: "aggregated APIs (metrics-server, ...) will reject proxied requests",
    },
    Pair {
        verifier: Component::Etcd,
        flag: "--trusted-ca-file",
        presenter: Presenter::File(Component::ApiServer, "--etcd-certfile"),
        consequence: "etcd will refuse the API server",
    },
    Pair {
        verifier: Component::Etcd,
        flag: "--peer-trusted-ca-file",
        presenter: Presenter::File(Component::Etcd, "--peer-cert-file"),
        consequence: "etcd members will refuse this member",
    },
    Pair {
        verifier: Component::Kubelet,
        flag: "authentication.x509.clientCAFile",
        presenter: Presenter::File(Component::ApiServer, "--kubelet-client-certificate"),
        consequence: "the kubelet will refuse the API server (kubectl logs and exec fail)",
    },
    Pair {
        verifier: Component::ApiServer,
        flag: "--etcd-cafile",
        presenter: Presenter::File(Component::Etcd, "--cert-file"),
        consequence: "the API server will refuse etcd's serving certificate",
    },
];

/// Whether a bundle accepts `id`: it, or a CA on its chain, is in the bundle or signed by it.
pub fn bundle_verifies(inv: &Inventory, bundle: &[Vec<u8>], id: CertId) -> bool {
    inv.chain_path(id)
        .into_iter()
        .any(|c| inv.der(c).is_some_and(|der| bundle_accepts(bundle, &der)))
}

/// Whether `der` is in the bundle or signed by a certificate in it.
pub fn bundle_accepts(bundle: &[Vec<u8>], der: &[u8]) -> bool {
    bundle.iter().any(|b| b == der || signed_by(der, b))
}

fn consumer_path(usage: &Usage, c: Component, flag: &str) -> Option<PathBuf> {
    usage
        .consumers
        .iter()
        .find(|x| x.component == c.name() && x.flag == flag)
        .map(|x| x.path.clone())
}

/// Certificates a presenter presents: the file's first certificate, or a kubeconfig's users'.
pub(super) fn presented(
    inv: &Inventory,
    usage: &Usage,
    p: &Presenter,
) -> Vec<(CertId, PathBuf, String)> {
    let (component, flag, kubeconfig) = match p {
        Presenter::File(c, f) => (*c, *f, false),
        Presenter::Kubeconfig(c, f) => (*c, *f, true),
    };
    let Some(i) = usage
        .consumers
        .iter()
        .position(|x| x.component == component.name() && x.flag == flag)
    else {
        return Vec::new();
    };
    let path = usage.consumers[i].path.clone();
    let label = format!("{component} {flag}");
    (0..inv.certs.len())
        .filter(|&id| usage.by_cert.get(id).is_some_and(|v| v.contains(&i)))
        .filter(|&id| {
            let c = &inv.certs[id];
            match (&c.origin, kubeconfig) {
                (Origin::File { index, .. }, false) => *index == 0,
                (
                    Origin::Kubeconfig {
                        entry: EntryKind::User,
                        ..
                    },
                    true,
                ) => true,
                // The kubelet's client certificate is a file its kubeconfig names.
                (Origin::File { index, .. }, true) => *index == 0 && !c.is_ca && !c.superseded,
                _ => false,
            }
        })
        .map(|id| (id, path.clone(), label.clone()))
        .collect()
}

/// One error per certificate a configured CA file does not verify.
pub fn client_ca_problems(inv: &Inventory, usage: &Usage) -> Vec<Problem> {
    let mut out = Vec::new();
    for pair in PAIRS {
        let Some(ca_path) = consumer_path(usage, pair.verifier, pair.flag) else {
            continue;
        };
        let bundle = read_certificates(&ca_path);
        if bundle.is_empty() {
            continue; // missing or unreadable: reported elsewhere
        }
        for (id, path, label) in presented(inv, usage, &pair.presenter) {
            if bundle_verifies(inv, &bundle, id) {
                continue;
            }
            let cert = &inv.certs[id];
            let kubeconfig = usage
                .consumers
                .iter()
                .any(|c| c.path == path && c.role == Role::Kubeconfig);
            let what = if kubeconfig {
                "the client certificate of "
            } else {
                ""
            };
            out.push(problem(
                cert.origin.path(),
                Some(id),
                Severity::Error,
                format!(
                    "{} {} ({}) does not verify {what}{} ({label}, issued by {}): {}",
                    pair.verifier,
                    pair.flag,
                    ca_path.display(),
                    path.display(),
                    cert.issuer,
                    pair.consequence
                ),
            ));
        }
    }
    out
}
