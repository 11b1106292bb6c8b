//! One read of the cluster for the `kcert csr` commands (the UI watches instead): every CSR
//! judged against the Node list, and the auto-approval check.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Node;
use kube::api::Api;

use super::connect::Connection;
use super::doctor::{self, Report};
use super::nodes::NodeIndex;
use super::view::CsrView;
use super::watch::{build_views, list_all, PAGE_SIZE};
use crate::pki::Thresholds;

/// Every CSR, judged against the current Node list (when Nodes can be read), pending first.
pub async fn csrs(conn: &Connection) -> Result<Vec<CsrView>, kube::Error> {
    let nodes_api: Api<Node> = Api::all(conn.client.clone());
    let nodes = match nodes_api.list(&Default::default()).await {
        Ok(l) => NodeIndex::from_nodes(&l.items),
        Err(_) => NodeIndex::unreadable(),
    };
    let (items, _) = list_all(&conn.csrs(), PAGE_SIZE).await?;
    Ok(build_views(&items, &nodes, &Default::default()))
}

/// The auto-approval check as `kcert csr doctor` reports it. Fails only when the CSRs cannot
/// be read: without them the cluster is not usable to kcert; the other reads are findings.
pub async fn doctor(
    conn: &Connection,
    now: DateTime<Utc>,
    thresholds: Thresholds,
) -> Result<Report, kube::Error> {
    let (views, facts) = futures::join!(csrs(conn), doctor::gather(conn));
    Ok(doctor::diagnose(&facts, &views?, now, thresholds))
}
