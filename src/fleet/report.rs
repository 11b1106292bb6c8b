//! A node's `/report` (the JSON of `kcert check -o json`) as read back from the wire, and
//! what the fleet view keeps of it. Lenient: a field an older or newer kcert does not write
//! is defaulted, so one node on another version still shows.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::pki::{ChainVerdict, EntryKind, Health, KeyFormat, ProblemKind, Severity, Status};

/// The document as `report::write_json_with` writes it (the parts kcert reads back).
#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    pub generated_at: DateTime<Utc>,
    #[serde(default)]
    pub roots: Vec<PathBuf>,
    #[serde(default)]
    pub thresholds: Option<ReportThresholds>,
    #[serde(default)]
    pub certificates: Vec<ReportCert>,
    #[serde(default)]
    pub keys: Vec<ReportKey>,
    #[serde(default)]
    pub problems: Vec<ReportProblem>,
    #[serde(default)]
    pub exit_code: u8,
    /// Which distribution the node runs (kubeadm, k3s, ...), when the node's kcert says.
    #[serde(default)]
    pub distribution: Option<serde_json::Value>,
    /// `server`, `agent`, when the node's kcert says.
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct ReportThresholds {
    pub warn_days: i64,
    pub crit_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReportSource {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub entry: Option<EntryKind>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub field: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReportCert {
    pub path: PathBuf,
    #[serde(default)]
    pub index: usize,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub status: Status,
    #[serde(default)]
    pub health: Option<Health>,
    pub chain: ChainVerdict,
    #[serde(default)]
    pub issuer_path: Option<PathBuf>,
    #[serde(default)]
    pub key_path: Option<PathBuf>,
    #[serde(default)]
    pub key_match: Option<bool>,
    #[serde(default)]
    pub sans: Vec<String>,
    #[serde(default)]
    pub usages: Vec<String>,
    #[serde(default)]
    pub is_ca: bool,
    #[serde(default)]
    pub key_algorithm: String,
    #[serde(default)]
    pub signature_algorithm: String,
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub spki_sha256: String,
    #[serde(default)]
    pub ski: Option<String>,
    #[serde(default)]
    pub aki: Option<String>,
    #[serde(default)]
    pub referenced_by: Vec<PathBuf>,
    #[serde(default)]
    pub symlink_target: Option<PathBuf>,
    #[serde(default)]
    pub superseded: bool,
    pub source: ReportSource,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReportKey {
    pub path: PathBuf,
    #[serde(default)]
    pub index: usize,
    #[serde(default)]
    pub private: bool,
    pub format: KeyFormat,
    #[serde(default)]
    pub algorithm: String,
    #[serde(default)]
    pub cert_path: Option<PathBuf>,
    #[serde(default)]
    pub cert_index: Option<usize>,
    #[serde(default)]
    pub matches: Option<bool>,
    pub source: ReportSource,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReportProblem {
    pub path: PathBuf,
    pub severity: Severity,
    pub kind: ProblemKind,
    pub message: String,
}

impl Report {
    /// The distribution's name, whether the report gives a word or an object with a name.
    pub fn distribution_name(&self) -> Option<String> {
        match self.distribution.as_ref()? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => ["name", "kind", "id"]
                .iter()
                .find_map(|k| o.get(*k)?.as_str().map(str::to_string)),
            _ => None,
        }
    }

    /// What the fleet view shows of this node at `now`.
    pub fn summary(&self, now: DateTime<Utc>) -> Summary {
        let live = || self.certificates.iter().filter(|c| !c.superseded);
        let mut problems = Counts::default();
        for p in &self.problems {
            match p.severity {
                Severity::Error => problems.error += 1,
                Severity::Warning => problems.warning += 1,
                Severity::Info => problems.info += 1,
            }
        }
        let worst_cert = live()
            .map(|c| c.health.unwrap_or_else(|| Health::of_status(c.status)))
            .max()
            .unwrap_or(Health::Ok);
        let worst_problem = self
            .problems
            .iter()
            .map(|p| Health::of_severity(p.severity))
            .max()
            .unwrap_or(Health::Ok);
        let soonest = live().min_by_key(|c| c.not_after).map(|c| Soonest {
            name: c.name.clone().unwrap_or_else(|| file_name(&c.path)),
            path: c.path.clone(),
            not_after: c.not_after,
        });
        // The node's own verdict counts too: a kcert that could not run or found nothing
        // (exit 3) has shown nothing, and a node that shows nothing is never "ok".
        let own = match self.exit_code {
            0 => Health::Ok,
            1 | 3.. => Health::Warning,
            2 => Health::Critical,
        };
        Summary {
            health: worst_cert.max(worst_problem).max(own),
            certificates: live().count(),
            soonest,
            problems,
            generated_at: self.generated_at,
            age_seconds: (now - self.generated_at).num_seconds().max(0),
            exit_code: self.exit_code,
            distribution: self.distribution_name(),
        }
    }
}

fn file_name(p: &std::path::Path) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Problems of one node by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

/// The certificate that ends first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Soonest {
    pub name: String,
    pub path: PathBuf,
    pub not_after: DateTime<Utc>,
}

/// One node's report in a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The worst of its certificates' health and its problems.
    pub health: Health,
    pub certificates: usize,
    pub soonest: Option<Soonest>,
    pub problems: Counts,
    pub generated_at: DateTime<Utc>,
    /// How old the report was when it was fetched (the node scans on its interval).
    pub age_seconds: i64,
    /// What `kcert check` on the node exits with.
    pub exit_code: u8,
    pub distribution: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(exit_code: u8) -> Report {
        serde_json::from_value(serde_json::json!({
            "generated_at": "2026-12-01T00:00:00Z",
            "exit_code": exit_code,
        }))
        .expect("a minimal report")
    }

    #[test]
    fn a_node_that_found_nothing_is_not_ok() {
        let now = "2026-12-01T00:01:00Z".parse().unwrap();
        assert_eq!(report(0).summary(now).health, Health::Ok);
        assert_eq!(report(3).summary(now).health, Health::Warning);
        assert_eq!(report(2).summary(now).health, Health::Critical);
    }
}
