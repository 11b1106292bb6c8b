//! A dialog over the screen: the renewal plan, a restart plan or a CSR approval waiting for
//! `y`, the reason for a denial or an x509 error line being typed, or a report of what
//! happened (a restart's steps as they come). Text longer than the dialog scrolls, with its
//! position on the bottom border.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use unicode_width::UnicodeWidthStr;

use super::cells::{tail, wrap};
use super::scroll_hint;
use crate::tui::action::Action;
use crate::tui::app::{App, Dialog};
use crate::tui::keymap::{self, Context};
use crate::tui::theme::Theme;

/// The dialog's frame on a terminal of `size`.
fn frame(size: Rect) -> Rect {
    size.centered(
        Constraint::Length(size.width.min(100)),
        Constraint::Length(size.height.saturating_sub(4)),
    )
}

/// Where the text goes inside the frame (the text field, when there is one, is below it).
fn text_area(d: &Dialog, size: Rect) -> Rect {
    let mut inner = frame(size).inner(Margin::new(2, 1));
    if d.input.is_some() {
        inner.height = inner.height.saturating_sub(2);
    }
    inner
}

/// The dialog's text wrapped to `width`, continuation lines indented under their first.
fn lines(t: &Theme, d: &Dialog, width: u16) -> Vec<Line<'static>> {
    d.lines
        .iter()
        .flat_map(|(tone, text)| {
            let indent = text.len() - text.trim_start().len();
            wrap(
                text.trim_start(),
                usize::from(width).saturating_sub(indent + 2),
            )
            .into_iter()
            .enumerate()
            .map(move |(i, part)| {
                let pad = " ".repeat(if i == 0 { indent } else { indent + 2 });
                let style = tone.map_or_else(Default::default, |tone| t.tone(tone));
                Line::styled(format!("{pad}{part}"), style)
            })
        })
        .collect()
}

/// How far the dialog's text scrolls on a terminal of `size`: to its last line, not past it.
pub fn max_scroll(d: &Dialog, size: Rect) -> usize {
    let area = text_area(d, size);
    lines(&Theme::mono(), d, area.width)
        .len()
        .saturating_sub(usize::from(area.height))
}

pub fn render(app: &App, d: &Dialog, size: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let area = frame(size);
    Clear.render(area, buf);
    let ctx = match (&d.input, &d.on_yes) {
        _ if d.progress => Context::Progress,
        (Some(_), _) => Context::Prompt,
        (None, Some(_)) => Context::Confirm,
        (None, None) => Context::Message,
    };
    let mut keys = vec![Span::raw(" ")];
    // `u` only means something while a renewal plan can be made again.
    let shown = keymap::hints(&[ctx])
        .into_iter()
        .filter(|h| h.action != Action::ToggleCaData || d.replan.is_some())
        .filter(|h| h.action != Action::Undo || d.undo.is_some());
    for h in shown {
        keys.push(Span::styled(h.keys.clone(), t.key()));
        keys.push(Span::raw(format!(" {}  ", h.label)));
    }
    let text = text_area(d, size);
    let all = lines(t, d, text.width);
    let scroll = d.scroll.min(max_scroll(d, size));
    let mut block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Line::styled(format!(" {} ", d.title), t.heading()))
        .title_bottom(Line::from(keys));
    if let Some(hint) = scroll_hint(scroll, text.height, all.len()) {
        block = block.title_bottom(Line::styled(hint, t.muted()).right_aligned());
    }
    block.render(area, buf);
    if let Some(typed) = &d.input {
        // The text field keeps the last row, whatever the scroll.
        let inner = area.inner(Margin::new(2, 1));
        let y = inner.bottom().saturating_sub(1);
        // A long text scrolls: its end, where the typing happens, stays in view.
        let label = format!("{}: ", d.prompt);
        let room = usize::from(inner.width).saturating_sub(label.width() + 1);
        let field = Line::from(vec![
            Span::styled(label, t.label()),
            Span::raw(tail(typed, room).to_string()),
            Span::styled("█", t.accent()),
        ]);
        buf.set_line(inner.x, y, &field, inner.width);
    }
    for (y, line) in (text.y..text.bottom()).zip(all.iter().skip(scroll)) {
        buf.set_line(text.x, y, line, text.width);
    }
}
