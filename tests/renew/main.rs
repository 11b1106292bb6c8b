//! `kcert renew`: every kubeadm leaf and kubeconfig, real trees, failure injection, the
//! kubelet's symlink, and dry runs — each checked by re-reading the files.

#[path = "../common/mod.rs"]
mod common;

mod ca;
mod ca_cluster;
mod ca_import;
mod concurrent;
mod crash;
mod failures;
mod generated;
mod history;
mod kubelet;
mod modes;
mod real;
mod restore;
mod symlinks;
mod util;
mod wrong_ca;
