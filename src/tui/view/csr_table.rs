//! The CSR list: `kubectl get csr`'s columns plus VERDICT, drawn only for the rows on screen.
//!
//! All seven columns need about 150 cells. Narrower terminals first shorten the built-in signer
//! names (`kubelet-serving`), then hide REQUESTEDDURATION, then SIGNERNAME (both stay in the
//! details pane), then cut NAME, REQUESTOR and VERDICT to their floors and CONDITION to its,
//! then hide AGE, then cut the longest of NAME, REQUESTOR and VERDICT with `…`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use super::cells::clip;
use super::rows::pane_block;
use crate::cluster::output::HEADERS;
use crate::cluster::{ConnectionState, CsrView};
use crate::tui::app::{App, ColumnWidths, Focus};
use crate::tui::csr_text::{requestor_cell, short_signer, verdict_cell, verdict_tone};
use crate::tui::status::Tone;

const GAP: usize = 2;
const NAME: usize = 0;
const AGE: usize = 1;
const SIGNER: usize = 2;
const REQUESTOR: usize = 3;
const DURATION: usize = 4;
const CONDITION: usize = 5;
const VERDICT: usize = 6;
/// The columns that are cut, each first down to its floor (NAME keeps the most: it is what
/// tells rows apart; REQUESTOR keeps `…node:worker-1`), then CONDITION down to
/// [`CONDITION_FLOOR`], then all alike down to [`MIN_CUT`].
const SHRINKABLE: [(usize, usize); 3] = [(NAME, 24), (REQUESTOR, 14), (VERDICT, 12)];
/// `Pending` whole, `Approved…` for `Approved,Issued`.
const CONDITION_FLOOR: usize = 9;
const MIN_CUT: usize = 9;

/// Each column's width for one frame (0: hidden) and whether signers are shortened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fit {
    pub widths: [usize; 7],
    pub short_signer: bool,
}

/// Cells the shown columns take, gaps included.
pub(super) fn total(widths: &[usize; 7]) -> usize {
    let shown = widths.iter().filter(|w| **w > 0).count();
    widths.iter().sum::<usize>() + GAP * shown.saturating_sub(1)
}

/// Fit the columns into `room` cells. `age` is the widest AGE on screen; `busy` reserves room
/// for `approving…` in CONDITION.
pub fn fit(w: &ColumnWidths, age: usize, busy: bool, room: usize) -> Fit {
    let head = HEADERS.map(|h| h.width());
    let natural = |short: bool| {
        let signer = if short { w.short_signer } else { w.signer };
        let busy_w = if busy { "approving…".width() } else { 0 };
        let mut cells = [0; 7];
        cells[NAME] = w.name;
        cells[AGE] = age;
        cells[SIGNER] = signer;
        cells[REQUESTOR] = w.requestor;
        cells[DURATION] = w.duration;
        cells[CONDITION] = w.condition.max(busy_w);
        cells[VERDICT] = w.verdict;
        std::array::from_fn(|i| cells[i].max(head[i]))
    };
    let mut widths: [usize; 7] = natural(false);
    if total(&widths) <= room {
        return Fit {
            widths,
            short_signer: false,
        };
    }
    widths = natural(true);
    for hide in [DURATION, SIGNER] {
        if total(&widths) <= room {
            break;
        }
        widths[hide] = 0;
    }
    while total(&widths) > room {
        let over_floor = SHRINKABLE
            .iter()
            .filter(|(i, floor)| widths[*i] > *floor)
            .max_by_key(|(i, floor)| widths[*i] - floor)
            .map(|(i, _)| *i);
        let condition = || (widths[CONDITION] > CONDITION_FLOOR).then_some(CONDITION);
        // Before names and requestors are cut below their floors, AGE goes (the details
        // pane has it): at 60 columns the requestor then still names the node.
        if over_floor.is_none() && condition().is_none() && widths[AGE] > 0 {
            widths[AGE] = 0;
            continue;
        }
        let over_min = || {
            SHRINKABLE
                .iter()
                .filter(|(i, _)| widths[*i] > MIN_CUT.max(head[*i]))
                .max_by_key(|(i, _)| widths[*i])
                .map(|(i, _)| *i)
        };
        let Some(i) = over_floor.or_else(condition).or_else(over_min) else {
            break;
        };
        widths[i] -= 1;
    }
    Fit {
        widths,
        short_signer: true,
    }
}

/// The list's title with what narrows or orders it: `[/bob] [by name] [2 marked]`.
fn title(app: &App) -> Line<'static> {
    let t = &app.theme;
    let tab = &app.csr;
    let mut parts = vec![Span::styled(" Certificate signing requests ", t.heading())];
    let mut flag = |s: String| parts.push(Span::styled(format!("[{s}] "), t.accent()));
    if !tab.filter.is_empty() {
        flag(format!("/{}", tab.filter));
    }
    if let Some(l) = tab.sort.label() {
        flag(l.to_string());
    }
    if !tab.marked.is_empty() {
        flag(format!("{} marked", tab.marked.len()));
    }
    Line::from(parts)
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let tab = &app.csr;
    let t = &app.theme;
    let mut block = pane_block(app, title(app), tab.focus == Focus::Tree);
    if let Some(ConnectionState::Connected {
        server,
        context,
        user,
    }) = tab.set.connection()
    {
        let source = format!(" {context}: {user} at {server} ");
        block = block.title_bottom(Line::styled(source, t.muted()));
    }
    if !tab.is_empty() {
        let pos = format!(" {}/{} ", tab.list.index + 1, tab.len());
        block = block.title_bottom(Line::styled(pos, t.muted()).right_aligned());
    }
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 2 {
        return;
    }
    if tab.is_empty() {
        let text = if tab.filter.is_empty() {
            "  The cluster has no certificate signing requests.".to_string()
        } else {
            format!("  Nothing matches /{}. Esc clears the filter.", tab.filter)
        };
        buf.set_line(
            inner.x,
            inner.y + 1,
            &Line::styled(text, t.muted()),
            inner.width,
        );
    }
    let visible: Vec<(usize, &CsrView)> = tab
        .rows_from(tab.list.offset)
        .take(usize::from(inner.height - 1))
        .collect();
    let ages: Vec<String> = visible.iter().map(|(_, v)| v.age(app.now)).collect();
    let age_w = ages.iter().map(|a| a.width()).max().unwrap_or(0);
    // Marks take a column of their own before the names while there are any.
    let marking = !tab.marked.is_empty();
    let mut widths = tab.widths;
    if marking {
        widths.name += 2;
    }
    let fit = fit(
        &widths,
        age_w,
        !tab.busy.is_empty(),
        usize::from(inner.width),
    );
    let header: Vec<(String, Style)> = HEADERS
        .iter()
        .map(|h| (h.to_string(), t.heading()))
        .collect();
    draw_cells(&fit.widths, &header, Rect { height: 1, ..inner }, buf);
    for (y, ((i, v), age)) in (inner.y + 1..).zip(visible.into_iter().zip(ages)) {
        let line = Rect::new(inner.x, y, inner.width, 1);
        let mut row = cells(app, v, age, fit.short_signer);
        if marking {
            let mark = if tab.marked.contains(&v.name) {
                "●"
            } else {
                " "
            };
            row[NAME].0 = format!("{mark} {}", row[NAME].0);
        }
        draw_cells(&fit.widths, &row, line, buf);
        if i == tab.list.index {
            buf.set_style(line, t.selected());
        }
    }
}

/// One row's cells in HEADERS order, with their styles.
fn cells(app: &App, v: &CsrView, age: String, short: bool) -> Vec<(String, Style)> {
    let t = &app.theme;
    let signer = if short {
        short_signer(v.signer_column())
    } else {
        v.signer_column()
    };
    let condition = match app.csr.busy.get(&v.name) {
        Some(verb) => (format!("{verb}…"), t.accent()),
        None if v.is_denied() => (v.condition.clone(), t.tone(Tone::Expired)),
        None if v.is_pending() => (v.condition.clone(), t.accent()),
        None => (v.condition.clone(), t.tone(Tone::Ok)),
    };
    vec![
        (v.name.clone(), Style::new()),
        (age, t.muted()),
        (signer.to_string(), Style::new()),
        (requestor_cell(&v.requestor).into_owned(), Style::new()),
        (v.requested_duration(), Style::new()),
        condition,
        (verdict_cell(&v.verdict), t.tone(verdict_tone(&v.verdict))),
    ]
}

/// A list pane's inside: the `header` row, then the rows from the cursor's offset that fit,
/// the selected one highlighted.
pub(super) fn draw_table(
    app: &crate::tui::app::App,
    widths: &[usize],
    header: &[&str],
    rows: &[Vec<(String, Style)>],
    cursor: (usize, usize),
    inner: Rect,
    buf: &mut Buffer,
) {
    let t = &app.theme;
    let header: Vec<(String, Style)> = header
        .iter()
        .map(|h| (h.to_string(), t.heading()))
        .collect();
    draw_cells(widths, &header, Rect { height: 1, ..inner }, buf);
    let (index, offset) = cursor;
    let shown = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(usize::from(inner.height.saturating_sub(1)));
    for (y, (i, row)) in (inner.y + 1..).zip(shown) {
        let line = Rect::new(inner.x, y, inner.width, 1);
        draw_cells(widths, row, line, buf);
        if i == index {
            buf.set_style(line, t.selected());
        }
    }
}

/// Cells left to right in columns of `widths` (0: hidden), `GAP` apart, cut with `…`.
pub(super) fn draw_cells(
    widths: &[usize],
    cells: &[(String, Style)],
    area: Rect,
    buf: &mut Buffer,
) {
    let mut x = usize::from(area.x);
    let right = usize::from(area.right());
    for (w, (text, style)) in widths.iter().zip(cells) {
        if *w == 0 || x >= right {
            continue;
        }
        let room = (*w).min(right - x);
        buf.set_stringn(x as u16, area.y, clip(text, *w), room, *style);
        x += w + GAP;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_widths() -> ColumnWidths {
        ColumnWidths {
            name: 31,
            signer: 43,
            short_signer: 29,
            requestor: 23,
            duration: 6,
            condition: 15,
            verdict: 29,
        }
    }

    #[test]
    fn wide_terminals_show_every_column_in_full() {
        let f = fit(&demo_widths(), 3, false, 200);
        assert!(!f.short_signer);
        assert_eq!(f.widths, [31, 3, 43, 23, 17, 15, 29]);
    }

    #[test]
    fn narrower_terminals_shorten_then_hide_then_cut() {
        let w = demo_widths();
        let f = fit(&w, 3, false, 160);
        assert!(f.short_signer);
        assert_eq!(f.widths[SIGNER], 29);
        assert!(f.widths.iter().all(|w| *w > 0));
        let f = fit(&w, 3, false, 145);
        assert_eq!((f.widths[DURATION], f.widths[SIGNER]), (0, 29));
        let f = fit(&w, 3, false, 78);
        assert_eq!((f.widths[DURATION], f.widths[SIGNER]), (0, 0));
        assert!(total(&f.widths) <= 78, "{f:?}");
        assert_eq!(f.widths[CONDITION], 15, "CONDITION is never cut");
        assert!(f.widths[NAME] >= 24, "names stay readable: {f:?}");
        let f = fit(&w, 3, false, 98);
        assert_eq!(f.widths[NAME], 31, "at 100 columns names are whole: {f:?}");
        let f = fit(&w, 3, false, 58);
        assert!(total(&f.widths) <= 58, "{f:?}");
        assert_eq!(f.widths[CONDITION], CONDITION_FLOOR, "at 60 columns: {f:?}");
        assert_eq!(
            f.widths[AGE], 0,
            "AGE goes before the requestor is cut: {f:?}"
        );
        assert_eq!(f.widths[REQUESTOR], 14, "{f:?}");
    }
}
