//! Every screen at the sizes operators have: 80x24, 80x23 (a 24-row terminal under a tmux
//! status bar) and 60x16, the smallest kcert draws. Below 80 columns the local tab shows the
//! tree or the details (Tab switches); shorter than 16 body rows the cluster tabs show the
//! list or the details.

use crossterm::event::KeyCode;
use kcert::tui::action::{Cmd, Msg};
use kcert::tui::App;
use ratatui::style::Color;

use crate::common::now;
use crate::demo_cluster::{pump_until, read_doctor, select as select_csr, started, DemoCluster};
use crate::util::*;

const SIZES: [(u16, u16); 3] = [(80, 24), (80, 23), (60, 16)];

/// Select the first row matching `text`, then clear the filter so the whole tree shows again.
fn select(app: &mut App, text: &str) {
    key(app, KeyCode::Char('/'));
    keys(app, text);
    key(app, KeyCode::Enter);
    key(app, KeyCode::Esc);
}

/// The screen is drawn, every row of it (not the too-small notice).
fn assert_drawn(s: &str, w: u16, h: u16) {
    assert!(!s.contains("Terminal too small"), "{w}x{h} is drawn:\n{s}");
    assert_eq!(s.lines().count(), usize::from(h));
}

#[test]
fn local_tab() {
    let dir = demo_tree();
    for (w, h) in SIZES {
        let mut app = scanned_app(dir.path(), w, h, false);
        select(&mut app, "apiserver");
        let s = screen(&app, w, h, dir.path());
        assert_drawn(&s, w, h);
        assert!(s.contains("apiserver") && s.contains("? help"), "{s}");
        assert!(
            s.contains("q quit"),
            "the footer keeps quit at {w}x{h}:\n{s}"
        );
        snapshot!(format!("local_tab_{w}x{h}"), &s);
    }
}

#[test]
fn details() {
    let dir = demo_tree();
    for (w, h) in SIZES {
        let mut app = scanned_app(dir.path(), w, h, false);
        select(&mut app, "kubelet-client-current");
        key(&mut app, KeyCode::Tab);
        key(&mut app, KeyCode::End);
        let s = screen(&app, w, h, dir.path());
        assert_drawn(&s, w, h);
        // Paths keep their leading `/` and break after a `/` or a `-`, never mid-name.
        assert!(s.contains("/var/lib/kubelet/"), "{s}");
        for border in ["┃", "│"] {
            assert!(
                !s.contains(&format!("current.pe{border}")),
                "a name cut mid-word:\n{s}"
            );
        }
        assert!(!s.contains("used by/"), "a label run into its value:\n{s}");
        snapshot!(format!("details_{w}x{h}"), &s);
    }
}

#[test]
fn timeline_axis_and_months() {
    let dir = demo_tree();
    for (w, h) in SIZES {
        let mut app = scanned_app(dir.path(), w, h, false);
        key(&mut app, KeyCode::Char('t'));
        let s = screen(&app, w, h, dir.path());
        assert_drawn(&s, w, h);
        assert!(s.contains("now") && s.contains("▼"), "{s}");
        snapshot!(format!("timeline_{w}x{h}"), &s);
        key(&mut app, KeyCode::Char('m'));
        let s = screen(&app, w, h, dir.path());
        // Every month keeps a label of its own: `11 12`, never `1112`.
        assert!(s.contains("11 ") && !s.contains("1112"), "{s}");
        snapshot!(format!("months_{w}x{h}"), &s);
    }
}

#[test]
fn renew_dialog() {
    let dir = demo_tree();
    for (w, h) in SIZES {
        let mut app = scanned_app(dir.path(), w, h, false);
        keys(&mut app, "/apiserver");
        key(&mut app, KeyCode::Enter);
        let plan = app.update(press('r')).expect("r asks for a plan");
        app.update(perform_one(plan));
        let s = screen(&app, w, h, dir.path());
        assert!(s.contains("Renew 1 certificate(s)?"), "{s}");
        assert!(s.contains("y yes"), "{s}");
        if h == 16 {
            // Longer than the dialog: where it is, and that more follows.
            assert!(s.contains(" ↓ ╝"), "a scroll hint:\n{s}");
            for _ in 0..40 {
                key(&mut app, KeyCode::Down);
            }
            let end = screen(&app, w, h, dir.path());
            assert!(end.contains("Press y to renew"), "{end}");
            assert!(!end.contains(" ↓ ╝"), "at the end, not past it:\n{end}");
        }
        snapshot!(format!("renew_dialog_{w}x{h}"), &s);
    }
}

#[test]
fn help() {
    let dir = demo_tree();
    for (w, h) in SIZES {
        let mut app = scanned_app(dir.path(), w, h, false);
        key(&mut app, KeyCode::Char('?'));
        let s = screen(&app, w, h, dir.path());
        assert!(s.contains(" Keys "), "{s}");
        // The help is longer than any of these terminals: where it is, and that it goes on.
        assert!(s.contains(" ↓ "), "a scroll hint:\n{s}");
        snapshot!(format!("help_{w}x{h}"), &s);
    }
}

#[test]
fn local_tab_without_colour_at_60x16() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), 60, 16, false);
    keys(&mut app, "jj");
    let t = draw(&app, 60, 16);
    for cell in t.backend().buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "NO_COLOR");
    }
    let s = screen(&app, 60, 16, dir.path());
    for word in ["✗ expired", "! 20d", "✓ 335d", "[chain]"] {
        assert!(s.contains(word), "{word:?} without colour:\n{s}");
    }
    snapshot!(
        "local_tab_no_color_60x16",
        &styled_screen(&app, 60, 16, dir.path())
    );
    key(&mut app, KeyCode::Tab);
    snapshot!(
        "details_no_color_60x16",
        &styled_screen(&app, 60, 16, dir.path())
    );
}

#[test]
fn too_small_only_below_60x16() {
    let dir = demo_tree();
    for (w, h) in [(59, 16), (60, 15)] {
        let app = scanned_app(dir.path(), w, h, false);
        let s = screen(&app, w, h, dir.path());
        assert!(
            s.contains("Terminal too small") && s.contains("at least 60x16"),
            "{s}"
        );
    }
    let app = scanned_app(dir.path(), 60, 15, false);
    snapshot!("too_small_60x15", &screen(&app, 60, 15, dir.path()));
}

/// A name longer than the tree pane ends in `…`.
#[test]
fn long_names_end_in_an_ellipsis() {
    let dir = demo_tree();
    let pki = dir.path().join("etc/kubernetes/pki");
    std::fs::copy(
        pki.join("front-proxy-client.crt"),
        pki.join("kube-controller-manager.kubeconfig-client-certificate.crt"),
    )
    .unwrap();
    let app = scanned_app(dir.path(), 80, 24, false);
    let s = screen(&app, 80, 24, dir.path());
    let row = s
        .lines()
        .find(|l| l.contains("kube-controller-manager"))
        .unwrap_or_else(|| panic!("the long name is listed:\n{s}"));
    assert!(
        row.contains("kube-controller-manager.kub") && row.contains('…'),
        "{row}"
    );
}

/// In December the per-month chart starts with December and January: both years are named.
#[test]
fn the_per_month_chart_names_every_year() {
    let dir = demo_tree();
    let december: chrono::DateTime<chrono::Utc> = "2026-12-06T12:00:00Z".parse().unwrap();
    let mut opts = options(dir.path(), false);
    opts.now = Some(december);
    let mut app = App::new("cp-1", &opts, december);
    app.update(Msg::Resize(80, 24));
    let Some(Cmd::Scan(req)) = app.request_scan() else {
        panic!("a scan");
    };
    app.update(perform_one(Cmd::Scan(req)));
    keys(&mut app, "tm");
    let s = screen(&app, 80, 24, dir.path());
    let years = s.lines().nth(21).unwrap_or_default();
    for y in ["2026", "2027", "2028"] {
        assert!(years.contains(y), "{y} missing under the months:\n{s}");
    }
    snapshot!("per_month_chart_in_december", &s);
    assert!(now() < december, "the demo tree is older than the clock");
}

/// The demo cluster listed on tab 2 of a `w`x`h` terminal, the doctor's reading in.
async fn cluster_app(cluster: &DemoCluster, w: u16, h: u16) -> App {
    let (mut app, watch, mut rx) = started(cluster.options(), w, h, false);
    pump_until(&mut app, &mut rx, true, |a| {
        a.csr.loaded && a.csr.connected()
    })
    .await;
    read_doctor(&mut app, &watch, true).await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csr_tab_tokens_tab_and_the_dangerous_approval() {
    let cluster = DemoCluster::start().await;
    for (w, h) in SIZES {
        let mut app = cluster_app(&cluster, w, h).await;
        key(&mut app, KeyCode::Char('2'));
        let s = crate::demo_cluster::screen(&app, w, h, &cluster);
        assert_drawn(&s, w, h);
        // The requestor column names the node, not `system:node:…`.
        assert!(s.contains("…node:worker-"), "{s}");
        assert!(!s.contains("system:node:…"), "{s}");
        snapshot!(format!("csr_tab_{w}x{h}"), &s);

        select_csr(&mut app, "bob-admin");
        key(&mut app, KeyCode::Char('a'));
        let s = crate::demo_cluster::screen(&app, w, h, &cluster);
        // The whole warning, then the field the name goes into.
        let text: String = s
            .lines()
            .map(|l| l.trim_matches('"').trim_matches('║').trim())
            .collect::<Vec<_>>()
            .join(" ");
        for part in [
            "kcert would not approve this request: it is dangerous: approving it hands out \
             cluster-admin rights or another identity.",
            "asks for privileged group system:masters (full cluster admin)",
            "type its name (bob-admin) and press Enter",
            "Name to approve: █",
        ] {
            assert!(text.contains(part), "{part:?} at {w}x{h}:\n{s}");
        }
        assert!(s.contains("Enter confirm"), "{s}");
        snapshot!(format!("approve_dangerous_{w}x{h}"), &s);
        key(&mut app, KeyCode::Esc);

        key(&mut app, KeyCode::Char('3'));
        let s = crate::demo_cluster::screen(&app, w, h, &cluster);
        assert_drawn(&s, w, h);
        assert!(s.contains("abcdef"), "{s}");
        snapshot!(format!("tokens_tab_{w}x{h}"), &s);
    }
}

fn press(c: char) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

/// A notice longer than the footer (an explanation, an error) gets rows of its own above the
/// key hints, whole; help and quit stay; the selection stays in view above it.
#[test]
fn a_long_notice_is_shown_whole_and_the_footer_keeps_help_and_quit() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), 80, 24, false);
    key(&mut app, KeyCode::Char('G'));
    let long = "no certificate has NotAfter 2027-01-22 12:00:00 UTC: it may be the peer's, \
                on another machine";
    app.notice = Some(long.into());
    app.update(Msg::Resize(80, 24));
    let s = screen(&app, 80, 24, dir.path());
    let text: String = s
        .lines()
        .map(|l| l.trim_matches('"').trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(long), "{s}");
    let last = s.lines().last().unwrap_or_default();
    assert!(last.contains("? help") && last.contains("q quit"), "{s}");
    let selected = format!("{}/{}", app.pki.rows.len(), app.pki.rows.len());
    assert!(s.contains(&selected), "the last row is still shown:\n{s}");
    snapshot!("long_notice_80x24", &s);
}
