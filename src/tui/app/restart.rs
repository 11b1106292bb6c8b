//! Restarting the static pods that use a certificate: after a renewal, or `S` on a
//! certificate. A background task plans (reading the journal), a dialog shows the plan and
//! waits for `y`, the restart runs in a task and each step lands in a progress dialog; at the
//! end the disk is scanned and the listeners probed again.

use super::{App, Dialog, Overlay, PkiTab};
use crate::pki::CertId;
use crate::renew::and_list;
use crate::report::runtime::{plan_lines, step_line};
use crate::runtime::{Component, RestartPlan};
use crate::tui::action::{Cmd, RestartMsg, TaskError};
use crate::tui::status::Tone;
use crate::tui::tree::Node;

impl PkiTab {
    /// `lead` and, while any is left, every component still to restart: "… : now restart
    /// etcd and kube-apiserver." Warning at least while some are left.
    pub(super) fn restart_banner(&self, tone: Tone, lead: &str) -> (Tone, String) {
        if self.to_restart.is_empty() {
            return (tone, format!("{lead}."));
        }
        let names: Vec<String> = self.to_restart.iter().map(|c| c.to_string()).collect();
        (
            tone.max(Tone::Warning),
            format!("{lead}: now restart {}.", and_list(&names)),
        )
    }

    /// The static pods on this node that use any of `ids` (the kubelet is no static pod).
    pub fn restart_components(&self, ids: &[CertId]) -> Vec<Component> {
        let Some(f) = self.data.as_ref().and_then(|d| d.findings.as_ref()) else {
            return Vec::new();
        };
        let mut out: Vec<Component> = ids
            .iter()
            .flat_map(|&id| f.usage.of(id))
            .filter_map(|c| Component::from_name(&c.component))
            .filter(|&c| c != Component::Kubelet && f.node.manifests.pod(c).is_some())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

impl App {
    /// A command planning restarts of `components`, or why there is none.
    pub(super) fn plan_restart_cmd(&mut self, components: Vec<Component>) -> Option<Cmd> {
        if self.pki.restarting {
            self.notice = Some("a restart is running; wait for it to end".into());
            return None;
        }
        let node = self
            .pki
            .data
            .as_ref()
            .and_then(|d| d.findings.as_ref())
            .map(|f| f.node.paths.clone())?;
        self.notice = Some("planning the restart…".into());
        Some(Cmd::PlanRestart {
            node,
            components,
            now: self.now,
        })
    }

    /// `S`: restart what uses the selected certificate.
    pub(super) fn restart_selected(&mut self) -> Option<Cmd> {
        let Some(Node::Cert(id)) = self.pki.selected() else {
            self.notice = Some("select a certificate whose components to restart".into());
            return None;
        };
        let d = self.pki.data.as_ref()?;
        if d.findings.is_none() {
            self.notice =
                Some("no node configuration (manifests) was read: nothing to restart".into());
            return None;
        }
        let components = self.pki.restart_components(&[id]);
        if components.is_empty() {
            self.notice = Some(format!(
                "no static pod on this node uses {}",
                d.inv.certs[id].display_name()
            ));
            return None;
        }
        self.plan_restart_cmd(components)
    }

    pub(super) fn restart_planned(&mut self, result: Result<Vec<RestartPlan>, TaskError>) {
        self.notice = None;
        let plans = match result {
            Ok(p) if !p.is_empty() => p,
            Ok(_) => return,
            Err(e) => {
                self.open_report("Restart", vec![(Some(Tone::Expired), e.to_string())]);
                return;
            }
        };
        let mut lines: Vec<(Option<Tone>, String)> = plans
            .iter()
            .flat_map(plan_lines)
            .map(|l| (None, l))
            .collect();
        lines.push((None, String::new()));
        lines.push((Some(Tone::Ok), "Press y to restart, n to cancel.".into()));
        let names: Vec<&str> = plans.iter().map(|p| p.component.name()).collect();
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: format!("Restart {}?", names.join(", ")),
            lines,
            on_yes: Some(Cmd::Restart(plans)),
            ..Dialog::default()
        })));
    }

    /// `y` on a restart plan: open the progress dialog and start.
    pub(super) fn restart_confirmed(&mut self, plans: Vec<RestartPlan>) -> Option<Cmd> {
        if self.pki.restarting {
            self.notice = Some("a restart is running; wait for it to end".into());
            return None;
        }
        self.pki.restarting = true;
        let names: Vec<&str> = plans.iter().map(|p| p.component.name()).collect();
        let title = format!("Restarting {}", names.join(", "));
        self.pki.restart_log = Some((title.clone(), Vec::new()));
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title,
            progress: true,
            ..Dialog::default()
        })));
        Some(Cmd::Restart(plans))
    }

    /// `L`: the last restart's steps again; while it runs, new steps keep arriving in it.
    pub(super) fn show_restart_log(&mut self) {
        let Some((title, lines)) = &self.pki.restart_log else {
            self.notice = Some("no restart has run since kcert started".into());
            return;
        };
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: title.clone(),
            lines: lines.clone(),
            progress: self.pki.restarting,
            scroll: usize::MAX,
            ..Dialog::default()
        })));
    }

    /// `c` while a restart runs: stop it; the task puts the manifest back and reports.
    pub(super) fn cancel_restart(&mut self) -> Option<Cmd> {
        if !self.pki.restarting {
            return None;
        }
        self.progress_line(
            Some(Tone::Warning),
            "Cancelling: the manifest goes back.".into(),
            false,
        );
        Some(Cmd::CancelRestart)
    }

    /// A step of a running restart; the end of all of them rescans (and so probes again).
    pub(super) fn restart_progress(&mut self, m: RestartMsg) -> Option<Cmd> {
        let (tone, line, replace) = match &m {
            RestartMsg::Begin(c, kind) => (None, format!("{c}: {}…", kind.describe()), false),
            RestartMsg::End(c, step) => (
                (!step.ok).then_some(Tone::Warning),
                format!("{c}:{}", step_line(step).trim_start_matches(' ')),
                true,
            ),
            RestartMsg::Done {
                component,
                result: Ok(total),
            } => {
                self.pki.to_restart.remove(component);
                let lead = format!("Restarted {component}");
                self.pki.banner = Some(self.pki.restart_banner(Tone::Ok, &lead));
                (
                    Some(Tone::Ok),
                    format!("✓ {component} restarted in {:.1} s", total.as_secs_f64()),
                    false,
                )
            }
            RestartMsg::Done {
                component,
                result: Err(failed),
            } => {
                // The cause stays in sight after the steps are hidden: the step that failed
                // says what the probe found ("127.0.0.1:6443: not listening").
                let cause = failed
                    .error
                    .report()
                    .and_then(|r| r.steps.iter().rev().find(|s| !s.ok))
                    .map_or_else(|| failed.error.to_string(), |s| s.note.clone());
                let mut text = format!("Restart of {component} failed: {cause}.");
                if !self.pki.to_restart.is_empty() {
                    let names: Vec<String> =
                        self.pki.to_restart.iter().map(|c| c.to_string()).collect();
                    text += &format!(" Still to restart: {}.", and_list(&names));
                }
                text += " L shows its steps.";
                self.pki.banner = Some((Tone::Expired, text));
                self.progress_line(Some(Tone::Expired), failed.error.to_string(), false);
                self.progress_line(Some(Tone::Expired), failed.journal.clone(), false);
                return None;
            }
            RestartMsg::Crashed(why) => {
                self.pki.banner = Some((Tone::Expired, "The restart task crashed.".into()));
                self.progress_line(
                    Some(Tone::Expired),
                    format!("The restart task crashed: {why}. Check the manifests directory."),
                    false,
                );
                return self.restart_progress(RestartMsg::AllDone);
            }
            RestartMsg::AllDone => {
                self.pki.restarting = false;
                self.progress_line(None, "Scanning and probing again…".into(), false);
                if let Some(Overlay::Dialog(d)) = self
                    .overlays
                    .iter_mut()
                    .rev()
                    .find(|o| matches!(o, Overlay::Dialog(d) if d.progress))
                {
                    d.progress = false;
                }
                return self.request_scan();
            }
        };
        self.progress_line(tone, line, replace);
        None
    }

    /// Add a line to the progress dialog (replacing the step's "…" line when it ended), or
    /// to the footer when the dialog was closed.
    fn progress_line(&mut self, tone: Option<Tone>, line: String, replace: bool) {
        let push = |lines: &mut Vec<(Option<Tone>, String)>| {
            if replace && lines.last().is_some_and(|(_, l)| l.ends_with('…')) {
                lines.pop();
            }
            lines.push((tone, line.clone()));
        };
        if let Some((_, log)) = &mut self.pki.restart_log {
            push(log);
        }
        let dialog = self.overlays.iter_mut().rev().find_map(|o| match o {
            Overlay::Dialog(d) if d.progress => Some(d),
            _ => None,
        });
        match dialog {
            Some(d) => {
                push(&mut d.lines);
                // The newest step stays in view (the scroll is clamped when drawn).
                d.scroll = usize::MAX;
            }
            None => self.notice = Some(line),
        }
    }
}
