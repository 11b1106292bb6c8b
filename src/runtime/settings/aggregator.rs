//! The aggregation layer: kube-apiserver proxies requests to aggregated APIs (metrics-server,
//! ...) with its front-proxy client certificate; they accept it only if it verifies under
//! `--requestheader-client-ca-file` and its CN is in `--requestheader-allowed-names`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{cert_named, key_matches, path_flag, problem};
use crate::pki::decode::read_certificates;
use crate::pki::{Inventory, Problem, Severity};
use crate::runtime::consumers::Usage;
use crate::runtime::verify::bundle_verifies;
use crate::runtime::{Component, Node};

const CA_FLAG: &str = "--requestheader-client-ca-file";
const CERT_FLAG: &str = "--proxy-client-cert-file";
const KEY_FLAG: &str = "--proxy-client-key-file";
const NAMES_FLAG: &str = "--requestheader-allowed-names";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aggregator {
    pub client_ca_file: Option<PathBuf>,
    pub proxy_client_cert_file: Option<PathBuf>,
    pub proxy_client_key_file: Option<PathBuf>,
    /// `--requestheader-allowed-names`; empty means any CN the CA signed is accepted.
    pub allowed_names: Vec<String>,
    pub any_name_allowed: bool,
    /// The proxy client certificate's CN, when the scan read it.
    pub proxy_cn: Option<String>,
    /// Whether the proxy certificate verifies under the requestheader CA; `null` when either
    /// is missing or unread.
    pub verified: Option<bool>,
    pub cn_allowed: Option<bool>,
    pub key_matches: Option<bool>,
}

pub(super) fn check(
    inv: &Inventory,
    node: &Node,
    usage: &Usage,
    problems: &mut Vec<Problem>,
) -> Option<Aggregator> {
    let pod = node.manifests.pod(Component::ApiServer)?;
    let c = pod.main_container()?;
    let file = |flag| path_flag(pod, flag);
    let (ca, cert, key) = (file(CA_FLAG), file(CERT_FLAG), file(KEY_FLAG));
    let names = c.flag(NAMES_FLAG);
    if ca.is_none() && cert.is_none() && names.is_none() {
        return None;
    }
    let allowed: Vec<String> = names
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    let id = cert
        .as_ref()
        .and_then(|_| cert_named(inv, usage, Component::ApiServer, CERT_FLAG));
    let proxy_cn = id.and_then(|id| inv.certs[id].common_name.clone());
    let bundle = ca.as_deref().map(read_certificates).unwrap_or_default();
    // A CA that does not verify it is reported with the other client CA files (verify.rs).
    let verified = id
        .filter(|_| !bundle.is_empty())
        .map(|id| bundle_verifies(inv, &bundle, id));
    let cn_allowed =
        id.map(|_| allowed.is_empty() || proxy_cn.as_ref().is_some_and(|cn| allowed.contains(cn)));
    let (key_ok, key_judged) = match (id, &key) {
        (Some(id), Some(k)) => key_matches(inv, id, k),
        _ => (None, false),
    };

    if let (Some(false), Some(id)) = (cn_allowed, id) {
        problems.push(problem(
            &pod.path,
            Some(id),
            Severity::Error,
            format!(
                "kube-apiserver {CERT_FLAG} {} has CN {}, which is not in {NAMES_FLAG} ({}): aggregated APIs (metrics-server, ...) reject every request kube-apiserver proxies to them",
                cert.as_deref().unwrap_or(Path::new("")).display(),
                proxy_cn.as_deref().map_or("(none)".into(), |cn| format!("{cn:?}")),
                allowed.join(", ")
            ),
        ));
    }
    if let (Some(false), false, Some(id), Some(k)) = (key_ok, key_judged, id, &key) {
        problems.push(problem(
            &pod.path,
            Some(id),
            Severity::Error,
            format!(
                "kube-apiserver {KEY_FLAG} {} is not the key of {CERT_FLAG} {}: kube-apiserver cannot load its front-proxy client and does not start",
                k.display(),
                cert.as_deref().unwrap_or(Path::new("")).display()
            ),
        ));
    }
    if let (None, Some(cert)) = (&ca, &cert) {
        problems.push(problem(
            &pod.path,
            None,
            Severity::Warning,
            format!(
                "kube-apiserver has {CERT_FLAG} {} but no {CA_FLAG}: aggregated APIs have no CA to verify the requests kube-apiserver proxies to them",
                cert.display()
            ),
        ));
    }
    Some(Aggregator {
        client_ca_file: ca,
        proxy_client_cert_file: cert,
        proxy_client_key_file: key,
        any_name_allowed: allowed.is_empty(),
        allowed_names: allowed,
        proxy_cn,
        verified,
        cn_allowed,
        key_matches: key_ok,
    })
}
