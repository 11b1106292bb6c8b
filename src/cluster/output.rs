//! `kcert csr list` output: kubectl's columns plus VERDICT, as a table or JSON. The same
//! [`Row`] feeds the terminal UI's CSR tab.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::view::CsrView;
use crate::pki::format::Columns;

/// The visible columns of one CSR, as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub name: String,
    pub age: String,
    pub signer_name: String,
    pub requestor: String,
    pub requested_duration: String,
    pub condition: String,
    pub verdict: String,
}

pub const HEADERS: [&str; 7] = [
    "NAME",
    "AGE",
    "SIGNERNAME",
    "REQUESTOR",
    "REQUESTEDDURATION",
    "CONDITION",
    "VERDICT",
];

impl Row {
    pub fn new(v: &CsrView, now: DateTime<Utc>) -> Row {
        Row {
            name: v.name.clone(),
            age: v.age(now),
            signer_name: v.signer_column().to_string(),
            requestor: v.requestor.clone(),
            requested_duration: v.requested_duration(),
            condition: v.condition.clone(),
            verdict: v.verdict.label(),
        }
    }

    pub fn cells(&self) -> [&str; 7] {
        [
            &self.name,
            &self.age,
            &self.signer_name,
            &self.requestor,
            &self.requested_duration,
            &self.condition,
            &self.verdict,
        ]
    }
}

/// kubectl's layout: left-aligned columns three spaces apart. Colour marks the verdict:
/// red for a dangerous failure, yellow for another failure, green for valid.
pub fn table(views: &[CsrView], now: DateTime<Utc>, color: bool) -> String {
    let mut columns = Columns::new(0);
    columns.row(HEADERS);
    for v in views {
        let mut row = Row::new(v, now);
        if color {
            let code = if v.verdict.is_dangerous() {
                "31"
            } else if !v.verdict.passed() {
                "33"
            } else {
                "32"
            };
            row.verdict = format!("\x1b[{code}m{}\x1b[0m", row.verdict);
        }
        columns.row(row.cells());
    }
    columns.finish()
}

/// One JSON object per CSR: the columns, then everything kcert decoded.
pub fn json(views: &[CsrView], now: DateTime<Utc>) -> Value {
    let items: Vec<Value> = views
        .iter()
        .map(|v| {
            let row = Row::new(v, now);
            json!({
                "name": row.name,
                "age": row.age,
                "signerName": row.signer_name,
                "requestor": row.requestor,
                "requestedDuration": row.requested_duration,
                "condition": row.condition,
                "verdict": {
                    "passed": v.verdict.passed(),
                    "label": row.verdict,
                    "checks": v.verdict.checks,
                },
                "createdAt": v.created,
                "expirationSeconds": v.expiration_seconds,
                "usages": v.usages,
                "groups": v.groups,
                "extra": v.extra,
                "request": v.request.as_ref().as_ref().map_or_else(
                    |e| json!({ "error": e }),
                    |r| serde_json::to_value(r).unwrap_or(Value::Null),
                ),
                "conditions": v.conditions,
                "certificate": v.certificate.as_ref().map(|c| match c {
                    Ok(c) => serde_json::to_value(c).unwrap_or(Value::Null),
                    Err(e) => json!({ "error": e }),
                }),
            })
        })
        .collect();
    json!({ "kind": "CertificateSigningRequestReport", "items": items })
}
