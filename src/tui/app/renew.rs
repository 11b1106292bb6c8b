//! Renewal from the UI: `r`/`R` ask a background task for a plan, a dialog shows exactly what
//! will happen, `y` applies it in the background, and the result comes back as a report, a
//! banner naming the components to restart, and a rescan.

use super::{App, Dialog, Overlay};
use crate::fsx::txn::TxnError;
use crate::renew::{self, Applied, ApplyError, Plan, RenewOptions, Selection};
use crate::runtime::Component;
use crate::tui::action::{Cmd, TaskError};
use crate::tui::status::Tone;
use crate::tui::tree::Node;

impl App {
    fn plan_cmd(&self, selection: Selection, update_ca_data: bool) -> Option<Cmd> {
        let d = self.pki.data.as_ref()?;
        let mut opts = RenewOptions::new(self.now);
        opts.update_ca_data = update_ca_data;
        Some(Cmd::PlanRenew {
            inv: d.inv.clone(),
            selection,
            opts,
        })
    }

    pub(super) fn renew_selected(&mut self) -> Option<Cmd> {
        let Some(Node::Cert(id)) = self.pki.selected() else {
            self.notice = Some("select a certificate to renew".into());
            return None;
        };
        self.notice = Some("planning the renewal…".into());
        self.plan_cmd(Selection::Ids(vec![id]), false)
    }

    pub(super) fn renew_expiring(&mut self) -> Option<Cmd> {
        let days = self.pki.data.as_ref()?.inv.thresholds.warn_days;
        self.notice = Some("planning the renewal…".into());
        self.plan_cmd(Selection::Expiring(days), false)
    }

    pub(super) fn renew_planned(&mut self, result: Result<Box<Plan>, TaskError>) -> Option<Cmd> {
        self.notice = None;
        let plan = match result {
            Ok(p) => p,
            Err(e) => {
                self.open_report("Renewal", vec![(Some(Tone::Expired), e.to_string())]);
                return None;
            }
        };
        let mut lines: Vec<(Option<Tone>, String)> = renew::describe(&plan)
            .into_iter()
            .map(|l| {
                let tone = (l.starts_with("Not renewed")
                    || l.starts_with("Left to")
                    || l.contains("note:"))
                .then_some(Tone::Warning);
                (tone, l)
            })
            .collect();
        if plan.items.is_empty() {
            lines.push((None, renew::nothing_changed(&plan)));
            self.open_report("Renewal", lines);
            return None;
        }
        let stale_ca = plan
            .items
            .iter()
            .flat_map(|i| &i.notes)
            .any(|n| n.contains("--update-ca-data"));
        let selection = Selection::Ids(plan.items.iter().map(|i| i.cert_id).collect());
        lines.push((None, String::new()));
        lines.push((Some(Tone::Ok), "Press y to renew, n to cancel.".into()));
        if stale_ca {
            lines.push((
                Some(Tone::Warning),
                "Press u to also replace the stale certificate-authority-data.".into(),
            ));
        }
        let title = format!("Renew {} certificate(s)?", plan.items.len());
        let replan = if stale_ca {
            self.plan_cmd(selection, true)
        } else {
            None
        };
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title,
            lines,
            scroll: 0,
            on_yes: Some(Cmd::ApplyRenew(plan)),
            replan,
            ..Dialog::default()
        })));
        None
    }

    /// `y` in a question, Enter in a prompt: close it and do what it asked about.
    pub(super) fn confirm(&mut self) -> Option<Cmd> {
        let Some(Overlay::Dialog(d)) = self.overlays.last() else {
            return None;
        };
        if let (Some(need), Some(typed)) = (&d.confirm_text, &d.input) {
            if typed.trim() != need {
                self.notice = Some(format!("type {need} exactly to go on (Esc cancels)"));
                return None;
            }
        } else if d.input.as_deref().is_some_and(|i| i.trim().is_empty()) {
            self.notice = Some(if d.explain {
                "paste an x509 error line first (Esc cancels)".into()
            } else {
                "type a reason first (Esc cancels)".into()
            });
            return None;
        }
        if d.explain {
            let line = d.input.clone().unwrap_or_default();
            self.notice = None;
            self.explain_line(&line);
            return None;
        }
        let Some(Overlay::Dialog(d)) = self.overlays.pop() else {
            return None;
        };
        self.notice = None;
        match d.on_yes {
            Some(Cmd::ApplyRenew(plan)) => {
                self.notice = Some("renewing: backing up, writing, verifying…".into());
                Some(Cmd::ApplyRenew(plan))
            }
            Some(Cmd::ApplyRestore(plan)) => {
                self.notice = Some("putting the files back…".into());
                Some(Cmd::ApplyRestore(plan))
            }
            Some(Cmd::Csr(action)) => self.csr_confirmed(action, d.input),
            Some(Cmd::Restart(plans)) => self.restart_confirmed(plans),
            Some(cmd @ Cmd::PlanRestart { .. }) => {
                self.notice = Some("planning the restart…".into());
                Some(cmd)
            }
            other => other,
        }
    }

    pub(super) fn replan(&mut self) -> Option<Cmd> {
        self.dialog_cmd(|d| d.replan.clone(), "planning the renewal…")
    }

    /// The command the topmost dialog keeps for a second key (`u`, `U`): close the dialog
    /// and say what runs.
    pub(super) fn dialog_cmd(
        &mut self,
        pick: impl Fn(&Dialog) -> Option<Cmd>,
        notice: &str,
    ) -> Option<Cmd> {
        let Some(Overlay::Dialog(d)) = self.overlays.last() else {
            return None;
        };
        let cmd = pick(d)?;
        self.overlays.pop();
        self.notice = Some(notice.into());
        Some(cmd)
    }

    pub(super) fn renew_done(
        &mut self,
        plan: &Plan,
        result: Result<Applied, ApplyError>,
    ) -> Option<Cmd> {
        self.notice = None;
        match result {
            Ok(done) => {
                let mut lines: Vec<(Option<Tone>, String)> = plan
                    .items
                    .iter()
                    .map(|i| {
                        (
                            Some(Tone::Ok),
                            format!(
                                "✓ {} renewed, valid until {}",
                                i.label,
                                crate::pki::format::datetime(i.new_not_after)
                            ),
                        )
                    })
                    .collect();
                lines.extend(
                    done.written
                        .iter()
                        .map(|p| (None, format!("  wrote {}", p.display()))),
                );
                lines.push((None, format!("Backups: {}", done.backup_dir.display())));
                lines.push((
                    None,
                    format!("Journal: {} (entry {})", done.journal.display(), done.entry),
                ));
                if let Some(w) = &done.journal_warning {
                    lines.push((Some(Tone::Warning), w.clone()));
                }
                lines.push((
                    None,
                    "Press U to undo: put these files back from the backup (shown first).".into(),
                ));
                let ids: Vec<usize> = plan.items.iter().map(|i| i.cert_id).collect();
                let components = self.pki.restart_components(&ids);
                let restart = if components.is_empty() {
                    None
                } else {
                    self.plan_restart_cmd(components.clone())
                };
                if restart.is_some() {
                    let names: Vec<&str> = components.iter().map(|c| c.name()).collect();
                    lines.push((None, String::new()));
                    lines.push((
                        Some(Tone::Warning),
                        format!(
                            "{} read{} the files only at start: press y to restart {} \
                             (the plan is shown first), n to leave it for later.",
                            names.join(", "),
                            if names.len() == 1 { "s" } else { "" },
                            if names.len() == 1 { "it" } else { "them" }
                        ),
                    ));
                }
                // Every component still to restart, this renewal's and earlier ones' alike.
                let (pending, notes): (Vec<&String>, Vec<&String>) = done
                    .restart
                    .iter()
                    .partition(|r| Component::from_name(r).is_some());
                self.pki
                    .to_restart
                    .extend(pending.iter().filter_map(|r| Component::from_name(r)));
                let mut lead = format!("Renewed {} certificate(s)", plan.items.len());
                for n in notes {
                    lead.push(' ');
                    lead.push_str(n);
                }
                self.pki.banner = Some(self.pki.restart_banner(Tone::Ok, &lead));
                self.open_report("Renewed", lines);
                if let Some(Overlay::Dialog(d)) = self.overlays.last_mut() {
                    d.on_yes = restart;
                    d.undo = Some(Cmd::PlanRestore {
                        tmp_dir: plan.tmp_dir.clone(),
                        entry: done.entry.clone(),
                        now: self.now,
                    });
                }
                self.notice = None;
            }
            Err(e) => self.change_failed("Renewal", &e),
        }
        self.reveal();
        self.request_scan()
    }

    /// A renewal or undo that did not happen: a banner saying whether anything is left
    /// changed, and the error in a report.
    pub(super) fn change_failed<E: std::error::Error>(&mut self, what: &str, e: &TxnError<E>) {
        let text = if e.changed_nothing() {
            format!("{what} refused; nothing was changed.")
        } else if e.left_changes() {
            format!("{what} failed and some files could not be put back: read the report.")
        } else {
            format!("{what} failed; every file was put back as it was.")
        };
        self.pki.banner = Some((Tone::Expired, text));
        self.open_report(
            &format!("{what} failed"),
            vec![(Some(Tone::Expired), e.to_string())],
        );
    }

    pub(super) fn open_report(&mut self, title: &str, lines: Vec<(Option<Tone>, String)>) {
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: title.to_string(),
            lines,
            scroll: 0,
            ..Dialog::default()
        })));
    }
}
