//! The local PKI inventory: everything on the node, with chains verified and keys paired.

mod model;

pub use model::*;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

/// What to scan and against which clock.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub roots: Vec<PathBuf>,
    /// Explicit roots must exist; missing default roots are skipped silently.
    pub explicit: bool,
    pub now: DateTime<Utc>,
    pub thresholds: Thresholds,
}
