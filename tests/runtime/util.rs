//! Control-plane nodes in temp dirs: a demo kubeadm tree whose manifests name free loopback
//! ports, and a kubeadm kubelet config.
#![allow(dead_code)]

use std::path::Path;

use chrono::{DateTime, Utc};
use kcert::demo::{Faults, TreeLayout};
use kcert::runtime::NodePaths;
use kcert::sign::KeySpec;

use crate::common::{made, node_spec, write_tree};
use crate::server::free_port;

/// A later day: leaves still valid, so the only story is the one a test tells.
pub fn later() -> DateTime<Utc> {
    "2026-03-01T08:00:00Z".parse().unwrap()
}

/// The TLS ports the manifests and kubelet config name.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub api: u16,
    pub kcm: u16,
    pub scheduler: u16,
    pub etcd_client: u16,
    pub etcd_peer: u16,
    pub kubelet: u16,
}

impl Ports {
    pub fn free() -> Ports {
        Ports {
            api: free_port(),
            kcm: free_port(),
            scheduler: free_port(),
            etcd_client: free_port(),
            etcd_peer: free_port(),
            kubelet: free_port(),
        }
    }
}

pub struct TestNode {
    pub dir: tempfile::TempDir,
    pub layout: TreeLayout,
    pub ports: Ports,
}

impl TestNode {
    pub fn root(&self) -> &str {
        self.layout.root.to_str().unwrap()
    }
    pub fn paths(&self) -> NodePaths {
        NodePaths::under(&self.layout.root)
    }
    pub fn pki(&self, rel: &str) -> std::path::PathBuf {
        self.layout.pki.join(rel)
    }
    pub fn manifest(&self, name: &str) -> std::path::PathBuf {
        self.layout.manifests.join(name)
    }
}

/// A kubeadm control-plane node advertising `advertise`, every listener on a free port.
pub fn node(faults: Faults, advertise: &str) -> TestNode {
    let (dir, layout) = write_tree(&node_spec(made(), KeySpec::EcdsaP256, advertise, faults));
    let ports = Ports::free();
    retarget(&layout.manifests, &ports);
    write_kubelet_config(&layout, ports.kubelet);
    TestNode { dir, layout, ports }
}

fn replace_all(path: &Path, pairs: &[(&str, String)]) {
    let mut text = std::fs::read_to_string(path).unwrap();
    for (from, to) in pairs {
        assert!(
            text.contains(from),
            "{} no longer contains {from:?}: the demo manifests changed",
            path.display()
        );
        text = text.replace(from, to);
    }
    std::fs::write(path, text).unwrap();
}

/// Point the kubeadm manifests at the test's ports, the way `--secure-port`,
/// `--listen-client-urls` and the probes name them on a real node.
pub fn retarget(manifests: &Path, p: &Ports) {
    replace_all(
        &manifests.join("kube-apiserver.yaml"),
        &[
            ("--secure-port=6443", format!("--secure-port={}", p.api)),
            ("port: 6443", format!("port: {}", p.api)),
        ],
    );
    replace_all(
        &manifests.join("kube-controller-manager.yaml"),
        &[("port: 10257", format!("port: {}", p.kcm))],
    );
    replace_all(
        &manifests.join("kube-scheduler.yaml"),
        &[("port: 10259", format!("port: {}", p.scheduler))],
    );
    replace_all(
        &manifests.join("etcd.yaml"),
        &[
            (":2379", format!(":{}", p.etcd_client)),
            (":2380", format!(":{}", p.etcd_peer)),
        ],
    );
}

/// The demo's kubeadm `/var/lib/kubelet/config.yaml`, serving on the test's port.
pub fn write_kubelet_config(layout: &TreeLayout, port: u16) {
    replace_all(
        &layout.root.join("var/lib/kubelet/config.yaml"),
        &[("resolvConf:", format!("port: {port}\nresolvConf:"))],
    );
}

/// Every endpoint probed, on a runtime of the test's own (the binary has the process's).
pub fn probe_now(
    endpoints: &[kcert::runtime::Endpoint],
    timeout: std::time::Duration,
) -> Vec<kcert::runtime::ProbeResult> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(kcert::runtime::probe(endpoints, timeout))
}
