//! The local PKI tab's header counts.

use chrono::{DateTime, Utc};

use crate::pki::{CertId, Inventory, Severity};
use crate::tui::status::Tone;
use crate::tui::tree::Forest;

/// Certificates per display tone at `now` (expiry made worse by every other problem, so the
/// counts add up to what the rows show), and problems at warning level or worse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub expired: usize,
    pub critical: usize,
    pub warning: usize,
    pub ok: usize,
    pub not_yet_valid: usize,
    pub problems: usize,
    /// The soonest CA within a year of its end (the header names it), found once per scan.
    pub ca_wall: Option<CertId>,
}

impl Counts {
    pub(super) fn of(inv: &Inventory, forest: &Forest, now: DateTime<Utc>) -> Counts {
        let mut c = Counts::default();
        // A copy of a CA is counted once, as its original.
        for id in (0..inv.certs.len()).filter(|&id| inv.certs[id].copy_of.is_none()) {
            match forest.tone(inv, id, now) {
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
        c.ca_wall = (0..inv.certs.len())
            .filter(|&i| crate::pki::near_the_wall(inv, i))
            .min_by_key(|&i| inv.certs[i].not_after);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::ProblemKind;
    use crate::tui::testutil::{kubeadm_like, now, problem};

    #[test]
    fn a_certificate_with_the_wrong_key_is_counted_critical_not_ok() {
        let mut inv = kubeadm_like();
        inv.problems.push(problem(
            "/pki/apiserver.crt",
            ProblemKind::KeyMismatch,
            Some(0),
        ));
        let forest = Forest::build(&inv);
        let c = Counts::of(&inv, &forest, now());
        // admin.conf expired; etcd-server (5 days) and apiserver (its key) critical;
        // front-proxy-client warning; the three CAs and stray.crt ok.
        assert_eq!((c.expired, c.critical, c.warning, c.ok), (1, 2, 1, 4));
    }
}
