//! The help overlay, generated from the key table: every binding, grouped by where it works.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use super::cells::wrap;
use crate::tui::app::App;
use crate::tui::keymap::{self, keys_label};
use crate::tui::theme::Theme;

const KEYS_W: usize = 7;
const COLUMN_W: u16 = 37;

/// Where the overlay goes in a terminal of `size`.
fn frame(size: Rect) -> Rect {
    size.centered(
        Constraint::Length(size.width.saturating_sub(2).min(2 * COLUMN_W + 3)),
        Constraint::Length(size.height.saturating_sub(2)),
    )
}

/// All help lines as one list, each group under its title.
fn lines(t: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (ctx, bindings) in keymap::groups().into_iter().filter(|(c, _)| c.in_help()) {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(ctx.title().to_string(), t.heading()));
        for b in bindings {
            let desc_w = usize::from(COLUMN_W) - KEYS_W - 2;
            for (i, chunk) in wrap(b.help, desc_w).into_iter().enumerate() {
                let keys = if i == 0 {
                    keys_label(b.keys)
                } else {
                    String::new()
                };
                out.push(Line::from(vec![
                    Span::styled(format!(" {keys:<KEYS_W$} "), t.key()),
                    Span::raw(chunk),
                ]));
            }
        }
    }
    out
}

/// Two columns when the overlay is wide enough, split at a group boundary near the middle.
fn columns(t: &Theme, inner: Rect) -> Vec<Vec<Line<'static>>> {
    let all = lines(t);
    if inner.width < 2 * COLUMN_W + 1 {
        return vec![all];
    }
    // Split at the group boundary that makes the longer column shortest.
    let split = (0..all.len())
        .filter(|&i| all[i].spans.is_empty())
        .min_by_key(|&i| i.max(all.len() - i - 1))
        .unwrap_or(all.len());
    let mut left = all;
    let mut right = left.split_off(split);
    if right.first().is_some_and(|l| l.spans.is_empty()) {
        right.remove(0);
    }
    vec![left, right]
}

/// How far the help scrolls in a terminal of `size`.
pub fn max_scroll(size: Rect) -> usize {
    let inner = frame(size).inner(Margin::new(1, 1));
    let longest = columns(&Theme::mono(), inner)
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0);
    longest.saturating_sub(usize::from(inner.height))
}

pub fn render(app: &App, scroll: usize, size: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let area = frame(size);
    Clear.render(area, buf);
    let mut block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Line::styled(" Keys ", t.heading()))
        .title_bottom(Line::from(vec![
            Span::styled(" Esc", t.key()),
            Span::raw(" close  "),
            Span::styled("↑↓", t.key()),
            Span::raw(" scroll "),
        ]));
    let inner = block.inner(area);
    let cols = columns(t, inner);
    let longest = cols.iter().map(Vec::len).max().unwrap_or(0);
    if let Some(hint) = super::scroll_hint(scroll, inner.height, longest) {
        block = block.title_bottom(Line::styled(hint, t.muted()).right_aligned());
    }
    block.render(area, buf);
    for (i, col) in cols.iter().enumerate() {
        let x = inner.x + i as u16 * (COLUMN_W + 1);
        let w = inner.right().saturating_sub(x).min(COLUMN_W);
        for (y, line) in (inner.y..inner.bottom()).zip(col.iter().skip(scroll)) {
            buf.set_line(x, y, line, w);
        }
    }
}
