//! Standard output that a reader closing the pipe ends quietly: `kcert check | head` stops
//! writing once `head` is done, and the command itself still finishes (a restart still puts
//! its manifest back). Every line the binary prints goes through [`Stdout`] (`say!`).

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// Output stopped: the reader went away, or writing failed.
static STOPPED: AtomicBool = AtomicBool::new(false);
/// Why writing failed, when it was not a closed pipe.
static FAILURE: OnceLock<String> = OnceLock::new();

/// The process's standard output; writes never fail, they stop.
pub struct Stdout;

impl Stdout {
    fn stop(e: &io::Error) {
        STOPPED.store(true, Ordering::SeqCst);
        if e.kind() != io::ErrorKind::BrokenPipe {
            let _ = FAILURE.set(e.to_string());
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !STOPPED.load(Ordering::SeqCst) {
            if let Err(e) = io::stdout().write_all(buf) {
                Stdout::stop(&e);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !STOPPED.load(Ordering::SeqCst) {
            if let Err(e) = io::stdout().flush() {
                Stdout::stop(&e);
            }
        }
        Ok(())
    }
}

/// Why the output could not be written (a full disk, a closed descriptor), if it could not;
/// a closed pipe is the reader's choice and is not a failure.
pub fn failure() -> Option<&'static str> {
    FAILURE.get().map(String::as_str)
}

/// `println!` through [`Stdout`].
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($crate::out::Stdout, $($arg)*);
    }};
}
pub(crate) use say;

/// Ask a yes/no question on the terminal; without one, refuse to go on `doing` (scripts pass
/// `--yes`).
pub fn ask(question: &str, doing: &str) -> color_eyre::eyre::Result<bool> {
    use std::io::IsTerminal;
    if !io::stdin().is_terminal() {
        color_eyre::eyre::bail!(
            "refusing to {doing} without confirmation: there is no terminal to ask on; pass --yes"
        );
    }
    let _ = write!(Stdout, "{question} [y/N] ");
    let _ = Stdout.flush();
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
