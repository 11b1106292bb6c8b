//! The certificate a signer issued for a CSR (`status.certificate`), decoded into plain data.
//! The request itself (`spec.request`) is [`crate::pki::decode::decode_request`]'s.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::pki::decode::{self, BlockKind, DecodeError};
use crate::pki::format::serial_hex;

/// The first certificate of `status.certificate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedCert {
    pub subject: String,
    pub issuer: String,
    /// Upper-case hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub sans: Vec<String>,
    /// How many certificates `status.certificate` holds (leaf plus intermediates).
    pub chain_len: usize,
}

/// Decode `status.certificate`: the leaf, and how many blocks follow it.
pub fn decode_issued(bytes: &[u8]) -> Result<IssuedCert, DecodeError> {
    let der = decode::first_block(bytes, BlockKind::Certificate)?;
    let cert = decode::certificate(&der)?;
    let chain_len = if decode::looks_like_pem(bytes) {
        decode::pem_certificates(bytes).len()
    } else {
        1
    };
    let (not_before, not_after) = decode::validity(&cert);
    Ok(IssuedCert {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: serial_hex(cert.raw_serial()),
        not_before,
        not_after,
        sans: decode::sans(&cert),
        chain_len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_gets_a_reason_not_a_panic() {
        assert_eq!(
            decode_issued(b"").unwrap_err().to_string(),
            "truncated certificate"
        );
        let pem =
            "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n";
        assert_eq!(
            decode_issued(pem.as_bytes()).unwrap_err().to_string(),
            "holds no CERTIFICATE PEM block"
        );
        assert!(decode_issued(b"not a certificate").is_err());
    }
}
