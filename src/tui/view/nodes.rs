//! The nodes tab: one row per node, worst first (the cells of `kcert fleet`'s table), and
//! below it what the selected node's row cannot hold: its pod, why it could not be read.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::UnicodeWidthStr;

use super::csr_table::draw_table;
use super::message;
use super::rows::pane_block;
use crate::fleet::output::{cells, HEADER};
use crate::fleet::{NodeRow, NodeState};
use crate::pki::Health;
use crate::tui::app::{App, FleetState};
use crate::tui::status::Tone;

const TITLE: &str = " Nodes ";
/// Rows of the box under the list: its border and two lines.
const DETAILS: u16 = 4;
/// As `draw_cells` spaces columns.
const GAP: usize = 2;
/// Dropped first when the terminal is narrow: DISTRO, ROLE, AGE, PROBLEMS (the NOTE is
/// shown below the list, never in it).
const DROP: [usize; 4] = [2, 1, 7, 6];
const NOTE: usize = 8;
const SOONEST: usize = 4;

/// Rows of the list in `body`.
pub fn list_rows(body: Rect) -> usize {
    usize::from(body.height.saturating_sub(DETAILS + 3))
}

fn tone(row: &NodeRow) -> Tone {
    match &row.state {
        NodeState::Reported { summary } => match summary.health {
            Health::Critical => Tone::Expired,
            Health::Warning => Tone::Warning,
            Health::Ok => Tone::Ok,
        },
        NodeState::Unreachable { .. } | NodeState::NotCovered => Tone::Warning,
        NodeState::Fetching => Tone::Unknown,
    }
}

fn styled_row(app: &App, row: &NodeRow) -> Vec<(String, Style)> {
    let t = &app.theme;
    let tone = t.tone(tone(row));
    cells(row, app.now)
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let style = match i {
                0 => t.heading(),
                3 => tone,
                4 | 5 => tone,
                _ => Style::new(),
            };
            let c = if i == 3 {
                format!("{} {c}", self::tone(row).glyph())
            } else {
                c
            };
            (c, style)
        })
        .collect()
}

/// Natural widths, then columns dropped in [`DROP`] order until the rest fit.
fn fit(rows: &[Vec<(String, Style)>], room: usize) -> [usize; 9] {
    let mut w = HEADER.map(|h| h.width());
    for r in rows {
        for (w, (c, _)) in w.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    w[NOTE] = 0;
    let total = |w: &[usize; 9]| {
        let shown = w.iter().filter(|x| **x > 0).count();
        w.iter().sum::<usize>() + GAP * shown.saturating_sub(1)
    };
    for i in DROP {
        if total(&w) <= room {
            break;
        }
        w[i] = 0;
    }
    // Then SOONEST gives way (cut with …), down to a few cells: EXPIRES says more.
    while total(&w) > room && w[SOONEST] > 8 {
        w[SOONEST] -= 1;
    }
    w
}

pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    let tab = &app.nodes;
    let t = &app.theme;
    let waiting = |s: &str| vec![Line::styled(s.to_string(), t.muted())];
    if !tab.enabled {
        let lines = waiting(
            "No cluster: kcert needs a kubeconfig (--kubeconfig) to list the nodes' kcert pods.",
        );
        return message(app, TITLE, body, buf, lines);
    }
    match &tab.state {
        FleetState::Failed(why) => {
            let lines = vec![
                Line::styled("Cannot read the fleet", t.danger()),
                Line::raw(""),
                Line::raw(why.clone()),
                Line::raw(""),
                Line::styled("Ctrl-R to try again.", t.muted()),
            ];
            return message(app, TITLE, body, buf, lines);
        }
        FleetState::Idle | FleetState::Listing => {
            return message(app, TITLE, body, buf, waiting("Listing the kcert pods…"));
        }
        FleetState::Fetching | FleetState::Done => {}
    }
    let [list, details] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(DETAILS)]).areas(body);
    let fetching = tab
        .rows
        .iter()
        .filter(|r| matches!(r.state, NodeState::Fetching))
        .count();
    let mut title = vec![Span::styled(TITLE, t.heading())];
    if fetching > 0 {
        title.push(Span::styled(format!("[fetching {fetching}] "), t.accent()));
    }
    let block = pane_block(app, Line::from(title), true).title_bottom(
        Line::styled(
            format!(" {}/{} ", tab.list.index + 1, tab.rows.len()),
            t.muted(),
        )
        .right_aligned(),
    );
    let inner = block.inner(list);
    block.render(list, buf);
    if inner.height < 2 {
        return;
    }
    let rows: Vec<Vec<(String, Style)>> = tab.rows.iter().map(|r| styled_row(app, r)).collect();
    let widths = fit(&rows, usize::from(inner.width));
    let cursor = (tab.list.index, tab.list.offset);
    draw_table(app, &widths, &HEADER, &rows, cursor, inner, buf);
    selected(app, details, buf);
}

/// The selected node in two lines: pod and what to do.
fn selected(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let block = pane_block(app, Line::styled(" Node ", t.heading()), false);
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(row) = app.nodes.selected() else {
        return;
    };
    let pod = row
        .pod
        .as_deref()
        .map_or("no kcert pod".to_string(), |p| format!("pod {p}"));
    let (line, style) = match &row.state {
        NodeState::Reported { summary } => {
            let soonest = summary
                .soonest
                .as_ref()
                .map(|s| {
                    let left = crate::pki::format::residual(s.not_after, app.now);
                    format!("; first to end: {}, {left}", s.name)
                })
                .unwrap_or_default();
            let text = format!("{} certificates{soonest}", summary.certificates);
            (text, Style::new())
        }
        NodeState::Unreachable { error } => (error.clone(), t.tone(Tone::Warning)),
        NodeState::NotCovered => (
            "No kcert pod runs here: a taint the DaemonSet does not tolerate, or a node selector."
                .to_string(),
            t.tone(Tone::Warning),
        ),
        NodeState::Fetching => ("Fetching its report…".into(), t.muted()),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(row.node.clone(), t.heading()),
        Span::raw("  "),
        Span::styled(pod, t.muted()),
    ])];
    lines.push(Line::styled(line, style));
    if let Some(note) = &app.nodes.note {
        lines.push(Line::styled(format!("Nodes not listed: {note}"), t.muted()));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(inner, buf);
}
