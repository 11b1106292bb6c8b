//! RKE2: the same code as k3s with `rke2` for the program (docs.rke2.io/security/certificates;
//! k3s-io/k3s `deps.go` uses `version.Program` in the names that differ), its units
//! `rke2-server`/`rke2-agent`, and the real public RKE2 files in the shared fixtures.

use kcert::demo::{write_rancher_tree, Faults, RancherLayout};
use kcert::pki::distro::{handover, Distribution, NodeRole};
use kcert::pki::{CaRole, ChainVerdict, EntryKind, Origin};

use super::k3s::spec;
use crate::common::{made, real_fixtures, scan_at};
use crate::util::{at, in_kubeconfig, renew};

#[test]
fn an_rke2_server_has_rke2_names_units_and_commands() {
    let (dir, layout) = rke2_node();
    let inv = scan_at(dir.path(), made());
    assert_eq!(inv.distribution.distribution, Distribution::Rke2);
    assert_eq!(inv.distribution.roles, [NodeRole::Server, NodeRole::Agent]);
    let file = layout.tls.join("client-rke2-controller.crt");
    let id = at(&inv, &file, 0);
    let cert = &inv.certs[id];
    assert_eq!(cert.known_name(), Some("client-rke2-controller"));
    assert_eq!(cert.chain, ChainVerdict::Verified);
    assert_eq!(
        inv.certs[cert.issuer_id.unwrap()].origin,
        Origin::File {
            path: layout.tls.join("client-ca.crt"),
            index: 0
        }
    );
    let h = handover(&inv, id, made()).unwrap();
    assert_eq!(
        h.steps,
        [
            "systemctl stop rke2-server",
            "rke2 certificate rotate --service rke2-controller",
            "systemctl start rke2-server"
        ]
    );
    assert!(layout.kubeconfig.ends_with("etc/rancher/rke2/rke2.yaml"));
    assert!(inv.problems.is_empty(), "{:?}", inv.problems);
}

fn rke2_node() -> (tempfile::TempDir, RancherLayout) {
    let dir = tempfile::tempdir().unwrap();
    let layout =
        write_rancher_tree(dir.path(), &spec(Distribution::Rke2, Faults::default())).unwrap();
    (dir, layout)
}

/// `Kiiroi88__vagrant-rke2-cluster/rke2.yaml`: the user's data is client-admin with the client
/// CA after it; the cluster's CA is the server CA.
#[test]
fn the_real_rke2_kubeconfig_is_an_rke2_server_with_its_client_under_the_client_ca() {
    let fixtures = real_fixtures!();
    let file = fixtures.join("Kiiroi88__vagrant-rke2-cluster/rke2.yaml");
    let inv = scan_at(&file, crate::common::now());
    assert_eq!(inv.distribution.distribution, Distribution::Rke2);
    assert_eq!(inv.distribution.roles, [NodeRole::Server]);
    let user = in_kubeconfig(&inv, EntryKind::User, 0);
    let cert = &inv.certs[user];
    assert_eq!(cert.chain, ChainVerdict::Verified);
    let issuer = cert.issuer_id.unwrap();
    assert_eq!(inv.ca_role(issuer), Some(CaRole::Client));
    assert!(matches!(
        &inv.certs[issuer].origin,
        Origin::Kubeconfig {
            entry: EntryKind::User,
            index: 1,
            ..
        }
    ));
    let cluster = in_kubeconfig(&inv, EntryKind::Cluster, 0);
    assert_eq!(inv.ca_role(cluster), Some(CaRole::Server));
    assert!(
        inv.problems
            .iter()
            .all(|p| p.kind != kcert::pki::ProblemKind::WrongCa),
        "{:?}",
        inv.problems
    );
}

/// `cachac__kubelabsAdmin`: RKE2's CA files copied into a repository, named only by their CNs.
#[test]
fn copied_rke2_cas_are_known_by_their_names() {
    let fixtures = real_fixtures!();
    let dir = fixtures.join("cachac__kubelabsAdmin");
    let inv = scan_at(&dir, crate::common::now());
    assert_eq!(inv.distribution.distribution, Distribution::Rke2);
    for (file, role) in [
        ("client-ca.crt", CaRole::Client),
        ("server-ca.crt", CaRole::Server),
    ] {
        let id = at(&inv, &dir.join(file), 0);
        assert_eq!(inv.ca_role(id), Some(role), "{file}");
    }
    // A copy outside RKE2's data directory is not RKE2's to renew.
    let carlos = at(&inv, &dir.join("carlos.crt"), 0);
    assert_eq!(handover(&inv, carlos, crate::common::now()), None);
}

/// RKE2 runs its control plane as static pods of its own agent
/// (`/var/lib/rancher/rke2/agent/pod-manifests`): they are the consumers, and a forced
/// renewal names both the pod and `rke2-server` to restart.
#[test]
fn rke2_static_pods_consume_its_files_and_are_named_for_restart() {
    let (dir, layout) = rke2_node();
    let tls = layout.tls.display();
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n\
         spec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    \
         - --tls-cert-file={tls}/serving-kube-apiserver.crt\n    \
         - --tls-private-key-file={tls}/serving-kube-apiserver.key\n    \
         - --client-ca-file={tls}/client-ca.crt\n"
    );
    let pods = layout.agent.join("pod-manifests");
    std::fs::create_dir_all(&pods).unwrap();
    std::fs::write(pods.join("kube-apiserver.yaml"), pod).unwrap();
    let root = dir.path().to_str().unwrap();
    let out = crate::common::kcert(made(), &["check", "-o", "json", root]);
    let doc = crate::common::json(&out);
    let serving = layout.tls.join("serving-kube-apiserver.crt");
    let cert = doc["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == serving.to_str().unwrap() && c["index"] == 0)
        .unwrap();
    assert_eq!(cert["consumers"][0]["component"], "kube-apiserver");
    assert_eq!(cert["consumers"][0]["flag"], "--tls-cert-file");
    // What the rke2 process itself reads, no pod names: the supervisor's client, for one.
    let supervisor = doc["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "client-supervisor")
        .unwrap();
    assert_eq!(supervisor["consumers"][0]["component"], "rke2-server");
    let later = made() + chrono::Duration::days(300);
    let (code, stdout, out) = renew(later, root, &["--force", "serving-kube-apiserver"]);
    assert_eq!(code, 0, "{}", crate::common::text(&out));
    assert!(
        stdout.contains("Now restart kube-apiserver and rke2-server."),
        "{stdout}"
    );
}
