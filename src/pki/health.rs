//! A certificate's health: the worst of everything wrong with it (expiry, chain, key, role,
//! and every other problem attached to it). What views colour, count, sort and filter by; the
//! expiry [`Status`] alone only says when a certificate ends, so a certificate with the wrong
//! key is "ok" by expiry and "critical" by health.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{expiry, CertId, Inventory, Problem, ProblemKind, Severity, Status};

/// `ok`, `warning` or `critical`: `kcert check`'s STATUS column, JSON `health` and the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Ok,
    Warning,
    Critical,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Warning => "warning",
            Health::Critical => "critical",
        }
    }

    /// What the expiry status alone makes of a certificate.
    pub fn of_status(s: Status) -> Health {
        match s {
            Status::Ok => Health::Ok,
            Status::Warning => Health::Warning,
            Status::Critical | Status::Expired | Status::NotYetValid => Health::Critical,
        }
    }

    /// What a problem of this severity makes of it: `info` never changes it.
    pub fn of_severity(s: Severity) -> Health {
        match s {
            Severity::Info => Health::Ok,
            Severity::Warning => Health::Warning,
            Severity::Error => Health::Critical,
        }
    }
}

/// One certificate judged at a clock.
#[derive(Debug, Clone, Copy)]
pub struct Judgement<'a> {
    pub health: Health,
    /// The expiry status at that clock.
    pub status: Status,
    /// The worst problem attached to it other than expiry (at warning level or worse).
    pub finding: Option<&'a Problem>,
}

impl Judgement<'_> {
    /// The health comes from a finding, not from the expiry alone.
    pub fn finding_decides(&self) -> bool {
        self.health > Health::of_status(self.status)
    }
}

impl Inventory {
    /// The certificate a problem is about: the one it names, else the one its key belongs to.
    pub fn problem_owner(&self, p: &Problem) -> Option<CertId> {
        p.cert_id
            .or_else(|| p.key_id.and_then(|k| self.keys.get(k)?.cert_id))
            .filter(|&c| c < self.certs.len())
    }

    /// Per certificate, the indices into [`Inventory::problems`] of the problems about it.
    pub fn problems_by_cert(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.certs.len()];
        for (i, p) in self.problems.iter().enumerate() {
            if let Some(c) = self.problem_owner(p) {
                out[c].push(i);
            }
        }
        out
    }

    /// Certificate `id` at `now`, given the problems about it ([`Self::problems_for`], or
    /// [`Self::problems_by_cert`] for many). Expiry comes from the clock, not from the scan's
    /// expiry problem, so a view left open keeps counting down. A rotated-out kubelet file is
    /// never a problem.
    pub fn judge_at<'a>(
        &'a self,
        id: CertId,
        now: DateTime<Utc>,
        problems: impl IntoIterator<Item = &'a Problem>,
    ) -> Judgement<'a> {
        let c = &self.certs[id];
        let status = expiry::status(c.not_before, c.not_after, now, self.thresholds);
        if c.superseded {
            return Judgement {
                health: Health::Ok,
                status,
                finding: None,
            };
        }
        // Expiry is judged by the clock, except a CA's wall warning (a year ahead, found at
        // the scan), which the thresholds alone would call ok.
        let ca_wall = status == Status::Ok && super::judge::near_the_wall_at(self, id, now);
        let finding = problems
            .into_iter()
            .filter(|p| p.kind != ProblemKind::Expiry || ca_wall)
            .filter(|p| p.severity >= Severity::Warning)
            .max_by_key(|p| p.severity);
        let health = Health::of_status(status)
            .max(finding.map_or(Health::Ok, |p| Health::of_severity(p.severity)));
        Judgement {
            health,
            status,
            finding,
        }
    }

    /// Every certificate's health at the scan's clock, in order.
    pub fn healths(&self) -> Vec<Health> {
        let by_cert = self.problems_by_cert();
        (0..self.certs.len())
            .map(|id| {
                let mine = by_cert[id].iter().map(|&i| &self.problems[i]);
                self.judge_at(id, self.generated_at, mine).health
            })
            .collect()
    }

    /// Certificate `id`'s health at the scan's clock.
    pub fn health(&self, id: CertId) -> Health {
        self.judge_at(id, self.generated_at, self.problems_for(id))
            .health
    }
}
