//! The event loop: key events, a clock tick and background results meet in one `select!`,
//! go through `App::update`, and the screen is redrawn once per batch. Generic over the
//! backend and the event source so tests can drive it on a `TestBackend`.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use crossterm::event::Event;
use futures::{FutureExt, Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::time::{interval, MissedTickBehavior};

use super::action::{Cmd, Msg};
use super::app::App;
use super::TuiError;
use crate::pki::{self, ScanOptions};
use crate::renew;

/// Clock refresh and spinner rate.
const TICK: Duration = Duration::from_millis(250);

pub async fn run_loop<B, E>(
    terminal: &mut Terminal<B>,
    mut events: E,
    mut app: App,
    quit: impl Future<Output = ()>,
) -> Result<(), TuiError>
where
    B: Backend,
    TuiError: From<B::Error>,
    E: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let (tx, mut rx) = unbounded_channel();
    let size = terminal.size()?;
    app.update(Msg::Resize(size.width, size.height));
    let mut cmds: Vec<Cmd> = app.request_scan().into_iter().collect();
    let mut tick = interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut quit = std::pin::pin!(quit);
    let mut repaint = false;
    loop {
        for cmd in cmds.drain(..) {
            match cmd {
                Cmd::Quit => return Ok(()),
                Cmd::Scan(opts) => spawn_scan(opts, tx.clone()),
                Cmd::PlanRenew {
                    inv,
                    selection,
                    opts,
                } => spawn_blocking_msg(tx.clone(), move || {
                    let result = renew::plan(&inv, &selection, &opts)
                        .map(Box::new)
                        .map_err(|e| e.to_string());
                    Msg::RenewPlanned(result)
                }),
                Cmd::ApplyRenew(plan) => spawn_blocking_msg(tx.clone(), move || {
                    let result =
                        renew::apply(&plan, &mut renew::RealDisk).map_err(|e| e.to_string());
                    Msg::RenewDone(plan, result)
                }),
            }
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
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Scan on a blocking thread; the result (or the panic) comes back as a message.
fn spawn_scan(opts: ScanOptions, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let msg = match tokio::task::spawn_blocking(move || pki::scan(&opts)).await {
            Ok(result) => Msg::ScanDone(result.map(Box::new)),
            Err(e) => Msg::ScanCrashed(panic_message(e)),
        };
        // The receiver is gone only when the UI has quit.
        let _ = tx.send(msg);
    });
}

/// Run blocking work (file I/O, signing) off the UI thread; a panic becomes a report, not a crash.
fn spawn_blocking_msg(tx: UnboundedSender<Msg>, work: impl FnOnce() -> Msg + Send + 'static) {
    tokio::spawn(async move {
        let msg = match tokio::task::spawn_blocking(work).await {
            Ok(msg) => msg,
            Err(e) => Msg::RenewPlanned(Err(format!("internal error: {}", panic_message(e)))),
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

/// Resolves on SIGTERM, SIGHUP or SIGINT (Ctrl-C itself arrives as a key in raw mode).
pub async fn quit_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let kinds = [
        SignalKind::terminate(),
        SignalKind::hangup(),
        SignalKind::interrupt(),
    ];
    let mut streams: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
    if streams.is_empty() {
        return std::future::pending().await;
    }
    let waits = streams.iter_mut().map(|s| Box::pin(s.recv()));
    futures::future::select_all(waits).await;
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::pki::Thresholds;
    use crate::tui::testutil::now;
    use crate::tui::TuiOptions;

    #[tokio::test]
    async fn first_frame_is_drawn_before_the_scan_finishes_and_q_quits() {
        let opts = TuiOptions {
            scan: ScanOptions {
                roots: vec!["/nonexistent/kcert-root".into()],
                explicit: true,
                now: now(),
                thresholds: Thresholds::default(),
            },
            color: false,
            now: Some(now()),
        };
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

    #[tokio::test]
    async fn the_loop_ends_when_input_ends() {
        let opts = TuiOptions {
            scan: ScanOptions {
                roots: Vec::new(),
                explicit: true,
                now: now(),
                thresholds: Thresholds::default(),
            },
            color: false,
            now: Some(now()),
        };
        let app = App::new("node-1", &opts, now());
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        let events = futures::stream::iter(Vec::<std::io::Result<Event>>::new());
        run_loop(&mut terminal, events, app, std::future::pending())
            .await
            .unwrap();
    }
}
