//! Every real tree scans without a crash, and chain verdicts agree with `openssl verify`.

use kcert::pki::{ChainVerdict, Inventory};
use kcert::sign::cert_to_pem;

use crate::common::{fixture_trees, now, openssl, real_fixtures, scan_at, text};
use crate::generated::LEAVES;

/// `openssl verify` of certificate `leaf` with `issuer` as the only trust anchor.
fn openssl_accepts(dir: &std::path::Path, leaf: &[u8], issuer: &[u8]) -> (bool, String) {
    let leaf_file = dir.join("leaf.pem");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&leaf_file, cert_to_pem(leaf)).unwrap();
    std::fs::write(&ca_file, cert_to_pem(issuer)).unwrap();
    let out = openssl(&[
        "verify",
        "-no_check_time",
        "-partial_chain",
        "-CAfile",
        ca_file.to_str().unwrap(),
        leaf_file.to_str().unwrap(),
    ]);
    (out.status.success(), text(&out))
}

fn check_tree(inv: &Inventory, tmp: &std::path::Path) -> usize {
    let mut compared = 0;
    for (id, cert) in inv.certs.iter().enumerate() {
        let what = cert.origin.describe();
        let der = inv.der(id).expect("the fixture still holds it");
        match cert.chain {
            ChainVerdict::Verified => {
                let issuer = &inv.certs[cert.issuer_id.expect("verified has an issuer")];
                let (ok, out) = openssl_accepts(tmp, &der, &issuer.der);
                assert!(
                    ok,
                    "kcert verified {what} under {} but openssl says: {out}",
                    issuer.origin.describe()
                );
            }
            ChainVerdict::SelfSigned => {
                let (ok, out) = openssl_accepts(tmp, &der, &der);
                assert!(
                    ok,
                    "kcert says {what} is self-signed but openssl says: {out}"
                );
            }
            ChainVerdict::BadSignature | ChainVerdict::UnknownIssuer => {
                // No scanned CA may verify it, by openssl's judgement either.
                for ca in inv.certs.iter().filter(|c| c.is_ca || c.is_self_issued()) {
                    if std::ptr::eq(ca, cert) {
                        continue;
                    }
                    let (ok, _) = openssl_accepts(tmp, &der, &ca.der);
                    assert!(
                        !ok,
                        "kcert says {what} is {:?} but openssl verifies it under {}",
                        cert.chain,
                        ca.origin.describe()
                    );
                }
            }
        }
        compared += 1;
    }
    compared
}

#[test]
fn every_real_tree_scans_and_chains_agree_with_openssl() {
    let root = real_fixtures!();
    let tmp = tempfile::tempdir().unwrap();
    let mut total = 0;
    let mut trees = 0;
    for dir in fixture_trees(&root) {
        let inv = scan_at(&dir, now());
        total += check_tree(&inv, tmp.path());
        trees += 1;
    }
    assert!(trees >= 20, "expected the fixture trees, found {trees}");
    assert!(
        total >= 150,
        "expected many certificates across the fixtures, compared {total}"
    );
}

#[test]
fn a_kubeadm_tree_is_named_and_chained_like_kubeadm_does() {
    let inv = scan_at(&real_fixtures!().join("zetaoss__zeta-linux"), now());
    let by_name = |n: &str| {
        inv.certs
            .iter()
            .find(|c| c.kubeadm_name.as_deref() == Some(n))
            .unwrap_or_else(|| panic!("{n} not found"))
    };
    // The leaves under kubeadm's three CAs (no offline root here).
    for (leaf, ca) in LEAVES.into_iter().filter(|(_, ca)| *ca != "root-ca") {
        let c = by_name(leaf);
        assert_eq!(c.chain, ChainVerdict::Verified, "{leaf}");
        let issuer = &inv.certs[c.issuer_id.unwrap()];
        assert_eq!(
            issuer.kubeadm_name.as_deref(),
            Some(ca),
            "{leaf} is under {}",
            issuer.display_name()
        );
        assert_eq!(c.key_match, Some(true), "{leaf} key");
    }
    assert_eq!(by_name("ca").chain, ChainVerdict::SelfSigned);
    // The embedded CA data of the kubeconfigs is the same ca.crt: one CA, referenced by them.
    assert_eq!(
        inv.certs
            .iter()
            .filter(|c| c.subject == "CN=kubernetes")
            .count(),
        1
    );
    assert!(by_name("ca")
        .referenced_by
        .iter()
        .any(|p| p.ends_with("admin.conf")));
    let sa = &inv.service_accounts;
    assert_eq!(sa.len(), 1);
    assert_eq!(sa[0].matches, Some(true));
}

#[test]
fn mismatched_keys_in_real_files_are_caught_and_explained() {
    // The fixture notes say: dev-user.kubeconfig's cert does not match its key; the key
    // belongs to the CSR the user generated afterwards.
    let inv = scan_at(&real_fixtures!().join("awakehns__kuber-2.4"), now());
    let user = inv
        .certs
        .iter()
        .find(|c| c.origin.path().ends_with("dev-user.kubeconfig") && !c.is_ca)
        .expect("dev-user cert");
    assert_eq!(user.key_match, Some(false));
    let msg = inv
        .problems_for(
            inv.certs
                .iter()
                .position(|c| std::ptr::eq(c, user))
                .unwrap(),
        )
        .map(|p| p.message.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        msg.contains("does not belong") && msg.contains("user.csr"),
        "{msg}"
    );
    // ... and its empty ca.crt is reported, not skipped.
    assert!(inv
        .problems
        .iter()
        .any(|p| p.path.ends_with("ca.crt") && p.message == "empty file"));
}
