//! One certificate's renewal, signed in memory: the checks that refuse it, the CA key, the
//! new key in the old one's format, and the new certificate.

use std::path::Path;

use chrono::Duration;

use super::plan::Item;
use super::refused::Refused;
use super::writes::{fingerprint, writes_for};
use super::RenewOptions;
use crate::pki::{
    self, CertEntry, CertId, ChainVerdict, Inventory, KeyAlgorithm, KeyEntry, KeyFormat, Origin,
    Status,
};
use crate::sign::{cert_to_pem, issue, CertTemplate, Issuer, KeySpec, PrivateKey};

/// Keep the old key's format when the new key can be written in it.
fn format_for(old: KeyFormat, spec: KeySpec) -> KeyFormat {
    match (old, spec) {
        (KeyFormat::Pkcs8, _) => KeyFormat::Pkcs8,
        (KeyFormat::Pkcs1, KeySpec::Rsa(_)) => KeyFormat::Pkcs1,
        (KeyFormat::Sec1, KeySpec::EcdsaP256 | KeySpec::EcdsaP384) => KeyFormat::Sec1,
        _ => spec.native_format(),
    }
}

/// The PEM text holding a key entry (a key file, or a kubeconfig's `client-key-data`).
fn key_pem(key: &KeyEntry) -> Result<String, Refused> {
    let path = key.origin.path();
    let bytes = std::fs::read(path).map_err(|e| Refused::read(path, e))?;
    match &key.origin {
        Origin::File { .. } => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Origin::Kubeconfig { name, .. } => {
            let dir = path.parent().unwrap_or(Path::new("/"));
            let config = pki::kubeconfig::parse(&bytes, dir)
                .map_err(|e| Refused::Kubeconfig(e.to_string()))?;
            config
                .fields
                .into_iter()
                .find_map(|f| match f.value {
                    pki::kubeconfig::FieldValue::Data(d)
                        if f.name == *name && f.field == "client-key-data" =>
                    {
                        Some(String::from_utf8_lossy(&d).into_owned())
                    }
                    _ => None,
                })
                .ok_or_else(|| Refused::NoKeyData {
                    path: path.to_path_buf(),
                    user: name.clone(),
                })
        }
    }
}

pub(super) fn ca_key(
    inv: &Inventory,
    ca: &CertEntry,
    ca_label: &str,
) -> Result<PrivateKey, Refused> {
    let Some(kid) = ca.key_id else {
        return Err(Refused::CaKeyMissing {
            ca: ca_label.to_string(),
            expected: ca.origin.path().with_extension("key"),
        });
    };
    let key = &inv.keys[kid];
    if key.is_encrypted() {
        return Err(Refused::CaKeyEncrypted {
            ca: ca_label.to_string(),
            key: key.origin.describe(),
        });
    }
    if ca.key_match != Some(true) {
        return Err(Refused::CaKeyMismatch {
            ca: ca_label.to_string(),
            key: key.origin.describe(),
        });
    }
    PrivateKey::from_pem(&key_pem(key)?).map_err(|e| Refused::CaKeyUnusable {
        ca: ca_label.to_string(),
        source: e.into(),
    })
}

/// The CA that will sign certificate `id`'s replacement, or why there is none usable. For the
/// certificates kubeadm names that is kubeadm's CA for the role, whatever signed the old one:
/// renewing under a wrong CA would keep the problem. The second value names what it was under
/// when that changes.
fn signing_ca(inv: &Inventory, id: CertId) -> Result<(CertId, Option<String>), Refused> {
    let cert = &inv.certs[id];
    if cert.superseded {
        return Err(Refused::Superseded);
    }
    let current = match (cert.chain, cert.issuer_id) {
        (ChainVerdict::Verified, Some(i)) => Some(i),
        _ => None,
    };
    let was = || match current {
        Some(i) => inv.label(&inv.certs[i]),
        None => format!("\"{}\" (no CA on this node verifies it)", cert.issuer),
    };
    let expected = inv.expected_ca(id);
    match (expected.as_ref().map(|e| (e.ca, e.ca_role)), current) {
        (Some((Some(ca), _)), current) if Some(ca) != current => Ok((ca, Some(was()))),
        // Its CA is not here: renewing under another CA of a known role would keep it wrong.
        (Some((None, role)), Some(i)) if inv.ca_role(i).is_some_and(|r| r != role) => {
            Err(Refused::RightCaMissing {
                was: was(),
                who: expected
                    .as_ref()
                    .map(|e| e.distribution.to_string())
                    .unwrap_or_default(),
                must: expected.map(|e| e.ca_name).unwrap_or_default(),
            })
        }
        (_, Some(i)) => Ok((i, None)),
        _ if cert.chain == ChainVerdict::BadSignature => Err(Refused::BadSignature),
        _ => Err(Refused::CaNotHere {
            issuer: cert.issuer.to_string(),
        }),
    }
}

/// Sign the replacement of certificate `id` and spell out its writes.
pub(super) fn plan_one(inv: &Inventory, id: CertId, opts: &RenewOptions) -> Result<Item, Refused> {
    let cert = &inv.certs[id];
    let now = opts.now;
    let (ca_id, was_under) = signing_ca(inv, id)?;
    let ca = &inv.certs[ca_id];
    let ca_label = inv.label(ca);
    // Moving it to kubeadm's CA needs that CA usable: say which CA it must be under and why not.
    let moving = |reason: Refused| match &was_under {
        Some(was) => Refused::RightCaUnusable {
            was: was.clone(),
            who: inv
                .expected_ca(id)
                .map(|e| e.distribution.to_string())
                .unwrap_or_default(),
            must: ca_label.clone(),
            reason: Box::new(reason),
        },
        None => reason,
    };
    if ca.status == Status::Expired || ca.not_after <= now {
        return Err(moving(Refused::CaExpired {
            ca: ca_label.clone(),
            on: ca.not_after,
        }));
    }
    let ca_key = ca_key(inv, ca, &ca_label).map_err(moving)?;

    let Some(kid) = cert.key_id else {
        return Err(Refused::NoKey);
    };
    let old_key = &inv.keys[kid];
    let spec = opts
        .key_algorithm
        .or_else(|| KeySpec::of(cert.key_algorithm))
        .ok_or(Refused::Algorithm(cert.key_algorithm))?;
    let (new_key, key_note) = if opts.reuse_key {
        if old_key.is_encrypted() {
            return Err(Refused::KeyEncrypted(old_key.origin.describe()));
        }
        let k =
            PrivateKey::from_pem(&key_pem(old_key)?).map_err(|e| Refused::KeyUnusable(e.into()))?;
        (k, "existing key kept".to_string())
    } else {
        let k = PrivateKey::generate(spec)?;
        let fmt = format_for(old_key.format, spec);
        let note = format!("new {} key ({})", KeyAlgorithm::from(spec), fmt.name());
        (k, note)
    };
    let key_format = format_for(old_key.format, new_key.spec());

    let not_before = now - Duration::minutes(5);
    let mut not_after = now + Duration::days(opts.validity_days);
    let mut notes = Vec::new();
    let capped_at_ca = not_after > ca.not_after;
    if capped_at_ca {
        not_after = ca.not_after;
        notes.push(format!(
            "validity capped at the expiry of CA {ca_label} ({})",
            pki::format::datetime(ca.not_after)
        ));
    }
    let der = inv
        .der(id)
        .ok_or_else(|| Refused::Changed(cert.origin.path().to_path_buf()))?;
    let template = CertTemplate::renewal_of(&der, not_before, not_after)?;
    let issuer = Issuer::Ca {
        cert_der: &ca.der,
        key: &ca_key,
    };
    let new_der = issue(&template, &new_key, issuer)?;
    let cert_pem = cert_to_pem(&new_der);
    let new_key_pem = new_key.to_pem(key_format)?;

    let writes = fingerprint(writes_for(
        cert,
        old_key,
        &cert_pem,
        &new_key_pem,
        opts,
        ca,
        &mut notes,
    )?)?;
    Ok(Item {
        cert_id: id,
        label: inv.label(cert),
        cert_path: cert.origin.path().to_path_buf(),
        was_under,
        ca_label,
        ca_path: ca.origin.path().to_path_buf(),
        old_serial: cert.serial.clone(),
        old_sha256: cert.sha256.to_string(),
        old_not_before: cert.not_before,
        old_not_after: cert.not_after,
        new_serial: serial_of(&new_der),
        new_sha256: pki::sha256_hex(&new_der),
        new_der,
        new_not_before: not_before,
        new_not_after: not_after,
        capped_at_ca,
        key: key_note,
        writes,
        notes,
        ca_check: None,
    })
}

pub(super) fn serial_of(der: &[u8]) -> String {
    pki::decode::certificate(der)
        .map(|c| pki::format::serial_hex(c.raw_serial()))
        .unwrap_or_default()
}
