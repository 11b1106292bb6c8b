//! `kcert csr list` output: kubectl's columns plus VERDICT, as a table or JSON. The same
//! [`Row`] feeds the terminal UI's CSR tab.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use super::view::CsrView;

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
    let rows: Vec<Row> = views.iter().map(|v| Row::new(v, now)).collect();
    let mut widths = HEADERS.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.cells()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 7], paint: Option<&str>| {
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                match paint {
                    Some(code) => out.push_str(&format!("\x1b[{code}m{c}\x1b[0m")),
                    None => out.push_str(c),
                }
            } else {
                out.push_str(c);
                out.push_str(&" ".repeat(widths[i] - c.chars().count() + 3));
            }
        }
        out.push('\n');
    };
    line(&mut out, HEADERS, None);
    for (r, v) in rows.iter().zip(views) {
        let paint = color.then(|| {
            if v.verdict.is_dangerous() {
                "31"
            } else if !v.verdict.passed() {
                "33"
            } else {
                "32"
            }
        });
        line(&mut out, r.cells(), paint);
    }
    out
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
