//! Whole-screen snapshots of the demo tree at a fixed clock.

use crossterm::event::KeyCode;
use kcert::tui::App;
use ratatui::style::{Color, Modifier};

use crate::common::now;
use crate::util::*;

const W: u16 = 100;
const H: u16 = 30;

/// Select the first row matching `text`, then clear the filter so the whole tree shows again.
fn select(app: &mut App, text: &str) {
    key(app, KeyCode::Char('/'));
    keys(app, text);
    key(app, KeyCode::Enter);
    key(app, KeyCode::Esc);
}

#[test]
fn tree_with_details_of_a_key_mismatch() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, false);
    select(&mut app, "apiserver-etcd-client");
    let s = screen(&app, W, H, dir.path());
    assert!(
        s.contains("Kubernetes CA")
            && s.contains("etcd CA")
            && s.contains("Front-proxy (request-header) CA")
    );
    assert!(
        s.contains("[key]"),
        "the mismatched key is marked in the tree"
    );
    snapshot!("tree_with_details_of_a_key_mismatch", &s);
}

#[test]
fn details_of_a_leaf_signed_by_the_wrong_ca() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, false);
    select(&mut app, "front-proxy-client");
    let s = screen(&app, W, H, dir.path());
    assert!(s.contains("[chain]"));
    snapshot!("details_of_a_leaf_signed_by_the_wrong_ca", &s);
}

#[test]
fn status_colours_by_meaning() {
    let dir = demo_tree();
    let app = scanned_app(dir.path(), W, H, true);
    let t = draw(&app, W, H);
    let buf = t.backend().buffer();
    // Each status word in the header is drawn in its colour.
    let fg_of = |needle: &str| {
        let row: String = (0..W).map(|x| buf[(x, 1)].symbol().to_string()).collect();
        let col = row
            .find(needle)
            .map(|b| row[..b].chars().count())
            .expect(needle);
        buf[(col as u16, 1)].fg
    };
    assert_eq!(fg_of("expired"), Color::Red);
    assert_eq!(fg_of("critical"), Color::Red);
    assert_eq!(fg_of("warning"), Color::Yellow);
    assert_eq!(fg_of("ok"), Color::Green);
    snapshot!(
        "status_colours_by_meaning",
        &styled_screen(&app, W, H, dir.path())
    );
}

#[test]
fn no_color_keeps_every_state_readable() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, false);
    key(&mut app, KeyCode::Down);
    let t = draw(&app, W, H);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(
            (cell.fg, cell.bg),
            (Color::Reset, Color::Reset),
            "no colour anywhere"
        );
    }
    // The selection (row 1 of the tree, screen row 4) is reverse video.
    assert!(buf[(10, 4)].modifier.contains(Modifier::REVERSED));
    let s = screen(&app, W, H, dir.path());
    for word in ["✗ expired", "‼", "! ", "✓", "[chain]", "[key]"] {
        assert!(s.contains(word), "{word:?} missing without colour");
    }
    snapshot!(
        "no_color_keeps_every_state_readable",
        &styled_screen(&app, W, H, dir.path())
    );
}

#[test]
fn help_overlay_lists_the_key_table() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, false);
    key(&mut app, KeyCode::Char('?'));
    let s = screen(&app, W, H, dir.path());
    // The help scrolls when it does not fit: every binding is on one of its pages.
    let mut all = s.clone();
    for _ in 0..H {
        key(&mut app, KeyCode::Down);
        all.push_str(&screen(&app, W, H, dir.path()));
    }
    for b in kcert::tui::keymap::BINDINGS
        .iter()
        .filter(|b| b.context.in_help())
    {
        let first_word = b.help.split(' ').next().unwrap();
        assert!(all.contains(first_word), "help lacks {:?}", b.help);
    }
    assert!(
        all.contains("Tokens tab") && all.contains("bootstrap tokens tab"),
        "{all}"
    );
    snapshot!("help_overlay_lists_the_key_table", &s);
}

#[test]
fn typing_a_filter_narrows_the_tree() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, false);
    key(&mut app, KeyCode::Char('/'));
    keys(&mut app, "etcd");
    let s = screen(&app, W, H, dir.path());
    assert!(s.contains("etcd-server") && !s.contains("front-proxy-client"));
    assert!(s.contains("/etcd█"), "the footer shows what is typed");
    snapshot!("typing_a_filter_narrows_the_tree", &s);
}

#[test]
fn problems_only() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, false);
    key(&mut app, KeyCode::Char('p'));
    let s = screen(&app, W, H, dir.path());
    assert!(s.contains("[problems only]"));
    assert!(!s.contains("✓ 364d ├─ controller-manager.conf"));
    snapshot!("problems_only", &s);
}

#[test]
fn sorted_by_expiry() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, false);
    key(&mut app, KeyCode::Char('s'));
    snapshot!("sorted_by_expiry", &screen(&app, W, H, dir.path()));
}

#[test]
fn timeline_axis_shows_the_ca_wall() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, true);
    key(&mut app, KeyCode::Char('t'));
    let s = screen(&app, W, H, dir.path());
    assert!(s.contains("▼"), "CA expiries are marked on the axis");
    snapshot!("timeline_axis_text", &s);
    snapshot!(
        "timeline_axis_styles",
        &styled_screen(&app, W, H, dir.path())
    );
}

#[test]
fn timeline_per_month() {
    let dir = demo_tree();
    let mut app = scanned_app(dir.path(), W, H, false);
    key(&mut app, KeyCode::Char('t'));
    key(&mut app, KeyCode::Char('m'));
    snapshot!("timeline_per_month", &screen(&app, W, H, dir.path()));
}

#[test]
fn too_small_says_so() {
    let dir = demo_tree();
    let app = scanned_app(dir.path(), 59, 24, false);
    let s = screen(&app, 59, 24, dir.path());
    assert!(s.contains("Terminal too small") && s.contains("59x24"));
    snapshot!("too_small_says_so", &s);
}

#[test]
fn first_frame_before_the_scan_is_done() {
    let dir = demo_tree();
    let mut app = App::new("cp-1", &options(dir.path(), false), now());
    app.update(kcert::tui::action::Msg::Resize(W, H));
    assert!(app.request_scan().is_some());
    let s = screen(&app, W, H, dir.path());
    assert!(s.contains("Scanning"));
    snapshot!("first_frame_before_the_scan_is_done", &s);
}

#[test]
fn a_folded_ca_says_the_worst_it_hides() {
    let dir = demo_tree();
    let (w, h) = (80, 24);
    let mut app = scanned_app(dir.path(), w, h, false);
    // Row 2 is `ca`: fold it; then fold the etcd CA's section heading, below the front
    // proxy's section and its CA.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Left);
    for _ in 0..3 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Left);
    let s = screen(&app, w, h, dir.path());
    assert!(
        s.contains("▸ etcd CA  ‼ 2 critical"),
        "the folded section counts what it hides:\n{s}"
    );
    let ca_row = s
        .lines()
        .find(|l| l.contains("▸ ca "))
        .unwrap_or_else(|| panic!("no folded ca row:\n{s}"));
    assert!(ca_row.contains("✗ 2 expired"), "{ca_row}");
    assert!(!ca_row.contains('✓'), "not the CA's own tick: {ca_row}");
    snapshot!("a_folded_ca_says_the_worst_it_hides", &s);
}

#[test]
fn an_empty_scan_says_where_it_looked_not_that_nothing_matches() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (80, 24);
    let app = scanned_app(dir.path(), w, h, false);
    let s = screen(&app, w, h, dir.path());
    assert!(
        s.contains("No certificates, keys or kubeconfigs were") && s.contains("found under"),
        "{s}"
    );
    assert!(!s.contains("Nothing matches"), "no filter is set:\n{s}");

    // Only problems, on a tree that has none: not "nothing matches" either.
    let spec = crate::common::node_spec(
        crate::common::made(),
        kcert::sign::KeySpec::EcdsaP256,
        "10.0.0.5",
        Default::default(),
    );
    let (healthy, _) = crate::common::write_tree(&spec);
    let mut app = scanned_app(healthy.path(), w, h, false);
    app.now = crate::common::made() + chrono::Duration::days(30);
    key(&mut app, KeyCode::Char('p'));
    let s = screen(&app, w, h, healthy.path());
    assert!(s.contains("No problems: everything is ok."), "{s}");
    assert!(!s.contains("Nothing matches"), "{s}");
}

/// A k3s node: its distribution in the header, its CAs' roles as the tree's sections, the CA
/// copies inside the leaf files nowhere as CAs, and the renewal k3s's way in the details.
#[test]
fn a_k3s_node_in_the_tree_with_its_renewal() {
    let dir = crate::common::fixed_temp_dir("kcert-tui-");
    kcert::demo::write_rancher_tree(
        dir.path(),
        &kcert::demo::demo_rancher_spec(now(), kcert::pki::distro::Distribution::K3s),
    )
    .expect("k3s tree");
    let (w, h) = (W, 60);
    let mut app = scanned_app(dir.path(), w, h, false);
    select(&mut app, "serving-kube-apiserver");
    let s = screen(&app, w, h, dir.path());
    assert!(s.contains("k3s (server, agent)"), "{s}");
    for section in ["Client CA", "Server CA", "Front-proxy (request-header) CA"] {
        assert!(s.contains(section), "{section}: {s}");
    }
    assert!(
        !s.contains("Other CAs"),
        "copies are not CAs of their own: {s}"
    );
    assert!(s.contains("systemctl restart k3s"), "{s}");
    snapshot!("a_k3s_node_in_the_tree_with_its_renewal", &s);
}
