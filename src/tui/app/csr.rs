//! The CSR tab's model: the cluster watch's events applied to the sorted list (the selection
//! stays on the same CSR), counts and column widths kept up to date, and the connection state
//! turned into a banner. The actions are in `csr_dialogs`.

use std::collections::{BTreeSet, HashMap};

use unicode_width::UnicodeWidthStr;

use super::csr_list::CsrSort;
use super::{App, Focus, Tab};
use crate::cluster::{ClusterEvent, ConnectionState, CsrSet, CsrView, Diagnosis};
use crate::tui::action::Cmd;
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

impl CsrTab {
    /// Count again after verdicts changed (the bootstrap tokens were read).
    pub(super) fn recount(&mut self) {
        self.counts = CsrCounts::of(&self.set);
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
    pub(super) order: Option<Vec<usize>>,
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
            Tab::LocalPki => match self.remote_node() {
                Some(o) => Some((
                    Tone::Unknown,
                    format!(
                        "{}'s certificates, read-only (its report of {}): 1 this node, 4 the nodes",
                        o.node,
                        crate::pki::format::datetime(o.scanned_at)
                    ),
                )),
                None => self.pki.banner.clone(),
            },
            Tab::Csr => unreachable().or_else(|| self.doctor_banner()),
            Tab::Tokens => unreachable(),
            Tab::Nodes => None,
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
            ClusterEvent::Upsert(v) => tab.widths.grow(v),
            ClusterEvent::Removed { .. } => {}
        }
        let snapshot = matches!(ev, ClusterEvent::Snapshot(_));
        let listing = !matches!(ev, ClusterEvent::Connection(_));
        let upserted = match &ev {
            ClusterEvent::Upsert(v) => Some(v.name.clone()),
            _ => None,
        };
        tab.set.apply(ev);
        // Counted as the set judged it (its bootstrap token included).
        if let Some(v) = upserted.and_then(|n| tab.set.get(&n)) {
            tab.counts.count(v, true);
        }
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
