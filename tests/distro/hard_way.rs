//! Kubernetes the hard way: one CA signs everything (kelseyhightower/kubernetes-the-hard-way
//! `docs/04-certificate-authority.md`: cfssl's `ca.pem`, `kubernetes.pem`, `<worker>.pem`,
//! each with a `-key.pem`), the control plane from systemd units whose `ExecStart` flags name
//! the files (`docs/08-bootstrapping-kubernetes-controllers.md`). Renewed in place; the units
//! say what to restart.

use kcert::pki::distro::{Distribution, NodeRole};
use kcert::pki::{ChainVerdict, ProblemKind};
use kcert::sign::ExtendedKeyUsagePurpose as Eku;

use crate::common::{json, kcert, made, openssl_verify, scan_at, text};
use crate::util::{at, ca, leaf, renew, write_cfssl};

fn node(wrong_ca: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let lib = root.join("var/lib/kubernetes");
    let the_ca = ca("Kubernetes", made());
    write_cfssl(&lib, "ca", &the_ca.cert, &the_ca.key);
    let old = ca("Kubernetes Old", made());
    std::fs::write(lib.join("ca-old.pem"), kcert::sign::cert_to_pem(&old.cert)).unwrap();
    let signer = if wrong_ca { &old } else { &the_ca };
    let (cert, key) = leaf(
        signer,
        "kubernetes",
        Some("Kubernetes"),
        vec![Eku::ServerAuth, Eku::ClientAuth],
        &[
            "10.32.0.1",
            "10.240.0.10",
            "127.0.0.1",
            "kubernetes.default",
        ],
        made(),
    );
    write_cfssl(&lib, "kubernetes", &cert, &key);
    let (cert, key) = leaf(
        &the_ca,
        "system:node:worker-0",
        Some("system:nodes"),
        vec![Eku::ServerAuth, Eku::ClientAuth],
        &["worker-0", "10.240.0.20"],
        made(),
    );
    write_cfssl(&root.join("var/lib/kubelet"), "worker-0", &cert, &key);
    let unit = format!(
        "[Service]\nExecStart=/usr/local/bin/kube-apiserver \\\n  --client-ca-file={lib}/ca.pem \\\n  \
         --tls-cert-file={lib}/kubernetes.pem \\\n  --tls-private-key-file={lib}/kubernetes-key.pem \\\n  \
         --v=2\nRestart=on-failure\n",
        lib = lib.display()
    );
    let units = root.join("etc/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    std::fs::write(units.join("kube-apiserver.service"), unit).unwrap();
    dir
}

#[test]
fn the_hard_way_is_read_with_its_units_as_consumers() {
    let dir = node(false);
    let inv = scan_at(dir.path(), made());
    assert_eq!(inv.distribution.distribution, Distribution::HardWay);
    assert_eq!(inv.distribution.roles, [NodeRole::Server, NodeRole::Agent]);
    let lib = dir.path().join("var/lib/kubernetes");
    for file in [
        lib.join("kubernetes.pem"),
        dir.path().join("var/lib/kubelet/worker-0.pem"),
    ] {
        let c = &inv.certs[at(&inv, &file, 0)];
        assert_eq!(c.chain, ChainVerdict::Verified);
        assert_eq!(c.issuer_id, Some(at(&inv, &lib.join("ca.pem"), 0)));
        assert_eq!(c.key_match, Some(true));
    }
    let out = kcert(
        made(),
        &["check", "-o", "json", dir.path().to_str().unwrap()],
    );
    let doc = json(&out);
    assert_eq!(doc["distribution"], "hard-way");
    let cert = doc["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == lib.join("kubernetes.pem").to_str().unwrap())
        .unwrap();
    assert_eq!(
        cert["consumers"][0]["component"],
        "kube-apiserver",
        "{}",
        text(&out)
    );
    assert_eq!(cert["consumers"][0]["flag"], "--tls-cert-file");
}

#[test]
fn a_leaf_under_another_ca_than_the_hard_ways_one_is_caught() {
    let dir = node(true);
    let inv = scan_at(dir.path(), made());
    let lib = dir.path().join("var/lib/kubernetes");
    let id = at(&inv, &lib.join("kubernetes.pem"), 0);
    let p = inv
        .problems_for(id)
        .find(|p| p.kind == ProblemKind::WrongCa)
        .expect("wrong CA");
    assert!(p.message.contains("hard-way uses ca.pem"), "{}", p.message);
}

#[test]
fn renewal_is_in_place_and_names_the_unit_to_restart() {
    let dir = node(false);
    let root = dir.path().to_str().unwrap();
    let lib = dir.path().join("var/lib/kubernetes");
    let later = made() + chrono::Duration::days(350);
    let (code, stdout, out) = renew(later, root, &["kubernetes.pem"]);
    assert_eq!(code, 0, "{}", text(&out));
    assert!(stdout.contains("Now restart kube-apiserver."), "{stdout}");
    let (ok, said) = openssl_verify(
        &lib.join("ca.pem"),
        None,
        &lib.join("kubernetes.pem"),
        Some(later + chrono::Duration::days(300)),
    );
    assert!(ok, "{said}");
}
