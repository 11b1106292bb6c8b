//! The live CSR set: connect in the background, list, then watch; resume the watch after a
//! drop, relist when the server says the position is too old, reconnect when the server
//! goes away. Everything the UI needs arrives as [`ClusterEvent`]s on one channel, so the
//! local view never waits for the cluster. Lists are bounded ([`super::bounded`]); the CSR
//! and Node watches open independently, so a stalled one never holds up the other.

use std::collections::HashMap;
use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use rayon::prelude::*;
use tokio::sync::{mpsc, watch};

use super::bounded::{list_csrs, ListError};
use super::connect::{connect, Connection};
use super::diagnose::Diagnosis;
use super::nodes::NodeIndex;
use super::source::{Access, Locations};
use super::view::{sort_views, CsrView, DecodedShared};

/// Page size for lists, as `kubectl get` uses.
pub const PAGE_SIZE: u32 = 500;
/// The server ends a watch after this long; it is then resumed from the last version.
const WATCH_TIMEOUT_SECS: u32 = 290;
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A message from the cluster task to the UI.
///
/// The contract for a consumer: start empty; replace everything on `Snapshot`; insert or
/// replace by `name` on `Upsert`; drop by `name` on `Removed`. `Connection(Failed)` does not
/// clear the rows: they are the last known state until the next `Snapshot` (the task
/// relists after every reconnect). Rows arrive judged; re-sort with
/// [`sort_views`](super::view::sort_views) after applying an event.
#[derive(Debug, Clone)]
pub enum ClusterEvent {
    Connection(ConnectionState),
    /// The complete set, sorted pending first (after the first list and after every
    /// relist): replace whatever is shown, so rows deleted meanwhile disappear.
    Snapshot(Vec<CsrView>),
    /// One CSR was added or changed (approved, issued, or re-judged after a Node change).
    Upsert(Box<CsrView>),
    /// One CSR was deleted, e.g. garbage-collected an hour after approval.
    Removed {
        name: String,
    },
}

/// Where the connection stands; the UI shows `Failed` as a banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting,
    Connected {
        server: String,
        context: String,
        user: String,
    },
    /// Could not connect, or lost the connection; the task retries after `retry_in`.
    Failed {
        diagnosis: Diagnosis,
        retry_in: Duration,
    },
}

/// The running task. Dropping the handle stops it.
pub struct WatchHandle {
    task: tokio::task::JoinHandle<()>,
    connection: watch::Receiver<Option<Connection>>,
}

impl WatchHandle {
    /// The current connection, for approve and deny; `None` while not connected.
    pub fn connection(&self) -> Option<Connection> {
        self.connection.borrow().clone()
    }

    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Start the cluster task on the current tokio runtime.
pub fn spawn_watch(access: Access, loc: Locations, tx: mpsc::Sender<ClusterEvent>) -> WatchHandle {
    let (conn_tx, connection) = watch::channel(None);
    let task = tokio::spawn(async move {
        let mut backoff = Duration::from_secs(1);
        loop {
            if tx
                .send(ClusterEvent::Connection(ConnectionState::Connecting))
                .await
                .is_err()
            {
                return;
            }
            let diagnosis = match connect(&access, &loc).await {
                Err(d) => d,
                Ok(conn) => {
                    backoff = Duration::from_secs(1);
                    conn_tx.send_replace(Some(conn.clone()));
                    let state = ConnectionState::Connected {
                        server: conn.chosen.server.clone(),
                        context: conn.chosen.context.clone(),
                        user: conn.chosen.user.clone(),
                    };
                    if tx.send(ClusterEvent::Connection(state)).await.is_err() {
                        return;
                    }
                    match follow(&conn, &tx).await {
                        Ok(()) => return,
                        Err(e) => {
                            conn_tx.send_replace(None);
                            conn.diagnose_list(&e).await
                        }
                    }
                }
            };
            let state = ConnectionState::Failed {
                diagnosis,
                retry_in: backoff,
            };
            if tx.send(ClusterEvent::Connection(state)).await.is_err() {
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    });
    WatchHandle { task, connection }
}

/// Decode and judge many CSRs on all cores, reusing decodings from `cache` (keyed by uid).
pub fn build_views(
    items: &[CertificateSigningRequest],
    nodes: &NodeIndex,
    cache: &HashMap<String, DecodedShared>,
) -> Vec<CsrView> {
    let mut views: Vec<CsrView> = items
        .par_iter()
        .map(|csr| {
            let cached = csr
                .metadata
                .uid
                .as_ref()
                .and_then(|u| cache.get(u))
                .cloned();
            CsrView::build(csr, nodes, cached)
        })
        .collect();
    sort_views(&mut views);
    views
}

/// Why the inner loop stopped following.
enum Stop {
    /// The position is too old (410): list again.
    Relist,
    /// The receiver is gone.
    Closed,
}

/// List and watch until the connection fails (`Err`) or the receiver is dropped (`Ok`).
async fn follow(conn: &Connection, tx: &mpsc::Sender<ClusterEvent>) -> Result<(), ListError> {
    let csrs = conn.csrs();
    let nodes_api: Api<Node> = Api::all(conn.client.clone());
    let mut views: HashMap<String, CsrView> = HashMap::new();
    loop {
        let all = ListParams::default();
        let (mut nodes, node_rv) =
            match tokio::time::timeout(conn.timeout, nodes_api.list(&all)).await {
                Ok(Ok(list)) => (
                    NodeIndex::from_nodes(&list.items),
                    list.metadata.resource_version,
                ),
                // Reading Nodes is optional: without it (forbidden, or too slow) SANs are simply
                // not compared.
                Ok(Err(kube::Error::Api(_))) | Err(_) => (NodeIndex::unreadable(), None),
                Ok(Err(e)) => return Err(e.into()),
            };
        let (items, mut rv) = list_csrs(&csrs, PAGE_SIZE, conn.timeout).await?;
        let cache: HashMap<String, DecodedShared> = views
            .values()
            .map(|v| (v.uid.clone(), v.request.clone()))
            .collect();
        let snapshot = {
            let nodes = nodes.clone();
            tokio::task::spawn_blocking(move || build_views(&items, &nodes, &cache))
                .await
                .unwrap_or_default()
        };
        views = snapshot
            .iter()
            .map(|v| (v.name.clone(), v.clone()))
            .collect();
        if tx.send(ClusterEvent::Snapshot(snapshot)).await.is_err() {
            return Ok(());
        }
        let mut node_rv = node_rv.unwrap_or_default();
        let mut node_stream = if nodes.is_readable() {
            watch_stream(&nodes_api, &node_rv)
        } else {
            futures::stream::pending().boxed()
        };
        let mut csr_stream = watch_stream(&csrs, &rv);
        let stop = loop {
            tokio::select! {
                ev = csr_stream.next() => match ev {
                    // The server ended the watch (timeout or drop): resume where we were.
                    None => csr_stream = watch_stream(&csrs, &rv),
                    Some(Err(e)) if is_gone(&e) => break Stop::Relist,
                    Some(Err(e)) => return Err(e.into()),
                    Some(Ok(ev)) => match on_csr(ev, &mut views, &nodes, &mut rv) {
                        Some(Ok(msg)) => {
                            let sent = tx.send(msg).await;
                            if sent.is_err() { break Stop::Closed }
                        }
                        Some(Err(())) => break Stop::Relist,
                        None => {}
                    },
                },
                ev = node_stream.next() => match ev {
                    None => node_stream = watch_stream(&nodes_api, &node_rv),
                    Some(Err(e)) if is_gone(&e) => break Stop::Relist,
                    Some(Err(e)) => return Err(e.into()),
                    Some(Ok(WatchEvent::Error(s))) if s.code == 410 => break Stop::Relist,
                    Some(Ok(ev)) => {
                        for msg in on_node(ev, &mut views, &mut nodes, &mut node_rv) {
                            if tx.send(msg).await.is_err() { return Ok(()) }
                        }
                    }
                },
            }
        };
        match stop {
            Stop::Closed => return Ok(()),
            Stop::Relist => continue,
        }
    }
}

/// 410 Gone: the requested resourceVersion is older than the server's history.
fn is_gone(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 410)
}

/// A watch from `rv`, opened when first polled: waiting for its headers happens inside the
/// stream, so a server that never answers one watch does not hold up the other. A failure
/// to open it is the stream's first item.
fn watch_stream<K>(api: &Api<K>, rv: &str) -> BoxStream<'static, Result<WatchEvent<K>, kube::Error>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    // Bookmarks are on by default: they keep the resume position fresh on a quiet cluster.
    let wp = WatchParams::default().timeout(WATCH_TIMEOUT_SECS);
    let (api, rv) = (api.clone(), rv.to_string());
    futures::stream::once(async move { api.watch(&wp, &rv).await.map(StreamExt::boxed) })
        .flat_map(|opened| match opened {
            Ok(events) => events,
            Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
        })
        .boxed()
}

/// Apply one CSR event. `Some(Err(()))` asks for a relist.
fn on_csr(
    ev: WatchEvent<CertificateSigningRequest>,
    views: &mut HashMap<String, CsrView>,
    nodes: &NodeIndex,
    rv: &mut String,
) -> Option<Result<ClusterEvent, ()>> {
    match ev {
        WatchEvent::Added(csr) | WatchEvent::Modified(csr) => {
            if let Some(v) = &csr.metadata.resource_version {
                rv.clone_from(v);
            }
            let name = csr.metadata.name.clone().unwrap_or_default();
            let cached = views
                .get(&name)
                .filter(|old| Some(&old.uid) == csr.metadata.uid.as_ref())
                .map(|old| old.request.clone());
            let view = CsrView::build(&csr, nodes, cached);
            views.insert(name, view.clone());
            Some(Ok(ClusterEvent::Upsert(Box::new(view))))
        }
        WatchEvent::Deleted(csr) => {
            if let Some(v) = &csr.metadata.resource_version {
                rv.clone_from(v);
            }
            let name = csr.metadata.name.unwrap_or_default();
            views.remove(&name);
            Some(Ok(ClusterEvent::Removed { name }))
        }
        WatchEvent::Bookmark(b) => {
            rv.clone_from(&b.metadata.resource_version);
            None
        }
        WatchEvent::Error(s) if s.code == 410 => Some(Err(())),
        // Other in-stream errors end the watch on the server side; the stream then closes
        // and is resumed.
        WatchEvent::Error(_) => None,
    }
}

/// Apply one Node event and re-judge the CSRs about that node.
fn on_node(
    ev: WatchEvent<Node>,
    views: &mut HashMap<String, CsrView>,
    nodes: &mut NodeIndex,
    rv: &mut String,
) -> Vec<ClusterEvent> {
    let name = match ev {
        WatchEvent::Added(n) | WatchEvent::Modified(n) => {
            if let Some(v) = &n.metadata.resource_version {
                rv.clone_from(v);
            }
            nodes.upsert(&n)
        }
        WatchEvent::Deleted(n) => {
            if let Some(v) = &n.metadata.resource_version {
                rv.clone_from(v);
            }
            let name = n.metadata.name.unwrap_or_default();
            nodes.remove(&name);
            Some(name)
        }
        WatchEvent::Bookmark(b) => {
            rv.clone_from(&b.metadata.resource_version);
            None
        }
        WatchEvent::Error(_) => None,
    };
    let Some(name) = name else { return Vec::new() };
    let mut out = Vec::new();
    for view in views.values_mut() {
        if view.node_name() == Some(name.as_str()) {
            let before = view.verdict.clone();
            view.rejudge(nodes);
            if view.verdict != before {
                out.push(ClusterEvent::Upsert(Box::new(view.clone())));
            }
        }
    }
    out
}
