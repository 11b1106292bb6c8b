//! `kcert fleet` against the fake API server proxying to live `kcert serve` processes, and
//! the same cluster seen by the real kubectl.

use std::time::{Duration, Instant};

use kcert::demo::Faults;

use crate::cluster::{Cluster, NS, SELECTOR};
use crate::common::text;

fn expired_apiserver() -> Faults {
    Faults {
        days_left: vec![("apiserver".into(), -3)],
        ..Faults::default()
    }
}

/// cp-1 (an expired apiserver certificate), w-1 (healthy), w-2 (its kcert stopped), w-3
/// (no kcert pod), and a pod of something else on w-1.
fn small_cluster() -> Cluster {
    let mut c = Cluster::new();
    for (n, cp) in [
        ("cp-1", true),
        ("w-1", false),
        ("w-2", false),
        ("w-3", false),
    ] {
        c.node(n, cp);
    }
    c.live_pod("kcert-cp1", "cp-1", "10.0.0.11", expired_apiserver());
    c.live_pod("kcert-w1", "w-1", "10.0.0.21", Faults::default());
    c.live_pod("kcert-w2", "w-2", "10.0.0.22", Faults::default());
    // w-2's kcert goes down: the pod is still listed, its proxy leads nowhere.
    let mut down = c.serves.pop().unwrap();
    down.child.kill().unwrap();
    let _ = down.child.wait();
    c.server.add_pod(&kcert_fakeapi::PodSpec {
        namespace: NS,
        name: "coredns-x",
        node: "w-1",
        labels: &[("app.kubernetes.io/name", "coredns")],
        ip: "10.0.0.99",
        port: 53,
        phase: "Running",
        ready: true,
    });
    c
}

#[test]
fn kubectl_lists_the_pods_by_selector_and_reads_a_report_through_the_pod_proxy() {
    let c = small_cluster();
    let out = c.kubectl(&["get", "pods", "-n", NS, "-l", SELECTOR, "-o", "wide"]);
    let listed = text(&out);
    assert!(out.status.success(), "{listed}");
    for pod in ["kcert-cp1", "kcert-w1", "kcert-w2"] {
        assert!(listed.contains(pod), "{listed}");
    }
    assert!(
        !listed.contains("coredns"),
        "the selector selects: {listed}"
    );
    assert!(
        listed.contains("10.0.0.11") && listed.contains("cp-1"),
        "{listed}"
    );
    let out = c.kubectl(&[
        "get",
        "pods",
        "-n",
        NS,
        "--field-selector",
        "spec.nodeName=w-1",
        "-o",
        "name",
    ]);
    assert_eq!(
        text(&out).lines().collect::<Vec<_>>(),
        ["pod/coredns-x", "pod/kcert-w1"]
    );
    let out = c.kubectl(&["get", "daemonsets", "-n", NS]);
    assert!(text(&out).contains("kcert"), "{}", text(&out));

    let raw = c.kubectl(&[
        "get",
        "--raw",
        &format!("/api/v1/namespaces/{NS}/pods/kcert-cp1:9793/proxy/report"),
    ]);
    assert!(raw.status.success(), "{}", text(&raw));
    assert_eq!(
        String::from_utf8(raw.stdout).unwrap(),
        c.serves[0].body("/report"),
        "the proxy passes the pod's report through unchanged"
    );
    let metrics = c.kubectl(&[
        "get",
        "--raw",
        &format!("/api/v1/namespaces/{NS}/pods/kcert-w1:9793/proxy/metrics"),
    ]);
    assert!(String::from_utf8_lossy(&metrics.stdout).contains("x509_cert_not_after{"));
    let down = c.kubectl(&[
        "get",
        "--raw",
        &format!("/api/v1/namespaces/{NS}/pods/kcert-w2:9793/proxy/report"),
    ]);
    assert!(!down.status.success());
    assert!(
        text(&down).contains("error trying to reach service"),
        "{}",
        text(&down)
    );
}

#[test]
fn the_fleet_shows_every_node_worst_first_and_exits_like_check() {
    let c = small_cluster();
    let out = c.fleet(&["-o", "json"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an expired certificate on cp-1: {}",
        text(&out)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    let names: Vec<&str> = nodes.iter().map(|n| n["node"].as_str().unwrap()).collect();
    assert_eq!(names, ["cp-1", "w-2", "w-3", "w-1"], "worst first");
    let cp = &nodes[0];
    assert_eq!(cp["state"], "reported");
    assert_eq!(cp["role"], "control-plane");
    assert_eq!(cp["health"], "critical");
    assert_eq!(cp["soonest"]["name"], "apiserver");
    assert_eq!(cp["exit_code"], 2);
    assert!(cp["problems"]["error"].as_u64().unwrap() >= 1);
    assert_eq!(cp["pod"], "kcert-cp1");
    let down = &nodes[1];
    assert_eq!(down["state"], "unreachable");
    assert!(
        down["error"]
            .as_str()
            .unwrap()
            .contains("error trying to reach service"),
        "{down}"
    );
    assert_eq!(nodes[2]["state"], "not_covered");
    assert_eq!(nodes[2]["role"], "worker");
    assert_eq!(nodes[3]["health"], "ok");
    assert_eq!(nodes[3]["state"], "reported");
    assert_eq!(doc["exit_code"], 2);

    let out = c.fleet(&[]);
    let table = text(&out);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("NODE"), "{table}");
    assert!(
        lines[1].starts_with("cp-1")
            && lines[1].contains("critical")
            && lines[1].contains("apiserver")
            && lines[1].contains("expired"),
        "{table}"
    );
    assert!(
        lines[2].contains("unreachable") && lines[2].contains("error trying to reach service"),
        "{table}"
    );
    assert!(
        lines[3].contains("not covered") && lines[3].contains("no kcert pod"),
        "{table}"
    );
    assert!(
        lines[4].starts_with("w-1") && lines[4].contains("ok"),
        "{table}"
    );
}

#[test]
fn a_node_that_never_answers_does_not_hold_up_the_others() {
    let mut c = Cluster::new();
    c.node("w-1", false);
    c.node("w-9", false);
    c.live_pod("kcert-w1", "w-1", "10.0.0.21", Faults::default());
    // Accepts the connection, never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    c.pod("kcert-w9", "w-9", "10.0.0.29");
    c.server
        .proxy_pod(NS, "kcert-w9", silent.local_addr().unwrap());
    let start = Instant::now();
    let out = c.fleet(&["-o", "json", "--node-timeout", "2"]);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["node"], "w-9");
    assert_eq!(nodes[0]["error"], "no report within 2 s");
    assert_eq!(nodes[1]["health"], "ok");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a node that cannot be seen is a warning"
    );
    drop(silent);
}

#[test]
fn a_report_larger_than_the_cap_is_refused_in_words() {
    let mut c = Cluster::new();
    c.node("w-1", false);
    c.live_pod("kcert-w1", "w-1", "10.0.0.21", Faults::default());
    let access = kcert::cluster::Access {
        kubeconfig: Some(c.kubeconfig.clone()),
        ..Default::default()
    };
    let loc = kcert::cluster::Locations::isolated(c.dir.path().join("none"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let conn = rt.block_on(kcert::fleet::connect(&access, &loc)).unwrap();
    let opts = kcert::fleet::FleetOptions {
        max_report: 4096,
        ..Default::default()
    };
    let fetch = |o| {
        rt.block_on(kcert::fleet::fetch::fetch_report(
            &conn.client,
            o,
            "kcert-w1",
        ))
    };
    let err = fetch(&opts).unwrap_err();
    assert!(err.contains("larger than"), "{err}");
    let whole = kcert::fleet::FleetOptions::default();
    let report = fetch(&whole).unwrap();
    assert!(report.certificates.len() > 15);
}
