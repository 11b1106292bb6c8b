//! Beyond one node: `kcert serve` (metrics and report over HTTP), the deploy manifests,
//! the fake API server's pods and pod proxy (proven with kubectl), and `kcert fleet`.

#[path = "../common/mod.rs"]
mod common;

mod cluster;
mod deploy;
mod fleet;
mod live;
mod serve;
