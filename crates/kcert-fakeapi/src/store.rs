//! The test API server's storage: objects by kind and name, one global resourceVersion
//! counter like etcd's revision, and an event history that watches replay from. Compaction
//! forgets history, which is how a real server produces "410 Gone".

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use serde_json::Value;
use tokio::sync::broadcast;

/// The resources this server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Csr,
    Node,
    Secret,
    ClusterRole,
    ClusterRoleBinding,
    Deployment,
    Pod,
    DaemonSet,
    ConfigMap,
    ValidatingWebhookConfiguration,
    MutatingWebhookConfiguration,
    ApiService,
}

impl Kind {
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Csr => "certificatesigningrequests",
            Kind::Node => "nodes",
            Kind::Secret => "secrets",
            Kind::ClusterRole => "clusterroles",
            Kind::ClusterRoleBinding => "clusterrolebindings",
            Kind::Deployment => "deployments",
            Kind::Pod => "pods",
            Kind::DaemonSet => "daemonsets",
            Kind::ConfigMap => "configmaps",
            Kind::ValidatingWebhookConfiguration => "validatingwebhookconfigurations",
            Kind::MutatingWebhookConfiguration => "mutatingwebhookconfigurations",
            Kind::ApiService => "apiservices",
        }
    }

    /// The API group ("" for core).
    pub fn group(self) -> &'static str {
        match self {
            Kind::Csr => "certificates.k8s.io",
            Kind::Node | Kind::Secret | Kind::Pod | Kind::ConfigMap => "",
            Kind::ClusterRole | Kind::ClusterRoleBinding => "rbac.authorization.k8s.io",
            Kind::Deployment | Kind::DaemonSet => "apps",
            Kind::ValidatingWebhookConfiguration | Kind::MutatingWebhookConfiguration => {
                "admissionregistration.k8s.io"
            }
            Kind::ApiService => "apiregistration.k8s.io",
        }
    }

    /// `plural.group`, or the plural alone for the core group, as error messages name it.
    pub fn qualified(self) -> String {
        match self.group() {
            "" => self.plural().to_string(),
            g => format!("{}.{g}", self.plural()),
        }
    }

    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Csr => "certificates.k8s.io/v1",
            Kind::Node | Kind::Secret | Kind::Pod | Kind::ConfigMap => "v1",
            Kind::ClusterRole | Kind::ClusterRoleBinding => "rbac.authorization.k8s.io/v1",
            Kind::Deployment | Kind::DaemonSet => "apps/v1",
            Kind::ValidatingWebhookConfiguration | Kind::MutatingWebhookConfiguration => {
                "admissionregistration.k8s.io/v1"
            }
            Kind::ApiService => "apiregistration.k8s.io/v1",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Kind::Csr => "CertificateSigningRequest",
            Kind::Node => "Node",
            Kind::Secret => "Secret",
            Kind::ClusterRole => "ClusterRole",
            Kind::ClusterRoleBinding => "ClusterRoleBinding",
            Kind::Deployment => "Deployment",
            Kind::Pod => "Pod",
            Kind::DaemonSet => "DaemonSet",
            Kind::ConfigMap => "ConfigMap",
            Kind::ValidatingWebhookConfiguration => "ValidatingWebhookConfiguration",
            Kind::MutatingWebhookConfiguration => "MutatingWebhookConfiguration",
            Kind::ApiService => "APIService",
        }
    }

    const ALL: [Kind; 12] = [
        Kind::Csr,
        Kind::Node,
        Kind::Secret,
        Kind::ClusterRole,
        Kind::ClusterRoleBinding,
        Kind::Deployment,
        Kind::Pod,
        Kind::DaemonSet,
        Kind::ConfigMap,
        Kind::ValidatingWebhookConfiguration,
        Kind::MutatingWebhookConfiguration,
        Kind::ApiService,
    ];

    /// The kind called `name` (`Secret`, `ClusterRoleBinding`, ...).
    pub fn named(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.kind() == name)
    }

    /// The kind an object declares, when its `apiVersion` agrees.
    pub fn of(object: &Value) -> Option<Kind> {
        let k = Kind::named(object["kind"].as_str()?)?;
        (object["apiVersion"].as_str()? == k.api_version()).then_some(k)
    }

    pub fn namespaced(self) -> bool {
        matches!(
            self,
            Kind::Secret | Kind::Deployment | Kind::Pod | Kind::DaemonSet | Kind::ConfigMap
        )
    }
}

/// The storage key of an object: its name, or `namespace/name` for namespaced kinds (etcd
/// keeps them in namespace order too).
pub fn key_of(kind: Kind, object: &Value) -> String {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    if kind.namespaced() {
        let ns = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default");
        format!("{ns}/{name}")
    } else {
        name.to_string()
    }
}

/// One change, as a watch sends it.
#[derive(Debug, Clone)]
pub struct Event {
    pub rv: u64,
    pub kind: Kind,
    /// `ADDED`, `MODIFIED`, `DELETED`.
    pub type_: &'static str,
    pub object: Value,
}

/// History kept for watch resumption; older events are compacted away.
const HISTORY: usize = 100_000;

pub struct Store {
    pub rv: u64,
    objects: BTreeMap<(Kind, String), Value>,
    log: VecDeque<Arc<Event>>,
    /// Watches from a resourceVersion below this get 410 Gone.
    pub oldest: u64,
    pub events: broadcast::Sender<Arc<Event>>,
    uid_counter: u64,
}

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Store {
    pub fn new() -> Self {
        Store {
            rv: 1000,
            objects: BTreeMap::new(),
            log: VecDeque::new(),
            oldest: 1000,
            events: broadcast::channel(65_536).0,
            uid_counter: 0,
        }
    }

    pub fn get(&self, kind: Kind, name: &str) -> Option<&Value> {
        self.objects.get(&(kind, name.to_string()))
    }

    /// Objects of a kind in name order (etcd key order), starting after `after`.
    pub fn list(&self, kind: Kind, after: Option<&str>) -> impl Iterator<Item = &Value> {
        let start = (kind, after.map(|a| format!("{a}\0")).unwrap_or_default());
        self.objects
            .range(start..)
            .take_while(move |((k, _), _)| *k == kind)
            .map(|(_, v)| v)
    }

    fn record(&mut self, kind: Kind, type_: &'static str, object: Value) {
        let ev = Arc::new(Event {
            rv: self.rv,
            kind,
            type_,
            object,
        });
        self.log.push_back(ev.clone());
        if self.log.len() > HISTORY {
            if let Some(old) = self.log.pop_front() {
                self.oldest = old.rv;
            }
        }
        let _ = self.events.send(ev);
    }

    /// Create or replace, filling in the metadata the API server owns.
    pub fn put(&mut self, kind: Kind, mut object: Value) -> Value {
        self.rv += 1;
        let name = key_of(kind, &object);
        let existing = self.objects.get(&(kind, name.clone()));
        let type_ = if existing.is_some() {
            "MODIFIED"
        } else {
            "ADDED"
        };
        let (uid, created) = match existing {
            Some(old) => (
                old["metadata"]["uid"].clone(),
                old["metadata"]["creationTimestamp"].clone(),
            ),
            None => {
                self.uid_counter += 1;
                let uid = format!("00000000-0000-4000-8000-{:012x}", self.uid_counter);
                let created = match &object["metadata"]["creationTimestamp"] {
                    Value::String(s) if !s.is_empty() => Value::String(s.clone()),
                    _ => Value::String(now_rfc3339()),
                };
                (Value::String(uid), created)
            }
        };
        object["apiVersion"] = kind.api_version().into();
        object["kind"] = kind.kind().into();
        let meta = &mut object["metadata"];
        if kind.namespaced() && !meta["namespace"].is_string() {
            meta["namespace"] = "default".into();
        }
        meta["uid"] = uid;
        meta["creationTimestamp"] = created;
        meta["resourceVersion"] = self.rv.to_string().into();
        self.objects.insert((kind, name), object.clone());
        self.record(kind, type_, object.clone());
        object
    }

    pub fn delete(&mut self, kind: Kind, name: &str) -> Option<Value> {
        let mut object = self.objects.remove(&(kind, name.to_string()))?;
        self.rv += 1;
        object["metadata"]["resourceVersion"] = self.rv.to_string().into();
        self.record(kind, "DELETED", object.clone());
        Some(object)
    }

    /// Events of `kind` after `rv`, or `None` when that part of history is gone.
    pub fn since(&self, kind: Kind, rv: u64) -> Option<Vec<Arc<Event>>> {
        if rv < self.oldest {
            return None;
        }
        Some(
            self.log
                .iter()
                .filter(|e| e.rv > rv && e.kind == kind)
                .cloned()
                .collect(),
        )
    }

    /// Forget all history: every watch resumed from an older version gets 410 Gone.
    pub fn compact(&mut self) {
        self.log.clear();
        self.oldest = self.rv;
    }
}
