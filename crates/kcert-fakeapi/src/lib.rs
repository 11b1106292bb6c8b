//! An in-process HTTPS server that speaks the real `certificates.k8s.io/v1` and core `v1`
//! Node API, for kcert's tests and for `kcert demo` (no real kube-apiserver can run there).
//! ConfigMaps (get, list, create, update with resourceVersion conflicts), webhook
//! configurations and APIServices carry the copies of the cluster's CAs.
//!
//! It is faithful where kcert and kubectl look: discovery, lists with `limit`/`continue`,
//! `labelSelector` and `fieldSelector`, Pods with their `proxy` subresource forwarding to
//! real local processes, DaemonSets,
//! server-side Tables for `kubectl get`, watches with resume and 410 Gone, the `approval`
//! subresource with JSON or kubectl's protobuf body and resourceVersion conflicts,
//! client-certificate authentication with 401 for expired certificates, and RBAC-like
//! 403s. Hooks let tests garbage-collect CSRs, drop watches and compact history.
//!
//! It depends on no kcert code, on purpose: its names, printing, request decoding and PKI
//! are its own (written from kube-apiserver's behaviour), so a bug in kcert cannot hide in
//! the fake that checks it.

mod age;
mod approval;
pub mod ca_copies;
pub mod certs;
mod configmaps;
mod discovery;
mod http;
pub mod kubeadm;
pub mod names;
mod paths;
mod printer;
mod proto;
mod proxy;
mod rbac;
mod routes;
pub mod seed;
mod selector;
mod store;
mod watches;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};
use tokio::sync::watch;

pub use certs::{make_request, Ca, Identity, Validity};
pub use http::Caller;

/// Why the test server could not start or do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("certificate generation failed: {0}")]
    Pki(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("invalid object: {0}")]
    Object(String),
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Validity of the serving certificate (expired, to test that banner).
    pub serving_validity: Validity,
    /// Issue certificates for approved requests, as kube-controller-manager does.
    pub auto_issue: bool,
    /// Users that may read CSRs and Nodes but not approve (everyone outside the admin
    /// groups `system:masters` and `kubeadm:cluster-admins` gets 403 otherwise).
    pub readers: Vec<String>,
    /// Where to listen; port 0 picks a free one.
    pub bind: SocketAddr,
    /// Resources (plurals, e.g. `clusterrolebindings`) refused to everyone with 403, as RBAC
    /// refuses a user without rights to them.
    pub deny_resources: Vec<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            serving_validity: Validity::days(365),
            auto_issue: true,
            readers: Vec::new(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            deny_resources: Vec::new(),
        }
    }
}

/// State shared by all connections.
pub(crate) struct Shared {
    store: Mutex<store::Store>,
    ca: Ca,
    opts: ServerOptions,
    addr: SocketAddr,
    drop_watches: watch::Sender<u64>,
    expire_watches: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    log: Mutex<Vec<String>>,
    /// (kind, storage key) → how many more GETs are followed by a concurrent update (see
    /// [`TestServer::touch_after_get`]).
    meddle: Mutex<std::collections::HashMap<(store::Kind, String), usize>>,
    /// `namespace/pod` → the local address standing in for the pod (its `proxy`).
    pods: Mutex<std::collections::HashMap<String, SocketAddr>>,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, store::Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// After a GET of `key`: play a concurrent writer if asked to. It counts its writes in
    /// the annotation [`CONCURRENT_WRITES`], so a test can see that a client's retry kept them.
    fn after_get(&self, kind: store::Kind, key: &str) {
        let mut m = self.meddle.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&(kind, key.to_string())).filter(|n| **n > 0) {
            *n -= 1;
            let mut store = self.store();
            if let Some(mut o) = store.get(kind, key).cloned() {
                let count = o["metadata"]["annotations"][CONCURRENT_WRITES]
                    .as_str()
                    .and_then(|c| c.parse::<u64>().ok())
                    .unwrap_or(0);
                o["metadata"]["annotations"][CONCURRENT_WRITES] = (count + 1).to_string().into();
                store.put(kind, o);
            }
        }
    }

    fn backend(&self, key: &str) -> Option<SocketAddr> {
        self.pods
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .copied()
    }

    fn log(&self, line: String) {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }
}

/// The annotation the concurrent writer of [`TestServer::touch_after_get`] counts its writes in.
pub const CONCURRENT_WRITES: &str = "fakeapi.kcert.test/concurrent-writes";

/// Resolves once the server is stopping, also when it already was (unlike `changed`).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stopped| *stopped).await;
}

/// A pod as [`TestServer::add_pod`] stores it.
#[derive(Debug, Clone)]
pub struct PodSpec<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub node: &'a str,
    pub labels: &'a [(&'a str, &'a str)],
    pub ip: &'a str,
    pub port: u16,
    /// `Running`, `Pending`, ...
    pub phase: &'a str,
    pub ready: bool,
}

/// A running server; stops when dropped.
pub struct TestServer {
    shared: Arc<Shared>,
    serving: Identity,
}

impl TestServer {
    /// Generate a CA and serving certificate and start listening on the current runtime.
    pub async fn start(opts: ServerOptions) -> Result<TestServer, ServerError> {
        let ca = Ca::generate()?;
        let serving = ca.serving(opts.serving_validity)?;
        let tls = http::tls_config(&serving, &ca.cert_der)?;
        let listener = tokio::net::TcpListener::bind(opts.bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            store: Mutex::new(store::Store::new()),
            ca,
            opts,
            addr,
            drop_watches: watch::channel(0).0,
            expire_watches: watch::channel(0).0,
            shutdown: watch::channel(false).0,
            log: Mutex::new(Vec::new()),
            meddle: Mutex::new(std::collections::HashMap::new()),
            pods: Mutex::new(std::collections::HashMap::new()),
        });
        tokio::spawn(http::serve(listener, tls, shared.clone()));
        Ok(TestServer { shared, serving })
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.shared.addr)
    }

    pub fn ca_pem(&self) -> &str {
        &self.shared.ca.cert_pem
    }

    /// The serving certificate, e.g. to play the local `pki/apiserver.crt`.
    pub fn serving_cert_pem(&self) -> &str {
        &self.serving.cert_pem
    }

    /// A client identity signed by the cluster CA.
    pub fn client(
        &self,
        cn: &str,
        groups: &[&str],
        validity: Validity,
    ) -> Result<Identity, ServerError> {
        self.shared.ca.client(cn, groups, validity)
    }

    /// Write a kubeconfig (context `kcert-test`, user `user`) that embeds `identity`.
    pub fn write_kubeconfig(
        &self,
        path: &Path,
        user: &str,
        identity: &Identity,
    ) -> Result<(), ServerError> {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let yaml = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kcert-test\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: {user}\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\ncontexts:\n- name: kcert-test\n  context:\n    cluster: kcert-test\n    user: {user}\ncurrent-context: kcert-test\n",
            self.url(),
            b64(self.ca_pem()),
            b64(&identity.cert_pem),
            b64(&identity.key_pem),
        );
        // It holds a client key: readable by its owner only, from the first byte.
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?
            .write_all(yaml.as_bytes())?;
        Ok(())
    }

    /// A kubeconfig for `kubernetes-admin` (group `kubeadm:cluster-admins`), like admin.conf.
    pub fn write_admin_kubeconfig(&self, path: &Path) -> Result<(), ServerError> {
        let id = self.client(
            "kubernetes-admin",
            &["kubeadm:cluster-admins"],
            Validity::days(365),
        )?;
        self.write_kubeconfig(path, "kubernetes-admin", &id)
    }

    /// Store a CSR object (JSON form of the API object); the server fills uid, version and
    /// creation time unless given. Returns the stored object.
    pub fn add_csr(&self, object: Value) -> Result<Value, ServerError> {
        if object["metadata"]["name"]
            .as_str()
            .is_none_or(str::is_empty)
        {
            return Err(ServerError::Object("metadata.name is required".into()));
        }
        Ok(self.shared.store().put(store::Kind::Csr, object))
    }

    /// Store a Node with `(type, address)` pairs in `status.addresses`.
    pub fn add_node(&self, name: &str, addresses: &[(&str, &str)]) -> Value {
        let addresses: Vec<Value> = addresses
            .iter()
            .map(|(t, a)| json!({ "type": t, "address": a }))
            .collect();
        let node = json!({ "metadata": { "name": name }, "status": { "addresses": addresses } });
        self.shared.store().put(store::Kind::Node, node)
    }

    /// Store a Node with these labels (`node-role.kubernetes.io/control-plane` and the like).
    pub fn add_labeled_node(&self, name: &str, labels: &[(&str, &str)]) -> Value {
        let labels: serde_json::Map<String, Value> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        let node = json!({ "metadata": { "name": name, "labels": labels },
                           "status": { "conditions": [{ "type": "Ready", "status": "True" }] } });
        self.shared.store().put(store::Kind::Node, node)
    }

    /// Store a running Pod of one container listening on `port`, scheduled on `node`, with
    /// these labels; `ready` sets its Ready condition and container status.
    pub fn add_pod(&self, pod: &PodSpec<'_>) -> Value {
        let labels: serde_json::Map<String, Value> = pod
            .labels
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        let ready = if pod.ready { "True" } else { "False" };
        let object = json!({
            "metadata": { "name": pod.name, "namespace": pod.namespace, "labels": labels },
            "spec": { "nodeName": pod.node, "containers": [{ "name": "kcert",
                      "ports": [{ "containerPort": pod.port, "name": "metrics" }] }] },
            "status": { "phase": pod.phase, "podIP": pod.ip,
                        "conditions": [{ "type": "Ready", "status": ready }],
                        "containerStatuses": [{ "name": "kcert", "ready": pod.ready, "restartCount": 0 }] }
        });
        self.shared.store().put(store::Kind::Pod, object)
    }

    /// Send what reaches pod `namespace/name` through its `proxy` subresource to `addr`.
    pub fn proxy_pod(&self, namespace: &str, name: &str, addr: SocketAddr) {
        self.shared
            .pods
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(format!("{namespace}/{name}"), addr);
    }

    /// Store any served object (Secret, ClusterRole, ClusterRoleBinding, Deployment, ...),
    /// chosen by its `apiVersion` and `kind`.
    pub fn put_object(&self, object: Value) -> Result<Value, ServerError> {
        let kind = store::Kind::of(&object).ok_or_else(|| {
            ServerError::Object(format!(
                "this server does not store {}/{}",
                object["apiVersion"], object["kind"]
            ))
        })?;
        if object["metadata"]["name"]
            .as_str()
            .is_none_or(str::is_empty)
        {
            return Err(ServerError::Object("metadata.name is required".into()));
        }
        Ok(self.shared.store().put(kind, object))
    }

    /// Delete an object by kind (`ClusterRoleBinding`, `Secret`, ...), namespace and name.
    pub fn delete_object(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        let Some(kind) = store::Kind::named(kind) else {
            return false;
        };
        let key = match namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        };
        self.shared.store().delete(kind, &key).is_some()
    }

    /// An object by kind, namespace and name.
    pub fn object(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let kind = store::Kind::named(kind)?;
        let key = match namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        };
        self.shared.store().get(kind, &key).cloned()
    }

    pub fn csr(&self, name: &str) -> Option<Value> {
        self.shared.store().get(store::Kind::Csr, name).cloned()
    }

    pub fn csr_names(&self) -> Vec<String> {
        let store = self.shared.store();
        store
            .list(store::Kind::Csr, None)
            .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
            .collect()
    }

    /// Replace a CSR's object as a controller would (bumps its resourceVersion).
    pub fn update_csr(&self, object: Value) -> Result<Value, ServerError> {
        self.add_csr(object)
    }

    /// Garbage-collect a CSR, as kube-controller-manager's cleaner does.
    pub fn delete_csr(&self, name: &str) -> bool {
        self.shared.store().delete(store::Kind::Csr, name).is_some()
    }

    /// End every open watch stream (a network blip); clients must resume.
    pub fn drop_watches(&self) {
        self.shared.drop_watches.send_modify(|g| *g += 1);
    }

    /// Forget the event history: resumed watches get 410 Gone and must relist.
    pub fn compact(&self) {
        self.shared.store().compact();
    }

    /// Compact, and tell every open watch its position is too old (an `ERROR` event with
    /// 410 Expired, as kube-apiserver sends a watcher that fell out of its cache window).
    pub fn expire_watches(&self) {
        self.compact();
        self.shared.expire_watches.send_modify(|g| *g += 1);
    }

    /// Make the next `times` GETs of CSR `name` be followed by another writer's update, so
    /// that a client's read-modify-write gets a genuine 409 Conflict.
    pub fn touch_after_get(&self, name: &str, times: usize) {
        self.touch_object_after_get("CertificateSigningRequest", None, name, times);
    }

    /// [`TestServer::touch_after_get`] for an object of any kind (`ConfigMap`, ...); false
    /// for a kind this server does not store.
    pub fn touch_object_after_get(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
        times: usize,
    ) -> bool {
        let Some(kind) = store::Kind::named(kind) else {
            return false;
        };
        let key = match namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name.to_string(),
        };
        self.shared
            .meddle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((kind, key), times);
        true
    }

    /// Every request seen so far, as `METHOD /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Stop listening and close every connection.
    pub fn stop(&self) {
        self.shared.shutdown.send_replace(true);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A server on its own runtime thread, for synchronous callers (CLI tests, the demo).
pub struct BackgroundServer {
    pub server: TestServer,
    _runtime: tokio::runtime::Runtime,
}

impl BackgroundServer {
    pub fn start(opts: ServerOptions) -> Result<BackgroundServer, ServerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let server = runtime.block_on(TestServer::start(opts))?;
        Ok(BackgroundServer {
            server,
            _runtime: runtime,
        })
    }
}

/// For `kcert demo`: a background server holding the demo CSRs and nodes, and an admin
/// kubeconfig for it written to `dir/kubeconfig`.
pub fn start_demo(dir: &Path) -> Result<(BackgroundServer, std::path::PathBuf), ServerError> {
    let server = BackgroundServer::start(ServerOptions::default())?;
    seed::demo(&server)?;
    let kubeconfig = dir.join("kubeconfig");
    server.write_admin_kubeconfig(&kubeconfig)?;
    Ok((server, kubeconfig))
}

impl std::ops::Deref for BackgroundServer {
    type Target = TestServer;
    fn deref(&self) -> &TestServer {
        &self.server
    }
}
