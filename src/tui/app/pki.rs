//! The local PKI tab's model: the scan and what it found, and how the tree and the timeline
//! show it (filter, switches, folds, cursors). Its methods change only its own state; `App`
//! adds what is global: the clock, the window size, the footer notice and the dialogs.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::{Counts, Focus, Served};
use crate::pki::{CertId, Inventory, ScanOptions};
use crate::runtime::{Component, Findings, NodePaths, Replaced, Targets};
use crate::tui::action::{Cmd, ScanRequest};
use crate::tui::cursor::Cursor;
use crate::tui::keymap::Context;
use crate::tui::status::Tone;
use crate::tui::tree::{build, Forest, Node, NodeKey, Row, RowOptions};
use crate::tui::view::{self, Areas};
use crate::tui::TuiOptions;

/// Whether a scan is running and how the last one ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanState {
    Scanning,
    Done,
    Failed(String),
}

/// Screens of the local PKI tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Tree,
    Timeline,
}

/// A scan's result with the structures derived from it.
#[derive(Debug)]
pub struct Loaded {
    /// Shared with background renewal planning, which needs the inventory off the UI thread.
    pub inv: std::sync::Arc<Inventory>,
    pub forest: Forest,
    pub counts: Counts,
    /// Who uses which file; `None` without node configuration.
    pub findings: Option<Findings>,
    pub targets: Targets,
    /// What the listeners serve, once the probe started after this scan has answered.
    pub served: Option<Served>,
    /// What kcert's renewals on this node replaced (for `e`).
    pub replaced: Vec<Replaced>,
    /// Which scan this is, counted from 1; probe results name the scan they were made for.
    pub generation: u64,
}

/// The filter, switches and fold state that decide which rows exist.
#[derive(Debug, Default)]
pub struct ViewState {
    pub filter: String,
    pub editing_filter: bool,
    pub problems_only: bool,
    pub sort_by_expiry: bool,
    pub monthly: bool,
    pub collapsed: HashSet<NodeKey>,
}

#[derive(Debug)]
pub struct PkiTab {
    /// What each scan reads; its clock is set when the scan is asked for.
    pub(super) scan_opts: ScanOptions,
    /// The node's runtime configuration, read with each scan.
    pub(super) node: Option<NodePaths>,
    /// Probe the listeners after each scan.
    pub(super) probe: bool,
    /// Scans loaded so far: the generation of the next one is this plus one.
    pub(super) generations: u64,
    /// A restart is running: no second one until it ends.
    pub restarting: bool,
    pub scan: ScanState,
    pub data: Option<Loaded>,
    /// What the operator must do next after a renewal or a restart, until the next one.
    pub banner: Option<(Tone, String)>,
    /// The last restart's title and steps, kept after its dialog is hidden (`L` shows them).
    pub restart_log: Option<(String, super::overlay::Lines)>,
    /// Components renewals asked to restart that have not restarted since: a cancelled or
    /// failed restart keeps them, only a restart that succeeded removes one.
    pub to_restart: BTreeSet<Component>,
    pub view: ViewState,
    pub rows: Vec<Row>,
    pub tree: Cursor,
    /// Certificates in expiry order, for the timeline.
    pub timeline_ids: Vec<usize>,
    pub timeline: Cursor,
    pub details_scroll: usize,
    pub focus: Focus,
    pub screen: Screen,
}

impl PkiTab {
    pub fn new(opts: &TuiOptions) -> PkiTab {
        PkiTab {
            scan_opts: opts.scan.clone(),
            node: opts.node.clone(),
            probe: opts.probe,
            generations: 0,
            restarting: false,
            scan: ScanState::Done,
            data: None,
            banner: None,
            restart_log: None,
            to_restart: BTreeSet::new(),
            view: ViewState::default(),
            rows: Vec::new(),
            tree: Cursor::default(),
            timeline_ids: Vec::new(),
            timeline: Cursor::default(),
            details_scroll: 0,
            focus: Focus::Tree,
            screen: Screen::Tree,
        }
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.scan_opts.roots
    }

    /// A scan against `now`; `None` while one is running.
    pub(super) fn scan_cmd(&mut self, now: DateTime<Utc>) -> Option<Cmd> {
        if self.scan == ScanState::Scanning {
            return None;
        }
        self.scan = ScanState::Scanning;
        let mut opts = self.scan_opts.clone();
        opts.now = now;
        Some(Cmd::Scan(Box::new(ScanRequest {
            opts,
            node: self.node.clone(),
        })))
    }

    /// Key contexts of the tab, most specific first.
    pub(super) fn contexts(&self) -> Vec<Context> {
        use Context::*;
        if self.view.editing_filter {
            return vec![Always, Filter];
        }
        match (self.screen, self.focus) {
            (Screen::Timeline, _) => vec![Always, Timeline, Nav, Main, Tabs],
            (Screen::Tree, Focus::Tree) => vec![Always, Tree, Panes, Nav, Main, Tabs],
            (Screen::Tree, Focus::Details) => vec![Always, Panes, Nav, Main, Tabs],
        }
    }

    /// The selected row's node: a timeline entry or a tree row.
    pub fn selected(&self) -> Option<Node> {
        match self.screen {
            Screen::Timeline => self
                .timeline_ids
                .get(self.timeline.index)
                .map(|&id| Node::Cert(id)),
            Screen::Tree => self.rows.get(self.tree.index).map(|r| r.node),
        }
    }

    fn selected_key(&self) -> Option<NodeKey> {
        let d = self.data.as_ref()?;
        Some(d.forest.key(&d.inv, self.selected()?))
    }

    /// The clock moved: recount; `true` when the rows must be rebuilt (something crossed a
    /// threshold while only problems are shown).
    pub(super) fn clock_moved(&mut self, now: DateTime<Utc>) -> bool {
        let Some(d) = &mut self.data else {
            return false;
        };
        let counts = Counts::of(&d.inv, &d.forest, now);
        let changed = counts != d.counts;
        d.counts = counts;
        changed && self.view.problems_only
    }

    /// Recompute rows and the timeline order, keeping the selection on the same item if it is
    /// still shown (else the first match, else the same position). The caller reveals.
    pub(super) fn rebuild(&mut self, now: DateTime<Utc>) {
        let Some(d) = &self.data else { return };
        let keep = self.selected_key();
        let filter = self.view.filter.to_lowercase();
        let opts = RowOptions {
            filter: &filter,
            problems_only: self.view.problems_only,
            sort_by_expiry: self.view.sort_by_expiry,
            collapsed: &self.view.collapsed,
            now,
        };
        (self.rows, self.timeline_ids) = build(&d.inv, &d.forest, &opts);
        let narrowing = !filter.is_empty() || self.view.problems_only;
        // While narrowing, a section heading is no match of its own: go to the first real one.
        let found = keep
            .filter(|k| !(narrowing && matches!(k, NodeKey::Section(_))))
            .and_then(|k| d.forest.find(&d.inv, &k))
            .and_then(|node| self.rows.iter().position(|r| r.matched && r.node == node));
        let first_match = || {
            self.rows
                .iter()
                .position(|r| r.matched && !matches!(r.node, Node::Section(_)))
        };
        let before = self.tree.index;
        self.tree.index = match found {
            Some(i) => i,
            None if narrowing => first_match().unwrap_or(0),
            None => before,
        };
        if self.tree.index != before || found.is_none() {
            self.details_scroll = 0;
        }
    }

    /// Keep the tree and timeline cursors valid and visible in `areas`.
    pub(super) fn reveal(&mut self, areas: &Areas) {
        let tree_h = usize::from(areas.tree.height.saturating_sub(2));
        self.tree.reveal(self.rows.len(), tree_h);
        let tl_h = usize::from(view::timeline::list_height(areas.body));
        self.timeline.reveal(self.timeline_ids.len(), tl_h);
    }

    /// Fold or unfold `node`; `false` when folding is off (while filtering).
    pub(super) fn set_collapsed(&mut self, node: Node, fold: bool) -> bool {
        let Some(d) = &self.data else { return true };
        if !self.view.filter.is_empty() || self.view.problems_only {
            return false;
        }
        let key = d.forest.key(&d.inv, node);
        if fold {
            self.view.collapsed.insert(key);
        } else {
            self.view.collapsed.remove(&key);
        }
        true
    }

    /// Switch between tree and timeline; returns the certificate selected before, to select
    /// it again once the new screen's page height is known ([`PkiTab::show_cert`]).
    pub(super) fn switch_screen(&mut self) -> Option<CertId> {
        let selected = self.selected();
        self.screen = match self.screen {
            Screen::Tree => Screen::Timeline,
            Screen::Timeline => Screen::Tree,
        };
        match selected {
            Some(Node::Cert(id)) => Some(id),
            _ => None,
        }
    }

    /// Put the cursor of the screen shown on certificate `id`, when it is there.
    pub(super) fn show_cert(&mut self, id: CertId, page: usize) {
        match self.screen {
            Screen::Timeline => {
                if let Some(i) = self.timeline_ids.iter().position(|&c| c == id) {
                    self.timeline.set(i, self.timeline_ids.len(), page);
                }
            }
            Screen::Tree => {
                if let Some(i) = self.rows.iter().position(|r| r.node == Node::Cert(id)) {
                    self.tree.set(i, self.rows.len(), page);
                }
            }
        }
    }
}
