//! `kcert serve` on generated trees: what Prometheus parses is what `check` says, a change
//! on disk shows after SIGHUP, bad files raise read errors without stopping the server, and
//! no answer carries key material or a token.

use std::path::Path;

use chrono::{DateTime, Utc};
use kcert::demo::Faults;
use kcert::report::metrics::decimal_serial;
use kcert::sign::KeySpec;

use crate::common::{made, node_spec, write_tree};
use crate::live::{check_json, parse_metrics, samples, value, Serve};

fn faulty() -> Faults {
    Faults {
        days_left: vec![("apiserver".into(), -3), ("front-proxy-client".into(), 20)],
        wrong_ca: vec!["apiserver-kubelet-client".into()],
        key_mismatch: vec!["apiserver-etcd-client".into()],
        sa_mismatch: false,
    }
}

/// Ten days after the trees are made: the planted faults, and nothing else, are due.
pub fn now() -> DateTime<Utc> {
    made() + chrono::Duration::days(10)
}

fn serve_tree(root: &Path, extra: &[&str]) -> Serve {
    let mut args = vec![root.to_str().unwrap(), "--interval", "1h"];
    args.extend_from_slice(extra);
    Serve::start(now(), &args)
}

fn unix(s: &serde_json::Value) -> f64 {
    let t: DateTime<Utc> = s.as_str().unwrap().parse().unwrap();
    t.timestamp() as f64
}

/// The sample of `metric` for the certificate `c` of check's JSON: same file, same serial.
fn cert_sample<'a>(
    scrape: &'a prometheus_parse::Scrape,
    metric: &'a str,
    c: &serde_json::Value,
) -> Vec<&'a prometheus_parse::Sample> {
    let path = c["path"].as_str().unwrap();
    let serial = decimal_serial(c["serial"].as_str().unwrap());
    samples(scrape, metric)
        .filter(|s| s.labels.get("filepath") == Some(path))
        .filter(|s| s.labels.get("serial_number") == Some(serial.as_str()))
        .collect()
}

#[test]
fn metrics_parse_and_say_what_check_says_and_the_report_is_checks_json() {
    let (dir, _) = write_tree(&node_spec(made(), KeySpec::EcdsaP256, "10.0.0.5", faulty()));
    let serve = serve_tree(dir.path(), &[]);
    let (check_text, check) = check_json(now(), dir.path());
    assert_eq!(
        serve.body("/report"),
        check_text,
        "/report is check -o json, byte for byte"
    );

    let (_, head, text) = serve.get("/metrics");
    assert!(head.contains("application/openmetrics-text"), "{head}");
    let scrape = parse_metrics(&text);
    let certs: Vec<&serde_json::Value> = check["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["superseded"].as_bool().unwrap())
        .collect();
    assert!(certs.len() > 15, "a whole control plane");
    for metric in [
        "x509_cert_not_after",
        "x509_cert_expired",
        "kcert_cert_chain_ok",
    ] {
        assert_eq!(
            samples(&scrape, metric).count(),
            certs.len(),
            "{metric}: one per certificate"
        );
    }
    let mut expired = 0;
    for c in &certs {
        let what = format!("{} #{}", c["path"], c["index"]);
        let one = |metric: &str| {
            let s = cert_sample(&scrape, metric, c);
            assert_eq!(s.len(), 1, "{metric} of {what}");
            value(s[0])
        };
        assert_eq!(one("x509_cert_not_after"), unix(&c["not_after"]), "{what}");
        assert_eq!(
            one("x509_cert_not_before"),
            unix(&c["not_before"]),
            "{what}"
        );
        let is_expired = c["status"] == "expired";
        expired += usize::from(is_expired);
        assert_eq!(
            one("x509_cert_expired"),
            f64::from(u8::from(is_expired)),
            "{what}"
        );
        let left = one("x509_cert_expires_in_seconds");
        assert_eq!(
            left,
            unix(&c["not_after"]) - now().timestamp() as f64,
            "{what}"
        );
        let chain_ok = matches!(c["chain"].as_str(), Some("verified" | "self_signed"));
        assert_eq!(
            one("kcert_cert_chain_ok"),
            f64::from(u8::from(chain_ok)),
            "{what}"
        );
        let health = match c["health"].as_str().unwrap() {
            "ok" => 0.0,
            "warning" => 1.0,
            _ => 2.0,
        };
        assert_eq!(one("kcert_cert_health"), health, "{what}");
        match c["key_match"].as_bool() {
            Some(m) => assert_eq!(
                one("kcert_cert_key_match"),
                f64::from(u8::from(m)),
                "{what}"
            ),
            None => assert!(cert_sample(&scrape, "kcert_cert_key_match", c).is_empty()),
        }
        let cn = c["subject"].as_str().unwrap().rsplit("CN=").next().unwrap();
        let s = cert_sample(&scrape, "x509_cert_not_after", c)[0];
        assert_eq!(s.labels.get("subject_CN"), Some(cn), "{what}");
        let file = Path::new(c["path"].as_str().unwrap()).file_name().unwrap();
        assert_eq!(s.labels.get("filename"), file.to_str());
        let kind = c["source"]["entry"].as_str().unwrap_or("");
        assert_eq!(s.labels.get("embedded_kind").unwrap_or(""), kind, "{what}");
    }
    assert_eq!(expired, 1, "the apiserver certificate, planted expired");
    let wrong: Vec<f64> = samples(&scrape, "kcert_cert_wrong_ca")
        .filter(|s| s.labels.get("filename") == Some("apiserver-kubelet-client.crt"))
        .map(value)
        .collect();
    assert_eq!(wrong, [1.0]);
    let mismatch: Vec<f64> = samples(&scrape, "kcert_cert_key_match")
        .filter(|s| s.labels.get("filename") == Some("apiserver-etcd-client.crt"))
        .map(value)
        .collect();
    assert_eq!(mismatch, [0.0]);
    // Problems by severity: the same counts as check's list.
    for sev in ["info", "warning", "error"] {
        let n = check["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["severity"] == sev)
            .count();
        let s: Vec<f64> = samples(&scrape, "kcert_problems")
            .filter(|s| s.labels.get("severity") == Some(sev))
            .map(value)
            .collect();
        assert_eq!(s, [n as f64], "{sev}");
    }
    let up: Vec<f64> = samples(&scrape, "x509_source_up").map(value).collect();
    assert_eq!(up, [1.0], "the one root");
    assert_eq!(
        samples(&scrape, "x509_read_errors").map(value).sum::<f64>(),
        0.0
    );
    assert_eq!(
        samples(&scrape, "kcert_last_scan_timestamp_seconds")
            .map(value)
            .next(),
        Some(now().timestamp() as f64)
    );
    assert_eq!(samples(&scrape, "x509_exporter_build_info").count(), 1);

    // The same series to stdout, for node_exporter's textfile collector.
    let out = crate::common::kcert(
        now(),
        &["check", dir.path().to_str().unwrap(), "-o", "prometheus"],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an expired certificate is critical"
    );
    let file = parse_metrics(&String::from_utf8(out.stdout).unwrap());
    for metric in [
        "x509_cert_not_after",
        "x509_cert_expired",
        "kcert_cert_key_match",
    ] {
        let mut a: Vec<(String, f64)> = samples(&file, metric)
            .map(|s| (s.labels.get("filepath").unwrap().to_string(), value(s)))
            .collect();
        let mut b: Vec<(String, f64)> = samples(&scrape, metric)
            .map(|s| (s.labels.get("filepath").unwrap().to_string(), value(s)))
            .collect();
        a.sort_by(|x, y| x.partial_cmp(y).unwrap());
        b.sort_by(|x, y| x.partial_cmp(y).unwrap());
        assert_eq!(a, b, "{metric}: check -o prometheus and serve agree");
    }
}

#[test]
fn a_file_changed_on_disk_shows_after_sighup_and_bad_files_raise_read_errors() {
    let (dir, layout) = write_tree(&node_spec(
        made(),
        KeySpec::EcdsaP256,
        "10.0.0.5",
        Faults::default(),
    ));
    let serve = serve_tree(dir.path(), &[]);
    let scrape = parse_metrics(&serve.body("/metrics"));
    let expired = samples(&scrape, "x509_cert_expired")
        .map(value)
        .sum::<f64>();
    assert_eq!(expired, 0.0, "a healthy tree");

    // Replace apiserver.crt with the long-expired certificate of another tree.
    let faults = Faults {
        days_left: vec![("apiserver".into(), -30)],
        ..Faults::default()
    };
    let (other, other_layout) =
        write_tree(&node_spec(made(), KeySpec::EcdsaP256, "10.0.0.5", faults));
    std::fs::copy(
        other_layout.pki.join("apiserver.crt"),
        layout.pki.join("apiserver.crt"),
    )
    .unwrap();
    drop(other);
    // Files that are not certificates but say they are.
    std::fs::write(
        layout.pki.join("garbage.crt"),
        b"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(
        layout.pki.join("truncated.pem"),
        b"-----BEGIN CERTIFICATE-----\nMIIB\n",
    )
    .unwrap();
    std::fs::write(
        layout.pki.join("noise.crt"),
        b"hello, I am not a certificate\n",
    )
    .unwrap();

    let before = serve.scans();
    serve.signal("HUP");
    serve.wait_until(|s| s.scans() > before, "the scan after SIGHUP");
    let scrape = parse_metrics(&serve.body("/metrics"));
    let apiserver: Vec<f64> = samples(&scrape, "x509_cert_expired")
        .filter(|s| s.labels.get("filename") == Some("apiserver.crt"))
        .map(value)
        .collect();
    assert_eq!(apiserver, [1.0], "the new file is what is served now");
    let read_errors = samples(&scrape, "x509_read_errors").map(value).sum::<f64>();
    assert_eq!(read_errors, 3.0, "the three bad files");
    let reasons: Vec<(String, f64)> = samples(&scrape, "x509_source_errors_total")
        .map(|s| (s.labels.get("reason").unwrap().to_string(), value(s)))
        .collect();
    assert!(reasons.contains(&("bad_pem".into(), 2.0)), "{reasons:?}");
    assert!(
        reasons.contains(&("no_certificate_found".into(), 1.0)),
        "{reasons:?}"
    );
    let errored: Vec<&str> = samples(&scrape, "x509_cert_error")
        .filter(|s| value(s) == 1.0)
        .filter_map(|s| s.labels.get("filename"))
        .collect();
    assert_eq!(errored.len(), 3, "{errored:?}");
    assert!(serve.get("/healthz").0 == 200, "still serving");

    // The counter counts every scan's errors.
    let before = serve.scans();
    serve.signal("HUP");
    serve.wait_until(|s| s.scans() > before, "another scan");
    let scrape = parse_metrics(&serve.body("/metrics"));
    let bad_pem: Vec<f64> = samples(&scrape, "x509_source_errors_total")
        .filter(|s| s.labels.get("reason") == Some("bad_pem"))
        .map(value)
        .collect();
    assert_eq!(bad_pem, [4.0]);
}

#[test]
fn a_missing_root_is_a_source_down_not_an_exit_and_unknown_paths_are_404() {
    let (dir, _) = write_tree(&node_spec(
        made(),
        KeySpec::EcdsaP256,
        "10.0.0.5",
        Faults::default(),
    ));
    let gone = dir.path().join("no-such-dir");
    let serve = Serve::start(
        now(),
        &[
            dir.path().to_str().unwrap(),
            gone.to_str().unwrap(),
            "--interval",
            "1h",
        ],
    );
    let scrape = parse_metrics(&serve.body("/metrics"));
    let up: Vec<(String, f64)> = samples(&scrape, "x509_source_up")
        .map(|s| (s.labels.get("source_name").unwrap().to_string(), value(s)))
        .collect();
    assert!(
        up.contains(&(dir.path().display().to_string(), 1.0)),
        "{up:?}"
    );
    assert!(up.contains(&(gone.display().to_string(), 0.0)), "{up:?}");
    assert_eq!(serve.get("/nothing-here").0, 404);
    assert_eq!(serve.get("/").0, 404);
}

/// Every answer the server gives, on a tree whose keys and a kubeconfig token are known.
#[test]
fn no_answer_carries_key_material_or_a_token() {
    let (dir, layout) = write_tree(&node_spec(made(), KeySpec::EcdsaP256, "10.0.0.5", faulty()));
    let token = "abcdef.0123456789abcdef";
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.0.0.5:6443\n\
         users:\n- name: bootstrap\n  user:\n    token: {token}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: bootstrap\n\
         current-context: x\n"
    );
    std::fs::write(
        layout.etc_kubernetes.join("bootstrap-kubelet.conf"),
        kubeconfig,
    )
    .unwrap();
    // What would give a key away: its PEM armour and any 24 characters of its base64 body,
    // from key files and from the kubeconfigs' client-key-data alike.
    let mut secrets: Vec<String> = vec![
        token.into(),
        "PRIVATE KEY".into(),
        "0123456789abcdef".into(),
    ];
    for entry in walkdir::WalkDir::new(dir.path())
        .into_iter()
        .map_while(Result::ok)
    {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim();
            let b64 = line.strip_prefix("client-key-data:").map(str::trim);
            if let Some(data) = b64 {
                use base64::Engine;
                let pem = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .unwrap();
                collect_key_chunks(&String::from_utf8(pem).unwrap(), &mut secrets);
            }
        }
        if text.contains("PRIVATE KEY") {
            collect_key_chunks(&text, &mut secrets);
        }
    }
    assert!(
        secrets.len() > 20,
        "the tree's keys were found: {}",
        secrets.len()
    );
    for flags in [&[][..], &["--no-keys"][..]] {
        let serve = serve_tree(dir.path(), flags);
        for path in [
            "/metrics",
            "/report",
            "/healthz",
            "/",
            "/report/../etc/kubernetes/pki/ca.key",
        ] {
            let (_, head, body) = serve.get(path);
            for s in &secrets {
                assert!(
                    !head.contains(s.as_str()) && !body.contains(s.as_str()),
                    "{path} {flags:?} shows {s}"
                );
            }
        }
        let report: serde_json::Value = serde_json::from_str(&serve.body("/report")).unwrap();
        let private = report["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| k["private"] == true)
            .count();
        if flags.is_empty() {
            assert!(private > 10, "keys are read to compare public keys");
            let scrape = parse_metrics(&serve.body("/metrics"));
            assert!(samples(&scrape, "kcert_cert_key_match").count() > 10);
        } else {
            assert_eq!(private, 0, "--no-keys reads no private key");
            assert!(report["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["key_match"].is_null()));
            let scrape = parse_metrics(&serve.body("/metrics"));
            assert_eq!(samples(&scrape, "kcert_cert_key_match").count(), 0);
            assert!(
                !report["problems"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["kind"] == "service_account"),
                "an unread sa.key is not a missing one"
            );
        }
    }
}

/// 24-character pieces of every base64 line inside a private key block.
fn collect_key_chunks(pem: &str, out: &mut Vec<String>) {
    let mut inside = false;
    for line in pem.lines() {
        if line.contains("BEGIN") && line.contains("PRIVATE KEY") {
            inside = true;
        } else if line.contains("END") {
            inside = false;
        } else if inside && line.len() >= 24 {
            out.extend(
                line.as_bytes()
                    .chunks(24)
                    .filter(|c| c.len() == 24)
                    .map(|c| String::from_utf8_lossy(c).into_owned()),
            );
        }
    }
}
