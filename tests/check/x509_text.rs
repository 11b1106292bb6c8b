//! `x` in the UI shows a certificate laid out like `openssl x509 -text`, written by kcert from
//! its own decode. The real openssl reads the same certificates: the fields an operator
//! compares must read the same, on generated trees and on the real fixtures.

use kcert::pki::decode::x509_text;
use kcert::pki::Inventory;
use kcert::sign::cert_to_pem;

use crate::common::{node_spec, now, openssl, real_fixtures, scan_at, text, write_tree};

/// The lines openssl and kcert must agree on, by their label; SANs, key usage and extended
/// key usage are the line after their heading.
fn important(t: &str) -> Vec<String> {
    let lines: Vec<&str> = t.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let key = l.trim_start();
        let labelled = [
            "Version:",
            "Serial Number",
            "Signature Algorithm:",
            "Issuer:",
            "Not Before:",
            "Not After :",
            "Subject:",
            "Public Key Algorithm:",
            "Public-Key:",
            "ASN1 OID:",
            "Exponent:",
        ];
        if labelled.iter().any(|p| key.starts_with(p)) {
            out.push(key.to_string());
            // A long serial is on the next line.
            if key == "Serial Number:" {
                out.push(lines.get(i + 1).unwrap_or(&"").trim().to_string());
            }
        }
        let headed = [
            "X509v3 Subject Alternative Name:",
            "X509v3 Key Usage:",
            "X509v3 Extended Key Usage:",
            "X509v3 Basic Constraints:",
            "X509v3 Subject Key Identifier:",
        ];
        if headed.iter().any(|p| key.starts_with(p)) {
            out.push(format!(
                "{} {}",
                key.trim_end(),
                lines.get(i + 1).unwrap_or(&"").trim()
            ));
        }
    }
    out
}

/// openssl's text for one DER certificate.
fn openssl_text(dir: &std::path::Path, der: &[u8]) -> String {
    let file = dir.join("cert.pem");
    std::fs::write(&file, cert_to_pem(der)).unwrap();
    let out = openssl(&["x509", "-text", "-noout", "-in", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Compares every certificate of `inv`; returns how many read the same in full.
fn compare(inv: &Inventory, dir: &std::path::Path) -> usize {
    let mut whole = 0;
    for (id, c) in inv.certs.iter().enumerate() {
        let der = inv.der(id).expect("the file still holds it");
        let ours = x509_text(&der).expect("kcert decodes what it scanned");
        let theirs = openssl_text(dir, &der);
        assert_eq!(
            important(&ours),
            important(&theirs),
            "{}:\nkcert:\n{ours}\nopenssl:\n{theirs}",
            c.origin.describe()
        );
        whole += usize::from(ours == theirs);
    }
    whole
}

#[test]
fn the_text_view_reads_like_openssl_on_a_generated_tree() {
    for key in [
        kcert::sign::KeySpec::EcdsaP256,
        kcert::sign::KeySpec::Rsa(2048),
    ] {
        let spec = node_spec(now(), key, "192.168.56.10", Default::default());
        let (dir, _) = write_tree(&spec);
        let inv = scan_at(dir.path(), now());
        assert!(inv.certs.len() > 10);
        let whole = compare(&inv, dir.path());
        // kcert's own certificates use nothing openssl writes differently: every line reads
        // the same.
        assert_eq!(
            whole,
            inv.certs.len(),
            "{key:?}: some differ beyond the important lines"
        );
    }
}

#[test]
fn the_text_view_reads_like_openssl_on_the_real_fixtures() {
    let fixtures = real_fixtures!();
    let tmp = tempfile::tempdir().unwrap();
    let inv = scan_at(&fixtures, now());
    assert!(inv.certs.len() > 50, "{}", inv.certs.len());
    let whole = compare(&inv, tmp.path());
    assert_eq!(
        whole,
        inv.certs.len(),
        "some differ beyond the important lines"
    );
}
