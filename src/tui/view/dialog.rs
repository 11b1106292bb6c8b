//! A dialog over the screen: the renewal plan waiting for `y`, or a report of what happened.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

use super::wrap;
use crate::tui::app::{App, Dialog};
use crate::tui::keymap::{self, Context};

pub fn render(app: &App, d: &Dialog, size: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let area = size.centered(
        Constraint::Length(size.width.min(100)),
        Constraint::Length(size.height.saturating_sub(4)),
    );
    Clear.render(area, buf);
    let ctx = if d.on_yes.is_some() {
        Context::Confirm
    } else {
        Context::Message
    };
    let mut keys = vec![Span::raw(" ")];
    for h in keymap::hints(&[ctx]) {
        keys.push(Span::styled(h.keys.clone(), t.key()));
        keys.push(Span::raw(format!(" {}  ", h.label)));
    }
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Line::styled(format!(" {} ", d.title), t.heading()))
        .title_bottom(Line::from(keys));
    let inner = block.inner(area).inner(Margin::new(1, 0));
    block.render(area, buf);
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
