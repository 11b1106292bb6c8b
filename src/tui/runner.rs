//! The event loop: key events, a clock tick, background results and the cluster watch meet in
//! one `select!`, go through `App::update`, and the screen is redrawn once per batch. Generic
//! over the backend and the event source so tests can drive it on a `TestBackend`. The watch
//! task belongs to the loop: it stops when the loop returns.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::Event;
use futures::{FutureExt, Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc::{channel, unbounded_channel, UnboundedSender};
use tokio::time::{interval, MissedTickBehavior};

use super::action::{Cmd, CsrAction, Msg, RestartMsg, ScanRequest, TaskError};
use super::app::App;
use super::clipboard::{osc52, RawWrite};
use super::{csr_actions, node_tasks, TuiError};
use crate::cluster::{spawn_watch, ClusterEvent, WatchHandle};
use crate::renew;

/// Clock refresh and spinner rate.
const TICK: Duration = Duration::from_millis(250);
/// Cluster events buffered between two frames; the watch waits when the UI falls behind.
const CLUSTER_QUEUE: usize = 1024;

/// A static pod restart in progress: how to cancel it, and its task to wait for.
struct RunningRestart {
    cancel: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

/// How long quitting waits for a cancelled restart to put its manifest back (a rename; the
/// wait is for the task to be scheduled, not for the component).
const PUT_BACK_WAIT: Duration = Duration::from_secs(10);

/// Run the UI until it quits (a key, the end of the events, a signal). A restart still running
/// then is cancelled and awaited, so the manifest is back in place before this returns: the
/// runtime is shut down without waiting right after, and the process ends.
pub async fn run_loop<B, E>(
    terminal: &mut Terminal<B>,
    events: E,
    app: App,
    quit: impl Future<Output = ()>,
) -> Result<(), TuiError>
where
    B: Backend + RawWrite,
    TuiError: From<B::Error>,
    E: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let mut restart = None;
    let result = event_loop(terminal, events, app, quit, &mut restart).await;
    if let Some(mut running) = restart {
        if let Some(cancel) = running.cancel.take() {
            let _ = cancel.send(());
        }
        let _ = tokio::time::timeout(PUT_BACK_WAIT, running.task).await;
    }
    result
}

async fn event_loop<B, E>(
    terminal: &mut Terminal<B>,
    mut events: E,
    mut app: App,
    quit: impl Future<Output = ()>,
    restart: &mut Option<RunningRestart>,
) -> Result<(), TuiError>
where
    B: Backend + RawWrite,
    TuiError: From<B::Error>,
    E: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let (tx, mut rx) = unbounded_channel();
    // One channel for every watch the loop starts, so a reconnect needs no new plumbing.
    let (cluster_tx, mut cluster_rx) = channel::<ClusterEvent>(CLUSTER_QUEUE);
    let mut watch: Option<WatchHandle> = None;
    // The running fleet fetch; a new one replaces it.
    let mut fleet: Option<tokio::task::JoinHandle<()>> = None;
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    let mut cmds: Vec<Cmd> = app.start();
    let mut tick = interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut quit = std::pin::pin!(quit);
    let mut repaint = false;
    loop {
        for cmd in cmds.drain(..) {
            match cmd {
                Cmd::Quit => return Ok(()),
                Cmd::Scan(req) => spawn_scan(*req, tx.clone()),
                Cmd::Probe {
                    generation,
                    endpoints,
                } => {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let _ = tx.send(node_tasks::probe(generation, endpoints).await);
                    });
                }
                Cmd::PlanRestart {
                    node,
                    components,
                    now,
                } => spawn_blocking_msg(
                    tx.clone(),
                    move || Msg::RestartPlanned(node_tasks::plan_restarts(&node, &components, now)),
                    |e| Msg::RestartPlanned(Err(e)),
                ),
                Cmd::CancelRestart => {
                    if let Some(cancel) = restart.as_mut().and_then(|r| r.cancel.take()) {
                        let _ = cancel.send(());
                    }
                }
                Cmd::Restart(plans) => {
                    let (cancel_tx, cancel_rx) = tokio::sync::oneshot::channel::<()>();
                    let tx = tx.clone();
                    let task = tokio::spawn(async move {
                        let task_tx = tx.clone();
                        let run = tokio::spawn(async move {
                            let cancel = async {
                                let _ = cancel_rx.await;
                            };
                            let send = |m| {
                                let _ = task_tx.send(m);
                            };
                            node_tasks::restart_all(plans, cancel, send).await;
                        });
                        // A panic unwinds through the guard that puts the manifest back; the
                        // UI must still learn that the restart is over.
                        if let Err(e) = run.await {
                            let _ = tx.send(Msg::Restart(RestartMsg::Crashed(panic_message(e))));
                        }
                    });
                    *restart = Some(RunningRestart {
                        cancel: Some(cancel_tx),
                        task,
                    });
                }
                Cmd::PlanRenew {
                    inv,
                    selection,
                    opts,
                } => spawn_blocking_msg(
                    tx.clone(),
                    move || {
                        let result = renew::plan(&inv, &selection, &opts)
                            .map(Box::new)
                            .map_err(TaskError::from);
                        Msg::RenewPlanned(result)
                    },
                    |e| Msg::RenewPlanned(Err(e)),
                ),
                Cmd::ApplyRenew(plan) => spawn_blocking_msg(
                    tx.clone(),
                    move || {
                        let result = renew::apply(&plan, &mut crate::fsx::RealDisk);
                        Msg::RenewDone(plan, result)
                    },
                    |e| Msg::RenewPlanned(Err(e)),
                ),
                Cmd::ShowText { inv, id } => spawn_blocking_msg(
                    tx.clone(),
                    move || node_tasks::x509_text(&inv, id),
                    |e| Msg::TextShown {
                        title: "openssl x509 -text".into(),
                        lines: Err(e.to_string()),
                    },
                ),
                Cmd::PlanCa { inv, id } => spawn_blocking_msg(
                    tx.clone(),
                    move || node_tasks::plan_ca(&inv, id),
                    |e| Msg::CaPlanned {
                        title: "the CA plan".into(),
                        lines: Err(e),
                    },
                ),
                Cmd::PlanRestore {
                    tmp_dir,
                    entry,
                    now,
                } => spawn_blocking_msg(
                    tx.clone(),
                    move || {
                        let result = renew::plan_restore(&tmp_dir, Some(&entry), now)
                            .map(Box::new)
                            .map_err(TaskError::from);
                        Msg::RestorePlanned(result)
                    },
                    |e| Msg::RestorePlanned(Err(e)),
                ),
                Cmd::ApplyRestore(plan) => spawn_blocking_msg(
                    tx.clone(),
                    move || {
                        let result = renew::apply_restore(&plan, &mut crate::fsx::RealDisk);
                        Msg::RestoreDone(plan, result)
                    },
                    |e| Msg::RestorePlanned(Err(e)),
                ),
                Cmd::WatchCluster(opts) => {
                    // Dropping the old handle stops its task before the new one starts.
                    drop(watch.take());
                    watch = Some(spawn_watch(opts.access, opts.locations, cluster_tx.clone()));
                }
                Cmd::Csr(action) => {
                    let conn = watch.as_ref().and_then(WatchHandle::connection);
                    spawn_csr_action(conn, action, tx.clone());
                }
                Cmd::Doctor => {
                    let conn = watch.as_ref().and_then(WatchHandle::connection);
                    spawn_doctor(conn, tx.clone());
                }
                Cmd::FetchFleet {
                    generation,
                    cluster,
                    opts,
                    now,
                } => {
                    if let Some(old) = fleet.take() {
                        old.abort();
                    }
                    fleet = Some(tokio::spawn(fetch_fleet(
                        generation,
                        *cluster,
                        opts,
                        now,
                        tx.clone(),
                    )));
                }
                Cmd::Copy(text) => {
                    // Best effort: a terminal that ignores OSC 52 just keeps its clipboard.
                    let _ = terminal.backend_mut().write_raw(osc52(&text).as_bytes());
                }
            }
        }
        if restart.as_ref().is_some_and(|r| r.task.is_finished()) {
            *restart = None;
        }
        if std::mem::take(&mut repaint) {
            terminal.clear()?;
        }
        terminal.draw(|f| f.render_widget(&app, f.area()))?;

        let mut msgs = Vec::new();
        tokio::select! {
            ev = events.next() => match ev {
                Some(ev) => msgs.extend(to_msg(ev?)),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => msgs.push(msg),
            Some(ev) = cluster_rx.recv() => msgs.push(Msg::Cluster(ev)),
            _ = tick.tick() => msgs.push(Msg::Tick(Utc::now())),
            () = &mut quit => return Ok(()),
        }
        // Take whatever else is already waiting, then draw once.
        while let Some(Some(ev)) = events.next().now_or_never() {
            msgs.extend(to_msg(ev?));
        }
        while let Ok(msg) = rx.try_recv() {
            msgs.push(msg);
        }
        while let Ok(ev) = cluster_rx.try_recv() {
            msgs.push(Msg::Cluster(ev));
        }
        for msg in msgs {
            // A panic in the scan thread printed onto the screen; draw everything again.
            repaint |= matches!(msg, Msg::ScanCrashed(_));
            cmds.extend(app.update(msg));
        }
    }
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Scan (and read the node's configuration) on a blocking thread; the result (or the panic)
/// comes back as a message.
fn spawn_scan(req: ScanRequest, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let msg = match tokio::task::spawn_blocking(move || node_tasks::scan(&req)).await {
            Ok(result) => Msg::ScanDone(result.map(Box::new)),
            Err(e) => Msg::ScanCrashed(panic_message(e)),
        };
        // The receiver is gone only when the UI has quit.
        let _ = tx.send(msg);
    });
}

/// List the fleet, then send each node's report as it arrives: one dead node shows as soon
/// as its timeout ends, the others do not wait for it.
async fn fetch_fleet(
    generation: u64,
    cluster: super::ClusterOptions,
    opts: crate::fleet::FleetOptions,
    now: chrono::DateTime<Utc>,
    tx: UnboundedSender<Msg>,
) {
    use super::action::FleetEvent;
    let send = |event| {
        let _ = tx.send(Msg::Fleet { generation, event });
    };
    let conn = match crate::fleet::connect(&cluster.access, &cluster.locations).await {
        Ok(c) => c,
        Err(d) => return send(FleetEvent::Failed(d.banner())),
    };
    let targets = match crate::fleet::list_targets(&conn, &opts).await {
        Ok(t) => t,
        Err(e) => return send(FleetEvent::Failed(e.to_string())),
    };
    send(FleetEvent::Listed {
        rows: targets.rows.clone(),
        note: targets.nodes_unreadable.clone(),
    });
    crate::fleet::fetch::fetch_all(&conn, &opts, &targets, now, |row| {
        send(FleetEvent::Node(Box::new(row)));
    })
    .await;
    send(FleetEvent::Done);
}

/// Approve or deny in a task of its own; a panic there becomes a failed result, not a hang.
fn spawn_csr_action(
    conn: Option<crate::cluster::Connection>,
    action: CsrAction,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let done = match tokio::spawn(csr_actions::perform(conn, action.clone())).await {
            Ok(done) => done,
            Err(e) => csr_actions::crashed(action, &panic_message(e)),
        };
        let _ = tx.send(Msg::CsrActed(Box::new(done)));
    });
}

/// Read RBAC, Deployments and tokens in a task; no connection or a panic is a failed reading.
fn spawn_doctor(conn: Option<crate::cluster::Connection>, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let result = match conn {
            None => Err(TaskError::NotConnected),
            Some(conn) => {
                let read = tokio::spawn(async move { crate::cluster::doctor::gather(&conn).await });
                read.await.map_err(|e| TaskError::Crashed(panic_message(e)))
            }
        };
        let _ = tx.send(Msg::DoctorRead(Box::new(result)));
    });
}

/// Run blocking work (file I/O, signing) off the UI thread; a panic becomes a report, not a crash.
fn spawn_blocking_msg(
    tx: UnboundedSender<Msg>,
    work: impl FnOnce() -> Msg + Send + 'static,
    crashed: fn(TaskError) -> Msg,
) {
    tokio::spawn(async move {
        let msg = match tokio::task::spawn_blocking(work).await {
            Ok(msg) => msg,
            Err(e) => crashed(TaskError::Crashed(panic_message(e))),
        };
        let _ = tx.send(msg);
    });
}

fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into()),
        Err(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::tui::testutil::{now, options};

    #[tokio::test]
    async fn first_frame_is_drawn_before_the_scan_finishes_and_q_quits() {
        let mut opts = options();
        opts.scan.roots = vec!["/nonexistent/kcert-root".into()];
        let app = App::new("node-1", &opts, now());
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        let q = Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
        let events = futures::stream::iter(vec![Ok(q)]);
        run_loop(&mut terminal, events, app, std::future::pending())
            .await
            .unwrap();
        let screen = terminal.backend().to_string();
        assert!(screen.contains("Scanning"), "{screen}");
        assert!(screen.contains("/nonexistent/kcert-root"), "{screen}");
    }

    /// An API server that accepts connections and never answers: the UI must not care.
    #[tokio::test]
    async fn a_silent_api_server_does_not_hold_up_the_ui() {
        use crate::cluster::{Access, Locations};
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let yaml = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://{}\n\
             users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\n\
             current-context: x\n",
            silent.local_addr().unwrap()
        );
        std::fs::write(&kubeconfig, yaml).unwrap();
        let mut opts = options();
        opts.scan.roots = vec!["/nonexistent/kcert-root".into()];
        opts.cluster = Some(crate::tui::ClusterOptions {
            access: Access {
                kubeconfig: Some(kubeconfig),
                timeout: Duration::from_secs(60),
                ..Access::default()
            },
            locations: Locations::isolated(dir.path()),
        });
        let app = App::new("node-1", &opts, now());
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        let q = Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
        let events = futures::stream::iter(vec![Ok(q)]);
        let ran = tokio::time::timeout(
            Duration::from_secs(20),
            run_loop(&mut terminal, events, app, std::future::pending()),
        )
        .await;
        assert!(
            ran.is_ok(),
            "q waited for a cluster that answers after 60 s at the earliest"
        );
        assert!(terminal.backend().to_string().contains("Scanning"));
    }

    #[tokio::test]
    async fn the_loop_ends_when_input_ends() {
        let mut opts = options();
        opts.scan.roots = Vec::new();
        let app = App::new("node-1", &opts, now());
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        let events = futures::stream::iter(Vec::<std::io::Result<Event>>::new());
        run_loop(&mut terminal, events, app, std::future::pending())
            .await
            .unwrap();
    }
}
