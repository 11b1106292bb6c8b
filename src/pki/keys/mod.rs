//! Private and public keys: their algorithm, and a fingerprint of the public half that can be
//! compared with a certificate's, so keys pair with certificates by content, not by name.
//!
//! Key material is parsed in place and dropped; only the public fingerprint is kept. The one
//! exception is [`load_private_key`], which hands an unencrypted private key to the signer.

mod load;

pub use load::{load_private_key, private_key_der, SigningKey};

use der::Decode;
use ring::digest;
use x509_parser::der_parser::oid::Oid;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
    OID_PKCS1_RSAENCRYPTION, OID_SIG_ED25519,
};
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{KeyAlgorithm, KeyFormat};

/// Public half of a key, as far as kcert needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicInfo {
    pub algorithm: KeyAlgorithm,
    pub id: Option<[u8; 32]>,
}

/// Why a key could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The DER does not parse as `what` (`PKCS#1 RSA private key`, `public key`, ...).
    #[error("not a valid {what}: {reason}")]
    Malformed { what: &'static str, reason: String },
    #[error("not a valid RSA public key")]
    RsaPublicKey,
    #[error("not a private key")]
    NotPrivate,
    /// It parses, but the private scalar is not a key on its curve.
    #[error("invalid {algorithm} private key: {reason}")]
    BadScalar {
        algorithm: &'static str,
        reason: String,
    },
    #[error("EC private key on curve {0} has no public key to compare")]
    NoPublicKey(KeyAlgorithm),
    #[error("no private key block (RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY) found")]
    NoPrivateKey,
    #[error("the private key is encrypted; kcert only reads unencrypted keys")]
    Encrypted,
    /// No private key block decoded, and this block was damaged.
    #[error(transparent)]
    Pem(#[from] crate::pki::decode::BlockError),
    #[error("unsupported key algorithm {0}")]
    Unsupported(KeyAlgorithm),
}

const PKCS1_PRIVATE: &str = "PKCS#1 RSA private key";
const SEC1_PRIVATE: &str = "SEC1 EC private key";
const PKCS8_PRIVATE: &str = "PKCS#8 private key";

fn malformed(what: &'static str) -> impl Fn(der::Error) -> KeyError {
    move |e| KeyError::Malformed {
        what,
        reason: e.to_string(),
    }
}

fn fingerprint(tag: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(tag);
    for p in parts {
        ctx.update(&(p.len() as u32).to_be_bytes());
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|&&x| x == 0).count();
    &b[n..]
}

fn rsa_info(modulus: &[u8], exponent: &[u8]) -> PublicInfo {
    let n = strip_zeros(modulus);
    let bits = match n.first() {
        Some(first) => (n.len() as u32) * 8 - first.leading_zeros(),
        None => 0,
    };
    PublicInfo {
        algorithm: KeyAlgorithm::Rsa(bits),
        id: Some(fingerprint(b"rsa", &[n, strip_zeros(exponent)])),
    }
}

fn ec_info(algorithm: KeyAlgorithm, point: &[u8]) -> PublicInfo {
    PublicInfo {
        algorithm,
        id: Some(fingerprint(b"ec", &[point])),
    }
}

fn ed25519_info(public: &[u8]) -> PublicInfo {
    PublicInfo {
        algorithm: KeyAlgorithm::Ed25519,
        id: Some(fingerprint(b"ed25519", &[public])),
    }
}

fn curve(oid: &Oid) -> KeyAlgorithm {
    if *oid == OID_EC_P256 {
        KeyAlgorithm::EcdsaP256
    } else if *oid == OID_NIST_EC_P384 {
        KeyAlgorithm::EcdsaP384
    } else if *oid == OID_NIST_EC_P521 {
        KeyAlgorithm::EcdsaP521
    } else {
        KeyAlgorithm::Unknown
    }
}

fn curve_from_der_oid(oid: &der::asn1::ObjectIdentifier) -> KeyAlgorithm {
    curve(&Oid::new(std::borrow::Cow::Borrowed(oid.as_bytes())))
}

/// Public info of a parsed SubjectPublicKeyInfo (certificates, CSRs, `PUBLIC KEY` blocks).
pub fn spki_info(spki: &SubjectPublicKeyInfo<'_>) -> PublicInfo {
    let alg = &spki.algorithm.algorithm;
    let raw = &spki.subject_public_key.data;
    if *alg == OID_PKCS1_RSAENCRYPTION {
        match rsa_public_der(raw) {
            Some((n, e)) => rsa_info(n, e),
            None => unknown(),
        }
    } else if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let algorithm = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .map(|o| curve(&o))
            .unwrap_or(KeyAlgorithm::Unknown);
        ec_info(algorithm, raw)
    } else if *alg == OID_SIG_ED25519 {
        ed25519_info(raw)
    } else {
        unknown()
    }
}

fn unknown() -> PublicInfo {
    PublicInfo {
        algorithm: KeyAlgorithm::Unknown,
        id: None,
    }
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`
fn rsa_public_der(der_bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let key = pkcs1::RsaPublicKey::from_der(der_bytes).ok()?;
    Some((key.modulus.as_bytes(), key.public_exponent.as_bytes()))
}

/// Public info of a public-key block (`PUBLIC KEY` or `RSA PUBLIC KEY`).
pub fn public_key_block(format: KeyFormat, der_bytes: &[u8]) -> Result<PublicInfo, KeyError> {
    match format {
        KeyFormat::Pkcs1Public => rsa_public_der(der_bytes)
            .map(|(n, e)| rsa_info(n, e))
            .ok_or(KeyError::RsaPublicKey),
        _ => SubjectPublicKeyInfo::from_der(der_bytes)
            .map(|(_, spki)| spki_info(&spki))
            .map_err(|e| KeyError::Malformed {
                what: "public key",
                reason: e.to_string(),
            }),
    }
}

/// Public info of a private-key block; derives the public key when the file does not carry it.
pub fn private_key_block(format: KeyFormat, der_bytes: &[u8]) -> Result<PublicInfo, KeyError> {
    match format {
        KeyFormat::Pkcs1 => pkcs1_private(der_bytes),
        KeyFormat::Sec1 => sec1_private(der_bytes, None),
        KeyFormat::Pkcs8 => pkcs8_private(der_bytes),
        _ => Err(KeyError::NotPrivate),
    }
}

fn pkcs1_private(der_bytes: &[u8]) -> Result<PublicInfo, KeyError> {
    let key = pkcs1::RsaPrivateKey::from_der(der_bytes).map_err(malformed(PKCS1_PRIVATE))?;
    Ok(rsa_info(
        key.modulus.as_bytes(),
        key.public_exponent.as_bytes(),
    ))
}

fn sec1_private(
    der_bytes: &[u8],
    outer_curve: Option<KeyAlgorithm>,
) -> Result<PublicInfo, KeyError> {
    let key = sec1::EcPrivateKey::from_der(der_bytes).map_err(malformed(SEC1_PRIVATE))?;
    let algorithm = key
        .parameters
        .and_then(|p| p.named_curve())
        .map(|o| curve_from_der_oid(&o))
        .or(outer_curve)
        .unwrap_or(KeyAlgorithm::Unknown);
    if let Some(point) = key.public_key {
        return Ok(ec_info(algorithm, point));
    }
    let point = derive_ec_point(algorithm, key.private_key)?;
    Ok(ec_info(algorithm, &point))
}

/// Derive the uncompressed public point from a private scalar (SEC1 keys may omit it).
fn derive_ec_point(algorithm: KeyAlgorithm, scalar: &[u8]) -> Result<Vec<u8>, KeyError> {
    let bad = |e: &dyn std::fmt::Display| KeyError::BadScalar {
        algorithm: "EC",
        reason: e.to_string(),
    };
    match algorithm {
        KeyAlgorithm::EcdsaP256 => {
            use p256::elliptic_curve::sec1::ToEncodedPoint;
            let sk = p256::SecretKey::from_slice(scalar).map_err(|e| bad(&e))?;
            Ok(sk.public_key().to_encoded_point(false).as_bytes().to_vec())
        }
        KeyAlgorithm::EcdsaP384 => {
            use p384::elliptic_curve::sec1::ToEncodedPoint;
            let sk = p384::SecretKey::from_slice(scalar).map_err(|e| bad(&e))?;
            Ok(sk.public_key().to_encoded_point(false).as_bytes().to_vec())
        }
        other => Err(KeyError::NoPublicKey(other)),
    }
}

fn pkcs8_private(der_bytes: &[u8]) -> Result<PublicInfo, KeyError> {
    let info = pkcs8::PrivateKeyInfo::from_der(der_bytes).map_err(malformed(PKCS8_PRIVATE))?;
    let oid = info.algorithm.oid.to_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => pkcs1_private(info.private_key),
        "1.2.840.10045.2.1" => {
            let outer = info
                .algorithm
                .parameters_oid()
                .ok()
                .map(|o| curve_from_der_oid(&o));
            sec1_private(info.private_key, outer)
        }
        "1.3.101.112" => {
            if let Some(public) = info.public_key {
                return Ok(ed25519_info(public));
            }
            // The private key is an OCTET STRING holding the 32-byte seed.
            let bad = |reason: String| KeyError::BadScalar {
                algorithm: "Ed25519",
                reason,
            };
            let seed = der::asn1::OctetStringRef::from_der(info.private_key)
                .map_err(|e| bad(e.to_string()))?;
            let pair = ring::signature::Ed25519KeyPair::from_seed_unchecked(seed.as_bytes())
                .map_err(|_| bad(format!("a seed of {} bytes, not 32", seed.as_bytes().len())))?;
            use ring::signature::KeyPair;
            Ok(ed25519_info(pair.public_key().as_ref()))
        }
        _ => Ok(unknown()),
    }
}
