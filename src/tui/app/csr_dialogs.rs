//! `a` and `d` on the CSR tab: a dialog first (the verdict, the reason to type, the name of a
//! CSR that fails its checks), then on `y` or Enter the rows are marked busy and the work goes
//! to the event loop; its result comes back as [`CsrActed`]. Approving several at once (marks,
//! `A`) is in `csr_bulk`.

use super::{App, Dialog, Overlay};
use crate::cluster::{caution, ActionOutcome, Check, CsrView, Outcome};
use crate::tui::action::{Cmd, CsrActed, CsrAction};
use crate::tui::csr_text::{
    cannot_approve, check_line, checks_in_order, verdict_cell, verdict_glyph, verdict_summary,
    verdict_tone,
};
use crate::tui::status::Tone;

impl App {
    /// Type `typed` into the dialog's text field; `None` deletes the last character.
    pub(super) fn edit_prompt(&mut self, typed: Option<char>) {
        let Some(Overlay::Dialog(d)) = self.overlays.last_mut() else {
            return;
        };
        let Some(input) = d.input.as_mut() else {
            return;
        };
        match typed {
            Some(c) => input.push(c),
            None => {
                input.pop();
            }
        }
    }

    /// The selected CSR, or a notice saying there is none.
    fn target(&mut self) -> Option<CsrView> {
        let v = self.csr.selected().cloned();
        if v.is_none() {
            self.notice = Some("no CSR selected".into());
        }
        v
    }

    fn busy_notice(&mut self, v: &CsrView) -> bool {
        if let Some(verb) = self.csr.busy.get(&v.name) {
            self.notice = Some(format!("{} is already being handled ({verb}…)", v.name));
            return true;
        }
        false
    }

    /// `a`: the marked CSRs when there are any, else the selected one.
    pub(super) fn ask_approve(&mut self) {
        if !self.csr.marked.is_empty() {
            return self.ask_approve_marked();
        }
        let Some(v) = self.target() else { return };
        if let Some(why) = cannot_approve(&v) {
            self.open_report("Cannot approve", vec![(Some(Tone::Expired), why)]);
            return;
        }
        if v.is_approved() {
            self.notice = Some(format!("{} is already approved", v.name));
            return;
        }
        if self.busy_notice(&v) {
            return;
        }
        let Some(caution) = caution(&v) else {
            let mut lines = summary(&v);
            lines.push((None, String::new()));
            lines.extend(verdict_lines(&v));
            lines.push((None, String::new()));
            lines.push((Some(Tone::Ok), "Press y to approve, n to cancel.".into()));
            self.overlays.push(Overlay::Dialog(Box::new(Dialog {
                title: format!("Approve {}?", v.name),
                lines,
                on_yes: Some(Cmd::Csr(CsrAction::Approve(vec![v.name.clone()]))),
                ..Dialog::default()
            })));
            return;
        };
        // What is wrong comes first and whole; approving takes the name typed, not a key.
        let tone = verdict_tone(&v.verdict);
        let mut lines = vec![(
            Some(tone),
            format!(
                "{} kcert would not approve this request: {}.",
                verdict_glyph(&v.verdict),
                caution.headline()
            ),
        )];
        lines.extend(check_lines(&v, |c| c.outcome == Outcome::Fail));
        lines.push((
            Some(Tone::Warning),
            format!(
                "To approve it anyway, type its name ({}) and press Enter. Esc cancels.",
                v.name
            ),
        ));
        lines.push((None, String::new()));
        lines.extend(summary(&v));
        lines.push((None, String::new()));
        lines.push((None, "Checks that pass:".into()));
        lines.extend(check_lines(&v, |c| c.outcome != Outcome::Fail));
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title: format!("Approve {}? It fails its checks", v.name),
            lines,
            on_yes: Some(Cmd::Csr(CsrAction::Approve(vec![v.name.clone()]))),
            input: Some(String::new()),
            prompt: "Name to approve".into(),
            confirm_text: Some(v.name.clone()),
            ..Dialog::default()
        })));
    }

    /// `d`: the marked CSRs when there are any, else the selected one; a reason for all.
    pub(super) fn ask_deny(&mut self) {
        let (names, mut lines, title) = if self.csr.marked.is_empty() {
            let Some(v) = self.target() else { return };
            if v.is_approved() {
                let why = format!(
                    "{} is already Approved. An approval cannot be taken back by denying: \
                     Kubernetes keeps the Approved condition.",
                    v.name
                );
                self.open_report("Cannot deny", vec![(Some(Tone::Expired), why)]);
                return;
            }
            if v.is_denied() {
                self.notice = Some(format!("{} is already denied", v.name));
                return;
            }
            if self.busy_notice(&v) {
                return;
            }
            let mut lines = summary(&v);
            lines.push((
                Some(verdict_tone(&v.verdict)),
                format!("Verdict    {}", verdict_cell(&v.verdict)),
            ));
            (vec![v.name.clone()], lines, format!("Deny {}?", v.name))
        } else {
            let mut names = Vec::new();
            let mut lines = vec![(None, "The marked CSRs:".to_string())];
            for v in self.csr.marked_views() {
                let skip = if v.is_approved() {
                    Some("is Approved: an approval cannot be taken back")
                } else if v.is_denied() {
                    Some("is already denied")
                } else if self.csr.busy.contains_key(&v.name) {
                    Some("is being handled")
                } else {
                    None
                };
                match skip {
                    Some(why) => lines.push((Some(Tone::Unknown), format!("  · {} {why}", v.name))),
                    None => {
                        let cell = verdict_cell(&v.verdict);
                        lines.push((None, format!("  ✗ {}  {cell}", v.name)));
                        names.push(v.name.clone());
                    }
                }
            }
            if names.is_empty() {
                lines.push((None, "None of them can be denied: nothing to do.".into()));
                self.open_report("Deny the marked CSRs", lines);
                return;
            }
            let title = format!("Deny {} marked CSR(s)?", names.len());
            (names, lines, title)
        };
        lines.push((None, String::new()));
        let them = if names.len() == 1 { "it" } else { "them" };
        lines.push((
            None,
            format!(
                "Why deny {them}? The reason is recorded in the Denied condition for the \
                 requestor and other admins. Type it, then Enter; Esc cancels."
            ),
        ));
        self.overlays.push(Overlay::Dialog(Box::new(Dialog {
            title,
            lines,
            on_yes: Some(Cmd::Csr(CsrAction::Deny {
                names,
                reason: String::new(),
            })),
            input: Some(String::new()),
            prompt: "Reason".into(),
            ..Dialog::default()
        })));
    }

    /// `y` or Enter in a CSR dialog: mark the rows busy and hand the work to the loop.
    pub(super) fn csr_confirmed(
        &mut self,
        action: CsrAction,
        input: Option<String>,
    ) -> Option<Cmd> {
        let action = match (action, input) {
            (CsrAction::Deny { names, .. }, Some(reason)) => CsrAction::Deny {
                names,
                reason: reason.trim().to_string(),
            },
            (action, _) => action,
        };
        let names = action.names();
        for n in &names {
            self.csr.busy.insert(n.clone(), action.verb());
            self.csr.marked.remove(n);
        }
        self.notice = Some(match names.as_slice() {
            [one] => format!("{} {one}…", action.verb()),
            many => format!("{} {} CSRs…", action.verb(), many.len()),
        });
        Some(Cmd::Csr(action))
    }

    /// Successes go to the footer (the watch shows the new condition); failures get a report.
    pub(super) fn csr_acted(&mut self, done: CsrActed) {
        for (name, _) in &done.results {
            self.csr.busy.remove(name);
        }
        self.notice = None;
        let failed = done.results.iter().filter(|(_, r)| r.is_err()).count();
        if failed == 0 {
            self.notice = Some(match done.results.as_slice() {
                [(name, Ok(outcome))] => format!("{name} {}", outcome_words(*outcome)),
                all => format!("{} {} CSRs", past(&done.action), all.len()),
            });
            return;
        }
        let title = match (&done.action, failed == done.results.len()) {
            (CsrAction::Approve(_), true) => "Approval failed",
            (CsrAction::Approve(_), false) => "Some approvals failed",
            (CsrAction::Deny { .. }, _) => "Denial failed",
        };
        let lines = done
            .results
            .iter()
            .map(|(name, r)| match r {
                Ok(o) => (Some(Tone::Ok), format!("✓ {name} {}", outcome_words(*o))),
                Err(e) => (Some(Tone::Expired), format!("✗ {e}")),
            })
            .collect();
        self.open_report(title, lines);
    }
}

fn past(action: &CsrAction) -> &'static str {
    match action {
        CsrAction::Approve(_) => "approved",
        CsrAction::Deny { .. } => "denied",
    }
}

fn outcome_words(o: ActionOutcome) -> &'static str {
    match o {
        ActionOutcome::Approved => "approved",
        ActionOutcome::Denied => "denied",
        ActionOutcome::AlreadyApproved => "was already approved",
        ActionOutcome::AlreadyDenied => "was already denied",
    }
}

/// `Verdict: …` and every check, failures first.
fn verdict_lines(v: &CsrView) -> Vec<(Option<Tone>, String)> {
    let mut lines = vec![(
        Some(verdict_tone(&v.verdict)),
        format!("Verdict: {}", verdict_summary(&v.verdict)),
    )];
    lines.extend(check_lines(v, |_| true));
    lines
}

/// The checks that `keep` picks, failures first.
fn check_lines(v: &CsrView, keep: impl Fn(&Check) -> bool) -> Vec<(Option<Tone>, String)> {
    checks_in_order(&v.verdict)
        .into_iter()
        .filter(|c| keep(c))
        .map(|c| {
            let (tone, text) = check_line(c);
            (Some(tone), format!("  {text}"))
        })
        .collect()
}

/// Who asks for what: the first lines of the approve and deny dialogs.
fn summary(v: &CsrView) -> Vec<(Option<Tone>, String)> {
    let mut out = vec![
        (None, format!("Requestor  {}", v.requestor)),
        (None, format!("Signer     {}", v.signer_column())),
    ];
    match v.request.as_ref() {
        Ok(r) => {
            out.push((None, format!("Subject    {}", r.subject)));
            let sans = r.sans();
            if !sans.is_empty() {
                out.push((None, format!("SANs       {}", sans.join(", "))));
            }
        }
        Err(e) => out.push((
            Some(Tone::Expired),
            format!("Request    cannot be read: {e}"),
        )),
    }
    out.push((None, format!("Duration   {}", v.requested_duration())));
    out
}
