//! The tokens tab: bootstrap-token Secrets as `kubeadm token list` shows them (never the
//! secret), expiry coloured like certificates, and the CSRs each token's identity requested;
//! the selected token's details below.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use super::csr::no_cluster;
use super::csr_table::{draw_table, total};
use super::details::{scrolled_pane, Out};
use super::message;
use super::rows::pane_block;
use crate::cluster::doctor::TokenReport;
use crate::cluster::doctor_text::{severity_glyph, status_cell, token_row, usages, TOKEN_HEADERS};
use crate::pki::format::datetime;
use crate::pki::Severity;
use crate::tui::app::{App, Focus};
use crate::tui::status::Tone;

pub use super::csr::{list_rows, split, stacked};

const TITLE: &str = " Bootstrap tokens ";
const DESCRIPTION: usize = 1;
const USAGES: usize = 4;
const GROUPS: usize = 5;
/// Cut first, each down to 8 cells: the details pane shows them whole.
const SHRINKABLE: [usize; 3] = [GROUPS, DESCRIPTION, USAGES];
const FLOOR: usize = 8;

/// The tone a token's expiry is drawn in (grey for a token that never expires).
fn tone(t: &TokenReport) -> Tone {
    t.status.map_or(Tone::Unknown, Tone::from)
}

fn cells(app: &App, t: &TokenReport) -> Vec<(String, Style)> {
    let th = &app.theme;
    let tone = th.tone(tone(t));
    let bad_groups = t.token.defects.iter().any(|d| d.contains("extra group"));
    let pending = t.csrs.iter().any(|c| c.pending);
    let styles = [
        th.heading(),
        Style::new(),
        tone,
        tone,
        Style::new(),
        if bad_groups {
            th.danger()
        } else {
            Style::new()
        },
        if pending { th.accent() } else { th.muted() },
    ];
    token_row(t).into_iter().zip(styles).collect()
}

/// Column widths for `room` cells (0: hidden): natural; then the long text columns cut to
/// their floor; then USAGES hidden (the details pane has it) and its room given back; on a
/// narrow terminal then DESCRIPTION and GROUPS too, so that CSRs is never cut.
pub fn fit(rows: &[Vec<(String, Style)>], room: usize) -> [usize; 7] {
    let mut natural = TOKEN_HEADERS.map(|h| h.width());
    for r in rows {
        for (w, (c, _)) in natural.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let mut w = natural;
    let shrink = |w: &mut [usize; 7]| {
        while total(w) > room {
            let Some(&i) = SHRINKABLE
                .iter()
                .filter(|&&i| w[i] > FLOOR)
                .max_by_key(|&&i| w[i])
            else {
                break;
            };
            w[i] -= 1;
        }
    };
    shrink(&mut w);
    for hide in [USAGES, DESCRIPTION, GROUPS] {
        if total(&w) <= room {
            break;
        }
        natural[hide] = 0;
        w = natural;
        shrink(&mut w);
    }
    w
}

pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    let tab = &app.tokens;
    let t = &app.theme;
    if let Some(lines) = no_cluster(app) {
        return message(app, TITLE, body, buf, lines);
    }
    let waiting = |s: String| vec![Line::styled(s, t.muted())];
    let report = match &tab.report {
        Some(r) => r,
        None if !app.csr.loaded && app.csr.failure.is_some() => {
            let s = "No tokens yet: the cluster cannot be reached (see above).".to_string();
            return message(app, TITLE, body, buf, waiting(s));
        }
        None => {
            let s = match &tab.error {
                Some(e) => format!("Cannot read the bootstrap tokens: {e}"),
                None => "Reading bootstrap tokens…".into(),
            };
            return message(app, TITLE, body, buf, waiting(s));
        }
    };
    let tokens = match &report.tokens {
        Ok(v) if v.is_empty() => {
            let s = "No bootstrap tokens in kube-system: nodes cannot join with a token now (kubeadm token create makes one).";
            return message(app, TITLE, body, buf, waiting(s.into()));
        }
        Ok(v) => v,
        Err(e) => {
            let lines = vec![Line::styled(format!("? {e}"), t.tone(Tone::Unknown))];
            return message(app, TITLE, body, buf, lines);
        }
    };
    let (list, details) = split(body, tokens.len());
    let focused = tab.focus == Focus::Details;
    if stacked(body) || !focused {
        table(app, tokens, list, buf);
    }
    if stacked(body) || focused {
        let lines = details_lines(app, details.width);
        scrolled_pane(app, &lines, tab.details_scroll, focused, details, buf);
    }
}

fn table(app: &App, tokens: &[TokenReport], area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let tab = &app.tokens;
    let mut block = pane_block(
        app,
        Line::styled(TITLE, t.heading()),
        tab.focus == Focus::Tree,
    );
    let pos = format!(" {}/{} ", tab.list.index + 1, tokens.len());
    block = block.title_bottom(Line::styled(pos, t.muted()).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 2 {
        return;
    }
    let rows: Vec<Vec<(String, Style)>> = tokens.iter().map(|tok| cells(app, tok)).collect();
    let widths = fit(&rows, usize::from(inner.width));
    let cursor = (tab.list.index, tab.list.offset);
    draw_table(app, &widths, &TOKEN_HEADERS, &rows, cursor, inner, buf);
}

const LABEL: usize = 13;

/// The selected token's details, wrapped to a pane `width` cells wide.
pub fn details_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let mut out = Out::new(app, width, LABEL);
    let Some(tok) = app.tokens.selected() else {
        return out.lines;
    };
    let t = &app.theme;
    let tone = tone(tok);
    out.title(format!("Token {}", tok.token.id), Some(&status_cell(tok)));
    let findings: Vec<_> = app
        .tokens
        .report
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.token.as_deref() == Some(tok.token.id.as_str()))
        .collect();
    for f in &findings {
        let style = match f.severity {
            Severity::Error => t.tone(Tone::Expired),
            _ => t.tone(Tone::Warning),
        };
        out.text(
            &format!("{} {}", severity_glyph(Some(f.severity)), f.message),
            style,
        );
    }
    out.field(
        "Secret",
        &format!("kube-system/{}", tok.token.secret_name),
        Style::new(),
    );
    out.field(
        "Description",
        tok.token.description.as_deref().unwrap_or("<none>"),
        Style::new(),
    );
    let expires = match tok.token.expiration {
        Some(e) => format!("{} ({})", datetime(e), tok.expires_in),
        None => "never".into(),
    };
    out.field("Expires", &expires, t.tone(tone));
    out.field("Usages", &usages(tok), Style::new());
    out.field("User", &tok.token.username(), Style::new());
    for (i, g) in tok.token.groups().iter().enumerate() {
        out.field(if i == 0 { "Groups" } else { "" }, g, Style::new());
    }
    let (tone, auto) = match tok.auto_approved {
        Some(true) => (Tone::Ok, "✓ first client certificates are approved automatically"),
        Some(false) => (Tone::Warning, "✗ not approved automatically: no binding grants its groups create on certificatesigningrequests/nodeclient"),
        None => (Tone::Unknown, "? unknown: RBAC could not be read"),
    };
    out.field("Auto-approve", auto, t.tone(tone));
    out.heading(&format!("CSRs from {}", tok.token.username()));
    if tok.csrs.is_empty() {
        out.item(
            "none listed now (the cluster deletes settled CSRs after an hour)",
            t.muted(),
        );
    }
    for c in &tok.csrs {
        let age = c
            .created
            .map(|t| crate::pki::format::human_duration((app.now - t).num_seconds()))
            .unwrap_or_else(|| "<unknown>".into());
        let style = if c.pending { t.accent() } else { Style::new() };
        out.item(&format!("{}  {}  {age}", c.name, c.condition), style);
    }
    out.lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_columns_are_cut_down_to_their_floor_and_no_further() {
        let row = |d: &str, g: &str| -> Vec<(String, Style)> {
            [
                "abcdef",
                d,
                "expired 2h ago",
                "✗ expired",
                "authentication,signing",
                g,
                "1 (1 pending)",
            ]
            .iter()
            .map(|s| (s.to_string(), Style::new()))
            .collect()
        };
        let rows = vec![row(&"d".repeat(56), &"g".repeat(47))];
        let w = fit(&rows, 100);
        assert!(total(&w) <= 100, "{w:?}");
        assert_eq!(w[0], 6);
        assert_eq!(w[2], "expired 2h ago".len());
        assert!(w[USAGES] >= FLOOR, "room for usages at 100: {w:?}");
        let w = fit(&rows, 72);
        assert!(total(&w) <= 72, "{w:?}");
        assert_eq!(
            w[USAGES], 0,
            "hidden before anything else is cut too far: {w:?}"
        );
        assert_eq!(w[6], "1 (1 pending)".len(), "CSRs is never cut");
        let w = fit(&rows, 58);
        assert_eq!((w[DESCRIPTION], w[USAGES]), (0, 0), "60 columns: {w:?}");
        assert_eq!(w[6], "1 (1 pending)".len(), "CSRs is never cut");
        let w = fit(&rows, 10);
        assert_eq!((w[DESCRIPTION], w[GROUPS], w[USAGES]), (0, 0, 0));
        assert_eq!(fit(&rows, 400)[GROUPS], 47);
    }
}
