//! Renewing every kubeadm leaf and kubeconfig of generated trees, checked from outside.

use std::collections::HashMap;

use base64::Engine;
use kcert::demo::Faults;
use kcert::pki::{ChainVerdict, Inventory, Origin, Status};
use kcert::sign::KeySpec;

use crate::common::{kcert, scan_at, text};
use crate::util::{later, tree, verify_der};

/// The leaves a renewal of `--all` must touch, keyed by where they live.
fn leaves(inv: &Inventory) -> HashMap<(std::path::PathBuf, usize, String), usize> {
    inv.certs
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_ca && !c.superseded && c.chain == ChainVerdict::Verified)
        .map(|(i, c)| {
            let entry = match &c.origin {
                Origin::Kubeconfig { name, .. } => name.clone(),
                Origin::File { .. } => String::new(),
            };
            ((c.origin.path().to_path_buf(), c.origin.index(), entry), i)
        })
        .collect()
}

fn renew_everything(key: KeySpec) {
    let (_dir, layout) = tree(key, Faults::default());
    let root = layout.root.to_str().unwrap();
    let before = scan_at(&layout.root, later());
    let out = kcert(later(), &["renew", "--root", root, "--all", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let report = text(&out);
    assert!(
        report.contains("kubelet.crt"),
        "the kubelet's self-signed serving cert is skipped, and said so:\n{report}"
    );
    assert!(report.contains("Now restart etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubelet."), "{report}");
    let after = scan_at(&layout.root, later());

    let old = leaves(&before);
    let new = leaves(&after);
    let mut renewed = 0;
    for (place, &i) in &old {
        let was = &before.certs[i];
        if was.origin.path().ends_with("kubelet.crt") {
            continue; // its CA key is not kept by the kubelet
        }
        // The kubelet's -current link now points at a new dated file: same place, new content.
        let now_id = *new
            .get(place)
            .unwrap_or_else(|| panic!("{place:?} gone after renewal"));
        let c = &after.certs[now_id];
        let what = was.display_name();
        assert_ne!(c.serial, was.serial, "{what}: new serial");
        assert_eq!(c.subject, was.subject, "{what}: subject");
        assert_eq!(c.sans, was.sans, "{what}: SANs");
        assert_eq!(c.usages, was.usages, "{what}: usages");
        assert_eq!(c.key_algorithm, was.key_algorithm, "{what}: key algorithm");
        assert_ne!(
            c.public_key_id, was.public_key_id,
            "{what}: a new key, like kubeadm"
        );
        assert_eq!(c.key_match, Some(true), "{what}: key matches");
        assert_eq!(c.status, Status::Ok, "{what}");
        assert_eq!((c.not_after - later()).num_days(), 365, "{what}: one year");
        let ca = &after.certs[c.issuer_id.expect("verified")];
        assert_eq!(
            ca.sha256,
            before.certs[was.issuer_id.unwrap()].sha256,
            "{what}: same CA"
        );
        let der = after.der(now_id).expect("the renewed file holds it");
        let (ok, msg) = verify_der(ca.origin.path(), &der, later());
        assert!(ok, "{what}: openssl verify: {msg}");
        renewed += 1;
    }
    assert_eq!(
        renewed, 12,
        "the 11 kubeadm leaves and kubeconfigs, plus the kubelet client certificate"
    );

    // Every renewed kubeconfig loads in the real kubectl and carries the new certificate.
    for conf in [
        "admin.conf",
        "super-admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ] {
        let path = layout.etc_kubernetes.join(conf);
        let out = std::process::Command::new("kubectl")
            .args([
                "config",
                "view",
                "--raw",
                "-o",
                "jsonpath={.users[0].user.client-certificate-data}",
                "--kubeconfig",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{conf}: {}", text(&out));
        let pem = base64::engine::general_purpose::STANDARD
            .decode(&out.stdout)
            .expect("base64");
        let id = after
            .certs
            .iter()
            .position(|c| c.kubeadm_name.as_deref() == Some(conf))
            .unwrap();
        assert_eq!(
            pem,
            kcert::sign::cert_to_pem(&after.der(id).unwrap()).into_bytes(),
            "{conf}: kubectl sees the new certificate"
        );
    }
}

#[test]
fn renews_every_leaf_of_an_ecdsa_tree() {
    renew_everything(KeySpec::EcdsaP256);
}

#[test]
fn renews_every_leaf_of_an_rsa_tree() {
    renew_everything(KeySpec::Rsa(2048));
}
