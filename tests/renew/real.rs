//! Renewal on copies of real trees whose CA keys were committed with them.

use kcert::pki::{ChainVerdict, Status};

use crate::util::{kcert, openssl_verify, scan_at, text};

fn fixtures() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    assert!(
        dir.is_dir(),
        "the real fixtures are missing: expected {}",
        dir.display()
    );
    dir
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn renew_real(tree: &str, expected: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join(tree), tmp.path());
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
        let c = after
            .certs
            .iter()
            .find(|c| c.kubeadm_name.as_deref() == Some(*name))
            .unwrap();
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
        let (ok, msg) = openssl_verify(ca.origin.path(), &c.der, now);
        assert!(ok, "{tree}: {name}: {msg}");
    }
}

#[test]
fn renews_a_real_kubeadm_tree_with_ecdsa_and_rsa_keys() {
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
    renew_real("zetaoss__zeta-linux/etc/kubernetes", &with_super);
    // kubeadm 1.11 layout: kubeconfigs beside pki/, RSA-2048 throughout.
    renew_real("devopsyuva__k8s-1.11", &all);
}
