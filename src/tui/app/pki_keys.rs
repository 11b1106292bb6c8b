//! The local PKI tab's keys: the filter and the switches change the tab's own model; folding,
//! rescan, renew, restart and explain need the layout or dialogs and go through `App`.

use super::{App, PkiTab};
use crate::tui::action::{Action, Cmd, TaskError};
use crate::tui::status::Tone;
use crate::tui::tree::Node;

impl App {
    pub(super) fn pki_action(&mut self, action: Action, typed: Option<char>) -> Option<Cmd> {
        if self.refuse_remote(action) {
            return None;
        }
        match action {
            Action::Rescan => return self.request_scan(),
            Action::Renew => return self.renew_selected(),
            Action::RenewExpiring => return self.renew_expiring(),
            Action::RestartConsumers => return self.restart_selected(),
            Action::Explain => self.ask_explain(),
            Action::ShowRestartLog => self.show_restart_log(),
            Action::ShowText => return self.show_text(),
            Action::CopyPath => return self.copy_path(),
            Action::ShowCaPlan => return self.plan_ca(),
            Action::Collapse => self.collapse(),
            Action::Expand => self.expand(),
            Action::Toggle => match self.pki.rows.get(self.pki.tree.index) {
                Some(r) if r.expanded => self.collapse(),
                Some(_) => self.expand(),
                None => {}
            },
            Action::ToggleTimeline => self.toggle_timeline(),
            _ => {
                if self.pki.switch(action, typed) {
                    self.rebuild();
                }
            }
        }
        None
    }
}

impl App {
    /// The selected certificate, or a notice saying what to select.
    fn selected_cert(&mut self, what: &str) -> Option<&crate::pki::CertEntry> {
        let id = match self.pki.selected() {
            Some(Node::Cert(id)) => id,
            _ => {
                self.notice = Some(format!("select a certificate to {what}"));
                return None;
            }
        };
        self.pki.data.as_ref().and_then(|d| d.inv.certs.get(id))
    }

    /// `y`: the selected certificate's file (absolute) onto the terminal's clipboard.
    fn copy_path(&mut self) -> Option<Cmd> {
        let path = self
            .selected_cert("copy its path")?
            .origin
            .path()
            .display()
            .to_string();
        self.notice = Some(format!("copied {path} (OSC 52)"));
        Some(Cmd::Copy(path))
    }

    /// `P`: the selected CA's plan, worked out off the UI thread (it reads the manifests).
    fn plan_ca(&mut self) -> Option<Cmd> {
        let Some(Node::Cert(id)) = self.pki.selected() else {
            self.notice = Some("select a CA to see its plan".into());
            return None;
        };
        let d = self.pki.data.as_ref()?;
        if !d.inv.certs.get(id)?.is_ca {
            self.notice = Some("P shows a CA's plan: select a CA".into());
            return None;
        }
        Some(Cmd::PlanCa {
            inv: d.inv.clone(),
            id,
        })
    }

    /// A CA's plan arrived: shown as a report.
    pub(super) fn ca_planned(&mut self, title: &str, lines: Result<Vec<String>, TaskError>) {
        let lines = match lines {
            Ok(lines) => lines.into_iter().map(|l| (None, l)).collect(),
            Err(e) => vec![(Some(Tone::Expired), format!("no plan: {e}"))],
        };
        self.open_report(title, lines);
    }

    /// `x`: the selected certificate laid out like `openssl x509 -text`, from kcert's decode.
    /// Worked out off the UI thread: a verified leaf's DER is read again from its file.
    fn show_text(&mut self) -> Option<Cmd> {
        self.selected_cert("show")?;
        let Some(Node::Cert(id)) = self.pki.selected() else {
            return None;
        };
        let inv = self.pki.data.as_ref()?.inv.clone();
        Some(Cmd::ShowText { inv, id })
    }

    /// The text of [`Self::show_text`] arrived.
    pub(super) fn text_shown(&mut self, title: &str, lines: Result<Vec<String>, String>) {
        let lines = match lines {
            Ok(lines) => lines.into_iter().map(|l| (None, l)).collect(),
            Err(e) => vec![(Some(Tone::Expired), e)],
        };
        self.open_report(title, lines);
    }
}

impl PkiTab {
    /// The filter and the view switches; `true` when the rows must be rebuilt.
    fn switch(&mut self, action: Action, typed: Option<char>) -> bool {
        let view = &mut self.view;
        match action {
            Action::ToggleMonthly => view.monthly = !view.monthly,
            Action::StartFilter => view.editing_filter = true,
            Action::FilterDone => view.editing_filter = false,
            Action::ClearFilter => {
                view.editing_filter = false;
                let had = !view.filter.is_empty();
                view.filter.clear();
                return had;
            }
            Action::FilterInsert => {
                if let Some(c) = typed {
                    view.filter.push(c);
                }
                return typed.is_some();
            }
            Action::FilterBackspace => return view.filter.pop().is_some(),
            Action::ToggleProblems => {
                view.problems_only = !view.problems_only;
                return true;
            }
            Action::ToggleSort => {
                view.sort_by_expiry = !view.sort_by_expiry;
                return true;
            }
            _ => {}
        }
        false
    }
}
