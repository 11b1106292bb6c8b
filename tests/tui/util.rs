//! A demo kubeadm tree scanned with a fixed clock, loaded into an `App` the way the loop does.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kcert::demo::{demo_spec, write_kubeadm_tree, TreeLayout};
use kcert::pki::{ScanOptions, Thresholds};
use kcert::renew;
use kcert::tui::action::{Cmd, Msg};
use kcert::tui::node_tasks;
use kcert::tui::{App, TuiOptions};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tempfile::TempDir;

use crate::common::{fixed_temp_dir, now};

/// A temp dir whose path always has the same length (`/tmp/kcert-tui-XXXXXX`), so that layouts
/// do not depend on `TMPDIR`, and the demo tree written into it.
pub fn demo_tree() -> TempDir {
    demo_tree_with_layout().0
}

/// [`demo_tree`] with where it put things.
pub fn demo_tree_with_layout() -> (TempDir, TreeLayout) {
    let dir = fixed_temp_dir("kcert-tui-");
    let layout = write_kubeadm_tree(dir.path(), &demo_spec(now())).expect("demo tree");
    (dir, layout)
}

/// Do what the event loop does with a command, synchronously; a restart's progress comes
/// back as the several messages it is.
pub fn perform(cmd: Cmd) -> Vec<Msg> {
    let rt = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    match cmd {
        Cmd::PlanRenew {
            inv,
            selection,
            opts,
        } => vec![Msg::RenewPlanned(
            renew::plan(&inv, &selection, &opts)
                .map(Box::new)
                .map_err(Into::into),
        )],
        Cmd::ApplyRenew(plan) => {
            let r = renew::apply(&plan, &mut kcert::fsx::RealDisk);
            vec![Msg::RenewDone(plan, r)]
        }
        Cmd::PlanRestore {
            tmp_dir,
            entry,
            now,
        } => vec![Msg::RestorePlanned(
            renew::plan_restore(&tmp_dir, Some(&entry), now)
                .map(Box::new)
                .map_err(Into::into),
        )],
        Cmd::ApplyRestore(plan) => {
            let r = renew::apply_restore(&plan, &mut kcert::fsx::RealDisk);
            vec![Msg::RestoreDone(plan, r)]
        }
        Cmd::PlanCa { inv, id } => vec![node_tasks::plan_ca(&inv, id)],
        Cmd::ShowText { inv, id } => vec![node_tasks::x509_text(&inv, id)],
        Cmd::Scan(req) => vec![Msg::ScanDone(node_tasks::scan(&req).map(Box::new))],
        Cmd::Probe {
            generation,
            endpoints,
        } => vec![rt().block_on(node_tasks::probe(generation, endpoints))],
        Cmd::PlanRestart {
            node,
            components,
            now,
        } => vec![Msg::RestartPlanned(node_tasks::plan_restarts(
            &node,
            &components,
            now,
        ))],
        Cmd::Restart(plans) => {
            let msgs = std::sync::Mutex::new(Vec::new());
            let send = |m| msgs.lock().unwrap().push(m);
            rt().block_on(node_tasks::restart_all(plans, std::future::pending(), send));
            msgs.into_inner().unwrap()
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// [`perform`] for a command that answers with one message.
pub fn perform_one(cmd: Cmd) -> Msg {
    let mut msgs = perform(cmd);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    msgs.remove(0)
}

pub fn options(root: &Path, color: bool) -> TuiOptions {
    TuiOptions {
        scan: ScanOptions::new(vec![root.to_path_buf()], now(), Thresholds::default()),
        color,
        now: Some(now()),
        cluster: None,
        node: None,
        probe: false,
    }
}

/// An app on a `width`x`height` terminal that has scanned `root` (through the same
/// request-scan → scan → `ScanDone` path the event loop takes).
pub fn scanned_app(root: &Path, width: u16, height: u16, color: bool) -> App {
    let mut app = App::new("cp-1", &options(root, color), now());
    app.update(Msg::Resize(width, height));
    let Some(Cmd::Scan(req)) = app.request_scan() else {
        panic!("a fresh app should ask for a scan");
    };
    let scanned = node_tasks::scan(&req).expect("scan of the demo tree");
    app.update(Msg::ScanDone(Ok(Box::new(scanned))));
    app
}

pub fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

pub fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t
}

/// The screen as text, with the temp root replaced by `[root]`.
pub fn screen(app: &App, width: u16, height: u16, root: &Path) -> String {
    draw(app, width, height)
        .backend()
        .to_string()
        .replace(&root.display().to_string(), "[root]")
}

/// The buffer with its style runs (`Buffer`'s `Debug`), temp root replaced.
pub fn styled_screen(app: &App, width: u16, height: u16, root: &Path) -> String {
    format!("{:?}", draw(app, width, height).backend().buffer())
        .replace(&root.display().to_string(), "[root]")
}
