//! Where a node keeps its runtime configuration, and reading it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::kubelet::{self, KubeletConfig};
use super::manifest::{self, Manifests};
use crate::pki::absolute;

/// The control-plane components kcert knows how to find, probe and restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
    /// A systemd service, not a static pod: probed, never restarted by kcert.
    Kubelet,
}

impl Component {
    pub const ALL: [Component; 5] = [
        Component::ApiServer,
        Component::ControllerManager,
        Component::Scheduler,
        Component::Etcd,
        Component::Kubelet,
    ];

    /// The name kubeadm gives the static pod (and the kubelet's unit name).
    pub fn name(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
            Component::Kubelet => "kubelet",
        }
    }

    /// The exact pod or unit name.
    pub fn from_name(name: &str) -> Option<Self> {
        Component::ALL.into_iter().find(|c| c.name() == name)
    }

    /// What an operator may type: `apiserver`, `kube-apiserver`, `controller-manager`, `kcm`, ...
    pub fn parse(word: &str) -> Option<Self> {
        let w = word.trim().to_ascii_lowercase();
        let w = w.strip_prefix("kube-").unwrap_or(&w);
        Some(match w {
            "apiserver" | "api-server" | "api" => Component::ApiServer,
            "controller-manager" | "kcm" => Component::ControllerManager,
            "scheduler" => Component::Scheduler,
            "etcd" => Component::Etcd,
            "kubelet" => Component::Kubelet,
            _ => return None,
        })
    }

    /// The port it serves on when nothing says otherwise.
    pub fn default_port(self) -> u16 {
        match self {
            Component::ApiServer => 6443,
            Component::ControllerManager => 10257,
            Component::Scheduler => 10259,
            Component::Etcd => 2379,
            Component::Kubelet => kubelet::DEFAULT_PORT,
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Component {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Where the node's runtime configuration lives. Every path is a parameter so tests and
/// `kcert check PATH` never read the real `/etc/kubernetes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodePaths {
    /// kubeadm's directory: kubeconfigs, `pki/`, `manifests/`, `tmp/`.
    pub kubernetes_dir: PathBuf,
    /// The kubelet's static pod directory.
    pub manifests: PathBuf,
    /// The kubelet's `KubeletConfiguration` file.
    pub kubelet_config: Option<PathBuf>,
    /// The kubelet's `--kubeconfig`.
    pub kubelet_kubeconfig: PathBuf,
    /// The kubelet's `--cert-dir`.
    pub kubelet_cert_dir: Option<PathBuf>,
    /// The operator's kubeconfig, compared with `admin.conf`.
    pub user_kubeconfig: Option<PathBuf>,
    /// systemd's unit directory: a control plane without static pods (the hard way) runs
    /// from `kube-*.service` units there.
    pub units: Option<PathBuf>,
    /// k3s's or RKE2's data directory (`/var/lib/rancher/k3s`): its control plane runs in the
    /// one `k3s` (or `rke2-server`) process.
    pub rancher: Option<PathBuf>,
}

impl NodePaths {
    /// kubeadm's layout below `root` (`/` on a real node), without a user kubeconfig. The
    /// paths are absolute, as the scan's are, also below a relative `root`.
    pub fn under(root: &Path) -> Self {
        let root = &absolute(root);
        let etc = root.join("etc/kubernetes");
        let kubelet = root.join("var/lib/kubelet");
        let rancher = ["k3s", "rke2"]
            .iter()
            .map(|p| root.join("var/lib/rancher").join(p))
            .find(|d| d.is_dir());
        // RKE2 runs its control plane as static pods of its own agent.
        let rke2_pods = root.join("var/lib/rancher/rke2/agent/pod-manifests");
        let manifests = if !etc.join("manifests").is_dir() && rke2_pods.is_dir() {
            rke2_pods
        } else {
            etc.join("manifests")
        };
        NodePaths {
            units: Some(root.join("etc/systemd/system")),
            rancher,
            manifests,
            kubelet_kubeconfig: etc.join("kubelet.conf"),
            kubernetes_dir: etc,
            kubelet_config: Some(kubelet.join("config.yaml")),
            kubelet_cert_dir: Some(kubelet.join("pki")),
            user_kubeconfig: None,
        }
    }

    /// The real node: `/etc/kubernetes`, `/var/lib/kubelet` and `$KUBECONFIG` (its first
    /// entry) or `~/.kube/config`.
    pub fn system() -> Self {
        let mut p = NodePaths::under(Path::new("/"));
        p.user_kubeconfig = match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
            Some(list) => std::env::split_paths(&list).next(),
            None => std::env::var_os("HOME").map(|h| Path::new(&h).join(".kube/config")),
        };
        p
    }

    /// The layout of the first scanned path that holds one: a root with `etc/kubernetes`,
    /// or a kubeadm directory with `manifests/` (its kubelet files then are unknown unless
    /// it sits at `<root>/etc/kubernetes`).
    pub fn discover(paths: &[PathBuf]) -> Option<Self> {
        // A node's other layouts below it: k3s/RKE2, the hard way's units and files.
        let other_layout = |p: &Path| {
            [
                "var/lib/rancher",
                "var/lib/kubernetes",
                "etc/systemd/system",
            ]
            .iter()
            .any(|d| p.join(d).is_dir())
        };
        for p in paths {
            if p.join("etc/kubernetes").is_dir() || other_layout(p) {
                return Some(NodePaths::under(p));
            }
            if p.join("manifests").is_dir() {
                if let Some(root) = p
                    .ends_with("etc/kubernetes")
                    .then(|| p.parent().and_then(Path::parent))
                    .flatten()
                {
                    return Some(NodePaths::under(root));
                }
                return Some(NodePaths::from_manifests(&p.join("manifests")));
            }
        }
        None
    }

    /// A kubeadm directory known only by its manifests directory: the kubelet's files are
    /// unknown, its kubeconfig is assumed beside the manifests.
    pub fn from_manifests(manifests: &Path) -> Self {
        let manifests = absolute(manifests);
        let etc = manifests.parent().unwrap_or(Path::new("/")).to_path_buf();
        NodePaths {
            manifests,
            kubelet_kubeconfig: etc.join("kubelet.conf"),
            kubernetes_dir: etc,
            kubelet_config: None,
            kubelet_cert_dir: None,
            user_kubeconfig: None,
            units: None,
            rancher: None,
        }
    }

    /// `admin.conf`, the file `~/.kube/config` is copied from.
    pub fn admin_conf(&self) -> PathBuf {
        self.kubernetes_dir.join("admin.conf")
    }

    /// Where kcert keeps restart backups and its restart journal.
    pub fn tmp_dir(&self) -> PathBuf {
        self.kubernetes_dir.join("tmp")
    }
}

/// Where the operator says the node's configuration is; what is not said is found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeOverrides {
    /// Read the node below this directory instead of `/`.
    pub root: Option<PathBuf>,
    /// The static pod manifests directory.
    pub manifests: Option<PathBuf>,
    /// The kubelet's `KubeletConfiguration` file.
    pub kubelet_config: Option<PathBuf>,
    /// The kubeconfig to compare with `admin.conf`.
    pub user_kubeconfig: Option<PathBuf>,
}

impl NodeOverrides {
    /// The node's paths: [`root`](Self::root), else found under the scanned paths, else the
    /// real node when nothing was scanned by name; then the single-path overrides. `None`
    /// when paths were scanned and none of them holds a node's configuration.
    pub fn paths(&self, scanned: &[PathBuf]) -> Option<NodePaths> {
        let mut p = match (&self.root, &self.manifests) {
            (Some(root), _) => NodePaths::under(root),
            (None, _) if scanned.is_empty() => NodePaths::system(),
            (None, Some(m)) => {
                NodePaths::discover(scanned).unwrap_or_else(|| NodePaths::from_manifests(m))
            }
            (None, None) => NodePaths::discover(scanned)?,
        };
        if let Some(m) = &self.manifests {
            p.manifests = absolute(m);
        }
        if let Some(k) = &self.kubelet_config {
            p.kubelet_config = Some(absolute(k));
        }
        if let Some(u) = &self.user_kubeconfig {
            p.user_kubeconfig = Some(absolute(u));
        }
        Some(p)
    }
}

/// What was read from a node's runtime configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub paths: NodePaths,
    pub manifests: Manifests,
    /// Component units where there are no static pods (the hard way): read like manifests,
    /// never restarted by kcert.
    pub units: Manifests,
    pub kubelet: Option<KubeletConfig>,
    /// Why the kubelet config could not be read.
    pub kubelet_error: Option<String>,
}

impl Node {
    /// Read the manifests and the kubelet config. Never fails: what cannot be read is kept
    /// as an error beside what could.
    pub fn read(paths: &NodePaths) -> Node {
        let manifests = manifest::read_dir(&paths.manifests);
        let units = match &paths.units {
            Some(dir) if manifests.pods.is_empty() => super::units::read_dir(dir),
            _ => Manifests::default(),
        };
        let (kubelet, kubelet_error) = match paths.kubelet_config.as_deref().map(kubelet::read) {
            None | Some(Ok(None)) => (None, None),
            Some(Ok(Some(k))) => (Some(k), None),
            Some(Err(e)) => (None, Some(e.to_string())),
        };
        Node {
            paths: paths.clone(),
            manifests,
            units,
            kubelet,
            kubelet_error,
        }
    }

    /// Whether anything says a control plane or kubelet runs here.
    pub fn has_runtime_config(&self) -> bool {
        !self.manifests.pods.is_empty() || !self.units.pods.is_empty() || self.kubelet.is_some()
    }
}
