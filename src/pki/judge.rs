//! Turn the verified inventory into problems an operator can act on.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::chain::Link;
use super::distro::{self, Distribution};
use super::pair::is_service_account_key;
use super::{format, CertEntry, CertId, ChainVerdict, ExpectedCa, Inventory, Problem, ProblemKind};
use super::{Severity, Status};

fn push(
    inv: &mut Inventory,
    cert: Option<CertId>,
    path: PathBuf,
    severity: Severity,
    kind: ProblemKind,
    message: String,
) {
    inv.problems.push(Problem {
        path,
        severity,
        kind,
        message,
        cert_id: cert,
        key_id: None,
    });
}

/// Who is hurt when a certificate is signed by the wrong CA: kubeadm's by name, the others
/// by the CA role they must be under.
fn consequence(expected: &ExpectedCa) -> &'static str {
    match expected.role.as_str() {
        "apiserver" | "serving-kube-apiserver" => {
            "clients that trust the cluster CA will refuse the API server"
        }
        "apiserver-kubelet-client" => {
            "kubelets will refuse the API server (kubectl logs/exec fail)"
        }
        "apiserver-etcd-client" | "etcd/client" => "etcd will refuse the API server's connections",
        "agent/serving-kubelet" => {
            "the API server will refuse the kubelet's serving certificate (kubectl logs/exec fail)"
        }
        _ => expected.ca_role.consequence(),
    }
}

/// Add expiry, chain, key and service-account problems.
pub fn judge(inv: &mut Inventory, links: &[Link]) {
    let now = inv.generated_at;
    for (id, link) in links.iter().enumerate() {
        let cert = &inv.certs[id];
        // A copy's original carries its problems.
        if cert.superseded || cert.copy_of.is_some() {
            continue;
        }
        if let Some((sev, msg)) = expiry_problem(cert, now) {
            let path = cert.origin.path().to_path_buf();
            let who = cert.display_name();
            push(
                inv,
                Some(id),
                path,
                sev,
                ProblemKind::Expiry,
                format!("{who}: {msg}"),
            );
        }
        ca_wall(inv, id);
        chain_problems(inv, id, link);
        key_problem(inv, id);
    }
    orphan_keys(inv);
    service_account_problems(inv);
    inv.problems.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
    });
}

fn expiry_problem(cert: &CertEntry, now: DateTime<Utc>) -> Option<(Severity, String)> {
    let what = if cert.is_ca {
        "CA certificate"
    } else {
        "certificate"
    };
    let days = cert.days_left(now);
    Some(match cert.status {
        Status::Ok => return None,
        Status::Expired => (
            Severity::Error,
            format!(
                "{what} expired {} ago, on {}",
                format::compact((now - cert.not_after).num_seconds()),
                format::datetime(cert.not_after)
            ),
        ),
        Status::Critical => (
            Severity::Error,
            format!(
                "{what} expires in {}, on {}",
                format::compact((cert.not_after - now).num_seconds()),
                format::datetime(cert.not_after)
            ),
        ),
        Status::Warning => (
            Severity::Warning,
            format!(
                "{what} expires in {days} days, on {}",
                format::datetime(cert.not_after)
            ),
        ),
        Status::NotYetValid => (
            Severity::Error,
            format!(
                "{what} is not valid until {} (is the clock right?)",
                format::datetime(cert.not_before)
            ),
        ),
    })
}

/// Days before a CA's end from which kcert says how to renew it: a CA renewal needs every
/// node's copies replaced, which takes planning, not a night.
pub const CA_WALL_DAYS: i64 = 365;

/// Is certificate `id` a CA (not a copy) within [`CA_WALL_DAYS`] of its end? A self-signed
/// certificate that signs nothing, or the kubelet's own serving CA (the kubelet makes a new
/// one), is no wall.
pub fn near_the_wall(inv: &Inventory, id: CertId) -> bool {
    near_the_wall_at(inv, id, inv.generated_at)
}

/// [`near_the_wall`] at another clock (a view left open).
pub fn near_the_wall_at(inv: &Inventory, id: CertId, now: chrono::DateTime<chrono::Utc>) -> bool {
    let cert = &inv.certs[id];
    if !cert.is_ca || cert.copy_of.is_some() || cert.days_left(now) >= CA_WALL_DAYS {
        return false;
    }
    let signs = inv
        .certs
        .iter()
        .enumerate()
        .any(|(i, c)| i != id && c.issuer_id == Some(id));
    let kubelets = super::kubeadm::name_for_kubelet_file(cert.origin.path()).is_some();
    !kubelets && (signs || cert.known_name().is_some())
}

/// A CA within a year of its end (and not already reported by the thresholds): every
/// certificate under it stops working that day; say how to renew it.
fn ca_wall(inv: &mut Inventory, id: CertId) {
    let now = inv.generated_at;
    let cert = &inv.certs[id];
    if cert.status != Status::Ok || !near_the_wall(inv, id) {
        return;
    }
    let name = inv.label(cert);
    let how = match distro::handover(inv, id, now) {
        Some(h) => h.steps.first().cloned().unwrap_or_default(),
        None => format!("kcert renew {name} (with its own key; see kcert ca plan {name})"),
    };
    let msg = format!(
        "{}: CA certificate expires in {} days, on {}: every certificate under it stops working then; renew it: {how}",
        cert.display_name(),
        cert.days_left(now),
        format::datetime(cert.not_after)
    );
    let path = cert.origin.path().to_path_buf();
    push(
        inv,
        Some(id),
        path,
        Severity::Warning,
        ProblemKind::Expiry,
        msg,
    );
}

fn chain_problems(inv: &mut Inventory, id: CertId, link: &Link) {
    let cert = &inv.certs[id];
    let expected = inv.expected_ca(id);
    // Most certificates: nothing to say, and nothing to name.
    let fine = match link.verdict {
        ChainVerdict::SelfSigned => true,
        ChainVerdict::Verified => expected.is_none() || link.issuer.is_none(),
        ChainVerdict::BadSignature | ChainVerdict::UnknownIssuer => false,
    };
    if fine {
        return;
    }
    let path = cert.origin.path().to_path_buf();
    let who = cert.display_name();
    let expected_ca = expected.as_ref().and_then(|e| e.ca);
    let claimed = link.claimed.map(|c| &inv.certs[c]);
    match link.verdict {
        ChainVerdict::BadSignature => {
            let msg = match claimed {
                Some(ca) if link.claimed != Some(id) => format!(
                    "{who}: signature does not verify with the key of {} ({}): it was signed by another key with the same name (was the CA replaced?)",
                    ca.display_name(),
                    ca.origin.describe()
                ),
                _ => format!("{who}: self-signed, but its own key does not verify its signature"),
            };
            push(
                inv,
                Some(id),
                path,
                Severity::Error,
                ProblemKind::Chain,
                msg,
            );
        }
        ChainVerdict::UnknownIssuer => {
            let (sev, msg) = match (claimed, expected.as_ref().zip(expected_ca)) {
                (Some(ca), _) => (
                    Severity::Warning,
                    format!("{who}: signature algorithm {} of the issuer {} is not one kcert can verify", cert.signature_algorithm, ca.display_name()),
                ),
                (None, Some((e, ca))) => (
                    Severity::Error,
                    format!(
                        "{who}: issuer \"{}\" is not {} ({}), the CA {} uses for it: {}",
                        cert.issuer,
                        inv.certs[ca].display_name(),
                        inv.certs[ca].origin.describe(),
                        e.distribution,
                        consequence(e)
                    ),
                ),
                (None, None) => (
                    if cert.known_name().is_some() { Severity::Warning } else { Severity::Info },
                    format!("{who}: issuer \"{}\" is not among the scanned certificates, so its signature cannot be checked", cert.issuer),
                ),
            };
            push(inv, Some(id), path, sev, ProblemKind::Chain, msg);
        }
        ChainVerdict::Verified => {
            let (Some(e), Some(issuer)) = (expected.as_ref(), link.issuer) else {
                return;
            };
            let msg = match e.ca {
                Some(ca) if inv.certs[issuer].sha256 == inv.certs[ca].sha256 => return,
                Some(ca) => format!(
                    "{who}: signed by {} ({}) but {} uses {} ({}) for it: {}",
                    inv.certs[issuer].display_name(),
                    inv.certs[issuer].origin.describe(),
                    e.distribution,
                    inv.certs[ca].display_name(),
                    inv.certs[ca].origin.describe(),
                    consequence(e)
                ),
                // The layout's CA is not here, but the issuer is one of its CAs of another
                // role (k3s's client CA for a serving certificate): wrong all the same.
                None if e.distribution != Distribution::Kubeadm
                    && inv.ca_role(issuer).is_some_and(|r| r != e.ca_role) =>
                {
                    format!(
                        "{who}: signed by {} ({}), a {} CA, but {} signs it with its {} CA ({}): {}",
                        inv.certs[issuer].display_name(),
                        inv.certs[issuer].origin.describe(),
                        inv.ca_role(issuer).map_or("", |r| r.word()),
                        e.distribution,
                        e.ca_role.word(),
                        e.ca_name,
                        consequence(e)
                    )
                }
                None => return,
            };
            push(
                inv,
                Some(id),
                path,
                Severity::Error,
                ProblemKind::WrongCa,
                msg,
            );
        }
        ChainVerdict::SelfSigned => {}
    }
}

fn key_problem(inv: &mut Inventory, id: CertId) {
    let cert = &inv.certs[id];
    if cert.key_match != Some(false) {
        return;
    }
    let Some(kid) = cert.key_id else { return };
    let key = &inv.keys[kid];
    let mut msg = format!(
        "{}: private key {} does not belong to this certificate (different public key)",
        cert.display_name(),
        key.origin.describe()
    );
    let belongs = key.public_key_id.and_then(|pk| {
        inv.certs
            .iter()
            .find(|c| c.public_key_id == Some(pk))
            .map(|c| c.origin.describe())
            .or_else(|| {
                inv.csrs
                    .iter()
                    .find(|r| r.public_key_id == Some(pk))
                    .map(|r| format!("the request {}", r.origin.describe()))
            })
    });
    match belongs {
        Some(other) => msg.push_str(&format!("; the key belongs to {other}")),
        None => msg.push_str("; TLS with this pair will fail"),
    }
    let path = cert.origin.path().to_path_buf();
    inv.problems.push(Problem {
        path,
        severity: Severity::Error,
        kind: ProblemKind::KeyMismatch,
        message: msg,
        cert_id: Some(id),
        key_id: Some(kid),
    });
}

fn orphan_keys(inv: &mut Inventory) {
    for (kid, key) in inv.keys.iter().enumerate() {
        if !key.is_private
            || key.cert_id.is_some()
            || is_service_account_key(key)
            || distro::key_without_certificate(key.origin.path())
        {
            continue;
        }
        let path = key.origin.path().to_path_buf();
        let hint = match key.origin.path().extension().and_then(|e| e.to_str()) {
            Some("key") => format!(
                " (expected {} beside it)",
                key.origin.path().with_extension("crt").display()
            ),
            _ => String::new(),
        };
        let csr = key
            .public_key_id
            .and_then(|pk| inv.csrs.iter().find(|r| r.public_key_id == Some(pk)));
        let detail = match csr {
            Some(r) => format!(
                "; it matches the request {}: was the certificate never issued?",
                r.origin.describe()
            ),
            None => String::new(),
        };
        inv.problems.push(Problem {
            path,
            severity: Severity::Warning,
            kind: ProblemKind::OrphanKey,
            message: format!(
                "private key {} has no certificate{hint}{detail}",
                key.origin.describe()
            ),
            cert_id: None,
            key_id: Some(kid),
        });
    }
}

fn service_account_problems(inv: &mut Inventory) {
    let pairs = inv.service_accounts.clone();
    for sa in pairs {
        let (path, sev, msg) = match (sa.key_id, sa.pub_id, sa.matches) {
            (Some(k), Some(_), Some(false)) => (
                inv.keys[k].origin.path().to_path_buf(),
                Severity::Error,
                "sa.key and sa.pub are not one key pair: the API server will reject every service-account token the controller-manager signs".to_string(),
            ),
            (Some(k), None, _) => (
                inv.keys[k].origin.path().to_path_buf(),
                Severity::Warning,
                "sa.pub is missing beside sa.key: the API server cannot verify service-account tokens".to_string(),
            ),
            (None, Some(p), _) => (
                inv.keys[p].origin.path().to_path_buf(),
                Severity::Warning,
                "sa.key is missing beside sa.pub: the controller-manager cannot sign service-account tokens".to_string(),
            ),
            _ => continue,
        };
        push(inv, None, path, sev, ProblemKind::ServiceAccount, msg);
    }
}
