//! The CSR list as shown: `/` narrows it, `s` orders it, Space marks rows for `a` and `d`.
//! The set itself stays in the watch's order; a filter or sort is a list of indices into it.

use super::csr::CsrTab;
use super::App;
use crate::cluster::CsrView;
use crate::tui::action::Action;

/// How the list is ordered: `s` steps through these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CsrSort {
    /// `kubectl get csr`'s order as kcert lists it: pending first, newest first.
    #[default]
    Kubectl,
    Name,
    /// Oldest first: who has waited longest.
    Age,
    /// Dangerous first, then failing, then valid; settled ones last.
    Verdict,
}

impl CsrSort {
    fn next(self) -> CsrSort {
        match self {
            CsrSort::Kubectl => CsrSort::Name,
            CsrSort::Name => CsrSort::Age,
            CsrSort::Age => CsrSort::Verdict,
            CsrSort::Verdict => CsrSort::Kubectl,
        }
    }

    /// The list title's flag: `by name`; `None` for the usual order.
    pub fn label(self) -> Option<&'static str> {
        match self {
            CsrSort::Kubectl => None,
            CsrSort::Name => Some("by name"),
            CsrSort::Age => Some("oldest first"),
            CsrSort::Verdict => Some("by verdict"),
        }
    }
}

impl CsrTab {
    /// Rows shown (after the filter).
    pub fn len(&self) -> usize {
        self.order.as_ref().map_or(self.set.views().len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th row shown.
    pub fn row(&self, i: usize) -> Option<&CsrView> {
        match &self.order {
            Some(o) => o.get(i).and_then(|&j| self.set.views().get(j)),
            None => self.set.views().get(i),
        }
    }

    /// The rows shown from `from` on, with their positions.
    pub fn rows_from(&self, from: usize) -> impl Iterator<Item = (usize, &CsrView)> {
        (from..self.len()).map_while(move |i| self.row(i).map(|v| (i, v)))
    }

    pub fn selected(&self) -> Option<&CsrView> {
        self.row(self.list.index)
    }

    pub(super) fn position(&self, name: &str) -> Option<usize> {
        if self.row(self.list.index).is_some_and(|v| v.name == name) {
            return Some(self.list.index);
        }
        (0..self.len()).find(|&i| self.row(i).is_some_and(|v| v.name == name))
    }

    /// Apply the filter and the sort to the set as it is now.
    pub(super) fn refresh(&mut self) {
        let filter = self.filter.to_lowercase();
        if filter.is_empty() && self.sort == CsrSort::Kubectl {
            self.order = None;
            return;
        }
        let views = self.set.views();
        let mut order: Vec<usize> = (0..views.len())
            .filter(|&i| filter.is_empty() || matches_filter(&views[i], &filter))
            .collect();
        match self.sort {
            CsrSort::Kubectl => {}
            CsrSort::Name => order.sort_by(|&a, &b| views[a].name.cmp(&views[b].name)),
            CsrSort::Age => order.sort_by_key(|&i| (views[i].created.is_none(), views[i].created)),
            CsrSort::Verdict => order.sort_by_key(|&i| {
                let v = &views[i];
                let rank = match (v.is_pending(), v.verdict.is_dangerous(), v.verdict.passed()) {
                    (true, true, _) => 0,
                    (true, _, false) => 1,
                    (true, ..) => 2,
                    _ => 3,
                };
                (rank, i)
            }),
        }
        self.order = Some(order);
    }

    /// The marked CSRs that are still listed, in list order.
    pub fn marked_views(&self) -> Vec<&CsrView> {
        self.set
            .views()
            .iter()
            .filter(|v| self.marked.contains(&v.name))
            .collect()
    }
}

/// Whether `v` matches a lower-case filter: any of the columns, the verdict or the subject.
fn matches_filter(v: &CsrView, filter: &str) -> bool {
    let subject = v.request.as_ref().as_ref().map(|r| r.subject.as_str());
    [
        v.name.as_str(),
        v.requestor.as_str(),
        v.signer_column(),
        v.condition.as_str(),
        &v.verdict.label(),
        subject.unwrap_or_default(),
    ]
    .iter()
    .any(|f| f.to_lowercase().contains(filter))
}

impl App {
    /// The CSR tab's own keys: the filter, the sort and the marks.
    pub(super) fn csr_view_action(&mut self, action: Action, typed: Option<char>) {
        let keep = self.csr.selected().map(|v| v.name.clone());
        let tab = &mut self.csr;
        match action {
            Action::StartFilter => tab.editing_filter = true,
            Action::FilterDone => tab.editing_filter = false,
            Action::ClearFilter => {
                // Esc while typing clears what is typed; Esc on the list clears the marks too.
                if !tab.editing_filter {
                    tab.marked.clear();
                }
                tab.editing_filter = false;
                tab.filter.clear();
            }
            Action::FilterInsert => tab.filter.extend(typed),
            Action::FilterBackspace => {
                tab.filter.pop();
            }
            Action::ToggleSort => tab.sort = tab.sort.next(),
            Action::ToggleMark => {
                let Some(name) = keep else { return };
                if !tab.marked.remove(&name) {
                    tab.marked.insert(name);
                }
                // On to the next row, as file managers do, so Space Space marks two.
                let page = self.page();
                let len = self.csr.len();
                self.csr.list.move_by(1, len, page);
                self.csr.details_scroll = 0;
                return;
            }
            _ => return,
        }
        // The selection stays on its CSR while it is shown, else the first match is selected,
        // as on the local tab.
        let tab = &mut self.csr;
        tab.refresh();
        match keep.and_then(|name| tab.position(&name)) {
            Some(i) => tab.list.index = i,
            None => {
                tab.list.index = 0;
                tab.details_scroll = 0;
            }
        }
        self.reveal();
    }
}
