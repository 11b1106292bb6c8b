//! `kcert ca plan`, this node's part: when a CA ends, the leaves it already caps, every copy
//! here and who reads it, and who must restart for a new certificate. The cluster's copies
//! and the ordered steps are added above this layer (`report::ca_plan`). Nothing is run.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::and_list;
use super::ca::copy_files;
use crate::pki::format::{datetime, residual};
use crate::pki::{CertId, ChainVerdict, Inventory};
use crate::runtime::{readers_of, NodePaths};

/// How a CA is renewed from this node's point of view: what `kcert renew` does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaRoute {
    /// Self-signed, its key here and matching: re-signed with that key.
    OwnKey,
    /// Self-signed, its key elsewhere: renewed there, then `kcert ca import` here.
    KeyElsewhere,
    /// Signed by another CA: renewed where that CA's key is.
    ByIssuer,
}

impl CaRoute {
    pub fn of(ca: &crate::pki::CertEntry) -> CaRoute {
        match (
            ca.key_id.is_some() && ca.key_match == Some(true),
            ca.chain == ChainVerdict::SelfSigned,
        ) {
            (_, false) => CaRoute::ByIssuer,
            (true, true) => CaRoute::OwnKey,
            (false, true) => CaRoute::KeyElsewhere,
        }
    }
}

/// Who must restart to read CA `name`'s new certificate, and why.
pub fn restarts(name: Option<&str>) -> Vec<&'static str> {
    match name {
        Some("etcd-ca") => vec![
            "restart etcd (reads --trusted-ca-file and --peer-trusted-ca-file once)",
            "restart kube-apiserver (its etcd client reads --etcd-cafile once)",
        ],
        Some("front-proxy-ca") => vec![
            "nothing must restart: kube-apiserver reloads --requestheader-client-ca-file by itself \
             and republishes kube-system/extension-apiserver-authentication",
        ],
        _ => vec![
            "restart kube-controller-manager (reads --root-ca-file once; after its restart it \
             refreshes the kube-root-ca.crt ConfigMaps and legacy service-account token Secrets)",
            "restart kube-scheduler (reads scheduler.conf at start)",
            "restart every kubelet (its client CA file and kubeconfig are read at start)",
            "restart every pod that read its service account's ca.crt at start (client-go does): \
             kubectl rollout restart",
            "kube-apiserver needs no restart: it reloads --client-ca-file by itself",
        ],
    }
}

/// One CA as this node sees it.
#[derive(Debug, Clone)]
pub struct LocalPlan {
    /// `ca`, or the path kcert names it by.
    pub label: String,
    /// kubeadm's name for it (`ca`, `etcd-ca`, `front-proxy-ca`), when it has one.
    pub name: Option<String>,
    pub not_after: DateTime<Utc>,
    pub path: PathBuf,
    /// Its end, where its key is, the leaves it caps and its copies here, as lines of text.
    pub lines: Vec<String>,
}

/// This node's part of the plan for CA `id`.
pub fn local_plan(inv: &Inventory, id: CertId) -> LocalPlan {
    let now = inv.generated_at;
    let id = inv.original(id);
    let ca = &inv.certs[id];
    let label = inv.label(ca);
    let name = ca.known_name();
    let end = datetime(ca.not_after);
    let mut out = vec![format!(
        "CA {label} ({}), {}: {} on {end}",
        ca.subject,
        ca.origin.path().display(),
        match ca.not_after <= now {
            true => "expired".to_string(),
            false => format!("expires in {}", residual(ca.not_after, now)),
        }
    )];
    out.push(match CaRoute::of(ca) {
        CaRoute::OwnKey => format!(
            "  Its key is on this node: `kcert renew {label}` re-signs it with that key (same \
             subject, key and key identifiers), so nothing it signed is re-issued."
        ),
        CaRoute::KeyElsewhere => format!(
            "  Its key is not on this node: renew it on the node with its key, then \
             `kcert ca import {}` here.",
            ca.origin.path().display()
        ),
        CaRoute::ByIssuer => format!(
            "  It is signed by \"{}\": it is renewed where that CA's key is.",
            ca.issuer
        ),
    });

    let capped: Vec<String> = inv
        .capped_by(id)
        .map(|i| &inv.certs[i])
        .map(|c| format!("    {} (until {})", inv.label(c), datetime(c.not_after)))
        .collect();
    out.push(format!(
        "Leaves it already caps (they stop working with it on {end}): {}",
        capped.len()
    ));
    out.extend(capped);

    let paths = NodePaths::discover(&inv.roots);
    let manifests = paths.as_ref().map(|p| p.manifests.clone());
    out.push("Copies on this node (rewritten by the renewal or `kcert ca import`):".into());
    for (path, kubeconfig) in copy_files(inv, ca, &[]) {
        let readers = manifests
            .as_deref()
            .map(|m| readers_of(m, &[path.as_path()], None))
            .unwrap_or_default();
        let what = if kubeconfig {
            "certificate-authority-data"
        } else {
            "certificate file"
        };
        out.push(match readers.is_empty() {
            true => format!("    {} ({what})", path.display()),
            false => format!(
                "    {} ({what}), read by {}",
                path.display(),
                and_list(&readers)
            ),
        });
    }

    LocalPlan {
        label,
        name: name.map(str::to_string),
        not_after: ca.not_after,
        path: ca.origin.path().to_path_buf(),
        lines: out,
    }
}

/// The CAs `kcert ca plan` covers: those named, else kubeadm's three found here.
pub fn plan_cas(inv: &Inventory, names: &[String]) -> Result<Vec<CertId>, Vec<String>> {
    let wanted: Vec<String> = match names.is_empty() {
        true => ["ca", "etcd-ca", "front-proxy-ca"]
            .map(String::from)
            .to_vec(),
        false => names.to_vec(),
    };
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for n in &wanted {
        match (0..inv.certs.len()).find(|&i| {
            inv.certs[i].is_ca
                && inv.certs[i].copy_of.is_none()
                && inv.certs[i].known_name() == Some(n.as_str())
        }) {
            Some(i) => found.push(i),
            None if names.is_empty() => {}
            None => unknown.push(n.clone()),
        }
    }
    match unknown.is_empty() {
        true => Ok(found),
        false => Err(unknown),
    }
}
