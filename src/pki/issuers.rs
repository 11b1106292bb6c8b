//! Issuers seen while files are still being read, so that a leaf whose CA was read before it
//! is verified at once. Every leaf's DER is let go as it is read (at 100,000 certificates it
//! was a third of the scan's memory); a leaf read before its CA is read again for its check
//! once every file is read ([`super::chain::link_all`]), so the verdicts do not depend on
//! the order files come in, and neither does the memory. Only issuer candidates keep their
//! DER; [`super::Inventory::der`] reads a leaf's again.

use std::collections::HashMap;
use std::sync::RwLock;

use aws_lc_rs::signature::{self as lc, ParsedPublicKey, VerificationAlgorithm};
use x509_parser::oid_registry::{self as oids, Oid};
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::chain::{check, is_issuer_candidate, public_key, Check, Signed};
use super::{CertEntry, Sha256};

/// The public keys of the issuer candidates read so far, by subject and key identifier.
#[derive(Default)]
pub(super) struct Issuers(RwLock<Index>);

#[derive(Default)]
struct Index {
    /// Each key's `SubjectPublicKeyInfo` DER, its SHA-256, and the key parsed once for the
    /// signature algorithms CAs sign with.
    keys: Vec<(Box<[u8]>, Sha256, Prepared)>,
    by_name: HashMap<Box<[u8]>, Vec<usize>>,
    by_ski: HashMap<Box<[u8]>, Vec<usize>>,
}

impl Issuers {
    /// Take in one file's certificates: its CAs first (a k3s leaf file ends with its CA),
    /// then verify its leaves against every CA known so far.
    pub fn note_file(&self, certs: &mut [CertEntry]) {
        if certs.iter().any(is_issuer_candidate) {
            let mut index = self.0.write().unwrap_or_else(|e| e.into_inner());
            for c in certs.iter().filter(|c| is_issuer_candidate(c)) {
                index.add(c);
            }
        }
        let index = self.0.read().unwrap_or_else(|e| e.into_inner());
        for c in certs.iter_mut().filter(|c| !is_issuer_candidate(c)) {
            c.signer_spki = index.verifier_of(c);
            c.der = Vec::new();
        }
    }
}

impl Index {
    fn add(&mut self, c: &CertEntry) {
        let Some(spki) = public_key(&c.der) else {
            return;
        };
        let known = self.by_name.get(&*c.subject_raw).into_iter().flatten();
        if known.clone().any(|&k| self.keys[k].1 == c.spki_sha256) {
            return;
        }
        let k = self.keys.len();
        self.keys
            .push((spki.raw.into(), c.spki_sha256, Prepared::of(&spki)));
        self.by_name
            .entry(c.subject_raw.clone())
            .or_default()
            .push(k);
        if let Some(ski) = &c.ski {
            self.by_ski.entry(ski.clone()).or_default().push(k);
        }
    }

    /// The SHA-256 of the key that verifies `c`'s signature, among the CAs named by its
    /// authority key identifier or its issuer's name.
    fn verifier_of(&self, c: &CertEntry) -> Option<Sha256> {
        let signed = Signed::from_der(&c.der)?;
        let by_ski = c.aki.as_ref().and_then(|a| self.by_ski.get(&**a));
        let by_name = self.by_name.get(&*c.issuer_raw);
        by_ski
            .into_iter()
            .flatten()
            .chain(by_name.into_iter().flatten())
            .find_map(|&k| {
                let (raw, sha, prepared) = &self.keys[k];
                let good = match prepared.verify(&signed) {
                    Some(good) => good,
                    None => {
                        let (_, spki) = SubjectPublicKeyInfo::from_der(raw).ok()?;
                        matches!(check(&signed, &spki), Check::Good)
                    }
                };
                good.then_some(*sha)
            })
    }
}

/// A CA key parsed once for each signature algorithm CAs usually sign with: parsing the key
/// again for every signature was a quarter of each RSA check. The same checks as
/// [`check`]'s for these algorithms (RSA keys of 2048 to 8192 bits, DER-encoded ECDSA
/// signatures); any other algorithm goes to [`check`]. Only a good signature counts here:
/// a leaf that no key verified is checked again, in full, once every file is read.
#[derive(Default)]
struct Prepared(Vec<(Oid<'static>, ParsedPublicKey)>);

impl Prepared {
    fn of(spki: &SubjectPublicKeyInfo<'_>) -> Prepared {
        let curve = || {
            spki.algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
        };
        let algorithms: &[(Oid<'static>, &'static dyn VerificationAlgorithm)] =
            if spki.algorithm.algorithm == oids::OID_PKCS1_RSAENCRYPTION {
                &[
                    (
                        oids::OID_PKCS1_SHA256WITHRSA,
                        &lc::RSA_PKCS1_2048_8192_SHA256,
                    ),
                    (
                        oids::OID_PKCS1_SHA384WITHRSA,
                        &lc::RSA_PKCS1_2048_8192_SHA384,
                    ),
                    (
                        oids::OID_PKCS1_SHA512WITHRSA,
                        &lc::RSA_PKCS1_2048_8192_SHA512,
                    ),
                ]
            } else if spki.algorithm.algorithm != oids::OID_KEY_TYPE_EC_PUBLIC_KEY {
                &[]
            } else if curve() == Some(oids::OID_EC_P256) {
                &[(oids::OID_SIG_ECDSA_WITH_SHA256, &lc::ECDSA_P256_SHA256_ASN1)]
            } else if curve() == Some(oids::OID_NIST_EC_P384) {
                &[(oids::OID_SIG_ECDSA_WITH_SHA384, &lc::ECDSA_P384_SHA384_ASN1)]
            } else {
                &[]
            };
        let key = spki.subject_public_key.data.as_ref();
        Prepared(
            algorithms
                .iter()
                .filter_map(|(oid, alg)| Some((oid.clone(), ParsedPublicKey::new(*alg, key).ok()?)))
                .collect(),
        )
    }

    /// Whether the signature is good; `None` for an algorithm not prepared here.
    fn verify(&self, signed: &Signed<'_>) -> Option<bool> {
        let (_, key) = self
            .0
            .iter()
            .find(|(oid, _)| *oid == signed.algorithm.algorithm)?;
        Some(key.verify_sig(signed.tbs, &signed.signature.data).is_ok())
    }
}
