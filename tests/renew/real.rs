//! Renewal on copies of real trees whose CA keys were committed with them.

use std::path::Path;

use kcert::pki::{ChainVerdict, Status};

use crate::common::{copy_tree, kcert, real_fixtures, scan_at, text};
use crate::util::verify_der;

fn renew_real(fixtures: &Path, tree: &str, expected: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixtures.join(tree), tmp.path());
    let now = "2026-11-22T12:00:00Z".parse().unwrap();
    let before = scan_at(tmp.path(), now);
    let out = kcert(
        now,
        &[
            "renew",
            "--root",
            tmp.path().to_str().unwrap(),
            "--all",
            "--yes",
        ],
    );
    assert!(out.status.success(), "{tree}: {}", text(&out));
    let after = scan_at(tmp.path(), now);
    for name in expected {
        let was = before
            .certs
            .iter()
            .find(|c| c.kubeadm_name.as_deref() == Some(*name))
            .unwrap_or_else(|| panic!("{tree}: {name}"));
        let id = after
            .certs
            .iter()
            .position(|c| c.kubeadm_name.as_deref() == Some(*name))
            .unwrap();
        let c = &after.certs[id];
        assert_eq!(was.status, Status::Expired, "{tree}: {name} was expired");
        assert_eq!(c.status, Status::Ok, "{tree}: {name} renewed");
        assert_eq!(c.chain, ChainVerdict::Verified, "{tree}: {name}");
        assert_eq!(c.key_match, Some(true), "{tree}: {name}");
        assert_eq!(
            (c.subject.as_str(), &c.sans, &c.usages),
            (was.subject.as_str(), &was.sans, &was.usages),
            "{tree}: {name}"
        );
        assert_eq!(c.key_algorithm, was.key_algorithm, "{tree}: {name}");
        let ca = &after.certs[c.issuer_id.unwrap()];
        let der = after.der(id).expect("the renewed file holds it");
        let (ok, msg) = verify_der(ca.origin.path(), &der, now);
        assert!(ok, "{tree}: {name}: {msg}");
    }
}

#[test]
fn renews_a_real_kubeadm_tree_with_ecdsa_and_rsa_keys() {
    let fixtures = real_fixtures!();
    let all = [
        "apiserver",
        "apiserver-kubelet-client",
        "front-proxy-client",
        "apiserver-etcd-client",
        "etcd-server",
        "etcd-peer",
        "etcd-healthcheck-client",
        "admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ];
    let mut with_super = all.to_vec();
    with_super.push("super-admin.conf");
    renew_real(&fixtures, "zetaoss__zeta-linux/etc/kubernetes", &with_super);
    // kubeadm 1.11 layout: kubeconfigs beside pki/, RSA-2048 throughout.
    renew_real(&fixtures, "devopsyuva__k8s-1.11", &all);
}
