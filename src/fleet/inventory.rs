//! A node's report turned back into an [`Inventory`], so the terminal UI shows another
//! node's tree in the very view of the local one. What a report does not carry stays empty:
//! no DER (so no x509 text), no key fingerprints. Links come back by path: a certificate's
//! issuer is the CA at its `issuer_path` with the issuer's name, a problem belongs to the
//! certificate of its file.

use std::collections::HashMap;
use std::path::PathBuf;

use super::report::{Report, ReportCert, ReportKey, ReportSource};
use crate::pki::distro::{Detection, Distribution, NodeRole};
use crate::pki::{
    CertEntry, CertId, Inventory, KeyAlgorithm, KeyEntry, Origin, Problem, Sha256, Thresholds,
    Usages,
};

fn origin(source: &ReportSource, path: &std::path::Path, index: usize) -> Origin {
    match (source.kind.as_str(), &source.entry) {
        ("kubeconfig", Some(entry)) => Origin::Kubeconfig {
            path: path.to_path_buf(),
            entry: entry.clone(),
            name: source.name.clone().unwrap_or_default(),
            field: source.field.clone().unwrap_or_default(),
            index,
        },
        _ => Origin::File {
            path: path.to_path_buf(),
            index,
        },
    }
}

fn algorithm(text: &str) -> KeyAlgorithm {
    match text {
        "ECDSA-P256" => KeyAlgorithm::EcdsaP256,
        "ECDSA-P384" => KeyAlgorithm::EcdsaP384,
        "ECDSA-P521" => KeyAlgorithm::EcdsaP521,
        "Ed25519" => KeyAlgorithm::Ed25519,
        t => t
            .strip_prefix("RSA-")
            .and_then(|b| b.parse().ok())
            .map_or(KeyAlgorithm::Unknown, KeyAlgorithm::Rsa),
    }
}

/// `CN=a, O=b, O=c` → the values of `attr`, as kcert writes names.
fn attribute<'a>(name: &'a str, attr: &'a str) -> impl Iterator<Item = String> + 'a {
    name.split(", ")
        .filter_map(move |part| part.strip_prefix(attr)?.strip_prefix('='))
        .map(str::to_string)
}

/// A report's hex digest; anything else (no kcert writes it) as the digest of its text, so
/// that different strings stay different certificates.
fn digest(hex: &str) -> Sha256 {
    Sha256::from_hex(hex).unwrap_or_else(|| Sha256::of(hex.as_bytes()))
}

/// A report's hex key identifier as bytes; anything else as its text.
fn key_id(hex: &str) -> Box<[u8]> {
    crate::pki::format::unhex(hex)
        .unwrap_or_else(|| hex.as_bytes().to_vec())
        .into()
}

fn cert(c: &ReportCert) -> CertEntry {
    CertEntry {
        origin: origin(&c.source, &c.path, c.index),
        kubeadm_name: c.name.clone(),
        place: None,
        copy_of: None,
        der: Vec::new(),
        subject: c.subject.clone(),
        issuer: c.issuer.as_str().into(),
        subject_raw: c.subject.as_bytes().into(),
        issuer_raw: c.issuer.as_bytes().into(),
        common_name: attribute(&c.subject, "CN").next(),
        organizations: attribute(&c.subject, "O").collect(),
        serial: c.serial.clone(),
        not_before: c.not_before,
        not_after: c.not_after,
        sans: c.sans.clone(),
        usages: Usages::from_names(c.usages.iter().map(String::as_str)),
        is_ca: c.is_ca,
        key_algorithm: algorithm(&c.key_algorithm),
        signature_algorithm: c.signature_algorithm.clone().into(),
        sha256: digest(&c.sha256),
        spki_sha256: digest(&c.spki_sha256),
        public_key_id: None,
        ski: c.ski.as_deref().map(key_id),
        aki: c.aki.as_deref().map(key_id),
        referenced_by: c.referenced_by.clone(),
        symlink_target: c.symlink_target.clone(),
        superseded: c.superseded,
        status: c.status,
        chain: c.chain,
        issuer_id: None,
        key_id: None,
        key_match: c.key_match,
        signer_spki: None,
    }
}

fn key(k: &ReportKey) -> KeyEntry {
    KeyEntry {
        origin: origin(&k.source, &k.path, k.index),
        format: k.format,
        algorithm: algorithm(&k.algorithm),
        public_key_id: None,
        is_private: k.private,
        cert_id: None,
    }
}

/// The node's inventory as its report describes it.
pub fn inventory(report: &Report) -> Inventory {
    let mut certs: Vec<CertEntry> = report.certificates.iter().map(cert).collect();
    let mut keys: Vec<KeyEntry> = report.keys.iter().map(key).collect();
    let mut by_path: HashMap<&PathBuf, Vec<CertId>> = HashMap::new();
    for (id, c) in report.certificates.iter().enumerate() {
        by_path.entry(&c.path).or_default().push(id);
    }
    for (id, c) in report.certificates.iter().enumerate() {
        let Some(at) = c.issuer_path.as_ref().and_then(|p| by_path.get(p)) else {
            continue;
        };
        let named = at
            .iter()
            .copied()
            .find(|&j| j != id && report.certificates[j].subject == c.issuer);
        certs[id].issuer_id = named.or_else(|| at.first().copied().filter(|&j| j != id));
    }
    for (kid, k) in report.keys.iter().enumerate() {
        let owner = k
            .cert_path
            .as_ref()
            .and_then(|p| by_path.get(p))
            .and_then(|at| {
                at.iter()
                    .copied()
                    .find(|&j| Some(report.certificates[j].index) == k.cert_index)
            });
        if let Some(cid) = owner {
            keys[kid].cert_id = Some(cid);
            certs[cid].key_id = Some(kid);
        }
    }
    let problems = report
        .problems
        .iter()
        .map(|p| {
            // The file's leaf (a bundle's first block) is the one a problem is about.
            let cert_id = by_path.get(&p.path).and_then(|at| {
                at.iter()
                    .copied()
                    .find(|&j| !certs[j].is_ca)
                    .or_else(|| at.first().copied())
            });
            let key_id = cert_id
                .is_none()
                .then(|| keys.iter().position(|k| k.origin.path() == p.path))
                .flatten();
            Problem {
                path: p.path.clone(),
                severity: p.severity,
                kind: p.kind,
                message: p.message.clone(),
                cert_id,
                key_id,
            }
        })
        .collect();
    let thresholds = report
        .thresholds
        .map(|t| Thresholds {
            warn_days: t.warn_days,
            crit_days: t.crit_days,
        })
        .unwrap_or_default();
    Inventory {
        generated_at: report.generated_at,
        roots: report.roots.clone(),
        missing_roots: Vec::new(),
        thresholds,
        certs,
        keys,
        problems,
        service_accounts: Vec::new(),
        csrs: Vec::new(),
        distribution: detection(report),
    }
}

/// The distribution and roles the node's kcert named; words this kcert does not know are
/// "unknown", never a guess.
fn detection(report: &Report) -> Detection {
    let name = report.distribution_name().unwrap_or_default();
    let distribution = Distribution::KNOWN
        .into_iter()
        .find(|d| d.as_str() == name)
        .unwrap_or_default();
    let roles = report
        .roles
        .iter()
        .filter_map(|r| match r.as_str() {
            "server" => Some(NodeRole::Server),
            "agent" => Some(NodeRole::Agent),
            _ => None,
        })
        .collect();
    Detection {
        distribution,
        roles,
    }
}
