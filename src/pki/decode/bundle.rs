//! The certificates a bundle holds (a CA file, a chain, `certificate-authority-data`), and
//! the first object of a kind in bytes that may be PEM or DER.

use std::borrow::Cow;
use std::path::Path;

use super::pem::{looks_like_pem, pem_blocks, BlockKind};
use super::x509::certificate;
use super::DecodeError;
use crate::pki::walk::MAX_FILE_SIZE;

/// DER of every certificate block in PEM text; other and damaged blocks are skipped (the
/// scan reports those).
pub fn pem_certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    pem_blocks(bytes)
        .0
        .into_iter()
        .filter(|b| b.kind == BlockKind::Certificate)
        .map(|b| b.der)
        .collect()
}

/// The certificates in a bundle file's bytes: its PEM certificate blocks, or the bytes
/// themselves when they are one DER certificate.
pub fn certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    if looks_like_pem(bytes) {
        return pem_certificates(bytes);
    }
    match certificate(bytes) {
        Ok(_) => vec![bytes.to_vec()],
        Err(_) => Vec::new(),
    }
}

/// [`certificates`] of the file at `path`; empty when it is missing, unreadable or larger
/// than any certificate file (problems the scan reports on its own).
pub fn read_certificates(path: &Path) -> Vec<Vec<u8>> {
    let too_big = std::fs::metadata(path).map_or(true, |m| m.len() > MAX_FILE_SIZE);
    match (!too_big).then(|| std::fs::read(path)) {
        Some(Ok(bytes)) => certificates(&bytes),
        _ => Vec::new(),
    }
}

/// The first block of `kind` in PEM text, or the bytes themselves when they are not PEM
/// (raw DER, so that a hand-made object still decodes). The error names the damaged block,
/// or says that no block of that kind is there.
pub fn first_block(bytes: &[u8], kind: BlockKind) -> Result<Cow<'_, [u8]>, DecodeError> {
    if !looks_like_pem(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let (blocks, errors) = pem_blocks(bytes);
    match blocks.into_iter().find(|b| b.kind == kind) {
        Some(b) => Ok(Cow::Owned(b.der)),
        None => Err(match errors.into_iter().next() {
            Some(e) => DecodeError::Pem(e),
            None => DecodeError::NoBlock(label(kind)),
        }),
    }
}

fn label(kind: BlockKind) -> &'static str {
    match kind {
        BlockKind::Certificate => "CERTIFICATE",
        BlockKind::CertificateRequest => "CERTIFICATE REQUEST",
        BlockKind::PrivateKey(_) | BlockKind::EncryptedKey => "PRIVATE KEY",
        BlockKind::PublicKey(_) => "PUBLIC KEY",
        BlockKind::Ignored | BlockKind::Other => "such",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_where_a_certificate_is_wanted_says_which_block_is_missing() {
        let pem =
            "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n";
        let err = first_block(pem.as_bytes(), BlockKind::Certificate).unwrap_err();
        assert_eq!(err.to_string(), "holds no CERTIFICATE PEM block");
    }

    #[test]
    fn bytes_that_are_neither_pem_nor_a_certificate_hold_no_certificates() {
        assert!(certificates(b"\x30\x03\x02\x01\x00").is_empty());
        assert!(certificates(b"").is_empty());
        assert!(read_certificates(Path::new("/nonexistent/kcert/ca.crt")).is_empty());
    }
}
