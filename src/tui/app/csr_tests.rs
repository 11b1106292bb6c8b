//! The CSR tab's model without a server: events applied, selection kept, banners.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;

use super::*;
use crate::cluster::rules::APISERVER_CLIENT;
use crate::cluster::{ClusterEvent, ConnectionState, CsrView, Diagnosis, NodeIndex};
use crate::tui::testutil::{isolated_cluster, now, options};

fn app(cluster: bool) -> App {
    let opts = TuiOptions {
        cluster: cluster.then(isolated_cluster),
        ..options()
    };
    let mut app = App::new("node-1", &opts, now());
    app.update(Msg::Resize(100, 30));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
    )));
    app
}

/// A client CSR for `alice` (a real PKCS#10 request from rcgen) `minutes` old, optionally
/// settled with `condition` (`Approved`, `Denied`).
fn csr(name: &str, minutes: i64, condition: Option<&str>) -> CsrView {
    use base64::Engine;
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "dev");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "alice");
    let pem = params.serialize_request(&key).unwrap().pem().unwrap();
    let created = chrono::Utc::now() - chrono::Duration::minutes(minutes);
    let conditions: Vec<_> = condition
        .map(|c| serde_json::json!({ "type": c, "status": "True" }))
        .into_iter()
        .collect();
    let obj: CertificateSigningRequest = serde_json::from_value(serde_json::json!({
        "metadata": { "name": name, "creationTimestamp": created.to_rfc3339() },
        "spec": {
            "request": base64::engine::general_purpose::STANDARD.encode(pem),
            "signerName": APISERVER_CLIENT,
            "username": "kubernetes-admin",
            "groups": [],
            "usages": ["client auth"],
        },
        "status": { "conditions": conditions },
    }))
    .unwrap();
    CsrView::build(&obj, &NodeIndex::unreadable(), None)
}

fn selected(app: &App) -> Option<&str> {
    app.csr.selected().map(|v| v.name.as_str())
}

fn event(app: &mut App, ev: ClusterEvent) {
    app.update(Msg::Cluster(ev));
}

#[test]
fn the_selection_follows_its_csr_when_an_approval_moves_it() {
    let mut app = app(true);
    event(
        &mut app,
        ClusterEvent::Snapshot(vec![
            csr("a", 1, None),
            csr("b", 2, None),
            csr("c", 3, Some("Approved")),
        ]),
    );
    app.update(Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)));
    assert_eq!(selected(&app), Some("b"));
    event(
        &mut app,
        ClusterEvent::Upsert(Box::new(csr("b", 2, Some("Approved")))),
    );
    assert_eq!(
        selected(&app),
        Some("b"),
        "still b, now below the pending a"
    );
    assert_eq!(app.csr.list.index, 1);
    assert_eq!(app.csr.counts.pending, 1);
    assert_eq!(app.csr.counts.approved, 2);
    // Garbage-collected: the row goes, the neighbour takes the selection.
    event(&mut app, ClusterEvent::Removed { name: "b".into() });
    assert_eq!(selected(&app), Some("c"));
    assert_eq!(app.csr.set.views().len(), 2);
}

#[test]
fn a_connection_failure_is_a_banner_on_tab_2_until_connected_again() {
    let mut app = app(true);
    let refused = Diagnosis::Refused {
        server: "https://10.0.0.10:6443".into(),
    };
    event(
        &mut app,
        ClusterEvent::Connection(ConnectionState::Failed {
            diagnosis: refused,
            retry_in: Duration::from_secs(4),
        }),
    );
    let (_, text) = app.banner_line().expect("a banner");
    assert!(
        text.contains("Connection refused by https://10.0.0.10:6443"),
        "{text}"
    );
    assert!(text.contains("retrying in 4s"), "{text}");
    // While the watch tries again the banner stays (no flicker).
    event(
        &mut app,
        ClusterEvent::Connection(ConnectionState::Connecting),
    );
    assert!(app
        .banner_line()
        .is_some_and(|(_, t)| t.contains("retrying now")));
    assert!(app.banner_rows() >= 1);
    // Tab 1 shows only its own banner.
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('1'),
        KeyModifiers::NONE,
    )));
    assert_eq!(app.banner_line(), None);
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('2'),
        KeyModifiers::NONE,
    )));
    event(
        &mut app,
        ClusterEvent::Connection(ConnectionState::Connected {
            server: "https://10.0.0.10:6443".into(),
            context: "kubernetes-admin@kubernetes".into(),
            user: "kubernetes-admin".into(),
        }),
    );
    assert_eq!(app.banner_line(), None);
}

#[test]
fn no_kubeconfig_is_no_banner() {
    let mut app = app(true);
    event(
        &mut app,
        ClusterEvent::Connection(ConnectionState::Failed {
            diagnosis: Diagnosis::NoKubeconfig { tried: Vec::new() },
            retry_in: Duration::from_secs(1),
        }),
    );
    assert!(app.csr.no_kubeconfig().is_some());
    assert_eq!(app.banner_line(), None);
}

#[test]
fn start_and_ctrl_r_ask_for_the_watch_only_when_a_cluster_is_configured() {
    let mut on = app(true);
    assert!(on.start().iter().any(|c| matches!(c, Cmd::WatchCluster(_))));
    let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
    assert!(matches!(
        on.update(Msg::Key(ctrl_r)),
        Some(Cmd::WatchCluster(_))
    ));
    let mut off = app(false);
    assert!(!off
        .start()
        .iter()
        .any(|c| matches!(c, Cmd::WatchCluster(_))));
    assert!(off.update(Msg::Key(ctrl_r)).is_none());
    assert_eq!(off.notice.as_deref(), Some("cluster access is off"));
}

#[test]
fn keys_act_on_nothing_calmly_when_the_list_is_empty() {
    let mut app = app(true);
    for c in ['a', 'd', 'A'] {
        let cmd = app.update(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
        assert!(cmd.is_none(), "{c}");
        app.overlays.clear();
    }
    assert_eq!(app.notice.as_deref(), Some("no CSR selected"));
}
