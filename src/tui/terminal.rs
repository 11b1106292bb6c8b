//! Raw mode and the alternate screen, entered once and left on every exit path: normal return
//! and `?` errors (the guard's `Drop`), and panics on the UI thread (the panic hook).

use std::io::{stdout, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, OnceLock};
use std::thread::ThreadId;

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// Whether the terminal is currently taken over, so restoring happens once.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();
/// The thread that draws; only its panics leave the screen.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Owns the terminal while the UI runs.
pub struct Guard {
    /// `None` only while dropping.
    terminal: Option<Terminal<CrosstermBackend<Stdout>>>,
}

impl Guard {
    pub fn enter() -> std::io::Result<Guard> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let _ = UI_THREAD.set(std::thread::current().id());
        // Bracketed paste: a pasted x509 error line arrives as one event, not as keys.
        if let Err(e) = execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste) {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(stdout())) {
            Ok(terminal) => Ok(Guard {
                terminal: Some(terminal),
            }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    pub fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<Stdout>> {
        self.terminal
            .as_mut()
            .expect("the terminal lives as long as its guard")
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
        // ratatui's own drop shows a hidden cursor once more and, when it cannot, prints to
        // stderr — a panic when stderr is the terminal that hung up. When the cursor cannot
        // be shown here, the terminal is gone: nothing is left to tidy, so ratatui's drop
        // does not run.
        if let Some(mut terminal) = self.terminal.take() {
            if terminal.show_cursor().is_err() {
                std::mem::forget(terminal);
            }
        }
    }
}

/// Leave raw mode, bracketed paste and the alternate screen and show the cursor; a no-op
/// when not active.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(stdout(), DisableBracketedPaste, LeaveAlternateScreen, Show);
    }
}

/// Restore the terminal before the previous hook prints the panic, but only for panics on the
/// UI thread: a panic inside the scan thread is caught by its task and reported in the UI.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if UI_THREAD.get() == Some(&std::thread::current().id()) {
                restore();
            }
            previous(info);
        }));
    });
}
