//! The nodes tab (`4`): every node's kcert report through the API server, one row each,
//! worst first. Enter shows a node's certificates in the local tab's own view, read-only:
//! the local tab is put aside while another node's is on screen, and keys that would change
//! something say that renewal happens on that node.

use chrono::{DateTime, Utc};

use super::{App, PkiTab, Tab};
use crate::fleet::{self, FleetOptions, NodeRow, NodeState};
use crate::tui::action::{Action, Cmd, FleetEvent, Msg, Scanned};
use crate::tui::cursor::Cursor;
use crate::tui::TuiOptions;

/// Where the fleet fetch stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FleetState {
    /// Not asked yet (the tab is fetched when first shown).
    Idle,
    Listing,
    /// Listed; reports still arriving.
    Fetching,
    Done,
    Failed(String),
}

/// Another node's certificates on screen in the local tab's place.
#[derive(Debug)]
pub struct Opened {
    pub node: String,
    /// When that node's kcert scanned.
    pub scanned_at: DateTime<Utc>,
    /// The local tab, set aside until the node is closed.
    pub(super) local: Box<PkiTab>,
}

#[derive(Debug)]
pub struct NodesTab {
    /// A cluster is configured (else the tab says how to get one).
    pub enabled: bool,
    pub state: FleetState,
    pub rows: Vec<NodeRow>,
    pub list: Cursor,
    /// Why the Node list could not be read.
    pub note: Option<String>,
    pub(super) generation: u64,
    pub(super) opts: FleetOptions,
    pub opened: Option<Opened>,
}

impl NodesTab {
    pub fn new(enabled: bool) -> NodesTab {
        NodesTab {
            enabled,
            state: FleetState::Idle,
            rows: Vec::new(),
            list: Cursor::default(),
            note: None,
            generation: 0,
            opts: FleetOptions::default(),
            opened: None,
        }
    }

    pub fn selected(&self) -> Option<&NodeRow> {
        self.rows.get(self.list.index)
    }

    /// Nodes by how they look: critical, warning, ok, unreachable, not covered.
    pub fn counts(&self) -> [usize; 5] {
        let mut c = [0; 5];
        for r in &self.rows {
            let i = match &r.state {
                NodeState::Reported { summary } => match summary.health {
                    crate::pki::Health::Critical => 0,
                    crate::pki::Health::Warning => 1,
                    crate::pki::Health::Ok => 2,
                },
                NodeState::Unreachable { .. } => 3,
                NodeState::NotCovered => 4,
                NodeState::Fetching => continue,
            };
            c[i] += 1;
        }
        c
    }

    /// Keep the selection on the same node when rows arrive and are re-sorted.
    fn resort(&mut self) {
        let keep = self.selected().map(|r| r.node.clone());
        fleet::sort_rows(&mut self.rows);
        if let Some(k) = keep {
            if let Some(i) = self.rows.iter().position(|r| r.node == k) {
                self.list.index = i;
            }
        }
    }
}

impl App {
    /// Start a fetch of the fleet, replacing any running one.
    pub(super) fn fetch_fleet(&mut self) -> Option<Cmd> {
        let Some(cluster) = self.cluster.clone() else {
            self.notice = Some("no cluster: start kcert with --kubeconfig to see the nodes".into());
            return None;
        };
        let tab = &mut self.nodes;
        tab.generation += 1;
        tab.state = FleetState::Listing;
        Some(Cmd::FetchFleet {
            generation: tab.generation,
            cluster: Box::new(cluster),
            opts: tab.opts.clone(),
            now: self.now,
        })
    }

    /// `4`: the tab, fetched the first time it is shown.
    pub(super) fn show_nodes(&mut self) -> Option<Cmd> {
        self.tab = Tab::Nodes;
        let first = self.nodes.state == FleetState::Idle && self.nodes.enabled;
        first.then(|| self.fetch_fleet()).flatten()
    }

    pub(super) fn nodes_action(&mut self, action: Action) -> Option<Cmd> {
        match action {
            Action::RefreshFleet => return self.fetch_fleet(),
            Action::OpenNode => self.open_node(),
            _ => {}
        }
        None
    }

    pub(super) fn fleet_msg(&mut self, generation: u64, event: FleetEvent) {
        let tab = &mut self.nodes;
        if generation != tab.generation {
            return;
        }
        match event {
            FleetEvent::Listed { rows, note } => {
                tab.rows = rows;
                tab.note = note;
                tab.state = FleetState::Fetching;
                tab.resort();
            }
            FleetEvent::Node(row) => {
                match tab.rows.iter_mut().find(|r| r.node == row.node) {
                    Some(r) => *r = *row,
                    None => tab.rows.push(*row),
                }
                tab.resort();
            }
            FleetEvent::Done => tab.state = FleetState::Done,
            FleetEvent::Failed(why) => tab.state = FleetState::Failed(why),
        }
        self.reveal();
    }

    /// Enter: the selected node's tree, in the local tab's view.
    fn open_node(&mut self) {
        let Some(row) = self.nodes.selected() else {
            return;
        };
        let Some(report) = row.report.clone() else {
            self.notice = Some(match &row.state {
                NodeState::NotCovered => format!("{}: no kcert pod runs there", row.node),
                NodeState::Unreachable { error } => format!("{}: {error}", row.node),
                _ => format!("{}: its report has not arrived yet", row.node),
            });
            return;
        };
        let node = row.node.clone();
        let inv = fleet::inventory::inventory(&report);
        let opts = TuiOptions {
            scan: crate::pki::ScanOptions {
                roots: inv.roots.clone(),
                explicit: true,
                now: self.now,
                thresholds: inv.thresholds,
            },
            color: false,
            now: None,
            cluster: None,
            node: None,
            probe: false,
        };
        let mut remote = PkiTab::new(&opts);
        let _ = remote.loaded(Scanned::from(inv), self.now);
        let local = std::mem::replace(&mut self.pki, remote);
        self.nodes.opened = Some(Opened {
            node,
            scanned_at: report.generated_at,
            local: Box::new(local),
        });
        self.tab = Tab::LocalPki;
        self.reveal();
    }

    /// Put the local tab back in place, if another node's is shown.
    pub(super) fn close_node(&mut self) {
        if let Some(opened) = self.nodes.opened.take() {
            self.pki = *opened.local;
        }
    }

    /// The node whose certificates are on screen, when it is not this one.
    pub fn remote_node(&self) -> Option<&Opened> {
        self.nodes.opened.as_ref()
    }

    /// Run `f` with the local tab in place (a scan, probe or renewal that ends while
    /// another node is shown belongs to the local tab).
    pub(super) fn with_local<T>(&mut self, f: impl FnOnce(&mut App) -> T) -> T {
        let Some(mut opened) = self.nodes.opened.take() else {
            return f(self);
        };
        std::mem::swap(&mut self.pki, &mut opened.local);
        let out = f(self);
        std::mem::swap(&mut self.pki, &mut opened.local);
        self.nodes.opened = Some(opened);
        out
    }

    /// A key that would change this node, pressed on another node's tree.
    pub(super) fn refuse_remote(&mut self, action: Action) -> bool {
        let Some(opened) = &self.nodes.opened else {
            return false;
        };
        let what = match action {
            Action::Renew | Action::RenewExpiring => "renewal",
            Action::RestartConsumers | Action::ShowRestartLog => "restarts",
            Action::Explain => "explain",
            Action::Rescan => "rescan",
            Action::ShowText => "the x509 text",
            Action::ShowCaPlan => "the CA plan",
            _ => return false,
        };
        self.notice = Some(format!(
            "read-only: {} is {}'s report; {what} happens on that node (run kcert there); 4 goes back",
            opened.node, opened.node
        ));
        true
    }

    /// Messages about the local tab while another node's is shown go to the local tab.
    pub(super) fn for_local(msg: &Msg) -> bool {
        matches!(
            msg,
            Msg::ScanDone(_)
                | Msg::ScanCrashed(_)
                | Msg::Probed { .. }
                | Msg::RenewPlanned(_)
                | Msg::RenewDone(..)
                | Msg::RestartPlanned(_)
                | Msg::Restart(_)
        )
    }
}
