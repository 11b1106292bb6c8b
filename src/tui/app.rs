//! The model: everything the screen shows, and [`App::update`], the one place it changes.
//! `update` is synchronous and does no I/O; side effects leave it as [`Cmd`] values.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEventKind};
use ratatui::layout::Rect;

use super::action::{Action, Cmd, Msg, ScanRequest};
use super::cursor::Cursor;
use super::keymap::{self, Context};
use super::status::Tone;
use super::theme::Theme;
use super::tree::{Forest, Node, NodeKey, Row};
use super::{ClusterOptions, TuiOptions};
use crate::pki::{Inventory, ScanOptions};
use crate::runtime::{Findings, NodePaths, Targets};

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

/// Top-level tabs: `1` the certificates on this node, `2` the cluster's signing requests,
/// `3` its bootstrap tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    LocalPki,
    Csr,
    Tokens,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Tree,
    Details,
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
pub struct App {
    pub now: DateTime<Utc>,
    clock_fixed: bool,
    pub host: String,
    scan_opts: ScanOptions,
    node: Option<NodePaths>,
    probe: bool,
    /// Scans loaded so far: the generation of the next one is this plus one.
    generations: u64,
    /// A restart is running: no second one until it ends.
    pub restarting: bool,
    pub theme: Theme,
    pub scan: ScanState,
    pub data: Option<Loaded>,
    /// What the operator must do next after a renewal (restart components), until the next one.
    pub banner: Option<(Tone, String)>,
    pub view: ViewState,
    pub rows: Vec<Row>,
    pub tree: Cursor,
    /// Certificates in expiry order, for the timeline.
    pub timeline_ids: Vec<usize>,
    pub timeline: Cursor,
    pub details_scroll: usize,
    pub focus: Focus,
    pub screen: Screen,
    pub tab: Tab,
    /// The CSR tab's model.
    pub csr: CsrTab,
    /// The tokens tab's model and the auto-approval report (the CSR tab's banner).
    pub tokens: TokensTab,
    cluster: Option<ClusterOptions>,
    pub overlays: Vec<Overlay>,
    pub size: Rect,
    /// A one-line message for the footer (scan errors, "already scanning").
    pub notice: Option<String>,
    /// Counts ticks, for the scanning spinner.
    pub ticks: u64,
}

impl App {
    /// `wall_now` is used unless the options fix the clock.
    pub fn new(host: impl Into<String>, opts: &TuiOptions, wall_now: DateTime<Utc>) -> App {
        App {
            now: opts.now.unwrap_or(wall_now),
            clock_fixed: opts.now.is_some(),
            host: host.into(),
            scan_opts: opts.scan.clone(),
            node: opts.node.clone(),
            probe: opts.probe,
            generations: 0,
            restarting: false,
            theme: Theme::new(opts.color),
            scan: ScanState::Done,
            data: None,
            banner: None,
            view: ViewState::default(),
            rows: Vec::new(),
            tree: Cursor::default(),
            timeline_ids: Vec::new(),
            timeline: Cursor::default(),
            details_scroll: 0,
            focus: Focus::Tree,
            screen: Screen::Tree,
            tab: Tab::LocalPki,
            csr: CsrTab::new(opts.cluster.is_some()),
            tokens: TokensTab::default(),
            cluster: opts.cluster.clone(),
            overlays: Vec::new(),
            size: Rect::new(0, 0, 80, 24),
            notice: None,
            ticks: 0,
        }
    }

    pub fn roots(&self) -> &[std::path::PathBuf] {
        &self.scan_opts.roots
    }

    /// What the loop does first: scan the disk and, when configured, watch the cluster.
    /// Both run in the background; the first frame does not wait for either.
    pub fn start(&mut self) -> Vec<Cmd> {
        let mut cmds: Vec<Cmd> = self.request_scan().into_iter().collect();
        cmds.extend(self.watch_cmd());
        cmds
    }

    /// Start a scan against the current clock, unless one is running.
    pub fn request_scan(&mut self) -> Option<Cmd> {
        if self.scan == ScanState::Scanning {
            self.notice = Some("a scan is already running".into());
            return None;
        }
        self.scan = ScanState::Scanning;
        self.notice = None;
        let mut opts = self.scan_opts.clone();
        opts.now = self.now;
        Some(Cmd::Scan(Box::new(ScanRequest {
            opts,
            node: self.node.clone(),
        })))
    }

    pub fn update(&mut self, msg: Msg) -> Option<Cmd> {
        match msg {
            Msg::Key(ev) => {
                if ev.kind != KeyEventKind::Press {
                    return None;
                }
                let action = keymap::resolve(&self.contexts(), &ev)?;
                let typed = match ev.code {
                    KeyCode::Char(c) => Some(c),
                    _ => None,
                };
                self.apply(action, typed)
            }
            Msg::Paste(text) => {
                self.paste(&text);
                None
            }
            Msg::Tick(t) => {
                self.ticks += 1;
                if !self.clock_fixed {
                    self.set_now(t);
                }
                self.doctor_due()
            }
            Msg::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.reveal();
                None
            }
            Msg::ScanDone(Ok(scanned)) => self.loaded(*scanned),
            Msg::ScanDone(Err(e)) => {
                self.scan = ScanState::Failed(e.to_string());
                None
            }
            Msg::ScanCrashed(why) => {
                self.scan = ScanState::Failed(format!("the scanner crashed: {why}"));
                None
            }
            Msg::RenewPlanned(result) => self.renew_planned(result),
            Msg::RenewDone(plan, result) => self.renew_done(&plan, result),
            Msg::Cluster(ev) => {
                let connected = matches!(
                    ev,
                    crate::cluster::ClusterEvent::Connection(
                        crate::cluster::ConnectionState::Connected { .. }
                    )
                );
                let rejudge = self.doctor_relevant(&ev);
                self.cluster_event(ev);
                if rejudge {
                    self.rejudge_doctor();
                }
                connected.then(|| self.doctor_cmd()).flatten()
            }
            Msg::DoctorRead(read) => {
                self.doctor_read(*read);
                None
            }
            Msg::CsrActed(done) => {
                self.csr_acted(*done);
                None
            }
            Msg::Probed {
                generation,
                results,
            } => {
                self.probed(generation, results);
                None
            }
            Msg::RestartPlanned(result) => {
                self.restart_planned(result);
                None
            }
            Msg::Restart(m) => self.restart_progress(m),
        }
    }

    /// Pasted text goes where text is being typed; line breaks become spaces.
    fn paste(&mut self, text: &str) {
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if let Some(Overlay::Dialog(d)) = self.overlays.last_mut() {
            if let Some(input) = &mut d.input {
                input.push_str(clean.trim_end());
            }
            return;
        }
        if self.overlays.is_empty() && self.view.editing_filter {
            self.view.filter.push_str(clean.trim());
            self.rebuild();
        }
    }

    fn set_now(&mut self, t: DateTime<Utc>) {
        self.now = t;
        let Some(d) = &mut self.data else { return };
        let counts = Counts::of(&d.inv, t);
        if counts != d.counts {
            d.counts = counts;
            // Something crossed a threshold; problems-only membership may have changed.
            if self.view.problems_only {
                self.rebuild();
            }
        }
    }

    /// Active key contexts, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        use Context::*;
        match self.overlays.last() {
            Some(Overlay::Help { .. }) => return vec![Always, Help],
            Some(Overlay::Dialog(d)) if d.input.is_some() => return vec![Always, Prompt],
            Some(Overlay::Dialog(d)) if d.on_yes.is_some() => return vec![Always, Confirm],
            Some(Overlay::Dialog(d)) if d.progress => return vec![Always, Progress],
            Some(Overlay::Dialog(_)) => return vec![Always, Message],
            None => {}
        }
        if self.tab == Tab::Csr {
            return vec![Always, Csr, Panes, Nav, Tabs];
        }
        if self.tab == Tab::Tokens {
            return vec![Always, Context::Tokens, Panes, Nav, Tabs];
        }
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

    fn apply(&mut self, action: Action, typed: Option<char>) -> Option<Cmd> {
        match action {
            Action::Quit => return Some(Cmd::Quit),
            Action::Rescan => return self.request_scan(),
            Action::Help => self.overlays.push(Overlay::Help { scroll: 0 }),
            Action::CloseOverlay => {
                self.overlays.pop();
            }
            Action::Up => self.nav(-1),
            Action::Down => self.nav(1),
            Action::PageUp => self.nav(-(self.page() as isize)),
            Action::PageDown => self.nav(self.page() as isize),
            Action::Home => self.nav(isize::MIN / 2),
            Action::End => self.nav(isize::MAX / 2),
            Action::Collapse => self.collapse(),
            Action::Expand => self.expand(),
            Action::Toggle => match self.rows.get(self.tree.index) {
                Some(r) if r.expanded => self.collapse(),
                Some(_) => self.expand(),
                None => {}
            },
            Action::SwitchPane => {
                let focus = match self.tab {
                    Tab::LocalPki => &mut self.focus,
                    Tab::Csr => &mut self.csr.focus,
                    Tab::Tokens => &mut self.tokens.focus,
                };
                *focus = match *focus {
                    Focus::Tree => Focus::Details,
                    Focus::Details => Focus::Tree,
                }
            }
            Action::StartFilter => self.view.editing_filter = true,
            Action::FilterDone => self.view.editing_filter = false,
            Action::ClearFilter => {
                self.view.editing_filter = false;
                if !self.view.filter.is_empty() {
                    self.view.filter.clear();
                    self.rebuild();
                }
            }
            Action::FilterInsert => {
                if let Some(c) = typed {
                    self.view.filter.push(c);
                    self.rebuild();
                }
            }
            Action::FilterBackspace => {
                if self.view.filter.pop().is_some() {
                    self.rebuild();
                }
            }
            Action::ToggleProblems => {
                self.view.problems_only = !self.view.problems_only;
                self.rebuild();
            }
            Action::ToggleSort => {
                self.view.sort_by_expiry = !self.view.sort_by_expiry;
                self.rebuild();
            }
            Action::ToggleTimeline => self.toggle_timeline(),
            Action::ToggleMonthly => self.view.monthly = !self.view.monthly,
            Action::Renew => return self.renew_selected(),
            Action::RenewExpiring => return self.renew_expiring(),
            Action::Confirm => return self.confirm(),
            Action::ToggleCaData => return self.replan(),
            Action::ShowLocalPki => self.tab = Tab::LocalPki,
            Action::ShowCsrs => self.tab = Tab::Csr,
            Action::ShowTokens => self.tab = Tab::Tokens,
            Action::ShowDoctor => self.open_doctor(),
            Action::Approve => self.ask_approve(),
            Action::Deny => self.ask_deny(),
            Action::ApproveAll => self.ask_approve_all(),
            Action::Reconnect => return self.reconnect(),
            Action::PromptInsert => self.edit_prompt(typed),
            Action::PromptBackspace => self.edit_prompt(None),
            Action::RestartConsumers => return self.restart_selected(),
            Action::Explain => self.ask_explain(),
            Action::CancelRestart => return self.cancel_restart(),
        }
        if matches!(
            action,
            Action::ShowLocalPki | Action::ShowCsrs | Action::ShowTokens
        ) {
            self.reveal();
        }
        None
    }
}

mod counts;
mod csr;
mod csr_dialogs;
#[cfg(test)]
mod csr_tests;
mod explain;
mod nav;
#[cfg(test)]
mod node_tests;
mod overlay;
mod renew;
mod restart;
mod scan;
mod tokens;
#[cfg(test)]
mod tokens_tests;

pub use counts::Counts;
pub use csr::{ColumnWidths, CsrCounts, CsrTab};
pub use overlay::{Dialog, Overlay};
pub use scan::Served;
pub use tokens::{tone as tokens_tone, TokensTab};
#[cfg(test)]
mod tests;
