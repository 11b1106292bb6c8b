//! Key generation and certificate signing, shared by renewal and the demo tree.
//!
//! Certificates come out the way kubeadm's `pkiutil` makes them: leaf key usage
//! DigitalSignature|KeyEncipherment with `CA:FALSE`, CA key usage adds KeyCertSign with a
//! critical `CA:TRUE`, a random positive serial below 2^63, a subject key identifier, an
//! authority key identifier equal to the issuer's, and the signature algorithm of the issuer
//! key. rcgen (with ring) does the encoding and signing; the `rsa` crate generates RSA keys.

pub mod bundle;
mod issue;
mod key;
pub mod kubeconfig;
mod name;
mod resign;
mod template;

pub use issue::{issue, Issuer};
pub use key::{KeySpec, PrivateKey};
pub use name::Subject;
pub use rcgen::ExtendedKeyUsagePurpose;
pub use resign::resign_ca;
pub use template::CertTemplate;

/// For unit tests: a self-signed CA `CN=kubernetes` made ten years ago that ends in 10 days.
#[cfg(test)]
pub(crate) fn test_ca(spec: KeySpec) -> (Vec<u8>, PrivateKey) {
    let key = PrivateKey::generate(spec).unwrap();
    let now = chrono::Utc::now();
    let mut t = CertTemplate::new(
        Subject::new("kubernetes", &[]).unwrap(),
        now - chrono::Duration::days(3640),
        now + chrono::Duration::days(10),
    );
    t.is_ca = true;
    (issue(&t, &key, Issuer::SelfSigned).unwrap(), key)
}

use crate::pki::decode::DecodeError;
use crate::pki::keys::KeyError;
use crate::pki::KeyFormat;

/// Why a key could not be read or made, or a certificate could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("unknown key type {0:?}: expected rsa-2048, rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384 or ed25519")]
    UnknownKeySpec(String),
    #[error("RSA keys of {0} bits are not supported (2048 to 4096)")]
    UnsupportedRsaSize(usize),
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
    /// The key could not be read ([`crate::pki::keys`]).
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The key was read, but ring will not sign with it (e.g. RSA below 2048 bits).
    #[error("invalid {format} private key: {reason}")]
    InvalidKey {
        format: &'static str,
        reason: String,
    },
    #[error("a {spec} key cannot be written as {format:?}")]
    UnsupportedFormat { spec: KeySpec, format: KeyFormat },
    #[error("cannot parse certificate: {0}")]
    Certificate(#[from] DecodeError),
    #[error("cannot parse certificate: {0}")]
    BadCertificate(String),
    #[error("the issuing certificate is not a CA (basicConstraints CA:TRUE missing)")]
    NotACa,
    #[error("the CA is not self-signed: re-signed with its own key it would become a root; renew it where its issuer's key is")]
    NotSelfIssued,
    #[error("the CA key does not belong to the CA certificate")]
    CaKeyMismatch,
    #[error("name cannot be reproduced exactly: {0}")]
    UnsupportedName(String),
    #[error("time {0} cannot be written in a certificate")]
    BadTime(chrono::DateTime<chrono::Utc>),
    #[error("the issued certificate's {0} name differs from the name it must carry")]
    NameNotPreserved(&'static str),
    #[error("no randomness available for the serial number")]
    Random,
    #[error("cannot encode the certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
}

/// `CERTIFICATE` PEM of DER bytes, LF line endings like Go's `pem.Encode`.
pub fn cert_to_pem(der: &[u8]) -> String {
    pem_encode("CERTIFICATE", der)
}

fn pem_encode(tag: &str, der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(tag, der), config)
}
