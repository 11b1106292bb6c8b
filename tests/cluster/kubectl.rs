//! The test server is faithful: the real kubectl lists, approves and denies through it, and
//! kcert sees exactly the state kubectl sees (and the other way round).

use std::collections::BTreeMap;

use chrono::Utc;
use kcert::cluster::bounded::list_csrs;
use kcert::cluster::output::Row;
use kcert::cluster::watch::build_views;
use kcert::cluster::{approve, deny, ActionError, Connection, NodeIndex};

use super::util::Env;

/// `kubectl get csr` rows by name (cells split on whitespace: no CSR cell has spaces).
pub(crate) fn parse_table(text: &str) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .filter(|r| !r.is_empty())
        .map(|r| (r[0].clone(), r))
        .collect();
    (header, rows)
}

/// `3m5s`, `40m`, `2d3h` in seconds.
fn seconds(age: &str) -> i64 {
    let mut total = 0;
    let mut n = 0;
    for ch in age.chars() {
        match ch {
            '0'..='9' => n = n * 10 + i64::from(ch as u8 - b'0'),
            's' => (total, n) = (total + n, 0),
            'm' => (total, n) = (total + n * 60, 0),
            'h' => (total, n) = (total + n * 3600, 0),
            'd' => (total, n) = (total + n * 86_400, 0),
            'y' => (total, n) = (total + n * 365 * 86_400, 0),
            _ => panic!("unexpected age {age}"),
        }
    }
    total
}

async fn kcert_rows(conn: &Connection) -> BTreeMap<String, Row> {
    let (items, _) = list_csrs(&conn.csrs(), 500, conn.timeout).await.unwrap();
    let views = build_views(&items, &NodeIndex::unreadable(), &Default::default());
    let now = Utc::now();
    views
        .iter()
        .map(|v| (v.name.clone(), Row::new(v, now)))
        .collect()
}

/// Every column kubectl prints equals kcert's (AGE within the printing resolution).
async fn assert_same_view(env: &Env, conn: &Connection) {
    let (ok, out, err) = env.kubectl(&["get", "csr", "--chunk-size=4"]).await;
    assert!(ok, "kubectl get csr failed: {err}");
    let (header, theirs) = parse_table(&out);
    assert_eq!(
        header,
        [
            "NAME",
            "AGE",
            "SIGNERNAME",
            "REQUESTOR",
            "REQUESTEDDURATION",
            "CONDITION"
        ],
        "kubectl did not get the server-side table:\n{out}"
    );
    let ours = kcert_rows(conn).await;
    assert_eq!(
        theirs.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>(),
        "kubectl and kcert list different CSRs"
    );
    for (name, cells) in &theirs {
        let row = &ours[name];
        assert_eq!(
            cells[2..].to_vec(),
            [
                row.signer_name.clone(),
                row.requestor.clone(),
                row.requested_duration.clone(),
                row.condition.clone()
            ],
            "{name}: kubectl and kcert disagree"
        );
        let (a, b) = (seconds(&cells[1]), seconds(&row.age));
        assert!(
            (a - b).abs() <= 61,
            "{name}: AGE {} vs {}",
            cells[1],
            row.age
        );
    }
}

fn reason_of(conn_view: &kcert::cluster::CsrView, kind: &str) -> String {
    conn_view
        .conditions
        .iter()
        .find(|c| c.kind == kind)
        .map(|c| c.reason.clone())
        .unwrap_or_default()
}

async fn view(conn: &Connection, name: &str) -> kcert::cluster::CsrView {
    let csr = conn.csrs().get(name).await.unwrap();
    kcert::cluster::CsrView::build(&csr, &NodeIndex::unreadable(), None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_and_kcert_see_the_same_state_through_approvals_and_denials() {
    let env = Env::demo().await;
    let conn = env.connect().await;
    assert_same_view(&env, &conn).await;

    // kubectl approves (protobuf PUT) and denies; kcert sees kubectl's conditions.
    let (ok, out, err) = env
        .kubectl(&["certificate", "approve", "csr-serving-worker-1"])
        .await;
    assert!(ok, "kubectl approve failed: {err}");
    assert_eq!(
        out.trim(),
        "certificatesigningrequest.certificates.k8s.io/csr-serving-worker-1 approved"
    );
    let v = view(&conn, "csr-serving-worker-1").await;
    assert_eq!(v.condition, "Approved,Issued");
    assert_eq!(reason_of(&v, "Approved"), "KubectlApprove");
    let issued = v.certificate.clone().expect("issued").expect("readable");
    assert_eq!(issued.subject, "O=system:nodes, CN=system:node:worker-1");

    let (ok, _, err) = env
        .kubectl(&["certificate", "deny", "csr-impostor-worker-2"])
        .await;
    assert!(ok, "kubectl deny failed: {err}");
    let v = view(&conn, "csr-impostor-worker-2").await;
    assert_eq!(v.condition, "Denied");
    assert_eq!(reason_of(&v, "Denied"), "KubectlDeny");
    assert!(env.server.requests().iter().any(|r| r
        == "PUT /apis/certificates.k8s.io/v1/certificatesigningrequests/csr-impostor-worker-2/approval"));

    // kcert approves and denies; kubectl sees kcert's conditions.
    approve(&conn.csrs(), "alice-dev").await.unwrap();
    deny(&conn.csrs(), "bob-admin", "asks for system:masters")
        .await
        .unwrap();
    let (ok, out, _) = env
        .kubectl(&["get", "csr", "alice-dev", "bob-admin", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[0].type}/{.status.conditions[0].reason}/{.status.conditions[0].message};{end}"])
        .await;
    assert!(ok);
    assert_eq!(
        out,
        "alice-dev=Approved/KcertApprove/This CSR was approved by kcert.;\
         bob-admin=Denied/KcertDeny/This CSR was denied by kcert: asks for system:masters;"
    );

    // A Denied CSR cannot be approved, by either tool.
    let (ok, _, err) = env
        .kubectl(&["certificate", "approve", "mallory-admin"])
        .await;
    assert!(!ok && err.contains("already Denied"), "{err}");
    assert_eq!(
        approve(&conn.csrs(), "mallory-admin").await,
        Err(ActionError::AlreadyDenied("mallory-admin".into()))
    );

    // The garbage collector removes one; both tools stop listing it.
    assert!(env.server.delete_csr("csr-serving-cp-1"));
    assert_same_view(&env, &conn).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reads_pages_and_single_objects_like_kcert() {
    let env = Env::demo().await;
    let conn = env.connect().await;
    // JSON list through kubectl's chunking (limit/continue) holds every object once.
    let (ok, out, err) = env
        .kubectl(&[
            "get",
            "csr",
            "--chunk-size=5",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ])
        .await;
    assert!(ok, "{err}");
    let mut names: Vec<&str> = out.split_whitespace().collect();
    names.sort();
    let mut ours = env.server.csr_names();
    ours.sort();
    assert_eq!(names, ours);
    let pages = env
        .server
        .requests()
        .iter()
        .filter(|r| {
            r.starts_with("GET /apis/certificates.k8s.io/v1/certificatesigningrequests?")
                && r.contains("limit=5")
        })
        .count();
    assert_eq!(
        pages,
        3,
        "12 CSRs in pages of 5: {:?}",
        env.server.requests()
    );
    // `kubectl get csr NAME` (a one-row table) agrees with kcert's row.
    let (ok, out, _) = env.kubectl(&["get", "csr", "carol-two-years"]).await;
    assert!(ok);
    let (_, rows) = parse_table(&out);
    let ours = kcert_rows(&conn).await;
    assert_eq!(
        rows["carol-two-years"][4],
        ours["carol-two-years"].requested_duration
    );
    assert_eq!(rows["carol-two-years"][4], "2y");
    // Unknown names are a 404 for both.
    let (ok, _, err) = env.kubectl(&["get", "csr", "nope"]).await;
    assert!(!ok && err.contains("\"nope\" not found"), "{err}");
    assert!(matches!(
        approve(&conn.csrs(), "nope").await,
        Err(ActionError::NotFound(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reads_tokens_and_rbac_and_creates_a_binding() {
    let env = Env::demo().await;
    let (ok, out, err) = env
        .kubectl(&[
            "-n",
            "kube-system",
            "get",
            "secrets",
            "--field-selector",
            "type=bootstrap.kubernetes.io/token",
        ])
        .await;
    assert!(ok, "{err}");
    let (header, rows) = parse_table(&out);
    assert_eq!(header, ["NAME", "TYPE", "DATA", "AGE"], "{out}");
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        ["bootstrap-token-07401b", "bootstrap-token-abcdef"]
    );
    assert_eq!(
        rows["bootstrap-token-abcdef"][1],
        "bootstrap.kubernetes.io/token"
    );
    assert!(env.server.requests().iter().any(|r| r.starts_with(
        "GET /api/v1/namespaces/kube-system/secrets?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken"
    )), "{:?}", env.server.requests());
    let (ok, out, err) = env
        .kubectl(&["get", "clusterrolebindings", "-o", "wide"])
        .await;
    assert!(ok, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("kubeadm:node-autoapprove-bootstrap "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains(
            "ClusterRole/system:certificates.k8s.io:certificatesigningrequests:nodeclient"
        ),
        "{line}"
    );
    assert!(
        line.contains("system:bootstrappers:kubeadm:default-node-token"),
        "{line}"
    );

    let (ok, _, err) = env
        .kubectl(&[
            "delete",
            "clusterrolebinding",
            "kubeadm:node-autoapprove-bootstrap",
        ])
        .await;
    assert!(ok, "{err}");
    let (ok, out, err) = env
        .kubectl(&[
            "create",
            "clusterrolebinding",
            "kubeadm:node-autoapprove-bootstrap",
            "--clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient",
            "--group=system:bootstrappers:kubeadm:default-node-token",
        ])
        .await;
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "clusterrolebinding.rbac.authorization.k8s.io/kubeadm:node-autoapprove-bootstrap created"
    );
    // What kubectl sent is what kcert reads back: the group is bound to the role.
    let conn = env.connect().await;
    let api: kube::Api<k8s_openapi::api::rbac::v1::ClusterRoleBinding> =
        kube::Api::all(conn.client.clone());
    let b = api.get("kubeadm:node-autoapprove-bootstrap").await.unwrap();
    assert_eq!(
        b.role_ref.name,
        "system:certificates.k8s.io:certificatesigningrequests:nodeclient"
    );
    let subjects = b.subjects.unwrap_or_default();
    assert_eq!(subjects.len(), 1);
    assert_eq!(
        (subjects[0].kind.as_str(), subjects[0].name.as_str()),
        ("Group", "system:bootstrappers:kubeadm:default-node-token")
    );
    // Creating it twice is refused like kube-apiserver refuses it.
    let (ok, _, err) = env
        .kubectl(&[
            "create",
            "clusterrolebinding",
            "kubeadm:node-autoapprove-bootstrap",
            "--clusterrole=x",
            "--group=y",
        ])
        .await;
    assert!(!ok && err.contains("already exists"), "{err}");
}
