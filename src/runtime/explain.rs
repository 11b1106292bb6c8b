//! From a Go x509 error line to the certificates it is about.
//!
//! Go's `crypto/x509` says `x509: certificate has expired or is not yet valid: current time
//! <now> is after <NotAfter>` (or `is before <NotBefore>`), both in RFC 3339 to the second;
//! matching that instant against the inventory names the certificate a log line is about.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::pki::{CertId, Inventory};

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

/// The certificates a Go x509 validity error line is about.
pub fn explain(line: &str, inv: &Inventory) -> Result<Explanation, ExplainError> {
    let reading = parse_line(line)?;
    let second = reading.instant().timestamp();
    let mut matches: Vec<CertId> = inv
        .certs
        .iter()
        .enumerate()
        .filter(|(_, c)| match reading {
            Reading::Expired { .. } => c.not_after.timestamp() == second,
            Reading::NotYetValid { .. } => c.not_before.timestamp() == second,
        })
        .map(|(id, _)| id)
        .collect();
    matches.sort_by_key(|&id| inv.certs[id].superseded);
    Ok(Explanation { reading, matches })
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
