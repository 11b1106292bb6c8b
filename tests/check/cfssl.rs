//! The aggregator pair of hand-made "binary deployment" guides, made with the real cfssl 1.2
//! (Debian's `golang-cfssl`): the CA and the proxy-client certificate share their whole name,
//! `C=CN, ST=BeiJing, L=BeiJing, O=k8s, OU=System, CN=aggregator`, and cfssl 1.2 writes no
//! authority key identifier. Go verifies the chain (its issuer is looked for by name); openssl
//! takes the leaf for a self-signed certificate and fails. kcert follows Go.

use std::path::Path;

use x509_parser::prelude::ParsedExtension;

use crate::common::{kcert, openssl_verify, parse, read_cert, require_tool, scan_at, text};
use kcert::pki::{ChainVerdict, ProblemKind};

const CA_CONFIG: &str = r#"{"signing":{"default":{"expiry":"87600h"},"profiles":{"kubernetes":{"usages":["signing","key encipherment","server auth","client auth"],"expiry":"87600h"}}}}"#;
const CSR: &str = r#"{"CN":"aggregator","hosts":[],"key":{"algo":"rsa","size":2048},"names":[{"C":"CN","ST":"BeiJing","L":"BeiJing","O":"k8s","OU":"System"}]}"#;

/// `cfssl gencert ARGS` with its JSON answer written as cfssljson would: `<name>.pem` and
/// `<name>-key.pem` in `dir`.
fn gencert(dir: &Path, name: &str, args: &[&str]) {
    let mut all = vec!["gencert"];
    all.extend_from_slice(args);
    let out = std::process::Command::new("cfssl")
        .current_dir(dir)
        .args(&all)
        .output()
        .expect("cfssl runs");
    assert!(out.status.success(), "cfssl {all:?}: {}", text(&out));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cfssl's JSON");
    for (field, file) in [
        ("cert", format!("{name}.pem")),
        ("key", format!("{name}-key.pem")),
    ] {
        let pem = answer[field].as_str().expect(field);
        std::fs::write(dir.join(file), pem).expect("write");
    }
}

/// The guide's steps: `aggregator-ca.pem` (with its key) and `proxy-client.pem` signed by it.
fn aggregator_pair(dir: &Path) {
    std::fs::write(dir.join("ca-config.json"), CA_CONFIG).unwrap();
    std::fs::write(dir.join("aggregator-ca-csr.json"), CSR).unwrap();
    std::fs::write(dir.join("proxy-client-csr.json"), CSR).unwrap();
    gencert(dir, "aggregator-ca", &["-initca", "aggregator-ca-csr.json"]);
    gencert(
        dir,
        "proxy-client",
        &[
            "-ca=aggregator-ca.pem",
            "-ca-key=aggregator-ca-key.pem",
            "-config=ca-config.json",
            "-profile=kubernetes",
            "proxy-client-csr.json",
        ],
    );
}

#[test]
fn a_cfssl_leaf_named_like_its_ca_is_verified_under_that_ca() {
    require_tool!("cfssl");
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("etc/kubernetes/cert");
    std::fs::create_dir_all(&certs).unwrap();
    aggregator_pair(&certs);
    let (ca_file, leaf_file) = (
        certs.join("aggregator-ca.pem"),
        certs.join("proxy-client.pem"),
    );

    // What makes this pair hard: one name for both, and no authority key identifier.
    let (ca_der, leaf_der) = (read_cert(&ca_file), read_cert(&leaf_file));
    let (ca, leaf) = (parse(&ca_der), parse(&leaf_der));
    assert_eq!(leaf.subject().as_raw(), leaf.issuer().as_raw());
    assert_eq!(leaf.issuer().as_raw(), ca.subject().as_raw());
    let has_aki = leaf.extensions().iter().any(|e| {
        matches!(
            e.parsed_extension(),
            ParsedExtension::AuthorityKeyIdentifier(_)
        )
    });
    assert!(!has_aki, "cfssl 1.2 writes no authority key identifier");
    let (ok, said) = openssl_verify(&ca_file, None, &leaf_file, None);
    assert!(
        !ok && said.contains("self-signed"),
        "openssl takes it for self-signed: {said}"
    );

    // cfssl signs at the wall clock.
    let now = chrono::Utc::now();
    let inv = scan_at(dir.path(), now);
    let at = |p: &Path| {
        inv.certs
            .iter()
            .position(|c| c.origin.path() == p)
            .unwrap_or_else(|| panic!("{} not scanned", p.display()))
    };
    let (ca_id, leaf_id) = (at(&ca_file), at(&leaf_file));
    assert_eq!(inv.certs[leaf_id].chain, ChainVerdict::Verified);
    assert_eq!(inv.certs[leaf_id].issuer_id, Some(ca_id));
    assert_eq!(inv.certs[ca_id].chain, ChainVerdict::SelfSigned);
    assert!(
        !inv.problems.iter().any(|p| p.kind == ProblemKind::Chain),
        "{:#?}",
        inv.problems
    );
    let out = kcert(now, &["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
