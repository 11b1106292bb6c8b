//! An unencrypted private key read for signing: whatever format kubeadm or openssl wrote it
//! in, as the PKCS#8 DER that ring signs with. Generating keys and signing is `sign`'s.

use std::fmt;

use der::Encode;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};

use super::{private_key_block, KeyError, PKCS1_PRIVATE};
use crate::pki::decode::{pem_blocks, BlockKind};
use crate::pki::{KeyAlgorithm, KeyFormat};

/// A private key ready for a signer. `Debug` shows the algorithm and format only.
pub struct SigningKey {
    pub algorithm: KeyAlgorithm,
    /// The format it was read in.
    pub format: KeyFormat,
    /// PKCS#8 DER; EC keys always carry their public point (ring insists on it).
    pub pkcs8: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// The first private key in PEM text: `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1) or
/// `PRIVATE KEY` (PKCS#8). Other blocks (`EC PARAMETERS`, certificates) are skipped, like
/// client-go's `keyutil.ParsePrivateKeyPEM`; an encrypted key is refused by name.
pub fn load_private_key(pem: &[u8]) -> Result<SigningKey, KeyError> {
    let (blocks, errors) = pem_blocks(pem);
    for block in blocks {
        match block.kind {
            BlockKind::EncryptedKey => return Err(KeyError::Encrypted),
            BlockKind::PrivateKey(format) => return private_key_der(format, &block.der),
            _ => {}
        }
    }
    Err(match errors.into_iter().next() {
        Some(e) => KeyError::Pem(e),
        None => KeyError::NoPrivateKey,
    })
}

/// A DER private key in `format` (PKCS#1, SEC1 or PKCS#8) as a [`SigningKey`].
pub fn private_key_der(format: KeyFormat, der: &[u8]) -> Result<SigningKey, KeyError> {
    let algorithm = private_key_block(format, der)?.algorithm;
    // EC keys are re-encoded by the curve crates so that the public point is present.
    let pkcs8 = match (format, algorithm) {
        (KeyFormat::Pkcs1, _) => rsa_pkcs8(der)?,
        (KeyFormat::Pkcs8, KeyAlgorithm::Rsa(_) | KeyAlgorithm::Ed25519) => der.to_vec(),
        (KeyFormat::Sec1, KeyAlgorithm::EcdsaP256) => {
            reencode(p256::SecretKey::from_sec1_der(der))?
        }
        (KeyFormat::Pkcs8, KeyAlgorithm::EcdsaP256) => {
            reencode(p256::SecretKey::from_pkcs8_der(der))?
        }
        (KeyFormat::Sec1, KeyAlgorithm::EcdsaP384) => {
            reencode(p384::SecretKey::from_sec1_der(der))?
        }
        (KeyFormat::Pkcs8, KeyAlgorithm::EcdsaP384) => {
            reencode(p384::SecretKey::from_pkcs8_der(der))?
        }
        (_, other) => return Err(KeyError::Unsupported(other)),
    };
    Ok(SigningKey {
        algorithm,
        format,
        pkcs8,
    })
}

/// An EC key the curve crate decoded, as PKCS#8 with its public point.
fn reencode<K: EncodePrivateKey, E: fmt::Display>(key: Result<K, E>) -> Result<Vec<u8>, KeyError> {
    let bad = |e: &dyn fmt::Display| KeyError::BadScalar {
        algorithm: "EC",
        reason: e.to_string(),
    };
    let pkcs8 = key
        .map_err(|e| bad(&e))?
        .to_pkcs8_der()
        .map_err(|e| bad(&e))?;
    Ok(pkcs8.as_bytes().to_vec())
}

/// PKCS#1 `RSAPrivateKey` wrapped in a PKCS#8 `PrivateKeyInfo` (rsaEncryption, NULL parameters).
fn rsa_pkcs8(pkcs1_der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let algorithm = pkcs8::AlgorithmIdentifierRef {
        oid: pkcs1::ALGORITHM_OID,
        parameters: Some(der::asn1::AnyRef::NULL),
    };
    pkcs8::PrivateKeyInfo::new(algorithm, pkcs1_der)
        .to_der()
        .map_err(super::malformed(PKCS1_PRIVATE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_private_key_is_taken_and_other_blocks_skipped() {
        let pkcs8 = rcgen::KeyPair::generate().unwrap().serialize_pem();
        let text = format!(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{pkcs8}"
        );
        let key = load_private_key(text.as_bytes()).unwrap();
        assert_eq!(key.algorithm, KeyAlgorithm::EcdsaP256);
        assert_eq!(key.format, KeyFormat::Pkcs8);
        assert_eq!(
            format!("{key:?}"),
            "SigningKey { algorithm: EcdsaP256, format: Pkcs8, .. }"
        );
    }

    #[test]
    fn a_damaged_key_block_is_named() {
        let text = "-----BEGIN EC PRIVATE KEY-----\n!!!\n-----END EC PRIVATE KEY-----\n";
        let err = load_private_key(text.as_bytes()).unwrap_err();
        assert!(matches!(err, KeyError::Pem(_)), "{err:?}");
        assert!(err.to_string().contains("EC PRIVATE KEY"), "{err}");
        assert_eq!(load_private_key(b"").unwrap_err(), KeyError::NoPrivateKey);
    }
}
