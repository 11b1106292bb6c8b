//! The demo cluster for CSR tab tests: the real in-process API server seeded with the demo's
//! dozen CSRs, watched exactly as the UI's event loop watches it (`App::start` asks for the
//! watch; the events go through `App::update`).

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kcert::cluster::{spawn_watch, Access, ClusterEvent, CsrView, Locations, WatchHandle};
use kcert::tui::action::{Cmd, Msg};
use kcert::tui::{App, ClusterOptions, TuiOptions};
use kcert_fakeapi::{ServerOptions, TestServer};
use tempfile::TempDir;
use tokio::sync::mpsc::Receiver;

use crate::common::now;

pub struct DemoCluster {
    pub server: TestServer,
    pub dir: TempDir,
    pub kubeconfig: PathBuf,
}

impl DemoCluster {
    pub async fn start() -> DemoCluster {
        let server = TestServer::start(ServerOptions::default())
            .await
            .expect("test server starts");
        kcert_fakeapi::seed::demo(&server).expect("demo CSRs");
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("admin.conf");
        server
            .write_admin_kubeconfig(&kubeconfig)
            .expect("kubeconfig");
        DemoCluster {
            server,
            dir,
            kubeconfig,
        }
    }

    pub fn options(&self) -> ClusterOptions {
        options_for(Some(self.kubeconfig.clone()), &self.dir)
    }
}

/// `--kubeconfig` (or none), with the default search confined to `dir`.
pub fn options_for(kubeconfig: Option<PathBuf>, dir: &TempDir) -> ClusterOptions {
    ClusterOptions {
        access: Access {
            kubeconfig,
            timeout: Duration::from_secs(5),
            ..Access::default()
        },
        locations: Locations::isolated(dir.path().join("etc-kubernetes")),
    }
}

pub fn tui_options(cluster: ClusterOptions, color: bool) -> TuiOptions {
    TuiOptions {
        scan: kcert::pki::ScanOptions::new(Vec::new(), now(), Default::default()),
        color,
        now: Some(now()),
        cluster: Some(cluster),
        node: None,
        probe: false,
    }
}

/// An app on a `width`x`height` terminal whose start-up watch is running (as the loop runs it).
pub fn started(
    cluster: ClusterOptions,
    width: u16,
    height: u16,
    color: bool,
) -> (App, WatchHandle, Receiver<ClusterEvent>) {
    let mut app = App::new("cp-1", &tui_options(cluster, color), now());
    app.update(Msg::Resize(width, height));
    let watch = app
        .start()
        .into_iter()
        .find_map(|c| match c {
            Cmd::WatchCluster(o) => Some(*o),
            _ => None,
        })
        .expect("the app asks for the cluster watch at start");
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let handle = spawn_watch(watch.access, watch.locations, tx);
    (app, handle, rx)
}

/// Feed watch events to the app until `done` holds (10 s at most), with creation and
/// condition times moved onto the fixed clock when `pin` is set. Returns the commands the
/// app asked for meanwhile.
pub async fn pump_until(
    app: &mut App,
    rx: &mut Receiver<ClusterEvent>,
    pin: bool,
    mut done: impl FnMut(&App) -> bool,
) -> Vec<Cmd> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut cmds = Vec::new();
    while !done(app) {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("the awaited cluster event did not arrive within 10 s")
            .expect("the watch task ended");
        let ev = if pin { pinned(ev) } else { ev };
        cmds.extend(app.update(Msg::Cluster(ev)));
    }
    cmds
}

/// Perform a `Cmd::Doctor` as the loop does (over the watch's connection) and hand the
/// reading to the app, token expiries moved onto the fixed clock when `pin` is set.
pub async fn read_doctor(app: &mut App, watch: &WatchHandle, pin: bool) {
    let conn = watch.connection().expect("connected");
    let mut facts = kcert::cluster::doctor::gather(&conn).await;
    if pin {
        let wall = Utc::now();
        for t in facts.tokens.iter_mut().flatten() {
            if let Some(e) = &mut t.expiration {
                let minutes = ((*e - wall).num_seconds() as f64 / 60.0).round() as i64;
                *e = now() + chrono::Duration::minutes(minutes);
            }
        }
    }
    app.update(Msg::DoctorRead(Box::new(Ok(facts))));
}

/// The demo seeds CSRs whole minutes old at the wall clock; the same ages on the fixed clock
/// make screens reproducible.
fn pinned(ev: ClusterEvent) -> ClusterEvent {
    let wall = Utc::now();
    let pin_time = |t: &mut Option<DateTime<Utc>>| {
        if let Some(t) = t {
            let minutes = ((wall - *t).num_seconds() as f64 / 60.0).round() as i64;
            *t = now() - chrono::Duration::minutes(minutes);
        }
    };
    let pin = |v: &mut CsrView| {
        pin_time(&mut v.created);
        for c in &mut v.conditions {
            pin_time(&mut c.last_update);
        }
    };
    match ev {
        ClusterEvent::Snapshot(mut views) => {
            views.iter_mut().for_each(pin);
            ClusterEvent::Snapshot(views)
        }
        ClusterEvent::Upsert(mut v) => {
            pin(&mut v);
            ClusterEvent::Upsert(v)
        }
        other => other,
    }
}

/// Names of the listed CSRs, in list order.
pub fn names(app: &App) -> Vec<String> {
    app.csr.set.views().iter().map(|v| v.name.clone()).collect()
}

/// Move the list's selection onto `name` with the arrow keys.
pub fn select(app: &mut App, name: &str) {
    use crossterm::event::KeyCode;
    let target = names(app)
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("{name} is not listed: {:?}", names(app)));
    crate::util::key(app, KeyCode::Home);
    for _ in 0..target {
        crate::util::key(app, KeyCode::Down);
    }
    assert_eq!(
        app.csr.selected().map(|v| v.name.as_str()),
        Some(name),
        "selection"
    );
}

/// The list row of `name` on `screen`.
pub fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(name))
        .unwrap_or_else(|| panic!("no row for {name}:\n{screen}"))
}

/// The screen as text, with the test server's random address masked.
pub fn screen(app: &App, w: u16, h: u16, cluster: &DemoCluster) -> String {
    crate::util::draw(app, w, h)
        .backend()
        .to_string()
        .replace(&cluster.server.url(), "https://[server]")
}
