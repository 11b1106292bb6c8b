//! The frame around the panes: header, footer, the scanning placeholder and the
//! terminal-too-small notice.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::{width, MIN_HEIGHT, MIN_WIDTH};
use crate::tui::action::Action;
use crate::tui::app::{App, ScanState};
use crate::tui::keymap;
use crate::tui::status::Tone;

const SPINNER: [char; 8] = ['⣾', '⣽', '⣻', '⢿', '⡿', '⣟', '⣯', '⣷'];

fn spinner(app: &App) -> char {
    SPINNER[(app.ticks % SPINNER.len() as u64) as usize]
}

/// Line 1: name, host, roots, scan state and the time. Line 2: counts per status.
pub fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let time = app.now.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let time_w = time.len() as u16;
    let right = area.right().saturating_sub(time_w);
    buf.set_string(right, area.y, &time, t.muted());

    let roots = app
        .roots()
        .iter()
        .map(|r| r.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut left = vec![
        Span::styled("kcert", t.heading()),
        Span::raw("  "),
        Span::styled(app.host.clone(), t.heading()),
        Span::raw("  "),
    ];
    match &app.scan {
        ScanState::Scanning => left.push(Span::styled(
            format!("{} scanning  ", spinner(app)),
            t.accent(),
        )),
        ScanState::Failed(_) => left.push(Span::styled("scan failed  ", t.danger())),
        ScanState::Done => {}
    }
    left.push(Span::styled("roots ", t.muted()));
    left.push(Span::raw(roots));
    let room = right.saturating_sub(area.x + 1);
    buf.set_line(area.x, area.y, &Line::from(left), room);

    let Some(d) = &app.data else { return };
    let c = d.counts;
    let mut spans = Vec::new();
    let mut count = |n: usize, tone: Tone, always: bool| {
        if n > 0 || always {
            spans.push(Span::styled(
                format!("{} {n} {}", tone.glyph(), tone.word()),
                t.tone(tone),
            ));
            spans.push(Span::raw("  "));
        }
    };
    count(c.expired, Tone::Expired, true);
    count(c.critical, Tone::Critical, true);
    count(c.warning, Tone::Warning, true);
    count(c.ok, Tone::Ok, true);
    count(c.not_yet_valid, Tone::NotYetValid, false);
    let problems_style = if c.problems > 0 {
        t.danger()
    } else {
        t.muted()
    };
    spans.push(Span::styled(
        format!(
            "{} problem{}",
            c.problems,
            if c.problems == 1 { "" } else { "s" }
        ),
        problems_style,
    ));
    buf.set_line(area.x, area.y + 1, &Line::from(spans), area.width);
}

/// The body before the first scan has finished (or after it failed).
pub fn placeholder(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let block = Block::bordered().title(Span::styled(" Certificates ", t.heading()));
    let inner = block.inner(area);
    block.render(area, buf);
    let text: Text = match &app.scan {
        ScanState::Failed(why) => Text::from(vec![
            Line::styled("Scan failed", t.danger()),
            Line::raw(""),
            Line::raw(why.clone()),
            Line::raw(""),
            Line::styled("Ctrl-R to try again, q to quit.", t.muted()),
        ]),
        _ => Text::from(vec![
            Line::styled(format!("{} Scanning…", spinner(app)), t.accent()),
            Line::raw(""),
            Line::styled(
                app.roots()
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.muted(),
            ),
        ]),
    };
    let h = text.height() as u16;
    let y = inner.y + inner.height.saturating_sub(h) / 2;
    Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: false })
        .render(Rect::new(inner.x, y, inner.width, inner.bottom() - y), buf);
}

/// Key hints for the active contexts (or the filter prompt), with any notice first.
pub fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let mut spans = Vec::new();
    if app.view.editing_filter {
        spans.push(Span::styled("/", t.key()));
        spans.push(Span::raw(app.view.filter.clone()));
        spans.push(Span::styled("█", t.accent()));
        spans.push(Span::raw("   "));
    }
    if let Some(n) = &app.notice {
        spans.push(Span::styled(n.clone(), t.accent()));
        spans.push(Span::raw("   "));
    } else if let (ScanState::Failed(why), Some(_)) = (&app.scan, &app.data) {
        spans.push(Span::styled(format!("rescan failed: {why}"), t.danger()));
        spans.push(Span::raw("   "));
    }
    // Help and quit always show, at the end; other hints fill what is left in table order and
    // are dropped whole when they do not fit.
    let hints = keymap::hints(&app.contexts());
    let cost = |h: &keymap::Hint| (h.keys.chars().count() + 1 + h.label.len() + 2) as u16;
    let pinned = |h: &keymap::Hint| matches!(h.action, Action::Help | Action::Quit);
    let reserved: u16 = hints.iter().filter(|h| pinned(h)).map(cost).sum();
    let mut room = area
        .width
        .saturating_sub(width(&Line::from(spans.clone())))
        .saturating_sub(reserved);
    let mut shown = Vec::new();
    for h in &hints {
        if pinned(h) {
            continue;
        }
        if cost(h) > room {
            break;
        }
        room -= cost(h);
        shown.push(h);
    }
    shown.extend(hints.iter().filter(|h| pinned(h)));
    for h in shown {
        spans.push(Span::styled(h.keys.clone(), t.key()));
        spans.push(Span::raw(format!(" {}  ", h.label)));
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

pub fn too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let text = Text::from(vec![
        Line::styled("Terminal too small", t.danger()),
        Line::raw(format!("{}x{}", area.width, area.height)),
        Line::raw(format!("kcert needs at least {MIN_WIDTH}x{MIN_HEIGHT}.")),
        Line::styled("q quits", t.muted()),
    ]);
    let h = (text.height() as u16).min(area.height);
    let y = area.y + area.height.saturating_sub(h) / 2;
    Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(Rect::new(area.x, y, area.width, area.bottom() - y), buf);
}
