//! The node's runtime in the app: probe results only for the scan on screen, restarts only
//! after `y`, and `e` putting the cursor on the certificate an x509 error is about.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::*;
use crate::runtime::restart::{RestartError, Step, StepKind};
use crate::runtime::{Component, Endpoint, ProbeResult, RestartPlan, ServedState, Targets};
use crate::tui::action::{RestartFailed, RestartMsg, Scanned};
use crate::tui::testutil::{kubeadm_like, now};
use crate::tui::tree::Node;

fn app() -> App {
    app_probing(true)
}

fn app_probing(probe: bool) -> App {
    let mut opts = super::tests::options(true);
    opts.probe = probe;
    let mut app = App::new("node-1", &opts, now());
    app.update(Msg::Resize(100, 30));
    app
}

/// An app that has scanned [`kubeadm_like`], without node configuration.
fn loaded() -> App {
    let mut app = app();
    app.request_scan();
    app.update(Msg::ScanDone(Ok(Box::new(kubeadm_like().into()))));
    app
}

fn api_endpoint() -> Endpoint {
    Endpoint {
        component: Component::ApiServer,
        listener: "secure port",
        addr: "127.0.0.1:6443".parse().unwrap(),
        cert_file: Some("/pki/apiserver.crt".into()),
        source: "/m/kube-apiserver.yaml".into(),
    }
}

fn scanned_with_api() -> Box<Scanned> {
    Box::new(Scanned {
        inv: kubeadm_like(),
        findings: None,
        targets: Targets {
            endpoints: vec![api_endpoint()],
            skipped: Vec::new(),
        },
        replaced: Vec::new(),
    })
}

fn result(state: ServedState) -> Vec<ProbeResult> {
    vec![ProbeResult {
        endpoint: api_endpoint(),
        state,
        served: None,
        disk_sha256: None,
        detail: None,
        elapsed: Duration::from_millis(3),
    }]
}

fn press(app: &mut App, code: KeyCode) -> Option<Cmd> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().to_string()
}

/// Scan, probe, scan again: the first probe's late answer is about files that may have changed.
#[test]
fn probe_results_of_an_older_scan_are_dropped() {
    let mut app = app();
    app.request_scan();
    let first = app.update(Msg::ScanDone(Ok(scanned_with_api())));
    let Some(Cmd::Probe {
        generation: g1,
        endpoints,
    }) = first
    else {
        panic!("a scan with listeners asks for a probe, got {first:?}");
    };
    assert_eq!(endpoints, vec![api_endpoint()]);
    assert!(app.request_scan().is_some());
    let Some(Cmd::Probe { generation: g2, .. }) = app.update(Msg::ScanDone(Ok(scanned_with_api())))
    else {
        panic!("the rescan probes again");
    };
    assert_ne!(g1, g2);

    app.update(Msg::Probed {
        generation: g1,
        results: result(ServedState::Stale),
    });
    let d = app.pki.data.as_ref().unwrap();
    assert!(d.served.is_none(), "an older scan's probe was applied");
    assert!(!screen(&app).contains("restart"));

    app.update(Msg::Probed {
        generation: g2,
        results: result(ServedState::Stale),
    });
    let d = app.pki.data.as_ref().unwrap();
    let served = d.served.as_ref().expect("this scan's probe is kept");
    assert_eq!(
        served.worst(0),
        Some(ServedState::Stale),
        "apiserver is cert 0"
    );
    assert_eq!(served.worst(1), None, "nothing serves ca.crt");
    let s = screen(&app);
    let row = s.lines().find(|l| l.contains("apiserver")).unwrap();
    assert!(row.contains("⟳ restart"), "{row}");
}

#[test]
fn a_scan_without_listeners_asks_for_no_probe() {
    let mut app = app();
    app.request_scan();
    assert!(app
        .update(Msg::ScanDone(Ok(Box::new(kubeadm_like().into()))))
        .is_none());
}

/// `kcert demo`: the demo's manifests name the usual ports, which may be a real node's.
#[test]
fn with_probing_off_a_scan_asks_for_no_probe() {
    let mut app = app_probing(false);
    app.request_scan();
    assert!(app.update(Msg::ScanDone(Ok(scanned_with_api()))).is_none());
    assert!(!app.pki.data.as_ref().unwrap().probing());
}

fn plan() -> RestartPlan {
    RestartPlan {
        component: Component::Scheduler,
        manifest: "/nonexistent/m/kube-scheduler.yaml".into(),
        backup_dir: "/nonexistent/tmp/b".into(),
        moved_to: "/nonexistent/tmp/b/kube-scheduler.yaml".into(),
        tmp_dir: PathBuf::from("/nonexistent/tmp"),
        endpoints: Vec::new(),
        stop_timeout: Duration::from_secs(90),
        start_timeout: Duration::from_secs(180),
        poll: Duration::from_millis(500),
        probe_timeout: Duration::from_secs(2),
    }
}

#[test]
fn a_restart_runs_only_after_y() {
    let mut app = loaded();

    assert!(app.update(Msg::RestartPlanned(Ok(vec![plan()]))).is_none());
    let s = screen(&app);
    assert!(s.contains("Restart kube-scheduler?"), "{s}");
    assert!(
        s.contains("move /nonexistent/m/kube-scheduler.yaml to"),
        "{s}"
    );
    assert!(press(&mut app, KeyCode::Char('n')).is_none());
    assert!(app.overlays.is_empty() && !app.pki.restarting);
    assert!(press(&mut app, KeyCode::Esc).is_none());

    app.update(Msg::RestartPlanned(Ok(vec![plan()])));
    assert!(press(&mut app, KeyCode::Enter).is_none(), "Enter is no yes");
    let cmd = press(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(&cmd, Some(Cmd::Restart(p)) if p == &vec![plan()]),
        "{cmd:?}"
    );
    assert!(app.pki.restarting);
    assert!(app.update(Msg::RestartPlanned(Ok(vec![plan()]))).is_none());
    assert!(
        press(&mut app, KeyCode::Char('y')).is_none(),
        "no second restart while one runs"
    );
    assert_eq!(
        app.notice.as_deref(),
        Some("a restart is running; wait for it to end")
    );

    // The progress dialog has its own keys: c cancels (the runner puts the manifest back).
    assert_eq!(
        app.contexts(),
        vec![
            crate::tui::keymap::Context::Always,
            crate::tui::keymap::Context::Progress
        ]
    );
    assert!(matches!(
        press(&mut app, KeyCode::Char('c')),
        Some(Cmd::CancelRestart)
    ));

    let c = Component::Scheduler;
    for m in [
        RestartMsg::Begin(c, StepKind::MoveOut),
        RestartMsg::End(
            c,
            Step {
                kind: StepKind::MoveOut,
                ok: true,
                took: Duration::from_millis(4),
                note: "to /nonexistent/tmp/b/kube-scheduler.yaml".into(),
            },
        ),
        RestartMsg::Done {
            component: c,
            result: Ok(Duration::from_millis(2500)),
        },
    ] {
        assert!(app.update(Msg::Restart(m)).is_none());
    }
    let s = screen(&app);
    assert!(s.contains("Restarting kube-scheduler"), "{s}");
    assert!(s.contains("move the manifest out (4 ms)"), "{s}");
    assert!(
        !s.contains("move the manifest out…"),
        "the ended step replaces its start"
    );
    assert!(s.contains("✓ kube-scheduler restarted in 2.5 s"), "{s}");
    let rescan = app.update(Msg::Restart(RestartMsg::AllDone));
    assert!(matches!(rescan, Some(Cmd::Scan(_))), "{rescan:?}");
    assert!(!app.pki.restarting);
}

#[test]
fn a_failed_restart_keeps_its_cause_in_sight_and_l_reopens_its_steps() {
    let mut app = app();
    app.update(Msg::RestartPlanned(Ok(vec![plan()])));
    press(&mut app, KeyCode::Char('y'));
    let c = Component::Scheduler;
    let failed = Step {
        kind: StepKind::WaitServing,
        ok: false,
        took: Duration::from_secs(180),
        note: "127.0.0.1:10259: not listening".into(),
    };
    app.update(Msg::Restart(RestartMsg::End(c, failed.clone())));
    app.update(Msg::Restart(RestartMsg::Done {
        component: c,
        result: Err(Box::new(RestartFailed {
            error: RestartError::NotServing {
                timeout: Duration::from_secs(180),
                report: Box::new(crate::runtime::restart::RestartReport {
                    component: c,
                    manifest: "/m/kube-scheduler.yaml".into(),
                    moved_to: "/t/kube-scheduler.yaml".into(),
                    steps: vec![failed],
                    total: Duration::from_secs(181),
                    last_probe: Vec::new(),
                }),
            },
            journal: "Journal: nothing pending; the manifest is in place at /m/kube-scheduler.yaml"
                .into(),
        })),
    }));
    app.update(Msg::Restart(RestartMsg::AllDone));
    let s = screen(&app);
    assert!(s.contains("Journal: nothing pending"), "{s}");

    // Esc hides the steps: the banner still says why, and how to see them again.
    press(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty());
    assert_eq!(
        app.pki.banner.as_ref().map(|(_, b)| b.as_str()),
        Some(
            "Restart of kube-scheduler failed: 127.0.0.1:10259: not listening. L shows its steps."
        )
    );
    assert!(screen(&app).contains("127.0.0.1:10259: not listening"));
    press(&mut app, KeyCode::Char('L'));
    let s = screen(&app);
    assert!(
        s.contains("Restarting kube-scheduler")
            && s.contains("not listening")
            && s.contains("Journal: nothing pending"),
        "{s}"
    );
}

#[test]
fn l_before_any_restart_says_there_was_none() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('L'));
    assert!(app.overlays.is_empty());
    assert_eq!(
        app.notice.as_deref(),
        Some("no restart has run since kcert started")
    );
}

#[test]
fn s_without_node_configuration_says_so() {
    let mut app = loaded();
    press(&mut app, KeyCode::Down);
    assert!(press(&mut app, KeyCode::Char('S')).is_none());
    assert!(app
        .notice
        .as_deref()
        .unwrap()
        .contains("no node configuration"));
}

const EXPIRED_ETCD: &str = "E0101 12:00:00 etcd: x509: certificate has expired or is not yet \
     valid: current time 2026-01-07T00:00:00Z is after 2026-01-06T12:00:00Z";

#[test]
fn e_finds_the_certificate_an_x509_error_is_about_and_selects_it() {
    let mut app = loaded();
    assert!(press(&mut app, KeyCode::Char('e')).is_none());
    assert!(screen(&app).contains("x509 error: █"));
    // A bracketed paste lands in the field as one piece, its newline dropped.
    app.update(Msg::Paste(format!("{EXPIRED_ETCD}\n")));
    assert!(press(&mut app, KeyCode::Enter).is_none());
    assert!(app.overlays.is_empty());
    let d = app.pki.data.as_ref().unwrap();
    assert_eq!(app.pki.selected(), Some(Node::Cert(4)));
    assert_eq!(d.inv.certs[4].display_name(), "etcd-server");
    assert_eq!(
        app.notice.as_deref(),
        Some("1 certificate matches NotAfter 2026-01-06 12:00:00 UTC: etcd-server")
    );
}

#[test]
fn e_says_when_nothing_matches_and_keeps_a_bad_line_for_fixing() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('e'));
    assert!(press(&mut app, KeyCode::Enter).is_none());
    assert!(
        !app.overlays.is_empty(),
        "Enter on nothing keeps the prompt"
    );
    app.update(Msg::Paste(
        "x509: certificate signed by unknown authority".into(),
    ));
    press(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("not an x509 validity error"));
    press(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty(), "Esc cancels");

    press(&mut app, KeyCode::Char('e'));
    app.update(Msg::Paste(EXPIRED_ETCD.replace("06T12", "06T13")));
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.notice.as_deref(),
        Some("no certificate has NotAfter 2026-01-06 13:00:00 UTC: it may be the peer's, on another machine")
    );
}

#[test]
fn a_paste_outside_a_text_field_does_nothing() {
    let mut app = loaded();
    let before = app.pki.tree.index;
    assert!(app.update(Msg::Paste("qjjjR".into())).is_none());
    assert_eq!(app.pki.tree.index, before);
    assert!(app.overlays.is_empty());
}

#[test]
fn a_crashed_restart_task_ends_the_restart_and_says_so() {
    let mut app = loaded();
    app.update(Msg::RestartPlanned(Ok(vec![plan()])));
    assert!(press(&mut app, KeyCode::Char('y')).is_some());
    let rescan = app.update(Msg::Restart(RestartMsg::Crashed(
        "index out of bounds".into(),
    )));
    assert!(matches!(rescan, Some(Cmd::Scan(_))));
    assert!(!app.pki.restarting, "a new restart can be asked for");
    assert!(screen(&app).contains("The restart task crashed: index out of bounds"));
}

/// A renewal that asks for `restart`, as the renewal task reports it.
fn renewed(app: &mut App, restart: &[&str]) {
    let plan = crate::renew::Plan {
        created_at: now(),
        items: Vec::new(),
        refused: Vec::new(),
        skipped: Vec::new(),
        delegated: Vec::new(),
        backup_dir: "/nonexistent/tmp/b".into(),
        journal: "/nonexistent/tmp/kcert-journal.jsonl".into(),
        tmp_dir: "/nonexistent/tmp".into(),
        restart: restart.iter().map(|r| r.to_string()).collect(),
    };
    let done = crate::renew::Applied {
        backup_dir: plan.backup_dir.clone(),
        journal: plan.journal.clone(),
        entry: "e1".into(),
        written: Vec::new(),
        restart: plan.restart.clone(),
        journal_warning: None,
    };
    app.update(Msg::RenewDone(Box::new(plan), Ok(done)));
    app.overlays.clear();
}

fn banner(app: &App) -> &str {
    app.pki.banner.as_ref().map_or("", |(_, b)| b.as_str())
}

/// After a cancelled restart and a second renewal the banner names every component still to
/// restart, not only the second renewal's; a restart that succeeded takes its own off.
#[test]
fn the_banner_keeps_every_component_still_to_restart() {
    let mut app = loaded();
    renewed(&mut app, &["kube-apiserver"]);
    assert_eq!(
        banner(&app),
        "Renewed 0 certificate(s): now restart kube-apiserver."
    );
    // The restart is cancelled: the runner reports it as failed.
    app.update(Msg::Restart(RestartMsg::Done {
        component: Component::ApiServer,
        result: Err(Box::new(RestartFailed {
            error: RestartError::NoManifest {
                component: Component::ApiServer,
                dir: "/m".into(),
            },
            journal: "Journal: nothing pending".into(),
        })),
    }));
    assert_eq!(
        banner(&app),
        "Restart of kube-apiserver failed: no manifest for kube-apiserver in /m. \
         Still to restart: kube-apiserver. L shows its steps."
    );
    renewed(&mut app, &["etcd", "kube-scheduler"]);
    assert_eq!(
        banner(&app),
        "Renewed 0 certificate(s): now restart kube-apiserver, kube-scheduler and etcd."
    );
    app.update(Msg::Restart(RestartMsg::Done {
        component: Component::ApiServer,
        result: Ok(Duration::from_secs(3)),
    }));
    let (tone, text) = app.pki.banner.clone().unwrap();
    assert_eq!(
        text,
        "Restarted kube-apiserver: now restart kube-scheduler and etcd."
    );
    assert_eq!(tone, crate::tui::status::Tone::Warning, "work is left");
    for c in [Component::Scheduler, Component::Etcd] {
        app.update(Msg::Restart(RestartMsg::Done {
            component: c,
            result: Ok(Duration::from_secs(3)),
        }));
    }
    assert_eq!(banner(&app), "Restarted etcd.");
}
