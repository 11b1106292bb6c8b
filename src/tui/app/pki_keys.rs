//! The local PKI tab's keys: the filter and the switches change the tab's own model; folding,
//! rescan, renew, restart and explain need the layout or dialogs and go through `App`.

use super::{App, PkiTab};
use crate::tui::action::{Action, Cmd};

impl App {
    pub(super) fn pki_action(&mut self, action: Action, typed: Option<char>) -> Option<Cmd> {
        match action {
            Action::Rescan => return self.request_scan(),
            Action::Renew => return self.renew_selected(),
            Action::RenewExpiring => return self.renew_expiring(),
            Action::RestartConsumers => return self.restart_selected(),
            Action::Explain => self.ask_explain(),
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
