//! The binary: exit codes like a monitoring plugin, the documented JSON, the table.

use crate::common::{kcert_bin, real_fixtures, regex_escape};

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
