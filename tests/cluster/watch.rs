//! The watch task: list then watch, live updates, deletions, resume after a dropped watch,
//! relist after 410 Gone, re-judging on Node changes, and the banner when the server dies.

use std::time::Duration;

use chrono::Duration as Age;
use kcert::cluster::rules::KUBELET_SERVING;
use kcert::cluster::{spawn_watch, ClusterEvent, ConnectionState, Diagnosis};
use kcert_fakeapi::make_request;
use kcert_fakeapi::seed::{csr_object, CsrSpec};
use tokio::sync::mpsc::Receiver;

use super::util::Env;

/// The next event that `pick` accepts, skipping others; fails after 10 s.
async fn until<T>(
    rx: &mut Receiver<ClusterEvent>,
    mut pick: impl FnMut(&ClusterEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("expected event did not arrive within 10 s")
            .expect("watch task ended");
        if let Some(t) = pick(&ev) {
            return t;
        }
    }
}

fn serving(name: &str, requestor: &str, ip: &str) -> serde_json::Value {
    let node = requestor.trim_start_matches("system:node:");
    let pem = make_request(
        requestor,
        &["system:nodes"],
        &[node],
        &[ip.parse().unwrap()],
    )
    .unwrap();
    csr_object(&CsrSpec {
        name,
        signer: KUBELET_SERVING,
        requestor,
        groups: &["system:nodes"],
        usages: &["digital signature", "server auth"],
        expiration_seconds: None,
        request_pem: &pem,
        age: Age::seconds(1),
    })
}

fn snapshot_names(ev: &ClusterEvent) -> Option<Vec<String>> {
    match ev {
        ClusterEvent::Snapshot(v) => Some(v.iter().map(|v| v.name.clone()).collect()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_then_watch_delivers_adds_approvals_and_deletions() {
    let env = Env::demo().await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let handle = spawn_watch(env.access(), env.locations(), tx);
    let server = until(&mut rx, |e| match e {
        ClusterEvent::Connection(ConnectionState::Connected { server, .. }) => Some(server.clone()),
        _ => None,
    })
    .await;
    assert_eq!(server, env.server.url());
    let first = until(&mut rx, |e| match e {
        ClusterEvent::Snapshot(v) => Some(v.clone()),
        _ => None,
    })
    .await;
    assert_eq!(first.len(), 12);
    let pending = first.iter().take_while(|v| v.is_pending()).count();
    assert_eq!(pending, 9, "pending first");
    assert!(first[pending..].iter().all(|v| !v.is_pending()));
    assert!(handle.connection().is_some());

    env.server
        .add_csr(serving("csr-new", "system:node:worker-1", "10.0.0.11"))
        .unwrap();
    let v = until(&mut rx, |e| match e {
        ClusterEvent::Upsert(v) if v.name == "csr-new" => Some(v.clone()),
        _ => None,
    })
    .await;
    assert!(v.verdict.passed(), "{:#?}", v.verdict);

    let (ok, _, err) = env.kubectl(&["certificate", "approve", "csr-new"]).await;
    assert!(ok, "{err}");
    until(&mut rx, |e| match e {
        ClusterEvent::Upsert(v) if v.name == "csr-new" && v.condition == "Approved,Issued" => {
            Some(())
        }
        _ => None,
    })
    .await;

    assert!(env.server.delete_csr("csr-new"));
    until(&mut rx, |e| match e {
        ClusterEvent::Removed { name } if name == "csr-new" => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_watch_resumes_and_a_compacted_history_relists() {
    let env = Env::demo().await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _handle = spawn_watch(env.access(), env.locations(), tx);
    until(&mut rx, snapshot_names).await;

    // Dropped watch: resumed from the last version, no relist, nothing missed.
    env.server.drop_watches();
    env.server
        .add_csr(serving("after-drop", "system:node:worker-2", "10.0.0.12"))
        .unwrap();
    let got = until(&mut rx, |e| match e {
        ClusterEvent::Snapshot(_) => Some(false),
        ClusterEvent::Upsert(v) if v.name == "after-drop" => Some(true),
        _ => None,
    })
    .await;
    assert!(got, "a dropped watch must resume, not relist");
    let watches = env
        .server
        .requests()
        .iter()
        .filter(|r| r.contains("watch=true"))
        .count();
    assert!(watches >= 2, "{:?}", env.server.requests());

    // A CSR is garbage-collected, then the server says the watch position is too old
    // (410 Gone): kcert lists again and sends a fresh snapshot without it.
    env.server.delete_csr("alice-dev");
    env.server.expire_watches();
    let names = until(&mut rx, snapshot_names).await;
    assert_eq!(names.len(), 12);
    assert!(!names.contains(&"alice-dev".to_string()));
    assert!(names.contains(&"after-drop".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_change_rejudges_its_csrs() {
    let env = Env::demo().await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _handle = spawn_watch(env.access(), env.locations(), tx);
    until(&mut rx, snapshot_names).await;
    env.server
        .add_csr(serving("moved-ip", "system:node:worker-1", "10.0.0.99"))
        .unwrap();
    let v = until(&mut rx, |e| match e {
        ClusterEvent::Upsert(v) if v.name == "moved-ip" => Some(v.clone()),
        _ => None,
    })
    .await;
    assert_eq!(v.verdict.label(), "FAIL: node-addresses");
    env.server.add_node(
        "worker-1",
        &[("InternalIP", "10.0.0.99"), ("Hostname", "worker-1")],
    );
    let v = until(&mut rx, |e| match e {
        ClusterEvent::Upsert(v) if v.name == "moved-ip" => Some(v.clone()),
        _ => None,
    })
    .await;
    assert!(v.verdict.passed(), "{:#?}", v.verdict);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_server_turns_into_a_refused_banner_and_retries() {
    let env = Env::demo().await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let handle = spawn_watch(env.access(), env.locations(), tx);
    until(&mut rx, snapshot_names).await;
    env.server.stop();
    // The first attempt may race the closing listener (reset); then it is refused.
    let refused = Diagnosis::Refused {
        server: env.server.url(),
    };
    let retry = until(&mut rx, |e| match e {
        ClusterEvent::Connection(ConnectionState::Failed {
            diagnosis,
            retry_in,
        }) if *diagnosis == refused => Some(*retry_in),
        _ => None,
    })
    .await;
    assert!(handle.connection().is_none());
    // It keeps trying with growing pauses.
    let next = until(&mut rx, |e| match e {
        ClusterEvent::Connection(ConnectionState::Failed { retry_in, .. }) => Some(*retry_in),
        _ => None,
    })
    .await;
    assert!(next > retry, "{next:?} after {retry:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csr_set_fed_by_the_watch_mirrors_the_server_in_order() {
    let env = Env::demo().await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let _handle = spawn_watch(env.access(), env.locations(), tx);
    let mut set = kcert::cluster::CsrSet::default();
    // Changes of every kind while events flow: add, approve (and issue), deny, delete, 410.
    let feed = |set: &mut kcert::cluster::CsrSet, ev: ClusterEvent| set.apply(ev);
    let first = until(&mut rx, |e| Some(e.clone())).await;
    feed(&mut set, first);
    env.server
        .add_csr(serving("fresh", "system:node:worker-2", "10.0.0.12"))
        .unwrap();
    assert!(
        env.kubectl(&["certificate", "approve", "csr-serving-worker-2"])
            .await
            .0
    );
    assert!(env.kubectl(&["certificate", "deny", "bob-admin"]).await.0);
    env.server.delete_csr("carol-two-years");
    env.server.expire_watches();
    env.server
        .add_csr(serving("after-relist", "system:node:worker-1", "10.0.0.11"))
        .unwrap();
    let mut expected = env.server.csr_names();
    expected.sort();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut names: Vec<String> = set.views().iter().map(|v| v.name.clone()).collect();
        names.sort();
        let worker2 = set.get("csr-serving-worker-2").map(|v| v.condition.clone());
        if names == expected && worker2.as_deref() == Some("Approved,Issued") {
            break;
        }
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("set never matched the server")
            .unwrap();
        feed(&mut set, ev);
    }
    assert_eq!(set.get("bob-admin").unwrap().condition, "Denied");
    let mut sorted = set.views().to_vec();
    kcert::cluster::view::sort_views(&mut sorted);
    let order: Vec<&str> = sorted.iter().map(|v| v.name.as_str()).collect();
    let shown: Vec<&str> = set.views().iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        shown, order,
        "incremental updates keep the pending-first order"
    );
    assert!(set.approvable().any(|v| v.name == "fresh"));
    assert!(set.banner().is_none());
}
