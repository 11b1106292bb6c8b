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

/// Ends when the terminal on stdin has hung up: the SSH connection or the terminal window is
/// gone. The kernel signals only the session's leader, so a UI started from a script (or under
/// `sudo`) may never get a SIGHUP, and a hung-up terminal reads as endless end-of-file, which
/// would keep the UI polling it at full speed forever. Never ends when stdin is no terminal.
pub async fn terminal_gone() {
    use std::io::IsTerminal;
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return std::future::pending().await;
    }
    let mut every = tokio::time::interval(std::time::Duration::from_millis(250));
    loop {
        every.tick().await;
        // A hung-up terminal answers every request with EIO.
        if rustix::termios::tcgetattr(&stdin).is_err() {
            return;
        }
    }
}
