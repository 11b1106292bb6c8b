//! Generated kubeadm trees (RSA, ECDSA, an intermediate CA) with planted faults, checked
//! against every rule of the inventory with a fixed clock.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use kcert::demo::{write_kubeadm_tree, Faults, TreeLayout, TreeSpec};
use kcert::pki::{ChainVerdict, Inventory, KeyAlgorithm, KeyFormat, ProblemKind, Severity, Status};
use kcert::sign::KeySpec;

use crate::common::{node_spec, now, openssl, scan_at, text};

fn made() -> DateTime<Utc> {
    "2026-06-01T00:00:00Z".parse().unwrap()
}

fn tree(dir: &Path, key: KeySpec, intermediate: bool, faults: Faults) -> TreeLayout {
    let spec = TreeSpec {
        intermediate,
        ..node_spec(made(), key, "10.0.0.5", faults)
    };
    write_kubeadm_tree(dir, &spec).expect("tree")
}

fn named<'a>(inv: &'a Inventory, name: &str) -> &'a kcert::pki::CertEntry {
    inv.certs
        .iter()
        .find(|c| c.kubeadm_name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("{name} missing"))
}

fn id_of(inv: &Inventory, name: &str) -> usize {
    inv.certs
        .iter()
        .position(|c| c.kubeadm_name.as_deref() == Some(name))
        .unwrap()
}

fn problems_of(inv: &Inventory, name: &str) -> Vec<(Severity, ProblemKind, String)> {
    inv.problems_for(id_of(inv, name))
        .map(|p| (p.severity, p.kind, p.message.clone()))
        .collect()
}

/// Every certificate of the intermediate tree with its issuer, as kubeadm names them.
pub const LEAVES: [(&str, &str); 12] = [
    ("apiserver", "ca"),
    ("apiserver-kubelet-client", "ca"),
    ("admin.conf", "ca"),
    ("super-admin.conf", "ca"),
    ("controller-manager.conf", "ca"),
    ("scheduler.conf", "ca"),
    ("front-proxy-client", "front-proxy-ca"),
    ("etcd-server", "etcd-ca"),
    ("etcd-peer", "etcd-ca"),
    ("etcd-healthcheck-client", "etcd-ca"),
    ("apiserver-etcd-client", "etcd-ca"),
    ("ca", "root-ca"),
];

fn healthy_tree_is_all_verified(key: KeySpec, alg: KeyAlgorithm, format: KeyFormat) {
    let tmp = tempfile::tempdir().unwrap();
    let layout = tree(tmp.path(), key, true, Faults::default());
    let inv = scan_at(&layout.root, made() + Duration::days(1));
    for (leaf, ca) in LEAVES {
        let c = named(&inv, leaf);
        assert_eq!(c.chain, ChainVerdict::Verified, "{leaf}");
        let issuer = &inv.certs[c.issuer_id.unwrap()];
        let issuer_name = issuer
            .kubeadm_name
            .clone()
            .unwrap_or_else(|| issuer.display_name());
        assert!(issuer_name.starts_with(ca), "{leaf} under {issuer_name}");
        assert_eq!(c.status, Status::Ok, "{leaf}");
        if leaf != "ca" || key != KeySpec::Rsa(2048) {
            assert_eq!(c.key_algorithm, alg, "{leaf}");
        }
    }
    // The intermediate chain: apiserver → ca → root-ca (self-signed, no key on disk).
    let path = inv.chain_path(id_of(&inv, "apiserver"));
    assert_eq!(path.len(), 3, "{path:?}");
    assert_eq!(inv.certs[path[2]].chain, ChainVerdict::SelfSigned);
    // Keys: every leaf matches, in the format kubeadm writes for this algorithm.
    for (leaf, _) in &LEAVES[..11] {
        let c = named(&inv, leaf);
        assert_eq!(c.key_match, Some(true), "{leaf}");
        assert_eq!(inv.keys[c.key_id.unwrap()].format, format, "{leaf}");
    }
    // The kubelet client certificate, reached through kubelet.conf and the -current link.
    let kubelet = inv
        .certs
        .iter()
        .find(|c| c.origin.path().ends_with("kubelet-client-current.pem"))
        .unwrap();
    assert!(kubelet
        .referenced_by
        .iter()
        .any(|k| k.ends_with("kubelet.conf")));
    assert!(kubelet.symlink_target.is_some());
    assert_eq!(
        (kubelet.chain, kubelet.key_match),
        (ChainVerdict::Verified, Some(true))
    );
    assert_eq!(inv.service_accounts.len(), 1);
    assert_eq!(inv.service_accounts[0].matches, Some(true));
    let errors: Vec<_> = inv
        .problems
        .iter()
        .filter(|p| p.severity >= Severity::Warning)
        .collect();
    assert!(
        errors.is_empty(),
        "a healthy tree has no problems: {errors:#?}"
    );
}

#[test]
fn a_healthy_ecdsa_tree_with_an_intermediate_ca_verifies_end_to_end() {
    healthy_tree_is_all_verified(KeySpec::EcdsaP256, KeyAlgorithm::EcdsaP256, KeyFormat::Sec1);
}

#[test]
fn a_healthy_p384_tree_verifies() {
    healthy_tree_is_all_verified(KeySpec::EcdsaP384, KeyAlgorithm::EcdsaP384, KeyFormat::Sec1);
}

#[test]
fn a_healthy_rsa_tree_verifies() {
    healthy_tree_is_all_verified(
        KeySpec::Rsa(2048),
        KeyAlgorithm::Rsa(2048),
        KeyFormat::Pkcs1,
    );
}

#[test]
fn planted_faults_are_each_reported_as_the_right_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let faults = Faults {
        days_left: vec![
            ("apiserver".into(), -35),
            ("etcd-peer".into(), 5),
            ("scheduler.conf".into(), 20),
            ("front-proxy-ca".into(), -1),
        ],
        wrong_ca: vec!["apiserver-etcd-client".into()],
        key_mismatch: vec!["apiserver-kubelet-client".into()],
        sa_mismatch: true,
    };
    let layout = tree(tmp.path(), KeySpec::EcdsaP256, false, faults);
    let inv = scan_at(&layout.root, made());

    assert_eq!(named(&inv, "apiserver").status, Status::Expired);
    assert_eq!(named(&inv, "etcd-peer").status, Status::Critical);
    assert_eq!(named(&inv, "scheduler.conf").status, Status::Warning);
    assert_eq!(named(&inv, "front-proxy-ca").status, Status::Expired);
    assert_eq!(named(&inv, "etcd-server").status, Status::Ok);
    assert_eq!(named(&inv, "apiserver").days_left(made()), -35);
    let p = problems_of(&inv, "apiserver");
    assert!(
        p.iter().any(|(s, k, m)| *s == Severity::Error
            && *k == ProblemKind::Expiry
            && m.contains("expired 35d ago")),
        "{p:?}"
    );
    let p = problems_of(&inv, "scheduler.conf");
    assert!(
        p.iter()
            .any(|(s, k, _)| *s == Severity::Warning && *k == ProblemKind::Expiry),
        "{p:?}"
    );

    let wrong = named(&inv, "apiserver-etcd-client");
    assert_eq!(
        wrong.chain,
        ChainVerdict::Verified,
        "its signature is fine, just by the wrong CA"
    );
    let p = problems_of(&inv, "apiserver-etcd-client");
    assert!(
        p.iter().any(|(s, k, m)| *s == Severity::Error
            && *k == ProblemKind::WrongCa
            && m.contains("etcd-ca")
            && m.contains("etcd will refuse")),
        "{p:?}"
    );

    let mismatch = named(&inv, "apiserver-kubelet-client");
    assert_eq!(mismatch.key_match, Some(false));
    let p = problems_of(&inv, "apiserver-kubelet-client");
    assert!(
        p.iter()
            .any(|(s, k, _)| *s == Severity::Error && *k == ProblemKind::KeyMismatch),
        "{p:?}"
    );

    assert_eq!(inv.service_accounts[0].matches, Some(false));
    assert!(inv
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::ServiceAccount && p.severity == Severity::Error));

    // Before the tree was made, everything is not yet valid.
    let issued = named(&inv, "etcd-server").not_before;
    let early = scan_at(&layout.root, issued - Duration::days(1));
    assert_eq!(named(&early, "etcd-server").status, Status::NotYetValid);
}

#[test]
fn a_replaced_ca_with_the_same_name_gives_bad_signatures() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let one = tree(a.path(), KeySpec::EcdsaP256, false, Faults::default());
    let two = tree(b.path(), KeySpec::EcdsaP256, false, Faults::default());
    // The CA is regenerated (same name, new key) but its leaves are not.
    for f in ["ca.crt", "ca.key"] {
        std::fs::copy(two.pki.join(f), one.pki.join(f)).unwrap();
    }
    // The kubeconfigs still embed the old CA: apiserver verifies under that copy, which is not
    // the CA kubeadm uses now.
    let inv = scan_at(&one.root, made() + Duration::days(1));
    let p = problems_of(&inv, "apiserver");
    assert!(
        p.iter()
            .any(|(_, k, m)| *k == ProblemKind::WrongCa && m.contains("[cluster ")),
        "{p:?}"
    );
    // With only pki/ in view, nothing verifies it.
    let inv = scan_at(&one.pki, made() + Duration::days(1));
    let apiserver = named(&inv, "apiserver");
    assert_eq!(apiserver.chain, ChainVerdict::BadSignature);
    let p = problems_of(&inv, "apiserver");
    assert!(
        p.iter().any(|(s, k, m)| *s == Severity::Error
            && *k == ProblemKind::Chain
            && m.contains("was the CA replaced")),
        "{p:?}"
    );
    // openssl agrees.
    let out = openssl(&[
        "verify",
        "-CAfile",
        one.pki.join("ca.crt").to_str().unwrap(),
        "-attime",
        &(made().timestamp() + 86400).to_string(),
        one.pki.join("apiserver.crt").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    // Leaves of other CAs are untouched.
    assert_eq!(named(&inv, "etcd-server").chain, ChainVerdict::Verified);
}

#[test]
fn rsa_pss_ed25519_and_der_files_are_verified_and_paired() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let p = |f: &str| d.join(f).to_str().unwrap().to_string();
    let run = |args: &[&str]| {
        let out = openssl(args);
        assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
    };
    // An RSA-PSS CA and leaf, made by openssl.
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &p("pss-ca.key"),
        "-out",
        &p("pss-ca.crt"),
        "-subj",
        "/CN=pss-ca",
        "-days",
        "30",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sha256",
    ]);
    run(&[
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &p("pss-leaf.key"),
        "-out",
        &p("pss-leaf.csr"),
        "-subj",
        "/CN=pss-leaf",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        &p("pss-leaf.csr"),
        "-CA",
        &p("pss-ca.crt"),
        "-CAkey",
        &p("pss-ca.key"),
        "-out",
        &p("pss-leaf.crt"),
        "-days",
        "20",
        "-sigopt",
        "rsa_padding_mode:pss",
        "-sha256",
    ]);
    // Ed25519, PKCS#8 keys.
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ed25519",
        "-nodes",
        "-keyout",
        &p("ed.key"),
        "-out",
        &p("ed.crt"),
        "-subj",
        "/CN=ed",
        "-days",
        "30",
    ]);
    // A DER certificate.
    run(&[
        "x509",
        "-in",
        &p("pss-leaf.crt"),
        "-outform",
        "der",
        "-out",
        &p("leaf.der"),
    ]);
    let inv = scan_at(d, now());
    let by_file = |f: &str| {
        inv.certs
            .iter()
            .find(|c| c.origin.path() == d.join(f))
            .unwrap_or_else(|| panic!("{f}"))
    };
    assert_eq!(
        by_file("pss-leaf.crt").chain,
        ChainVerdict::Verified,
        "RSA-PSS signature verified"
    );
    assert_eq!(by_file("pss-leaf.crt").key_match, Some(true));
    assert_eq!(by_file("pss-ca.crt").chain, ChainVerdict::SelfSigned);
    assert_eq!(by_file("ed.crt").chain, ChainVerdict::SelfSigned);
    assert_eq!(by_file("ed.crt").key_algorithm, KeyAlgorithm::Ed25519);
    assert_eq!(by_file("ed.crt").key_match, Some(true));
    assert_eq!(
        inv.keys[by_file("ed.crt").key_id.unwrap()].format,
        KeyFormat::Pkcs8
    );
    assert_eq!(by_file("leaf.der").chain, ChainVerdict::Verified);
    assert_eq!(by_file("leaf.der").sha256, by_file("pss-leaf.crt").sha256);
    assert!(inv
        .csrs
        .iter()
        .any(|r| r.subject == "CN=pss-leaf" && r.signature_valid));
}
