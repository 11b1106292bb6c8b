//! `kcert ca import`: a worker takes the CA renewed on the control plane; a CA of the same
//! name with another key, a leaf, or an expired CA is refused and changes nothing.

use std::path::Path;

use kcert::demo::TreeLayout;
use kcert::sign::{cert_to_pem, KeySpec};

use crate::ca::{at, ca_tree, kubectl_ca_data, renew_at};
use crate::common::{kcert, parse, read_cert, scan_at, text};
use crate::util::{assert_unchanged, snapshot, verify_der};

/// A worker of the control plane `cp`: `ca.crt` and two kubeconfigs embedding the CA
/// (`kubelet.conf`, `bootstrap-kubelet.conf`).
fn worker(cp: &TreeLayout) -> tempfile::TempDir {
    let w = tempfile::tempdir().unwrap();
    let etc = w.path().join("etc/kubernetes");
    std::fs::create_dir_all(etc.join("pki")).unwrap();
    std::fs::copy(cp.pki.join("ca.crt"), etc.join("pki/ca.crt")).unwrap();
    for conf in ["kubelet.conf", "bootstrap-kubelet.conf"] {
        std::fs::copy(cp.etc_kubernetes.join("admin.conf"), etc.join(conf)).unwrap();
    }
    w
}

fn import(file: &Path, root: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "ca",
        "import",
        file.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
    ];
    args.extend(extra);
    kcert(at(), &args)
}

#[test]
fn a_worker_takes_the_renewed_ca_into_every_copy() {
    let (_d, cp) = ca_tree(KeySpec::EcdsaP256, 20);
    let w = worker(&cp);
    let old_end = parse(&read_cert(&cp.pki.join("ca.crt")))
        .validity()
        .not_after;
    let out = renew_at(&cp, at(), &["ca", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let renewed = cp.pki.join("ca.crt");

    let before = snapshot(w.path());
    let dry = import(&renewed, w.path(), &["--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).contains("bootstrap-kubelet.conf: certificate-authority-data"));
    assert_unchanged(&before, w.path());

    let out = import(&renewed, w.path(), &["--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let etc = w.path().join("etc/kubernetes");
    assert_eq!(
        std::fs::read(etc.join("pki/ca.crt")).unwrap(),
        std::fs::read(&renewed).unwrap()
    );
    let new_pem = cert_to_pem(&read_cert(&renewed)).into_bytes();
    let later = chrono::DateTime::from_timestamp(old_end.timestamp(), 0).unwrap()
        + chrono::Duration::days(1);
    for conf in ["kubelet.conf", "bootstrap-kubelet.conf"] {
        assert_eq!(kubectl_ca_data(&etc.join(conf)), new_pem, "{conf}");
    }
    let inv = scan_at(w.path(), at());
    let client = inv
        .certs
        .iter()
        .position(|c| c.origin.path() == etc.join("kubelet.conf") && !c.is_ca)
        .unwrap();
    let (ok, said) = verify_der(&etc.join("pki/ca.crt"), &inv.der(client).unwrap(), later);
    assert!(ok, "{said}");

    let again = import(&renewed, w.path(), &["--yes"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("already holds"), "{}", text(&again));
}

#[test]
fn another_key_a_leaf_or_an_expired_ca_is_refused_and_changes_nothing() {
    let (_d, cp) = ca_tree(KeySpec::EcdsaP256, 20);
    let (_o, other) = ca_tree(KeySpec::EcdsaP256, 20);
    let (_x, expired) = ca_tree(KeySpec::EcdsaP256, -2);
    let w = worker(&cp);
    let before = snapshot(w.path());
    for (file, says) in [
        (other.pki.join("ca.crt"), "with another key"),
        (cp.pki.join("apiserver.crt"), "is not a CA certificate"),
        (expired.pki.join("ca.crt"), "expired on"),
    ] {
        let out = import(&file, w.path(), &["--yes"]);
        let msg = text(&out);
        assert_eq!(out.status.code(), Some(1), "{msg}");
        assert!(
            msg.contains(says) && msg.contains("nothing was changed"),
            "{says}: {msg}"
        );
        assert_unchanged(&before, w.path());
    }
}

#[test]
fn the_plan_of_a_ca_names_its_end_the_leaves_it_caps_its_copies_and_the_steps() {
    let (_d, cp) = ca_tree(KeySpec::EcdsaP256, 20);
    let root = cp.root.to_str().unwrap();
    let end = kcert::pki::format::datetime(
        chrono::DateTime::from_timestamp(
            parse(&read_cert(&cp.pki.join("ca.crt")))
                .validity()
                .not_after
                .timestamp(),
            0,
        )
        .unwrap(),
    )
    .to_string();
    let nowhere = "/nonexistent/admin.conf";
    let out = kcert(
        at(),
        &["ca", "plan", "ca", "--root", root, "--kubeconfig", nowhere],
    );
    let msg = text(&out);
    assert!(out.status.success(), "{msg}");
    for says in [
        format!("on {end}"),
        "Its key is on this node: `kcert renew ca`".to_string(),
        "Leaves it already caps".to_string(),
        "    apiserver (until 2026-12-11".to_string(),
        "kubelet.conf (certificate-authority-data), read by kubelet".to_string(),
        format!("Steps, all before {end}"),
        "`kcert ca import <file>`".to_string(),
        "restart kube-controller-manager".to_string(),
        "In the cluster: not read (kube-root-ca.crt ConfigMaps".to_string(),
        format!("Cannot use kubeconfig {nowhere}"),
        "phased manual rotation".to_string(),
    ] {
        assert!(msg.contains(&says), "{says:?} in\n{msg}");
    }
    std::fs::remove_file(cp.pki.join("etcd/ca.key")).unwrap();
    let out = kcert(
        at(),
        &[
            "ca",
            "plan",
            "etcd-ca",
            "--root",
            root,
            "--kubeconfig",
            nowhere,
        ],
    );
    let msg = text(&out);
    assert!(
        msg.contains("Its key is not on this node")
            && msg.contains("restart etcd")
            && !msg.contains("kube-root-ca.crt"),
        "{msg}"
    );
    let out = kcert(at(), &["ca", "plan", "nosuch", "--root", root]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
