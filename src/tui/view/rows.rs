//! The tree pane: one line per visible row, drawn only for the rows on screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

use unicode_width::UnicodeWidthStr;

use super::cells::{clip, wrap};
use super::width;
use crate::pki::Severity;
use crate::tui::app::{App, Focus, Loaded};
use crate::tui::status::{badge, served_tag, Tone};
use crate::tui::tree::{Hidden, Node, Row};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(d) = &app.pki.data else { return };
    let mut block = pane_block(app, title(app), app.pki.focus == Focus::Tree);
    if !app.pki.rows.is_empty() {
        let pos = format!(" {}/{} ", app.pki.tree.index + 1, app.pki.rows.len());
        block = block.title_bottom(Line::styled(pos, app.theme.muted()).right_aligned());
    }
    let inner = block.inner(area);
    block.render(area, buf);
    if app.pki.rows.is_empty() {
        let text = empty_tree(app, d);
        for (y, chunk) in (inner.y..inner.bottom()).zip(wrap(&text, usize::from(inner.width))) {
            buf.set_line(
                inner.x,
                y,
                &Line::styled(chunk, app.theme.muted()),
                inner.width,
            );
        }
        return;
    }
    let visible: Vec<(usize, &Row)> = app
        .pki
        .rows
        .iter()
        .enumerate()
        .skip(app.pki.tree.offset)
        .take(usize::from(inner.height))
        .collect();
    // The status column is as wide as the widest badge on screen, so names line up; when that
    // leaves too little room for names, badges take their short form.
    let mut row_cells: Vec<Option<Cells>> = visible
        .iter()
        .map(|(_, r)| cells(app, d, r, true))
        .collect();
    if inner.width.saturating_sub(badge_width(&row_cells) + 1) < MIN_NAME_ROOM {
        row_cells = visible
            .iter()
            .map(|(_, r)| cells(app, d, r, false))
            .collect();
    }
    let badge_w = badge_width(&row_cells);
    for (y, ((i, row), cells)) in (inner.y..).zip(visible.into_iter().zip(row_cells)) {
        let line_area = Rect::new(inner.x, y, inner.width, 1);
        match cells {
            Some(c) => draw_row(app, row, c, badge_w, line_area, buf),
            None => draw_section(app, row, line_area, buf),
        }
        if i == app.pki.tree.index {
            buf.set_style(line_area, app.theme.selected());
        }
    }
}

/// Why the tree is empty: nothing scanned, nothing wrong (only problems shown), or nothing
/// matching the filter; each says what brings rows back.
fn empty_tree(app: &App, d: &Loaded) -> String {
    let v = &app.pki.view;
    if let Some(nothing) = d.inv.nothing_found() {
        return format!(
            "{}. kcert DIR... scans other directories.",
            capitalised(&nothing)
        );
    }
    match (v.filter.is_empty(), v.problems_only) {
        (true, true) => "No problems: everything is ok. p shows everything.".into(),
        (false, true) => format!(
            "No problem matches /{}. Esc clears the filter, p shows everything.",
            v.filter
        ),
        _ => format!("Nothing matches /{}. Esc clears the filter.", v.filter),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Cells the guides and a typical kubeadm name need beside the status column.
const MIN_NAME_ROOM: u16 = 28;

fn badge_width(cells: &[Option<Cells>]) -> u16 {
    cells
        .iter()
        .flatten()
        .map(|c| width(&Line::from(c.badge.clone())))
        .max()
        .unwrap_or(0)
}

/// Bordered pane with a thick, highlighted border when it has the keys.
pub(super) fn pane_block<'a>(app: &App, title: Line<'a>, focused: bool) -> Block<'a> {
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(app.theme.border(focused))
        .title(title)
}

fn title(app: &App) -> Line<'static> {
    let mut parts = vec![Span::styled(" Certificates ", app.theme.heading())];
    let mut flag = |s: String| parts.push(Span::styled(format!("[{s}] "), app.theme.accent()));
    if app.pki.view.problems_only {
        flag("problems only".into());
    }
    if app.pki.view.sort_by_expiry {
        flag("by expiry".into());
    }
    if !app.pki.view.filter.is_empty() {
        flag(format!("/{}", app.pki.view.filter));
    }
    Line::from(parts)
}

/// What a non-section row shows: status badge, name and trouble markers.
struct Cells {
    badge: Span<'static>,
    name: String,
    markers: Vec<Span<'static>>,
}

fn fold_glyph(row: &Row) -> &'static str {
    match (row.has_children, row.expanded) {
        (false, _) => "",
        (true, true) => "▾ ",
        (true, false) => "▸ ",
    }
}

fn draw_section(app: &App, row: &Row, area: Rect, buf: &mut Buffer) {
    let Node::Section(kind) = row.node else {
        return;
    };
    let h = app.theme.heading();
    let mut spans = vec![
        Span::styled(fold_glyph(row), h),
        Span::styled(kind.title(), h),
    ];
    if let Some(hidden) = row.hidden {
        spans.push(Span::raw("  "));
        spans.push(hidden_badge(app, hidden));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// `✗ 2 expired`: the worst state a fold hides and how many certificates are in it.
fn hidden_badge(app: &App, h: Hidden) -> Span<'static> {
    Span::styled(
        format!("{} {} {}", h.tone.glyph(), h.count, h.tone.word()),
        app.theme.tone(h.tone),
    )
}

fn cells(app: &App, d: &Loaded, row: &Row, long: bool) -> Option<Cells> {
    let t = &app.theme;
    let tagged =
        |tone: Tone, word: &str| Span::styled(format!("{} {word}", tone.glyph()), t.tone(tone));
    Some(match row.node {
        Node::Section(_) => return None,
        Node::Cert(id) => {
            let c = &d.inv.certs[id];
            let tone = d.forest.tone(&d.inv, id, app.now);
            let m = d.forest.marks[id];
            let mut markers = Vec::new();
            if m.chain {
                markers.push(Span::styled(" [chain]", t.danger()));
            }
            if m.key {
                markers.push(Span::styled(" [key]", t.danger()));
            }
            if c.superseded {
                markers.push(Span::styled(" (old)", t.muted()));
            }
            let served = d.served.as_ref().and_then(|s| s.worst(id));
            if let Some((tone, word)) = served.and_then(served_tag) {
                markers.push(Span::styled(format!(" {word}"), t.tone(tone)));
            }
            // Folded over something worse than itself: show that, not its own tick.
            let badge = match row.hidden {
                Some(h) if h.tone > tone => hidden_badge(app, h),
                _ => Span::styled(badge(c, app.now, tone, long), t.tone(tone)),
            };
            Cells {
                badge,
                name: c.display_name(),
                markers,
            }
        }
        Node::ServiceAccount(i) => {
            let sa = &d.inv.service_accounts[i];
            let (badge, markers) = match sa.matches {
                Some(true) => (tagged(Tone::Ok, "match"), Vec::new()),
                Some(false) => (
                    tagged(Tone::Expired, "mismatch"),
                    vec![Span::styled(" [key]", t.danger())],
                ),
                None => (tagged(Tone::Unknown, "incomplete"), Vec::new()),
            };
            Cells {
                badge,
                name: sa_name(d, i),
                markers,
            }
        }
        Node::Problem(i) => {
            let p = &d.inv.problems[i];
            let badge = match p.severity {
                Severity::Error => tagged(Tone::Expired, "error"),
                Severity::Warning => tagged(Tone::Warning, "warning"),
                Severity::Info => tagged(Tone::Unknown, "info"),
            };
            let name = p.path.file_name().map_or_else(
                || p.path.display().to_string(),
                |f| f.to_string_lossy().into(),
            );
            Cells {
                badge,
                name,
                markers: Vec::new(),
            }
        }
    })
}

fn draw_row(app: &App, row: &Row, c: Cells, badge_w: u16, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let mut prefix = String::new();
    for depth in 1..row.depth {
        let bar = depth < 64 && row.guides & (1 << depth) != 0;
        prefix.push_str(if bar { "│  " } else { "   " });
    }
    if row.depth > 0 {
        prefix.push_str(if row.last { "└─ " } else { "├─ " });
    }
    prefix.push_str(fold_glyph(row));

    let name_style = if row.matched { Style::new() } else { t.muted() };
    buf.set_line(
        area.x,
        area.y,
        &Line::from(c.badge),
        badge_w.min(area.width),
    );
    let x = area.x + badge_w + 1;
    let mark_line = Line::from(c.markers);
    let mark_w = width(&mark_line);
    let room = area.right().saturating_sub(x);
    // A name too long for the pane ends in `…`, keeping its markers in view.
    let name_room = usize::from(room.saturating_sub(mark_w)).saturating_sub(prefix.width());
    let tree_line = Line::from(vec![
        Span::styled(prefix, t.muted()),
        Span::styled(clip(&c.name, name_room), name_style),
    ]);
    let (end, _) = buf.set_line(x, area.y, &tree_line, room.saturating_sub(mark_w));
    if room > mark_w {
        buf.set_line(end, area.y, &mark_line, area.right().saturating_sub(end));
    }
}

/// `sa.key / sa.pub`, from whichever files were found.
pub(super) fn sa_name(d: &Loaded, i: usize) -> String {
    let sa = &d.inv.service_accounts[i];
    let name = |k: Option<usize>| {
        k.and_then(|k| d.inv.keys.get(k))
            .and_then(|k| k.origin.path().file_name())
            .map(|f| f.to_string_lossy().into_owned())
    };
    match (name(sa.key_id), name(sa.pub_id)) {
        (Some(a), Some(b)) => format!("{a} / {b}"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => "service-account keys".into(),
    }
}
