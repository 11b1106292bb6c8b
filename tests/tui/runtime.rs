//! The node's runtime in the UI, on a demo tree whose manifests name free loopback ports and a
//! real TLS server standing in for the API server: who uses each file, what is served, a
//! renewal that leaves the old certificate served ("restart needed"), the restart offered,
//! confirmed and carried out through the message flow, and `e` for an x509 error line.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::KeyCode;
use kcert::demo::TreeLayout;
use kcert::runtime::restart::StepKind;
use kcert::tui::action::{Cmd, Msg, RestartMsg};
use kcert::tui::App;
use tempfile::TempDir;

use crate::common::now;
use crate::node_util::{retarget, write_kubelet_config, Ports};
use crate::server::play_kubelet;
use crate::util::{demo_tree_with_layout, key, keys, options, perform, perform_one, screen};

const W: u16 = 80;
const H: u16 = 24;

/// A demo tree whose listeners are on free loopback ports, and its API server's port.
pub fn node() -> (TempDir, TreeLayout, Ports) {
    let (dir, layout) = demo_tree_with_layout();
    let ports = Ports::free();
    retarget(&layout.manifests, &ports);
    write_kubelet_config(&layout, ports.kubelet);
    (dir, layout, ports)
}

/// An app reading the node the way `kcert` does for a scanned path.
fn app(root: &Path) -> App {
    let mut opts = options(root, false);
    opts.node = kcert::runtime::NodePaths::discover(&[root.to_path_buf()]);
    opts.probe = true;
    assert!(opts.node.is_some(), "the demo tree has manifests");
    let mut app = App::new("cp-1", &opts, now());
    app.update(Msg::Resize(W, H));
    app
}

/// Perform `cmd` and every command the answers lead to, as the loop would.
fn run(app: &mut App, cmd: Cmd) {
    let mut queue = vec![cmd];
    while let Some(cmd) = queue.pop() {
        for msg in perform(cmd) {
            queue.extend(app.update(msg));
        }
    }
}

/// The API server's port, masked (free ports differ between runs; always five digits here).
fn masked(s: &str, ports: &Ports) -> String {
    s.replace(&format!(":{}", ports.api), ":NNNNN")
}

fn select(app: &mut App, text: &str) {
    key(app, KeyCode::Char('/'));
    keys(app, text);
    key(app, KeyCode::Enter);
    key(app, KeyCode::Esc);
}

/// The kubelet stand-in in a thread: serves the API server's files while its manifest is in
/// place, stops when it leaves, starts again (reading the files anew) when it is back.
struct Kubelet {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Kubelet {
    fn start(layout: &TreeLayout, port: u16) -> Kubelet {
        let stop = Arc::new(AtomicBool::new(false));
        let (manifest, cert, key) = (
            layout.manifests.join("kube-apiserver.yaml"),
            layout.pki.join("apiserver.crt"),
            layout.pki.join("apiserver.key"),
        );
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            play_kubelet(&manifest, port, &cert, &key, || flag.load(Ordering::SeqCst));
        });
        Kubelet {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn api_row(s: &str) -> &str {
    s.lines()
        .find(|l| l.contains("─ apiserver "))
        .unwrap_or_default()
}

/// Scan, then the probe the scan asks for, until the stand-in (which needs a moment to
/// listen) serves the API server's certificate; `apiserver` is selected.
fn scan_until_served(app: &mut App, dir: &Path) {
    let scan = app.request_scan().expect("scan");
    let done = perform_one(scan);
    let started = Instant::now();
    let mut probe = app.update(done).expect("the scan asks for a probe");
    select(app, "apiserver");
    loop {
        let Cmd::Probe { .. } = &probe else {
            panic!("{probe:?}")
        };
        app.update(perform_one(probe.clone()));
        if api_row(&screen(app, W, H, dir)).contains("● served") {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "the stand-in never served:\n{}\n{:#?}",
            screen(app, W, H, dir),
            app.pki
                .data
                .as_ref()
                .and_then(|d| d.served.as_ref())
                .map(|s| &s.results)
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
        let rescan = app.request_scan().unwrap();
        probe = app.update(perform_one(rescan)).unwrap();
    }
}

/// Renew the selected certificate with `r`, `y`, leave the offered restart for later, and
/// rescan and probe as the renewal asks.
fn renew_without_restart(app: &mut App) {
    let plan = app.update(Msg::Key(press('r'))).expect("r plans");
    app.update(perform_one(plan));
    let apply = app.update(Msg::Key(press('y'))).expect("y applies");
    let rescan = app.update(perform_one(apply)).expect("a rescan follows");
    let probe = app.update(perform_one(rescan)).expect("probe after rescan");
    app.update(perform_one(probe));
    key(app, KeyCode::Esc);
    assert!(app.overlays.is_empty(), "n/Esc leave the restart for later");
}

#[test]
fn renewal_leaves_the_old_certificate_served_until_the_offered_restart() {
    let (dir, layout, ports) = node();
    let _kubelet = Kubelet::start(&layout, ports.api);
    let mut app = app(dir.path());
    scan_until_served(&mut app, dir.path());
    let s = masked(&screen(&app, W, H, dir.path()), &ports);
    assert!(s.contains("kube-apiserver"), "{s}");
    assert!(s.contains("--tls-cert-file"), "{s}");

    // Renew in the UI: the running API server keeps the certificate it read at start.
    let plan = app.update(Msg::Key(press('r'))).expect("r plans");
    app.update(perform_one(plan));
    let apply = app.update(Msg::Key(press('y'))).expect("y applies");
    let rescan = app.update(perform_one(apply)).expect("a rescan follows");
    let report = screen(&app, W, H, dir.path());
    assert!(report.contains("press y to restart it"), "{report}");
    let offer = app
        .overlays
        .last()
        .map(|o| format!("{o:?}"))
        .unwrap_or_default();
    assert!(offer.contains("PlanRestart"), "{offer}");
    // The rescan and its probe: the row and the details say a restart is needed.
    let probe = app.update(perform_one(rescan)).expect("probe after rescan");
    let t = Instant::now();
    app.update(perform_one(probe));
    eprintln!("probe of every listener answered in {:?}", t.elapsed());
    key(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty(), "n/Esc leave the restart for later");
    let s = masked(&screen(&app, W, H, dir.path()), &ports);
    assert!(api_row(&s).contains("⟳ restart"), "{s}");
    assert!(s.contains("serving an older"), "{s}");
    snapshot!("details_used_by_and_served_80x24", &s);

    // S on the certificate: the plan first, nothing moves until y.
    let plan = app.update(Msg::Key(press('S'))).expect("S plans a restart");
    assert!(matches!(plan, Cmd::PlanRestart { .. }), "{plan:?}");
    app.update(perform_one(plan));
    let s = masked(&screen(&app, W, H, dir.path()), &ports);
    let manifest = layout.manifests.join("kube-apiserver.yaml");
    assert!(manifest.exists(), "planning moves nothing");
    snapshot!("restart_confirmation_80x24", &s);
    let restart = app.update(Msg::Key(press('y'))).expect("y restarts");
    let t = Instant::now();
    run(&mut app, restart);
    let took = t.elapsed();
    eprintln!("restart, rescan and reprobe through the message flow took {took:?}");
    assert!(manifest.exists(), "the manifest is back");
    let s = screen(&app, W, H, dir.path());
    assert!(s.contains("✓ kube-apiserver restarted in"), "{s}");
    key(&mut app, KeyCode::Esc);
    let s = screen(&app, W, H, dir.path());
    assert!(
        api_row(&s).contains("● served"),
        "after the restart and the reprobe ({took:?}):\n{s}"
    );
}

/// `c` during a real restart: the manifest goes back and the dialog says so, with the journal.
#[test]
fn a_cancelled_restart_puts_the_manifest_back_and_says_so() {
    let (dir, layout, ports) = node();
    let _kubelet = Kubelet::start(&layout, ports.api);
    let mut app = app(dir.path());
    let scan = app.request_scan().unwrap();
    app.update(perform_one(scan));
    select(&mut app, "apiserver");
    let plan = app.update(Msg::Key(press('S'))).expect("S plans a restart");
    app.update(perform_one(plan));
    let Some(Cmd::Restart(plans)) = app.update(Msg::Key(press('y'))) else {
        panic!("y starts the restart");
    };
    assert!(matches!(
        app.update(Msg::Key(press('c'))),
        Some(Cmd::CancelRestart)
    ));
    // The runner's cancel, fired once the manifest is out and the wait for the stop began.
    let out = Arc::new(tokio::sync::Notify::new());
    let msgs = std::sync::Mutex::new(Vec::new());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(kcert::tui::node_tasks::restart_all(
        plans,
        out.notified(),
        |m: Msg| {
            if let Msg::Restart(RestartMsg::Begin(_, StepKind::WaitStopped)) = &m {
                out.notify_one();
            }
            msgs.lock().unwrap().push(m);
        },
    ));
    let mut rescan = None;
    for m in msgs.into_inner().unwrap() {
        rescan = app.update(m).or(rescan);
    }
    assert!(layout.manifests.join("kube-apiserver.yaml").exists());
    assert!(matches!(rescan, Some(Cmd::Scan(_))), "a rescan follows");
    let s = screen(&app, 100, 30, dir.path());
    assert!(s.contains("interrupted during"), "{s}");
    assert!(
        s.contains("Journal: nothing pending; the manifest is in place"),
        "{s}"
    );
}

fn press(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(KeyCode::Char(c), crossterm::event::KeyModifiers::NONE)
}

#[test]
fn explain_prompt_takes_a_pasted_line_and_selects_the_certificate() {
    let (dir, _layout) = demo_tree_with_layout();
    let mut app = crate::util::scanned_app(dir.path(), W, H, false);
    // The demo's etcd peer certificate (the critical one, alone with its NotAfter), as Go
    // prints the time.
    let d = app.pki.data.as_ref().unwrap();
    let (id, etcd) = d
        .inv
        .certs
        .iter()
        .enumerate()
        .find(|(_, c)| c.kubeadm_name.as_deref() == Some("etcd-peer"))
        .unwrap();
    let line = format!(
        "rejected connection: x509: certificate has expired or is not yet valid: current time \
         {} is after {}",
        (etcd.not_after + chrono::Duration::hours(1)).to_rfc3339(),
        etcd.not_after.to_rfc3339()
    );
    key(&mut app, KeyCode::Char('e'));
    app.update(Msg::Paste(line));
    snapshot!("explain_prompt_80x24", screen(&app, W, H, dir.path()));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pki.selected(), Some(kcert::tui::tree::Node::Cert(id)));
    let notice = app.notice.clone().unwrap_or_default();
    assert!(
        notice.starts_with("1 certificate matches NotAfter") && notice.ends_with("etcd-peer"),
        "{notice}"
    );
}

/// Quitting (here by the signal path; a key and the end of input return the same way) while a restart has the API server's
/// manifest out of the manifests directory must put it back before the UI returns: right
/// after, the runtime is shut down without waiting and the process ends.
#[test]
fn quitting_during_a_restart_puts_the_manifest_back_before_the_ui_returns() {
    use crossterm::event::{Event, KeyEvent, KeyModifiers};
    use std::time::Duration;

    let (dir, layout, ports) = node();
    // A listener that never stops: the restart waits (up to 90 s) with the manifest out.
    let _server = crate::server::TlsServer::from_files(
        crate::server::loopback(ports.api),
        &layout.pki.join("apiserver.crt"),
        &layout.pki.join("apiserver.key"),
    )
    .unwrap();
    let manifest = layout.manifests.join("kube-apiserver.yaml");
    let manifest_in_place = {
        let manifest = manifest.clone();
        move || manifest.exists()
    };
    let app = app(dir.path());
    let (keys_tx, keys_rx) = futures::channel::mpsc::unbounded::<std::io::Result<Event>>();
    let (quit_tx, quit_rx) = tokio::sync::oneshot::channel::<()>();
    // On one thread: nothing the loop spawned runs after it returns unless it waited for it,
    // as in the real process, which ends right after the loop.
    let ui = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(W, H)).unwrap();
        let quit = async {
            let _ = quit_rx.await;
        };
        let result = rt.block_on(kcert::tui::runner::run_loop(
            &mut terminal,
            keys_rx,
            app,
            quit,
        ));
        (result, manifest_in_place())
    });
    let send = |text: &str| {
        for c in text.chars() {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            let ev = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
            keys_tx.unbounded_send(Ok(ev)).unwrap();
        }
    };
    // The scan of the demo tree takes milliseconds; planning reads a few files.
    std::thread::sleep(Duration::from_millis(1500));
    send("/apiserver\n");
    keys_tx
        .unbounded_send(Ok(Event::Key(KeyEvent::new(
            KeyCode::Esc,
            KeyModifiers::NONE,
        ))))
        .unwrap();
    send("S");
    std::thread::sleep(Duration::from_millis(1000));
    send("y");
    let start = Instant::now();
    while manifest.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the restart never moved the manifest out"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    quit_tx.send(()).unwrap();
    let (result, in_place) = ui.join().unwrap();
    result.unwrap();
    assert!(
        in_place,
        "the manifest is back in {} when the UI returns",
        layout.manifests.display()
    );
    let tmp = dir.path().join("etc/kubernetes/tmp");
    assert!(
        kcert::runtime::journal::read_pending(&tmp)
            .unwrap()
            .is_none(),
        "no restart journal is left pending"
    );
}

/// After a renewal whose restart was left for later, kubectl's error names the old
/// certificate's NotAfter: `e` says the running API server still serves the certificate the
/// renewal replaced and to restart it, rather than "it may be the peer's".
#[test]
fn explain_names_the_missing_restart_after_a_renewal() {
    let (dir, layout, ports) = node();
    let _kubelet = Kubelet::start(&layout, ports.api);
    let mut app = app(dir.path());
    scan_until_served(&mut app, dir.path());
    let old_not_after = app
        .pki
        .data
        .as_ref()
        .unwrap()
        .inv
        .certs
        .iter()
        .find(|c| c.kubeadm_name.as_deref() == Some("apiserver"))
        .unwrap()
        .not_after;
    renew_without_restart(&mut app);
    let s = screen(&app, W, H, dir.path());
    assert!(api_row(&s).contains("⟳ restart"), "{s}");

    let line = format!(
        "Unable to connect to the server: tls: failed to verify certificate: x509: certificate \
         has expired or is not yet valid: current time {} is after {}",
        (old_not_after + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ"),
        old_not_after.format("%Y-%m-%dT%H:%M:%SZ")
    );
    key(&mut app, KeyCode::Char('e'));
    app.update(Msg::Paste(line));
    key(&mut app, KeyCode::Enter);
    let notice = app.notice.clone().unwrap_or_default();
    assert!(
        notice.starts_with(&format!(
            "The running kube-apiserver still serves the certificate you replaced on {}",
            now().format("%Y-%m-%d %H:%M UTC")
        )) && notice.ends_with("restart it (kcert restart kube-apiserver)."),
        "{notice}"
    );
    let selected = match app.pki.selected() {
        Some(kcert::tui::tree::Node::Cert(id)) => {
            app.pki.data.as_ref().unwrap().inv.certs[id].display_name()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(selected, "apiserver", "S restarts what uses it from here");
}
