//! The terminal UI: a view over the inventory, driven by messages.
//!
//! - [`app`]: the model and `update(msg) -> Option<Cmd>`, synchronous and free of I/O.
//! - [`view`]: rendering, a pure function of the model (`impl Widget for &App`).
//! - [`keymap`]: the one key table behind dispatch, footer hints and help.
//! - [`tree`]: pure inventory → sections and rows logic.
//! - [`runner`]: the tokio loop joining key events, a clock tick, scan results and the cluster
//!   watch; the scan runs on a blocking thread and comes back as a message, so a keypress never
//!   waits on the disk or the network.
//! - [`node_tasks`]: consumers, probes and restarts as the loop performs them, shared with tests.
//! - [`csr_actions`]: approvals and denials as the loop performs them, shared with tests.
//! - `terminal`: raw mode and the alternate screen, undone on every exit path.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod csr_actions;
pub mod csr_text;
mod cursor;
mod input;
pub mod keymap;
pub mod node_tasks;
pub mod runner;
pub mod status;
mod terminal;
pub mod theme;
pub mod tree;
pub mod view;

#[cfg(test)]
mod testutil;

use chrono::{DateTime, Utc};

use crate::cluster::{Access, Locations};
use crate::pki::ScanOptions;

pub use app::App;

/// What the UI scans and how it looks.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// Roots, `explicit` flag and thresholds; `now` in here is replaced by the UI's clock.
    pub scan: ScanOptions,
    /// Colour resolved from `--color` and `NO_COLOR`; false gives the mono theme.
    pub color: bool,
    /// A fixed clock (`--now`/`KCERT_NOW`); `None` follows the wall clock.
    pub now: Option<DateTime<Utc>>,
    /// The cluster behind the CSR tab; `None` leaves the tab off (tests and benchmarks).
    pub cluster: Option<ClusterOptions>,
    /// The node's runtime configuration (manifests, kubelet config): who uses each file and
    /// what its components serve. `None` leaves both out.
    pub node: Option<crate::runtime::NodePaths>,
    /// Probe the node's listeners (loopback only) after each scan. Off for `kcert demo`, whose
    /// manifests name the usual ports, which may be a real control plane's on this machine.
    pub probe: bool,
}

/// Which kubeconfig the CSR tab uses: `--kubeconfig`/`--context`, else the usual search.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub access: Access,
    pub locations: Locations,
}

/// Why the UI could not run or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

impl From<std::convert::Infallible> for TuiError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// Run the UI until the user quits or `quit` ends (the binary passes the signals that end
/// it). The terminal is restored before this returns, also on error, and by the panic hook
/// on a panic. Runs on the caller's multi-threaded tokio runtime; a scan still running when
/// this returns is the runtime's to drop.
pub async fn run(
    opts: TuiOptions,
    quit: impl std::future::Future<Output = ()>,
) -> Result<(), TuiError> {
    if opts.color {
        // `--color always` wins over NO_COLOR, which crossterm would otherwise honour.
        crossterm::style::force_color_output(true);
    }
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let app = App::new(host, &opts, Utc::now());
    let mut guard = terminal::Guard::enter()?;
    let events = input::events()?;
    let result = runner::run_loop(guard.terminal(), events, app, quit).await;
    drop(guard);
    result
}
