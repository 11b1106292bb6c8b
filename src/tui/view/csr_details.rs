//! Everything about the selected CSR, pre-wrapped so `update` knows how far it scrolls: the
//! verdict with every check, the decoded PKCS#10 request, the spec, the conditions and the
//! issued certificate. Privileged groups and claimed identities are marked `‼` and drawn in
//! the danger style.

use ratatui::style::Style;
use ratatui::text::Line;

use super::details::Out;
use crate::cluster::rules::is_privileged_group;
use crate::cluster::{CsrView, Outcome};
use crate::pki::format::datetime;
use crate::tui::app::App;
use crate::tui::csr_text::{
    cannot_approve, check_line, checks_in_order, condition_line, verdict_summary, verdict_tone,
};
use crate::tui::status::Tone;

const LABEL: usize = 11;

/// Rules whose failure means the request claims an identity that is not the requestor's.
const IDENTITY_RULES: [&str; 3] = ["impersonation", "identity", "cn"];

/// The pane's content for a pane `width` cells wide (borders included).
pub fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let mut out = Out::new(app, width, LABEL);
    let Some(v) = app.csr.selected() else {
        return out.lines;
    };
    let t = &app.theme;
    out.title(v.name.clone(), Some(&v.condition));
    if let Some(why) = cannot_approve(v) {
        out.text(&why, t.tone(Tone::Expired));
    }
    verdict(&mut out, v);
    request(&mut out, v);
    spec(&mut out, v);
    conditions(&mut out, v);
    certificate(&mut out, v);
    out.lines
}

fn verdict(out: &mut Out, v: &CsrView) {
    let t = out.app.theme;
    let style = t.tone(verdict_tone(&v.verdict));
    out.field("Verdict", &verdict_summary(&v.verdict), style);
    for c in checks_in_order(&v.verdict) {
        let (tone, text) = check_line(c);
        let style = if c.danger && c.outcome == Outcome::Fail {
            t.danger()
        } else {
            t.tone(tone)
        };
        out.item(&text, style);
    }
}

fn request(out: &mut Out, v: &CsrView) {
    let t = out.app.theme;
    out.heading("Request (PKCS#10)");
    let r = match v.request.as_ref() {
        Ok(r) => r,
        Err(e) => {
            out.field("", &format!("✗ cannot be read: {e}"), t.danger());
            return;
        }
    };
    out.field("Subject", &r.subject, Style::new());
    let claimed = v
        .verdict
        .failures()
        .find(|c| c.danger && IDENTITY_RULES.contains(&c.rule));
    let cn = r.common_name.as_deref().unwrap_or("(none)");
    match claimed {
        Some(c) if c.rule == "impersonation" => out.field(
            "CN",
            &format!("‼ {cn}: impersonates a system identity"),
            t.danger(),
        ),
        Some(_) => out.field(
            "CN",
            &format!("‼ {cn}: not the requestor's identity"),
            t.danger(),
        ),
        None => out.field("CN", cn, Style::new()),
    }
    if r.organizations.is_empty() {
        out.field("Groups (O)", "none", t.muted());
    }
    for (i, org) in r.organizations.iter().enumerate() {
        let label = if i == 0 { "Groups (O)" } else { "" };
        if is_privileged_group(org) {
            let text = format!("‼ {org}: privileged, full cluster admin");
            out.field(label, &text, t.danger());
        } else {
            out.field(label, org, Style::new());
        }
    }
    let sans = r.sans();
    if sans.is_empty() {
        out.field("SANs", "none", t.muted());
    }
    for (i, san) in sans.iter().enumerate() {
        out.field(if i == 0 { "SANs" } else { "" }, san, Style::new());
    }
    out.field("Key", &r.key_algorithm.to_string(), Style::new());
    match &r.signature {
        Ok(()) => out.field(
            "Signature",
            &format!("✓ verifies ({})", r.signature_algorithm),
            t.tone(Tone::Ok),
        ),
        Err(e) => out.field("Signature", &format!("‼ {e}"), t.danger()),
    }
}

fn spec(out: &mut Out, v: &CsrView) {
    let t = out.app.theme;
    let now = out.app.now;
    out.heading("Spec");
    out.field("Requestor", &v.requestor, Style::new());
    out.field("Signer", v.signer_column(), Style::new());
    list(out, "Groups", &v.groups);
    if v.extra.is_empty() {
        out.field("Extra", "none", t.muted());
    }
    for (i, (k, vals)) in v.extra.iter().enumerate() {
        let label = if i == 0 { "Extra" } else { "" };
        out.field(label, &format!("{k}: {}", vals.join(", ")), Style::new());
    }
    let usages = if v.usages.is_empty() {
        "none".to_string()
    } else {
        v.usages.join(", ")
    };
    out.field("Usages", &usages, Style::new());
    let duration = match v.expiration_seconds {
        Some(_) => v.requested_duration(),
        None => "none requested (the signer's default)".into(),
    };
    out.field("Duration", &duration, Style::new());
    let created = match v.created {
        Some(c) => format!("{} ({} ago)", datetime(c), v.age(now)),
        None => "<unknown>".into(),
    };
    out.field("Created", &created, Style::new());
}

fn list(out: &mut Out, label: &str, items: &[String]) {
    if items.is_empty() {
        out.field(label, "none", out.app.theme.muted());
    }
    for (i, item) in items.iter().enumerate() {
        out.field(if i == 0 { label } else { "" }, item, Style::new());
    }
}

fn conditions(out: &mut Out, v: &CsrView) {
    let t = out.app.theme;
    out.heading("Conditions");
    if v.conditions.is_empty() {
        out.item("none: Pending, waiting for an approver", t.accent());
    }
    for c in &v.conditions {
        let (tone, text) = condition_line(c);
        out.item(&text, t.tone(tone));
    }
}

fn certificate(out: &mut Out, v: &CsrView) {
    let t = out.app.theme;
    out.heading("Issued certificate");
    let c = match &v.certificate {
        None if v.is_approved() => {
            out.item("not issued yet: the signer has not answered", t.muted());
            return;
        }
        None => {
            out.item("none", t.muted());
            return;
        }
        Some(Err(e)) => {
            out.item(&format!("✗ cannot be read: {e}"), t.danger());
            return;
        }
        Some(Ok(c)) => c,
    };
    out.field("Subject", &c.subject, Style::new());
    out.field("Issuer", &c.issuer, Style::new());
    out.field("Serial", &c.serial, Style::new());
    out.field(
        "Valid",
        &format!("{} to", datetime(c.not_before)),
        Style::new(),
    );
    out.field("", &datetime(c.not_after).to_string(), Style::new());
    list(out, "SANs", &c.sans);
    if c.chain_len > 1 {
        out.field(
            "Chain",
            &format!("{} certificates (leaf first)", c.chain_len),
            Style::new(),
        );
    }
}
