//! MicroK8s as it writes its files: canonical/microk8s
//! `microk8s-resources/actions/common/utils.sh` (`produce_certs`, `gen_server_cert`,
//! `gen_proxy_client_cert`, `create_user_certificates`, `create_kubeconfig_x509`),
//! `microk8s-resources/certs/csr.conf.template`; renewal by `scripts/wrappers/refresh_certs.py`
//! (`microk8s refresh-certs --cert ca.crt|server.crt|front-proxy-client.crt`). The tree comes
//! from `kcert::demo`'s MicroK8s writer.

use kcert::demo::{write_microk8s_tree, Faults, MicroK8sLayout, MicroK8sSpec};
use kcert::pki::distro::{handover, Distribution, NodeRole};
use kcert::pki::{CaRole, ChainVerdict, Origin, ProblemKind};
use kcert::sign::KeySpec;

use crate::common::{made, openssl_verify, parse, read_certs, scan_at, text};
use crate::renew_util::{changed, snapshot};
use crate::util::{at, renew};

fn node(faults: Faults) -> (tempfile::TempDir, MicroK8sLayout) {
    let dir = tempfile::tempdir().unwrap();
    let spec = MicroK8sSpec {
        now: made(),
        key: KeySpec::EcdsaP256,
        hostname: "micro-1".into(),
        node_ip: "10.0.0.7".parse().unwrap(),
        faults,
    };
    let layout = write_microk8s_tree(dir.path(), &spec).unwrap();
    (dir, layout)
}

#[test]
fn microk8s_certificates_verify_under_ca_and_front_proxy_ca() {
    let (_d, m) = node(Faults::default());
    let server = read_certs(&m.certs.join("server.crt"));
    assert_eq!(
        parse(&server[0]).subject().to_string(),
        "C=US, ST=Isles of Blessed, L=Arkadia, O=acme, OU=dev, CN=127.0.0.1"
    );
    let inv = scan_at(&m.root, made());
    assert_eq!(inv.distribution.distribution, Distribution::MicroK8s);
    assert_eq!(inv.distribution.roles, [NodeRole::Server, NodeRole::Agent]);
    for (file, ca) in [
        ("server.crt", "ca.crt"),
        ("front-proxy-client.crt", "front-proxy-ca.crt"),
        ("kubelet.crt", "ca.crt"),
        ("client.crt", "ca.crt"),
    ] {
        let path = m.certs.join(file);
        let cert = &inv.certs[at(&inv, &path, 0)];
        assert_eq!(cert.chain, ChainVerdict::Verified, "{file}");
        assert_eq!(cert.key_match, Some(true), "{file}");
        assert_eq!(
            inv.certs[cert.issuer_id.unwrap()].origin,
            Origin::File {
                path: m.certs.join(ca),
                index: 0
            },
            "{file}"
        );
        let (ok, said) = openssl_verify(&m.certs.join(ca), None, &path, Some(made()));
        assert!(ok, "{file}: {said}");
    }
    let front = at(&inv, &m.certs.join("front-proxy-ca.crt"), 0);
    assert_eq!(inv.ca_role(front), Some(CaRole::FrontProxy));
    // serviceaccount.key has no certificate by design; the kubeconfigs' CA data is ca.crt.
    assert!(inv.problems.is_empty(), "{:?}", inv.problems);
    let admin = inv
        .certs
        .iter()
        .find(|c| c.origin.path() == m.credentials.join("client.config"))
        .unwrap();
    assert_eq!(admin.chain, ChainVerdict::Verified);
    assert_eq!(admin.key_match, Some(true));
}

#[test]
fn the_front_proxy_client_under_the_cluster_ca_is_the_wrong_ca() {
    let (_d, m) = node(Faults {
        wrong_ca: vec!["front-proxy-client.crt".into()],
        ..Faults::default()
    });
    let inv = scan_at(&m.root, made());
    let id = at(&inv, &m.certs.join("front-proxy-client.crt"), 0);
    let p = inv
        .problems_for(id)
        .find(|p| p.kind == ProblemKind::WrongCa)
        .expect("wrong CA");
    assert!(
        p.message.contains("microk8s uses front-proxy-ca.crt"),
        "{}",
        p.message
    );
}

#[test]
fn renewal_is_refresh_certs_and_nothing_changes_unless_forced() {
    let (_d, m) = node(Faults {
        days_left: vec![("server.crt".into(), 10)],
        ..Faults::default()
    });
    let root = m.root.to_str().unwrap();
    let before = snapshot(&m.root);
    let (code, stdout, out) = renew(made(), root, &["server.crt"]);
    assert_eq!(code, 3, "{}", text(&out));
    assert!(
        stdout.contains("  microk8s refresh-certs --cert server.crt\n"),
        "{stdout}"
    );
    assert_eq!(
        changed(&before, &snapshot(&m.root)),
        Vec::<std::path::PathBuf>::new()
    );
    // A user certificate has no command of its own: the CA's would replace the CA.
    let inv = scan_at(&m.root, made());
    let client = handover(&inv, at(&inv, &m.certs.join("client.crt"), 0), made()).unwrap();
    assert!(client.steps.is_empty());
    assert!(
        client.why.contains("refresh-certs --cert ca.crt"),
        "{}",
        client.why
    );

    let (code, stdout, out) = renew(made(), root, &["--force", "server.crt"]);
    assert_eq!(code, 0, "{}", text(&out));
    let mut written = changed(&before, &snapshot(&m.root));
    written.sort();
    assert_eq!(
        written,
        [m.certs.join("server.crt"), m.certs.join("server.key")],
        "{stdout}"
    );
    let (ok, said) = openssl_verify(
        &m.certs.join("ca.crt"),
        None,
        &m.certs.join("server.crt"),
        Some(made()),
    );
    assert!(ok, "{said}");
    let backup = m.root.join("var/snap/microk8s/current/tmp");
    assert!(
        walkdir::WalkDir::new(&backup)
            .into_iter()
            .flatten()
            .any(|e| e.file_name() == "server.crt"),
        "a backup of server.crt below {}",
        backup.display()
    );
}
