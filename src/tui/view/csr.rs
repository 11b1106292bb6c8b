//! The CSR tab: the list on top (kubectl's columns plus VERDICT), the selected CSR's details
//! below, or a calm sentence while there is nothing to list.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;

use super::details::scrolled_pane;
use super::{csr_details, csr_table, message};
use crate::cluster::Diagnosis;
use crate::tui::app::{App, Focus};

pub use csr_details::lines as details_lines;

/// Bodies shorter than this show the list or the details, not both (Tab switches): stacked,
/// a 60x16 terminal would leave the list one row.
pub const STACK_MIN: u16 = 16;

/// Whether list and details share the body.
pub fn stacked(body: Rect) -> bool {
    body.height >= STACK_MIN
}

/// List and details, one above the other (the columns need the full width). The list is as
/// tall as its rows, up to 45% of the body; the details get the rest. On a short body both
/// are the whole body and the focused one is drawn.
pub fn split(body: Rect, rows: usize) -> (Rect, Rect) {
    if !stacked(body) {
        return (body, body);
    }
    let most = body.height * 45 / 100;
    let wanted = u16::try_from(rows.max(1) + 3).unwrap_or(u16::MAX);
    let [list, details] =
        Layout::vertical([Constraint::Length(wanted.min(most)), Constraint::Fill(1)]).areas(body);
    (list, details)
}

/// CSR rows the list shows at once (inside its border, under the column headers).
pub fn list_rows(body: Rect, rows: usize) -> usize {
    usize::from(split(body, rows).0.height.saturating_sub(3))
}

pub fn render(app: &App, body: Rect, buf: &mut Buffer) {
    let tab = &app.csr;
    if let Some(lines) = no_cluster(app) {
        return message(app, TITLE, body, buf, lines);
    }
    if !tab.loaded {
        let line = if tab.failure.is_some() {
            Line::styled(
                "No CSRs yet: the cluster cannot be reached (see above).",
                app.theme.muted(),
            )
        } else {
            Line::styled("Connecting to the cluster…", app.theme.accent())
        };
        return message(app, TITLE, body, buf, vec![line]);
    }
    let (list, details) = split(body, tab.len());
    let focused = tab.focus == Focus::Details;
    if stacked(body) || !focused {
        csr_table::render(app, list, buf);
    }
    if stacked(body) || focused {
        let lines = csr_details::lines(app, details.width);
        scrolled_pane(app, &lines, tab.details_scroll, focused, details, buf);
    }
}

const TITLE: &str = " Certificate signing requests ";

/// What a cluster tab says while cluster access is off or no kubeconfig was found.
pub(super) fn no_cluster(app: &App) -> Option<Vec<Line<'static>>> {
    let tab = &app.csr;
    if !tab.enabled && !tab.loaded {
        return Some(vec![Line::raw("Cluster access is off.")]);
    }
    match tab.no_kubeconfig() {
        Some(Diagnosis::NoKubeconfig { tried }) if tab.set.views().is_empty() => {
            Some(no_kubeconfig(app, tried))
        }
        _ => None,
    }
}

/// No kubeconfig is not an error: kcert works without a cluster, and says where it looked.
fn no_kubeconfig(app: &App, tried: &[std::path::PathBuf]) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = vec![
        Line::styled("No cluster to show", t.heading()),
        Line::raw(""),
        Line::raw("kcert found no kubeconfig, so it cannot list certificate signing requests."),
        Line::raw("The local PKI tab (1) does not need a cluster."),
        Line::raw(""),
        Line::styled("Looked in:", t.muted()),
    ];
    lines.extend(
        tried
            .iter()
            .map(|p| Line::styled(p.display().to_string(), t.muted())),
    );
    lines.push(Line::raw(""));
    lines.push(Line::raw(
        "Start kcert with --kubeconfig FILE (and --context NAME), or run it as root on a control-plane node.",
    ));
    lines
}
