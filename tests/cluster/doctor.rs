//! `kcert csr doctor` against the in-process API server: kubeadm's bindings present, missing,
//! binding the wrong group, pointing at a missing ClusterRole; serving CSRs with and without an
//! approver; bootstrap tokens valid, expired and with wrong groups; RBAC that forbids reading.
//! Every printed fix is run with the real kubectl, and the doctor then says the path works.

use chrono::{Duration, Utc};
use kcert::cluster::bounded::list_csrs;
use kcert::cluster::doctor::{diagnose, gather, PathState, Report};
use kcert::cluster::watch::build_views;
use kcert::cluster::NodeIndex;
use kcert::pki::{Severity, Status};
use kcert_fakeapi::kubeadm::{binding, bootstrap_token, deployment};
use kcert_fakeapi::names::NODECLIENT;
use kcert_fakeapi::ServerOptions;
use serde_json::Value;

use super::util::{kcert, Env};

/// The doctor's report on the server as it is now.
async fn report(env: &Env) -> Report {
    let conn = env.connect().await;
    let (items, _) = list_csrs(&conn.csrs(), 500, conn.timeout).await.unwrap();
    let views = build_views(&items, &NodeIndex::unreadable(), &Default::default());
    diagnose(&gather(&conn).await, &views, Utc::now())
}

fn fixes(state: &PathState) -> Vec<(String, String)> {
    match state {
        PathState::Missing { fixes } => fixes
            .iter()
            .map(|f| (f.why.clone(), f.command.clone()))
            .collect(),
        other => panic!("expected Missing, got {other:?}"),
    }
}

/// Run the printed fix with kubectl; the path then works.
async fn fix_and_check(env: &Env, line: &str, path: fn(&Report) -> &PathState) {
    run_line(env, line).await;
    let r = report(env).await;
    assert!(
        matches!(path(&r), PathState::Works { .. }),
        "{:?}",
        path(&r)
    );
}

/// Run a printed `kubectl ...` line (words split on spaces; the doctor quotes nothing).
async fn run_line(env: &Env, line: &str) {
    for part in line.split(" && ") {
        let words: Vec<&str> = part.split(' ').collect();
        assert_eq!(words[0], "kubectl", "{line}");
        let (ok, _, err) = env.kubectl(&words[1..]).await;
        assert!(ok, "`{part}` failed: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeadm_defaults_make_both_client_paths_work_and_serving_waits() {
    let env = Env::demo().await;
    let r = report(&env).await;
    assert_eq!(
        r.bootstrap.state,
        PathState::Works {
            bindings: vec![
                "kubeadm:kubelet-bootstrap".into(),
                "kubeadm:node-autoapprove-bootstrap".into()
            ]
        }
    );
    assert_eq!(
        r.renewal.state,
        PathState::Works {
            bindings: vec!["kubeadm:node-autoapprove-certificate-rotation".into()]
        }
    );
    assert_eq!(r.serving.approvers, Ok(vec![]));
    assert_eq!(r.serving.pending.len(), 5, "{:?}", r.serving.pending);
    // The demo's expired token still has worker-3's pending CSR.
    let tokens = r.tokens.as_ref().unwrap();
    let ids: Vec<&str> = tokens.iter().map(|t| t.token.id.as_str()).collect();
    assert_eq!(ids, ["07401b", "abcdef"]);
    let abcdef = &tokens[1];
    assert_eq!(abcdef.status, Some(Status::Expired));
    assert_eq!(abcdef.csrs[0].name, "node-csr-worker-3-bootstrap");
    assert_eq!(abcdef.auto_approved, Some(true));
    let errors: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("token abcdef expired 2h ago but node-csr-worker-3-bootstrap"),
        "{}",
        errors[0]
    );
    assert_eq!(
        tokens[0].status,
        Some(Status::Ok),
        "18h left of a 24h token, nobody joining"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_binding_is_named_and_the_printed_kubectl_line_fixes_it() {
    let env = Env::demo().await;
    assert!(env.server.delete_object(
        "ClusterRoleBinding",
        None,
        "kubeadm:node-autoapprove-bootstrap"
    ));
    let r = report(&env).await;
    let f = fixes(&r.bootstrap.state);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].0
            .contains("ClusterRoleBinding kubeadm:node-autoapprove-bootstrap is missing"),
        "{}",
        f[0].0
    );
    assert_eq!(
        f[0].1,
        "kubectl create clusterrolebinding kubeadm:node-autoapprove-bootstrap \
         --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient \
         --group=system:bootstrappers:kubeadm:default-node-token"
    );
    assert!(matches!(r.renewal.state, PathState::Works { .. }));
    let token = &r.tokens.as_ref().unwrap()[1];
    assert_eq!(token.auto_approved, Some(false));
    // The CLI says the same, exits 2 and prints the line.
    let (code, out, _) = kcert(&env, &["csr", "doctor"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains(&f[0].1), "{out}");
    assert!(
        out.contains("✗ First client certificates for bootstrapping nodes: NOT automatic"),
        "{out}"
    );

    fix_and_check(&env, &f[0].1, |r| &r.bootstrap.state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binding_to_the_wrong_group_does_not_count_and_a_second_binding_fixes_it() {
    let env = Env::demo().await;
    env.server
        .put_object(binding(
            "kubeadm:node-autoapprove-bootstrap",
            NODECLIENT,
            &["system:bootstrappers:kubeadm:other-token"],
        ))
        .unwrap();
    let r = report(&env).await;
    let f = fixes(&r.bootstrap.state);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        f[0].0,
        "ClusterRoleBinding kubeadm:node-autoapprove-bootstrap binds Group \
         system:bootstrappers:kubeadm:other-token, not group system:bootstrappers:kubeadm:default-node-token"
    );
    assert!(
        f[0].1
            .starts_with("kubectl create clusterrolebinding kcert:node-autoapprove-bootstrap "),
        "{}",
        f[0].1
    );
    run_line(&env, &f[0].1).await;
    let r = report(&env).await;
    assert_eq!(
        r.bootstrap.state,
        PathState::Works {
            bindings: vec![
                "kubeadm:kubelet-bootstrap".into(),
                "kcert:node-autoapprove-bootstrap".into()
            ]
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_cluster_role_breaks_its_binding_and_kubectl_can_recreate_it() {
    let env = Env::demo().await;
    assert!(env.server.delete_object(
        "ClusterRole",
        None,
        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"
    ));
    let r = report(&env).await;
    let f = fixes(&r.renewal.state);
    assert_eq!(f.len(), 1, "only the role is missing: {f:?}");
    assert!(f[0].0.contains("does not exist"), "{}", f[0].0);
    assert!(
        f[0].0.starts_with(
            "ClusterRoleBinding kubeadm:node-autoapprove-certificate-rotation is right"
        ),
        "{}",
        f[0].0
    );
    fix_and_check(&env, &f[0].1, |r| &r.renewal.state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_csrs_are_counted_and_an_approver_deployment_is_found() {
    let env = Env::demo().await;
    let (code, out, _) = kcert(&env, &["csr", "doctor"]).await;
    assert_eq!(code, 2, "the demo's expired token:\n{out}");
    assert!(out.contains("no approver is installed"), "{out}");
    assert!(out.contains("5 kubelet-serving CSRs are waiting"), "{out}");
    env.server
        .put_object(deployment(
            "kube-system",
            "csr-approver",
            "ghcr.io/postfinance/kubelet-csr-approver:v1.2.3",
        ))
        .unwrap();
    let r = report(&env).await;
    let a = r.serving.approvers.as_ref().unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].namespace.as_str(), a[0].name.as_str()),
        ("kube-system", "csr-approver")
    );
    assert!(!r
        .findings
        .iter()
        .any(|f| f.message.contains("kubelet-serving")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_valid_expired_and_with_wrong_groups() {
    let env = Env::start(ServerOptions::default()).await;
    kcert_fakeapi::kubeadm::rbac(&env.server).unwrap();
    let now = Utc::now();
    for t in [
        bootstrap_token(
            "aaaaaa",
            "aaaaaaaaaaaaaaaa",
            "valid",
            Some(now + Duration::days(60)),
            &["system:bootstrappers:kubeadm:default-node-token"],
        ),
        bootstrap_token(
            "bbbbbb",
            "bbbbbbbbbbbbbbbb",
            "expired",
            Some(now - Duration::days(1)),
            &["system:bootstrappers:kubeadm:default-node-token"],
        ),
        bootstrap_token(
            "cccccc",
            "cccccccccccccccc",
            "wrong group",
            Some(now + Duration::days(60)),
            &["system:nodes"],
        ),
        bootstrap_token(
            "dddddd",
            "dddddddddddddddd",
            "own pool",
            None,
            &["system:bootstrappers:gpu-pool"],
        ),
    ] {
        env.server.put_object(t).unwrap();
    }
    // A Secret of another type is not a token.
    env.server
        .put_object(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": { "name": "bootstrap-token-zzzzzz", "namespace": "kube-system" }
        }))
        .unwrap();
    let r = report(&env).await;
    let tokens = r.tokens.as_ref().unwrap();
    let by_id = |id: &str| tokens.iter().find(|t| t.token.id == id).unwrap();
    assert_eq!(tokens.len(), 4);
    assert_eq!(by_id("aaaaaa").status, Some(Status::Ok));
    assert_eq!(by_id("bbbbbb").status, Some(Status::Expired));
    assert_eq!(by_id("dddddd").status, None);
    assert_eq!(by_id("dddddd").expires_in, "never");
    let about = |id: &str| -> Vec<(Severity, String)> {
        r.findings
            .iter()
            .filter(|f| f.token.as_deref() == Some(id))
            .map(|f| (f.severity, f.message.clone()))
            .collect()
    };
    assert!(about("aaaaaa").is_empty());
    assert!(
        about("bbbbbb").is_empty(),
        "expired, but no node is joining with it"
    );
    let c = about("cccccc");
    assert_eq!(c[0].0, Severity::Error);
    assert!(
        c[0].1
            .contains("extra group system:nodes does not start with system:bootstrappers:"),
        "{c:?}"
    );
    let d = about("dddddd");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].0, Severity::Warning);
    assert!(
        d[0].1
            .starts_with("nodes joining with token dddddd are not auto-approved"),
        "{d:?}"
    );
    assert_eq!(by_id("dddddd").auto_approved, Some(false));
    assert_eq!(by_id("aaaaaa").auto_approved, Some(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_near_expiry_with_joining_nodes_is_a_warning() {
    let env = Env::demo().await;
    // Replace the expired demo token by one with five hours left: worker-3 is still joining.
    env.server
        .put_object(bootstrap_token(
            "abcdef",
            "0123456789abcdef",
            "joins worker-3",
            Some(Utc::now() + Duration::hours(5)),
            &["system:bootstrappers:kubeadm:default-node-token"],
        ))
        .unwrap();
    let r = report(&env).await;
    let f: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.token.as_deref() == Some("abcdef"))
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        f,
        ["token abcdef expires in 4h while node-csr-worker-3-bootstrap from system:bootstrap:abcdef is pending: once it expires the node cannot finish joining"]
    );
    assert_eq!(r.worst(), Some(Severity::Warning));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_rbac_reads_are_unknown_not_a_crash() {
    let env = Env::start(ServerOptions {
        deny_resources: vec!["clusterrolebindings".into(), "deployments".into()],
        ..ServerOptions::default()
    })
    .await;
    kcert_fakeapi::seed::demo(&env.server).unwrap();
    let r = report(&env).await;
    for p in [&r.bootstrap, &r.renewal] {
        match &p.state {
            PathState::Unknown { reason } => assert!(
                reason
                    .to_string()
                    .starts_with("cannot read clusterrolebindings: forbidden"),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
    }
    assert!(r
        .serving
        .approvers
        .as_ref()
        .unwrap_err()
        .to_string()
        .starts_with("cannot read deployments: forbidden"));
    assert!(r.tokens.is_ok(), "secrets are still readable");
    let (code, out, _) = kcert(&env, &["csr", "doctor"]).await;
    assert_eq!(code, 2, "the expired token is still an error:\n{out}");
    assert!(
        out.contains("? First client certificates for bootstrapping nodes: unknown"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_secret_never_appears_in_text_or_json() {
    let env = Env::demo().await;
    let (_, text, _) = kcert(&env, &["csr", "doctor"]).await;
    let (_, json, _) = kcert(&env, &["csr", "doctor", "-o", "json"]).await;
    for out in [&text, &json] {
        assert!(out.contains("abcdef") && out.contains("07401b"), "{out}");
        for secret in ["0123456789abcdef", "f395accd246ae52d"] {
            assert!(!out.contains(secret), "token secret printed:\n{out}");
        }
    }
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["kind"], "CsrDoctorReport");
    assert_eq!(v["bootstrap"]["state"], "works");
    assert_eq!(v["tokens"][1]["id"], "abcdef");
    assert_eq!(v["tokens"][1]["status"], "expired");
    assert_eq!(
        v["tokens"][1]["csrs"][0]["name"],
        "node-csr-worker-3-bootstrap"
    );
    assert_eq!(v["serving"]["approvers"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_exits_3_with_the_reason() {
    let env = Env::demo().await;
    env.server.stop();
    let (code, out, err) = kcert(&env, &["csr", "doctor", "--timeout", "3"]).await;
    assert_eq!((code, out.as_str()), (3, ""), "{err}");
    assert!(err.contains("Connection refused"), "{err}");
}
