//! Reading the fleet through the API server: the DaemonSet's pods (by label selector), the
//! Nodes (to find those no pod covers), and each pod's `/report` through
//! `/api/v1/namespaces/NS/pods/NAME:PORT/proxy/report`, a bounded number at a time, each
//! bounded in time and size.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, ListParams};

use super::report::Report;
use super::{FleetError, FleetOptions, NodeRow, NodeState};
use crate::cluster::connect::{bounded_client, config_for};
use crate::cluster::source::choose;
use crate::cluster::{Access, Connection, Diagnosis, Locations};

/// Pages of a list at most: 500 × 200 pods is more nodes than a cluster has.
const MAX_PAGES: usize = 200;
const PAGE: u32 = 500;

/// A client for the chosen kubeconfig; nothing is asked of the server yet (the fleet needs
/// pods and nodes, not the CSRs `cluster::connect` proves access with). It does not retry
/// a 503: through the pod proxy that is a node that is down, to show at once.
pub async fn connect(access: &Access, loc: &Locations) -> Result<Connection, Diagnosis> {
    let chosen = choose(access, loc)?;
    let mut config = config_for(&chosen, access.timeout).await?;
    config.default_retry = false;
    let (client, activity) = bounded_client(&chosen, config)?;
    Ok(Connection {
        client,
        chosen,
        timeout: access.timeout,
        activity,
    })
}

/// A kcert pod to ask.
#[derive(Debug, Clone)]
pub struct PodTarget {
    pub name: String,
    pub node: String,
    /// `None` when running: why it is not asked.
    pub not_running: Option<String>,
}

/// Who to ask, and the rows before any answer: a `Fetching` row per pod, a `NotCovered`
/// row per node without one.
#[derive(Debug, Clone)]
pub struct Targets {
    pub pods: Vec<PodTarget>,
    pub rows: Vec<NodeRow>,
    /// Why the Nodes could not be listed (then nobody is known to be "not covered").
    pub nodes_unreadable: Option<String>,
}

async fn list_pages<K>(api: &Api<K>, params: ListParams) -> Result<Vec<K>, kube::Error>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut items = Vec::new();
    let mut lp = params.limit(PAGE);
    for _ in 0..MAX_PAGES {
        let page = api.list(&lp).await?;
        items.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(&token),
            None => break,
        }
    }
    Ok(items)
}

/// The role a Node's labels give it.
fn role(node: &Node) -> String {
    let labels = node.metadata.labels.clone().unwrap_or_default();
    let roles: Vec<&str> = labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    if roles
        .iter()
        .any(|r| matches!(*r, "control-plane" | "master"))
    {
        "control-plane".into()
    } else if let Some(r) = roles.first().filter(|r| !r.is_empty()) {
        (*r).to_string()
    } else {
        "worker".into()
    }
}

/// List the pods and nodes.
pub async fn list_targets(conn: &Connection, opts: &FleetOptions) -> Result<Targets, FleetError> {
    let pods_api: Api<Pod> = Api::namespaced(conn.client.clone(), &opts.namespace);
    let listed = tokio::time::timeout(
        conn.timeout,
        list_pages(&pods_api, ListParams::default().labels(&opts.selector)),
    )
    .await;
    let pods = match listed {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return Err(FleetError::Cluster(Box::new(conn.diagnose(&e).await))),
        Err(_) => {
            return Err(FleetError::Cluster(Box::new(Diagnosis::Timeout {
                server: conn.chosen.server.clone(),
                after: conn.timeout,
            })))
        }
    };
    if pods.is_empty() {
        return Err(FleetError::NoPods {
            namespace: opts.namespace.clone(),
            selector: opts.selector.clone(),
        });
    }
    let nodes_api: Api<Node> = Api::all(conn.client.clone());
    let nodes =
        tokio::time::timeout(conn.timeout, list_pages(&nodes_api, ListParams::default())).await;
    let (roles, nodes_unreadable): (Option<BTreeMap<String, String>>, _) = match nodes {
        Ok(Ok(nodes)) => (
            Some(
                nodes
                    .iter()
                    .map(|n| (n.metadata.name.clone().unwrap_or_default(), role(n)))
                    .collect(),
            ),
            None,
        ),
        Ok(Err(e)) => (None, Some(conn.diagnose(&e).await.banner())),
        Err(_) => (None, Some("listing the nodes timed out".into())),
    };
    // One pod per node: a running one if there is one (a rolling update has two).
    let mut by_node: BTreeMap<String, PodTarget> = BTreeMap::new();
    for p in &pods {
        let name = p.metadata.name.clone().unwrap_or_default();
        let status = p.status.as_ref();
        let phase = status.and_then(|s| s.phase.clone()).unwrap_or_default();
        let node = p.spec.as_ref().and_then(|s| s.node_name.clone());
        let target = PodTarget {
            node: node
                .clone()
                .unwrap_or_else(|| format!("({name}: not scheduled)")),
            not_running: match (&node, phase.as_str()) {
                (None, _) => Some(format!("pod {name} is not scheduled on a node")),
                (_, "Running") => None,
                (_, other) => Some(format!("pod {name} is {}", other.to_lowercase())),
            },
            name,
        };
        match by_node.get(&target.node) {
            Some(old) if old.not_running.is_none() => {}
            _ => {
                by_node.insert(target.node.clone(), target);
            }
        }
    }
    let mut rows: Vec<NodeRow> = by_node
        .values()
        .map(|t| NodeRow {
            node: t.node.clone(),
            role: roles.as_ref().and_then(|r| r.get(&t.node).cloned()),
            pod: Some(t.name.clone()),
            state: match &t.not_running {
                None => NodeState::Fetching,
                Some(why) => NodeState::Unreachable { error: why.clone() },
            },
            report: None,
        })
        .collect();
    if let Some(roles) = &roles {
        rows.extend(
            roles
                .iter()
                .filter(|(n, _)| !by_node.contains_key(*n))
                .map(|(node, role)| NodeRow {
                    node: node.clone(),
                    role: Some(role.clone()),
                    pod: None,
                    state: NodeState::NotCovered,
                    report: None,
                }),
        );
    }
    Ok(Targets {
        pods: by_node.into_values().collect(),
        rows,
        nodes_unreadable,
    })
}

/// One pod's report through the API server, within the node timeout and size cap.
pub async fn fetch_report(
    client: &kube::Client,
    opts: &FleetOptions,
    pod: &str,
) -> Result<Report, String> {
    let path = format!(
        "/api/v1/namespaces/{}/pods/{pod}:{}/proxy/report",
        opts.namespace, opts.port
    );
    let fetch = async {
        let req = http::Request::get(&path)
            .header(http::header::ACCEPT, "application/json")
            .body(kube::client::Body::from(Vec::new()))
            .map_err(|e| e.to_string())?;
        let resp = client.send(req).await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let limit = if status.is_success() {
            opts.max_report
        } else {
            64 * 1024
        };
        let body = read_bounded(resp.into_body(), limit).await?;
        if !status.is_success() {
            return Err(format!(
                "HTTP {}: {}",
                status.as_u16(),
                status_message(&body)
            ));
        }
        serde_json::from_slice::<Report>(&body)
            .map_err(|e| format!("the answer is not a kcert report: {e}"))
    };
    match tokio::time::timeout(opts.node_timeout, fetch).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no report within {} s",
            opts.node_timeout.as_secs_f64()
        )),
    }
}

/// The body, or an error once it passes `limit` bytes (the rest is not read).
async fn read_bounded(mut body: kube::client::Body, limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("the answer broke off: {e}"))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(format!(
                    "the report is larger than {} MiB; not read",
                    limit / (1024 * 1024)
                ));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// The `message` of an API server `Status`, else the start of the text.
fn status_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            text.trim().chars().take(200).collect()
        })
}

/// Fetch every running pod's report, `opts.concurrency` at a time; each finished node is
/// passed to `done` as it arrives (the UI shows it at once).
pub async fn fetch_all(
    conn: &Connection,
    opts: &FleetOptions,
    targets: &Targets,
    now: DateTime<Utc>,
    mut done: impl FnMut(NodeRow),
) {
    let roles: BTreeMap<&str, Option<String>> = targets
        .rows
        .iter()
        .map(|r| (r.node.as_str(), r.role.clone()))
        .collect();
    // Owned futures: the stream is polled inside spawned tasks, which need no borrows.
    let asks: Vec<_> = targets
        .pods
        .iter()
        .filter(|p| p.not_running.is_none())
        .cloned()
        .map(|pod| {
            let client = conn.client.clone();
            let opts = opts.clone();
            Box::pin(async move {
                let result = fetch_report(&client, &opts, &pod.name).await;
                (pod, result)
            })
        })
        .collect();
    let mut answers = futures::stream::iter(asks).buffer_unordered(opts.concurrency.max(1));
    while let Some((pod, result)) = answers.next().await {
        let (state, report) = match result {
            Ok(report) => (
                NodeState::Reported {
                    summary: report.summary(now),
                },
                Some(Arc::new(report)),
            ),
            Err(error) => (NodeState::Unreachable { error }, None),
        };
        done(NodeRow {
            node: pod.node.clone(),
            role: roles.get(pod.node.as_str()).cloned().flatten(),
            pod: Some(pod.name.clone()),
            state,
            report,
        });
    }
}

/// The whole fleet, worst first.
pub async fn fetch_fleet(
    conn: &Connection,
    opts: &FleetOptions,
    now: DateTime<Utc>,
) -> Result<(Vec<NodeRow>, Option<String>), FleetError> {
    let targets = list_targets(conn, opts).await?;
    let mut rows: Vec<NodeRow> = targets
        .rows
        .iter()
        .filter(|r| !matches!(r.state, NodeState::Fetching))
        .cloned()
        .collect();
    fetch_all(conn, opts, &targets, now, |row| rows.push(row)).await;
    super::sort_rows(&mut rows);
    Ok((rows, targets.nodes_unreadable))
}
