//! A dialog over the screen: the renewal plan, a restart plan or a CSR approval waiting for
//! `y`, the reason for a denial or an x509 error line being typed, or a report of what
//! happened (a restart's steps as they come).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use unicode_width::UnicodeWidthStr;

use super::cells::{tail, wrap};
use crate::tui::action::Action;
use crate::tui::app::{App, Dialog};
use crate::tui::keymap::{self, Context};

pub fn render(app: &App, d: &Dialog, size: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let area = size.centered(
        Constraint::Length(size.width.min(100)),
        Constraint::Length(size.height.saturating_sub(4)),
    );
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
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Line::styled(format!(" {} ", d.title), t.heading()))
        .title_bottom(Line::from(keys));
    let mut inner = block.inner(area).inner(Margin::new(1, 0));
    block.render(area, buf);
    if let Some(text) = &d.input {
        // The text field keeps the last row, whatever the scroll.
        let y = inner.bottom().saturating_sub(1);
        // A long reason scrolls: its end, where the typing happens, stays in view.
        let label = format!("{}: ", d.prompt);
        let room = usize::from(inner.width).saturating_sub(label.width() + 1);
        let field = Line::from(vec![
            Span::styled(label, t.label()),
            Span::raw(tail(text, room)),
            Span::styled("█", t.accent()),
        ]);
        buf.set_line(inner.x, y, &field, inner.width);
        inner.height = inner.height.saturating_sub(2);
    }
    let lines: Vec<Line> = d
        .lines
        .iter()
        .flat_map(|(tone, text)| {
            let indent = text.len() - text.trim_start().len();
            wrap(
                text.trim_start(),
                usize::from(inner.width).saturating_sub(indent + 2),
            )
            .into_iter()
            .enumerate()
            .map(move |(i, part)| {
                let pad = " ".repeat(if i == 0 { indent } else { indent + 2 });
                let style = tone.map_or_else(Default::default, |tone| t.tone(tone));
                Line::styled(format!("{pad}{part}"), style)
            })
        })
        .collect();
    for (y, line) in (inner.y..inner.bottom()).zip(lines.iter().skip(d.scroll)) {
        buf.set_line(inner.x, y, line, inner.width);
    }
}
