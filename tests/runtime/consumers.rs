//! Who uses each file: kubeadm manifests and the kubelet config mapped onto the inventory,
//! missing files, CA files that do not verify their clients, unreferenced certificates.

use kcert::demo::Faults;
use kcert::pki::{Inventory, ProblemKind, Severity};
use kcert::runtime::{analyse, Findings, Role};

use crate::common::{json, kcert, scan_at, text};
use crate::util::{later, node, TestNode};

fn findings(n: &TestNode) -> (Inventory, Findings) {
    let inv = scan_at(&n.layout.root, later());
    let f = analyse(&inv, &n.paths());
    (inv, f)
}

/// `component flag` of every consumer of the certificate at `rel` (first block).
fn users(inv: &Inventory, f: &Findings, rel: &str, n: &TestNode) -> Vec<String> {
    let path = n.layout.root.join(rel);
    let id = inv
        .certs
        .iter()
        .position(|c| c.origin.path() == path && c.origin.index() == 0)
        .unwrap_or_else(|| panic!("{rel} not in the inventory"));
    let mut v: Vec<String> = f
        .usage
        .of(id)
        .map(|c| format!("{} {}", c.component, c.flag))
        .collect();
    v.sort();
    v
}

#[test]
fn every_pki_flag_of_kubeadm_manifests_and_kubelet_config_maps_to_its_file() {
    let n = node(Faults::default(), "192.168.10.11");
    let (inv, f) = findings(&n);
    let pki = "etc/kubernetes/pki";
    assert_eq!(
        users(&inv, &f, &format!("{pki}/apiserver.crt"), &n),
        ["kube-apiserver --tls-cert-file"]
    );
    assert_eq!(
        users(&inv, &f, &format!("{pki}/etcd/server.crt"), &n),
        ["etcd --cert-file"]
    );
    assert_eq!(
        users(&inv, &f, &format!("{pki}/etcd/ca.crt"), &n),
        [
            "etcd --peer-trusted-ca-file",
            "etcd --trusted-ca-file",
            "kube-apiserver --etcd-cafile"
        ]
    );
    assert_eq!(
        users(&inv, &f, &format!("{pki}/front-proxy-ca.crt"), &n),
        [
            "kube-apiserver --requestheader-client-ca-file",
            "kube-controller-manager --requestheader-client-ca-file"
        ]
    );
    let ca = users(&inv, &f, &format!("{pki}/ca.crt"), &n);
    for want in [
        "kube-apiserver --client-ca-file",
        "kube-controller-manager --client-ca-file",
        "kube-controller-manager --cluster-signing-cert-file",
        "kube-controller-manager --root-ca-file",
        "kubelet authentication.x509.clientCAFile",
    ] {
        assert!(ca.iter().any(|u| u == want), "ca.crt lacks {want}: {ca:?}");
    }
    assert_eq!(
        users(&inv, &f, "etc/kubernetes/controller-manager.conf", &n),
        [
            "kube-controller-manager --authentication-kubeconfig",
            "kube-controller-manager --authorization-kubeconfig",
            "kube-controller-manager --kubeconfig"
        ]
    );
    // kubelet.conf names the rotated client pem by file; the kubelet presents that.
    assert_eq!(
        users(
            &inv,
            &f,
            "var/lib/kubelet/pki/kubelet-client-current.pem",
            &n
        ),
        ["kubelet --kubeconfig"]
    );
    assert_eq!(
        users(&inv, &f, "var/lib/kubelet/pki/kubelet.crt", &n),
        ["kubelet self-signed (no tlsCertFile)"]
    );
    // Keys and sa.pub are consumers too, though not certificates.
    let key_users: Vec<(String, Role)> = f
        .usage
        .consumers
        .iter()
        .filter(|c| c.path.extension().is_some_and(|e| e == "key" || e == "pub"))
        .map(|c| (format!("{} {}", c.component, c.flag), c.role))
        .collect();
    for (want, role) in [
        ("kube-apiserver --tls-private-key-file", Role::ServingKey),
        (
            "kube-apiserver --service-account-key-file",
            Role::ServiceAccountPublicKey,
        ),
        (
            "kube-controller-manager --service-account-private-key-file",
            Role::ServiceAccountKey,
        ),
        (
            "kube-controller-manager --cluster-signing-key-file",
            Role::SigningKey,
        ),
        ("etcd --peer-key-file", Role::PeerKey),
    ] {
        assert!(
            key_users.contains(&(want.to_string(), role)),
            "{want} missing: {key_users:?}"
        );
    }
    // A healthy kubeadm node: nothing to say about consumers or trust.
    let said: Vec<&str> = f.problems().map(|p| p.message.as_str()).collect();
    assert!(said.is_empty(), "{said:#?}");
}

#[test]
fn a_flag_naming_a_missing_file_is_an_error_in_check() {
    let n = node(Faults::default(), "192.168.10.11");
    std::fs::remove_file(n.pki("front-proxy-client.crt")).unwrap();
    let (_, f) = findings(&n);
    let missing: Vec<_> = f
        .problems()
        .filter(|p| p.kind == ProblemKind::Consumer && p.severity == Severity::Error)
        .collect();
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(missing[0].path, n.manifest("kube-apiserver.yaml"));
    assert_eq!(
        missing[0].message,
        format!(
            "kube-apiserver --proxy-client-cert-file names {}, which does not exist",
            n.pki("front-proxy-client.crt").display()
        )
    );
    let out = kcert(later(), &["check", n.root()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--proxy-client-cert-file names"),
        "{}",
        text(&out)
    );
}

#[test]
fn client_ca_files_that_do_not_verify_their_clients_are_errors() {
    let faults = Faults {
        wrong_ca: [
            "front-proxy-client",
            "apiserver-etcd-client",
            "controller-manager.conf",
            "apiserver-kubelet-client",
            "etcd-peer",
            "etcd-server",
        ]
        .map(String::from)
        .to_vec(),
        ..Faults::default()
    };
    let n = node(faults, "192.168.10.11");
    let (inv, f) = findings(&n);
    let mut got: Vec<(String, String)> = f
        .ca_problems
        .iter()
        .map(|p| {
            let name = p
                .cert_id
                .and_then(|id| inv.certs[id].kubeadm_name.clone())
                .unwrap_or_default();
            let head: String = p.message.split(" (").next().unwrap_or_default().into();
            (name, head)
        })
        .collect();
    got.sort();
    let want: Vec<(String, String)> = vec![
        ("apiserver-etcd-client", "etcd --trusted-ca-file"),
        (
            "apiserver-kubelet-client",
            "kubelet authentication.x509.clientCAFile",
        ),
        ("controller-manager.conf", "kube-apiserver --client-ca-file"),
        ("etcd-peer", "etcd --peer-trusted-ca-file"),
        ("etcd-server", "kube-apiserver --etcd-cafile"),
        (
            "front-proxy-client",
            "kube-apiserver --requestheader-client-ca-file",
        ),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
    let kcm = f
        .ca_problems
        .iter()
        .find(|p| p.message.contains("kube-controller-manager --kubeconfig"))
        .unwrap();
    assert!(
        kcm.message.ends_with(
            "issued by CN=front-proxy-ca): the API server will reject kube-controller-manager"
        ),
        "{}",
        kcm.message
    );
    assert!(f.ca_problems.iter().all(|p| p.severity == Severity::Error));
}

#[test]
fn unreferenced_certificates_are_information_only_where_a_control_plane_runs() {
    let n = node(Faults::default(), "192.168.10.11");
    std::fs::copy(n.pki("apiserver.crt"), n.pki("apiserver-old.crt")).unwrap();
    let (_, f) = findings(&n);
    let info: Vec<_> = f
        .problems()
        .filter(|p| p.severity == Severity::Info)
        .collect();
    assert_eq!(info.len(), 1, "{info:#?}");
    assert_eq!(info[0].path, n.pki("apiserver-old.crt"));
    assert!(info[0].message.contains(
        "no component on this node references it (read 4 manifest(s) and the kubelet config)"
    ));
    // The exit code of check is not changed by information.
    let out = kcert(later(), &["check", n.root()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A tree without manifests or kubelet config (a cfssl layout, a copied pki/) says nothing.
    std::fs::remove_dir_all(&n.layout.manifests).unwrap();
    std::fs::remove_file(n.layout.root.join("var/lib/kubelet/config.yaml")).unwrap();
    std::fs::remove_file(n.layout.etc_kubernetes.join("kubelet.conf")).unwrap();
    let (_, f) = findings(&n);
    assert_eq!(f.problems().count(), 0);
}

#[test]
fn check_json_lists_consumers_and_leaves_served_null_without_probe() {
    let n = node(Faults::default(), "192.168.10.11");
    let out = kcert(later(), &["check", "--output", "json", n.root()]);
    assert!(out.status.success(), "{}", text(&out));
    let doc = json(&out);
    let certs = doc["certificates"].as_array().unwrap();
    let by_name = |name: &str| {
        certs
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(
        by_name("apiserver")["consumers"],
        serde_json::json!([{
            "component": "kube-apiserver",
            "flag": "--tls-cert-file",
            "path": n.pki("apiserver.crt"),
            "role": "serving_cert",
        }])
    );
    assert_eq!(
        by_name("scheduler.conf")["consumers"][0]["component"],
        "kube-scheduler"
    );
    assert_eq!(by_name("admin.conf")["consumers"], serde_json::json!([]));
    assert!(certs.iter().all(|c| c["served"].is_null()));
}
