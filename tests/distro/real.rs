//! The real public k3s and hard-way files (../shared/fixtures/real, see its SOURCES.md), and
//! the kubeadm and cfssl trees there, which must still read as before.

use kcert::pki::distro::{Distribution, NodeRole};
use kcert::pki::{CaRole, ChainVerdict, EntryKind};

use crate::common::{kcert, now, real_fixtures, scan_at};
use crate::util::{at, in_kubeconfig};

/// `campusrover__rover-k3s/k3s.yaml` is `/etc/rancher/k3s/k3s.yaml`; `Altjin09__my_k8s` is
/// k3d's client bundle extracted to files (`client.crt` = leaf + k3s client CA).
#[test]
fn real_k3s_files_read_as_k3s() {
    let fixtures = real_fixtures!();
    let inv = scan_at(&fixtures.join("campusrover__rover-k3s/k3s.yaml"), now());
    assert_eq!(inv.distribution.distribution, Distribution::K3s);
    assert_eq!(inv.distribution.roles, [NodeRole::Server]);
    let user = in_kubeconfig(&inv, EntryKind::User, 0);
    assert_eq!(inv.certs[user].chain, ChainVerdict::Verified);
    assert_eq!(
        inv.ca_role(inv.certs[user].issuer_id.unwrap()),
        Some(CaRole::Client)
    );

    let dir = fixtures.join("Altjin09__my_k8s");
    let inv = scan_at(&dir, now());
    assert_eq!(inv.distribution.distribution, Distribution::K3s);
    let leaf = &inv.certs[at(&inv, &dir.join("client.crt"), 0)];
    assert_eq!(leaf.chain, ChainVerdict::Verified);
    assert_eq!(leaf.key_match, Some(true));
    // Under the client CA that follows it in its file, found by its k3s name.
    assert_eq!(leaf.issuer_id, Some(at(&inv, &dir.join("client.crt"), 1)));
    assert_eq!(inv.ca_role(leaf.issuer_id.unwrap()), Some(CaRole::Client));
    let server_ca = at(&inv, &dir.join("server-ca.crt"), 0);
    assert_eq!(inv.ca_role(server_ca), Some(CaRole::Server));
}

/// `weibeld__kubernetes-the-hard-way-files`: the cfssl files of Kubernetes the hard way.
#[test]
fn the_real_hard_way_files_read_as_the_hard_way() {
    let fixtures = real_fixtures!();
    let inv = scan_at(
        &fixtures.join("weibeld__kubernetes-the-hard-way-files"),
        now(),
    );
    assert_eq!(inv.distribution.distribution, Distribution::HardWay);
}

/// The kubeadm trees stay kubeadm's, with kubeadm's names; nothing in them is anybody's copy.
#[test]
fn real_kubeadm_trees_stay_kubeadm() {
    let fixtures = real_fixtures!();
    for tree in [
        "Ebenneil__k8",
        "zetaoss__zeta-linux",
        "MaxxMoney__kubeadm_etc_kubernetes",
    ] {
        let inv = scan_at(&fixtures.join(tree), now());
        assert_eq!(
            inv.distribution.distribution,
            Distribution::Kubeadm,
            "{tree}"
        );
        assert!(
            inv.certs
                .iter()
                .any(|c| c.kubeadm_name.as_deref() == Some("apiserver")),
            "{tree}"
        );
        let out = kcert(now(), &["check", fixtures.join(tree).to_str().unwrap()]);
        let table = String::from_utf8_lossy(&out.stdout);
        assert!(
            table.starts_with("Distribution: kubeadm"),
            "{tree}: {table}"
        );
    }
}

/// `Mahmoudalziem__pki`: kubeadm's `pki` files copied into a folder of another name are still
/// kubeadm's, by kubeadm's file names.
#[test]
fn a_copied_kubeadm_pki_reads_as_kubeadm_by_its_file_names() {
    let fixtures = real_fixtures!();
    let inv = scan_at(&fixtures.join("Mahmoudalziem__pki"), now());
    assert_eq!(inv.distribution.distribution, Distribution::Kubeadm);
    assert_eq!(inv.distribution.roles, [NodeRole::Server]);
}
