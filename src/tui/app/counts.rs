//! The local PKI tab's header counts.

use chrono::{DateTime, Utc};

use crate::pki::{Inventory, Severity};
use crate::tui::status::{status_at, Tone};

/// Certificates per display status at `now`, and problems at warning level or worse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub expired: usize,
    pub critical: usize,
    pub warning: usize,
    pub ok: usize,
    pub not_yet_valid: usize,
    pub problems: usize,
}

impl Counts {
    pub(super) fn of(inv: &Inventory, now: DateTime<Utc>) -> Counts {
        let mut c = Counts::default();
        for cert in &inv.certs {
            match Tone::from(status_at(cert, now, inv.thresholds)) {
                Tone::Expired => c.expired += 1,
                Tone::Critical => c.critical += 1,
                Tone::Warning => c.warning += 1,
                Tone::NotYetValid => c.not_yet_valid += 1,
                Tone::Ok | Tone::Unknown => c.ok += 1,
            }
        }
        c.problems = inv
            .problems
            .iter()
            .filter(|p| p.severity >= Severity::Warning)
            .count();
        c
    }
}
