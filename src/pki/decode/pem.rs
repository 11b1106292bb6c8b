//! PEM text into typed blocks (several per file, text between them allowed).
//!
//! Each PEM block is decoded on its own so that one corrupt block does not hide the good
//! blocks beside it; the `pem` crate does the decoding.

/// What a block holds, by its PEM label or by sniffing DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Certificate,
    /// `RSA PRIVATE KEY`, `EC PRIVATE KEY`, `PRIVATE KEY`
    PrivateKey(crate::pki::KeyFormat),
    /// `ENCRYPTED PRIVATE KEY`, or a legacy block with `Proc-Type: 4,ENCRYPTED`.
    EncryptedKey,
    PublicKey(crate::pki::KeyFormat),
    CertificateRequest,
    /// `EC PARAMETERS` and similar companions that carry nothing to report.
    Ignored,
    Other,
}

/// One decoded block.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub label: String,
    pub der: Vec<u8>,
}

/// A block that could not be decoded, with the reason in operator's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct BlockError {
    /// 1-based position of the block in the file.
    pub number: usize,
    pub error: PemError,
}

/// What is wrong with one PEM block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    #[error("truncated PEM: \"BEGIN {label}\" has no END line")]
    Truncated { label: String },
    #[error("corrupt PEM block \"{label}\": {reason}")]
    Corrupt { label: String, reason: String },
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";

/// True when the bytes contain at least one PEM armour line.
pub fn looks_like_pem(bytes: &[u8]) -> bool {
    find(bytes, BEGIN.as_bytes()).is_some()
}

/// Split PEM text into blocks; text outside blocks is ignored.
pub fn pem_blocks(bytes: &[u8]) -> (Vec<Block>, Vec<BlockError>) {
    // Valid UTF-8 (every PEM file) is read in place; damaged text as lossy UTF-8.
    let lossy;
    let text: &[u8] = if std::str::from_utf8(bytes).is_ok() {
        bytes
    } else {
        lossy = String::from_utf8_lossy(bytes).into_owned();
        lossy.as_bytes()
    };
    let mut blocks = Vec::new();
    let mut errors = Vec::new();
    let mut rest = text;
    let mut number = 0;
    while let Some(start) = find(rest, BEGIN.as_bytes()) {
        number += 1;
        let from_begin = &rest[start..];
        let after_begin = &from_begin[BEGIN.len()..];
        let label_end = find(after_begin, b"-----").unwrap_or(after_begin.len());
        let label = String::from_utf8_lossy(&after_begin[..label_end])
            .trim()
            .to_string();
        let Some(end_rel) = find(from_begin, END.as_bytes()) else {
            errors.push(BlockError {
                number,
                error: PemError::Truncated { label },
            });
            break;
        };
        // The END line runs to the next newline (or the end of the text).
        let after_end = &from_begin[end_rel..];
        let end_len = after_end
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(after_end.len());
        let span = &from_begin[..end_rel + end_len];
        rest = &from_begin[end_rel + end_len..];
        if let Some(der) = plain_body(span) {
            blocks.push(Block {
                kind: classify(&label, None),
                label,
                der,
            });
            continue;
        }
        match pem::parse(span) {
            Ok(p) => {
                let kind = classify(p.tag(), p.headers().get("Proc-Type"));
                blocks.push(Block {
                    kind,
                    label: p.tag().to_string(),
                    der: p.into_contents(),
                });
            }
            Err(e) => errors.push(BlockError {
                number,
                error: PemError::Corrupt {
                    label,
                    reason: describe_pem_error(&e),
                },
            }),
        }
    }
    (blocks, errors)
}

/// memchr's search: the byte-by-byte window compare was a twentieth of a large scan.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// The contents of a block with nothing unusual about it: a plain label, no headers, only
/// base64 and whitespace, the same label at END. Decoded here straight from the bytes (the
/// `pem` crate first builds a `String` of the body, a tenth of a large scan); anything else
/// is left to the `pem` crate, whose result this equals where it answers.
fn plain_body(span: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let is_space = |b: u8| matches!(b, b'\t'..=b'\r' | b' ');
    let after_begin = span.strip_prefix(BEGIN.as_bytes())?;
    let label_len = find(after_begin, b"-----")?;
    let (label, body) = after_begin.split_at(label_len);
    let plain_label = |l: &[u8]| {
        !l.is_empty()
            && l.iter()
                .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
    };
    if !plain_label(label) {
        return None;
    }
    let body = &body[5..];
    let body_len = find(body, END.as_bytes())?;
    let (body, end) = body.split_at(body_len);
    let end_label = end[END.len()..].strip_prefix(label)?;
    if !end_label.starts_with(b"-----") {
        return None;
    }
    // The `pem` crate skips these after BEGIN; a blank line further in would make what
    // precedes it headers.
    let first = body
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(body.len());
    let body = &body[first..];
    if find(body, b"\n\n").is_some() || find(body, b"\r\n\r\n").is_some() {
        return None;
    }
    let engine = base64::engine::general_purpose::STANDARD;
    // Lines copied whole, without the whitespace at their ends: a byte-by-byte filter was a
    // twentieth of a large scan. Where this decodes, the text was base64 lines, and the
    // filter below would have given the same bytes.
    let mut compact = Vec::with_capacity(body.len());
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body).chain([body.len()]) {
        compact.extend_from_slice(body[start..end].trim_ascii());
        start = end + 1;
    }
    if let Ok(der) = engine.decode(&compact) {
        return Some(der);
    }
    let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    if !body.iter().all(|&b| base64(b) || is_space(b)) {
        return None;
    }
    let compact: Vec<u8> = body.iter().copied().filter(|&b| !is_space(b)).collect();
    engine.decode(compact).ok()
}

fn describe_pem_error(e: &pem::PemError) -> String {
    match e {
        pem::PemError::MismatchedTags(a, b) => format!("BEGIN {a} ends with END {b}"),
        pem::PemError::InvalidData(_) => "the base64 body is damaged".into(),
        pem::PemError::MalformedFraming => "malformed BEGIN/END lines".into(),
        other => other.to_string(),
    }
}

fn classify(label: &str, proc_type: Option<&str>) -> BlockKind {
    use crate::pki::KeyFormat;
    if proc_type.is_some_and(|v| v.contains("ENCRYPTED")) {
        return BlockKind::EncryptedKey;
    }
    match label {
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => BlockKind::Certificate,
        "RSA PRIVATE KEY" => BlockKind::PrivateKey(KeyFormat::Pkcs1),
        "EC PRIVATE KEY" => BlockKind::PrivateKey(KeyFormat::Sec1),
        "PRIVATE KEY" => BlockKind::PrivateKey(KeyFormat::Pkcs8),
        "ENCRYPTED PRIVATE KEY" => BlockKind::EncryptedKey,
        "PUBLIC KEY" => BlockKind::PublicKey(KeyFormat::Spki),
        "RSA PUBLIC KEY" => BlockKind::PublicKey(KeyFormat::Pkcs1Public),
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => BlockKind::CertificateRequest,
        "EC PARAMETERS" | "DH PARAMETERS" | "X509 CRL" => BlockKind::Ignored,
        _ => BlockKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_BODY: &str = "MAMCAQA=";

    #[test]
    fn blocks_with_text_between_them_are_all_found() {
        let text = format!(
            "subject=CN = a\n-----BEGIN CERTIFICATE-----\n{CERT_BODY}\n-----END CERTIFICATE-----\n\
             # comment\n-----BEGIN EC PRIVATE KEY-----\n{CERT_BODY}\n-----END EC PRIVATE KEY-----\n"
        );
        let (blocks, errors) = pem_blocks(text.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].kind, BlockKind::Certificate);
        assert_eq!(
            blocks[1].kind,
            BlockKind::PrivateKey(crate::pki::KeyFormat::Sec1)
        );
    }

    #[test]
    fn a_truncated_block_is_reported_and_earlier_blocks_kept() {
        let text = format!(
            "-----BEGIN CERTIFICATE-----\n{CERT_BODY}\n-----END CERTIFICATE-----\n\
             -----BEGIN CERTIFICATE-----\nMIIB"
        );
        let (blocks, errors) = pem_blocks(text.as_bytes());
        assert_eq!(blocks.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].number, 2);
        assert!(
            matches!(errors[0].error, PemError::Truncated { .. }),
            "{errors:?}"
        );
    }

    #[test]
    fn damaged_base64_names_the_block() {
        let text = "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
        let (blocks, errors) = pem_blocks(text.as_bytes());
        assert!(blocks.is_empty());
        assert!(errors[0].to_string().contains("CERTIFICATE"), "{errors:?}");
    }

    /// The byte-level path decodes exactly what the `pem` crate decodes, and leaves it every
    /// block it would treat differently (headers, blank lines, mismatched labels, damage).
    #[test]
    fn plain_blocks_decode_as_the_pem_crate_does() {
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        let lf = cert.pem();
        let plain = [
            lf.clone(),
            lf.replace('\n', "\r\n"),
            lf.replace('\n', " \t\n"),
            lf.trim_end().to_string(),
            lf.replacen("-----\n", "-----\n\n", 1),
        ];
        for text in &plain {
            let span = text.trim_end_matches(['\r', '\n']).as_bytes();
            let ours = plain_body(span).unwrap_or_else(|| panic!("not plain: {text:?}"));
            let theirs = pem::parse(span).expect("pem crate").into_contents();
            assert_eq!(ours, theirs, "{text:?}");
            assert_eq!(ours, cert.der().to_vec());
        }
        let unusual = [
            lf.replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1),
            lf.replacen("\n", "\n\n", 2),
            lf.replace("END CERTIFICATE", "END PRIVATE KEY"),
            lf.replacen('M', "!", 2),
            lf.replace("CERTIFICATE", "certificate"),
        ];
        for text in &unusual {
            assert_eq!(plain_body(text.as_bytes()), None, "{text:?}");
        }
    }

    #[test]
    fn legacy_encrypted_rsa_key_is_recognised() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n";
        let (blocks, errors) = pem_blocks(text.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(blocks[0].kind, BlockKind::EncryptedKey);
    }
}
