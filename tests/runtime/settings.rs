//! Node-side settings on real kubeadm files: the kubelet's rotation, kube-controller-manager's
//! CSR signer and the aggregation layer, each misconfigured the way operators do it.

use chrono::{DateTime, Duration, Utc};
use kcert::demo::Faults;
use kcert::pki::{Problem, ProblemKind, Severity};
use kcert::runtime::{analyse, Findings};

use crate::common::{json, kcert, made, scan_at, text};
use crate::util::{node, TestNode};

fn findings_at(n: &TestNode, now: DateTime<Utc>) -> Findings {
    analyse(&scan_at(&n.layout.root, now), &n.paths())
}

fn settings_problems(f: &Findings) -> Vec<&Problem> {
    f.problems()
        .filter(|p| p.kind == ProblemKind::Settings)
        .collect()
}

/// Replace `from` (which must be there) in a file of the node.
fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

fn kubelet_config(n: &TestNode) -> std::path::PathBuf {
    n.layout.root.join("var/lib/kubelet/config.yaml")
}

fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

#[test]
fn rotation_off_with_a_client_certificate_expiring_soon_is_an_error_and_on_is_fine() {
    let faults = Faults {
        days_left: vec![("kubelet.conf".into(), 5)],
        ..Faults::default()
    };
    let n = node(faults, "192.168.10.11");
    let on = findings_at(&n, made());
    assert!(on.settings.kubelet.as_ref().unwrap().rotate_certificates);
    assert!(
        settings_problems(&on).is_empty(),
        "{:#?}",
        settings_problems(&on)
    );

    edit(
        &kubelet_config(&n),
        "rotateCertificates: true",
        "rotateCertificates: false",
    );
    let off = findings_at(&n, made());
    let p = settings_problems(&off);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].severity, Severity::Error);
    assert_eq!(p[0].path, kubelet_config(&n));
    let lost = day(made() + Duration::days(5));
    for want in [
        "rotateCertificates is off",
        "kubelet-client-current.pem",
        "will not request a new client certificate",
        &format!("it will lose the API server on {lost}"),
    ] {
        assert!(p[0].message.contains(want), "{want}: {}", p[0].message);
    }

    // The exit code and the table carry it.
    let out = kcert(made(), &["check", n.root()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("rotateCertificates is off"),
        "{}",
        text(&out)
    );
}

#[test]
fn server_tls_bootstrap_needs_an_approver_and_the_feature_gate() {
    let n = node(Faults::default(), "192.168.10.11");
    edit(
        &kubelet_config(&n),
        "rotateCertificates: true",
        "rotateCertificates: true\nserverTLSBootstrap: true",
    );
    let f = findings_at(&n, made());
    let k = f.settings.kubelet.as_ref().unwrap();
    assert!(k.server_tls_bootstrap && k.serving_from_csr);
    let p = settings_problems(&f);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].severity, Severity::Warning);
    for want in [
        "kubernetes.io/kubelet-serving",
        "never approves",
        "kcert csr doctor",
    ] {
        assert!(p[0].message.contains(want), "{want}: {}", p[0].message);
    }

    edit(
        &kubelet_config(&n),
        "serverTLSBootstrap: true",
        "serverTLSBootstrap: true\nfeatureGates:\n  RotateKubeletServerCertificate: false",
    );
    let f = findings_at(&n, made());
    let k = f.settings.kubelet.as_ref().unwrap();
    assert!(!k.serving_from_csr);
    assert_eq!(
        k.feature_gates.get("RotateKubeletServerCertificate"),
        Some(&false)
    );
    let p = settings_problems(&f);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].message.contains(
            "RotateKubeletServerCertificate is false: the kubelet ignores serverTLSBootstrap"
        ),
        "{}",
        p[0].message
    );
}

#[test]
fn a_missing_or_unset_kubelet_client_ca_is_reported() {
    let n = node(Faults::default(), "192.168.10.11");
    let missing = n.pki("kubelet-ca.crt");
    edit(
        &kubelet_config(&n),
        &format!("clientCAFile: {}", n.pki("ca.crt").display()),
        &format!("clientCAFile: {}", missing.display()),
    );
    let f = findings_at(&n, made());
    let errors: Vec<_> = f
        .problems()
        .filter(|p| p.severity == Severity::Error && p.message.contains("kubelet-ca.crt"))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        errors[0].message,
        format!(
            "kubelet authentication.x509.clientCAFile names {}, which does not exist",
            missing.display()
        )
    );

    edit(
        &kubelet_config(&n),
        &format!("    clientCAFile: {}\n", missing.display()),
        "",
    );
    let f = findings_at(&n, made());
    let p = settings_problems(&f);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].severity, Severity::Warning);
    assert!(
        p[0].message.contains("clientCAFile is not set") && p[0].message.contains("kubectl logs"),
        "{}",
        p[0].message
    );
}

fn kcm(n: &TestNode) -> std::path::PathBuf {
    n.manifest("kube-controller-manager.yaml")
}

#[test]
fn a_missing_signing_certificate_is_an_error() {
    let n = node(Faults::default(), "192.168.10.11");
    let ca = n.pki("ca.crt");
    let gone = n.pki("signing-ca.crt");
    edit(
        &kcm(&n),
        &format!("--cluster-signing-cert-file={}", ca.display()),
        &format!("--cluster-signing-cert-file={}", gone.display()),
    );
    let f = findings_at(&n, made());
    let want = format!(
        "kube-controller-manager --cluster-signing-cert-file names {}, which does not exist",
        gone.display()
    );
    assert!(
        f.problems()
            .any(|p| p.severity == Severity::Error && p.message == want),
        "{:#?}",
        f.problems().collect::<Vec<_>>()
    );
    let s = f.settings.signing.as_ref().unwrap();
    assert_eq!(s.cert_file.as_deref(), Some(gone.as_path()));
    assert!(s.signers.iter().all(|s| s.ca_subject.is_none()));
}

#[test]
fn a_signing_key_that_is_not_the_cas_is_an_error() {
    let n = node(Faults::default(), "192.168.10.11");
    edit(
        &kcm(&n),
        &format!("--cluster-signing-key-file={}", n.pki("ca.key").display()),
        &format!(
            "--cluster-signing-key-file={}",
            n.pki("front-proxy-ca.key").display()
        ),
    );
    let f = findings_at(&n, made());
    let p = settings_problems(&f);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].severity, Severity::Error);
    assert_eq!(p[0].path, kcm(&n));
    assert!(
        p[0].message.contains(&format!(
            "and {}, which is not that certificate's key",
            n.pki("front-proxy-ca.key").display()
        )),
        "{}",
        p[0].message
    );
    let s = f.settings.signing.as_ref().unwrap();
    assert!(s.signers.iter().all(|s| s.key_matches == Some(false)));
}

#[test]
fn a_signing_ca_other_than_the_kubelets_and_the_api_servers_is_reported() {
    // The kubelet's client certificate came from another CA than the one that signs now.
    let faults = Faults {
        wrong_ca: vec!["kubelet.conf".into()],
        ..Faults::default()
    };
    let n = node(faults, "192.168.10.11");
    let f = findings_at(&n, made());
    let p = settings_problems(&f);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].severity, Severity::Warning);
    assert!(
        p[0].message
            .contains("kubelet-client-current.pem was issued by CN=front-proxy-ca")
            && p[0]
                .message
                .contains("its next rotation brings a certificate from another CA"),
        "{}",
        p[0].message
    );

    // Signing with the front-proxy CA: the API server refuses what it signs.
    let n = node(Faults::default(), "192.168.10.11");
    for (from, to) in [
        ("ca.crt", "front-proxy-ca.crt"),
        ("ca.key", "front-proxy-ca.key"),
    ] {
        let flag = if from.ends_with("crt") { "cert" } else { "key" };
        edit(
            &kcm(&n),
            &format!("--cluster-signing-{flag}-file={}", n.pki(from).display()),
            &format!("--cluster-signing-{flag}-file={}", n.pki(to).display()),
        );
    }
    let f = findings_at(&n, made());
    let p = settings_problems(&f);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(p.iter().all(|p| p.severity == Severity::Error), "{p:#?}");
    assert!(
        p[0].message.contains(&format!(
            "kube-apiserver --client-ca-file ({}) does not accept",
            n.pki("ca.crt").display()
        )) && p[0]
            .message
            .contains("kubernetes.io/kube-apiserver-client-kubelet"),
        "{}",
        p[0].message
    );
    assert!(
        p[1].message.contains("was issued by CN=kubernetes")
            && p[1].message.ends_with("which the API server refuses"),
        "{}",
        p[1].message
    );
}

#[test]
fn the_signing_duration_is_parsed_and_clipped_by_the_cas_expiry() {
    let faults = Faults {
        days_left: vec![("ca".into(), 100)],
        ..Faults::default()
    };
    let n = node(faults, "192.168.10.11");
    let f = findings_at(&n, made());
    let s = f.settings.signing.as_ref().unwrap();
    assert_eq!(
        (s.duration.as_str(), s.duration_days),
        ("8760h0m0s", Some(365))
    );
    assert!(s.duration_flag.is_none());
    let kubelet = &s.signers[0];
    assert!(kubelet.clipped);
    assert_eq!(kubelet.issues_until, kubelet.ca_not_after);
    let p = settings_problems(&f);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].severity, Severity::Warning);
    let end = day(made() + Duration::days(100));
    assert!(
        p[0].message.contains(&format!("which expires on {end}"))
            && p[0].message.contains("100 days instead of 365 (8760h0m0s)"),
        "{}",
        p[0].message
    );

    // A month fits inside the CA's hundred days: nothing is cut short.
    edit(
        &kcm(&n),
        "--client-ca-file=",
        "--cluster-signing-duration=720h\n    - --client-ca-file=",
    );
    let f = findings_at(&n, made());
    let s = f.settings.signing.as_ref().unwrap();
    assert_eq!(s.duration_days, Some(30));
    assert_eq!(s.duration_flag, Some("--cluster-signing-duration"));
    assert!(s.signers.iter().all(|s| !s.clipped));
    assert_eq!(s.signers[0].issues_until, Some(made() + Duration::days(30)));
    assert!(settings_problems(&f).is_empty());

    edit(
        &kcm(&n),
        "--cluster-signing-duration=720h",
        "--cluster-signing-duration=30d",
    );
    let f = findings_at(&n, made());
    let p = settings_problems(&f);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert!(
        p[0].severity == Severity::Error && p[0].message.contains("\"30d\" is not a Go duration"),
        "{}",
        p[0].message
    );
}

fn apiserver(n: &TestNode) -> std::path::PathBuf {
    n.manifest("kube-apiserver.yaml")
}

#[test]
fn a_proxy_certificate_whose_cn_is_not_allowed_breaks_aggregated_apis() {
    let n = node(Faults::default(), "192.168.10.11");
    edit(
        &apiserver(&n),
        "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-allowed-names=aggregator,front-proxy",
    );
    let f = findings_at(&n, made());
    let a = f.settings.aggregator.as_ref().unwrap();
    assert_eq!(a.proxy_cn.as_deref(), Some("front-proxy-client"));
    assert_eq!((a.verified, a.cn_allowed), (Some(true), Some(false)));
    let p = settings_problems(&f);
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].severity, Severity::Error);
    assert!(
        p[0].message.contains(
            "has CN \"front-proxy-client\", which is not in --requestheader-allowed-names (aggregator, front-proxy)"
        ) && p[0].message.contains("aggregated APIs"),
        "{}",
        p[0].message
    );

    // No allowed names: any CN the CA signed is accepted.
    edit(
        &apiserver(&n),
        "--requestheader-allowed-names=aggregator,front-proxy",
        "--requestheader-allowed-names=",
    );
    let f = findings_at(&n, made());
    let a = f.settings.aggregator.as_ref().unwrap();
    assert!(a.any_name_allowed && a.allowed_names.is_empty());
    assert_eq!(a.cn_allowed, Some(true));
    assert!(settings_problems(&f).is_empty());
}

#[test]
fn a_proxy_certificate_from_another_ca_is_an_error() {
    let faults = Faults {
        wrong_ca: vec!["front-proxy-client".into()],
        ..Faults::default()
    };
    let n = node(faults, "192.168.10.11");
    let f = findings_at(&n, made());
    assert_eq!(
        f.settings.aggregator.as_ref().unwrap().verified,
        Some(false)
    );
    let want = format!(
        "kube-apiserver --requestheader-client-ca-file ({}) does not verify",
        n.pki("front-proxy-ca.crt").display()
    );
    assert!(
        f.problems()
            .any(|p| p.severity == Severity::Error && p.message.starts_with(&want)),
        "{:#?}",
        f.problems().collect::<Vec<_>>()
    );
}

#[test]
fn check_json_has_the_node_settings() {
    let n = node(Faults::default(), "192.168.10.11");
    edit(
        &kcm(&n),
        "--client-ca-file=",
        "--cluster-signing-duration=720h\n    - --client-ca-file=",
    );
    let out = kcert(made(), &["check", "--output", "json", n.root()]);
    assert!(out.status.success(), "{}", text(&out));
    let s = &json(&out)["node_settings"];
    let k = &s["kubelet"];
    assert_eq!(k["rotate_certificates"], true);
    assert_eq!(k["server_tls_bootstrap"], false);
    assert_eq!(k["client_ca_file"], n.pki("ca.crt").to_str().unwrap());
    assert_eq!(k["feature_gates"], serde_json::json!({}));
    let g = &s["signing"];
    assert_eq!(g["cert_file"], n.pki("ca.crt").to_str().unwrap());
    assert_eq!(g["key_file"], n.pki("ca.key").to_str().unwrap());
    assert_eq!(g["duration"], "720h");
    assert_eq!(g["duration_days"], 30);
    assert_eq!(
        g["signers"][0]["name"],
        "kubernetes.io/kube-apiserver-client-kubelet"
    );
    assert_eq!(g["signers"][0]["is_ca"], true);
    assert_eq!(g["signers"][0]["key_matches"], true);
    let a = &s["aggregator"];
    assert_eq!(
        a["allowed_names"],
        serde_json::json!(["front-proxy-client"])
    );
    assert_eq!(a["proxy_cn"], "front-proxy-client");
    assert_eq!(a["verified"], true);
    assert_eq!(a["cn_allowed"], true);

    // Without manifests or a kubelet config there is nothing to say.
    let out = kcert(
        made(),
        &["check", "--output", "json", n.pki("").to_str().unwrap()],
    );
    assert!(json(&out)["node_settings"].is_null(), "{}", text(&out));
}
