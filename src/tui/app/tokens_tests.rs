//! When the doctor's reading is asked for: on connecting, then every REFRESH_TICKS while
//! connected, never twice at once; and what a failed reading leaves.

use super::tokens::REFRESH_TICKS;
use super::*;
use crate::cluster::doctor::Facts;
use crate::cluster::{ClusterEvent, ConnectionState};
use crate::tui::action::TaskError;
use crate::tui::testutil::{isolated_cluster, now, options};

fn app() -> App {
    let opts = TuiOptions {
        cluster: Some(isolated_cluster()),
        ..options()
    };
    App::new("node-1", &opts, now())
}

fn connected() -> Msg {
    Msg::Cluster(ClusterEvent::Connection(ConnectionState::Connected {
        server: "https://x".into(),
        context: "c".into(),
        user: "u".into(),
    }))
}

fn empty() -> Facts {
    Facts {
        roles: Ok(vec![]),
        bindings: Ok(vec![]),
        deployments: Ok(vec![]),
        tokens: Ok(vec![]),
    }
}

fn tick(app: &mut App) -> Option<Cmd> {
    app.update(Msg::Tick(now()))
}

#[test]
fn connecting_asks_once_and_ticks_refresh_while_connected() {
    let mut app = app();
    assert!(matches!(app.update(connected()), Some(Cmd::Doctor)));
    // Under way: neither a reconnect nor the ticks ask again.
    assert!(app.update(connected()).is_none());
    for _ in 0..REFRESH_TICKS + 5 {
        assert!(tick(&mut app).is_none());
    }
    app.update(Msg::DoctorRead(Box::new(Ok(empty()))));
    assert!(app.tokens.report.is_some());
    let asked = (0..REFRESH_TICKS + 1)
        .filter(|_| tick(&mut app).is_some())
        .count();
    assert_eq!(asked, 1, "one refresh per {REFRESH_TICKS} ticks");
}

#[test]
fn a_failed_reading_keeps_the_last_report_and_says_why() {
    let mut app = app();
    app.update(connected());
    app.update(Msg::DoctorRead(Box::new(Ok(empty()))));
    app.update(Msg::DoctorRead(Box::new(Err(TaskError::NotConnected))));
    assert!(app.tokens.report.is_some());
    assert_eq!(
        app.tokens
            .error
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("not connected to the cluster")
    );
    // With the cluster down, no refresh is asked for.
    app.update(Msg::Cluster(ClusterEvent::Connection(
        ConnectionState::Connecting,
    )));
    assert!((0..2 * REFRESH_TICKS).all(|_| tick(&mut app).is_none()));
}

#[test]
fn without_cluster_access_nothing_is_read() {
    let mut opts = options();
    opts.scan.roots = Vec::new();
    let mut app = App::new("node-1", &opts, now());
    assert!(app.update(connected()).is_none());
}
