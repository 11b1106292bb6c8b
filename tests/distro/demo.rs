//! `kcert demo --layout k3s|microk8s`: a node of that kind with its planted faults, no demo
//! API server (such nodes join without CSRs or bootstrap tokens).

use crate::common::{json, kcert, kcert_cmd, now, text};

#[test]
fn demo_writes_a_node_of_the_layout_asked_for() {
    for (layout, distribution, planted) in [
        ("k3s", "k3s", "client-auth-proxy"),
        ("microk8s", "microk8s", "front-proxy-client.crt"),
        ("kubeadm", "kubeadm", "front-proxy-client"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let node = dir.path().join("node");
        let out = kcert_cmd(now())
            .args(["demo", "--no-tui", "--layout", layout, "--dir"])
            .arg(&node)
            .output()
            .unwrap();
        assert!(out.status.success(), "{layout}: {}", text(&out));
        let check = kcert(now(), &["check", "-o", "json", node.to_str().unwrap()]);
        assert_eq!(
            check.status.code(),
            Some(2),
            "{layout}: planted faults are critical"
        );
        let doc = json(&check);
        assert_eq!(doc["distribution"], distribution, "{layout}");
        let wrong_ca = doc["problems"].as_array().unwrap().iter().any(|p| {
            p["kind"] == "wrong_ca" && p["message"].as_str().unwrap().starts_with(planted)
        });
        assert!(wrong_ca, "{layout}: {planted} under the wrong CA");
    }
}
