//! Replace certificate blocks inside PEM text (a CA file, a bundle, a kubeconfig's
//! `certificate-authority-data`): the chosen blocks become the new certificate, every other
//! byte stays where it was — other certificates, their order, comments, line endings.

use super::cert_to_pem;

const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
const END: &[u8] = b"-----END CERTIFICATE-----";

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// `text` with every CERTIFICATE block whose DER `is_old` picks replaced by `new_der`'s PEM;
/// `None` when no block was picked. The replacement keeps the old block's line ending.
pub fn replace_blocks(
    text: &[u8],
    is_old: &dyn Fn(&[u8]) -> bool,
    new_der: &[u8],
) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    let mut replaced = false;
    while let Some(start) = find(text, BEGIN, at) {
        let Some(end) = find(text, END, start).map(|e| e + END.len()) else {
            break;
        };
        let block = &text[start..end];
        let der = pem::parse(block).ok().map(pem::Pem::into_contents);
        out.extend_from_slice(&text[at..start]);
        if der.as_deref().is_some_and(is_old) {
            let crlf = block.windows(2).any(|w| w == b"\r\n");
            let mut pem = cert_to_pem(new_der).trim_end().to_string();
            if crlf {
                pem = pem.replace('\n', "\r\n");
            }
            out.extend_from_slice(pem.as_bytes());
            replaced = true;
        } else {
            out.extend_from_slice(block);
        }
        at = end;
    }
    out.extend_from_slice(&text[at..]);
    replaced.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_picked_block_changes() {
        let (a, b, c) = (vec![1u8; 40], vec![2u8; 40], vec![3u8; 40]);
        let text = format!(
            "# bundle\n{}{}\n{}",
            cert_to_pem(&a),
            cert_to_pem(&b),
            cert_to_pem(&a)
        );
        let out = replace_blocks(text.as_bytes(), &|d| d == b.as_slice(), &c).unwrap();
        let expected = format!(
            "# bundle\n{}{}\n{}",
            cert_to_pem(&a),
            cert_to_pem(&c),
            cert_to_pem(&a)
        );
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        assert!(replace_blocks(text.as_bytes(), &|d| d == c.as_slice(), &a).is_none());
    }
}
