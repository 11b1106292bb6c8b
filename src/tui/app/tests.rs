use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::error::ScanError;
use crate::tui::testutil::{self, kubeadm_like, now};
use crate::tui::tree::{Node, SectionKind};
use crate::tui::view;

pub(super) fn options(fixed: bool) -> TuiOptions {
    TuiOptions {
        now: fixed.then(now),
        ..testutil::options()
    }
}

/// An app that has scanned [`kubeadm_like`], on a 100x30 terminal.
fn loaded() -> App {
    let mut app = App::new("node-1", &options(true), now());
    app.update(Msg::Resize(100, 30));
    assert!(matches!(app.request_scan(), Some(Cmd::Scan(_))));
    app.update(Msg::ScanDone(Ok(Box::new(kubeadm_like().into()))));
    app
}

fn press(app: &mut App, code: KeyCode) -> Option<Cmd> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn selected_name(app: &App) -> String {
    let d = app.pki.data.as_ref().unwrap();
    match app.pki.selected() {
        Some(Node::Cert(id)) => d.inv.certs[id].display_name(),
        Some(Node::Section(k)) => format!("# {}", k.title()),
        other => format!("{other:?}"),
    }
}

#[test]
fn arrows_and_vim_keys_move_the_selection_within_bounds() {
    let mut app = loaded();
    assert_eq!(selected_name(&app), "# Kubernetes CA");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(selected_name(&app), "admin.conf");
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(selected_name(&app), "ca");
    press(&mut app, KeyCode::End);
    assert_eq!(app.pki.tree.index, app.pki.rows.len() - 1);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.pki.tree.index, app.pki.rows.len() - 1);
    press(&mut app, KeyCode::Home);
    assert_eq!(app.pki.tree.index, 0);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(
        app.pki.tree.index,
        app.pki.rows.len() - 1,
        "a page is longer than these rows"
    );
}

#[test]
fn page_keys_move_by_the_visible_height() {
    let mut app = loaded();
    app.update(Msg::Resize(80, 24));
    // 24 rows - header 2 - footer 1 - borders 2.
    let page = 19;
    let mut big = kubeadm_like();
    let template = big.certs[0].clone();
    for i in 0..100 {
        let mut c = template.clone();
        c.origin = crate::pki::Origin::File {
            path: format!("/pki/x{i}.crt").into(),
            index: 0,
        };
        big.certs.push(c);
    }
    app.update(Msg::ScanDone(Ok(Box::new(big.into()))));
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.pki.tree.index, page);
    assert_eq!(app.pki.tree.offset, 1);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.pki.tree.index, 0);
}

#[test]
fn typing_a_filter_narrows_and_esc_brings_everything_back() {
    let mut app = loaded();
    let all = app.pki.rows.len();
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "etcd-s");
    assert!(app.pki.view.editing_filter);
    assert_eq!(app.pki.rows.len(), 3);
    assert_eq!(
        selected_name(&app),
        "etcd-server",
        "first match is selected"
    );
    // `q` is text while typing.
    typed(&mut app, "q");
    assert_eq!(app.pki.view.filter, "etcd-sq");
    assert!(app.pki.rows.is_empty());
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    assert!(!app.pki.view.editing_filter);
    assert_eq!(app.pki.view.filter, "etcd-s");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.pki.rows.len(), all);
    assert_eq!(
        selected_name(&app),
        "etcd-server",
        "selection survives clearing"
    );
}

#[test]
fn fold_keys_collapse_expand_and_climb() {
    let mut app = loaded();
    press(&mut app, KeyCode::Down); // ca
    let all = app.pki.rows.len();
    press(&mut app, KeyCode::Char('h'));
    assert_eq!(app.pki.rows.len(), all - 2);
    press(&mut app, KeyCode::Char('l'));
    assert_eq!(app.pki.rows.len(), all);
    press(&mut app, KeyCode::Right); // expanded: moves to the first child
    assert_eq!(selected_name(&app), "admin.conf");
    press(&mut app, KeyCode::Left); // leaf: goes to the parent
    assert_eq!(selected_name(&app), "ca");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.pki.rows.len(), all - 2);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Enter); // the section
    assert_eq!(
        app.pki.rows[1].node,
        Node::Section(SectionKind::Ca(crate::pki::CaRole::FrontProxy))
    );
}

#[test]
fn quit_keys_depend_on_context() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('/'));
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(matches!(app.update(Msg::Key(ctrl_c)), Some(Cmd::Quit)));
    press(&mut app, KeyCode::Esc);
    assert!(matches!(
        press(&mut app, KeyCode::Char('q')),
        Some(Cmd::Quit)
    ));
}

#[test]
fn help_overlay_takes_the_keys_until_closed() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('?'));
    assert!(matches!(
        app.overlays.as_slice(),
        [Overlay::Help { scroll: 0 }]
    ));
    press(&mut app, KeyCode::Char('p'));
    assert!(!app.pki.view.problems_only, "p does nothing under help");
    assert!(
        press(&mut app, KeyCode::Char('q')).is_none(),
        "q closes help, not the app"
    );
    assert!(app.overlays.is_empty());
}

#[test]
fn rescan_uses_the_current_clock_and_not_twice_at_once() {
    let mut app = App::new("node-1", &options(false), now());
    app.update(Msg::Tick(now() + Duration::days(1)));
    let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
    match app.update(Msg::Key(ctrl_r)) {
        Some(Cmd::Scan(o)) => assert_eq!(o.opts.now, now() + Duration::days(1)),
        other => panic!("expected a scan, got {other:?}"),
    }
    assert_eq!(app.pki.scan, ScanState::Scanning);
    assert!(app.update(Msg::Key(ctrl_r)).is_none());
    assert!(app.notice.is_some());
}

#[test]
fn a_failed_rescan_keeps_the_last_inventory() {
    let mut app = loaded();
    app.request_scan();
    app.update(Msg::ScanDone(Err(ScanError::MissingRoot("/nope".into()))));
    assert!(matches!(&app.pki.scan, ScanState::Failed(m) if m.contains("/nope")));
    assert!(app.pki.data.is_some());
    assert!(!app.pki.rows.is_empty());
}

#[test]
fn the_clock_moves_statuses_unless_fixed() {
    let mut fixed = loaded();
    fixed.update(Msg::Tick(now() + Duration::days(400)));
    assert_eq!(fixed.now, now());

    let mut live = App::new("node-1", &options(false), now());
    live.update(Msg::ScanDone(Ok(Box::new(kubeadm_like().into()))));
    assert_eq!(live.pki.data.as_ref().unwrap().counts.expired, 1);
    live.update(Msg::Tick(now() + Duration::days(10)));
    let c = live.pki.data.as_ref().unwrap().counts;
    assert_eq!(
        (c.expired, c.critical),
        (2, 0),
        "etcd-server expired meanwhile"
    );
}

#[test]
fn problems_switch_and_sort_change_rows() {
    let mut app = loaded();
    press(&mut app, KeyCode::Char('p'));
    assert!(
        app.pki
            .rows
            .iter()
            .all(|r| !matches!(r.node, Node::Cert(0))),
        "apiserver is fine"
    );
    press(&mut app, KeyCode::Char('p'));
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(app.pki.rows[0].node, Node::Section(SectionKind::ByExpiry));
    assert_eq!(
        app.pki.rows[1].node,
        Node::Cert(2),
        "admin.conf expired first"
    );
}

#[test]
fn timeline_keeps_the_selected_certificate() {
    let mut app = loaded();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down); // admin.conf
    press(&mut app, KeyCode::Char('t'));
    assert_eq!(app.pki.screen, Screen::Timeline);
    assert_eq!(selected_name(&app), "admin.conf");
    press(&mut app, KeyCode::Down);
    let in_timeline = selected_name(&app);
    press(&mut app, KeyCode::Char('t'));
    assert_eq!(app.pki.screen, Screen::Tree);
    assert_eq!(selected_name(&app), in_timeline);
}

#[test]
fn details_scroll_stops_at_the_end() {
    let mut app = loaded();
    app.update(Msg::Resize(80, 24));
    press(&mut app, KeyCode::Down); // ca
    press(&mut app, KeyCode::Tab);
    for _ in 0..100 {
        press(&mut app, KeyCode::Down);
    }
    let width = app.areas().unwrap().details.width;
    let len = view::details::lines(&app, width).len();
    assert_eq!(app.pki.details_scroll, len - 19);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Down);
    assert_eq!(
        app.pki.details_scroll, 0,
        "a new selection starts at the top"
    );
}

#[test]
fn capital_g_goes_to_the_last_row_and_gg_to_the_first() {
    let mut app = loaded();
    typed(&mut app, "G");
    assert_eq!(app.pki.tree.index, app.pki.rows.len() - 1);
    typed(&mut app, "g");
    assert_eq!(
        app.pki.tree.index,
        app.pki.rows.len() - 1,
        "one g only arms"
    );
    typed(&mut app, "g");
    assert_eq!(app.pki.tree.index, 0);
    typed(&mut app, "G");
    typed(&mut app, "gjg");
    assert_eq!(
        app.pki.tree.index,
        app.pki.rows.len() - 1,
        "another key between the two g disarms"
    );
}

/// At 60x15 nothing is drawn but "too small": `r` must not plan a renewal there, so that after
/// a resize one `y` cannot renew what was never shown.
#[test]
fn keys_do_nothing_while_the_screen_is_too_small_to_draw() {
    let mut app = loaded();
    press(&mut app, KeyCode::Down);
    app.update(Msg::Resize(60, 15));
    assert!(app.areas().is_none());
    for c in ['r', 'R', 'S', 'e', 'x', '/', '2', 'y', 'G'] {
        assert!(press(&mut app, KeyCode::Char(c)).is_none(), "{c}");
    }
    assert!(press(&mut app, KeyCode::Enter).is_none());
    app.update(Msg::Paste("pasted".into()));
    assert!(app.overlays.is_empty(), "no dialog behind the notice");
    assert_eq!(app.tab, Tab::LocalPki);
    assert_eq!(app.pki.tree.index, 1, "the selection did not move");
    assert!(!app.pki.view.editing_filter);
    // Quitting still works.
    assert!(matches!(
        press(&mut app, KeyCode::Char('q')),
        Some(Cmd::Quit)
    ));
    app.update(Msg::Resize(60, 16));
    assert!(app.areas().is_some(), "60x16 is drawn");
    assert!(matches!(
        press(&mut app, KeyCode::Char('r')),
        Some(Cmd::PlanRenew { .. })
    ));
}

#[test]
fn y_copies_the_absolute_path_of_the_selected_certificate() {
    let mut app = loaded();
    assert!(
        press(&mut app, KeyCode::Char('y')).is_none(),
        "a section row"
    );
    assert!(app
        .notice
        .as_deref()
        .unwrap()
        .contains("select a certificate"));
    press(&mut app, KeyCode::Down);
    match press(&mut app, KeyCode::Char('y')) {
        Some(Cmd::Copy(path)) => assert_eq!(path, "/pki/ca.crt"),
        other => panic!("expected a copy, got {other:?}"),
    }
    assert_eq!(app.notice.as_deref(), Some("copied /pki/ca.crt (OSC 52)"));
}
