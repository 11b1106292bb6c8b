//! A k3s server (and agent) as k3s writes its files: k3s-io/k3s
//! `pkg/daemons/control/deps/deps.go` (`CreateRuntimeCertFiles`: the paths below
//! `server/tls`; `genClientCerts`, `genServerCerts`, `genRequestHeaderCerts`, `genETCDCerts`:
//! CNs, O values, EKUs and SANs; `createSigningCertKey`: CA names `<prefix>-ca@<unix time>`;
//! `createClientCertKey`: every leaf file holds the leaf followed by its CA; `KubeConfig`:
//! `server/cred/*.kubeconfig` with file references) and `pkg/agent/config/config.go` (the
//! agent's files, fetched with the CA bundle). The tree comes from `kcert::demo`'s k3s writer.

use std::path::Path;

use kcert::demo::{write_rancher_tree, Faults, RancherLayout, RancherSpec};
use kcert::pki::distro::{Distribution, NodeRole};
use kcert::pki::{CaRole, ChainVerdict, Origin, ProblemKind};
use x509_parser::extensions::ParsedExtension;

use crate::common::{json, kcert, made, openssl_verify, parse, read_certs, scan_at};
use crate::util::at;

pub fn spec(distribution: Distribution, faults: Faults) -> RancherSpec {
    RancherSpec {
        now: made(),
        distribution,
        node_name: "server-1".into(),
        node_ip: "10.0.0.5".parse().unwrap(),
        server: true,
        agent: true,
        faults,
    }
}

pub fn k3s_node(faults: Faults) -> (tempfile::TempDir, RancherLayout) {
    let dir = tempfile::tempdir().unwrap();
    let layout = write_rancher_tree(dir.path(), &spec(Distribution::K3s, faults)).unwrap();
    (dir, layout)
}

const LEAVES: [&str; 13] = [
    "client-admin",
    "client-supervisor",
    "client-controller",
    "client-scheduler",
    "client-kube-apiserver",
    "client-kube-proxy",
    "client-k3s-controller",
    "client-k3s-cloud-controller",
    "serving-kube-apiserver",
    "client-auth-proxy",
    "etcd/client",
    "etcd/server-client",
    "etcd/peer-server-client",
];

/// The CA file k3s signs each leaf with (`deps.go`).
fn ca_of(leaf: &str) -> &'static str {
    match leaf {
        "serving-kube-apiserver" => "server-ca",
        "client-auth-proxy" => "request-header-ca",
        "etcd/client" | "etcd/server-client" => "etcd/server-ca",
        "etcd/peer-server-client" => "etcd/peer-ca",
        _ => "client-ca",
    }
}

fn crt(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(format!("{name}.crt"))
}

#[test]
fn the_tree_is_what_k3s_writes() {
    let (_d, k) = k3s_node(Faults::default());
    for leaf in LEAVES {
        let blocks = read_certs(&crt(&k.tls, leaf));
        assert_eq!(blocks.len(), 2, "{leaf}: leaf + CA");
        assert_eq!(
            blocks[1],
            read_certs(&crt(&k.tls, ca_of(leaf)))[0],
            "{leaf}"
        );
    }
    let admin = read_certs(&crt(&k.tls, "client-admin"));
    let admin = parse(&admin[0]);
    assert_eq!(
        admin.subject().to_string(),
        "O=system:masters, CN=system:admin"
    );
    let serving = read_certs(&crt(&k.tls, "serving-kube-apiserver"));
    let serving = parse(&serving[0]);
    let sans: Vec<String> = serving
        .extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(s) => Some(s),
            _ => None,
        })
        .flat_map(|s| s.general_names.iter().map(|n| n.to_string()))
        .collect();
    assert!(
        sans.iter()
            .any(|s| s.contains("kubernetes.default.svc.cluster.local")),
        "{sans:?}"
    );
    let ca = read_certs(&crt(&k.tls, "client-ca"));
    let cn = parse(&ca[0]).subject().to_string();
    assert!(cn.starts_with("CN=k3s-client-ca@"), "{cn}");
    let admin_kubeconfig =
        std::fs::read_to_string(k.data.join("server/cred/admin.kubeconfig")).unwrap();
    assert!(admin_kubeconfig.contains(&format!(
        "certificate-authority: {}",
        crt(&k.tls, "server-ca").display()
    )));
    assert!(admin_kubeconfig.contains(&format!(
        "client-certificate: {}",
        crt(&k.tls, "client-admin").display()
    )));
}

/// kcert used to take `client-admin.crt`'s copy of the client CA for the issuer of every
/// client certificate, and the CA as "managed outside this node" though `client-ca.key` is
/// beside it.
#[test]
fn each_leaf_is_verified_under_its_ca_file_and_the_copies_are_only_copies() {
    let (_d, k) = k3s_node(Faults::default());
    let inv = scan_at(&k.root, made());
    assert_eq!(inv.distribution.distribution, Distribution::K3s);
    assert_eq!(inv.distribution.roles, [NodeRole::Server, NodeRole::Agent]);
    for leaf in LEAVES {
        let path = crt(&k.tls, leaf);
        let id = at(&inv, &path, 0);
        let cert = &inv.certs[id];
        assert_eq!(cert.chain, ChainVerdict::Verified, "{leaf}");
        let issuer = &inv.certs[cert.issuer_id.unwrap()];
        let ca_file = crt(&k.tls, ca_of(leaf));
        assert_eq!(
            issuer.origin,
            Origin::File {
                path: ca_file.clone(),
                index: 0
            },
            "{leaf} is under the CA's own file"
        );
        assert_eq!(cert.key_match, Some(true), "{leaf}: its key");
        assert_eq!(issuer.key_match, Some(true), "{leaf}: the CA with its key");
        let (ok, said) = openssl_verify(&ca_file, None, &path, Some(made()));
        assert!(ok, "{leaf}: openssl: {said}");
        let copy = &inv.certs[at(&inv, &path, 1)];
        assert_eq!(copy.copy_of, Some(cert.issuer_id.unwrap()), "{leaf} #2");
    }
    for (ca, role) in [
        ("client-ca", CaRole::Client),
        ("server-ca", CaRole::Server),
        ("request-header-ca", CaRole::FrontProxy),
        ("etcd/server-ca", CaRole::EtcdServer),
        ("etcd/peer-ca", CaRole::EtcdPeer),
    ] {
        let id = at(&inv, &crt(&k.tls, ca), 0);
        assert_eq!(inv.ca_role(id), Some(role), "{ca}");
        assert_eq!(inv.certs[id].copy_of, None, "{ca} is the CA");
    }
    // The agent's CA files are copies of the server's; its leaves verify all the same.
    let agent_ca = at(&inv, &crt(&k.agent, "client-ca"), 0);
    assert_eq!(
        inv.certs[agent_ca].copy_of,
        Some(at(&inv, &crt(&k.tls, "client-ca"), 0))
    );
    let kubelet = &inv.certs[at(&inv, &crt(&k.agent, "client-kubelet"), 0)];
    assert_eq!(kubelet.chain, ChainVerdict::Verified);
    assert_eq!(kubelet.key_match, Some(true));
    // Healthy: no problem at all, not for the copies, not for service.key and the
    // per-agent keys k3s keeps without certificates.
    assert_eq!(
        inv.problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>(),
        Vec::<String>::new()
    );
}

#[test]
fn json_names_the_distribution_its_roles_and_each_copys_original() {
    let (_d, k) = k3s_node(Faults::default());
    let root = k.root.to_str().unwrap();
    let out = kcert(made(), &["check", "-o", "json", root]);
    assert_eq!(out.status.code(), Some(0), "{}", crate::common::text(&out));
    let doc = json(&out);
    assert_eq!(doc["distribution"], "k3s");
    assert_eq!(doc["roles"], serde_json::json!(["server", "agent"]));
    let certs = doc["certificates"].as_array().unwrap();
    let admin = crt(&k.tls, "client-admin");
    let copy = certs
        .iter()
        .find(|c| c["path"] == admin.to_str().unwrap() && c["index"] == 1)
        .unwrap();
    assert_eq!(copy["copy_of"], crt(&k.tls, "client-ca").to_str().unwrap());
    let proxy = certs
        .iter()
        .find(|c| c["name"] == "client-auth-proxy")
        .unwrap();
    assert_eq!(proxy["ca_role"], "front-proxy");
    assert_eq!(proxy["copy_of"], serde_json::Value::Null);
    // The table's first line says it too.
    let table = kcert(made(), &["check", root]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.starts_with("Distribution: k3s (server, agent)\n"),
        "{table}"
    );
}

#[test]
fn a_leaf_under_another_k3s_ca_is_caught_as_the_wrong_ca() {
    let (_d, k) = k3s_node(Faults {
        wrong_ca: vec!["client-auth-proxy".into(), "agent/serving-kubelet".into()],
        ..Faults::default()
    });
    let inv = scan_at(&k.root, made());
    for (file, must) in [
        (crt(&k.tls, "client-auth-proxy"), "request-header-ca"),
        (crt(&k.agent, "serving-kubelet"), "server-ca"),
    ] {
        let id = at(&inv, &file, 0);
        let p = inv
            .problems_for(id)
            .find(|p| p.kind == ProblemKind::WrongCa)
            .unwrap_or_else(|| panic!("{}: no wrong-CA problem", file.display()));
        assert!(
            p.message.contains(&format!("k3s uses {must}")),
            "{}",
            p.message
        );
        // openssl agrees: it does not verify under the CA k3s uses for it.
        let (ok, _) = openssl_verify(&crt(&k.tls, must), None, &file, Some(made()));
        assert!(!ok, "{} verifies under {must}", file.display());
    }
}

/// k3s runs the whole control plane in one process: it is every file's consumer.
#[test]
fn the_k3s_process_consumes_its_files() {
    let (_d, k) = k3s_node(Faults::default());
    let out = kcert(made(), &["check", "-o", "json", k.root.to_str().unwrap()]);
    let doc = json(&out);
    for c in doc["certificates"].as_array().unwrap() {
        let path = c["path"].as_str().unwrap();
        if c["index"] == 0 && path.starts_with(k.tls.to_str().unwrap()) {
            assert_eq!(c["consumers"][0]["component"], "k3s", "{path}");
        }
    }
    assert!(
        doc["problems"].as_array().unwrap().is_empty(),
        "nothing unreferenced: {}",
        doc["problems"]
    );
}
