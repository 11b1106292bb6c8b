//! The frame around the panes: header, footer, the scanning placeholder and the
//! terminal-too-small notice.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use unicode_width::UnicodeWidthStr;

use super::cells::{clip, wrap};
use super::{width, MIN_HEIGHT, MIN_WIDTH};
use ratatui::style::{Modifier, Style};

use crate::cluster::ConnectionState;
use crate::tui::action::Action;
use crate::tui::app::{App, Overlay, ScanState, Tab};
use crate::tui::keymap;
use crate::tui::status::Tone;

const SPINNER: [char; 8] = ['⣾', '⣽', '⣻', '⢿', '⡿', '⣟', '⣯', '⣷'];

fn spinner(app: &App) -> char {
    SPINNER[(app.ticks % SPINNER.len() as u64) as usize]
}

/// Below this width the header drops the name and shortens the tab labels.
const COMPACT: u16 = 110;

/// Line 1: name, host, the tabs, what the tab looks at and the time. Line 2: counts. Below
/// 110 columns the name goes and the tab labels shorten, below 80 the date goes; the host
/// always stays.
pub fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let narrow = area.width < super::SIDE_BY_SIDE;
    let time = if narrow {
        app.now.format("%H:%M:%S UTC").to_string()
    } else {
        crate::pki::format::datetime_secs(app.now).to_string()
    };
    let time_w = time.len() as u16;
    let right = area.right().saturating_sub(time_w);
    buf.set_string(right, area.y, &time, t.muted());

    let roots = app
        .pki
        .roots()
        .iter()
        .map(|r| r.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut left = Vec::new();
    // Four tabs leave the roots no room below 100 columns unless the labels shorten.
    let compact = area.width < COMPACT;
    if !compact {
        left.extend([Span::styled("kcert", t.heading()), Span::raw("  ")]);
    }
    left.extend([Span::styled(app.host.clone(), t.heading()), Span::raw("  ")]);
    left.extend(tabs(app, area.width));
    left.push(Span::raw("  "));
    let room = right.saturating_sub(area.x + 1);
    if app.tab != Tab::LocalPki {
        left.extend(match app.tab {
            Tab::Nodes => fleet_state(app),
            _ => cluster_state(app),
        });
        buf.set_line(area.x, area.y, &Line::from(left), room);
        let mut counts = match app.tab {
            Tab::Tokens => token_counts(app),
            Tab::Nodes => node_counts(app),
            _ => csr_counts(app),
        };
        // On a narrow terminal the least urgent counts, at the end, go whole, not cut.
        while width(&Line::from(counts.clone())) > area.width && counts.len() > 1 {
            counts.truncate(counts.len() - 2);
        }
        buf.set_line(area.x, area.y + 1, &Line::from(counts), area.width);
        return;
    }
    match &app.pki.scan {
        ScanState::Scanning => left.push(Span::styled(
            format!("{} scanning  ", spinner(app)),
            t.accent(),
        )),
        ScanState::Failed(_) => left.push(Span::styled("scan failed  ", t.danger())),
        ScanState::Done => {}
    }
    // The node's distribution before the roots: what its names and renewals follow. Its
    // roles go first when room is short, then the roots.
    let used = |left: &[Span<'_>]| usize::from(width(&Line::from(left.to_vec())));
    if let Some(d) = app
        .pki
        .data
        .as_ref()
        .map(|d| &d.inv.distribution)
        .filter(|d| d.distribution != crate::pki::distro::Distribution::Unknown)
    {
        let avail = usize::from(room).saturating_sub(used(&left));
        let words = [d.describe(), d.distribution.to_string()];
        if let Some(w) = words.into_iter().find(|w| w.len() + 2 <= avail) {
            left.push(Span::styled(format!("{w}  "), t.accent()));
        }
    }
    if app.remote_node().is_none() {
        // A long root ends in `…` before the clock; with no room for a few of its cells the
        // roots are left to the help and the details. A remote node's banner says whose tree
        // this is.
        let rest = usize::from(room).saturating_sub(used(&left) + "roots ".len());
        if rest >= 6 {
            left.push(Span::styled("roots ", t.muted()));
            left.push(Span::raw(clip(&roots, rest)));
        }
    }
    buf.set_line(area.x, area.y, &Line::from(left), room);

    let Some(d) = &app.pki.data else { return };
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
    // The CA wall: the soonest CA within a year of its end, whatever the thresholds say.
    let inv = &d.inv;
    if let Some(ca) = c.ca_wall.map(|i| &inv.certs[i]) {
        // Without room for the CA's name, the time left alone: the row and details name it.
        let left = crate::pki::format::residual(ca.not_after, inv.generated_at);
        let room = usize::from(area.width).saturating_sub(used(&spans) + 2);
        let full = format!("CA {} ends in {left}", inv.label(ca));
        let text = match full.width() <= room {
            true => full,
            false => format!("CA wall {left}"),
        };
        spans.push(Span::raw("  "));
        spans.push(Span::styled(text, t.tone(Tone::Warning)));
    }
    buf.set_line(area.x, area.y + 1, &Line::from(spans), area.width);
}

/// ` 1 Local PKI `, ` 2 CSRs (9 pending) `, ` 3 Tokens ` and ` 4 Nodes `, the tab on screen
/// in reverse video; the tokens tab is coloured when a token has a problem. `width`: the
/// header's, which decides how long the labels are.
fn tabs(app: &App, width: u16) -> Vec<Span<'static>> {
    let narrow = width < 100;
    let compact = width < COMPACT;
    let t = &app.theme;
    let pending = app.csr.counts.pending;
    let token_trouble = app
        .tokens
        .report
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.token.is_some())
        .map(|f| f.severity)
        .max();
    let csr_label = match (pending, narrow) {
        (0, _) => " 2 CSRs ".to_string(),
        (_, true) => format!(" 2 CSRs ({pending}) "),
        (_, false) => format!(" 2 CSRs ({pending} pending) "),
    };
    let pki_label = if compact { " 1 PKI " } else { " 1 Local PKI " };
    let style = |tab: Tab| {
        if app.tab == tab {
            t.selected().add_modifier(Modifier::BOLD)
        } else if tab == Tab::Csr && pending > 0 {
            t.accent()
        } else if tab == Tab::Tokens && token_trouble.is_some() {
            t.tone(crate::tui::app::tokens_tone(token_trouble))
        } else {
            Style::new()
        }
    };
    // Each label carries its own spaces: at 80 columns all three fit beside the clock. A
    // token problem colours the label; without colour the CSR tab's banner names it.
    vec![
        Span::styled(pki_label, style(Tab::LocalPki)),
        Span::styled(csr_label, style(Tab::Csr)),
        Span::styled(" 3 Tokens ", style(Tab::Tokens)),
        Span::styled(" 4 Nodes ", style(Tab::Nodes)),
    ]
}

/// `5 nodes  ✗ 1 critical  ! 1 warning  ✓ 2 ok  1 unreachable  1 not covered`
fn node_counts(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    if app.nodes.rows.is_empty() {
        return Vec::new();
    }
    let [critical, warning, ok, unreachable, uncovered] = app.nodes.counts();
    let mut spans = vec![
        Span::styled(format!("{} nodes", app.nodes.rows.len()), t.accent()),
        Span::raw("  "),
    ];
    for (n, tone, word) in [
        (critical, Tone::Expired, "critical"),
        (warning, Tone::Warning, "warning"),
        (ok, Tone::Ok, "ok"),
        (unreachable, Tone::Warning, "unreachable"),
        (uncovered, Tone::Unknown, "not covered"),
    ] {
        if n > 0 {
            spans.push(Span::styled(
                format!("{} {n} {word}", tone.glyph()),
                t.tone(tone),
            ));
            spans.push(Span::raw("  "));
        }
    }
    spans
}

/// `2 tokens  ✗ 1 expired  ‼ 1 critical  1 problem`
fn token_counts(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    let Some(report) = &app.tokens.report else {
        return Vec::new();
    };
    let rows = app.tokens.rows();
    let mut spans = vec![
        Span::styled(format!("{} tokens", rows.len()), t.accent()),
        Span::raw("  "),
    ];
    for tone in [Tone::Expired, Tone::Critical, Tone::Warning, Tone::Ok] {
        let n = rows
            .iter()
            .filter(|r| r.status.map(Tone::from) == Some(tone))
            .count();
        if n > 0 {
            spans.push(Span::styled(
                format!("{} {n} {}", tone.glyph(), tone.word()),
                t.tone(tone),
            ));
            spans.push(Span::raw("  "));
        }
    }
    let problems = report.findings.iter().filter(|f| f.token.is_some()).count();
    spans.push(Span::styled(
        format!("{problems} problem{}", if problems == 1 { "" } else { "s" }),
        if problems > 0 { t.danger() } else { t.muted() },
    ));
    spans
}

/// Whether the nodes tab is still fetching.
fn fleet_state(app: &App) -> Vec<Span<'static>> {
    use crate::tui::app::FleetState;
    match &app.nodes.state {
        FleetState::Listing | FleetState::Fetching => vec![Span::styled(
            format!("{} fetching", spinner(app)),
            app.theme.accent(),
        )],
        FleetState::Failed(_) => vec![Span::styled("fleet unreachable", app.theme.danger())],
        FleetState::Idle | FleetState::Done => Vec::new(),
    }
}

/// Why the CSR tab has no live data, if it has none (the list's border names the cluster
/// once connected).
fn cluster_state(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    let tab = &app.csr;
    if !tab.enabled {
        return vec![Span::styled("cluster access off", t.muted())];
    }
    if tab.no_kubeconfig().is_some() {
        return vec![Span::styled("no kubeconfig", t.muted())];
    }
    match tab.set.connection() {
        Some(ConnectionState::Connected { .. }) => Vec::new(),
        Some(ConnectionState::Failed { .. }) => {
            vec![Span::styled("cluster unreachable", t.danger())]
        }
        Some(ConnectionState::Connecting) | None => vec![Span::styled(
            format!("{} connecting", spinner(app)),
            t.accent(),
        )],
    }
}

/// `9 pending  ✓ 5 valid  ✗ 2 failing  ‼ 2 dangerous  2 approved  1 denied`
fn csr_counts(app: &App) -> Vec<Span<'static>> {
    let t = &app.theme;
    let c = app.csr.counts;
    if !app.csr.loaded {
        return Vec::new();
    }
    let failing = c.pending - c.approvable - c.dangerous;
    let mut spans = vec![
        Span::styled(format!("{} pending", c.pending), t.accent()),
        Span::raw("  "),
        Span::styled(format!("✓ {} valid", c.approvable), t.tone(Tone::Ok)),
        Span::raw("  "),
        Span::styled(format!("✗ {failing} failing"), t.tone(Tone::Warning)),
        Span::raw("  "),
    ];
    if c.dangerous > 0 {
        spans.push(Span::styled(
            format!("‼ {} dangerous", c.dangerous),
            t.danger(),
        ));
        spans.push(Span::raw("  "));
    }
    spans.push(Span::styled(
        format!("{} approved  {} denied", c.approved, c.denied),
        t.muted(),
    ));
    spans
}

/// The body before the first scan has finished (or after it failed).
pub fn placeholder(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let lines = match &app.pki.scan {
        ScanState::Failed(why) => vec![
            Line::styled("Scan failed", t.danger()),
            Line::raw(""),
            Line::raw(why.clone()),
            Line::raw(""),
            Line::styled("Ctrl-R to try again, q to quit.", t.muted()),
        ],
        _ => vec![
            Line::styled(format!("{} Scanning…", spinner(app)), t.accent()),
            Line::raw(""),
            Line::styled(
                app.pki
                    .roots()
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.muted(),
            ),
        ],
    };
    super::message(app, " Certificates ", area, buf, lines);
}

/// What the footer says before the key hints: the notice, or a failed rescan.
fn notice(app: &App) -> Option<(String, Style)> {
    let t = &app.theme;
    if let Some(n) = &app.notice {
        return Some((n.clone(), t.accent()));
    }
    match (&app.pki.scan, &app.pki.data, app.tab) {
        (ScanState::Failed(why), Some(_), Tab::LocalPki) => {
            Some((format!("rescan failed: {why}"), t.danger()))
        }
        _ => None,
    }
}

/// The filter being typed, shown where the typing happens.
fn filter_prompt(app: &App) -> Option<String> {
    app.editing_filter().map(|f| f.to_string())
}

/// Rows a notice too long to share the hint row takes above it.
const NOTICE_ROWS: usize = 2;

/// Help and quit always show, at the end of the hint row.
fn pinned(h: &keymap::Hint) -> bool {
    matches!(h.action, Action::Help | Action::Quit)
}

fn hint_cost(h: &keymap::Hint) -> usize {
    h.keys.width() + 1 + h.label.width() + 2
}

fn hints(app: &App) -> Vec<keymap::Hint> {
    // `u` only means something while a renewal plan can be made again, `U` while a renewal can
    // be undone.
    let replan = matches!(app.overlays.last(), Some(Overlay::Dialog(d)) if d.replan.is_some());
    let undo = matches!(app.overlays.last(), Some(Overlay::Dialog(d)) if d.undo.is_some());
    keymap::hints(&app.contexts())
        .into_iter()
        .filter(|h| h.action != Action::ToggleCaData || replan)
        .filter(|h| h.action != Action::Undo || undo)
        .collect()
}

/// The notice's own rows above the hint row when it does not fit beside the filter prompt and
/// the pinned hints; empty when it fits (or there is none).
fn notice_rows(app: &App, width: u16) -> Vec<String> {
    let Some((text, _)) = notice(app) else {
        return Vec::new();
    };
    let prompt = filter_prompt(app).map_or(0, |f| f.width() + 5);
    let reserved: usize = hints(app).iter().filter(|h| pinned(h)).map(hint_cost).sum();
    if prompt + text.width() + 3 + reserved <= usize::from(width) {
        return Vec::new();
    }
    let mut rows = wrap(&text, usize::from(width));
    if rows.len() > NOTICE_ROWS {
        rows.truncate(NOTICE_ROWS);
        let last = &mut rows[NOTICE_ROWS - 1];
        *last = clip(&format!("{last} …"), usize::from(width));
    }
    rows
}

/// Rows the footer takes at `width`.
pub fn footer_rows(app: &App, width: u16) -> u16 {
    1 + notice_rows(app, width).len() as u16
}

/// Key hints for the active contexts (or the filter prompt), with any notice first: on the
/// hint row when it fits, else whole on rows of its own above it.
pub fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let own_rows = notice_rows(app, area.width);
    let style = notice(app).map_or_else(Style::new, |(_, s)| s);
    for (y, row) in (area.y..).zip(&own_rows) {
        buf.set_string(area.x, y, row, style);
    }
    let mut spans = Vec::new();
    if let Some(f) = filter_prompt(app) {
        spans.push(Span::styled("/", t.key()));
        spans.push(Span::raw(f));
        spans.push(Span::styled("█", t.accent()));
        spans.push(Span::raw("   "));
    }
    if let (Some((text, style)), true) = (notice(app), own_rows.is_empty()) {
        spans.push(Span::styled(text, style));
        spans.push(Span::raw("   "));
    }
    // Other hints fill what is left in table order and are dropped whole when they do not fit.
    let hints = hints(app);
    let reserved: usize = hints.iter().filter(|h| pinned(h)).map(hint_cost).sum();
    let mut room = usize::from(area.width)
        .saturating_sub(usize::from(width(&Line::from(spans.clone()))))
        .saturating_sub(reserved);
    let mut shown = Vec::new();
    for h in &hints {
        if pinned(h) {
            continue;
        }
        if hint_cost(h) > room {
            break;
        }
        room -= hint_cost(h);
        shown.push(h);
    }
    shown.extend(hints.iter().filter(|h| pinned(h)));
    for h in shown {
        spans.push(Span::styled(h.keys.clone(), t.key()));
        spans.push(Span::raw(format!(" {}  ", h.label)));
    }
    let y = area.bottom().saturating_sub(1);
    buf.set_line(area.x, y, &Line::from(spans), area.width);
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
