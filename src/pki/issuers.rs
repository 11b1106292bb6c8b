//! Issuers seen while files are still being read, so that a leaf whose CA was read before it
//! is verified at once. Every leaf's DER is let go as it is read (at 100,000 certificates it
//! was a third of the scan's memory); a leaf read before its CA is read again for its check
//! once every file is read ([`super::chain::link_all`]), so the verdicts do not depend on
//! the order files come in, and neither does the memory. Only issuer candidates keep their
//! DER; [`super::Inventory::der`] reads a leaf's again.

use std::collections::HashMap;
use std::sync::RwLock;

use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::chain::{check, is_issuer_candidate, public_key, Check, Signed};
use super::{CertEntry, Sha256};

/// The public keys of the issuer candidates read so far, by subject and key identifier.
#[derive(Default)]
pub(super) struct Issuers(RwLock<Index>);

#[derive(Default)]
struct Index {
    /// Each key's `SubjectPublicKeyInfo` DER and its SHA-256.
    keys: Vec<(Box<[u8]>, Sha256)>,
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
        self.keys.push((spki.raw.into(), c.spki_sha256));
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
                let (raw, sha) = &self.keys[k];
                let (_, spki) = SubjectPublicKeyInfo::from_der(raw).ok()?;
                matches!(check(&signed, &spki), Check::Good).then_some(*sha)
            })
    }
}
