//! What flows through the app: inputs ([`Msg`]), user intents ([`Action`], produced by the key
//! map) and side effects that [`crate::tui::app::App::update`] asks the loop to perform ([`Cmd`]).

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use std::sync::Arc;

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
    Quit,
}
