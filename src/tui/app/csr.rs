//! The CSR tab's model: the cluster watch's events applied to the sorted list (the selection
//! stays on the same CSR), counts and column widths kept up to date, and the connection state
//! turned into a banner. The actions are in `csr_dialogs`.

use std::collections::{BTreeSet, HashMap};

use unicode_width::UnicodeWidthStr;

use super::{App, Focus, Tab};
use crate::cluster::{ClusterEvent, ConnectionState, CsrSet, CsrView, Diagnosis};
use crate::tui::action::{Action, Cmd};
use crate::tui::csr_text::{requestor_cell, short_signer, verdict_cell};
use crate::tui::cursor::Cursor;
use crate::tui::status::Tone;
use crate::tui::view;

/// What the header and the tab label count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsrCounts {
    pub pending: usize,
    /// Pending and passing every check: what `A` would approve.
    pub approvable: usize,
    /// Pending with a dangerous failure.
    pub dangerous: usize,
    pub approved: usize,
    pub denied: usize,
}

impl CsrCounts {
    fn of(set: &CsrSet) -> CsrCounts {
        let mut c = CsrCounts::default();
        set.views().iter().for_each(|v| c.count(v, true));
        c
    }

    /// Add (or take away) one CSR, so a single change does not recount thousands.
    fn count(&mut self, v: &CsrView, add: bool) {
        let bump = |n: &mut usize, on: bool| {
            if on {
                *n = if add { *n + 1 } else { n.saturating_sub(1) };
            }
        };
        if v.is_pending() {
            bump(&mut self.pending, true);
            bump(&mut self.approvable, v.verdict.passed());
            bump(&mut self.dangerous, v.verdict.is_dangerous());
        } else if v.is_denied() {
            bump(&mut self.denied, true);
        } else {
            bump(&mut self.approved, true);
        }
    }
}

/// The widest cell of each column over every row (AGE excepted: it changes with the clock
/// and is measured on screen). Kept here so a frame never walks thousands of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnWidths {
    pub name: usize,
    pub signer: usize,
    pub short_signer: usize,
    pub requestor: usize,
    pub duration: usize,
    pub condition: usize,
    pub verdict: usize,
}

impl ColumnWidths {
    fn grow(&mut self, v: &CsrView) {
        let w = |s: &str| s.width();
        self.name = self.name.max(w(&v.name));
        self.signer = self.signer.max(w(v.signer_column()));
        self.short_signer = self.short_signer.max(w(short_signer(v.signer_column())));
        self.requestor = self.requestor.max(w(&requestor_cell(&v.requestor)));
        self.duration = self.duration.max(w(&v.requested_duration()));
        self.condition = self.condition.max(w(&v.condition));
        self.verdict = self.verdict.max(w(&verdict_cell(&v.verdict)));
    }

    fn of(set: &CsrSet) -> ColumnWidths {
        let mut w = ColumnWidths::default();
        set.views().iter().for_each(|v| w.grow(v));
        w
    }
}

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

#[derive(Debug)]
pub struct CsrTab {
    pub set: CsrSet,
    pub list: Cursor,
    pub details_scroll: usize,
    /// `Tree` is the list.
    pub focus: Focus,
    pub counts: CsrCounts,
    pub widths: ColumnWidths,
    /// CSRs with an approval or denial in flight, and the word shown meanwhile.
    pub busy: HashMap<String, &'static str>,
    /// The last connection failure, kept while the watch retries so the banner stays put.
    pub failure: Option<Diagnosis>,
    /// Whether cluster access is configured at all (not in tests and benchmarks).
    pub enabled: bool,
    /// Whether a complete list has arrived since the UI started.
    pub loaded: bool,
    /// `/`: what the list is narrowed to (name, requestor, signer, condition, verdict, subject).
    pub filter: String,
    pub editing_filter: bool,
    pub sort: CsrSort,
    /// Names marked with Space; `a` and `d` act on these when there are any.
    pub marked: BTreeSet<String>,
    /// Ctrl-R asked for a new connection: the footer says how it ends.
    pub(super) reconnecting: bool,
    /// Indices into `set.views()` in display order while a filter or a sort is on; `None`
    /// shows the set as it is, so a watch event on thousands of rows costs no re-sort.
    order: Option<Vec<usize>>,
}

impl CsrTab {
    pub fn new(enabled: bool) -> CsrTab {
        CsrTab {
            set: CsrSet::default(),
            list: Cursor::default(),
            details_scroll: 0,
            focus: Focus::Tree,
            counts: CsrCounts::default(),
            widths: ColumnWidths::default(),
            busy: HashMap::new(),
            failure: None,
            enabled,
            loaded: false,
            filter: String::new(),
            editing_filter: false,
            sort: CsrSort::Kubectl,
            marked: BTreeSet::new(),
            reconnecting: false,
            order: None,
        }
    }

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

    fn position(&self, name: &str) -> Option<usize> {
        if self.row(self.list.index).is_some_and(|v| v.name == name) {
            return Some(self.list.index);
        }
        (0..self.len()).find(|&i| self.row(i).is_some_and(|v| v.name == name))
    }

    /// Apply the filter and the sort to the set as it is now.
    fn refresh(&mut self) {
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

    /// No kubeconfig anywhere: said calmly in the tab, not as an error banner.
    pub fn no_kubeconfig(&self) -> Option<&Diagnosis> {
        self.failure
            .as_ref()
            .filter(|d| matches!(d, Diagnosis::NoKubeconfig { .. }))
    }

    /// Why the cluster cannot be reached, while it cannot.
    pub fn banner(&self) -> Option<String> {
        let d = self.failure.as_ref()?;
        if self.no_kubeconfig().is_some() {
            return None;
        }
        Some(match self.set.banner() {
            Some(b) => b,
            None => format!("{} (retrying now)", d.banner()),
        })
    }

    pub fn connected(&self) -> bool {
        matches!(
            self.set.connection(),
            Some(ConnectionState::Connected { .. })
        )
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
    pub(super) fn watch_cmd(&self) -> Option<Cmd> {
        self.cluster.clone().map(|c| Cmd::WatchCluster(Box::new(c)))
    }

    pub(super) fn reconnect(&mut self) -> Option<Cmd> {
        let cmd = self.watch_cmd();
        self.csr.reconnecting = cmd.is_some();
        self.notice = Some(match cmd {
            Some(_) => "reconnecting to the cluster…".into(),
            None => "cluster access is off".into(),
        });
        cmd
    }

    /// After Ctrl-R, the first verdict of the new connection replaces "reconnecting…".
    fn reconnect_ended(&mut self, ev: &ClusterEvent) {
        if !self.csr.reconnecting {
            return;
        }
        let at = crate::pki::format::datetime_secs(self.now);
        let said = match ev {
            ClusterEvent::Connection(ConnectionState::Connected { server, .. }) => {
                format!("reconnected to {server} at {at}")
            }
            ClusterEvent::Connection(ConnectionState::Failed { diagnosis, .. }) => {
                format!("reconnect failed at {at}: {}", diagnosis.banner())
            }
            _ => return,
        };
        self.csr.reconnecting = false;
        self.notice = Some(said);
    }

    /// The banner line for the tab on screen: the renewal outcome on tab 1; on the cluster
    /// tabs why the cluster cannot be reached, else (tab 2) the auto-approval summary.
    pub fn banner_line(&self) -> Option<(Tone, String)> {
        let unreachable = || self.csr.banner().map(|b| (Tone::Expired, b));
        match self.tab {
            Tab::LocalPki => self.pki.banner.clone(),
            Tab::Csr => unreachable().or_else(|| self.doctor_banner()),
            Tab::Tokens => unreachable(),
        }
    }

    /// Screen rows the banner takes (long diagnoses wrap onto up to three).
    pub fn banner_rows(&self) -> u16 {
        self.banner_rows_at(self.size.width)
    }

    pub(super) fn banner_rows_at(&self, width: u16) -> u16 {
        self.banner_line().map_or(0, |(tone, text)| {
            view::banner_lines(tone, &text, width).len() as u16
        })
    }

    pub(super) fn cluster_event(&mut self, ev: ClusterEvent) {
        self.reconnect_ended(&ev);
        let keep = self.csr.selected().map(|v| v.name.clone());
        let tab = &mut self.csr;
        let replaced = match &ev {
            ClusterEvent::Upsert(v) => tab.set.get(&v.name),
            ClusterEvent::Removed { name } => tab.set.get(name),
            _ => None,
        };
        if let Some(old) = replaced {
            tab.counts.count(old, false);
        }
        match &ev {
            ClusterEvent::Connection(ConnectionState::Connected { .. }) => tab.failure = None,
            ClusterEvent::Connection(ConnectionState::Failed { diagnosis, .. }) => {
                tab.failure = Some(diagnosis.clone());
            }
            ClusterEvent::Connection(ConnectionState::Connecting) => {}
            ClusterEvent::Snapshot(_) => tab.loaded = true,
            ClusterEvent::Upsert(v) => {
                tab.widths.grow(v);
                tab.counts.count(v, true);
            }
            ClusterEvent::Removed { .. } => {}
        }
        let snapshot = matches!(ev, ClusterEvent::Snapshot(_));
        let listing = !matches!(ev, ClusterEvent::Connection(_));
        tab.set.apply(ev);
        if snapshot {
            tab.widths = ColumnWidths::of(&tab.set);
            tab.counts = CsrCounts::of(&tab.set);
            let set = &tab.set;
            tab.marked.retain(|n| set.get(n).is_some());
        }
        if listing {
            tab.refresh();
        }
        self.keep_csr_selection(keep);
    }

    /// The selection follows its CSR as it moves (approved rows sink below pending ones);
    /// when it is gone, the row that took its place is selected.
    fn keep_csr_selection(&mut self, keep: Option<String>) {
        let tab = &mut self.csr;
        match keep.and_then(|name| tab.position(&name)) {
            Some(i) => tab.list.index = i,
            None => tab.details_scroll = 0,
        }
        self.reveal();
    }

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

    pub(super) fn csr_nav(&mut self, delta: isize, page: usize) {
        match self.csr.focus {
            Focus::Tree => {
                let before = self.csr.list.index;
                let len = self.csr.len();
                self.csr.list.move_by(delta, len, page);
                if self.csr.list.index != before {
                    self.csr.details_scroll = 0;
                }
            }
            Focus::Details => {
                let rows = self.csr.len();
                let width = self
                    .areas()
                    .map_or(0, |a| view::csr::split(a.body, rows).1.width);
                let len = view::csr::details_lines(self, width).len();
                let max = len.saturating_sub(page);
                let s = &mut self.csr.details_scroll;
                *s = s.saturating_add_signed(delta).min(max);
            }
        }
    }
}
