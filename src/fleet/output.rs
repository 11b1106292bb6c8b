//! `kcert fleet`'s words: a table (one line per node, worst first) or JSON.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{NodeRow, NodeState};
use crate::pki::format::{compact, residual, Columns};

/// The table's cells of one row: NODE, ROLE, DISTRO, HEALTH, SOONEST, EXPIRES, PROBLEMS,
/// AGE (of the report), NOTE.
pub fn cells(row: &NodeRow, now: DateTime<Utc>) -> [String; 9] {
    let dash = || "-".to_string();
    let role = row.role.clone().unwrap_or_else(dash);
    match &row.state {
        NodeState::Reported { summary } => {
            let (soonest, expires) = match &summary.soonest {
                Some(s) => (s.name.clone(), residual(s.not_after, now)),
                None => (dash(), dash()),
            };
            let p = summary.problems;
            let problems = match (p.error, p.warning) {
                (0, 0) => "none".to_string(),
                (e, 0) => format!("{e}E"),
                (0, w) => format!("{w}W"),
                (e, w) => format!("{e}E {w}W"),
            };
            [
                row.node.clone(),
                role,
                summary.distribution.clone().unwrap_or_else(dash),
                summary.health.as_str().to_string(),
                soonest,
                expires,
                problems,
                compact(summary.age_seconds),
                String::new(),
            ]
        }
        other => {
            let (health, note) = match other {
                NodeState::Unreachable { error } => ("unreachable", error.clone()),
                NodeState::NotCovered => ("not covered", "no kcert pod on this node".into()),
                _ => ("fetching", String::new()),
            };
            [
                row.node.clone(),
                role,
                dash(),
                health.into(),
                dash(),
                dash(),
                dash(),
                dash(),
                note,
            ]
        }
    }
}

pub const HEADER: [&str; 9] = [
    "NODE", "ROLE", "DISTRO", "HEALTH", "SOONEST", "EXPIRES", "PROBLEMS", "AGE", "NOTE",
];

/// The fleet as aligned columns.
pub fn table(rows: &[NodeRow], now: DateTime<Utc>) -> String {
    let mut t = Columns::new(0);
    t.row(HEADER);
    for r in rows {
        t.row(cells(r, now));
    }
    t.finish()
}

#[derive(Serialize)]
struct Document<'a> {
    generated_at: String,
    namespace: &'a str,
    selector: &'a str,
    nodes: &'a [NodeRow],
    /// Why the Node list could not be read (nodes without a kcert pod are then unknown).
    nodes_unreadable: Option<&'a str>,
    exit_code: u8,
}

/// The fleet as a JSON document, pretty-printed.
pub fn json(
    rows: &[NodeRow],
    opts: &super::FleetOptions,
    nodes_unreadable: Option<&str>,
    now: DateTime<Utc>,
    exit_code: u8,
) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&Document {
        generated_at: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        namespace: &opts.namespace,
        selector: &opts.selector,
        nodes: rows,
        nodes_unreadable,
        exit_code,
    })
}
