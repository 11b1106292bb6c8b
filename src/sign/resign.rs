//! Re-signing a self-signed CA certificate with its own key: the TBSCertificate is copied
//! element by element from the old certificate and only the serial, the validity and the
//! signature algorithm are replaced. Subject, issuer, public key and every extension (the
//! subject and authority key identifiers included) keep their exact bytes, so every
//! certificate the CA ever signed still chains to it (Go and OpenSSL match names and key
//! identifiers byte for byte). rcgen cannot express this: it re-encodes names and computes
//! key identifiers itself.

use chrono::{DateTime, Utc};
use der::asn1::{AnyRef, BitStringRef, GeneralizedTime, UintRef, UtcTime};
use der::{Decode, Encode, Header, Length, Reader, SliceReader, Tag, Tagged};
use rcgen::SigningKey;

use super::issue::random_serial_bytes;
use super::{KeySpec, PrivateKey, SignError};
use crate::pki::decode::certificate;

/// The AlgorithmIdentifier DER of the signatures a key of this kind makes (RFC 4055, 5758,
/// 8410): sha256WithRSAEncryption with its NULL parameter, ecdsa-with-SHA256/384, Ed25519.
fn signature_algorithm(spec: KeySpec) -> &'static [u8] {
    match spec {
        KeySpec::Rsa(_) => &[
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05,
            0x00,
        ],
        KeySpec::EcdsaP256 => &[
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
        ],
        KeySpec::EcdsaP384 => &[
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
        ],
        KeySpec::Ed25519 => &[0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70],
    }
}

fn bad(e: impl std::fmt::Display) -> SignError {
    SignError::BadCertificate(e.to_string())
}

/// The raw TLVs inside a SEQUENCE's DER.
fn elements(seq: &[u8]) -> Result<Vec<&[u8]>, SignError> {
    let any = AnyRef::from_der(seq).map_err(bad)?;
    if any.tag() != Tag::Sequence {
        return Err(bad("expected a SEQUENCE"));
    }
    let content = any.value();
    let mut r = SliceReader::new(content).map_err(bad)?;
    let mut out = Vec::new();
    while !r.is_finished() {
        let start = usize::try_from(r.position()).map_err(bad)?;
        AnyRef::decode(&mut r).map_err(bad)?;
        let end = usize::try_from(r.position()).map_err(bad)?;
        out.push(&content[start..end]);
    }
    Ok(out)
}

/// A SEQUENCE of already-encoded elements.
fn sequence(parts: &[&[u8]]) -> Result<Vec<u8>, SignError> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Header::new(Tag::Sequence, Length::try_from(len).map_err(bad)?)
        .map_err(bad)?
        .to_der()
        .map_err(bad)?;
    for p in parts {
        out.extend_from_slice(p);
    }
    Ok(out)
}

/// RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050.
fn time(t: DateTime<Utc>) -> Result<Vec<u8>, SignError> {
    let secs = u64::try_from(t.timestamp()).map_err(|_| SignError::BadTime(t))?;
    let d = std::time::Duration::from_secs(secs);
    let der = if t.format("%Y").to_string().as_str() < "2050" {
        UtcTime::from_unix_duration(d).and_then(|u| u.to_der())
    } else {
        GeneralizedTime::from_unix_duration(d).and_then(|g| g.to_der())
    };
    der.map_err(|_| SignError::BadTime(t))
}

/// `ca_der` re-signed by `key` (its own key), valid from `not_before` to `not_after`, with a
/// new random serial; everything else byte for byte as it was. Refused when the certificate is
/// not a CA, not self-issued (an intermediate would turn into a root), or not `key`'s.
pub fn resign_ca(
    ca_der: &[u8],
    key: &PrivateKey,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
) -> Result<Vec<u8>, SignError> {
    let old = certificate(ca_der)?;
    if !old.is_ca() {
        return Err(SignError::NotACa);
    }
    if old.subject().as_raw() != old.issuer().as_raw() {
        return Err(SignError::NotSelfIssued);
    }
    if old.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        return Err(SignError::CaKeyMismatch);
    }
    let outer = elements(ca_der)?;
    let tbs = elements(outer.first().ok_or_else(|| bad("no TBSCertificate"))?)?;
    // [0] version, serial, signature, issuer, validity, subject, spki, extensions...
    let v = usize::from(tbs.first().is_some_and(|e| e.first() == Some(&0xa0)));
    if tbs.len() < v + 6 {
        return Err(bad("TBSCertificate too short"));
    }
    let serial = random_serial_bytes()?;
    let serial = UintRef::new(&serial)
        .and_then(|u| u.to_der())
        .map_err(bad)?;
    let validity = sequence(&[&time(not_before)?, &time(not_after)?])?;
    let alg = signature_algorithm(key.spec());
    let mut parts: Vec<&[u8]> = tbs[..v].to_vec();
    parts.extend([serial.as_slice(), alg, tbs[v + 2], validity.as_slice()]);
    parts.extend(&tbs[v + 4..]);
    let new_tbs = sequence(&parts)?;
    let signature = key.signer().sign(&new_tbs)?;
    let bits = BitStringRef::from_bytes(&signature)
        .and_then(|b| b.to_der())
        .map_err(bad)?;
    let der = sequence(&[&new_tbs, alg, &bits])?;
    check_kept(&old, &der)?;
    Ok(der)
}

/// The new certificate parses, verifies under its own key, and keeps the old one's names,
/// key and extensions exactly.
fn check_kept(
    old: &x509_parser::prelude::X509Certificate<'_>,
    der: &[u8],
) -> Result<(), SignError> {
    let new = certificate(der)?;
    if new.subject().as_raw() != old.subject().as_raw() {
        return Err(SignError::NameNotPreserved("subject"));
    }
    if new.issuer().as_raw() != old.issuer().as_raw() {
        return Err(SignError::NameNotPreserved("issuer"));
    }
    let ext = |c: &x509_parser::prelude::X509Certificate<'_>| -> Vec<(String, bool, Vec<u8>)> {
        c.extensions()
            .iter()
            .map(|e| (e.oid.to_id_string(), e.critical, e.value.to_vec()))
            .collect()
    };
    if new.public_key().raw != old.public_key().raw || ext(&new) != ext(old) {
        return Err(bad("the re-signed CA lost its key or an extension"));
    }
    new.verify_signature(None).map_err(|e| {
        bad(format!(
            "the re-signed CA does not verify under its own key: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::test_ca as ca;
    use crate::sign::{issue, CertTemplate, Issuer, Subject};
    use chrono::Duration;

    #[test]
    fn a_resigned_ca_keeps_everything_but_serial_and_dates() {
        for spec in [KeySpec::EcdsaP256, KeySpec::EcdsaP384, KeySpec::Rsa(2048)] {
            let (old_der, key) = ca(spec);
            let nb: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().unwrap();
            let na: DateTime<Utc> = "2052-01-01T00:00:00Z".parse().unwrap();
            let new_der = resign_ca(&old_der, &key, nb, na).unwrap();
            let (old, new) = (
                certificate(&old_der).unwrap(),
                certificate(&new_der).unwrap(),
            );
            assert_ne!(old.raw_serial(), new.raw_serial(), "{spec}");
            assert_eq!(new.validity().not_before.timestamp(), nb.timestamp());
            assert_eq!(new.validity().not_after.timestamp(), na.timestamp());
            assert_eq!(old.subject().as_raw(), new.subject().as_raw());
            assert_eq!(old.public_key().raw, new.public_key().raw);
            assert_eq!(
                old.extensions().iter().map(|e| e.value).collect::<Vec<_>>(),
                new.extensions().iter().map(|e| e.value).collect::<Vec<_>>()
            );
            assert!(new.is_ca());
        }
    }

    #[test]
    fn another_key_or_a_leaf_is_refused() {
        let (der, _) = ca(KeySpec::EcdsaP256);
        let other = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let now = Utc::now();
        assert!(matches!(
            resign_ca(&der, &other, now, now + Duration::days(1)),
            Err(SignError::CaKeyMismatch)
        ));
        let (ca_der, ca_key) = ca(KeySpec::EcdsaP256);
        let leaf_key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let t = CertTemplate::new(
            Subject::new("leaf", &[]).unwrap(),
            now,
            now + Duration::days(1),
        );
        let leaf = issue(
            &t,
            &leaf_key,
            Issuer::Ca {
                cert_der: &ca_der,
                key: &ca_key,
            },
        )
        .unwrap();
        assert!(matches!(
            resign_ca(&leaf, &leaf_key, now, now + Duration::days(1)),
            Err(SignError::NotACa)
        ));
    }
}
