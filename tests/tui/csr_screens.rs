//! The CSR tab on the demo cluster at a fixed clock: the list, a dangerous request's details,
//! the approve confirmation, the deny prompt, and what the tab says without a cluster.

use crossterm::event::KeyCode;
use kcert::tui::App;
use ratatui::style::{Color, Modifier};

use crate::common::fixed_temp_dir;
use crate::demo_cluster::{
    names, options_for, pump_until, row, screen, select, started, DemoCluster,
};
use crate::util::{draw, key, keys};

const W: u16 = 100;
const H: u16 = 30;

/// The demo cluster listed on tab 2 of a `w`x`h` terminal.
async fn csr_tab(cluster: &DemoCluster, w: u16, h: u16, color: bool) -> App {
    let (mut app, _watch, mut rx) = started(cluster.options(), w, h, color);
    pump_until(&mut app, &mut rx, true, |a| {
        a.csr.loaded && a.csr.connected()
    })
    .await;
    key(&mut app, KeyCode::Char('2'));
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csr_list_like_kubectl_pending_first() {
    // Tall enough for all twelve rows.
    const H: u16 = 40;
    let cluster = DemoCluster::start().await;
    let app = csr_tab(&cluster, W, H, false).await;
    let all = names(&app);
    assert_eq!(all.len(), 12);
    let pending = app
        .csr
        .set
        .views()
        .iter()
        .take_while(|v| v.is_pending())
        .count();
    assert_eq!(pending, 9, "pending first: {all:?}");
    let s = screen(&app, W, H, &cluster);
    for header in ["NAME", "AGE", "REQUESTOR", "CONDITION", "VERDICT"] {
        assert!(s.contains(header), "{header} missing:\n{s}");
    }
    assert!(row(&s, "csr-serving-worker-1").contains("✓ valid"));
    assert!(row(&s, "csr-serving-worker-1").contains("Pending"));
    assert!(row(&s, "bob-admin").contains("‼ FAIL: groups"));
    assert!(row(&s, "csr-client-worker-1").contains("Approved,Issued"));
    assert!(row(&s, "mallory-admin").contains("Denied"));
    assert!(
        s.contains("2 CSRs (9 pending)"),
        "the tab label counts:\n{s}"
    );
    snapshot!("csr_list_like_kubectl_pending_first", &s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csr_tab_at_80x24() {
    let cluster = DemoCluster::start().await;
    let app = csr_tab(&cluster, 80, 24, false).await;
    let t = draw(&app, 80, 24);
    for cell in t.backend().buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "NO_COLOR");
    }
    let s = screen(&app, 80, 24, &cluster);
    assert!(
        s.contains("a approve") && s.contains("d deny"),
        "footer:\n{s}"
    );
    assert!(row(&s, "csr-impostor-worker-2").contains("‼ FAIL"), "{s}");
    snapshot!("csr_tab_at_80x24", &s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_collected_csr_leaves_the_list() {
    let cluster = DemoCluster::start().await;
    let (mut app, _watch, mut rx) = started(cluster.options(), W, 40, false);
    pump_until(&mut app, &mut rx, false, |a| a.csr.loaded).await;
    key(&mut app, KeyCode::Char('2'));
    select(&mut app, "mallory-admin");
    assert!(cluster.server.delete_csr("mallory-admin"));
    pump_until(&mut app, &mut rx, false, |a| {
        a.csr.set.get("mallory-admin").is_none()
    })
    .await;
    assert!(!screen(&app, W, 40, &cluster).contains("mallory-admin"));
    assert_eq!(names(&app).len(), 11);
    assert_eq!(
        app.csr.selected().map(|v| v.name.as_str()),
        Some("csr-serving-cp-1"),
        "the selection moves to the row that took its place"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wide_terminals_show_every_kubectl_column() {
    let cluster = DemoCluster::start().await;
    let app = csr_tab(&cluster, 180, 30, false).await;
    let s = screen(&app, 180, 30, &cluster);
    let headers = kcert::cluster::output::HEADERS;
    let line = row(&s, "REQUESTEDDURATION");
    let mut at = 0;
    for h in headers {
        let i = line[at..]
            .find(h)
            .unwrap_or_else(|| panic!("{h} in order: {line}"));
        at += i + h.len();
    }
    assert!(row(&s, "bob-admin").contains("kubernetes.io/kube-apiserver-client"));
    assert!(row(&s, "bob-admin").contains("24h"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_of_a_request_for_system_masters() {
    let cluster = DemoCluster::start().await;
    let mut app = csr_tab(&cluster, W, 50, false).await;
    select(&mut app, "bob-admin");
    let s = screen(&app, W, 50, &cluster);
    for text in [
        "‼ DANGER, FAIL: groups",
        "‼ groups DANGER: asks for privileged group system:masters",
        "‼ system:masters: privileged, full cluster admin",
        "Signature  ✓ verifies",
        "none: Pending, waiting for an approver",
    ] {
        assert!(s.contains(text), "{text:?} missing:\n{s}");
    }
    snapshot!("details_of_a_request_for_system_masters", &s);

    // In colour, the privileged group is drawn in the danger style.
    let (mut app, _w, mut rx) = started(cluster.options(), W, 50, true);
    pump_until(&mut app, &mut rx, true, |a| a.csr.loaded).await;
    key(&mut app, KeyCode::Char('2'));
    select(&mut app, "bob-admin");
    let t = draw(&app, W, 50);
    let buf = t.backend().buffer();
    let (x, y) = find(&t.backend().to_string(), "‼ system:masters");
    let cell = &buf[(x, y)];
    assert_eq!(cell.fg, Color::Red);
    assert!(cell.modifier.contains(Modifier::BOLD));
}

/// Column and row of the first cell of `needle` on a `TestBackend` screen dump.
fn find(dump: &str, needle: &str) -> (u16, u16) {
    for (y, line) in dump.lines().enumerate() {
        let line = line.trim_matches('"');
        if let Some(b) = line.find(needle) {
            return (line[..b].chars().count() as u16, y as u16);
        }
    }
    panic!("{needle} not on screen:\n{dump}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_confirmation_shows_the_verdict() {
    let cluster = DemoCluster::start().await;
    let mut app = csr_tab(&cluster, W, H, false).await;
    select(&mut app, "csr-serving-worker-1");
    key(&mut app, KeyCode::Char('a'));
    let s = screen(&app, W, H, &cluster);
    assert!(s.contains("Approve csr-serving-worker-1?"), "{s}");
    assert!(s.contains("Verdict: ✓ valid"), "{s}");
    assert!(s.contains("✓ node-addresses: every SAN is reported by node worker-1"));
    assert!(s.contains("y yes") && !s.contains("CA data"), "{s}");
    snapshot!("approve_confirmation_shows_the_verdict", &s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_asks_for_a_reason() {
    let cluster = DemoCluster::start().await;
    let mut app = csr_tab(&cluster, W, H, false).await;
    select(&mut app, "bob-admin");
    key(&mut app, KeyCode::Char('d'));
    keys(&mut app, "asks for system:masters");
    let s = screen(&app, W, H, &cluster);
    assert!(s.contains("Deny bob-admin?"), "{s}");
    assert!(s.contains("Reason: asks for system:masters█"), "{s}");
    assert!(
        s.contains("Enter confirm") && s.contains("Esc cancel"),
        "{s}"
    );
    snapshot!("deny_asks_for_a_reason", &s);
    // Backspace edits; Esc cancels and nothing is denied.
    key(&mut app, KeyCode::Backspace);
    assert!(screen(&app, W, H, &cluster).contains("Reason: asks for system:master█"));
    key(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty());
    assert!(app.csr.busy.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_kubeconfig_the_tab_says_so_calmly() {
    // Same path length on every run, so the centred lines do not move.
    let dir = fixed_temp_dir("kcert-tui-");
    let (mut app, _w, mut rx) = started(options_for(None, &dir), W, H, false);
    pump_until(&mut app, &mut rx, false, |a| a.csr.failure.is_some()).await;
    let tab1 = draw(&app, W, H).backend().to_string();
    assert!(!tab1.contains("kubeconfig"), "tab 1 is untouched:\n{tab1}");
    key(&mut app, KeyCode::Char('2'));
    let s = draw(&app, W, H)
        .backend()
        .to_string()
        .replace(&dir.path().display().to_string(), "[dir]");
    assert!(s.contains("No cluster to show"), "{s}");
    assert!(s.contains("--kubeconfig FILE"), "{s}");
    assert_eq!(app.banner_line(), None, "no error banner");
    snapshot!("without_a_kubeconfig_the_tab_says_so_calmly", &s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_gets_a_banner_on_the_csr_tab_only() {
    let cluster = DemoCluster::start().await;
    let (mut app, _w, mut rx) = started(cluster.options(), W, H, false);
    pump_until(&mut app, &mut rx, false, |a| a.csr.loaded).await;
    cluster.server.stop();
    pump_until(&mut app, &mut rx, false, |a| a.csr.failure.is_some()).await;
    let tab1 = screen(&app, W, H, &cluster);
    assert!(!tab1.contains("https://[server]"), "{tab1}");
    key(&mut app, KeyCode::Char('2'));
    let s = screen(&app, W, H, &cluster);
    let banner = s.lines().nth(2).unwrap_or_default();
    assert!(banner.contains("✗ "), "a banner under the header:\n{s}");
    assert!(s.contains("https://[server]"), "it names the server:\n{s}");
    assert!(
        row(&s, "csr-serving-worker-1").contains("Pending"),
        "the last known rows stay:\n{s}"
    );
}
