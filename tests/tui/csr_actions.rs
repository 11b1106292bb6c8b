//! Approving and denying from the CSR tab: keys go through `update`, the commands are
//! performed by the same code the event loop runs, and the result is checked on the server.

use crossterm::event::KeyCode;
use kcert::cluster::{ClusterEvent, WatchHandle};
use kcert::tui::action::{Cmd, CsrAction, Msg};
use kcert::tui::app::Overlay;
use kcert::tui::csr_actions::perform;
use kcert::tui::App;
use tokio::sync::mpsc::Receiver;

use crate::demo_cluster::{pump_until, row, select, started, DemoCluster};
use crate::util::{draw, key, keys};

fn text(app: &App) -> String {
    draw(app, 100, 30).backend().to_string()
}

/// The condition types the server holds for `name`, with their reasons and messages.
fn server_conditions(cluster: &DemoCluster, name: &str) -> Vec<(String, String, String)> {
    let o = cluster.server.csr(name).expect("still on the server");
    o["status"]["conditions"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let f = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                    (f("type"), f("reason"), f("message"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn condition_of(app: &App, name: &str) -> String {
    app.csr
        .set
        .get(name)
        .map(|v| v.condition.clone())
        .unwrap_or_default()
}

/// The app connected to `cluster`, its CSRs listed, on tab 2 of a 100x30 terminal.
async fn on_csr_tab(cluster: &DemoCluster) -> (App, WatchHandle, Receiver<ClusterEvent>) {
    let (mut app, watch, mut rx) = started(cluster.options(), 100, 30, false);
    pump_until(&mut app, &mut rx, false, |a| {
        a.csr.loaded && a.csr.connected()
    })
    .await;
    key(&mut app, KeyCode::Char('2'));
    (app, watch, rx)
}

fn expect_csr_cmd(cmd: Option<Cmd>) -> CsrAction {
    match cmd {
        Some(Cmd::Csr(a)) => a,
        other => panic!("expected a CSR action, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_deny_and_approve_all_end_up_on_the_server() {
    let cluster = DemoCluster::start().await;
    let (mut app, watch, mut rx) = on_csr_tab(&cluster).await;

    // a, then y: the row says "approving…" until the background result arrives.
    select(&mut app, "csr-serving-worker-1");
    assert!(app.update(msg('a')).is_none(), "a only asks");
    assert!(server_conditions(&cluster, "csr-serving-worker-1").is_empty());
    let action = expect_csr_cmd(app.update(msg('y')));
    assert_eq!(
        action,
        CsrAction::Approve(vec!["csr-serving-worker-1".into()])
    );
    assert!(row(&text(&app), "csr-serving-worker-1").contains("approving…"));
    let done = perform(watch.connection(), action).await;
    app.update(Msg::CsrActed(Box::new(done)));
    assert_eq!(app.notice.as_deref(), Some("csr-serving-worker-1 approved"));
    let conds = server_conditions(&cluster, "csr-serving-worker-1");
    assert_eq!(conds[0].0, "Approved");
    assert_eq!(conds[0].1, "KcertApprove");
    // The watch brings the new condition; the selection follows the row.
    pump_until(&mut app, &mut rx, false, |a| {
        condition_of(a, "csr-serving-worker-1") == "Approved,Issued"
    })
    .await;
    assert_eq!(
        app.csr.selected().map(|v| v.name.as_str()),
        Some("csr-serving-worker-1")
    );
    assert!(row(&text(&app), "csr-serving-worker-1").contains("Approved,Issued"));

    // d, a reason, Enter.
    select(&mut app, "bob-admin");
    key(&mut app, KeyCode::Char('d'));
    key(&mut app, KeyCode::Enter);
    assert!(
        app.notice.as_deref().is_some_and(|n| n.contains("reason")),
        "an empty reason is refused"
    );
    keys(&mut app, "asks for system:masters");
    let action = expect_csr_cmd(app.update(enter()));
    let done = perform(watch.connection(), action).await;
    app.update(Msg::CsrActed(Box::new(done)));
    let conds = server_conditions(&cluster, "bob-admin");
    assert_eq!(conds[0].0, "Denied");
    assert_eq!(
        conds[0].2,
        "This CSR was denied by kcert: asks for system:masters"
    );
    pump_until(&mut app, &mut rx, false, |a| {
        condition_of(a, "bob-admin") == "Denied"
    })
    .await;

    // A denied CSR cannot be approved, and the UI says why instead of asking.
    select(&mut app, "bob-admin");
    assert!(app.update(msg('a')).is_none());
    let s = text(&app);
    assert!(
        s.contains("Cannot approve") && s.contains("cannot be approved"),
        "{s}"
    );
    key(&mut app, KeyCode::Esc);

    // A: every pending CSR that passes, and only those.
    let valid: Vec<String> = app.csr.set.approvable().map(|v| v.name.clone()).collect();
    assert!(valid.len() >= 2, "{valid:?}");
    assert!(!valid.contains(&"csr-impostor-worker-2".to_string()));
    assert!(app.update(msg('A')).is_none());
    let s = text(&app);
    assert!(
        s.contains(&format!("Approve {} CSR(s)?", valid.len())),
        "{s}"
    );
    for n in &valid {
        assert!(s.contains(n.as_str()), "{n} listed:\n{s}");
    }
    let action = expect_csr_cmd(app.update(msg('y')));
    assert_eq!(action, CsrAction::Approve(valid.clone()));
    let done = perform(watch.connection(), action).await;
    app.update(Msg::CsrActed(Box::new(done)));
    assert_eq!(
        app.notice.as_deref(),
        Some(format!("approved {} CSRs", valid.len()).as_str())
    );
    for n in &valid {
        assert_eq!(server_conditions(&cluster, n)[0].0, "Approved", "{n}");
    }
    assert!(server_conditions(&cluster, "csr-impostor-worker-2").is_empty());
    assert!(server_conditions(&cluster, "csr-forged-signature").is_empty());
}

/// `a` then `y` no longer approves a request for `system:masters`: the name has to be typed.
/// Marked rows are approved together, the dangerous one among them left out with a word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dangerous_requests_need_their_name_and_marks_leave_them_out() {
    let cluster = DemoCluster::start().await;
    let (mut app, watch, _rx) = on_csr_tab(&cluster).await;

    select(&mut app, "bob-admin");
    assert!(app.update(msg('a')).is_none());
    assert!(app.update(msg('y')).is_none(), "y is typed, not a yes");
    assert!(app.update(enter()).is_none());
    assert!(
        app.notice
            .as_deref()
            .is_some_and(|n| n.contains("type bob-admin")),
        "{:?}",
        app.notice
    );
    assert!(server_conditions(&cluster, "bob-admin").is_empty());
    key(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty(), "Esc cancels");

    // Marks: two valid serving requests and bob-admin.
    for name in ["csr-serving-worker-1", "csr-serving-worker-2", "bob-admin"] {
        select(&mut app, name);
        key(&mut app, KeyCode::Char(' '));
    }
    assert!(app.update(msg('a')).is_none());
    let s = text(&app);
    assert!(s.contains("Approve 2 marked CSR(s)?"), "{s}");
    assert!(s.contains("bob-admin left out: it is dangerous"), "{s}");
    let action = expect_csr_cmd(app.update(msg('y')));
    let done = perform(watch.connection(), action).await;
    app.update(Msg::CsrActed(Box::new(done)));
    for n in ["csr-serving-worker-1", "csr-serving-worker-2"] {
        assert_eq!(server_conditions(&cluster, n)[0].0, "Approved", "{n}");
    }
    assert!(server_conditions(&cluster, "bob-admin").is_empty());

    // Alone, with its name typed, it is approved: the operator's decision.
    app.csr.marked.clear();
    select(&mut app, "bob-admin");
    assert!(app.update(msg('a')).is_none());
    keys(&mut app, "bob-admin");
    let action = expect_csr_cmd(app.update(enter()));
    assert_eq!(action, CsrAction::Approve(vec!["bob-admin".into()]));
    let done = perform(watch.connection(), action).await;
    app.update(Msg::CsrActed(Box::new(done)));
    assert_eq!(server_conditions(&cluster, "bob-admin")[0].0, "Approved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_on_the_server_is_reported_plainly() {
    let cluster = DemoCluster::start().await;
    let (mut app, watch, _rx) = on_csr_tab(&cluster).await;
    select(&mut app, "alice-dev");
    // Someone else approves it meanwhile; the UI has not heard yet.
    let conn = watch.connection().expect("connected");
    kcert::cluster::approve(&conn.csrs(), "alice-dev")
        .await
        .unwrap();
    key(&mut app, KeyCode::Char('d'));
    keys(&mut app, "not needed");
    let action = expect_csr_cmd(app.update(enter()));
    let done = perform(watch.connection(), action).await;
    app.update(Msg::CsrActed(Box::new(done)));
    let s = text(&app);
    assert!(s.contains("Denial failed"), "{s}");
    assert!(s.contains("already Approved"), "{s}");
    assert!(app.csr.busy.is_empty(), "the row is no longer busy");
    assert!(matches!(app.overlays.last(), Some(Overlay::Dialog(_))));

    // Without a connection, every CSR of the action fails with a plain reason.
    let done = perform(
        None,
        CsrAction::Approve(vec!["csr-serving-worker-2".into()]),
    )
    .await;
    key(&mut app, KeyCode::Esc);
    app.update(Msg::CsrActed(Box::new(done)));
    assert!(text(&app).contains("not connected to the cluster"));
}

fn msg(c: char) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

fn enter() -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ))
}
