//! Signals. Ctrl-C (SIGINT) ends a command at once with 130, except where kcert must finish
//! something first: the UI restores the terminal and a restart puts its manifest back, so
//! those take the signals over with [`Quit::listen`].

use std::sync::Mutex;

use color_eyre::eyre::{Result, WrapErr};
use signal_hook::consts::SIGINT;
use signal_hook::SigId;
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::exit::ExitStatus;

static EXIT_ON_INTERRUPT: Mutex<Option<SigId>> = Mutex::new(None);

/// From now on SIGINT exits with [`ExitStatus::Interrupted`]. Call once, first thing.
pub fn exit_on_interrupt() {
    // SAFETY: the action only calls `_exit`, which is async-signal-safe.
    let id = unsafe {
        signal_hook::low_level::register(SIGINT, || {
            signal_hook::low_level::exit(i32::from(ExitStatus::Interrupted.code()))
        })
    };
    if let (Ok(id), Ok(mut slot)) = (id, EXIT_ON_INTERRUPT.lock()) {
        *slot = Some(id);
    }
}

/// SIGINT, SIGTERM and SIGHUP, received instead of ending the process.
pub struct Quit {
    streams: Vec<(SignalKind, Signal)>,
}

impl Quit {
    /// Take the signals over; call inside the runtime. Listening starts before the exit on
    /// SIGINT is dropped, so no interrupt falls between the two.
    pub fn listen() -> Result<Quit> {
        let mut streams = Vec::new();
        for kind in [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::hangup(),
        ] {
            let s = signal(kind).wrap_err("cannot listen for signals")?;
            streams.push((kind, s));
        }
        if let Some(id) = EXIT_ON_INTERRUPT.lock().ok().and_then(|mut s| s.take()) {
            signal_hook::low_level::unregister(id);
        }
        Ok(Quit { streams })
    }

    /// The first of the signals to arrive.
    pub async fn recv(&mut self) -> SignalKind {
        let waits = self.streams.iter_mut().map(|(kind, s)| {
            let kind = *kind;
            Box::pin(async move {
                s.recv().await;
                kind
            })
        });
        futures::future::select_all(waits).await.0
    }
}
