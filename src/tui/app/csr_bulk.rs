//! Approving several CSRs at once: the marked ones (`a` with marks) and every valid pending
//! one (`A`). A CSR that fails a check is never among them: it is named with the reason, and
//! approved only alone, with its name typed.

use super::{App, Dialog, Overlay};
use crate::cluster::{caution, CsrView};
use crate::tui::action::{Cmd, CsrAction};
use crate::tui::csr_text::{short_signer, verdict_glyph, verdict_tone};
use crate::tui::status::Tone;

impl App {
    /// `a` with marks: every marked CSR that can be approved with a plain yes; the others are
    /// named with why they are left out (a dangerous one is approved alone, name typed).
    pub(super) fn ask_approve_marked(&mut self) {
        let mut chosen = Vec::new();
        let mut lines = vec![(None, "The marked CSRs:".to_string())];
        for v in self.csr.marked_views() {
            let skip = if v.is_denied() {
                Some((
                    Tone::Expired,
                    "is Denied and cannot be approved".to_string(),
                ))
            } else if v.is_approved() {
                Some((Tone::Unknown, "is already approved".to_string()))
            } else if let Some(verb) = self.csr.busy.get(&v.name) {
                Some((Tone::Unknown, format!("is being handled ({verb}…)")))
            } else {
                caution(v).map(|c| {
                    (
                        verdict_tone(&v.verdict),
                        format!("left out: {c}; approve it alone with a, typing its name"),
                    )
                })
            };
            match skip {
                Some((tone, why)) => lines.push((
                    Some(tone),
                    format!("  {} {} {why}", verdict_glyph(&v.verdict), v.name),
                )),
                None => {
                    lines.push((
                        Some(Tone::Ok),
                        format!("  ✓ {}  by {}", v.name, v.requestor),
                    ));
                    chosen.push(v.name.clone());
                }
            }
        }
        lines.push((None, String::new()));
        if chosen.is_empty() {
            lines.push((
                None,
                "None of them can be approved here: nothing to do.".into(),
            ));
            self.open_report("Approve the marked CSRs", lines);
            return;
        }
        lines.push((
            Some(Tone::Ok),
            format!("Press y to approve {}, n to cancel.", chosen.len()),
        ));
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: format!("Approve {} marked CSR(s)?", chosen.len()),
            lines,
            on_yes: Some(Cmd::Csr(CsrAction::Approve(chosen))),
            ..Dialog::default()
        })));
    }

    pub(super) fn ask_approve_all(&mut self) {
        let busy = &self.csr.busy;
        let chosen: Vec<&CsrView> = self
            .csr
            .set
            .approvable()
            .filter(|v| !busy.contains_key(&v.name))
            .collect();
        let failing = self.csr.counts.pending - self.csr.counts.approvable;
        let left_alone = (failing > 0).then(|| {
            (
                Some(Tone::Warning),
                format!(
                    "{failing} pending CSR(s) failing a check are left alone: approve one \
                     alone with a, typing its name."
                ),
            )
        });
        if chosen.is_empty() {
            let mut lines = vec![(
                None,
                "No pending CSR passes every check: nothing to approve.".to_string(),
            )];
            lines.extend(left_alone);
            self.open_report("Approve every valid CSR", lines);
            return;
        }
        let names: Vec<String> = chosen.iter().map(|v| v.name.clone()).collect();
        let mut lines = vec![(None, "Every pending CSR whose checks all pass:".to_string())];
        lines.extend(chosen.iter().map(|v| {
            (
                Some(Tone::Ok),
                format!(
                    "  ✓ {}  by {}  ({})",
                    v.name,
                    v.requestor,
                    short_signer(v.signer_column())
                ),
            )
        }));
        lines.push((None, String::new()));
        lines.extend(left_alone);
        lines.push((
            Some(Tone::Ok),
            "Press y to approve them all, n to cancel.".into(),
        ));
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: format!("Approve {} CSR(s)?", names.len()),
            lines,
            on_yes: Some(Cmd::Csr(CsrAction::Approve(names))),
            ..Dialog::default()
        })));
    }
}
