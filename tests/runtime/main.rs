//! The running control plane: consumers of each file, served versus on disk with real TLS
//! servers on loopback, trust bundles, restarts with a kubelet stand-in, x509 error lookup.

#[path = "../common/mod.rs"]
mod common;

mod consumers;
mod explain;
mod probe;
mod restart;
mod server;
mod settings;
mod trust;
mod util;
