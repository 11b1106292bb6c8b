//! Served versus on disk: real TLS servers on loopback presenting the tree's certificates
//! (current, stale after a renewal, self-made, none, silent).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use chrono::Duration as Days;
use kcert::demo::Faults;
use kcert::pki::sha256_hex;
use kcert::runtime::{self, Component, Endpoint, Node, ServedState};
use kcert::sign::{cert_to_pem, issue, CertTemplate, Issuer, KeySpec, PrivateKey, Subject};

use crate::common::{cli_snapshot_settings, json, kcert, text};
use crate::server::{black_hole, loopback, TlsServer};
use crate::util::{later, node, probe_now, TestNode};

fn first_cert_sha(path: &std::path::Path) -> String {
    let pem = std::fs::read(path).unwrap();
    let block = pem::parse_many(pem)
        .unwrap()
        .into_iter()
        .find(|b| b.tag() == "CERTIFICATE")
        .unwrap();
    sha256_hex(block.contents())
}

/// A certificate made in memory, as kube-controller-manager does without --tls-cert-file.
fn self_made() -> (String, String) {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let t = CertTemplate::new(
        Subject::new("localhost@1767600000", &[]).unwrap(),
        later() - Days::days(1),
        later() + Days::days(365),
    );
    let der = issue(&t, &key, Issuer::SelfSigned).unwrap();
    (cert_to_pem(&der), key.to_native_pem().unwrap())
}

/// Every component of the node serving what a running control plane would.
struct Running {
    _servers: Vec<TlsServer>,
}

fn run_control_plane(n: &TestNode) -> Running {
    let p = n.ports;
    let pki = |f: &str| n.pki(f);
    let etcd_ca = std::fs::read(pki("etcd/ca.crt")).unwrap();
    let (kcm_cert, kcm_key) = self_made();
    let servers = vec![
        TlsServer::from_files(
            loopback(p.api),
            &pki("apiserver.crt"),
            &pki("apiserver.key"),
        )
        .unwrap(),
        // etcd requires client certificates (--client-cert-auth=true).
        TlsServer::start(
            loopback(p.etcd_client),
            &std::fs::read(pki("etcd/server.crt")).unwrap(),
            &std::fs::read(pki("etcd/server.key")).unwrap(),
            Some(&etcd_ca),
        )
        .unwrap(),
        TlsServer::start(
            loopback(p.etcd_peer),
            &std::fs::read(pki("etcd/peer.crt")).unwrap(),
            &std::fs::read(pki("etcd/peer.key")).unwrap(),
            Some(&etcd_ca),
        )
        .unwrap(),
        TlsServer::from_files(
            loopback(p.kubelet),
            &n.layout.kubelet_pki.join("kubelet.crt"),
            &n.layout.kubelet_pki.join("kubelet.key"),
        )
        .unwrap(),
        TlsServer::start(
            loopback(p.kcm),
            kcm_cert.as_bytes(),
            kcm_key.as_bytes(),
            None,
        )
        .unwrap(),
        // kube-scheduler is down.
    ];
    Running { _servers: servers }
}

fn states(results: &[runtime::ProbeResult]) -> HashMap<(Component, &'static str), ServedState> {
    results
        .iter()
        .map(|r| ((r.endpoint.component, r.endpoint.listener), r.state))
        .collect()
}

#[test]
fn each_listener_is_current_stale_self_made_or_down() {
    let n = node(Faults::default(), "127.0.0.1");
    let _running = run_control_plane(&n);
    let old_etcd = first_cert_sha(&n.pki("etcd/server.crt"));
    // Renewal writes a new etcd/server.crt; the running etcd still serves the old one.
    let out = kcert(
        later(),
        &["renew", "etcd-server", "--root", n.root(), "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let new_etcd = first_cert_sha(&n.pki("etcd/server.crt"));
    assert_ne!(old_etcd, new_etcd);

    let node_ = Node::read(&n.paths());
    let targets = runtime::targets(&node_, &[]);
    assert!(targets.skipped.is_empty(), "{:?}", targets.skipped);
    let results = probe_now(&targets.endpoints, Duration::from_secs(2));
    let got = states(&results);
    let want: HashMap<(Component, &str), ServedState> = [
        ((Component::ApiServer, "secure port"), ServedState::Current),
        ((Component::Etcd, "client"), ServedState::Stale),
        ((Component::Etcd, "peer"), ServedState::Current),
        ((Component::Kubelet, "secure port"), ServedState::Current),
        (
            (Component::ControllerManager, "secure port"),
            ServedState::NoFile,
        ),
        (
            (Component::Scheduler, "secure port"),
            ServedState::NotListening,
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    let etcd = results
        .iter()
        .find(|r| r.endpoint.listener == "client")
        .unwrap();
    assert_eq!(etcd.served.as_ref().unwrap().sha256, old_etcd);
    assert_eq!(etcd.disk_sha256.as_deref(), Some(new_etcd.as_str()));
    let kubelet = results
        .iter()
        .find(|r| r.endpoint.component == Component::Kubelet)
        .unwrap();
    assert_eq!(
        kubelet.served.as_ref().unwrap().chain_len,
        2,
        "leaf and its CA"
    );
    assert_eq!(
        kubelet.served.as_ref().unwrap().sha256,
        first_cert_sha(&n.layout.kubelet_pki.join("kubelet.crt"))
    );

    // The CLI says the same, and exits 1: act on it, nothing expired yet.
    let out = kcert(later(), &["probe", "--node-root", n.root()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    let etcd_row = table
        .lines()
        .find(|l| l.starts_with("etcd") && l.contains("client"))
        .unwrap();
    assert!(
        etcd_row.contains("serving an older certificate: restart needed"),
        "{table}"
    );
    assert!(table
        .lines()
        .any(|l| l.starts_with("kube-scheduler") && l.contains("not listening")));

    let out = kcert(later(), &["probe", "--node-root", n.root(), "-o", "json"]);
    let doc = json(&out);
    assert_eq!(doc["exit_code"], 1);
    let endpoints = doc["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 6);
    assert!(endpoints
        .iter()
        .any(|e| e["endpoint"]["component"] == "etcd" && e["state"] == "stale"));

    // check stays offline unless asked; with --probe each certificate says what is served.
    let out = kcert(later(), &["check", "--probe", "--output", "json", n.root()]);
    let doc = json(&out);
    let certs = doc["certificates"].as_array().unwrap();
    let by_name = |name: &str| certs.iter().find(|c| c["name"] == name).unwrap();
    assert_eq!(by_name("etcd-server")["served"][0]["state"], "stale");
    assert_eq!(
        by_name("etcd-server")["served"][0]["served_sha256"],
        old_etcd
    );
    assert_eq!(by_name("apiserver")["served"][0]["state"], "current");
    assert_eq!(by_name("ca")["served"], serde_json::json!([]));
    assert!(doc["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["kind"] == "served"
            && p["message"]
                .as_str()
                .unwrap()
                .contains("serves an older certificate than")));
    assert_eq!(doc["exit_code"], 1);
}

#[test]
fn a_port_that_accepts_but_never_answers_times_out() {
    let hole = black_hole();
    let addr = hole.local_addr().unwrap();
    let e = Endpoint {
        component: Component::ApiServer,
        listener: "secure port",
        addr,
        cert_file: None,
        source: "/nonexistent/kube-apiserver.yaml".into(),
    };
    let results = probe_now(&[e], Duration::from_millis(300));
    assert_eq!(results[0].state, ServedState::Timeout);
    assert!(results[0].elapsed >= Duration::from_millis(300));
    assert_eq!(
        results[0].detail.as_deref(),
        Some("no TLS answer within 300 ms")
    );
}

#[test]
fn only_loopback_and_given_node_addresses_are_targets() {
    let n = node(Faults::default(), "192.168.10.11");
    let node_ = Node::read(&n.paths());
    let t = runtime::targets(&node_, &[]);
    assert!(t.endpoints.iter().all(|e| e.addr.ip().is_loopback()));
    let skipped: Vec<String> = t
        .skipped
        .iter()
        .map(|s| format!("{} {} {}", s.component, s.listener, s.address))
        .collect();
    assert_eq!(
        skipped,
        [
            format!("etcd client 192.168.10.11:{}", n.ports.etcd_client),
            format!("etcd peer 192.168.10.11:{}", n.ports.etcd_peer),
        ]
    );
    // Given explicitly, the node address is a target (not probed here: loopback only).
    let ip: IpAddr = "192.168.10.11".parse().unwrap();
    let t = runtime::targets(&node_, &[ip]);
    assert!(t.skipped.is_empty());
    assert!(t
        .endpoints
        .iter()
        .any(|e| e.component == Component::Etcd && e.listener == "peer" && e.addr.ip() == ip));
    // The API server binds all addresses: loopback and the node address.
    let api: Vec<String> = t
        .of(Component::ApiServer)
        .iter()
        .map(|e| e.addr.ip().to_string())
        .collect();
    assert_eq!(api, ["127.0.0.1", "192.168.10.11"]);
}

/// `kcert probe` on a node whose components are all down: each listener says so, the
/// advertised address is left alone, and the exit code asks for action.
#[test]
fn probe_table_of_a_node_with_nothing_listening() {
    let n = node(Faults::default(), "192.168.10.11");
    let out = kcert(later(), &["probe", "--node-root", n.root()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    cli_snapshot_settings(&n.layout.root)
        .bind(|| insta::assert_snapshot!("probe_nothing_listening", stdout));
}
