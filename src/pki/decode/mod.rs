//! Bytes into what they hold: PEM blocks ([`pem`]), the certificates of a bundle
//! ([`bundle`]), one certificate ([`x509`]) or certificate request ([`request`]). Every
//! reader of certificates in kcert goes through here; keys are [`super::keys`]'.

mod bundle;
mod pem;
mod request;
mod text;
mod x509;

pub use bundle::{certificates, first_block, pem_certificates, read_certificates};
pub use pem::{looks_like_pem, pem_blocks, Block, BlockError, BlockKind, PemError};
pub use request::{decode_request, parse_request, DecodedRequest};
pub use text::x509_text;
pub use x509::{
    algorithm_name, certificate, ip_addr, name_attrs, san, sans, sha256_hex, time, validity, Sha256,
};

/// Why bytes do not hold the certificate or request asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("truncated certificate")]
    TruncatedCertificate,
    #[error("not a valid X.509 certificate ({0})")]
    Certificate(String),
    #[error("not a valid PKCS#10 request ({0})")]
    Request(String),
    #[error("the request's signature does not verify ({0})")]
    RequestSignature(String),
    #[error(transparent)]
    Pem(#[from] BlockError),
    #[error("holds no {0} PEM block")]
    NoBlock(&'static str),
}

/// In JSON reports an error is its sentence.
impl serde::Serialize for DecodeError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
