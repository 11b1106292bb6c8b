//! A leaf's DER again (the scan keeps only issuer candidates' DER, see [`super::issuers`]):
//! read back from its file, and only if the file still holds it.

use std::borrow::Cow;

use super::read::{read_file, Parsed, ReadPolicy};
use super::walk::Candidate;
use super::{CertEntry, CertId, Inventory};

impl Inventory {
    /// A certificate's DER: kept in memory, or read again from its file for a leaf whose DER
    /// was let go once verified. `None` when the file no longer holds that certificate (it
    /// was replaced since the scan).
    pub fn der(&self, id: CertId) -> Option<Cow<'_, [u8]>> {
        let c = &self.certs[id];
        match c.der.is_empty() {
            true => der_again(c).map(Cow::Owned),
            false => Some(Cow::Borrowed(&c.der)),
        }
    }
}

/// `c`'s DER read again from its file, if the file still holds it.
pub(super) fn der_again(c: &CertEntry) -> Option<Vec<u8>> {
    let candidate = Candidate {
        path: c.origin.path().to_path_buf(),
        link_target: None,
        explicit: true,
        id: (0, 0),
        regular: false,
    };
    let mut parsed = Parsed::default();
    // Certificates only: no private key is parsed to find one again.
    let certs_only = ReadPolicy {
        private_keys: false,
    };
    read_file(&candidate, certs_only, &mut parsed);
    let again = parsed.certs.into_iter().find(|p| p.sha256 == c.sha256)?;
    Some(again.der)
}
