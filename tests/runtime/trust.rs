//! Trust bundles: kubeconfig CA data against ca.crt, ~/.kube/config against admin.conf (and
//! its refresh), the kubelet's client CA against the API server's.

use std::path::Path;

use base64::Engine;
use chrono::Duration;
use kcert::demo::Faults;
use kcert::pki::{ProblemKind, Severity};
use kcert::runtime::{analyse, CopyState};
use kcert::sign::{cert_to_pem, issue, CertTemplate, Issuer, PrivateKey, Subject};
use serde_yaml::Value;

use crate::common::{kcert, scan_at, text};
use crate::util::{later, node, TestNode};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Replace `certificate-authority-data` of every cluster in a kubeconfig.
fn set_ca_data(kubeconfig: &Path, pem: &str) {
    let mut doc: Value = serde_yaml::from_slice(&std::fs::read(kubeconfig).unwrap()).unwrap();
    for c in doc["clusters"].as_sequence_mut().unwrap() {
        c["cluster"]["certificate-authority-data"] = Value::String(b64(pem));
    }
    std::fs::write(kubeconfig, serde_yaml::to_string(&doc).unwrap()).unwrap();
}

fn user_cert_data(kubeconfig: &Path, user: &str) -> String {
    let doc: Value = serde_yaml::from_slice(&std::fs::read(kubeconfig).unwrap()).unwrap();
    doc["users"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|u| u["name"] == user)
        .and_then(|u| u["user"]["client-certificate-data"].as_str())
        .unwrap_or_else(|| panic!("no user {user} in {}", kubeconfig.display()))
        .to_string()
}

fn trust_problems(n: &TestNode) -> Vec<(String, Severity, String)> {
    let inv = scan_at(&n.layout.root, later());
    let mut paths = n.paths();
    paths.user_kubeconfig = Some(n.layout.root.join("home/op/.kube/config"));
    analyse(&inv, &paths)
        .problems()
        .filter(|p| p.kind == ProblemKind::TrustBundle)
        .map(|p| {
            let file = p.path.file_name().unwrap().to_string_lossy().into_owned();
            (file, p.severity, p.message.clone())
        })
        .collect()
}

#[test]
fn kubeconfig_ca_data_other_than_the_current_ca_is_flagged_by_consequence() {
    let n = node(Faults::default(), "192.168.10.11");
    // Another CA entirely: clients refuse the API server.
    let etcd_ca = std::fs::read_to_string(n.pki("etcd/ca.crt")).unwrap();
    set_ca_data(&n.layout.etc_kubernetes.join("scheduler.conf"), &etcd_ca);
    // The same CA key re-issued (new serial and dates): still verifies, but is not ca.crt.
    let ca_key = PrivateKey::from_pem(&std::fs::read_to_string(n.pki("ca.key")).unwrap()).unwrap();
    let mut t = CertTemplate::new(
        Subject::new("kubernetes", &[]).unwrap(),
        later() - Duration::days(1),
        later() + Duration::days(3650),
    );
    t.is_ca = true;
    let reissued = issue(&t, &ca_key, Issuer::SelfSigned).unwrap();
    set_ca_data(
        &n.layout.etc_kubernetes.join("admin.conf"),
        &cert_to_pem(&reissued),
    );
    let ca = n.pki("ca.crt");
    let mut got = trust_problems(&n);
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "admin.conf".to_string(),
                Severity::Warning,
                format!("certificate-authority-data of cluster kubernetes in admin.conf is not the current {}: it still verifies the API server's certificate, but will not after the next CA change; kcert renew admin.conf --update-ca-data", ca.display())
            ),
            (
                "scheduler.conf".to_string(),
                Severity::Error,
                format!("certificate-authority-data of cluster kubernetes in scheduler.conf is not the current {}: clients using it will refuse the API server; kcert renew scheduler.conf --update-ca-data", ca.display())
            ),
        ]
    );
    // The suggested fix works: renewal with --update-ca-data makes the finding go away.
    let out = kcert(
        later(),
        &[
            "renew",
            "scheduler.conf",
            "admin.conf",
            "--root",
            n.root(),
            "--update-ca-data",
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(trust_problems(&n), vec![]);
}

#[test]
fn a_stale_copy_of_admin_conf_is_found_and_refreshed_after_a_backup() {
    let n = node(Faults::default(), "192.168.10.11");
    let user = n.layout.root.join("home/op/.kube/config");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    // The operator copied admin.conf and added a context for another cluster.
    let mut doc: Value =
        serde_yaml::from_slice(&std::fs::read(n.layout.etc_kubernetes.join("admin.conf")).unwrap())
            .unwrap();
    let other: Value = serde_yaml::from_str(
        "clusters:\n- name: staging\n  cluster: {server: 'https://staging.example:6443'}\nusers:\n- name: dev\n  user: {token: abc}\ncontexts:\n- name: dev@staging\n  context: {cluster: staging, user: dev}\n",
    )
    .unwrap();
    for key in ["clusters", "users", "contexts"] {
        let extra = other[key].as_sequence().unwrap().clone();
        doc[key].as_sequence_mut().unwrap().extend(extra);
    }
    let copied = serde_yaml::to_string(&doc).unwrap();
    std::fs::write(&user, &copied).unwrap();
    assert_eq!(trust_problems(&n), vec![], "a current copy is fine");

    // admin.conf is renewed; the copy is now stale.
    let out = kcert(
        later(),
        &["renew", "admin.conf", "--root", n.root(), "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let got = trust_problems(&n);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].0, "config");
    assert_eq!(got[0].1, Severity::Warning);
    assert!(got[0].2.starts_with(&format!(
        "an older copy of {}: its client certificate expires",
        n.layout.etc_kubernetes.join("admin.conf").display()
    )));
    let cmp = kcert::runtime::trust::compare_user_kubeconfig(
        &user,
        &n.layout.etc_kubernetes.join("admin.conf"),
    )
    .unwrap();
    assert!(matches!(cmp.state, CopyState::Stale { ref user, .. } if user == "kubernetes-admin"));

    let out = kcert(
        later(),
        &[
            "probe",
            "--node-root",
            n.root(),
            "--user-kubeconfig",
            user.to_str().unwrap(),
            "--refresh-kubeconfig",
            "--yes",
            "--timeout",
            "300",
        ],
    );
    let said = text(&out);
    assert!(said.contains("Refreshed"), "{said}");
    let admin = n.layout.etc_kubernetes.join("admin.conf");
    assert_eq!(
        user_cert_data(&user, "kubernetes-admin"),
        user_cert_data(&admin, "kubernetes-admin")
    );
    // The other cluster's entries survive; the old file is kept byte for byte.
    let after: Value = serde_yaml::from_slice(&std::fs::read(&user).unwrap()).unwrap();
    assert!(after["contexts"]
        .as_sequence()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "dev@staging"));
    let backups: Vec<_> = walkdir::WalkDir::new(n.layout.etc_kubernetes.join("tmp"))
        .into_iter()
        .flatten()
        .filter(|e| e.path().ends_with("home/op/.kube/config"))
        .collect();
    assert_eq!(backups.len(), 1, "one backup of the user kubeconfig");
    assert_eq!(std::fs::read_to_string(backups[0].path()).unwrap(), copied);
    // kubectl reads the refreshed file and sees the renewed certificate.
    let view = std::process::Command::new("kubectl")
        .args(["config", "view", "--raw", "--kubeconfig"])
        .arg(&user)
        .args([
            "-o",
            "jsonpath={.users[?(@.name==\"kubernetes-admin\")].user.client-certificate-data}",
        ])
        .output()
        .expect("kubectl");
    assert!(view.status.success(), "{}", text(&view));
    assert_eq!(
        String::from_utf8_lossy(&view.stdout),
        user_cert_data(&admin, "kubernetes-admin")
    );
    assert_eq!(trust_problems(&n), vec![]);
}

#[test]
fn kubelet_client_ca_other_than_the_api_servers_is_flagged() {
    let n = node(Faults::default(), "192.168.10.11");
    let config = n.layout.root.join("var/lib/kubelet/config.yaml");
    let text_before = std::fs::read_to_string(&config).unwrap();
    let front = n.pki("front-proxy-ca.crt");
    std::fs::write(
        &config,
        text_before.replace(
            &format!("clientCAFile: {}", n.pki("ca.crt").display()),
            &format!("clientCAFile: {}", front.display()),
        ),
    )
    .unwrap();
    let got = trust_problems(&n);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].0, "config.yaml");
    assert_eq!(got[0].1, Severity::Warning);
    assert!(got[0].2.starts_with(&format!(
        "kubelet authentication.x509.clientCAFile ({}) holds other certificates than kube-apiserver --client-ca-file ({})",
        front.display(),
        n.pki("ca.crt").display()
    )));
    // And the concrete consequence: the kubelet refuses the API server's client certificate.
    let inv = scan_at(&n.layout.root, later());
    let f = analyse(&inv, &n.paths());
    assert!(f.ca_problems.iter().any(|p| p
        .message
        .starts_with("kubelet authentication.x509.clientCAFile")
        && p.message
            .ends_with("the kubelet will refuse the API server (kubectl logs and exec fail)")));
}
