//! Renewing a CA with its own key: same subject, public key and key identifiers, a new
//! serial and validity ([`crate::sign::resign_ca`]). Every leaf it signed keeps verifying, so
//! nothing else is re-issued; what changes is every file holding a copy of the CA
//! certificate, which the same change rewrites ([`copy_writes`]).

use std::path::PathBuf;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::item::ca_key;
use super::plan::{Contents, Item, Write};
use super::refused::Refused;
use super::writes::fingerprint;
use super::RenewOptions;
use crate::fsx::txn::Fingerprint;
use crate::pki::{self, CertEntry, CertId, ChainVerdict, EntryKind, Inventory, Origin};
use crate::sign::{self, kubeconfig, resign_ca};

/// What proves a CA renewal after writing (kept in the journal for a recovery): the new
/// certificate is in its file, every leaf that verified under the old one still verifies,
/// and no file under the roots still holds the old certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaCheck {
    pub label: String,
    pub ca_path: PathBuf,
    pub old_sha256: String,
    pub new_sha256: String,
    /// `(label, SHA-256 of the DER)` of every leaf that verified under the old certificate.
    pub leaves: Vec<(String, String)>,
    pub roots: Vec<PathBuf>,
}

/// The same CA as `ca`: same subject bytes and public key (an older or newer copy counts).
pub fn same_ca(ca: &CertEntry, other: &CertEntry) -> bool {
    (other.is_ca || other.is_self_issued())
        && other.subject_raw == ca.subject_raw
        && other.spki_sha256 == ca.spki_sha256
}

/// Every file under the scan's roots holding a copy of `ca` other than `new_der` (the CA
/// file first, bundles, kubeconfigs' `certificate-authority-data`); `true` for a kubeconfig.
pub fn copy_files(inv: &Inventory, ca: &CertEntry, new_der: &[u8]) -> Vec<(PathBuf, bool)> {
    let mut files: Vec<(PathBuf, bool)> = inv
        .certs
        .iter()
        .filter(|c| same_ca(ca, c) && c.der != new_der)
        .filter_map(|c| match &c.origin {
            Origin::File { path, .. } => Some((path.clone(), false)),
            Origin::Kubeconfig {
                path,
                entry: EntryKind::Cluster,
                ..
            } => Some((path.clone(), true)),
            Origin::Kubeconfig { .. } => None,
        })
        .collect();
    // Kubeconfigs whose CA data is identical to a copy are not entries of their own.
    let referencing: Vec<PathBuf> = inv
        .certs
        .iter()
        .filter(|c| same_ca(ca, c))
        .flat_map(|c| c.referenced_by.iter().map(|k| pki::absolute(k)))
        .collect();
    files.extend(referencing.into_iter().map(|k| (k, true)));
    // The CA's own file first, then the rest in path order.
    files.sort_by_key(|(p, _)| (p.as_path() != ca.origin.path(), p.clone()));
    files.dedup();
    files
}

/// Every file of [`copy_files`] rewritten with `new_der` in that copy's place only; each
/// write says what changes in it.
pub fn copy_writes(inv: &Inventory, ca: &CertEntry, new_der: &[u8]) -> Result<Vec<Write>, Refused> {
    let is_old = |der: &[u8]| der != new_der && pki::copy_of_ca(der, &ca.der).is_some();
    let mut writes = Vec::new();
    for (path, is_kubeconfig) in copy_files(inv, ca, new_der) {
        let bytes = std::fs::read(&path).map_err(|e| Refused::read(&path, e))?;
        let (new, what) = if is_kubeconfig {
            let new = kubeconfig::replace_ca_data(&bytes, &is_old, new_der)?;
            (new, "certificate-authority-data: the CA block replaced")
        } else {
            let n = pki::decode::pem_certificates(&bytes).len();
            let what = match n {
                1 => "the CA certificate replaced",
                _ => "the CA's block replaced; the other certificates kept in order",
            };
            (sign::bundle::replace_blocks(&bytes, &is_old, new_der), what)
        };
        let new = match (new, is_kubeconfig) {
            (Some(new), _) => new,
            // It names the CA file (`certificate-authority:`), which is rewritten itself.
            (None, true) => continue,
            (None, false) => return Err(Refused::NotPem(path)),
        };
        if new == bytes {
            continue;
        }
        writes.push(Write {
            path,
            contents: Contents::File(new),
            mode: 0o644,
            before: Fingerprint::Absent,
            what: what.to_string(),
        });
    }
    fingerprint(writes)
}

/// Re-sign CA `id` with its own key and spell out the writes of every copy.
pub(super) fn plan_ca(inv: &Inventory, id: CertId, opts: &RenewOptions) -> Result<Item, Refused> {
    let id = inv.original(id);
    let ca = &inv.certs[id];
    let label = inv.label(ca);
    if ca.chain != ChainVerdict::SelfSigned {
        return Err(Refused::CaNotRoot {
            issuer: ca.issuer.to_string(),
        });
    }
    let key = ca_key(inv, ca, &label).map_err(|e| match e {
        Refused::CaKeyMissing { ca, expected } => Refused::CaKeyNotHere { ca, expected },
        other => other,
    })?;
    let not_before = opts.now - Duration::minutes(5);
    let not_after = opts.now + Duration::days(opts.ca_validity_days);
    let new_der = resign_ca(&ca.der, &key, not_before, not_after)?;
    let mut item = replace_item(inv, id, new_der)?;
    item.notes[0] = format!("re-signed with its own key: {}", item.notes[0]);
    if ca.not_after <= opts.now {
        item.notes.push(format!(
            "it expired on {}: the new certificate revives every certificate under it",
            pki::format::datetime(ca.not_after)
        ));
    }
    item.notes.push(format!(
        "copies of it elsewhere (other nodes: `kcert ca import {}`; the cluster: `kcert ca plan`) \
         stop working on {}",
        ca.origin.path().display(),
        pki::format::datetime(ca.not_after)
    ));
    item.key = "its own key kept".into();
    Ok(item)
}

/// CA `id` replaced by `new_der` (the same subject and key) in every file holding a copy.
pub(super) fn replace_item(inv: &Inventory, id: CertId, new_der: Vec<u8>) -> Result<Item, Refused> {
    let ca = &inv.certs[id];
    let label = inv.label(ca);
    let parsed = pki::decode::certificate(&new_der).map_err(sign::SignError::from)?;
    let (not_before, not_after) = pki::decode::validity(&parsed);
    let new_sha256 = pki::sha256_hex(&new_der);
    let writes = copy_writes(inv, ca, &new_der)?;
    let leaves: Vec<&CertEntry> = inv
        .certs
        .iter()
        .filter(|c| {
            !c.is_ca
                && c.chain == ChainVerdict::Verified
                && c.issuer_id == Some(id)
                && !c.superseded
        })
        .collect();
    let notes = vec![format!(
        "subject, public key and key identifiers kept, so the {} certificate(s) it signed keep \
         verifying",
        leaves.len()
    )];
    Ok(Item {
        cert_id: id,
        label: label.clone(),
        cert_path: ca.origin.path().to_path_buf(),
        was_under: None,
        ca_label: label.clone(),
        ca_path: ca.origin.path().to_path_buf(),
        old_serial: ca.serial.clone(),
        old_sha256: ca.sha256.to_string(),
        old_not_before: ca.not_before,
        old_not_after: ca.not_after,
        new_serial: super::item::serial_of(&new_der),
        new_sha256: new_sha256.clone(),
        new_der,
        new_not_before: not_before,
        new_not_after: not_after,
        capped_at_ca: false,
        key: "the same key".into(),
        writes,
        notes,
        ca_check: Some(CaCheck {
            label,
            ca_path: ca.origin.path().to_path_buf(),
            old_sha256: ca.sha256.to_string(),
            new_sha256,
            leaves: leaves
                .iter()
                .map(|c| (inv.label(c), c.sha256.to_string()))
                .collect(),
            roots: inv.roots.clone(),
        }),
    })
}
