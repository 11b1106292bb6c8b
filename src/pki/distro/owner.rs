//! Which distribution owns a file, by where it is: the one answer renewal (leaves now, CAs
//! later) asks before it writes anything.

use std::path::{Component, Path, PathBuf};

use super::Distribution;

/// Which part of a distribution's layout a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// `<dir>/kubernetes/pki` and kubeadm's kubeconfigs beside it.
    KubeadmPki,
    /// kubespray's `certificatesDir`, `/etc/kubernetes/ssl`.
    KubesprayPki,
    /// kubespray's etcd certificates, `/etc/ssl/etcd/ssl`.
    KubesprayEtcd,
    /// k3s/RKE2 `<data>/server/tls` and `<data>/server/cred`.
    RancherServer,
    /// k3s/RKE2 `<data>/agent`.
    RancherAgent,
    /// `/etc/rancher/<program>/<program>.yaml`, rewritten on every start.
    RancherKubeconfig,
    /// `/var/snap/microk8s/<revision>/certs`.
    MicroK8sCerts,
    /// `/var/snap/microk8s/<revision>/credentials`.
    MicroK8sCredentials,
    /// The hard way's `/var/lib/kubernetes`, and the kubelet's and kube-proxy's files directly
    /// in `/var/lib/kubelet` and `/var/lib/kube-proxy`.
    HardWay,
    /// `/etc/kubernetes/static-pod-resources` and `static-pod-certs`: OpenShift's operators.
    OpenShift,
    /// `/system/secrets`: Talos, managed through `talosctl`.
    Talos,
}

/// The distribution that owns a file and where its layout starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub distribution: Distribution,
    pub area: Area,
    /// Where the node's file system starts: `/` on a node, a copied node's directory below a
    /// PATH (what `etc/`, `var/` hang off).
    pub prefix: PathBuf,
    /// The directory the distribution keeps this file's layout in: `<data>/server/tls`,
    /// `<data>/agent`, `.../certs`, `/etc/ssl/etcd/ssl`, `.../pki`.
    pub dir: PathBuf,
}

impl Owner {
    /// The distribution writes and renews this file itself (k3s, RKE2, MicroK8s): kcert shows
    /// the distribution's command and writes only with `--force`.
    pub fn renews_itself(&self) -> bool {
        matches!(
            self.distribution,
            Distribution::K3s | Distribution::Rke2 | Distribution::MicroK8s
        )
    }

    /// Operators or an API own it (OpenShift, Talos): kcert only reads it, even with `--force`.
    pub fn read_only(&self) -> bool {
        matches!(
            self.distribution,
            Distribution::OpenShift | Distribution::Talos
        )
    }

    /// k3s/RKE2's data directory: `<prefix>/var/lib/rancher/<program>` (its `server/` and
    /// `agent/` below it).
    pub fn rancher_data_dir(&self) -> Option<PathBuf> {
        let program = self.distribution.program()?;
        Some(self.prefix.join("var/lib/rancher").join(program))
    }
}

fn name<'a>(c: &Component<'a>) -> &'a str {
    match c {
        Component::Normal(n) => n.to_str().unwrap_or(""),
        _ => "",
    }
}

/// The path up to (not including) component `i`.
fn upto(parts: &[Component<'_>], i: usize) -> PathBuf {
    parts[..i].iter().collect()
}

/// `prefix` without a trailing `var/lib` (or `var/snap`, `etc`) that the layout names itself.
fn strip_tail(parts: &[Component<'_>], at: usize, tail: &[&str]) -> PathBuf {
    let n = tail.len();
    let matches = at >= n
        && parts[at - n..at]
            .iter()
            .zip(tail)
            .all(|(c, t)| name(c) == *t);
    let end = if matches { at - n } else { at };
    let p = upto(parts, end);
    if p.as_os_str().is_empty() {
        PathBuf::from("/")
    } else {
        p
    }
}

/// Which distribution owns the file at `path`, judged by where it is (a node's own paths, or
/// the same places below a copied node's directory). `None` for a place no distribution
/// claims (a kubeconfig in a home directory, a copied file in a repository).
pub fn owner(path: &Path) -> Option<Owner> {
    let parts: Vec<Component<'_>> = path.components().collect();
    let n = parts.len();
    let at = |i: usize| parts.get(i).map(name).unwrap_or("");
    let before = |i: usize| i.checked_sub(1).map_or("", at);
    let own = |distribution, area, prefix: PathBuf, dir: PathBuf| {
        Some(Owner {
            distribution,
            area,
            prefix,
            dir,
        })
    };
    for i in 0..n {
        match at(i) {
            "rancher" => {
                let program = at(i + 1);
                let distribution = match program {
                    "k3s" => Distribution::K3s,
                    "rke2" => Distribution::Rke2,
                    _ => continue,
                };
                // `/etc/rancher/k3s/k3s.yaml`
                if before(i) == "etc" && at(i + 2) == format!("{program}.yaml") {
                    let prefix = strip_tail(&parts, i, &["etc"]);
                    return own(
                        distribution,
                        Area::RancherKubeconfig,
                        prefix,
                        upto(&parts, i + 2),
                    );
                }
                let prefix = strip_tail(&parts, i, &["var", "lib"]);
                match at(i + 2) {
                    "server" if matches!(at(i + 3), "tls" | "cred") && i + 4 < n => {
                        return own(
                            distribution,
                            Area::RancherServer,
                            prefix,
                            upto(&parts, i + 4),
                        );
                    }
                    "agent" if i + 3 < n => {
                        return own(
                            distribution,
                            Area::RancherAgent,
                            prefix,
                            upto(&parts, i + 3),
                        );
                    }
                    _ => {}
                }
            }
            "snap" if at(i + 1) == "microk8s" && i + 4 < n => {
                let area = match at(i + 3) {
                    "certs" => Area::MicroK8sCerts,
                    "credentials" => Area::MicroK8sCredentials,
                    _ => continue,
                };
                let prefix = strip_tail(&parts, i, &["var"]);
                return own(Distribution::MicroK8s, area, prefix, upto(&parts, i + 4));
            }
            "kubernetes" if matches!(at(i + 1), "static-pod-resources" | "static-pod-certs") => {
                let prefix = strip_tail(&parts, i, &["etc"]);
                return own(
                    Distribution::OpenShift,
                    Area::OpenShift,
                    prefix,
                    upto(&parts, i + 2),
                );
            }
            "kubernetes" if at(i + 1) == "ssl" && before(i) == "etc" && i + 2 < n => {
                let prefix = strip_tail(&parts, i, &["etc"]);
                return own(
                    Distribution::Kubespray,
                    Area::KubesprayPki,
                    prefix,
                    upto(&parts, i + 2),
                );
            }
            "kubernetes" if at(i + 1) == "pki" && i + 2 < n => {
                let prefix = strip_tail(&parts, i, &["etc"]);
                return own(
                    Distribution::Kubeadm,
                    Area::KubeadmPki,
                    prefix,
                    upto(&parts, i + 2),
                );
            }
            "ssl" if at(i + 1) == "etcd" && at(i + 2) == "ssl" && i + 3 < n => {
                let prefix = strip_tail(&parts, i, &["etc"]);
                return own(
                    Distribution::Kubespray,
                    Area::KubesprayEtcd,
                    prefix,
                    upto(&parts, i + 3),
                );
            }
            "lib" if before(i) == "var" => {
                let hard_way = match at(i + 1) {
                    "kubernetes" => i + 2 < n,
                    // Only the files directly in them: `pki/` is the kubelet's own.
                    "kubelet" | "kube-proxy" => i + 3 == n,
                    _ => false,
                };
                if hard_way {
                    let prefix = strip_tail(&parts, i, &["var"]);
                    return own(
                        Distribution::HardWay,
                        Area::HardWay,
                        prefix,
                        upto(&parts, i + 2),
                    );
                }
            }
            "system" if at(i + 1) == "secrets" && i + 2 < n => {
                return own(
                    Distribution::Talos,
                    Area::Talos,
                    upto(&parts, i),
                    upto(&parts, i + 2),
                );
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(p: &str) -> Option<(Distribution, Area, String, String)> {
        owner(Path::new(p)).map(|o| {
            (
                o.distribution,
                o.area,
                o.prefix.display().to_string(),
                o.dir.display().to_string(),
            )
        })
    }

    #[test]
    fn the_distributions_own_their_places_on_a_node_and_below_a_copied_node() {
        use Distribution::{
            HardWay as Hw, K3s, Kubeadm, Kubespray, MicroK8s, OpenShift as Os, Rke2,
        };
        for (path, want) in [
            (
                "/var/lib/rancher/k3s/server/tls/client-admin.crt",
                (
                    K3s,
                    Area::RancherServer,
                    "/",
                    "/var/lib/rancher/k3s/server/tls",
                ),
            ),
            (
                "/tmp/n/var/lib/rancher/rke2/server/tls/etcd/peer-ca.crt",
                (
                    Rke2,
                    Area::RancherServer,
                    "/tmp/n",
                    "/tmp/n/var/lib/rancher/rke2/server/tls",
                ),
            ),
            (
                "/var/lib/rancher/k3s/agent/client-kubelet.crt",
                (K3s, Area::RancherAgent, "/", "/var/lib/rancher/k3s/agent"),
            ),
            (
                "/tmp/n/etc/rancher/k3s/k3s.yaml",
                (
                    K3s,
                    Area::RancherKubeconfig,
                    "/tmp/n",
                    "/tmp/n/etc/rancher/k3s",
                ),
            ),
            (
                "/var/snap/microk8s/current/certs/server.crt",
                (
                    MicroK8s,
                    Area::MicroK8sCerts,
                    "/",
                    "/var/snap/microk8s/current/certs",
                ),
            ),
            (
                "/etc/kubernetes/ssl/apiserver.crt",
                (Kubespray, Area::KubesprayPki, "/", "/etc/kubernetes/ssl"),
            ),
            (
                "/etc/ssl/etcd/ssl/member-node1.pem",
                (Kubespray, Area::KubesprayEtcd, "/", "/etc/ssl/etcd/ssl"),
            ),
            (
                "/etc/kubernetes/pki/etcd/ca.crt",
                (Kubeadm, Area::KubeadmPki, "/", "/etc/kubernetes/pki"),
            ),
            (
                "/var/lib/kubernetes/kubernetes.pem",
                (Hw, Area::HardWay, "/", "/var/lib/kubernetes"),
            ),
            (
                "/var/lib/kubelet/worker-0.pem",
                (Hw, Area::HardWay, "/", "/var/lib/kubelet"),
            ),
            (
                "/etc/kubernetes/static-pod-resources/kube-apiserver-certs/secrets/x/tls.crt",
                (
                    Os,
                    Area::OpenShift,
                    "/",
                    "/etc/kubernetes/static-pod-resources",
                ),
            ),
        ] {
            let got = of(path).unwrap_or_else(|| panic!("no owner for {path}"));
            assert_eq!(
                got,
                (want.0, want.1, want.2.to_string(), want.3.to_string()),
                "{path}"
            );
        }
        for nobody in [
            "/var/lib/kubelet/pki/kubelet-client-current.pem",
            "/home/me/.kube/config",
            "/srv/repo/k3s.yaml",
            "/var/lib/rancher/k3s/server/token",
        ] {
            assert_eq!(of(nobody), None, "{nobody}");
        }
    }
}
