//! The doctor's report in words: the full text (`kcert csr doctor`, the TUI's `D` overlay)
//! and a one-line summary for the CSR tab's banner. Every state carries a glyph and a word,
//! so nothing depends on colour.

use super::doctor::{PathCheck, PathState, Report, ServingCheck, TokenReport};
use crate::pki::format::Columns;
use crate::pki::{Severity, Status};

/// `✓`, `!`, `✗`.
pub fn severity_glyph(s: Option<Severity>) -> char {
    match s {
        None | Some(Severity::Info) => '✓',
        Some(Severity::Warning) => '!',
        Some(Severity::Error) => '✗',
    }
}

fn path_glyph(p: &PathCheck) -> char {
    match p.state {
        PathState::Works { .. } => '✓',
        PathState::Missing { .. } => '✗',
        PathState::Unknown { .. } => '?',
    }
}

/// How the serving path reads: approver found, or how many wait without one.
pub fn serving_words(s: &ServingCheck) -> (Option<Severity>, String) {
    let waiting = match s.pending.len() {
        0 => "no kubelet-serving CSR is waiting".to_string(),
        1 => "1 kubelet-serving CSR is waiting".to_string(),
        n => format!("{n} kubelet-serving CSRs are waiting"),
    };
    match &s.approvers {
        Err(e) => (
            Some(Severity::Warning),
            format!("approver unknown ({e}); {waiting}"),
        ),
        Ok(a) if a.is_empty() => (
            (!s.pending.is_empty()).then_some(Severity::Warning),
            format!("no approver is installed (no kubelet-csr-approver, kubelet-rubber-stamp or kubelet-serving-cert-approver Deployment); {waiting}"),
        ),
        Ok(a) => {
            let names: Vec<String> = a
                .iter()
                .map(|a| format!("{}/{} ({})", a.namespace, a.name, a.image))
                .collect();
            (None, format!("approved by {}; {waiting}", names.join(", ")))
        }
    }
}

/// `kcert csr doctor`'s text.
pub fn text(r: &Report) -> String {
    let mut out = approval(r);
    out += "\nBootstrap tokens\n";
    match &r.tokens {
        Err(e) => out += &format!("? {e}\n"),
        Ok(t) if t.is_empty() => out += "  none in kube-system\n",
        Ok(t) => out += &token_table(t),
    }
    out + &findings(r)
}

/// The three paths, each with its state and what to add.
pub fn approval(r: &Report) -> String {
    let mut out = String::from("Auto-approval of kubelet certificates\n\n");
    for p in [&r.bootstrap, &r.renewal] {
        let g = path_glyph(p);
        match &p.state {
            PathState::Works { bindings } => {
                out += &format!("{g} {}: automatic\n", p.title);
                out += &format!("    granted by {}\n", bindings.join(", "));
            }
            PathState::Missing { fixes } => {
                out += &format!("{g} {}: NOT automatic\n", p.title);
                for f in fixes {
                    out += &format!("    {}\n    add it: {}\n", f.why, f.command);
                }
            }
            PathState::Unknown { reason } => {
                out += &format!("{g} {}: unknown\n    {reason}\n", p.title);
            }
        }
    }
    let (sev, words) = serving_words(&r.serving);
    out += &format!(
        "{} Serving certificates (kubelet-serving): never approved by Kubernetes itself; {words}\n",
        severity_glyph(sev)
    );
    for name in &r.serving.pending {
        out += &format!("    waiting: {name}\n");
    }
    out
}

/// Every finding, worst first as found, with its glyph and word.
pub fn findings(r: &Report) -> String {
    if r.findings.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nFindings\n");
    for f in &r.findings {
        let word = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        out += &format!(
            "{} {word}: {}\n",
            severity_glyph(Some(f.severity)),
            f.message
        );
    }
    out
}

/// `authentication,signing` or `<none>`, as `kubeadm token list` writes usages.
pub fn usages(t: &TokenReport) -> String {
    if t.token.usages.is_empty() {
        "<none>".into()
    } else {
        t.token.usages.join(",")
    }
}

/// `1 (1 pending)`, `0`.
pub fn csr_count(t: &TokenReport) -> String {
    let pending = t.csrs.iter().filter(|c| c.pending).count();
    match (t.csrs.len(), pending) {
        (0, _) => "0".into(),
        (n, 0) => n.to_string(),
        (n, p) => format!("{n} ({p} pending)"),
    }
}

/// The tokens table's columns, as `kcert csr doctor` and the tokens tab show them.
pub const TOKEN_HEADERS: [&str; 7] = [
    "ID",
    "DESCRIPTION",
    "EXPIRES",
    "STATUS",
    "USAGES",
    "GROUPS",
    "CSRs",
];

/// `✗ expired`, `‼ critical`, `✓ ok`; `– never` for a token without expiry.
pub fn status_cell(t: &TokenReport) -> String {
    match t.status {
        Some(s) => format!("{} {}", status_glyph(s), s.as_str()),
        None => "– never".into(),
    }
}

/// The glyph the certificates' statuses use.
fn status_glyph(s: Status) -> char {
    match s {
        Status::Ok => '✓',
        Status::Warning => '!',
        Status::Critical => '‼',
        Status::Expired => '✗',
        Status::NotYetValid => '◷',
    }
}

/// One token's cells in [`TOKEN_HEADERS`] order.
pub fn token_row(t: &TokenReport) -> [String; 7] {
    [
        t.token.id.clone(),
        t.token
            .description
            .clone()
            .unwrap_or_else(|| "<none>".into()),
        t.expires_in.clone(),
        status_cell(t),
        usages(t),
        if t.token.extra_groups.is_empty() {
            "<none>".into()
        } else {
            t.token.extra_groups.join(",")
        },
        csr_count(t),
    ]
}

/// Indented two cells under its heading.
fn token_table(tokens: &[TokenReport]) -> String {
    let mut columns = Columns::new(0);
    let indent = |mut row: [String; 7]| {
        row[0].insert_str(0, "  ");
        row
    };
    columns.row(indent(TOKEN_HEADERS.map(String::from)));
    for t in tokens {
        columns.row(indent(token_row(t)));
    }
    columns.finish()
}

/// One line for the CSR tab's banner: each path with its glyph, then the token findings.
pub fn summary(r: &Report) -> String {
    let part = |name: &str, p: &PathCheck| match &p.state {
        PathState::Works { .. } => format!("{name} ✓"),
        PathState::Missing { fixes } => {
            let names: Vec<&str> = fixes.iter().map(|f| f.creates.as_str()).collect();
            format!("{name} ✗ needs {}", names.join(" + "))
        }
        PathState::Unknown { .. } => format!("{name} ? (RBAC unreadable)"),
    };
    let serving = match (&r.serving.approvers, r.serving.pending.len()) {
        (Ok(a), n) if !a.is_empty() => format!("serving ✓ approver {} ({n} waiting)", a[0].name),
        (Ok(_), 0) => "serving: no approver, none waiting".to_string(),
        (Ok(_), n) => format!("serving ! no approver, {n} waiting"),
        (Err(_), n) => format!("serving ? ({n} waiting)"),
    };
    let mut s = format!(
        "Auto-approval: {}  {}  {serving}",
        part("bootstrap", &r.bootstrap),
        part("renewal", &r.renewal)
    );
    let token_problems = r.findings.iter().filter(|f| f.token.is_some()).count();
    if token_problems > 0 {
        s += &format!(
            "  tokens {} {token_problems} problem{}",
            severity_glyph(
                r.findings
                    .iter()
                    .filter(|f| f.token.is_some())
                    .map(|f| f.severity)
                    .max()
            ),
            if token_problems == 1 { "" } else { "s" }
        );
    }
    s
}
