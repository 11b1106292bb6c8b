//! A CA's own lines in the details pane: how long until its wall (when every certificate under
//! it stops working at once), the leaves it already cuts short, and what can be done here.

use ratatui::style::Style;

use super::details::Out;
use crate::pki::format::{datetime, residual};
use crate::pki::CA_WALL_DAYS;
use crate::renew::CaRoute;
use crate::tui::app::Loaded;
use crate::tui::status::Tone;

/// How many capped leaves are named before "… and N more".
const NAMED: usize = 5;

/// Nothing for a leaf or for a copy of a CA (its original has the lines).
pub(super) fn ca_lines(out: &mut Out, d: &Loaded, id: usize) {
    let app = out.app;
    let t = &app.theme;
    let inv = &d.inv;
    let c = &inv.certs[id];
    if !c.is_ca || c.copy_of.is_some() {
        return;
    }
    let (text, style) = match c.days_left(app.now) {
        _ if c.not_after <= app.now => (
            format!(
                "✗ reached on {}: everything under it has stopped working",
                datetime(c.not_after)
            ),
            t.tone(Tone::Expired),
        ),
        days if days < CA_WALL_DAYS => (
            format!(
                "! {} (on {})",
                residual(c.not_after, app.now),
                datetime(c.not_after)
            ),
            t.tone(Tone::Warning),
        ),
        _ => (
            format!(
                "{} (on {})",
                residual(c.not_after, app.now),
                datetime(c.not_after)
            ),
            Style::new(),
        ),
    };
    out.field("Wall", &text, style);

    let capped: Vec<usize> = inv.capped_by(id).collect();
    if capped.is_empty() {
        out.field("Caps", "no leaf outlives it", t.muted());
    } else {
        let n = capped.len();
        let text = match n {
            1 => "1 leaf ends with it:".to_string(),
            n => format!("{n} leaves end with it:"),
        };
        out.field("Caps", &text, Style::new());
        for &leaf in capped.iter().take(NAMED) {
            out.field("", &inv.label(&inv.certs[leaf]), Style::new());
        }
        if n > NAMED {
            out.field("", &format!("… and {} more", n - NAMED), t.muted());
        }
    }

    let (what, style) = match CaRoute::of(c) {
        CaRoute::OwnKey => ("r renew with its key · P plan", t.accent()),
        CaRoute::KeyElsewhere => (
            "key not here: renew where it is, then kcert ca import · P plan",
            t.muted(),
        ),
        CaRoute::ByIssuer => ("renewed where its issuer's key is · P plan", t.muted()),
    };
    out.field("", what, style);
}
