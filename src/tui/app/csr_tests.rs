//! The CSR tab's model without a server: events applied, selection kept, banners.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;

use super::*;
use crate::cluster::rules::APISERVER_CLIENT;
use crate::cluster::{ClusterEvent, ConnectionState, CsrView, Diagnosis, NodeIndex};
use crate::tui::action::CsrAction;
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
    csr_in(name, minutes, condition, "dev")
}

/// [`csr`] asking for group `org`: `system:masters` makes it dangerous.
fn csr_in(name: &str, minutes: i64, condition: Option<&str>, org: &str) -> CsrView {
    use base64::Engine;
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, org);
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

/// The watch reporting a connection to `https://10.0.0.10:6443`.
fn connected() -> ClusterEvent {
    ClusterEvent::Connection(ConnectionState::Connected {
        server: "https://10.0.0.10:6443".into(),
        context: "kubernetes-admin@kubernetes".into(),
        user: "kubernetes-admin".into(),
    })
}

/// Two pending requests `a` and `b`, an approved `c`, and `more`, listed on tab 2.
fn listed_with(more: Vec<CsrView>) -> App {
    let mut app = app(true);
    let mut views = vec![
        csr("a", 1, None),
        csr("b", 2, None),
        csr("c", 3, Some("Approved")),
    ];
    views.extend(more);
    event(&mut app, ClusterEvent::Snapshot(views));
    app
}

#[test]
fn the_selection_follows_its_csr_when_an_approval_moves_it() {
    let mut app = listed_with(Vec::new());
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
    event(&mut app, connected());
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

fn press(app: &mut App, c: char) -> Option<Cmd> {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn press_code(app: &mut App, code: KeyCode) -> Option<Cmd> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn shown(app: &App) -> Vec<String> {
    app.csr.rows_from(0).map(|(_, v)| v.name.clone()).collect()
}

/// [`listed_with`] a pending request for `system:masters`.
fn listed() -> App {
    listed_with(vec![csr_in("zed-admin", 4, None, "system:masters")])
}

#[test]
fn slash_filters_and_s_sorts_the_csr_list_like_the_local_tab() {
    let mut app = listed();
    assert_eq!(shown(&app), ["a", "b", "zed-admin", "c"]);
    press(&mut app, '/');
    for c in "ZED".chars() {
        press(&mut app, c);
    }
    assert_eq!(shown(&app), ["zed-admin"], "case does not matter");
    assert_eq!(selected(&app), Some("zed-admin"));
    press_code(&mut app, KeyCode::Enter);
    assert!(!app.csr.editing_filter);
    assert!(app.contexts().contains(&crate::tui::keymap::Context::Csr));
    // Esc clears it; the selection stays on its CSR.
    press_code(&mut app, KeyCode::Esc);
    assert_eq!(shown(&app).len(), 4);
    assert_eq!(selected(&app), Some("zed-admin"));

    press(&mut app, 's');
    assert_eq!(shown(&app), ["a", "b", "c", "zed-admin"], "by name");
    press(&mut app, 's');
    assert_eq!(shown(&app), ["zed-admin", "c", "b", "a"], "oldest first");
    press(&mut app, 's');
    assert_eq!(shown(&app), ["zed-admin", "a", "b", "c"], "dangerous first");
    assert_eq!(selected(&app), Some("zed-admin"));
    // A change from the watch keeps the order and the selection.
    event(
        &mut app,
        ClusterEvent::Upsert(Box::new(csr("b", 2, Some("Approved")))),
    );
    assert_eq!(shown(&app), ["zed-admin", "a", "b", "c"]);
    assert_eq!(selected(&app), Some("zed-admin"));
    press(&mut app, 's');
    assert_eq!(shown(&app), ["a", "zed-admin", "b", "c"], "kubectl's order");
}

#[test]
fn space_marks_and_a_approves_the_marked_but_never_a_dangerous_one() {
    let mut app = listed();
    press(&mut app, ' ');
    press(&mut app, ' ');
    press(&mut app, ' ');
    assert_eq!(app.csr.marked.len(), 3, "{:?}", app.csr.marked);
    assert!(press(&mut app, 'a').is_none(), "a only asks");
    let Some(Overlay::Dialog(d)) = app.overlays.last() else {
        panic!("a dialog");
    };
    assert_eq!(d.title, "Approve 2 marked CSR(s)?");
    assert!(
        d.lines
            .iter()
            .any(|(_, l)| l.contains("zed-admin") && l.contains("left out")),
        "{:?}",
        d.lines
    );
    match press(&mut app, 'y') {
        Some(Cmd::Csr(CsrAction::Approve(names))) => assert_eq!(names, ["a", "b"]),
        other => panic!("expected the approval of a and b, got {other:?}"),
    }
    assert_eq!(
        app.csr.marked.iter().collect::<Vec<_>>(),
        ["zed-admin"],
        "what was acted on is unmarked"
    );
    // Esc while typing a filter leaves the marks; Esc on the list clears them.
    press(&mut app, '/');
    press_code(&mut app, KeyCode::Esc);
    assert_eq!(app.csr.marked.len(), 1);
    press_code(&mut app, KeyCode::Esc);
    assert!(app.csr.marked.is_empty());
}

#[test]
fn a_dangerous_csr_is_approved_only_with_its_name_typed() {
    let mut app = listed();
    press_code(&mut app, KeyCode::Down);
    press_code(&mut app, KeyCode::Down);
    assert_eq!(selected(&app), Some("zed-admin"));
    assert!(press(&mut app, 'a').is_none());
    // y is a letter like any other here; Enter does nothing until the name is right.
    assert!(press(&mut app, 'y').is_none());
    assert!(press_code(&mut app, KeyCode::Enter).is_none());
    assert_eq!(
        app.notice.as_deref(),
        Some("type zed-admin exactly to go on (Esc cancels)")
    );
    assert!(matches!(app.overlays.last(), Some(Overlay::Dialog(_))));
    press_code(&mut app, KeyCode::Backspace);
    for c in "zed-admi".chars() {
        press(&mut app, c);
    }
    assert!(
        press_code(&mut app, KeyCode::Enter).is_none(),
        "not whole yet"
    );
    press(&mut app, 'n');
    match press_code(&mut app, KeyCode::Enter) {
        Some(Cmd::Csr(CsrAction::Approve(names))) => assert_eq!(names, ["zed-admin"]),
        other => panic!("expected the approval, got {other:?}"),
    }
    // A never includes it.
    press(&mut app, 'A');
    let Some(Overlay::Dialog(d)) = app.overlays.last() else {
        panic!("a dialog");
    };
    match &d.on_yes {
        Some(Cmd::Csr(CsrAction::Approve(names))) => assert_eq!(names, &["a", "b"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn ctrl_r_says_when_the_reconnect_ended() {
    let mut app = app(true);
    let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
    app.update(Msg::Key(ctrl_r));
    assert_eq!(app.notice.as_deref(), Some("reconnecting to the cluster…"));
    event(
        &mut app,
        ClusterEvent::Connection(ConnectionState::Connecting),
    );
    assert_eq!(app.notice.as_deref(), Some("reconnecting to the cluster…"));
    event(&mut app, connected());
    assert_eq!(
        app.notice.as_deref(),
        Some("reconnected to https://10.0.0.10:6443 at 2026-01-01 12:00:00 UTC")
    );
    app.update(Msg::Key(ctrl_r));
    event(
        &mut app,
        ClusterEvent::Connection(ConnectionState::Failed {
            diagnosis: Diagnosis::Refused {
                server: "https://10.0.0.10:6443".into(),
            },
            retry_in: Duration::from_secs(4),
        }),
    );
    let n = app.notice.clone().unwrap_or_default();
    assert!(
        n.starts_with("reconnect failed at 2026-01-01 12:00:00 UTC: Connection refused"),
        "{n}"
    );
}
