//! A small cluster on the fake API server: nodes, the kcert DaemonSet and its pods, each
//! pod's proxy going to a real local `kcert serve` on a tree of its own.

use std::path::PathBuf;
use std::process::{Command, Output};

use kcert::demo::Faults;
use kcert::sign::KeySpec;
use kcert_fakeapi::{BackgroundServer, PodSpec, ServerOptions};
use serde_json::json;
use tempfile::TempDir;

use crate::common::{made, node_spec, write_tree};
use crate::live::Serve;
use crate::serve::now;

pub const NS: &str = "kcert";
pub const SELECTOR: &str = "app.kubernetes.io/name=kcert";

pub struct Cluster {
    pub server: BackgroundServer,
    pub dir: TempDir,
    pub kubeconfig: PathBuf,
    /// Trees and servers kept alive for the test's length.
    pub trees: Vec<TempDir>,
    pub serves: Vec<Serve>,
}

impl Cluster {
    pub fn new() -> Cluster {
        let server = BackgroundServer::start(ServerOptions::default()).expect("fake API server");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("admin.conf");
        server.write_admin_kubeconfig(&kubeconfig).unwrap();
        server
            .put_object(json!({
                "apiVersion": "apps/v1", "kind": "DaemonSet",
                "metadata": { "name": "kcert", "namespace": NS, "labels": { "app.kubernetes.io/name": "kcert" } },
                "spec": { "selector": { "matchLabels": { "app.kubernetes.io/name": "kcert" } },
                          "template": { "spec": { "nodeSelector": { "kubernetes.io/os": "linux" } } } },
                "status": { "desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                            "updatedNumberScheduled": 3, "numberAvailable": 2 }
            }))
            .unwrap();
        Cluster {
            server,
            dir,
            kubeconfig,
            trees: Vec::new(),
            serves: Vec::new(),
        }
    }

    pub fn node(&self, name: &str, control_plane: bool) {
        let mut labels = vec![
            ("kubernetes.io/hostname", name),
            ("kubernetes.io/os", "linux"),
        ];
        if control_plane {
            labels.push(("node-role.kubernetes.io/control-plane", ""));
        }
        self.server.add_labeled_node(name, &labels);
    }

    pub fn pod(&self, name: &str, node: &str, ip: &str) {
        self.server.add_pod(&PodSpec {
            namespace: NS,
            name,
            node,
            labels: &[("app.kubernetes.io/name", "kcert")],
            ip,
            port: 9793,
            phase: "Running",
            ready: true,
        });
    }

    /// A tree with `faults`, served by a live `kcert serve` behind pod `name`.
    pub fn live_pod(&mut self, name: &str, node: &str, ip: &str, faults: Faults) -> &Serve {
        let (dir, _) = write_tree(&node_spec(made(), KeySpec::EcdsaP256, ip, faults));
        let serve = Serve::start(now(), &[dir.path().to_str().unwrap(), "--interval", "1h"]);
        self.pod(name, node, ip);
        self.server.proxy_pod(NS, name, serve.addr);
        self.trees.push(dir);
        self.serves.push(serve);
        self.serves.last().unwrap()
    }

    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("kube-cache"))
            .args(args)
            .env("HOME", self.dir.path())
            .env_remove("KUBECONFIG")
            .output()
            .expect("kubectl is installed")
    }

    /// `kcert fleet ARGS` against this cluster, at the tests' clock.
    pub fn fleet(&self, args: &[&str]) -> Output {
        crate::common::kcert_cmd(now())
            .arg("fleet")
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env("HOME", self.dir.path())
            .output()
            .unwrap()
    }
}
