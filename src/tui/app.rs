//! The model: everything the screen shows, and [`App::update`], the one place it changes.
//! `update` is synchronous and does no I/O; side effects leave it as [`Cmd`] values.
//!
//! Each tab has its own model ([`PkiTab`], [`CsrTab`], [`TokensTab`]); `App` holds what is
//! global (clock, window size, dialogs, footer notice, the cluster connection both cluster
//! tabs share) and routes keys and messages to the tab they concern.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEventKind};
use ratatui::layout::Rect;

use super::action::{Action, Cmd, Msg};
use super::keymap::{self, Context};
use super::theme::Theme;
use super::{ClusterOptions, TuiOptions};

/// Top-level tabs: `1` the certificates on this node, `2` the cluster's signing requests,
/// `3` its bootstrap tokens, `4` every node's kcert report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    LocalPki,
    Csr,
    Tokens,
    Nodes,
}

/// Which pane of a tab has the keys; `Tree` is the list on the cluster tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Tree,
    Details,
}

#[derive(Debug)]
pub struct App {
    pub now: DateTime<Utc>,
    clock_fixed: bool,
    pub host: String,
    pub theme: Theme,
    pub tab: Tab,
    /// The local PKI tab's model.
    pub pki: PkiTab,
    /// The CSR tab's model.
    pub csr: CsrTab,
    /// The tokens tab's model and the auto-approval report (the CSR tab's banner).
    pub tokens: TokensTab,
    /// The nodes tab's model, and another node's tree when one is open.
    pub nodes: NodesTab,
    /// The cluster behind tabs 2 and 3; `None` leaves them off.
    cluster: Option<ClusterOptions>,
    pub overlays: Vec<Overlay>,
    pub size: Rect,
    /// A one-line message for the footer (scan errors, "already scanning").
    pub notice: Option<String>,
    /// Counts ticks, for the scanning spinner.
    pub ticks: u64,
    /// The first press of a key that acts when pressed twice (`gg`).
    armed: Option<char>,
}

impl App {
    /// `wall_now` is used unless the options fix the clock.
    pub fn new(host: impl Into<String>, opts: &TuiOptions, wall_now: DateTime<Utc>) -> App {
        App {
            now: opts.now.unwrap_or(wall_now),
            clock_fixed: opts.now.is_some(),
            host: host.into(),
            theme: Theme::new(opts.color),
            tab: Tab::LocalPki,
            pki: PkiTab::new(opts),
            csr: CsrTab::new(opts.cluster.is_some()),
            tokens: TokensTab::default(),
            nodes: NodesTab::new(opts.cluster.is_some()),
            cluster: opts.cluster.clone(),
            overlays: Vec::new(),
            size: Rect::new(0, 0, 80, 24),
            notice: None,
            ticks: 0,
            armed: None,
        }
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
        let cmd = self.pki.scan_cmd(self.now);
        self.notice = match cmd {
            Some(_) => None,
            None => Some("a scan is already running".into()),
        };
        cmd
    }

    pub fn update(&mut self, msg: Msg) -> Option<Cmd> {
        // A long notice or banner takes rows from the body: keep the cursors in view.
        let before = self.chrome(self.size.width);
        let cmd = self.step(msg);
        if self.chrome(self.size.width) != before {
            self.reveal();
        }
        cmd
    }

    fn step(&mut self, msg: Msg) -> Option<Cmd> {
        if self.nodes.opened.is_some() && Self::for_local(&msg) {
            return self.with_local(|app| app.step(msg));
        }
        match msg {
            Msg::Key(ev) => self.key(ev),
            Msg::Paste(text) => {
                if self.areas().is_some() {
                    self.paste(&text);
                }
                None
            }
            Msg::Tick(t) => {
                self.ticks += 1;
                if !self.clock_fixed {
                    self.now = t;
                    if self.pki.clock_moved(t) {
                        self.rebuild();
                    }
                    if let Some(o) = &mut self.nodes.opened {
                        if o.local.clock_moved(t) {
                            o.local.rebuild(t);
                        }
                    }
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
                self.pki.scan = ScanState::Failed(e.to_string());
                None
            }
            Msg::ScanCrashed(why) => {
                self.pki.scan = ScanState::Failed(format!("the scanner crashed: {why}"));
                None
            }
            Msg::Probed {
                generation,
                results,
            } => {
                self.pki.probed(generation, results);
                None
            }
            Msg::RenewPlanned(result) => self.renew_planned(result),
            Msg::RenewDone(plan, result) => self.renew_done(&plan, result),
            Msg::RestorePlanned(result) => self.restore_planned(result),
            Msg::TextShown { title, lines } => {
                self.text_shown(&title, lines);
                None
            }
            Msg::CaPlanned { title, lines } => {
                self.ca_planned(&title, lines);
                None
            }
            Msg::RestoreDone(plan, result) => self.restore_done(&plan, result),
            Msg::RestartPlanned(result) => {
                self.restart_planned(result);
                None
            }
            Msg::Restart(m) => self.restart_progress(m),
            Msg::Cluster(ev) => self.cluster_msg(ev),
            Msg::DoctorRead(read) => {
                self.doctor_read(*read);
                None
            }
            Msg::CsrActed(done) => {
                self.csr_acted(*done);
                None
            }
            Msg::Fleet { generation, event } => {
                self.fleet_msg(generation, event);
                None
            }
        }
    }

    fn key(&mut self, ev: crossterm::event::KeyEvent) -> Option<Cmd> {
        if ev.kind != KeyEventKind::Press {
            return None;
        }
        if self.areas().is_none() {
            // Nothing is drawn but "too small": no key may act on a screen nobody sees.
            return match keymap::resolve(&[Context::Always, Context::Tabs], &ev) {
                Some(Action::Quit) => Some(Cmd::Quit),
                _ => None,
            };
        }
        let contexts = self.contexts();
        let action = keymap::resolve(&contexts, &ev);
        let armed = self.armed.take();
        let typed = match ev.code {
            KeyCode::Char(c) => Some(c),
            _ => None,
        };
        if keymap::needs_twice(&contexts, &ev) && armed != typed {
            self.armed = typed;
            return None;
        }
        self.apply(action?, typed)
    }

    /// The filter being typed on the tab shown, if one is.
    pub fn editing_filter(&self) -> Option<&str> {
        if !self.overlays.is_empty() {
            return None;
        }
        match self.tab {
            Tab::LocalPki if self.pki.view.editing_filter => Some(&self.pki.view.filter),
            Tab::Csr if self.csr.editing_filter => Some(&self.csr.filter),
            _ => None,
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
        if self.editing_filter().is_none() {
            return;
        }
        if self.tab == Tab::Csr {
            for c in clean.trim().chars() {
                self.csr_view_action(Action::FilterInsert, Some(c));
            }
        } else {
            self.pki.view.filter.push_str(clean.trim());
            self.rebuild();
        }
    }

    /// Active key contexts, most specific first: the dialog on top, else the tab's.
    pub fn contexts(&self) -> Vec<Context> {
        use Context::*;
        match self.overlays.last() {
            Some(Overlay::Help { .. }) => vec![Always, Help],
            Some(Overlay::Dialog(d)) if d.input.is_some() => vec![Always, Prompt],
            Some(Overlay::Dialog(d)) if d.on_yes.is_some() => vec![Always, Confirm],
            Some(Overlay::Dialog(d)) if d.progress => vec![Always, Progress],
            Some(Overlay::Dialog(_)) => vec![Always, Message],
            None => match self.tab {
                Tab::LocalPki => self.pki.contexts(),
                Tab::Csr if self.csr.editing_filter => vec![Always, Filter],
                Tab::Csr => vec![Always, Csr, Panes, Nav, Tabs],
                Tab::Tokens => vec![Always, Context::Tokens, Panes, Nav, Tabs],
                Tab::Nodes => vec![Always, Context::Nodes, Nav, Tabs],
            },
        }
    }

    /// Global keys and the dialog on top are handled here; the rest go to the tab shown.
    fn apply(&mut self, action: Action, typed: Option<char>) -> Option<Cmd> {
        match action {
            Action::Quit => return Some(Cmd::Quit),
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
            Action::SwitchPane => {
                let focus = match self.tab {
                    Tab::LocalPki => &mut self.pki.focus,
                    Tab::Csr => &mut self.csr.focus,
                    Tab::Tokens => &mut self.tokens.focus,
                    Tab::Nodes => return None,
                };
                *focus = match *focus {
                    Focus::Tree => Focus::Details,
                    Focus::Details => Focus::Tree,
                }
            }
            Action::ShowNodes => {
                self.close_node();
                let cmd = self.show_nodes();
                self.reveal();
                return cmd;
            }
            Action::ShowLocalPki | Action::ShowCsrs | Action::ShowTokens => {
                self.close_node();
                self.tab = match action {
                    Action::ShowCsrs => Tab::Csr,
                    Action::ShowTokens => Tab::Tokens,
                    _ => Tab::LocalPki,
                };
                self.reveal();
            }
            Action::Confirm => return self.confirm(),
            Action::ToggleCaData => return self.replan(),
            Action::Undo => return self.undo(),
            Action::PromptInsert => self.edit_prompt(typed),
            Action::PromptBackspace => self.edit_prompt(None),
            Action::CancelRestart => return self.cancel_restart(),
            _ => {
                return match self.tab {
                    Tab::LocalPki => self.pki_action(action, typed),
                    Tab::Csr | Tab::Tokens => self.cluster_action(action, typed),
                    Tab::Nodes => self.nodes_action(action),
                }
            }
        }
        None
    }

    /// Keys of the two cluster tabs.
    fn cluster_action(&mut self, action: Action, typed: Option<char>) -> Option<Cmd> {
        match action {
            Action::ShowDoctor => self.open_doctor(),
            Action::Approve => self.ask_approve(),
            Action::Deny => self.ask_deny(),
            Action::ApproveAll => self.ask_approve_all(),
            Action::Reconnect => return self.reconnect(),
            _ if self.tab == Tab::Csr => self.csr_view_action(action, typed),
            _ => {}
        }
        None
    }

    /// The watch's events go to the CSR tab; the doctor reads again when connected and
    /// judges again when CSRs that matter to it change.
    fn cluster_msg(&mut self, ev: crate::cluster::ClusterEvent) -> Option<Cmd> {
        use crate::cluster::{ClusterEvent, ConnectionState};
        let connected = matches!(
            ev,
            ClusterEvent::Connection(ConnectionState::Connected { .. })
        );
        let rejudge = self.doctor_relevant(&ev);
        self.cluster_event(ev);
        if rejudge {
            self.rejudge_doctor();
        }
        connected.then(|| self.doctor_cmd()).flatten()
    }
}

mod counts;
mod csr;
mod csr_bulk;
mod csr_dialogs;
mod csr_list;
#[cfg(test)]
mod csr_tests;
mod explain;
mod nav;
#[cfg(test)]
mod node_tests;
mod nodes;
mod overlay;
mod pki;
mod pki_keys;
mod renew;
mod restart;
mod restore;
mod scan;
mod tokens;
#[cfg(test)]
mod tokens_tests;

pub use counts::Counts;
pub use csr::{ColumnWidths, CsrCounts, CsrTab};
pub use csr_list::CsrSort;
pub use nodes::{FleetState, NodesTab, Opened};
pub use overlay::{Dialog, Overlay};
pub use pki::{Loaded, PkiTab, ScanState, Screen, ViewState};
pub use scan::Served;
pub use tokens::{tone as tokens_tone, TokensTab};
#[cfg(test)]
mod tests;
