//! Trust chains: find each certificate's issuer among the scanned CAs and verify the signature.
//!
//! Candidates come by authority key identifier first, then by the issuer's raw name; a
//! candidate counts only when its key really verifies the signature, so a replaced CA with the
//! same name is caught. A certificate whose issuer is its own subject is self-signed only when
//! its own key verifies it; otherwise its issuer is looked for by name like any other's, as Go's
//! crypto/x509 does.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use x509_parser::asn1_rs::{Any, BitString};
use x509_parser::prelude::{FromDer, X509Certificate, X509Error};
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

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

pub(super) enum Check {
    Good,
    Bad,
    /// The signature algorithm is one the verifier does not implement.
    Unsupported,
}

/// What a signature check reads of a certificate: its signed bytes, algorithm and signature.
/// Taken from the outer `SEQUENCE` alone, so checking 10,000 certificates does not parse
/// them again (the scan parsed each one fully already).
pub(super) struct Signed<'a> {
    pub tbs: &'a [u8],
    pub algorithm: AlgorithmIdentifier<'a>,
    pub signature: BitString<'a>,
}

impl<'a> Signed<'a> {
    /// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`
    pub(super) fn from_der(der: &'a [u8]) -> Option<Self> {
        let (_, outer) = Any::from_der(der).ok()?;
        let (rest, _) = Any::from_der(outer.data).ok()?;
        let tbs = &outer.data[..outer.data.len() - rest.len()];
        let (rest, algorithm) = AlgorithmIdentifier::from_der(rest).ok()?;
        let (_, signature) = BitString::from_der(rest).ok()?;
        Some(Signed {
            tbs,
            algorithm,
            signature,
        })
    }

    fn of(cert: &'a X509Certificate<'a>) -> Self {
        Signed {
            tbs: cert.tbs_certificate.as_ref(),
            algorithm: cert.signature_algorithm.clone(),
            signature: cert.signature_value.clone(),
        }
    }
}

/// The same check as x509-parser's `X509Certificate::verify_signature`, then RSASSA-PSS with
/// any salt length, which aws-lc-rs (like ring) does not verify.
pub(super) fn check(cert: &Signed<'_>, issuer: &SubjectPublicKeyInfo<'_>) -> Check {
    let verified =
        x509_parser::verify::verify_signature(issuer, &cert.algorithm, &cert.signature, cert.tbs);
    match verified {
        Ok(()) => Check::Good,
        Err(X509Error::SignatureUnsupportedAlgorithm) => Check::Unsupported,
        Err(_) => match super::pss::verify(cert, issuer.raw) {
            Some(true) => Check::Good,
            _ => Check::Bad,
        },
    }
}

/// Prefer a CA's own file over its copies in other files (k3s leaf files end with their CA;
/// a copy never has the CA's key, so renewal needs the original), files over kubeconfig
/// data, then issuers that sit beside the certificate.
fn preference(cert: &CertEntry, candidate: &CertEntry) -> (bool, bool, bool, bool) {
    let dir = |o: &Origin| o.path().parent().map(Path::to_path_buf);
    (
        candidate.superseded,
        candidate.copy_of.is_some(),
        matches!(candidate.origin, Origin::Kubeconfig { .. }),
        dir(&candidate.origin) != dir(&cert.origin),
    )
}

/// The public key of a possible issuer, read from its DER.
pub(super) fn public_key(der: &[u8]) -> Option<SubjectPublicKeyInfo<'_>> {
    use x509_parser::nom::Parser;
    let (_, cert) = x509_parser::certificate::X509CertificateParser::new()
        .with_deep_parse_extensions(false)
        .parse(der)
        .ok()?;
    Some(cert.tbs_certificate.subject_pki)
}

/// Issuer candidates: CAs and self-issued certificates (v1 roots have no CA flag).
pub(super) fn is_issuer_candidate(c: &CertEntry) -> bool {
    c.is_ca || c.is_self_issued()
}

/// Verify every certificate; returns one link per certificate, in order.
pub fn link_all(certs: &[CertEntry]) -> Vec<Link> {
    let mut keys: HashMap<CertId, SubjectPublicKeyInfo<'_>> = HashMap::new();
    let mut by_ski: HashMap<&[u8], Vec<CertId>> = HashMap::new();
    let mut by_name: HashMap<&[u8], Vec<CertId>> = HashMap::new();
    for (id, c) in certs.iter().enumerate() {
        if !is_issuer_candidate(c) {
            continue;
        }
        let Some(key) = public_key(&c.der) else {
            continue;
        };
        keys.insert(id, key);
        if let Some(ski) = &c.ski {
            by_ski.entry(&**ski).or_default().push(id);
        }
        by_name.entry(&*c.subject_raw).or_default().push(id);
    }
    certs
        .par_iter()
        .enumerate()
        .map(|(id, cert)| link_one(certs, id, cert, &keys, &by_ski, &by_name))
        .collect()
}

fn link_one(
    certs: &[CertEntry],
    id: CertId,
    cert: &CertEntry,
    keys: &HashMap<CertId, SubjectPublicKeyInfo<'_>>,
    by_ski: &HashMap<&[u8], Vec<CertId>>,
    by_name: &HashMap<&[u8], Vec<CertId>>,
) -> Link {
    let unknown = Link {
        verdict: ChainVerdict::UnknownIssuer,
        issuer: None,
        claimed: None,
    };
    // Its own key did not sign it (see below): like Go (and unlike openssl), look for issuers
    // by name. A cfssl 1.2 leaf may share its CA's whole name and carry no authority key
    // identifier.
    let mut candidates: Vec<CertId> = Vec::new();
    if let Some(aki) = &cert.aki {
        candidates.extend(by_ski.get(&**aki).into_iter().flatten());
    }
    for c in by_name.get(&*cert.issuer_raw).into_iter().flatten() {
        if !candidates.contains(c) {
            candidates.push(*c);
        }
    }
    candidates.retain(|&c| c != id);
    // The key that verified it during the read, if a certificate here still has it (a CA file
    // read twice and rewritten in between would leave a key no certificate has).
    let signer = cert.signer_spki.filter(|spki| {
        candidates
            .iter()
            .chain([&id])
            .any(|&c| certs[c].spki_sha256 == *spki)
    });
    // A leaf read before its CA let its DER go too: read again, only when there is a CA to
    // check it with.
    let read_again;
    let der: &[u8] = match cert.der.is_empty() && signer.is_none() {
        true if candidates.is_empty() => return unknown,
        true => match super::reread::der_again(cert) {
            Some(der) => {
                read_again = der;
                &read_again
            }
            None => return unknown,
        },
        false => &cert.der,
    };
    // A leaf verified during the read is signed by the candidate with that key, and only by it.
    let signed = match signer {
        Some(_) => None,
        None => match Signed::from_der(der) {
            Some(s) => Some(s),
            None => return unknown,
        },
    };
    let verify = |c: CertId, key: &SubjectPublicKeyInfo<'_>| match (&signed, signer) {
        (Some(s), _) => check(s, key),
        (None, Some(spki)) if certs[c].spki_sha256 == spki => Check::Good,
        (None, _) => Check::Bad,
    };
    let self_keyed = cert.aki.is_none() || cert.aki == cert.ski;
    let looks_self_signed = cert.is_self_issued() && self_keyed;
    // A self-issued certificate is an issuer candidate, so its own key is in `keys`.
    let own_key = keys.get(&id);
    if looks_self_signed && own_key.is_some_and(|k| matches!(verify(id, k), Check::Good)) {
        return Link {
            verdict: ChainVerdict::SelfSigned,
            issuer: None,
            claimed: None,
        };
    }
    if candidates.is_empty() {
        return if looks_self_signed {
            Link {
                verdict: ChainVerdict::BadSignature,
                issuer: None,
                claimed: Some(id),
            }
        } else {
            unknown
        };
    }
    candidates.sort_by_key(|&c| preference(cert, &certs[c]));
    let mut unsupported = None;
    for &c in &candidates {
        let Some(key) = keys.get(&c) else { continue };
        match verify(c, key) {
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
        && matches!(check(&Signed::of(&cert), issuer.public_key()), Check::Good)
}

#[cfg(test)]
mod tests {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    use crate::pki::{scan, ChainVerdict, ScanOptions, Thresholds};

    /// The name cfssl 1.2 guides give the aggregator CA and its leaf alike.
    fn params(ca: bool) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name.push(DnType::OrganizationName, "k8s");
        p.distinguished_name.push(DnType::CommonName, "aggregator");
        if ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        p
    }

    /// Write `files` into `dir` and scan it; a handful of files is one batch, read in order.
    fn scan_written(dir: &std::path::Path, files: &[(&str, String)]) -> crate::pki::Inventory {
        for (name, pem) in files {
            std::fs::write(dir.join(name), pem).expect("write");
        }
        let opts = ScanOptions::new(
            vec![dir.to_path_buf()],
            chrono::Utc::now(),
            Thresholds::default(),
        );
        scan(&opts).expect("scan")
    }

    fn verdicts(files: &[(&str, String)]) -> Vec<(String, ChainVerdict, Option<String>)> {
        let dir = tempfile::tempdir().expect("temp dir");
        let inv = scan_written(dir.path(), files);
        let name = |c: &crate::pki::CertEntry| c.display_name();
        let mut out: Vec<_> = inv
            .certs
            .iter()
            .map(|c| (name(c), c.chain, c.issuer_id.map(|i| name(&inv.certs[i]))))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// A leaf read after its CA is verified during the read; one read before it is read again
    /// and verified afterwards. Both land under the CA that signed them, never under a
    /// same-named CA met first; neither keeps its DER, which reads back byte for byte.
    #[test]
    fn leaves_before_and_after_their_ca_link_alike_and_let_go_der_reads_back() {
        let mut cn = CertificateParams::new(Vec::<String>::new()).expect("params");
        cn.distinguished_name
            .push(DnType::CommonName, "same-name-ca");
        cn.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let (impostor_key, ca_key) = (KeyPair::generate().unwrap(), KeyPair::generate().unwrap());
        let impostor = cn.clone().self_signed(&impostor_key).unwrap();
        let ca = cn.clone().self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(cn, &ca_key);
        let leaf = |name: &str| {
            let mut p = CertificateParams::new(vec![format!("{name}.local")]).unwrap();
            p.distinguished_name.push(DnType::CommonName, name);
            p.signed_by(&KeyPair::generate().unwrap(), &issuer).unwrap()
        };
        let (early, late) = (leaf("early"), leaf("late"));
        let dir = tempfile::tempdir().expect("temp dir");
        let inv = scan_written(
            dir.path(),
            &[
                ("a-early.pem", early.pem()),
                ("b-impostor.pem", impostor.pem()),
                ("c-ca.pem", ca.pem()),
                ("d-late.pem", late.pem()),
            ],
        );
        let id = |file: &str| {
            inv.certs
                .iter()
                .position(|c| c.origin.path().ends_with(file))
                .unwrap()
        };
        for (file, der) in [("a-early.pem", early.der()), ("d-late.pem", late.der())] {
            let c = &inv.certs[id(file)];
            assert_eq!(c.chain, ChainVerdict::Verified, "{file}");
            assert_eq!(c.issuer_id, Some(id("c-ca.pem")), "{file}");
            assert!(c.der.is_empty(), "{file}");
            assert_eq!(inv.der(id(file)).as_deref(), Some(&der[..]), "{file}");
        }
        // Replaced since the scan: not read back as the certificate it was.
        std::fs::write(dir.path().join("d-late.pem"), early.pem()).unwrap();
        assert_eq!(inv.der(id("d-late.pem")), None);
    }

    /// A key that verified a leaf during the read but that no scanned certificate has (its
    /// CA file was read twice and rewritten in between) proves nothing: the leaf is checked
    /// in full against the CA that is there, not called badly signed.
    #[test]
    fn a_signer_key_no_certificate_has_is_checked_again_in_full() {
        let mut cn = CertificateParams::new(Vec::<String>::new()).expect("params");
        cn.distinguished_name.push(DnType::CommonName, "the-ca");
        cn.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().unwrap();
        let ca = cn.clone().self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(cn, &ca_key);
        let mut p = CertificateParams::new(vec!["leaf.local".into()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, "leaf");
        let leaf = p.signed_by(&KeyPair::generate().unwrap(), &issuer).unwrap();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut inv = scan_written(
            dir.path(),
            &[("a-ca.pem", ca.pem()), ("b-leaf.pem", leaf.pem())],
        );
        let id = inv.certs.iter().position(|c| !c.is_ca).unwrap();
        assert!(
            inv.certs[id].signer_spki.is_some(),
            "verified during the read"
        );
        inv.certs[id].signer_spki = Some(crate::pki::Sha256::of(b"a key no file holds"));
        let link = &super::link_all(&inv.certs)[id];
        assert_eq!(link.verdict, ChainVerdict::Verified);
        assert_eq!(link.issuer, inv.certs.iter().position(|c| c.is_ca));
    }

    #[test]
    fn a_leaf_named_like_its_ca_is_linked_by_name_when_its_own_key_did_not_sign_it() {
        let (ca_key, leaf_key) = (KeyPair::generate().unwrap(), KeyPair::generate().unwrap());
        let ca = params(true).self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(params(true), &ca_key);
        let leaf = params(false).signed_by(&leaf_key, &issuer).unwrap();
        assert_eq!(
            verdicts(&[("ca.pem", ca.pem()), ("leaf.pem", leaf.pem())]),
            [
                ("ca.pem".into(), ChainVerdict::SelfSigned, None),
                (
                    "leaf.pem".into(),
                    ChainVerdict::Verified,
                    Some("ca.pem".into())
                ),
            ]
        );
        // Without that CA nothing vouches for it: its own key still does not.
        assert_eq!(
            verdicts(&[("leaf.pem", leaf.pem())]),
            [("leaf.pem".into(), ChainVerdict::BadSignature, None)]
        );
    }
}
