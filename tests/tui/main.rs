//! The terminal UI on real generated trees.
//!
//! - `screens`: whole-app snapshots on a `TestBackend` with a fixed clock (text, and styles where
//!   the colour is the point).
//! - `e2e`: the real binary in a tmux pseudo-terminal: moving, filtering, help, quitting, and the
//!   terminal restored afterwards, and renewing from the UI.
//! - `renew`: `r`/`y` through `update`, with the commands performed as the event loop would.
//! - `runtime`: consumers, served state and restarts against a real TLS server on loopback
//!   (the runtime tests' node and server helpers, shared by path), and `e` explain.
//! - `csr_screens`, `csr_actions`: the CSR tab on the in-process API server with the demo CSRs:
//!   snapshots at a fixed clock, and approvals and denials checked on the server.

/// Snapshot `$text` under `$name`, with what differs between runs masked: the demo tree makes
/// new keys each time, so serials and fingerprints change (their layout does not).
macro_rules! snapshot {
    ($name:expr, $text:expr) => {{
        let mut settings = insta::Settings::clone_current();
        // The kubelet's CA is named `<host>-ca@<unix time>`, fixed by the test clock: keep it.
        settings.add_filter(r"-ca@([0-9]{10})\b", "-ca@unix_$1");
        settings.add_filter(r"\b[0-9a-f]{10,}\b", "[sha256]");
        settings.add_filter(r"-ca@unix_", "-ca@");
        // The short tail of a fingerprint wrapped onto its own line in the details pane.
        settings.add_filter(r"│( {9})[0-9a-f]{1,9}( +)│", "│${1}[tail]${2}│");
        settings.add_filter(r"Serial   [0-9A-F]+ *", "Serial   [serial] ");
        // The test server's address, also where a narrow border cuts it.
        settings.add_filter(r"https://127\.0\.0\.1:[0-9]+", "https://[server]");
        settings.bind(|| insta::assert_snapshot!($name, $text));
    }};
}

#[path = "../common/mod.rs"]
mod common;
#[path = "../runtime/util.rs"]
mod node_util;
#[path = "../runtime/server.rs"]
mod server;

mod csr_actions;
mod csr_screens;
mod demo_cluster;
mod e2e;
mod hangup;
mod nodes;
mod renew;
mod runtime;
mod screens;
mod sizes;
mod token_screens;
mod util;
