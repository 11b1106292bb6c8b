//! The human table: `kubeadm certs check-expiration`'s columns plus STATUS and CHAIN,
//! leaves grouped by the CA that signed them, CAs in their own table, then every problem.

use std::fmt::Write;

use crate::pki::format::{self, Columns};
use crate::pki::{CertEntry, CertId, Health, Inventory, Severity, Status};

/// ANSI colours by meaning; empty when colour is off so the text is identical otherwise.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn health(&self, h: Health, s: &str) -> String {
        let code = match h {
            Health::Ok => "32",
            Health::Warning => "33",
            Health::Critical => "31",
        };
        self.wrap(code, s)
    }
    fn severity(&self, sev: Severity, s: &str) -> String {
        match sev {
            Severity::Error => self.wrap("31", s),
            Severity::Warning => self.wrap("33", s),
            Severity::Info => self.wrap("2", s),
        }
    }
}

/// Columns at least ten cells wide, padding included, like kubeadm's tables.
fn write_rows(out: &mut String, rows: &[Vec<String>]) {
    let mut columns = Columns::new(7);
    for row in rows {
        columns.row(row);
    }
    out.push_str(&columns.finish());
}

fn expires(c: &CertEntry) -> String {
    c.not_after.format("%b %d, %Y %H:%M UTC").to_string()
}

fn ca_name(inv: &Inventory, c: &CertEntry) -> String {
    match c.issuer_id {
        Some(i) => inv.label(&inv.certs[i]),
        None => match c.chain {
            crate::pki::ChainVerdict::BadSignature => "<bad signature>".into(),
            _ => "<unknown>".into(),
        },
    }
}

/// STATUS is the health (a certificate with the wrong key is `critical` whatever its
/// expiry); an expired or not yet valid one says so, as that is why it is critical.
fn status_word(c: &CertEntry, health: Health) -> &'static str {
    match c.status {
        Status::Expired | Status::NotYetValid => c.status.as_str(),
        _ => health.as_str(),
    }
}

fn row(inv: &Inventory, c: &CertEntry, health: Health, p: &Paint, with_ca: bool) -> Vec<String> {
    let secs = (c.not_after - inv.generated_at).num_seconds();
    let mut r = vec![inv.label(c), expires(c), format::human_duration(secs)];
    if with_ca {
        r.push(ca_name(inv, c));
    }
    r.push(p.health(health, status_word(c, health)));
    let chain = c.chain.as_str();
    r.push(if c.chain.is_ok() {
        chain.to_string()
    } else {
        p.wrap("31", chain)
    });
    r
}

/// The whole report as text.
pub fn render_table(inv: &Inventory, color: bool) -> String {
    let p = Paint(color);
    let health = inv.healths();
    let mut out = String::new();
    let visible: Vec<CertId> = (0..inv.certs.len())
        .filter(|&i| !inv.certs[i].superseded)
        .collect();
    let (cas, mut leaves): (Vec<CertId>, Vec<CertId>) =
        visible.iter().partition(|&&i| inv.certs[i].is_ca);
    leaves.sort_by_key(|&i| {
        (
            inv.certs[i].issuer_id.is_none(),
            ca_name(inv, &inv.certs[i]),
            inv.label(&inv.certs[i]),
        )
    });

    if !leaves.is_empty() {
        let mut rows = vec![[
            "CERTIFICATE",
            "EXPIRES",
            "RESIDUAL TIME",
            "CERTIFICATE AUTHORITY",
            "STATUS",
            "CHAIN",
        ]
        .map(String::from)
        .to_vec()];
        rows.extend(
            leaves
                .iter()
                .map(|&i| row(inv, &inv.certs[i], health[i], &p, true)),
        );
        write_rows(&mut out, &rows);
    }
    if !cas.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let mut rows = vec![[
            "CERTIFICATE AUTHORITY",
            "EXPIRES",
            "RESIDUAL TIME",
            "STATUS",
            "CHAIN",
        ]
        .map(String::from)
        .to_vec()];
        let mut cas = cas;
        cas.sort_by_key(|&i| inv.label(&inv.certs[i]));
        rows.extend(
            cas.iter()
                .map(|&i| row(inv, &inv.certs[i], health[i], &p, false)),
        );
        write_rows(&mut out, &rows);
    }
    if inv.certs.is_empty() {
        out.push_str("No certificates found under ");
        let roots: Vec<String> = inv.roots.iter().map(|r| r.display().to_string()).collect();
        out.push_str(&roots.join(", "));
        out.push('\n');
    }
    let superseded = inv.certs.len() - visible.len();
    if superseded > 0 {
        let _ = writeln!(
            out,
            "\n({superseded} rotated-out kubelet certificate(s) not shown)"
        );
    }
    if !inv.problems.is_empty() {
        let _ = writeln!(out, "\nPROBLEMS");
        for prob in &inv.problems {
            let sev = match prob.severity {
                Severity::Error => "error  ",
                Severity::Warning => "warning",
                Severity::Info => "info   ",
            };
            let _ = writeln!(
                out,
                "{} {}: {}",
                p.severity(prob.severity, sev),
                prob.path.display(),
                prob.message
            );
        }
    }
    out
}
