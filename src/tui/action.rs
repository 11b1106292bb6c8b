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
use crate::renew::{
    Applied, ApplyError, Plan, RenewError, RenewOptions, RestoreApplyError, RestoreError,
    RestorePlan, Restored, Selection,
};
use crate::runtime::restart::{RestartError, Step, StepKind};
use crate::runtime::{
    Component, Endpoint, Findings, NodePaths, ProbeResult, Replaced, RestartPlan, Targets,
};

/// An input to [`crate::tui::app::App::update`].
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): typed into a filter or a dialog's
    /// text field, ignored elsewhere so a paste never runs commands.
    Paste(String),
    /// The wall clock moved; ignored when the clock is fixed.
    Tick(DateTime<Utc>),
    Resize(u16, u16),
    ScanDone(Result<Box<Scanned>, ScanError>),
    /// What the components served for the scan numbered `generation` (see [`Cmd::Probe`]).
    Probed {
        generation: u64,
        results: Vec<ProbeResult>,
    },
    /// Restart plans were made (they read the restart journal), or could not be.
    RestartPlanned(Result<Vec<RestartPlan>, TaskError>),
    /// A running restart moved on.
    Restart(RestartMsg),
    /// The scan task died (a bug in the scanner); the message says how.
    ScanCrashed(String),
    /// A renewal plan was made (signed in memory) or could not be.
    RenewPlanned(Result<Box<Plan>, TaskError>),
    /// A renewal was carried out, or failed and was rolled back.
    RenewDone(Box<Plan>, Result<Applied, ApplyError>),
    RestorePlanned(Result<Box<RestorePlan>, TaskError>),
    /// A certificate laid out like `openssl x509 -text`, or why it could not be.
    TextShown {
        title: String,
        lines: Result<Vec<String>, String>,
    },
    /// A CA's plan as lines of text, titled.
    CaPlanned {
        title: String,
        lines: Result<Vec<String>, TaskError>,
    },
    RestoreDone(Box<RestorePlan>, Result<Restored, RestoreApplyError>),
    /// From the cluster watch: connection state, the CSR list and its changes.
    Cluster(ClusterEvent),
    /// An approval or denial finished, one result per CSR named in it.
    CsrActed(Box<CsrActed>),
    /// The doctor's reading of RBAC, Deployments and bootstrap tokens, or why it could not run.
    DoctorRead(Box<Result<Facts, TaskError>>),
    /// The fleet fetch numbered `generation` moved on.
    Fleet {
        generation: u64,
        event: FleetEvent,
    },
}

/// How a fleet fetch goes: the list (every node, `Fetching` where a pod will be asked),
/// then each node as its report arrives, then the end; or a failure before any of that.
#[derive(Debug)]
pub enum FleetEvent {
    Listed {
        rows: Vec<crate::fleet::NodeRow>,
        /// Why the Nodes could not be read (uncovered nodes are unknown then).
        note: Option<String>,
    },
    Node(Box<crate::fleet::NodeRow>),
    Done,
    Failed(String),
}

/// Why background work the UI asked for gave no result; the dialogs and footer show it in
/// words.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error(transparent)]
    Renew(#[from] RenewError),
    #[error(transparent)]
    Restart(#[from] RestartError),
    #[error(transparent)]
    Restore(#[from] RestoreError),
    #[error("not connected to the cluster")]
    NotConnected,
    /// The task panicked (a bug in kcert); the panic's message.
    #[error("internal error: {0}")]
    Crashed(String),
}

/// A restart that ended badly, with what the journal and the manifests directory say now.
#[derive(Debug)]
pub struct RestartFailed {
    pub error: RestartError,
    /// One line: the pending record, or where the manifest is.
    pub journal: String,
}

/// A scan's inventory (the node's problems already added) with what the node's runtime
/// configuration says about it.
#[derive(Debug)]
pub struct Scanned {
    pub inv: Inventory,
    /// `None` when no node configuration was given or found.
    pub findings: Option<Findings>,
    /// The listeners to probe (loopback only).
    pub targets: Targets,
    /// What kcert's renewals on this node replaced, from its history (for `e`).
    pub replaced: Vec<Replaced>,
}

impl From<Inventory> for Scanned {
    fn from(inv: Inventory) -> Self {
        Scanned {
            inv,
            findings: None,
            targets: Targets::default(),
            replaced: Vec::new(),
        }
    }
}

/// What a scan reads: the files and, when known, the node's runtime configuration.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub opts: ScanOptions,
    pub node: Option<NodePaths>,
}

/// Progress of the restarts started by [`Cmd::Restart`], one component after another.
#[derive(Debug)]
pub enum RestartMsg {
    Begin(Component, StepKind),
    End(Component, Step),
    /// One component is done; `Err` holds the error and what the journal says now.
    Done {
        component: Component,
        result: Result<std::time::Duration, Box<RestartFailed>>,
    },
    /// Every planned restart has ended.
    AllDone,
    /// The restart task died (a bug); the manifest guard put the manifest back.
    Crashed(String),
}

/// Approve or deny on the cluster; performed in a background task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsrAction {
    Approve(Vec<String>),
    Deny { names: Vec<String>, reason: String },
}

impl CsrAction {
    pub fn names(&self) -> Vec<String> {
        match self {
            CsrAction::Approve(names) | CsrAction::Deny { names, .. } => names.clone(),
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
    /// In the renewal report: put back the files the renewal replaced (the plan is shown first).
    Undo,
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
    /// Ask to restart the static pods that use the selected certificate.
    RestartConsumers,
    /// Open the line to paste an x509 error into.
    Explain,
    /// Stop the running restart; its manifest is put back.
    CancelRestart,
    /// Reopen the steps of the last restart (running or ended).
    ShowRestartLog,
    /// Show the selected certificate laid out like `openssl x509 -text`.
    ShowText,
    /// Copy the selected certificate's absolute path to the terminal's clipboard (OSC 52).
    CopyPath,
    /// Show the selected CA's plan (`kcert ca plan`): what it caps, its copies, the steps.
    ShowCaPlan,
    /// Mark or unmark the selected CSR; `a` and `d` act on the marked ones.
    ToggleMark,
    ShowNodes,
    /// Open the selected node's certificates, read-only, in the local tab's view.
    OpenNode,
    /// Fetch every node's report again.
    RefreshFleet,
}

/// Work the loop performs on behalf of `update`, which itself never does I/O.
#[derive(Debug, Clone)]
pub enum Cmd {
    /// Scan, then relate the node's runtime configuration to what was found.
    Scan(Box<ScanRequest>),
    /// Probe the listeners (in parallel, each with a timeout); results come back as
    /// [`Msg::Probed`] tagged with `generation`, so a late answer about an older scan is dropped.
    Probe {
        generation: u64,
        endpoints: Vec<Endpoint>,
    },
    /// Plan restarts of these static pods (reads the journal); comes back as [`Msg::RestartPlanned`].
    PlanRestart {
        node: NodePaths,
        components: Vec<Component>,
        now: DateTime<Utc>,
    },
    /// Carry out confirmed restart plans, one after another; progress as [`Msg::Restart`].
    Restart(Vec<RestartPlan>),
    /// Stop the running restart (the manifest is put back); it ends with [`Msg::Restart`].
    CancelRestart,
    /// Sign in memory (reads key files, may generate RSA keys): off the UI thread.
    PlanRenew {
        inv: Arc<Inventory>,
        selection: Selection,
        opts: RenewOptions,
    },
    ApplyRenew(Box<Plan>),
    /// Lay out certificate `id` as `openssl x509 -text` (its file may be read again); comes
    /// back as [`Msg::TextShown`].
    ShowText {
        inv: Arc<Inventory>,
        id: crate::pki::CertId,
    },
    /// Work out CA `id`'s plan (reads the node's manifests); comes back as [`Msg::CaPlanned`].
    PlanCa {
        inv: Arc<Inventory>,
        id: crate::pki::CertId,
    },
    /// Work out how to put back the files of journal entry `entry`; comes back as
    /// [`Msg::RestorePlanned`].
    PlanRestore {
        tmp_dir: std::path::PathBuf,
        entry: String,
        now: DateTime<Utc>,
    },
    /// Put them back; comes back as [`Msg::RestoreDone`].
    ApplyRestore(Box<RestorePlan>),
    /// Start (or restart) the cluster watch; its events come back as [`Msg::Cluster`].
    WatchCluster(Box<ClusterOptions>),
    /// Approve or deny over the watch's connection; the result comes back as [`Msg::CsrActed`].
    Csr(CsrAction),
    /// Read what the doctor needs over the watch's connection; comes back as [`Msg::DoctorRead`].
    Doctor,
    /// List the kcert pods and fetch each node's report; each arrives as [`Msg::Fleet`]
    /// tagged with `generation` (a newer fetch replaces an older one).
    FetchFleet {
        generation: u64,
        cluster: Box<ClusterOptions>,
        opts: crate::fleet::FleetOptions,
        now: DateTime<Utc>,
    },
    /// Put text on the terminal's clipboard: an OSC 52 sequence written through the terminal
    /// backend (it travels over SSH and through tmux, which keep no clipboard of their own).
    Copy(String),
    Quit,
}
