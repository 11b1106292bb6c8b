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
const MIN_WIDTH: usize = 7;
const PADDING: usize = Columns::PADDING;
/// Names are not elided below this: `apiserver-e…` still says which one it is.
const MIN_NAME: usize = 12;

fn write_rows(out: &mut String, rows: &[Vec<String>]) {
    let mut columns = Columns::new(MIN_WIDTH);
    for row in rows {
        columns.row(row);
    }
    out.push_str(&columns.finish());
}

/// What fitting a narrow terminal may do to a column.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fit {
    Keep,
    /// Said again by another column: EXPIRES beside RESIDUAL TIME.
    Drop,
    /// A name, cut with `…`.
    Elide,
}

/// A column: its header in full and shortened, and how it fits.
struct Column(&'static str, &'static str, Fit);

const NAME: Column = Column("CERTIFICATE", "CERTIFICATE", Fit::Elide);
const CA_NAME: Column = Column("CERTIFICATE AUTHORITY", "CA", Fit::Elide);
const EXPIRES: Column = Column("EXPIRES", "EXPIRES", Fit::Drop);
const RESIDUAL: Column = Column("RESIDUAL TIME", "RESIDUAL", Fit::Keep);
const AUTHORITY: Column = Column("CERTIFICATE AUTHORITY", "CA", Fit::Elide);
const STATUS: Column = Column("STATUS", "STATUS", Fit::Keep);
const CHAIN: Column = Column("CHAIN", "CHAIN", Fit::Keep);

/// A name cut to `w` cells: a path keeps its end, which says which file it is.
fn elide(name: &str, w: usize) -> String {
    if name.contains('/') {
        format::clip_start(name, w)
    } else {
        format::clip(name, w)
    }
}

/// Cells `s` takes on the terminal, colour codes not counted.
fn cells(s: &str) -> usize {
    let mut plain = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\x1b') {
        plain.push_str(&rest[..i]);
        rest = rest[i..].find('m').map_or("", |m| &rest[i + m + 1..]);
    }
    plain.push_str(rest);
    unicode_width::UnicodeWidthStr::width(plain.as_str())
}

/// The width of each column, header included.
fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    let n = rows.first().map_or(0, Vec::len);
    (0..n)
        .map(|i| rows.iter().map(|r| cells(&r[i])).max().unwrap_or(0))
        .collect()
}

/// The longest line [`write_rows`] makes of columns this wide: all but the last are padded.
fn line_width(w: &[usize]) -> usize {
    let last = w.len().saturating_sub(1);
    w.iter()
        .enumerate()
        .map(|(i, &w)| match i == last {
            true => w,
            false => w.max(MIN_WIDTH) + PADDING,
        })
        .sum()
}

/// The header and `body`, fitted to `width` cells as kubectl narrows its tables: first
/// EXPIRES goes (RESIDUAL TIME says it in the terms that matter) and the headers shorten,
/// then the widest names are cut with `…`. STATUS and CHAIN always stay: a problem must
/// stay visible. `None`, or a table that fits, keeps every column as it is.
fn fit(columns: &[Column], body: Vec<Vec<String>>, width: Option<usize>) -> Vec<Vec<String>> {
    let header = |short: bool| -> Vec<String> {
        columns
            .iter()
            .map(|c| if short { c.1 } else { c.0 }.to_string())
            .collect()
    };
    let mut rows = vec![header(false)];
    rows.extend(body);
    let Some(width) = width else {
        return rows;
    };
    if line_width(&widths(&rows)) <= width {
        return rows;
    }
    rows[0] = header(true);
    let kept: Vec<&Column> = columns.iter().filter(|c| c.2 != Fit::Drop).collect();
    for row in &mut rows {
        let cells = std::mem::take(row);
        *row = cells
            .into_iter()
            .zip(columns)
            .filter(|(_, c)| c.2 != Fit::Drop)
            .map(|(cell, _)| cell)
            .collect();
    }
    // The widest name gives first, down to the next widest, so names shrink evenly.
    let natural = widths(&rows);
    let mut w = natural.clone();
    loop {
        let excess = line_width(&w).saturating_sub(width);
        let mut names: Vec<usize> = (0..kept.len())
            .filter(|&i| kept[i].2 == Fit::Elide && w[i] > MIN_NAME)
            .collect();
        names.sort_by_key(|&i| std::cmp::Reverse(w[i]));
        let (true, Some(&i)) = (excess > 0, names.first()) else {
            break;
        };
        let next = names.get(1).map_or(MIN_NAME, |&j| w[j]).max(MIN_NAME);
        w[i] = w[i].saturating_sub(excess).max(next).min(w[i] - 1);
    }
    for (i, (&want, &had)) in w.iter().zip(&natural).enumerate() {
        if want < had {
            for row in rows.iter_mut().skip(1) {
                row[i] = elide(&row[i], want);
            }
        }
    }
    rows
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

/// How the table is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableStyle {
    /// ANSI colours by meaning.
    pub color: bool,
    /// Fit this many cells: drop EXPIRES, shorten headers, elide names with `…`; `None` keeps
    /// every column at full width (for scripts and `-o wide`).
    pub width: Option<usize>,
}

/// The whole report as text.
pub fn render_table(inv: &Inventory, style: &TableStyle) -> String {
    let p = Paint(style.color);
    let health = inv.healths();
    let mut out = String::new();
    // The node's distribution first: what the names below and their renewal follow.
    if !inv.certs.is_empty() {
        let _ = writeln!(out, "Distribution: {}\n", inv.distribution.describe());
    }
    let visible: Vec<CertId> = (0..inv.certs.len())
        .filter(|&i| !inv.certs[i].superseded && inv.certs[i].copy_of.is_none())
        .collect();
    let copies = inv.certs.iter().filter(|c| c.copy_of.is_some()).count();
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
        let columns = [NAME, EXPIRES, RESIDUAL, AUTHORITY, STATUS, CHAIN];
        let body = leaves
            .iter()
            .map(|&i| row(inv, &inv.certs[i], health[i], &p, true));
        write_rows(&mut out, &fit(&columns, body.collect(), style.width));
    }
    if !cas.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        let columns = [CA_NAME, EXPIRES, RESIDUAL, STATUS, CHAIN];
        let mut cas = cas;
        cas.sort_by_key(|&i| inv.label(&inv.certs[i]));
        let body = cas
            .iter()
            .map(|&i| row(inv, &inv.certs[i], health[i], &p, false));
        write_rows(&mut out, &fit(&columns, body.collect(), style.width));
    }
    if inv.certs.is_empty() {
        out.push_str("No certificates found under ");
        let roots: Vec<String> = inv.roots.iter().map(|r| r.display().to_string()).collect();
        out.push_str(&roots.join(", "));
        out.push('\n');
    }
    let superseded = inv.certs.len() - visible.len() - copies;
    if copies > 0 {
        let _ = writeln!(
            out,
            "\n({copies} copies of CA certificates inside other files not shown; JSON lists them with copy_of)"
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Vec<Vec<String>> {
        [
            [
                "apiserver-kubelet-client",
                "Aug 21, 2025 10:09 UTC",
                "51d",
                "ca",
                "ok",
                "verified",
            ],
            [
                "var/lib/kubelet/pki/kubelet-client-current.pem",
                "Aug 21, 2025 10:09 UTC",
                "5d",
                "kubernetes-intermediate-ca",
                "critical",
                "unknown_issuer",
            ],
        ]
        .map(|r| r.map(String::from).to_vec())
        .to_vec()
    }

    fn columns() -> [Column; 6] {
        [NAME, EXPIRES, RESIDUAL, AUTHORITY, STATUS, CHAIN]
    }

    fn text(rows: &[Vec<String>]) -> String {
        let mut out = String::new();
        write_rows(&mut out, rows);
        out
    }

    #[test]
    fn without_a_width_every_column_stays_whole() {
        let rows = fit(&columns(), body(), None);
        assert_eq!(rows[0][1], "EXPIRES");
        assert_eq!(rows[2][0], "var/lib/kubelet/pki/kubelet-client-current.pem");
        assert!(text(&rows).lines().all(|l| cells(l) > 80));
        assert_eq!(
            fit(&columns(), body(), Some(200)),
            rows,
            "it fits: unchanged"
        );
    }

    #[test]
    fn a_narrow_terminal_loses_expires_and_name_tails_but_never_a_problem() {
        // 66 is as narrow as these rows go: names at their shortest, problems whole.
        for width in [80, 66, 40] {
            let rows = fit(&columns(), body(), Some(width));
            let out = text(&rows);
            assert!(
                out.lines().all(|l| cells(l) <= width.max(66)),
                "{width}:\n{out}"
            );
            assert_eq!(
                rows[0],
                ["CERTIFICATE", "RESIDUAL", "CA", "STATUS", "CHAIN"]
            );
            assert_eq!(rows[2][3..], ["critical", "unknown_issuer"], "{out}");
            assert!(rows[2][0].starts_with('…') && rows[2][0].ends_with("current.pem"));
            assert!(out.contains("apiserver-"), "{out}");
        }
    }
}
