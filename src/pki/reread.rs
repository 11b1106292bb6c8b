//! A certificate's DER again, for a leaf whose DER the scan let go once it was verified
//! ([`super::issuers`]): read back from its file, and only if the file still holds it.

use std::borrow::Cow;

use super::read::{read_file, Parsed, ReadPolicy};
use super::walk::Candidate;
use super::{CertId, Inventory};

impl Inventory {
    /// A certificate's DER: kept in memory, or read again from its file for a leaf whose DER
    /// was let go once verified. `None` when the file no longer holds that certificate (it
    /// was replaced since the scan).
    pub fn der(&self, id: CertId) -> Option<Cow<'_, [u8]>> {
        let c = &self.certs[id];
        if !c.der.is_empty() {
            return Some(Cow::Borrowed(&c.der));
        }
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
        Some(Cow::Owned(again.der))
    }
}
