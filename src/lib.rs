//! kcert: inspect and renew a Kubernetes node's certificates.
//!
//! The library holds the domain; the `kcert` binary only parses arguments and picks a front end.
//!
//! - [`pki`]: scan roots on disk, parse certificates, keys and kubeconfigs, verify chains and
//!   pair keys into an [`pki::Inventory`]. Blocking and pure apart from reading files.
//! - [`report`]: `kcert check` output (table and JSON) and the exit-code policy.
//! - [`fsx`]: file safety under every change: atomic durable writes, backups, journal files.
//! - [`renew`]: plan and apply renewals with backups, atomic writes and rollback.
//! - [`runtime`]: the running control plane: consumers of each file, served versus on disk,
//!   trust bundles, safe static pod restarts and x509 error lookup.
//! - [`sign`]: key generation and certificate signing shared by renewal and the demo tree.
//! - [`demo`]: writes a realistic kubeadm control-plane tree with planted faults.
//! - [`cluster`]: the live cluster's CertificateSigningRequests: connect, diagnose, judge,
//!   watch, approve and deny.
//! - [`testserver`]: an in-process API server speaking the CSR and Node API, for tests and
//!   `kcert demo`.
//! - [`tui`]: the terminal UI, a view over the inventory driven by messages.

pub mod cli;
pub mod cluster;
pub mod demo;
pub mod error;
pub mod fsx;
pub mod pki;
pub mod renew;
pub mod report;
pub mod runtime;
pub mod sign;
pub mod testserver;
pub mod tui;
