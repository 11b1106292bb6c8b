//! Trust chains: find each certificate's issuer among the scanned CAs and verify the signature.
//!
//! Candidates come by authority key identifier first, then by the issuer's raw name; a
//! candidate counts only when its key really verifies the signature, so a replaced CA with the
//! same name is caught.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use x509_parser::prelude::{FromDer, X509Certificate, X509Error};
use x509_parser::x509::SubjectPublicKeyInfo;

use super::decode::certificate;
use super::{CertEntry, CertId, ChainVerdict, Origin};

/// Result of checking one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub verdict: ChainVerdict,
    pub issuer: Option<CertId>,
    /// For bad signatures: the CA whose name or key id matched but whose key did not verify.
    pub claimed: Option<CertId>,
}

enum Check {
    Good,
    Bad,
    /// The signature algorithm is one the verifier does not implement.
    Unsupported,
}

fn check(cert: &X509Certificate<'_>, issuer_spki: &[u8]) -> Check {
    let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(issuer_spki) else {
        return Check::Bad;
    };
    match cert.verify_signature(Some(&spki)) {
        Ok(()) => Check::Good,
        Err(X509Error::SignatureUnsupportedAlgorithm) => Check::Unsupported,
        Err(_) => match super::pss::verify(cert, issuer_spki) {
            Some(true) => Check::Good,
            _ => Check::Bad,
        },
    }
}

/// Prefer files over kubeconfig copies (a copy never has the CA's key, so renewal needs the
/// file), then issuers that sit beside the certificate.
fn preference(cert: &CertEntry, candidate: &CertEntry) -> (bool, bool, bool) {
    let dir = |o: &Origin| o.path().parent().map(Path::to_path_buf);
    (
        candidate.superseded,
        matches!(candidate.origin, Origin::Kubeconfig { .. }),
        dir(&candidate.origin) != dir(&cert.origin),
    )
}

/// Parse only what a signature check needs: extensions were read (and deep-parsed) already.
fn shallow(der: &[u8]) -> x509_parser::nom::IResult<&[u8], X509Certificate<'_>, X509Error> {
    use x509_parser::nom::Parser;
    x509_parser::certificate::X509CertificateParser::new()
        .with_deep_parse_extensions(false)
        .parse(der)
}

/// Verify every certificate; returns one link per certificate, in order.
pub fn link_all(certs: &[CertEntry]) -> Vec<Link> {
    // Issuer candidates: CAs and self-issued certificates (v1 roots have no CA flag).
    let mut spki: HashMap<CertId, Vec<u8>> = HashMap::new();
    let mut by_ski: HashMap<&str, Vec<CertId>> = HashMap::new();
    let mut by_name: HashMap<&[u8], Vec<CertId>> = HashMap::new();
    for (id, c) in certs.iter().enumerate() {
        if !(c.is_ca || c.is_self_issued()) {
            continue;
        }
        let Ok((_, parsed)) = shallow(&c.der) else {
            continue;
        };
        spki.insert(id, parsed.public_key().raw.to_vec());
        if let Some(ski) = &c.ski {
            by_ski.entry(ski.as_str()).or_default().push(id);
        }
        by_name
            .entry(c.subject_raw.as_slice())
            .or_default()
            .push(id);
    }
    certs
        .par_iter()
        .enumerate()
        .map(|(id, cert)| link_one(certs, id, cert, &spki, &by_ski, &by_name))
        .collect()
}

fn link_one(
    certs: &[CertEntry],
    id: CertId,
    cert: &CertEntry,
    spki: &HashMap<CertId, Vec<u8>>,
    by_ski: &HashMap<&str, Vec<CertId>>,
    by_name: &HashMap<&[u8], Vec<CertId>>,
) -> Link {
    let unknown = Link {
        verdict: ChainVerdict::UnknownIssuer,
        issuer: None,
        claimed: None,
    };
    let Ok((_, parsed)) = shallow(&cert.der) else {
        return unknown;
    };
    let self_keyed = cert.aki.is_none() || cert.aki == cert.ski;
    if cert.is_self_issued() && self_keyed {
        let own = parsed.public_key().raw;
        return match check(&parsed, own) {
            Check::Good => Link {
                verdict: ChainVerdict::SelfSigned,
                issuer: None,
                claimed: None,
            },
            _ => Link {
                verdict: ChainVerdict::BadSignature,
                issuer: None,
                claimed: Some(id),
            },
        };
    }
    let mut candidates: Vec<CertId> = Vec::new();
    if let Some(aki) = &cert.aki {
        candidates.extend(by_ski.get(aki.as_str()).into_iter().flatten());
    }
    for c in by_name
        .get(cert.issuer_raw.as_slice())
        .into_iter()
        .flatten()
    {
        if !candidates.contains(c) {
            candidates.push(*c);
        }
    }
    candidates.retain(|&c| c != id);
    if candidates.is_empty() {
        return unknown;
    }
    candidates.sort_by_key(|&c| preference(cert, &certs[c]));
    let mut unsupported = None;
    for &c in &candidates {
        let Some(key) = spki.get(&c) else { continue };
        match check(&parsed, key) {
            Check::Good => {
                return Link {
                    verdict: ChainVerdict::Verified,
                    issuer: Some(c),
                    claimed: None,
                }
            }
            Check::Unsupported => unsupported = unsupported.or(Some(c)),
            Check::Bad => {}
        }
    }
    match unsupported {
        // Cannot judge the signature: say so rather than call it bad.
        Some(c) => Link {
            verdict: ChainVerdict::UnknownIssuer,
            issuer: None,
            claimed: Some(c),
        },
        None => Link {
            verdict: ChainVerdict::BadSignature,
            issuer: None,
            claimed: candidates.first().copied(),
        },
    }
}

/// Whether `issuer_der` issued `cert_der`: names chain and its key verifies the signature.
/// For CA bundles a component is configured with, which need not be in the inventory.
pub fn signed_by(cert_der: &[u8], issuer_der: &[u8]) -> bool {
    let (Ok(cert), Ok(issuer)) = (certificate(cert_der), certificate(issuer_der)) else {
        return false;
    };
    cert.issuer().as_raw() == issuer.subject().as_raw()
        && matches!(check(&cert, issuer.public_key().raw), Check::Good)
}
