//! The binary: exit codes like a monitoring plugin, the documented JSON, the table.

use kcert::sign::KeySpec;

use crate::common::{
    json, kcert, kcert_bin, made, node_spec, real_fixtures, regex_escape, text, write_tree,
};

fn run(args: &[&str], now: &str) -> (i32, String, String) {
    let out = kcert_bin()
        .env("KCERT_NOW", now)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exit_codes_follow_the_monitoring_plugin_convention() {
    // Leaves of this real tree expire on 2025-08-21 10:09 UTC; its CAs in 2034.
    let (got, _, stderr) = run(&["check", "/nonexistent/kcert"], "2025-01-01T00:00:00Z");
    assert_eq!(got, 3);
    assert!(
        stderr.contains("/nonexistent/kcert: no such file or directory"),
        "{stderr}"
    );
    let tree = real_fixtures!().join("ZYWNB666__kube-cert-validity-check");
    let tree = tree.to_str().unwrap();
    for (now, code) in [
        ("2025-01-01T00:00:00Z", 0),
        ("2025-08-01T00:00:00Z", 1),
        ("2025-08-18T00:00:00Z", 2),
        ("2026-11-22T00:00:00Z", 2),
    ] {
        let (got, stdout, stderr) = run(&["check", tree], now);
        assert_eq!(got, code, "at {now}:\n{stdout}{stderr}");
    }
    // Thresholds move the boundaries.
    let (got, _, _) = run(
        &["check", "--warn", "10", "--crit", "5", tree],
        "2025-08-01T00:00:00Z",
    );
    assert_eq!(got, 0);
}

#[test]
fn json_has_the_documented_fields() {
    let tree = real_fixtures!().join("zetaoss__zeta-linux/etc/kubernetes");
    let (code, stdout, _) = run(
        &["check", "--output", "json", tree.to_str().unwrap()],
        "2026-11-22T12:00:00Z",
    );
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    // The long arrays are rendered in parallel and spliced in: still one pretty document.
    assert_eq!(
        serde_json::to_string_pretty(&doc).unwrap() + "\n",
        stdout,
        "kcert's JSON is what a pretty printer writes"
    );
    assert_eq!(doc["generated_at"], "2026-11-22T12:00:00Z");
    assert_eq!(doc["exit_code"], 2);
    let certs = doc["certificates"].as_array().unwrap();
    let apiserver = certs
        .iter()
        .find(|c| c["name"] == "apiserver")
        .expect("apiserver");
    for field in [
        "path",
        "index",
        "name",
        "subject",
        "issuer",
        "serial",
        "not_before",
        "not_after",
        "days_left",
        "status",
        "chain",
        "issuer_path",
        "key_path",
        "key_match",
        "sans",
        "usages",
        "is_ca",
        "key_algorithm",
        "sha256",
        "source",
    ] {
        assert!(apiserver.get(field).is_some(), "missing {field}");
    }
    assert_eq!(apiserver["subject"], "CN=kube-apiserver");
    assert_eq!(apiserver["status"], "expired");
    assert_eq!(apiserver["chain"], "verified");
    assert_eq!(apiserver["key_match"], true);
    assert!(apiserver["issuer_path"]
        .as_str()
        .unwrap()
        .ends_with("/pki/ca.crt"));
    assert!(apiserver["path"].as_str().unwrap().starts_with('/'));
    assert!(apiserver["sans"]
        .as_array()
        .unwrap()
        .contains(&"DNS:kubernetes.default.svc".into()));
    assert_eq!(
        apiserver["usages"],
        serde_json::json!(["digital signature", "key encipherment", "server auth"])
    );
    let admin = certs
        .iter()
        .find(|c| c["name"] == "admin.conf")
        .expect("admin.conf");
    assert_eq!(admin["source"]["type"], "kubeconfig");
    assert_eq!(admin["source"]["field"], "client-certificate-data");
    assert!(admin["path"].as_str().unwrap().ends_with("/admin.conf"));
    let problems = doc["problems"].as_array().unwrap();
    assert!(problems.iter().all(|p| p["severity"] == "error"
        || p["severity"] == "warning"
        || p["severity"] == "info"));
    assert!(problems
        .iter()
        .any(|p| p["path"].as_str().unwrap().ends_with("apiserver.crt")
            && p["message"].as_str().unwrap().contains("expired")));
}

#[test]
fn table_looks_like_kubeadm_check_expiration() {
    let root = real_fixtures!();
    let tree = root.join("ZYWNB666__kube-cert-validity-check");
    let (_, stdout, _) = run(&["check", tree.to_str().unwrap()], "2025-07-01T00:00:00Z");
    let root = kcert::pki::absolute(&root);
    let pattern = regex_escape(&root.display().to_string());
    insta::with_settings!({filters => vec![(pattern.as_str(), "[FIXTURES]")]}, {
        insta::assert_snapshot!(stdout);
    });
}

#[test]
fn the_join_hash_of_the_cluster_ca_matches_openssl() {
    let tree = real_fixtures!().join("zetaoss__zeta-linux/etc/kubernetes");
    let ca = tree.join("pki/ca.crt");
    let (_, stdout, _) = run(
        &["check", "-o", "json", tree.to_str().unwrap()],
        "2026-11-22T12:00:00Z",
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cert = doc["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ca")
        .unwrap();
    // openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum
    let script = format!(
        "openssl x509 -pubkey -noout -in {} | openssl pkey -pubin -outform der | sha256sum",
        ca.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    let hex = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(hex.len(), 64);
    assert_eq!(cert["join_hash"], format!("sha256:{hex}"));
    let leaf = doc["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "apiserver")
        .unwrap();
    assert!(leaf["join_hash"].is_null());
}

/// A tree whose only faults are a key that does not match and a leaf under the wrong CA,
/// every certificate far from expiry.
fn broken_but_not_expiring() -> (tempfile::TempDir, kcert::demo::TreeLayout) {
    let faults = kcert::demo::Faults {
        key_mismatch: vec!["apiserver-etcd-client".into()],
        wrong_ca: vec!["front-proxy-client".into()],
        ..Default::default()
    };
    let spec = node_spec(made(), KeySpec::EcdsaP256, "10.0.0.5", faults);
    write_tree(&spec)
}

#[test]
fn a_broken_certificate_is_critical_whatever_its_expiry() {
    let (_dir, layout) = broken_but_not_expiring();
    let root = layout.root.to_str().unwrap();
    let now = made() + chrono::Duration::days(30);
    let out = kcert(now, &["check", "-o", "json", root]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let doc = json(&out);
    let cert = |name: &str| {
        doc["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .clone()
    };
    let etcd_client = cert("apiserver-etcd-client");
    assert_eq!(etcd_client["key_match"], false);
    assert_eq!(etcd_client["status"], "ok", "status stays the expiry alone");
    assert_eq!(etcd_client["health"], "critical");
    let front_proxy = cert("front-proxy-client");
    assert_eq!(front_proxy["status"], "ok");
    assert_eq!(front_proxy["health"], "critical");
    assert_eq!(cert("apiserver")["health"], "ok");

    let out = kcert(now, &["check", root]);
    let table = text(&out);
    let status_of = |name: &str| {
        let line = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{table}"));
        line.split_whitespace().rev().nth(1).unwrap().to_string()
    };
    assert_eq!(status_of("apiserver-etcd-client"), "critical", "{table}");
    assert_eq!(status_of("front-proxy-client"), "critical", "{table}");
    assert_eq!(status_of("apiserver"), "ok", "{table}");
}

#[test]
fn the_kubelets_certificates_have_names_and_its_ca_is_named_by_its_cn() {
    let spec = node_spec(made(), KeySpec::EcdsaP256, "10.0.0.5", Default::default());
    let (_dir, layout) = write_tree(&spec);
    let root = layout.root.to_str().unwrap();
    let now = made() + chrono::Duration::days(30);
    let doc = json(&kcert(now, &["check", "-o", "json", root]));
    let certs = doc["certificates"].as_array().unwrap();
    let at = |file: &str, index: u64| {
        certs
            .iter()
            .find(|c| c["path"].as_str().unwrap().ends_with(file) && c["index"] == index)
            .unwrap_or_else(|| panic!("{file} #{index} missing"))
    };
    assert_eq!(
        at("/var/lib/kubelet/pki/kubelet-client-current.pem", 0)["name"],
        "kubelet-client-current"
    );
    assert_eq!(
        at("/var/lib/kubelet/pki/kubelet.crt", 0)["name"],
        "kubelet-serving"
    );
    // kubelet.crt holds the serving certificate and then the CA the kubelet made for it.
    let ca = at("/var/lib/kubelet/pki/kubelet.crt", 1);
    let cn = ca["subject"].as_str().unwrap().trim_start_matches("CN=");
    assert!(cn.starts_with("cp-1-ca@"), "{cn}");
    assert_eq!(ca["name"], cn);
    let table = text(&kcert(now, &["check", root]));
    assert!(!table.contains("#2"), "{table}");
    let ca_row = table
        .lines()
        .find(|l| l.starts_with(cn))
        .unwrap_or_else(|| panic!("no row named {cn}:\n{table}"));
    assert!(ca_row.contains("self_signed"), "{ca_row}");
}
