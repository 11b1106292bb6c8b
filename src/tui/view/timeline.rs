//! The timeline: when things expire, as a picture. Either every certificate on one time axis
//! from now to the furthest expiry (so a CA's hard wall shows), or a per-month bar chart for
//! the next 24 months. Expired certificates sit at the left edge.

use chrono::{DateTime, Datelike, Duration, Months, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};

use super::cells::clip;
use super::width;
use crate::tui::app::{App, Loaded};
use crate::tui::status::{badge, status_at, Tone};

const AXIS_ROWS: u16 = 2;
/// Months the chart shows; a narrow terminal shows [`FEW_MONTHS`], so that each month keeps a
/// bar and a label of its own.
const MONTHS: usize = 24;
const FEW_MONTHS: usize = 12;
/// Cells a month needs: a two-cell label and a gap.
const MONTH_CELLS: u16 = 3;

/// Rows of certificates the axis view shows in `body`.
pub fn list_height(body: Rect) -> u16 {
    body.height.saturating_sub(2 + AXIS_ROWS).max(1)
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(d) = &app.pki.data else { return };
    if app.pki.view.monthly {
        monthly(app, d, area, buf);
    } else {
        axis(app, d, area, buf);
    }
}

fn tone_at(app: &App, d: &Loaded, id: usize) -> Tone {
    Tone::from(status_at(&d.inv.certs[id], app.now, d.inv.thresholds))
}

fn axis(app: &App, d: &Loaded, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let ids = &app.pki.timeline_ids;
    let end = ids
        .iter()
        .map(|&i| d.inv.certs[i].not_after)
        .max()
        .unwrap_or(app.now)
        .max(app.now + Duration::days(30));
    let title = Line::from(vec![
        Span::styled(" Timeline ", t.heading()),
        Span::styled(
            format!("now → {}, ▼ CA expiry ", end.format("%Y-%m-%d")),
            t.muted(),
        ),
    ]);
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    if ids.is_empty() {
        buf.set_string(inner.x, inner.y, "No certificates to show.", t.muted());
        return;
    }

    let rows: Vec<usize> = ids
        .iter()
        .copied()
        .skip(app.pki.timeline.offset)
        .take(usize::from(list_height(area)))
        .collect();
    let name_w = (inner.width / 4).clamp(12, 26);
    let badges: Vec<Span> = rows
        .iter()
        .map(|&i| {
            let tone = tone_at(app, d, i);
            Span::styled(badge(&d.inv.certs[i], app.now, tone, true), t.tone(tone))
        })
        .collect();
    let badge_w = badges
        .iter()
        .map(|b| width(&Line::from(b.clone())))
        .max()
        .unwrap_or(0);
    let x0 = inner.x + name_w + 1 + badge_w + 1;
    let bar_w = inner.right().saturating_sub(x0 + 1);
    if bar_w < 10 {
        return;
    }
    let span_secs = (end - app.now).num_seconds().max(1);
    let pos = |at: DateTime<Utc>| -> u16 {
        let s = (at - app.now).num_seconds().clamp(0, span_secs);
        x0 + ((s as f64 / span_secs as f64) * f64::from(bar_w - 1)).round() as u16
    };

    // Ruler with evenly spaced date labels; CA expiries are marked on it.
    let ticks = (bar_w / 14).max(1);
    let ruler_y = inner.y + 1;
    for x in x0..x0 + bar_w {
        buf.set_string(x, ruler_y, "─", t.muted());
    }
    for i in 0..=ticks {
        let x = x0 + (bar_w - 1) * i / ticks;
        let at = app.now + Duration::seconds(span_secs * i64::from(i) / i64::from(ticks));
        let label = if i == 0 {
            "now".to_string()
        } else {
            at.format("%Y-%m").to_string()
        };
        let lx = x.min(x0 + bar_w - label.len() as u16);
        buf.set_string(lx, inner.y, &label, t.muted());
        buf.set_string(x, ruler_y, "┼", t.muted());
    }
    for c in ids.iter().map(|&i| &d.inv.certs[i]) {
        if c.is_ca && c.not_after > app.now {
            buf.set_string(pos(c.not_after), ruler_y, "▼", t.heading());
        }
    }
    buf.set_string(inner.x, inner.y, "certificate", t.label());

    for (row, ((&id, b), y)) in rows
        .iter()
        .zip(badges)
        .zip(inner.y + AXIS_ROWS..inner.bottom())
        .enumerate()
    {
        let c = &d.inv.certs[id];
        let tone = tone_at(app, d, id);
        let style = t.tone(tone);
        let name = clip(&c.display_name(), usize::from(name_w));
        buf.set_stringn(inner.x, y, name, usize::from(name_w), Style::new());
        buf.set_line(inner.x + name_w + 1, y, &Line::from(b), badge_w);
        match tone {
            Tone::Expired => {
                buf.set_string(x0, y, "✗", style);
            }
            _ => {
                let from = pos(c.not_before.max(app.now));
                let to = pos(c.not_after);
                for x in from..to {
                    buf.set_string(x, y, "━", style);
                }
                buf.set_string(to, y, if c.is_ca { "┃" } else { "┫" }, style);
            }
        }
        if app.pki.timeline.offset + row == app.pki.timeline.index {
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), t.selected());
        }
    }
}

/// Buckets: 0 holds the expired, 1..=`span` the months from the current one on.
fn buckets(app: &App, d: &Loaded, span: usize) -> (Vec<Vec<usize>>, usize) {
    let mut b = vec![Vec::new(); span + 1];
    let mut later = 0;
    let start = (app.now.year(), app.now.month0());
    for &id in &app.pki.timeline_ids {
        let c = &d.inv.certs[id];
        if c.not_after <= app.now {
            b[0].push(id);
            continue;
        }
        let months =
            (c.not_after.year() - start.0) * 12 + c.not_after.month0() as i32 - start.1 as i32;
        match usize::try_from(months) {
            Ok(m) if m < span => b[m + 1].push(id),
            _ => later += 1,
        }
    }
    (b, later)
}

fn monthly(app: &App, d: &Loaded, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let inner_w = area.width.saturating_sub(2);
    let months = if inner_w >= MONTH_CELLS * (MONTHS as u16 + 1) {
        MONTHS
    } else {
        FEW_MONTHS
    };
    let (buckets, later) = buckets(app, d, months);
    let title = Line::from(vec![
        Span::styled(" Expiries per month ", t.heading()),
        Span::styled(
            if months == MONTHS {
                format!("✗ expired, then the next {months} months ({later} later) ")
            } else {
                format!("✗ expired, next {months} months, {later} later ")
            },
            t.muted(),
        ),
    ]);
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    let per = (inner.width / (months as u16 + 1)).max(2);
    let bar_w = per - 1;
    let chart_h = inner.height.saturating_sub(3);
    // Months share one scale; the expired bar is capped at full height so a pile of old
    // certificates does not flatten the months that matter.
    let max = buckets[1..].iter().map(Vec::len).max().unwrap_or(0).max(1);
    let base = inner.y + 1 + chart_h;
    let mut years = Vec::new();
    for (i, ids) in buckets.iter().enumerate() {
        let x = inner.x + per * i as u16;
        let tone = if i == 0 {
            Tone::Expired
        } else {
            ids.iter()
                .map(|&id| tone_at(app, d, id))
                .max()
                .unwrap_or(Tone::Ok)
        };
        let h = (ids.len() * usize::from(chart_h))
            .div_ceil(max)
            .min(usize::from(chart_h)) as u16;
        for y in base - h..base {
            buf.set_string(x, y, "█".repeat(usize::from(bar_w)), t.tone(tone));
        }
        if !ids.is_empty() {
            buf.set_stringn(
                x,
                base - h - 1,
                ids.len().to_string(),
                usize::from(per),
                Style::new(),
            );
        }
        let month = app
            .now
            .checked_add_months(Months::new(i.saturating_sub(1) as u32));
        let (label, year) = match month {
            _ if i == 0 => ("✗".to_string(), None),
            Some(m) => (
                format!("{:02}", m.month()),
                (i == 1 || m.month() == 1).then(|| m.year().to_string()),
            ),
            None => ("??".into(), None),
        };
        buf.set_stringn(x, base, label, usize::from(per), t.muted());
        if let Some(y) = year {
            years.push((x, y));
        }
    }
    year_labels(app, &years, inner, base + 1, buf);
}

/// Each year under its first month. Labels that would overlap move left, into the gap before
/// them (the expired column's, for the first), so no year is left out when a December is
/// followed by a January on a narrow chart; only one that cannot fit at all is dropped.
fn year_labels(app: &App, years: &[(u16, String)], inner: Rect, y: u16, buf: &mut Buffer) {
    let mut xs: Vec<u16> = years.iter().map(|(x, _)| *x).collect();
    for i in (0..years.len().saturating_sub(1)).rev() {
        let end = xs[i] + years[i].1.len() as u16;
        if end >= xs[i + 1] {
            xs[i] = (xs[i + 1].saturating_sub(years[i].1.len() as u16 + 1)).max(inner.x);
        }
    }
    let mut free = inner.x;
    for (x, (_, label)) in xs.iter().zip(years) {
        let w = label.len() as u16;
        if *x >= free && x + w <= inner.right() {
            buf.set_string(*x, y, label, app.theme.label());
            free = x + w + 1;
        }
    }
}
