//! `kcert csr list|approve|deny` as a script uses them: output, exit codes, and the
//! state kubectl sees afterwards.

use serde_json::Value;

use super::util::{kcert, Env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_prints_kubectl_columns_plus_verdict_pending_first() {
    let env = Env::demo().await;
    let (code, out, err) = kcert(&env, &["csr", "list"]).await;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "NAME",
            "AGE",
            "SIGNERNAME",
            "REQUESTOR",
            "REQUESTEDDURATION",
            "CONDITION",
            "VERDICT"
        ]
    );
    assert_eq!(lines.len(), 13);
    let conditions: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().nth(5).unwrap())
        .collect();
    let first_settled = conditions.iter().position(|c| *c != "Pending").unwrap();
    assert_eq!(first_settled, 9);
    let impostor = lines
        .iter()
        .find(|l| l.starts_with("csr-impostor-worker-2 "))
        .unwrap();
    assert!(impostor.ends_with("FAIL: cn, node-addresses"), "{impostor}");
    let bob = lines.iter().find(|l| l.starts_with("bob-admin ")).unwrap();
    assert!(
        bob.contains("24h") && bob.ends_with("FAIL: groups"),
        "{bob}"
    );

    let (code, out, _) = kcert(&env, &["csr", "list", "--pending", "-o", "json"]).await;
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    let forged = items
        .iter()
        .find(|i| i["name"] == "csr-forged-signature")
        .unwrap();
    assert_eq!(forged["verdict"]["passed"], false);
    assert_eq!(forged["request"]["signature"]["valid"], false);
    assert_eq!(forged["request"]["keyAlgorithm"], "ECDSA-P256");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_all_valid_takes_exactly_the_pending_requests_that_pass() {
    let env = Env::demo().await;
    let (code, out, err) = kcert(&env, &["csr", "approve", "--all-valid"]).await;
    assert_eq!(code, 0, "{err}");
    let mut approved: Vec<&str> = out
        .lines()
        .map(|l| {
            l.trim_start_matches("certificatesigningrequest.certificates.k8s.io/")
                .trim_end_matches(" approved")
        })
        .collect();
    approved.sort();
    // worker-3's bootstrap CSR passes every other check, but its token expired: the kubelet
    // cannot fetch the certificate with it, so it is not approved.
    assert_eq!(
        approved,
        ["alice-dev", "csr-serving-worker-1", "csr-serving-worker-2"]
    );
    let (ok, out, _) = env
        .kubectl(&["get", "csr", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.conditions[0].reason}{\"\\n\"}{end}"])
        .await;
    assert!(ok);
    let kcert_approved: Vec<&str> = out
        .lines()
        .filter(|l| l.ends_with(" KcertApprove"))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(kcert_approved.len(), 3, "{out}");
    assert!(
        out.lines()
            .any(|l| l.trim_end() == "node-csr-worker-3-bootstrap"),
        "still pending, as kubectl sees it:\n{out}"
    );
    // Nothing left to approve.
    let (code, out, err) = kcert(&env, &["csr", "approve", "--all-valid"]).await;
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("nothing approved"), "{err}");
}

/// The condition kubectl sees on `name`: `Pending`, `Approved,Issued`, `Denied`, ...
async fn kubectl_condition(env: &Env, name: &str) -> String {
    let (ok, out, err) = env.kubectl(&["get", "csr", name, "--no-headers"]).await;
    assert!(ok, "kubectl get csr {name}: {err}");
    out.split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dangerous_csr_is_refused_without_force() {
    let env = Env::demo().await;
    let (code, out, err) = kcert(&env, &["csr", "approve", "bob-admin"]).await;
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("bob-admin was not approved: it is dangerous")
            && err.contains("asks for privileged group system:masters")
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(kubectl_condition(&env, "bob-admin").await, "Pending");

    // A CSR that fails a check without being dangerous is refused the same way.
    let (code, _, err) = kcert(&env, &["csr", "approve", "carol-two-years"]).await;
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("carol-two-years was not approved: it fails kcert's checks (duration:"),
        "{err}"
    );
    assert_eq!(kubectl_condition(&env, "carol-two-years").await, "Pending");

    // --all-valid never takes it.
    let (code, out, err) = kcert(&env, &["csr", "approve", "--all-valid"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("bob-admin"), "{out}");
    assert_eq!(kubectl_condition(&env, "bob-admin").await, "Pending");

    // --force is the operator insisting: approved, with what it failed on stderr.
    let (code, out, err) = kcert(&env, &["csr", "approve", "bob-admin", "--force"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "certificatesigningrequest.certificates.k8s.io/bob-admin approved"
    );
    assert!(
        err.contains("warning: bob-admin: approved with --force: groups"),
        "{err}"
    );
    assert!(
        kubectl_condition(&env, "bob-admin")
            .await
            .starts_with("Approved"),
        "kubectl sees it approved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_give_a_non_zero_exit_and_forced_names_warn_about_failed_checks() {
    let env = Env::demo().await;
    let (code, out, err) = kcert(
        &env,
        &[
            "csr",
            "approve",
            "--force",
            "csr-impostor-worker-2",
            "mallory-admin",
            "nope",
        ],
    )
    .await;
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        out.trim(),
        "certificatesigningrequest.certificates.k8s.io/csr-impostor-worker-2 approved"
    );
    assert!(
        err.contains("warning: csr-impostor-worker-2: approved with --force: cn"),
        "{err}"
    );
    assert!(err.contains("\"mallory-admin\" is already Denied"), "{err}");
    assert!(err.contains("\"nope\" not found"), "{err}");

    let (code, out, err) = kcert(
        &env,
        &[
            "csr",
            "deny",
            "bob-admin",
            "--reason",
            "asks for system:masters",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "certificatesigningrequest.certificates.k8s.io/bob-admin denied"
    );
    let (code, _, err) = kcert(&env, &["csr", "deny", "csr-serving-cp-1", "--reason", "x"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("already Approved"), "{err}");
    // Like `kubectl certificate deny`, a reason is optional.
    let (code, out, err) = kcert(&env, &["csr", "deny", "csr-forged-signature"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "certificatesigningrequest.certificates.k8s.io/csr-forged-signature denied"
    );
    let (ok, said, _) = env
        .kubectl(&[
            "get",
            "csr",
            "csr-forged-signature",
            "-o",
            "jsonpath={.status.conditions[0].type}: {.status.conditions[0].message}",
        ])
        .await;
    assert!(ok);
    assert_eq!(said, "Denied: This CSR was denied by kcert.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_csr_list_and_doctor_quietly() {
    let env = Env::demo().await;
    for args in [
        &["csr", "list"][..],
        &["csr", "doctor"],
        &["csr", "list", "-o", "json"],
    ] {
        let mut cmd = crate::common::kcert_bin();
        cmd.args(args)
            .arg("--kubeconfig")
            .arg(&env.kubeconfig)
            .env("HOME", env.dir.path());
        let (code, err) =
            tokio::task::spawn_blocking(move || crate::common::with_closed_stdout(cmd))
                .await
                .unwrap();
        assert_eq!(err, "", "{args:?}");
        assert!(matches!(code, Some(0..=2)), "{args:?}: {code:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_exits_3_with_the_banner() {
    let env = Env::demo().await;
    env.server.stop();
    let (code, out, err) = kcert(&env, &["csr", "list"]).await;
    assert_eq!((code, out.as_str()), (3, ""));
    assert!(
        err.contains("Connection refused") || err.contains("closed the connection"),
        "{err}"
    );
}

/// What `kcert demo` will do: a background server on its own runtime, used from sync code.
#[test]
fn the_demo_cluster_serves_a_dozen_csrs_to_a_separate_process() {
    let dir = tempfile::tempdir().unwrap();
    let (server, kubeconfig) = kcert_fakeapi::start_demo(dir.path()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kcert"))
        .args(["csr", "list", "--pending", "--kubeconfig"])
        .arg(&kubeconfig)
        .env_remove("KUBECONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1 + 9, "{text}");
    assert!(text.contains("csr-impostor-worker-2") && text.contains("bob-admin"));
    drop(server);
}
