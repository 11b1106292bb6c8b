//! From a Go x509 error line to the certificates it is about.
//!
//! Go's `crypto/x509` says `x509: certificate has expired or is not yet valid: current time
//! <now> is after <NotAfter>` (or `is before <NotBefore>`), both in RFC 3339 to the second;
//! matching that instant against the inventory names the certificate a log line is about.
//!
//! The files on disk are not all: after a renewal whose restart was left for later, the
//! running component still presents the certificate the renewal replaced. So the served
//! certificates (probe results) and the renewal history are searched too ([`Clues`]).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Component, ProbeResult, Usage};
use crate::pki::{CertId, Inventory};

/// A certificate a renewal replaced, as kcert's renewal history remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replaced {
    /// The label it was renewed under (`apiserver`, `admin.conf`).
    pub what: String,
    /// The file it was in, and where the renewal wrote its successor.
    pub path: PathBuf,
    pub serial: String,
    pub not_before: Option<DateTime<Utc>>,
    pub not_after: Option<DateTime<Utc>>,
    /// When the renewal replaced it.
    pub replaced_at: DateTime<Utc>,
    /// Where the renewal backed it up.
    pub backup_dir: PathBuf,
}

/// Where else to look than the files on disk; all optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clues<'a> {
    /// What the listeners served at the last probe.
    pub probes: &'a [ProbeResult],
    /// Certificates kcert's renewals replaced.
    pub replaced: &'a [Replaced],
    /// Who uses which file, to name what to restart for a replaced certificate.
    pub usage: Option<&'a Usage>,
}

/// What the line says about time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reading {
    /// `current time X is after Y`: the certificate's NotAfter is Y.
    Expired {
        now: DateTime<Utc>,
        not_after: DateTime<Utc>,
    },
    /// `current time X is before Y`: the certificate's NotBefore is Y.
    NotYetValid {
        now: DateTime<Utc>,
        not_before: DateTime<Utc>,
    },
}

impl Reading {
    /// The certificate time the line names.
    pub fn instant(&self) -> DateTime<Utc> {
        match self {
            Reading::Expired { not_after, .. } => *not_after,
            Reading::NotYetValid { not_before, .. } => *not_before,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub reading: Reading,
    /// Certificates whose NotAfter (or NotBefore) is that second; current files first.
    pub matches: Vec<CertId>,
    /// Listeners that served a certificate with that time: indices into [`Clues::probes`].
    pub served: Vec<usize>,
    /// Certificates renewals replaced that had that time, most recent first.
    pub replaced: Vec<Replaced>,
    /// What still presents or uses a replaced certificate: restart these.
    pub restart: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error("not an x509 validity error: expected \"current time <time> is after <time>\" (or \"is before\") as Go's crypto/x509 prints it")]
    NotValidityError,
    #[error("the line says the certificate has expired or is not yet valid but gives no times (older Go versions leave them out), so no certificate can be matched to the second")]
    NoTimes,
    #[error("{0:?} is not an RFC 3339 time")]
    BadTime(String),
}

fn token(s: &str) -> &str {
    let end = s
        .find(|c: char| c.is_whitespace() || "\"'\\,;)]}".contains(c))
        .unwrap_or(s.len());
    s[..end].trim_end_matches('.')
}

fn time(s: &str) -> Result<DateTime<Utc>, ExplainError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ExplainError::BadTime(s.to_string()))
}

/// Read the times out of a line (kubectl, kubelet and etcd logs, JSON-quoted or not).
pub fn parse_line(line: &str) -> Result<Reading, ExplainError> {
    const CURRENT: &str = "current time ";
    let Some(at) = line.find(CURRENT) else {
        let l = line.to_ascii_lowercase();
        return Err(
            if l.contains("has expired or is not yet valid")
                || l.contains("certificate has expired")
            {
                ExplainError::NoTimes
            } else {
                ExplainError::NotValidityError
            },
        );
    };
    let rest = &line[at + CURRENT.len()..];
    let now_text = token(rest);
    let rest = rest[now_text.len()..].trim_start();
    let (after, rest) = if let Some(r) = rest.strip_prefix("is after ") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("is before ") {
        (false, r)
    } else {
        return Err(ExplainError::NotValidityError);
    };
    let now = time(now_text)?;
    let at = time(token(rest.trim_start()))?;
    Ok(if after {
        Reading::Expired { now, not_after: at }
    } else {
        Reading::NotYetValid {
            now,
            not_before: at,
        }
    })
}

/// The certificates a Go x509 validity error line is about: on disk, served and replaced.
pub fn explain(line: &str, inv: &Inventory, clues: &Clues) -> Result<Explanation, ExplainError> {
    let reading = parse_line(line)?;
    let second = reading.instant().timestamp();
    let hit = |not_before: Option<DateTime<Utc>>, not_after: Option<DateTime<Utc>>| {
        let t = match reading {
            Reading::Expired { .. } => not_after,
            Reading::NotYetValid { .. } => not_before,
        };
        t.is_some_and(|t| t.timestamp() == second)
    };
    let mut matches: Vec<CertId> = inv
        .certs
        .iter()
        .enumerate()
        .filter(|(_, c)| hit(Some(c.not_before), Some(c.not_after)))
        .map(|(id, _)| id)
        .collect();
    matches.sort_by_key(|&id| inv.certs[id].superseded);
    let served: Vec<usize> = (0..clues.probes.len())
        .filter(|&i| {
            let s = clues.probes[i].served.as_ref();
            hit(s.map(|s| s.not_before), s.map(|s| s.not_after))
        })
        .collect();
    let mut replaced: Vec<Replaced> = clues
        .replaced
        .iter()
        .filter(|r| hit(r.not_before, r.not_after))
        .cloned()
        .collect();
    replaced.sort_by_key(|r| std::cmp::Reverse(r.replaced_at));
    let mut restart: Vec<Component> = served
        .iter()
        .map(|&i| clues.probes[i].endpoint.component)
        .collect();
    if let Some(usage) = clues.usage {
        // Whoever reads a replaced file has not restarted since, if it still fails with it.
        for r in &replaced {
            let now_there = inv.certs.iter().position(|c| c.origin.path() == r.path);
            restart.extend(
                now_there
                    .into_iter()
                    .flat_map(|id| usage.of(id))
                    .filter_map(|u| Component::from_name(&u.component)),
            );
        }
    }
    restart.sort();
    restart.dedup();
    Ok(Explanation {
        reading,
        matches,
        served,
        replaced,
        restart,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn kubectl_line_with_utc_times() {
        let r = parse_line("Unable to connect to the server: tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-01-02T03:04:05Z is after 2025-12-31T10:00:00Z").unwrap();
        assert_eq!(
            r,
            Reading::Expired {
                now: t("2026-01-02T03:04:05Z"),
                not_after: t("2025-12-31T10:00:00Z")
            }
        );
    }

    #[test]
    fn local_offsets_and_json_quoting() {
        let r = parse_line(r#"{"level":"warn","msg":"x509: certificate has expired or is not yet valid: current time 2026-01-02T04:04:05+01:00 is before 2026-02-01T00:00:00+01:00"}"#).unwrap();
        assert_eq!(
            r,
            Reading::NotYetValid {
                now: t("2026-01-02T03:04:05Z"),
                not_before: t("2026-01-31T23:00:00Z")
            }
        );
    }

    #[test]
    fn lines_without_times_or_with_bad_ones_say_why() {
        assert_eq!(
            parse_line("x509: certificate has expired or is not yet valid"),
            Err(ExplainError::NoTimes)
        );
        assert_eq!(
            parse_line("x509: certificate signed by unknown authority"),
            Err(ExplainError::NotValidityError)
        );
        assert_eq!(
            parse_line("current time yesterday is after 2025-12-31T10:00:00Z"),
            Err(ExplainError::BadTime("yesterday".into()))
        );
        assert_eq!(
            parse_line("current time 2026-01-02T03:04:05Z is later than x"),
            Err(ExplainError::NotValidityError)
        );
    }
}
