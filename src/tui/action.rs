//! What flows through the app: inputs ([`Msg`]), user intents ([`Action`], produced by the key
//! map) and side effects that [`crate::tui::app::App::update`] asks the loop to perform ([`Cmd`]).

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use std::sync::Arc;

use super::ClusterOptions;
use crate::cluster::doctor::Facts;
use crate::cluster::{ActionError, ActionOutcome, ClusterEvent};
use crate::error::ScanError;
use crate::pki::{Inventory, ScanOptions};
use crate::renew::{Applied, Plan, RenewOptions, Selection};

/// An input to [`crate::tui::app::App::update`].
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// The wall clock moved; ignored when the clock is fixed.
    Tick(DateTime<Utc>),
    Resize(u16, u16),
    ScanDone(Result<Box<Inventory>, ScanError>),
    /// The scan task died (a bug in the scanner); the message says how.
    ScanCrashed(String),
    /// A renewal plan was made (signed in memory) or could not be.
    RenewPlanned(Result<Box<Plan>, String>),
    /// A renewal was carried out, or failed and was rolled back.
    RenewDone(Box<Plan>, Result<Applied, String>),
    /// From the cluster watch: connection state, the CSR list and its changes.
    Cluster(ClusterEvent),
    /// An approval or denial finished, one result per CSR named in it.
    CsrActed(Box<CsrActed>),
    /// The doctor's reading of RBAC, Deployments and bootstrap tokens, or why it could not run.
    DoctorRead(Box<Result<Facts, String>>),
}

/// Approve or deny on the cluster; performed in a background task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsrAction {
    Approve(Vec<String>),
    Deny { name: String, reason: String },
}

impl CsrAction {
    pub fn names(&self) -> Vec<String> {
        match self {
            CsrAction::Approve(names) => names.clone(),
            CsrAction::Deny { name, .. } => vec![name.clone()],
        }
    }

    /// `approving`, `denying`: what the list shows while it runs.
    pub fn verb(&self) -> &'static str {
        match self {
            CsrAction::Approve(_) => "approving",
            CsrAction::Deny { .. } => "denying",
        }
    }
}

/// What a [`CsrAction`] did to each CSR.
#[derive(Debug, Clone)]
pub struct CsrActed {
    pub action: CsrAction,
    pub results: Vec<(String, Result<ActionOutcome, ActionError>)>,
}

/// A user intent, looked up in [`crate::tui::keymap`]. Carries no data so the table can hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    CloseOverlay,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Collapse,
    Expand,
    Toggle,
    SwitchPane,
    StartFilter,
    /// Leave filter editing and keep the filter.
    FilterDone,
    ClearFilter,
    /// Type the pressed character into the filter.
    FilterInsert,
    FilterBackspace,
    ToggleProblems,
    ToggleSort,
    ToggleTimeline,
    ToggleMonthly,
    Rescan,
    /// Plan the renewal of the selected certificate.
    Renew,
    /// Plan the renewal of every expired or expiring leaf.
    RenewExpiring,
    /// Yes, in a confirmation dialog.
    Confirm,
    /// In the renewal confirmation: also replace stale certificate-authority-data.
    ToggleCaData,
    ShowLocalPki,
    ShowCsrs,
    ShowTokens,
    /// The auto-approval report in full, over the screen.
    ShowDoctor,
    /// Ask to approve the selected CSR.
    Approve,
    /// Ask why, then deny the selected CSR.
    Deny,
    /// Ask to approve every pending CSR whose verdict passes.
    ApproveAll,
    /// Drop the cluster connection and connect again now, without waiting for the backoff.
    Reconnect,
    /// Type the pressed character into a dialog's text field.
    PromptInsert,
    PromptBackspace,
}

/// Work the loop performs on behalf of `update`, which itself never does I/O.
#[derive(Debug, Clone)]
pub enum Cmd {
    Scan(ScanOptions),
    /// Sign in memory (reads key files, may generate RSA keys): off the UI thread.
    PlanRenew {
        inv: Arc<Inventory>,
        selection: Selection,
        opts: RenewOptions,
    },
    ApplyRenew(Box<Plan>),
    /// Start (or restart) the cluster watch; its events come back as [`Msg::Cluster`].
    WatchCluster(Box<ClusterOptions>),
    /// Approve or deny over the watch's connection; the result comes back as [`Msg::CsrActed`].
    Csr(CsrAction),
    /// Read what the doctor needs over the watch's connection; comes back as [`Msg::DoctorRead`].
    Doctor,
    Quit,
}
