//! RSASSA-PSS with any salt length. aws-lc-rs (like ring) verifies only salt = hash length
//! (what Go writes); OpenSSL signs with the maximum salt by default, and those signatures are
//! valid too.

use rsa::pkcs8::DecodePublicKey;
use rsa::{Pss, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_parser::oid_registry::{OID_NIST_HASH_SHA256, OID_NIST_HASH_SHA384, OID_NIST_HASH_SHA512};
use x509_parser::signature_algorithm::SignatureAlgorithm;

use super::chain::Signed;

/// `Some(valid)` for a PSS-signed certificate, `None` for any other algorithm.
pub(super) fn verify(cert: &Signed<'_>, issuer_spki: &[u8]) -> Option<bool> {
    let SignatureAlgorithm::RSASSA_PSS(params) =
        SignatureAlgorithm::try_from(&cert.algorithm).ok()?
    else {
        return None;
    };
    let Ok(key) = RsaPublicKey::from_public_key_der(issuer_spki) else {
        return Some(false);
    };
    let hash = params.hash_algorithm_oid();
    // MGF1 must use the same hash; the rsa crate assumes so.
    if params
        .mask_gen_algorithm()
        .map(|m| m.hash != *hash)
        .unwrap_or(true)
    {
        return Some(false);
    }
    let salt = params.salt_length() as usize;
    let tbs = cert.tbs;
    let sig = cert.signature.data.as_ref();
    let ok = if *hash == OID_NIST_HASH_SHA256 {
        key.verify(
            Pss::new_with_salt::<Sha256>(salt),
            &Sha256::digest(tbs),
            sig,
        )
    } else if *hash == OID_NIST_HASH_SHA384 {
        key.verify(
            Pss::new_with_salt::<Sha384>(salt),
            &Sha384::digest(tbs),
            sig,
        )
    } else if *hash == OID_NIST_HASH_SHA512 {
        key.verify(
            Pss::new_with_salt::<Sha512>(salt),
            &Sha512::digest(tbs),
            sig,
        )
    } else {
        return Some(false);
    };
    Some(ok.is_ok())
}
