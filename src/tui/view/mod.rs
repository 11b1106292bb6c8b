//! Rendering: pure functions of [`App`]. Nothing here changes state or touches the disk.
//!
//! [`layout`] is shared with `update`, which needs page heights for PgUp/PgDn.

mod cells;
pub mod csr;
mod csr_details;
mod csr_table;
pub mod details;
mod dialog;
pub mod help;
mod rows;
mod screen;
pub mod timeline;
pub mod tokens;

use std::path::Path;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::app::{App, Overlay, Screen, Tab};
use super::status::Tone;

/// The smallest terminal the layout is designed for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Where each part of the main screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// Lines under the header: what to do after a renewal, why the cluster cannot be reached.
    pub banner: Option<Rect>,
    /// Everything between header and footer (the timeline uses all of it).
    pub body: Rect,
    pub tree: Rect,
    pub details: Rect,
    pub footer: Rect,
}

/// `None` when the terminal is below [`MIN_WIDTH`]x[`MIN_HEIGHT`]. `banner` is the banner's
/// height in rows ([`App::banner_rows`]).
pub fn layout(area: Rect, banner: u16) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [header, banner_area, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(banner),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [tree, details] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
    Some(Areas {
        header,
        banner: (banner > 0).then_some(banner_area),
        body,
        tree,
        details,
        footer,
    })
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(a) = layout(area, self.banner_rows()) else {
            screen::too_small(self, area, buf);
            return;
        };
        screen::header(self, a.header, buf);
        if let (Some(rect), Some((tone, text))) = (a.banner, self.banner_line()) {
            let style = self.theme.tone(tone);
            for (y, line) in (rect.y..rect.bottom()).zip(banner_lines(tone, &text, rect.width)) {
                buf.set_line(rect.x, y, &Line::styled(line, style), rect.width);
            }
        }
        match (self.tab, &self.pki.data, self.pki.screen) {
            (Tab::Csr, ..) => csr::render(self, a.body, buf),
            (Tab::Tokens, ..) => tokens::render(self, a.body, buf),
            (Tab::LocalPki, None, _) => screen::placeholder(self, a.body, buf),
            (Tab::LocalPki, Some(_), Screen::Tree) => {
                rows::render(self, a.tree, buf);
                details::render(self, a.details, buf);
            }
            (Tab::LocalPki, Some(_), Screen::Timeline) => timeline::render(self, a.body, buf),
        }
        screen::footer(self, a.footer, buf);
        for overlay in &self.overlays {
            match overlay {
                Overlay::Help { scroll } => help::render(self, *scroll, area, buf),
                Overlay::Dialog(d) => dialog::render(self, d, area, buf),
            }
        }
    }
}

/// The banner's text, glyph first, wrapped to `width` and cut to three rows.
pub fn banner_lines(tone: Tone, text: &str, width: u16) -> Vec<String> {
    let mut lines = cells::wrap(&format!("{} {text}", tone.glyph()), usize::from(width));
    lines.truncate(3);
    lines
}

/// A path as shown to the operator: relative to the scan root that holds it.
pub fn show_path(app: &App, path: &Path) -> String {
    match &app.pki.data {
        Some(d) => d.inv.show_path(path),
        None => path.display().to_string(),
    }
}

/// Width of a line in terminal cells.
fn width(line: &Line) -> u16 {
    u16::try_from(line.width()).unwrap_or(u16::MAX)
}

/// A bordered box titled `title` with `lines` centred in it: placeholders and notices.
fn message(
    app: &App,
    title: &'static str,
    area: Rect,
    buf: &mut Buffer,
    lines: Vec<Line<'static>>,
) {
    let block = Block::bordered().title(Span::styled(title, app.theme.heading()));
    let inner = block.inner(area);
    block.render(area, buf);
    let text = Text::from(lines);
    let h = text.height() as u16;
    let y = inner.y + inner.height.saturating_sub(h) / 2;
    Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: false })
        .render(Rect::new(inner.x, y, inner.width, inner.bottom() - y), buf);
}
