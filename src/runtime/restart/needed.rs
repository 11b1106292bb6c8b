//! Which components must restart to pick up changed files: read from the static pod
//! manifests when they are there (RKE2's under its agent), from the systemd units of a
//! control plane without them (the hard way), the k3s/RKE2 process for their files, and from
//! kubeadm's layout otherwise. Renewal asks this after
//! planning its writes; it is the runtime's knowledge of who reads what.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::pki::distro::{self, Distribution};
use crate::pki::{CertId, Inventory};
use crate::runtime::{manifest, units};

/// Every absolute path a manifest's container flags name (on the host, through its mounts),
/// with the container's name.
fn manifest_files(dir: &Path) -> Vec<(PathBuf, String)> {
    pod_files(manifest::read_dir(dir).pods)
}

/// The same for the component units of a control plane without static pods.
fn unit_files(dir: &Path) -> Vec<(PathBuf, String)> {
    pod_files(units::read_dir(dir).pods)
}

fn pod_files(pods: Vec<manifest::StaticPod>) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for pod in pods {
        for c in &pod.containers {
            for (_, value) in c.flags() {
                for part in value.split(',').filter(|p| p.starts_with('/')) {
                    out.push((c.host_path(Path::new(part)), c.name.clone()));
                }
            }
        }
    }
    out
}

/// kubeadm's mapping, for nodes without readable manifests (reference: `kubeadm certs renew`).
fn by_kubeadm_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "apiserver"
        | "apiserver-kubelet-client"
        | "front-proxy-client"
        | "apiserver-etcd-client" => "kube-apiserver",
        "etcd-server" | "etcd-peer" => "etcd",
        "controller-manager.conf" => "kube-controller-manager",
        "scheduler.conf" => "kube-scheduler",
        "kubelet.conf" => "kubelet",
        _ => return None,
    })
}

/// Components to restart after `changes` (each certificate with the files written for it),
/// given the static pod manifests in `manifests`.
pub fn components_to_restart(
    manifests: &Path,
    inv: &Inventory,
    changes: &[(CertId, Vec<&Path>)],
) -> Vec<String> {
    let mut out = BTreeSet::new();
    let flags = manifest_files(manifests);
    for (id, files) in changes {
        let cert = &inv.certs[*id];
        let kubelet = cert
            .referenced_by
            .iter()
            .any(|k| k.ends_with("kubelet.conf"))
            || cert
                .origin
                .path()
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("kubelet-client"));
        if kubelet {
            out.insert("kubelet".to_string());
            continue;
        }
        // k3s/RKE2 run the control plane in their own process (RKE2 also as static pods of
        // its agent); the hard way and kubespray's etcd as systemd units.
        if let Some(o) = distro::owner(cert.origin.path()) {
            out.extend(distro::unit_of(inv, &o));
            let named = match (o.distribution, o.rancher_data_dir()) {
                (Distribution::Rke2, Some(data)) => {
                    manifest_files(&data.join("agent/pod-manifests"))
                }
                (Distribution::HardWay | Distribution::Kubespray, _) => {
                    unit_files(&o.prefix.join("etc/systemd/system"))
                }
                _ => Vec::new(),
            };
            let mut found = false;
            for w in files {
                for (file, component) in &named {
                    if file == w {
                        out.insert(component.clone());
                        found = true;
                    }
                }
            }
            if found || o.renews_itself() {
                continue;
            }
        }
        if flags.is_empty() {
            if let Some(c) = cert.kubeadm_name.as_deref().and_then(by_kubeadm_name) {
                out.insert(c.to_string());
            }
            continue;
        }
        for w in files {
            for (file, component) in &flags {
                if file == w {
                    out.insert(component.clone());
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Components that read any of `files` (the copies of a renewed CA): the static pods whose
/// flags name one, the kubelet for its kubeconfig and kubeadm's `ca.crt` (its client CA), and
/// kubeadm's readers of CA `ca_name` when there are no manifests.
pub fn readers_of(manifests: &Path, files: &[&Path], ca_name: Option<&str>) -> Vec<String> {
    let mut out = BTreeSet::new();
    let flags = manifest_files(manifests);
    for w in files {
        out.extend(flags.iter().filter(|(f, _)| f == w).map(|(_, c)| c.clone()));
    }
    let kubelet = files.iter().any(|f| f.ends_with("kubelet.conf")) || ca_name == Some("ca");
    if kubelet {
        out.insert("kubelet".to_string());
    }
    if flags.is_empty() {
        let kubeadm: &[&str] = match ca_name {
            Some("ca") => &[
                "kube-apiserver",
                "kube-controller-manager",
                "kube-scheduler",
            ],
            Some("etcd-ca") => &["etcd", "kube-apiserver"],
            Some("front-proxy-ca") => &["kube-apiserver"],
            _ => &[],
        };
        out.extend(kubeadm.iter().map(|s| s.to_string()));
    }
    out.into_iter().collect()
}
