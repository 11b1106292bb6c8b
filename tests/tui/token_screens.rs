//! The tokens tab (`3`) and the auto-approval banner on the CSR tab, on the demo cluster at a
//! fixed clock: the reading is asked for when the watch connects, performed as the loop
//! performs it, and judged against the listed CSRs.

use crossterm::event::KeyCode;
use kcert::tui::action::Cmd;
use kcert::tui::App;
use ratatui::style::Color;

use crate::demo_cluster::{pump_until, read_doctor, row, screen, started, DemoCluster};
use crate::util::{draw, key};

/// The demo cluster listed and the doctor's reading in, on a `w`x`h` terminal.
async fn loaded(cluster: &DemoCluster, w: u16, h: u16, color: bool) -> App {
    let (mut app, watch, mut rx) = started(cluster.options(), w, h, color);
    let cmds = pump_until(&mut app, &mut rx, true, |a| {
        a.csr.loaded && a.csr.connected()
    })
    .await;
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Doctor)),
        "connecting asks for the doctor's reading: {cmds:?}"
    );
    read_doctor(&mut app, &watch, true).await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_tab_at_80x24() {
    let cluster = DemoCluster::start().await;
    let mut app = loaded(&cluster, 80, 24, false).await;
    key(&mut app, KeyCode::Char('3'));
    let t = draw(&app, 80, 24);
    for cell in t.backend().buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "NO_COLOR");
    }
    let s = screen(&app, 80, 24, &cluster);
    for header in ["ID", "DESCRI", "EXPIRES", "STATUS", "GROUPS", "CSRs"] {
        assert!(row(&s, "┃ID ").contains(header), "{header}:\n{s}");
    }
    let abcdef = row(&s, "abcdef  ");
    assert!(
        abcdef.contains("expired 2h ago") && abcdef.contains("✗ expired"),
        "{abcdef}"
    );
    assert!(abcdef.contains("1 (1 pending)"), "{abcdef}");
    assert!(
        row(&s, "07401b").contains("✓ ok"),
        "18 hours left of a 24-hour token, nobody joining with it:\n{s}"
    );
    for secret in ["0123456789abcdef", "f395accd246ae52d"] {
        assert!(!s.contains(secret), "secret on screen:\n{s}");
    }
    snapshot!("tokens_tab_at_80x24", &s);

    // The expired token (second row) lists worker-3's pending CSR and says why it matters.
    key(&mut app, KeyCode::Down);
    let s = screen(&app, 80, 40, &cluster);
    assert!(s.contains("Token abcdef"), "{s}");
    assert!(
        s.contains("✗ token abcdef expired 2h ago but node-csr-worker-3-bootstrap"),
        "{s}"
    );
    assert!(
        s.contains("node-csr-worker-3-bootstrap  Pending  2m"),
        "{s}"
    );
    assert!(s.contains("User         system:bootstrap:abcdef"), "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csr_tab_banner_at_80x24() {
    let cluster = DemoCluster::start().await;
    let mut app = loaded(&cluster, 80, 24, false).await;
    key(&mut app, KeyCode::Char('2'));
    let s = screen(&app, 80, 24, &cluster);
    let banner: String = s.lines().skip(2).take(2).collect();
    assert!(
        banner.contains("✗ Auto-approval: bootstrap ✓  renewal ✓"),
        "{s}"
    );
    assert!(banner.contains("serving ! no approver, 5 waiting"), "{s}");
    assert!(
        s.contains("D auto-approval") || s.contains("D: details"),
        "{s}"
    );
    snapshot!("csr_tab_banner_at_80x24", &s);

    // D shows the whole report; the kubectl line appears once a binding is missing.
    key(&mut app, KeyCode::Char('D'));
    let s = screen(&app, 80, 24, &cluster);
    assert!(s.contains("Auto-approval check"), "{s}");
    assert!(
        s.contains("First client certificates for bootstrapping nodes: automatic"),
        "{s}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_binding_shows_in_the_banner_and_the_report_gives_the_line() {
    let cluster = DemoCluster::start().await;
    assert!(cluster.server.delete_object(
        "ClusterRoleBinding",
        None,
        "kubeadm:node-autoapprove-certificate-rotation"
    ));
    let mut app = loaded(&cluster, 100, 30, false).await;
    key(&mut app, KeyCode::Char('2'));
    let s = screen(&app, 100, 30, &cluster);
    assert!(
        s.contains("renewal ✗ needs kubeadm:node-autoapprove-certificate-rotation"),
        "{s}"
    );
    key(&mut app, KeyCode::Char('D'));
    let report: Vec<String> = match app.overlays.last() {
        Some(kcert::tui::app::Overlay::Dialog(d)) => {
            d.lines.iter().map(|(_, l)| l.clone()).collect()
        }
        other => panic!("{other:?}"),
    };
    assert!(
        report.iter().any(|l| l.trim() == "add it: kubectl create clusterrolebinding kubeadm:node-autoapprove-certificate-rotation --clusterrole=system:certificates.k8s.io:certificatesigningrequests:selfnodeclient --group=system:nodes"),
        "{report:#?}"
    );
    assert!(
        report
            .iter()
            .any(|l| l == "Bootstrap tokens: 2 (tab 3 lists them)"),
        "{report:#?}"
    );
    assert!(
        report
            .iter()
            .any(|l| l.starts_with("✗ error: token abcdef expired")),
        "{report:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_cluster_down_the_tokens_tab_says_why() {
    let cluster = DemoCluster::start().await;
    cluster.server.stop();
    let (mut app, _w, mut rx) = started(cluster.options(), 80, 24, false);
    pump_until(&mut app, &mut rx, false, |a| a.csr.failure.is_some()).await;
    key(&mut app, KeyCode::Char('3'));
    let s = screen(&app, 80, 24, &cluster);
    assert!(
        s.lines()
            .nth(2)
            .unwrap_or_default()
            .contains("✗ Connection refused"),
        "{s}"
    );
    assert!(
        s.contains("No tokens yet: the cluster cannot be reached"),
        "{s}"
    );
}

/// The CSR tab and the tokens tab agree: worker-3's bootstrap request passes every other
/// check, but its token expired two hours ago, so the kubelet can no longer fetch the
/// certificate. The verdict says so and points to a new token; `A` leaves it out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bootstrap_csr_whose_token_expired_fails_and_is_left_out_of_approve_all() {
    let cluster = DemoCluster::start().await;
    let mut app = loaded(&cluster, 100, 40, false).await;
    key(&mut app, KeyCode::Char('2'));
    let name = "node-csr-worker-3-bootstrap";
    let view = app.csr.set.get(name).expect("listed").clone();
    let token = view
        .verdict
        .checks
        .iter()
        .find(|c| c.rule == "token")
        .expect("a token check");
    assert_eq!(token.outcome, kcert::cluster::Outcome::Fail);
    assert!(
        token.reason.starts_with("token abcdef expired 2h ago")
            && token
                .reason
                .contains("kubeadm token create --print-join-command"),
        "{}",
        token.reason
    );
    assert!(!app.csr.set.approvable().any(|v| v.name == name));
    crate::demo_cluster::select(&mut app, name);
    let s = screen(&app, 100, 40, &cluster);
    assert!(row(&s, name).contains("FAIL: token"), "{s}");
    assert!(
        s.contains("✗ token FAILED: token abcdef expired 2h ago"),
        "{s}"
    );
    key(&mut app, KeyCode::Char('A'));
    let s = screen(&app, 100, 40, &cluster);
    assert!(s.contains("Approve 3 CSR(s)?"), "{s}");
    assert!(!s.contains(name), "not offered with A:\n{s}");
}
