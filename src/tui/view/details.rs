//! The details pane: everything about the selected row, pre-wrapped to the pane's width so that
//! `update` can know how far it scrolls.

use std::path::Path;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use unicode_width::UnicodeWidthStr;

use super::cells::{clip, wrap};
use super::rows::{pane_block, sa_name};
use super::show_path;
use crate::pki::format;
use crate::pki::{CertEntry, ChainVerdict, Origin, Problem, ProblemKind, Severity};
use crate::tui::app::{App, Focus, Loaded};
use crate::tui::status::{badge, served_tag, Tone};
use crate::tui::tree::Node;

const LABEL: usize = 9;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let lines = lines(app, area.width);
    let focused = app.pki.focus == Focus::Details;
    scrolled_pane(app, &lines, app.pki.details_scroll, focused, area, buf);
}

/// A bordered "Details" pane showing `lines` from `scroll`, with the position when they do not
/// all fit.
pub(super) fn scrolled_pane(
    app: &App,
    lines: &[Line],
    scroll: usize,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut block = pane_block(app, Line::styled(" Details ", app.theme.heading()), focused);
    if let Some(pos) = super::scroll_hint(scroll, area.height.saturating_sub(2), lines.len()) {
        block = block.title_bottom(Line::styled(pos, app.theme.muted()).right_aligned());
    }
    let inner = block.inner(area);
    block.render(area, buf);
    for (y, line) in (inner.y..inner.bottom()).zip(lines.iter().skip(scroll)) {
        buf.set_line(inner.x, y, line, inner.width);
    }
}

/// The pane's content for a pane `width` cells wide (borders included).
pub fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let mut out = Out::new(app, width, LABEL);
    let (Some(d), Some(node)) = (&app.pki.data, app.pki.selected()) else {
        return out.lines;
    };
    let problems = d.forest.problems(&d.inv, node);
    // Problems come right under the status line: they are why someone selects a row.
    match node {
        Node::Section(kind) => {
            out.title(kind.title().to_string(), None);
            out.text("Select an item to see its details.", app.theme.muted());
        }
        Node::Cert(id) => {
            let c = &d.inv.certs[id];
            cert_head(&mut out, d, id);
            super::wall::ca_lines(&mut out, d, id);
            runtime_lines(&mut out, d, id);
            out.problems(&problems, Some(c.origin.path()));
            cert_body(&mut out, d, id);
        }
        Node::ServiceAccount(i) => {
            service_account(&mut out, d, i);
            out.problems(&problems, None);
        }
        Node::Problem(i) => {
            let p = &d.inv.problems[i];
            out.title(show_path(app, &p.path), Some(p.kind.word()));
            out.problems(&problems, Some(&p.path));
        }
    }
    out.lines
}

/// Accumulates lines, wrapping values under a fixed-width label column.
pub(super) struct Out<'a> {
    pub lines: Vec<Line<'static>>,
    pub width: usize,
    pub app: &'a App,
    label: usize,
}

impl<'a> Out<'a> {
    /// For a pane `width` cells wide (borders included), labels `label` cells wide.
    pub fn new(app: &'a App, width: u16, label: usize) -> Out<'a> {
        Out {
            lines: Vec::new(),
            width: usize::from(width.saturating_sub(2)).max(label + 8),
            app,
            label,
        }
    }

    /// The name, then a tag (`CA`, the CSR's condition): what does not fit ends in `…`.
    pub fn title(&mut self, name: String, tag: Option<&str>) {
        let name = clip(&name, self.width);
        let room = self.width.saturating_sub(name.width());
        let mut spans = vec![Span::styled(name, self.app.theme.heading())];
        if let Some(tag) = tag.filter(|_| room > 3) {
            let tag = clip(&format!("  {tag}"), room);
            spans.push(Span::styled(tag, self.app.theme.muted()));
        }
        self.lines.push(Line::from(spans));
    }

    pub fn text(&mut self, s: &str, style: Style) {
        for chunk in wrap(s, self.width) {
            self.lines.push(Line::styled(chunk, style));
        }
    }

    /// `Label    value`, continuation lines indented under the value. A label as wide as
    /// the label column gets a row of its own, so it never runs into its value.
    pub fn field(&mut self, label: &str, value: &str, style: Style) {
        let w = self.label;
        let mut label = label;
        if label.width() >= w {
            self.heading(label);
            label = "";
        }
        let chunks = wrap(value, self.width - w);
        for (i, chunk) in chunks.into_iter().enumerate() {
            let l = if i == 0 { label } else { "" };
            self.lines.push(Line::from(vec![
                Span::styled(format!("{l:<w$}"), self.app.theme.label()),
                Span::styled(chunk, style),
            ]));
        }
    }

    /// `  text` wrapped with continuation lines indented two more.
    pub fn item(&mut self, text: &str, style: Style) {
        for (i, chunk) in wrap(text, self.width - 4).into_iter().enumerate() {
            let pad = if i == 0 { "  " } else { "    " };
            self.lines
                .push(Line::styled(format!("{pad}{chunk}"), style));
        }
    }

    pub fn heading(&mut self, s: &str) {
        self.lines
            .push(Line::styled(s.to_string(), self.app.theme.label()));
    }

    /// Each problem with its file, unless that is the file already shown above.
    fn problems(&mut self, problems: &[&Problem], own: Option<&Path>) {
        if problems.is_empty() {
            return;
        }
        self.heading("Problems");
        for p in problems {
            let (tone, word) = match p.severity {
                Severity::Error => (Tone::Expired, "error"),
                Severity::Warning => (Tone::Warning, "warning"),
                Severity::Info => (Tone::Unknown, "info"),
            };
            // Messages name files by absolute path; the roots are in the header already.
            let message = self
                .app
                .pki
                .data
                .iter()
                .flat_map(|d| &d.inv.roots)
                .fold(p.message.clone(), |m, root| {
                    m.replace(&format!("{}/", root.display()), "/")
                });
            let text = format!("{} {word}: {message}", tone.glyph());
            let style = self.app.theme.tone(tone);
            for chunk in wrap(&text, self.width - 2) {
                self.lines.push(Line::styled(format!("  {chunk}"), style));
            }
            if own == Some(p.path.as_path()) {
                continue;
            }
            let path = show_path(self.app, &p.path);
            for chunk in wrap(&path, self.width - 4) {
                self.lines
                    .push(Line::styled(format!("    {chunk}"), self.app.theme.muted()));
            }
        }
    }
}

/// Name, health and expiry: `Status ‼ critical: key does not match` above `Expires ✓ ok, 334d
/// left` when something other than expiry decides; one `Status` line when expiry does.
fn cert_head(out: &mut Out, d: &Loaded, id: usize) {
    let app = out.app;
    let t = &app.theme;
    let c = &d.inv.certs[id];
    out.title(c.display_name(), c.is_ca.then_some("CA"));
    let judged = d.forest.judge(&d.inv, id, app.now);
    let mut label = "Status";
    if let (true, Some(p)) = (judged.finding_decides(), judged.finding) {
        let tone = Tone::of(&judged);
        // The only expiry finding that decides over the clock is a CA's wall.
        let what = match p.kind {
            ProblemKind::Expiry => "CA ends within a year",
            kind => kind.word(),
        };
        let text = format!("{} {}: {what}", tone.glyph(), tone.word());
        out.field(label, &text, t.tone(tone));
        label = "Expires";
    }
    let tone = Tone::from(judged.status);
    let status = match tone {
        Tone::Expired => badge(c, app.now, tone, true),
        Tone::NotYetValid => format!("{}, {}", tone.word(), badge(c, app.now, tone, true)),
        _ => format!(
            "{} {}, {} left",
            tone.glyph(),
            tone.word(),
            format::compact((c.not_after - app.now).num_seconds())
        ),
    };
    out.field(label, &status, t.tone(tone));
}

/// Which components use the certificate and what their listeners serve, from the node's
/// manifests and the last probe; nothing without node configuration.
fn runtime_lines(out: &mut Out, d: &Loaded, id: usize) {
    let Some(f) = &d.findings else { return };
    let t = &out.app.theme;
    let users: Vec<String> = f
        .usage
        .of(id)
        .map(|u| format!("{} {}", u.component, u.flag))
        .collect();
    let unreferenced = f
        .usage
        .problems
        .iter()
        .any(|p| p.cert_id == Some(id) && p.kind == ProblemKind::Consumer);
    if users.is_empty() {
        let (text, style) = if unreferenced {
            (
                "no component on this node references it",
                t.tone(Tone::Warning),
            )
        } else {
            ("no component (none expected)", t.muted())
        };
        out.field("Used by", text, style);
    }
    for (i, u) in users.iter().enumerate() {
        out.field(if i == 0 { "Used by" } else { "" }, u, Style::new());
    }
    let Some(served) = &d.served else {
        if d.probing() && f.usage.of(id).any(|u| u.role.is_served()) {
            out.field("Served", "probing…", t.muted());
        }
        return;
    };
    for (i, r) in served.of(id).enumerate() {
        let tone = served_tag(r.state).map_or(Tone::Unknown, |(tone, _)| tone);
        let text = format!(
            "{} :{} — {}",
            r.endpoint.component,
            r.endpoint.addr.port(),
            r.state.describe()
        );
        out.field(if i == 0 { "Served" } else { "" }, &text, t.tone(tone));
    }
}

/// Everything else about a certificate: names, validity, key, files and chain.
fn cert_body(out: &mut Out, d: &Loaded, id: usize) {
    let app = out.app;
    let t = &app.theme;
    let c = &d.inv.certs[id];
    let tone = Tone::from(d.forest.judge(&d.inv, id, app.now).status);
    out.field("Subject", &c.subject, Style::new());
    out.field("Issuer", &c.issuer, Style::new());
    out.field("Serial", &c.serial, Style::new());
    out.field(
        "From",
        &format::datetime(c.not_before).to_string(),
        Style::new(),
    );
    out.field(
        "Until",
        &format::datetime(c.not_after).to_string(),
        Style::new(),
    );
    lifetime(out, c, tone);
    if c.sans.is_empty() {
        out.field("SANs", "none", t.muted());
    }
    for (i, san) in c.sans.iter().enumerate() {
        out.field(if i == 0 { "SANs" } else { "" }, san, Style::new());
    }
    let usages = if c.usages.is_empty() {
        "none".to_string()
    } else {
        c.usages.join(", ")
    };
    out.field("Usages", &usages, Style::new());
    out.field("Key", &c.key_algorithm.to_string(), Style::new());
    out.field("Signed", &c.signature_algorithm, Style::new());
    out.field("SHA-256", &c.sha256.to_string(), t.muted());
    if let Some(hash) = c.join_hash() {
        out.field("Join", &hash, t.muted());
    }

    out.heading("Files");
    out.field("  cert", &origin(app, &c.origin), Style::new());
    if let Some(target) = &c.symlink_target {
        out.field("  → link", &show_path(app, target), t.muted());
    }
    if c.superseded {
        out.field("", "superseded by kubelet-client-current.pem", t.muted());
    }
    if let Some(k) = c.key_id.and_then(|k| d.inv.keys.get(k)) {
        let (verdict, style) = match c.key_match {
            Some(true) => ("✓ matches", t.tone(Tone::Ok)),
            Some(false) => ("✗ does not match", t.danger()),
            None => ("? not compared", t.muted()),
        };
        out.field("  key", &origin(app, &k.origin), Style::new());
        out.field("", verdict, style);
    } else {
        out.field("  key", "none found", t.muted());
    }
    for (i, p) in c.referenced_by.iter().enumerate() {
        out.field(
            if i == 0 { "  used by" } else { "" },
            &show_path(app, p),
            Style::new(),
        );
    }
    if let Some(o) = c.copy_of.and_then(|o| d.inv.certs.get(o)) {
        out.field("  copy of", &origin(app, &o.origin), t.muted());
    }
    for (i, copy) in d.inv.copies_of(id).enumerate() {
        out.field(
            if i == 0 { "  copies" } else { "" },
            &origin(app, &d.inv.certs[copy].origin),
            t.muted(),
        );
    }
    if let Some(h) = crate::pki::distro::handover(&d.inv, id, app.now) {
        out.heading("Renewal");
        out.field(
            "",
            &format!("by {}: {}", h.distribution, h.why),
            Style::new(),
        );
        for (i, step) in h.steps.iter().enumerate() {
            out.field(if i == 0 { "  run" } else { "" }, step, t.accent());
        }
    }

    let path = d.inv.chain_path(id);
    let names: Vec<String> = path
        .iter()
        .map(|&i| d.inv.certs[i].display_name())
        .collect();
    let top = &d.inv.certs[*path.last().unwrap_or(&id)];
    let (verdict, style) = match (c.chain, top.chain) {
        (ChainVerdict::BadSignature, _) => ("✗ signature does not verify", t.danger()),
        (ChainVerdict::UnknownIssuer, _) => ("? issuer not found on disk", t.danger()),
        (_, ChainVerdict::UnknownIssuer) => ("? root's issuer not found", t.danger()),
        (_, ChainVerdict::BadSignature) => ("✗ a signature does not verify", t.danger()),
        _ if d.forest.marks[id].chain => ("✗ signatures verify; see problems", t.danger()),
        (ChainVerdict::SelfSigned, _) => ("✓ self-signed", t.tone(Tone::Ok)),
        _ => ("✓ verified", t.tone(Tone::Ok)),
    };
    out.field("Chain", &names.join(" → "), Style::new());
    out.field("", verdict, style);
}

/// `From`/`Until` as a bar: how much of the lifetime is used up.
fn lifetime(out: &mut Out, c: &CertEntry, tone: Tone) {
    let total = (c.not_after - c.not_before).num_seconds().max(1);
    let used = (out.app.now - c.not_before).num_seconds().clamp(0, total);
    let pct = used * 100 / total;
    let tail = format!(" {pct}% of {}", format::compact(total));
    let bar_w = out.width.saturating_sub(LABEL + tail.len()).min(24);
    let filled = (used as usize * bar_w).div_ceil(total as usize).min(bar_w);
    out.lines.push(Line::from(vec![
        Span::styled(format!("{:<LABEL$}", "Used"), out.app.theme.label()),
        Span::styled("█".repeat(filled), out.app.theme.tone(tone)),
        Span::styled("░".repeat(bar_w - filled), out.app.theme.muted()),
        Span::raw(tail),
    ]));
}

/// Where a certificate or key was read, relative to its scan root.
fn origin(app: &App, origin: &Origin) -> String {
    match origin {
        Origin::File { path, index: 0 } => show_path(app, path),
        Origin::File { path, index } => format!("{} #{}", show_path(app, path), index + 1),
        Origin::Kubeconfig {
            path, name, field, ..
        } => {
            format!("{} [{name}] {field}", show_path(app, path))
        }
    }
}

fn service_account(out: &mut Out, d: &Loaded, i: usize) {
    let app = out.app;
    let t = &app.theme;
    let sa = &d.inv.service_accounts[i];
    out.title(sa_name(d, i), Some("service-account signing keys"));
    let (text, style) = match sa.matches {
        Some(true) => ("✓ private and public key match", t.tone(Tone::Ok)),
        Some(false) => ("✗ private and public key do not match", t.danger()),
        None => ("? one of the pair is missing or unreadable", t.muted()),
    };
    out.field("Pair", text, style);
    for (label, k) in [("Private", sa.key_id), ("Public", sa.pub_id)] {
        match k.and_then(|k| d.inv.keys.get(k)) {
            Some(k) => {
                out.field(label, &show_path(app, k.origin.path()), Style::new());
                out.field("", &k.algorithm.to_string(), t.muted());
            }
            None => out.field(label, "not found", t.muted()),
        }
    }
}
