//! One read of the cluster for the `kcert csr` commands (the UI watches instead): every CSR
//! judged with what the cluster says now — its Nodes (for serving SANs) and its bootstrap
//! tokens (a request whose token has expired cannot be completed), each when it can be read —
//! and the auto-approval check.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};

use super::bounded::{list_csrs, ListError};
use super::connect::Connection;
use super::doctor::{self, read_tokens, Report};
use super::nodes::NodeIndex;
use super::tokens::TokenIndex;
use super::view::CsrView;
use super::watch::{build_views, PAGE_SIZE};

/// List and judge every CSR at `now`. Fails only when the CSRs cannot be listed.
pub async fn csrs(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<CsrView>, ListError> {
    let nodes_api: Api<Node> = Api::all(conn.client.clone());
    let all = ListParams::default();
    let (nodes, tokens) = futures::join!(
        tokio::time::timeout(conn.timeout, nodes_api.list(&all)),
        read_tokens(conn)
    );
    let nodes = match nodes {
        Ok(Ok(l)) => NodeIndex::from_nodes(&l.items),
        Ok(Err(_)) | Err(_) => NodeIndex::unreadable(),
    };
    let tokens = match tokens {
        Ok(t) => TokenIndex::new(t, now),
        Err(_) => TokenIndex::unread(),
    };
    let (items, _) = list_csrs(&conn.csrs(), PAGE_SIZE, conn.timeout).await?;
    let mut views = build_views(&items, &nodes, &Default::default());
    for v in &mut views {
        v.judge_token(&tokens);
    }
    Ok(views)
}

/// The auto-approval check as `kcert csr doctor` reports it. Fails only when the CSRs cannot
/// be read: without them the cluster is not usable to kcert; the other reads are findings.
pub async fn doctor(conn: &Connection, now: DateTime<Utc>) -> Result<Report, ListError> {
    let (views, facts) = futures::join!(csrs(conn, now), doctor::gather(conn));
    Ok(doctor::diagnose(&facts, &views?, now))
}
