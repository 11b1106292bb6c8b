//! kubespray: kubeadm with `certificatesDir: /etc/kubernetes/ssl`, and etcd's certificates in
//! `/etc/ssl/etcd/ssl` as kubernetes-sigs/kubespray `roles/etcd/files/make-ssl-etcd.sh` writes
//! them (`ca.pem`/`ca-key.pem` with `/CN=etcd-ca`; `member-<host>.pem`, `admin-<host>.pem`,
//! `node-<host>.pem` with `-key.pem` keys and `/CN=etcd-member-<host>` and so on). kubespray
//! makes RSA keys; ECDSA here for speed. Renewed in place: the CA keys are on the node.

use kcert::demo::Faults;
use kcert::pki::distro::Distribution;
use kcert::pki::{CaRole, ChainVerdict, ProblemKind};
use kcert::sign::ExtendedKeyUsagePurpose as Eku;

use crate::common::{made, node_spec, openssl_verify, scan_at, text, write_tree};
use crate::util::{at, ca, leaf, renew, write_cfssl};

/// A kubespray control-plane node: kubeadm's tree with `ssl` for `pki`, and etcd's files.
fn node(member_under_kubernetes_ca: bool) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, layout) = write_tree(&node_spec(
        made(),
        kcert::sign::KeySpec::EcdsaP256,
        "10.0.0.9",
        Faults::default(),
    ));
    std::fs::rename(&layout.pki, layout.etc_kubernetes.join("ssl")).unwrap();
    let etcd = layout.root.join("etc/ssl/etcd/ssl");
    let etcd_ca = ca("etcd-ca", made());
    write_cfssl(&etcd, "ca", &etcd_ca.cert, &etcd_ca.key);
    // The node's kubernetes CA, for a member put under the wrong CA.
    let other = crate::util::Ca {
        cert: crate::common::read_cert(&layout.etc_kubernetes.join("ssl/ca.crt")),
        key: kcert::sign::PrivateKey::from_pem(
            &std::fs::read_to_string(layout.etc_kubernetes.join("ssl/ca.key")).unwrap(),
        )
        .unwrap(),
    };
    for (name, cn, usages) in [
        (
            "member-node1",
            "etcd-member-node1",
            vec![Eku::ServerAuth, Eku::ClientAuth],
        ),
        ("admin-node1", "etcd-admin-node1", vec![Eku::ClientAuth]),
        ("node-node1", "etcd-node-node1", vec![Eku::ClientAuth]),
    ] {
        let signer = match (name, member_under_kubernetes_ca) {
            ("member-node1", true) => &other,
            _ => &etcd_ca,
        };
        let (cert, key) = leaf(
            signer,
            cn,
            None,
            usages,
            &["node1", "10.0.0.9", "127.0.0.1"],
            made(),
        );
        write_cfssl(&etcd, name, &cert, &key);
    }
    (dir, etcd)
}

#[test]
fn kubespray_nodes_are_kubeadm_in_ssl_with_etcd_under_its_own_ca() {
    let (dir, etcd) = node(false);
    let inv = scan_at(dir.path(), made());
    assert_eq!(inv.distribution.distribution, Distribution::Kubespray);
    let apiserver = inv
        .certs
        .iter()
        .find(|c| c.kubeadm_name.as_deref() == Some("apiserver"))
        .unwrap();
    assert!(apiserver
        .origin
        .path()
        .to_string_lossy()
        .contains("/etc/kubernetes/ssl/"));
    assert_eq!(apiserver.chain, ChainVerdict::Verified);
    let ca_pem = at(&inv, &etcd.join("ca.pem"), 0);
    assert_eq!(inv.ca_role(ca_pem), Some(CaRole::Etcd));
    for name in ["member-node1", "admin-node1", "node-node1"] {
        let path = etcd.join(format!("{name}.pem"));
        let c = &inv.certs[at(&inv, &path, 0)];
        assert_eq!(c.chain, ChainVerdict::Verified, "{name}");
        assert_eq!(c.issuer_id, Some(ca_pem), "{name}");
        assert_eq!(c.key_match, Some(true), "{name}");
        let (ok, said) = openssl_verify(&etcd.join("ca.pem"), None, &path, Some(made()));
        assert!(ok, "{name}: {said}");
    }
    assert!(
        inv.problems
            .iter()
            .all(|p| p.severity < kcert::pki::Severity::Warning),
        "{:?}",
        inv.problems
    );
}

#[test]
fn an_etcd_member_under_the_kubernetes_ca_is_the_wrong_ca() {
    let (dir, etcd) = node(true);
    let inv = scan_at(dir.path(), made());
    let id = at(&inv, &etcd.join("member-node1.pem"), 0);
    assert_eq!(
        inv.certs[id].chain,
        ChainVerdict::Verified,
        "under the kubernetes CA"
    );
    let p = inv
        .problems_for(id)
        .find(|p| p.kind == ProblemKind::WrongCa)
        .expect("wrong CA");
    assert!(p.message.contains("kubespray uses ca.pem"), "{}", p.message);
}

#[test]
fn kubespray_etcd_is_renewed_in_place_and_etcd_restarted() {
    let (dir, etcd) = node(false);
    let root = dir.path().to_str().unwrap();
    let later = made() + chrono::Duration::days(350);
    let (code, stdout, out) = renew(later, root, &["member-node1.pem"]);
    assert_eq!(code, 0, "{}", text(&out));
    assert!(stdout.contains("Now restart etcd."), "{stdout}");
    let (ok, said) = openssl_verify(
        &etcd.join("ca.pem"),
        None,
        &etcd.join("member-node1.pem"),
        Some(later + chrono::Duration::days(300)),
    );
    assert!(ok, "{said}");
}
