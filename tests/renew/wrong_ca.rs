//! Renewal puts a certificate under the CA kubeadm signs it with, not under whatever signed it:
//! `front-proxy-client` signed by `ca` (the wrong CA) comes out under `front-proxy-ca`.

use kcert::demo::Faults;
use kcert::sign::KeySpec;

use crate::common::{openssl_verify, scan_at, text};
use crate::util::{assert_unchanged, later, renew, snapshot, tree};

fn front_proxy_client_under_ca() -> (tempfile::TempDir, kcert::demo::TreeLayout) {
    tree(
        KeySpec::EcdsaP256,
        Faults {
            wrong_ca: vec!["front-proxy-client".into()],
            ..Faults::default()
        },
    )
}

#[test]
fn a_leaf_under_the_wrong_ca_is_renewed_under_kubeadms_ca_for_it() {
    let (_dir, layout) = front_proxy_client_under_ca();
    let (fp_ca, leaf) = (
        layout.pki.join("front-proxy-ca.crt"),
        layout.pki.join("front-proxy-client.crt"),
    );
    let (ok, said) = openssl_verify(&fp_ca, None, &leaf, Some(later()));
    assert!(!ok, "planted under the wrong CA: {said}");

    let out = renew(&layout, &["front-proxy-client", "--dry-run"]);
    let plan = text(&out);
    assert!(
        plan.contains("front-proxy-client: was under ca, will be under front-proxy-ca"),
        "{plan}"
    );
    let out = renew(&layout, &["front-proxy-client", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));

    let (ok, said) = openssl_verify(&fp_ca, None, &leaf, Some(later()));
    assert!(ok, "openssl verify -CAfile front-proxy-ca.crt: {said}");
    let inv = scan_at(&layout.root, later());
    let renewed = inv
        .certs
        .iter()
        .find(|c| c.kubeadm_name.as_deref() == Some("front-proxy-client"))
        .unwrap();
    assert!(
        !inv.problems_for(
            inv.certs
                .iter()
                .position(|c| c.sha256 == renewed.sha256)
                .unwrap()
        )
        .any(|p| p.kind == kcert::pki::ProblemKind::WrongCa),
        "{:#?}",
        inv.problems
    );
}

#[test]
fn without_the_key_of_kubeadms_ca_it_is_refused_with_why() {
    let (_dir, layout) = front_proxy_client_under_ca();
    std::fs::remove_file(layout.pki.join("front-proxy-ca.key")).unwrap();
    let before = snapshot(&layout.root);
    let out = renew(&layout, &["front-proxy-client", "--yes"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("it is under ca, but kubeadm signs it with front-proxy-ca, and the key of CA front-proxy-ca is missing"),
        "{said}"
    );
    assert_unchanged(&before, &layout.root);

    // Without front-proxy-ca at all, renewing under ca would change nothing that matters.
    std::fs::remove_file(layout.pki.join("front-proxy-ca.crt")).unwrap();
    let out = renew(&layout, &["front-proxy-client", "--yes"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("kubeadm signs it with front-proxy-ca, which is not on this node"),
        "{said}"
    );
}
