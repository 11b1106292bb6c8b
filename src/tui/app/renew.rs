//! Renewal from the UI: `r`/`R` ask a background task for a plan, a dialog shows exactly what
//! will happen, `y` applies it in the background, and the result comes back as a report, a
//! banner naming the components to restart, and a rescan.

use super::{App, Dialog, Overlay};
use crate::renew::{self, Applied, Plan, RenewOptions, Selection};
use crate::tui::action::Cmd;
use crate::tui::status::Tone;
use crate::tui::tree::Node;

impl App {
    fn plan_cmd(&self, selection: Selection, update_ca_data: bool) -> Option<Cmd> {
        let d = self.data.as_ref()?;
        let mut opts = RenewOptions::new(self.now);
        opts.update_ca_data = update_ca_data;
        Some(Cmd::PlanRenew {
            inv: d.inv.clone(),
            selection,
            opts,
        })
    }

    pub(super) fn renew_selected(&mut self) -> Option<Cmd> {
        let Some(Node::Cert(id)) = self.selected() else {
            self.notice = Some("select a certificate to renew".into());
            return None;
        };
        self.notice = Some("planning the renewal…".into());
        self.plan_cmd(Selection::Ids(vec![id]), false)
    }

    pub(super) fn renew_expiring(&mut self) -> Option<Cmd> {
        let days = self.data.as_ref()?.inv.thresholds.warn_days;
        self.notice = Some("planning the renewal…".into());
        self.plan_cmd(Selection::Expiring(days), false)
    }

    pub(super) fn renew_planned(&mut self, result: Result<Box<Plan>, String>) -> Option<Cmd> {
        self.notice = None;
        let plan = match result {
            Ok(p) => p,
            Err(e) => {
                self.open_report("Renewal", vec![(Some(Tone::Expired), e)]);
                return None;
            }
        };
        let mut lines: Vec<(Option<Tone>, String)> = renew::describe(&plan)
            .into_iter()
            .map(|l| {
                let tone =
                    (l.starts_with("Not renewed") || l.contains("note:")).then_some(Tone::Warning);
                (tone, l)
            })
            .collect();
        if plan.items.is_empty() {
            lines.push((None, "Nothing to renew.".into()));
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
        })));
        None
    }

    pub(super) fn confirm(&mut self) -> Option<Cmd> {
        let Some(Overlay::Dialog(d)) = self.overlays.pop() else {
            return None;
        };
        if matches!(d.on_yes, Some(Cmd::ApplyRenew(_))) {
            self.notice = Some("renewing: backing up, writing, verifying…".into());
        }
        d.on_yes
    }

    pub(super) fn replan(&mut self) -> Option<Cmd> {
        let Some(Overlay::Dialog(d)) = self.overlays.last() else {
            return None;
        };
        let cmd = d.replan.clone()?;
        self.overlays.pop();
        self.notice = Some("planning the renewal…".into());
        Some(cmd)
    }

    pub(super) fn renew_done(
        &mut self,
        plan: &Plan,
        result: Result<Applied, String>,
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
                                i.new_not_after.format("%Y-%m-%d %H:%M UTC")
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
                lines.push((None, format!("Journal: {}", done.journal.display())));
                self.banner = Some(if done.restart.is_empty() {
                    (
                        Tone::Ok,
                        format!("Renewed {} certificate(s).", plan.items.len()),
                    )
                } else {
                    (
                        Tone::Warning,
                        format!(
                            "Renewed {} certificate(s): now restart {}.",
                            plan.items.len(),
                            renew::and_list(&done.restart)
                        ),
                    )
                });
                self.open_report("Renewed", lines);
            }
            Err(e) => {
                let text = if e.contains("COULD NOT RESTORE") {
                    "Renewal failed and some files could not be restored: read the report."
                } else {
                    "Renewal failed; every file was put back as it was."
                };
                self.banner = Some((Tone::Expired, text.into()));
                self.open_report("Renewal failed", vec![(Some(Tone::Expired), e)]);
            }
        }
        self.reveal();
        self.request_scan()
    }

    fn open_report(&mut self, title: &str, lines: Vec<(Option<Tone>, String)>) {
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: title.to_string(),
            lines,
            scroll: 0,
            on_yes: None,
            replan: None,
        })));
    }
}
