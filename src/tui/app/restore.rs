//! Undo from the UI: `U` in a renewal's report plans putting its files back (a background
//! task), a dialog shows exactly which files, `y` restores them with the same safety as the
//! renewal, and a report and a rescan follow.

use super::{App, Dialog, Overlay};
use crate::renew::{self, RestoreApplyError, RestorePlan, Restored};
use crate::tui::action::{Cmd, TaskError};
use crate::tui::status::Tone;

impl App {
    /// `U` in a renewal report: ask for the restore plan.
    pub(super) fn undo(&mut self) -> Option<Cmd> {
        self.dialog_cmd(|d| d.undo.clone(), "planning the undo…")
    }

    pub(super) fn restore_planned(
        &mut self,
        result: Result<Box<RestorePlan>, TaskError>,
    ) -> Option<Cmd> {
        self.notice = None;
        let plan = match result {
            Ok(p) => p,
            Err(e) => {
                self.open_report("Undo", vec![(Some(Tone::Expired), e.to_string())]);
                return None;
            }
        };
        let mut lines: Vec<(Option<Tone>, String)> = renew::describe_restore(&plan)
            .into_iter()
            .map(|l| (None, l))
            .collect();
        lines.push((None, String::new()));
        lines.push((
            Some(Tone::Warning),
            "Press y to put these files back, n to keep the renewal.".into(),
        ));
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: format!("Undo the renewal ({} files)?", plan.files.len()),
            lines,
            on_yes: Some(Cmd::ApplyRestore(plan)),
            ..Dialog::default()
        })));
        None
    }

    pub(super) fn restore_done(
        &mut self,
        plan: &RestorePlan,
        result: Result<Restored, RestoreApplyError>,
    ) -> Option<Cmd> {
        self.notice = None;
        match result {
            Ok(done) => {
                let mut lines: Vec<(Option<Tone>, String)> = done
                    .written
                    .iter()
                    .map(|p| (Some(Tone::Ok), format!("✓ put back {}", p.display())))
                    .collect();
                lines.push((
                    None,
                    format!("The replaced files are in {}", done.backup_dir.display()),
                ));
                if let Some(w) = done.journal_warning {
                    lines.push((Some(Tone::Warning), w));
                }
                self.pki.banner = Some(if plan.restart.is_empty() {
                    (Tone::Ok, "Renewal undone.".into())
                } else {
                    (
                        Tone::Warning,
                        format!(
                            "Renewal undone: now restart {}.",
                            renew::and_list(&plan.restart)
                        ),
                    )
                });
                self.open_report("Undone", lines);
            }
            Err(e) => self.change_failed("Undo", &e),
        }
        self.reveal();
        self.request_scan()
    }
}
