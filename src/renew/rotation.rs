//! `kcert ca plan`: the whole picture of one CA from this node — when it ends, the leaves it
//! already caps, every copy here and who reads it, what lives in the cluster, and the ordered
//! steps (who restarts, and by when). Nothing is run.

use std::path::Path;

use super::and_list;
use super::ca::copy_files;
use crate::pki::format::{datetime, residual};
use crate::pki::{CertId, ChainVerdict, Inventory};
use crate::runtime::{readers_of, NodePaths};

/// Who must restart to read CA `name`'s new certificate, and why.
fn restarts(name: Option<&str>) -> Vec<&'static str> {
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

/// The plan for CA `id` as lines of text.
pub fn describe_ca_plan(inv: &Inventory, id: CertId) -> Vec<String> {
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
    let key_here = ca.key_id.is_some() && ca.key_match == Some(true);
    out.push(match (key_here, ca.chain == ChainVerdict::SelfSigned) {
        (true, true) => format!(
            "  Its key is on this node: `kcert renew {label}` re-signs it with that key (same \
             subject, key and key identifiers), so nothing it signed is re-issued."
        ),
        (false, true) => format!(
            "  Its key is not on this node: renew it on the node with its key, then \
             `kcert ca import {}` here.",
            ca.origin.path().display()
        ),
        (_, false) => format!(
            "  It is signed by \"{}\": it is renewed where that CA's key is.",
            ca.issuer
        ),
    });

    let capped: Vec<String> = inv
        .certs
        .iter()
        .filter(|c| {
            !c.is_ca && c.issuer_id == Some(id) && !c.superseded && c.not_after >= ca.not_after
        })
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

    if name.is_none_or(|n| n == "ca" || n == "front-proxy-ca") {
        out.push(
            "In the cluster (not read: kcert ca plan reads this node only): the kube-root-ca.crt \
             ConfigMap in every namespace, kube-public/cluster-info (kubeadm join; its discovery \
             hash is of the key, so it stays valid), kube-system/extension-apiserver-\
             authentication, webhook and APIService caBundles that hold it, legacy \
             service-account token Secrets' ca.crt; and every other node's copies."
                .into(),
        );
    }
    out.push(format!(
        "Steps, all before {end} (when every old copy stops working):"
    ));
    let mut steps = vec![
        format!("kcert renew {label} on the node that holds its key (backups, journal, every copy above)"),
        format!(
            "on every other node: copy the new {} there and run `kcert ca import <file>`",
            ca.origin
                .path()
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
    ];
    if name.is_none_or(|n| n == "ca") {
        steps.push(
            "replace the CA data in kube-public/cluster-info (kubectl -n kube-public edit \
             configmap cluster-info) and in users' kubeconfigs elsewhere"
                .into(),
        );
    }
    steps.extend(restarts(name).into_iter().map(String::from));
    out.extend(
        steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("  {}. {s}", i + 1)),
    );
    out.push(format!(
        "If its key is lost or compromised, a new key needs the phased manual rotation \
         (kubernetes.io \"Manual Rotation of CA Certificates\"): 1. trust both (bundle old and new \
         in every copy above), 2. re-issue every leaf under the new key (`kcert renew --all`), \
         restart everything, 3. drop the old CA from the bundles. Its path on this node: {}",
        Path::new(ca.origin.path()).display()
    ));
    out
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
