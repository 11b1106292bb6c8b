//! Rendering: pure functions of [`App`]. Nothing here changes state or touches the disk.
//!
//! [`layout`] is shared with `update`, which needs page heights for PgUp/PgDn.

mod cells;
pub mod csr;
mod csr_details;
mod csr_table;
pub mod details;
pub mod dialog;
pub mod help;
pub mod nodes;
mod rows;
pub(crate) mod screen;
pub mod timeline;
pub mod tokens;
mod wall;

use std::path::Path;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::app::{App, Focus, Overlay, Screen, Tab};
use super::status::Tone;

/// The smallest terminal the layout is designed for.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// Narrower than this, the local PKI tab shows the tree or the details, not both: at 60
/// columns two panes side by side would each get under 30 cells, and names, subjects and
/// paths would break on every line. Tab switches between them.
pub const SIDE_BY_SIDE: u16 = 80;

/// Rows above and below the body that change with what is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Chrome {
    /// The banner under the header ([`App::banner_rows`]).
    pub banner: u16,
    /// The footer: one row of key hints, plus the rows a long notice needs above it.
    pub footer: u16,
}

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
    /// One pane at a time ([`SIDE_BY_SIDE`]): `tree` and `details` are both the body and the
    /// focused one is drawn.
    pub single: bool,
}

/// `None` when the terminal is below [`MIN_WIDTH`]x[`MIN_HEIGHT`]: nothing is drawn then but
/// a notice, and keys other than quit do nothing.
pub fn layout(area: Rect, chrome: Chrome) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [header, banner_area, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(chrome.banner),
        Constraint::Fill(1),
        Constraint::Length(chrome.footer.max(1)),
    ])
    .areas(area);
    let single = area.width < SIDE_BY_SIDE;
    let [tree, details] = if single {
        [body, body]
    } else {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    };
    Some(Areas {
        header,
        banner: (chrome.banner > 0).then_some(banner_area),
        body,
        tree,
        details,
        footer,
        single,
    })
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(a) = layout(area, self.chrome(area.width)) else {
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
            (Tab::Nodes, ..) => nodes::render(self, a.body, buf),
            (Tab::LocalPki, None, _) => screen::placeholder(self, a.body, buf),
            (Tab::LocalPki, Some(_), Screen::Tree) => {
                let focus = self.pki.focus;
                if !a.single || focus == Focus::Tree {
                    rows::render(self, a.tree, buf);
                }
                if !a.single || focus == Focus::Details {
                    details::render(self, a.details, buf);
                }
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

/// A path as shown to the operator: below the scan root that holds it, with its leading `/`
/// (`/etc/kubernetes/pki/ca.crt` whether the root is `/` or a copied node's tree); the roots
/// are in the header.
pub fn show_path(app: &App, path: &Path) -> String {
    match app.pki.data.as_ref().and_then(|d| d.inv.below_root(path)) {
        Some(rel) => format!("/{}", rel.display()),
        None => path.display().to_string(),
    }
}

/// ` 16-34/40 ↓ `: which lines of `total` a view `height` rows tall shows from `scroll`, and
/// that more follow; `None` when everything fits.
pub(crate) fn scroll_hint(scroll: usize, height: u16, total: usize) -> Option<String> {
    let height = usize::from(height);
    if total <= height {
        return None;
    }
    let last = (scroll + height).min(total);
    let more = if last < total { " ↓" } else { "" };
    Some(format!(" {}-{last}/{total}{more} ", scroll + 1))
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
