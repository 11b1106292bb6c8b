//! kcert: inspect and renew a Kubernetes node's certificates.
//!
//! The library holds the domain and takes plain option structs; the `kcert` binary
//! (`src/bin/kcert/`) owns the command line, the exit codes and the one tokio runtime, and
//! runs the library's async functions (probes, restarts, the cluster, the UI) on it.
//!
//! Layers, lowest first; a module uses only the ones listed before it:
//!
//! - [`pki`]: scan roots on disk, parse certificates, keys and kubeconfigs, verify chains and
//!   pair keys into an [`pki::Inventory`], which also names things (labels, CA roles).
//!   Blocking and pure apart from reading files.
//! - [`sign`]: key generation and certificate signing, and putting new credentials into a
//!   kubeconfig; shared by renewal, the kubeconfig refresh and the demo tree.
//! - [`fsx`]: file safety under every change: atomic durable writes, backups, journal files.
//! - [`runtime`]: the running control plane: consumers of each file, served versus on disk,
//!   trust bundles, who must restart, safe static pod restarts and x509 error lookup.
//! - [`renew`]: plan and apply renewals with backups, atomic writes and rollback. It asks
//!   [`runtime`] which components read the files it writes; runtime never uses renew.
//! - [`cluster`]: the live cluster's CertificateSigningRequests: connect, diagnose, judge,
//!   watch, approve and deny.
//! - [`report`]: output in words: `kcert check` (table, fitted to a width, and JSON) and
//!   the runtime commands' text.
//! - [`fleet`]: every node's report through the API server (`kcert fleet`, the Nodes tab).
//! - [`serve`]: `kcert serve`, the report and metrics over HTTP, scanning on a timer.
//! - [`tui`]: the terminal UI, a view over the inventory driven by messages.
//!
//! Beside them: [`demo`] writes a realistic kubeadm control-plane tree with planted faults.
//! The fake API server for tests and `kcert demo` is its own crate, `kcert-fakeapi`.

pub mod cluster;
pub mod demo;
pub mod error;
pub mod fleet;
pub mod fsx;
pub mod pki;
pub mod renew;
pub mod report;
pub mod runtime;
pub mod serve;
pub mod sign;
pub mod tui;
