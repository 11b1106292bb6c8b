//! The same CA certificate in several places: its own file, the second block of every k3s
//! leaf file, a bundle, a kubeconfig's data. One of them is the CA (its own file, the one with
//! its key when there is one); the others are copies of it, never CAs of their own.

use std::collections::HashMap;

use super::{CertEntry, CertId, Inventory, Origin};

/// Which of two identical certificates is the original: the one with its key, then a file's
/// first block, then any file block, then the first path.
fn rank(c: &CertEntry) -> (bool, bool, bool, &std::path::Path, usize) {
    (
        c.key_match != Some(true),
        !matches!(c.origin, Origin::File { index: 0, .. }),
        matches!(c.origin, Origin::Kubeconfig { .. }),
        c.origin.path(),
        c.origin.index(),
    )
}

/// Set [`CertEntry::copy_of`] on every copy of a CA certificate. Runs after key pairing (the
/// key decides the original) and before chain linking (issuers are originals).
pub fn mark_copies(inv: &mut Inventory) {
    let mut groups: HashMap<super::Sha256, Vec<CertId>> = HashMap::new();
    for (id, c) in inv.certs.iter().enumerate() {
        if c.is_ca || c.is_self_issued() {
            groups.entry(c.sha256).or_default().push(id);
        }
    }
    let mut copies: Vec<(CertId, CertId)> = Vec::new();
    for ids in groups.values().filter(|ids| ids.len() > 1) {
        let Some(&original) = ids.iter().min_by_key(|&&id| rank(&inv.certs[id])) else {
            continue;
        };
        copies.extend(
            ids.iter()
                .filter(|&&id| id != original)
                .map(|&id| (id, original)),
        );
    }
    for (copy, original) in copies {
        inv.certs[copy].copy_of = Some(original);
    }
}

impl Inventory {
    /// The certificate itself when it is not a copy, else the original it copies.
    pub fn original(&self, id: CertId) -> CertId {
        self.certs.get(id).and_then(|c| c.copy_of).unwrap_or(id)
    }

    /// The copies of certificate `id` elsewhere (inside leaf files, bundles, kubeconfigs).
    pub fn copies_of(&self, id: CertId) -> impl Iterator<Item = CertId> + '_ {
        (0..self.certs.len()).filter(move |&c| self.certs[c].copy_of == Some(id))
    }

    /// The leaves CA `id` signed whose lifetime it already cuts short: they end with the CA
    /// (Go checks the whole chain's validity), whatever their own NotAfter says.
    pub fn capped_by(&self, id: CertId) -> impl Iterator<Item = CertId> + '_ {
        let id = self.original(id);
        let end = self.certs[id].not_after;
        (0..self.certs.len()).filter(move |&i| {
            let c = &self.certs[i];
            !c.is_ca && c.issuer_id == Some(id) && !c.superseded && c.not_after >= end
        })
    }
}

/// The NotAfter of `der` when it is a copy of the CA `ca_der`, current or not: the same
/// subject bytes and public key (a CA re-signed with its own key keeps both).
pub fn copy_of_ca(der: &[u8], ca_der: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
    let (c, ca) = (
        super::decode::certificate(der).ok()?,
        super::decode::certificate(ca_der).ok()?,
    );
    (c.subject().as_raw() == ca.subject().as_raw() && c.public_key().raw == ca.public_key().raw)
        .then(|| super::decode::validity(&c).1)
}
