//! Served versus on disk: what each listener presents, compared with the file it names.
//!
//! [`probe`] is async and runs every endpoint at once, each bounded by its own timeout, so a
//! UI can spawn it and never wait; the CLI runs it on the binary's runtime.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::endpoints::Endpoint;
use super::tls::{presented_chain, TlsFailure};
use crate::pki::decode::{self, read_certificates};
use crate::pki::{sha256_hex, CertId, Inventory, Origin, Problem, ProblemKind, Severity};

/// How long one endpoint may take when nothing answers.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// The outcome of probing one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServedState {
    /// Serving the certificate in the file on disk.
    Current,
    /// Serving a certificate older than the file: the file was renewed, restart needed.
    Stale,
    /// Serving a certificate that is neither the file's nor older than it.
    Different,
    /// Serving; the component names no file (it made its certificate in memory).
    NoFile,
    /// Serving, but the file it names has no readable certificate.
    FileUnreadable,
    NotListening,
    /// No answer within the timeout.
    Timeout,
    /// Connected but no certificate was read.
    Failed,
}

impl ServedState {
    pub fn as_str(self) -> &'static str {
        match self {
            ServedState::Current => "current",
            ServedState::Stale => "stale",
            ServedState::Different => "different",
            ServedState::NoFile => "no_file",
            ServedState::FileUnreadable => "file_unreadable",
            ServedState::NotListening => "not_listening",
            ServedState::Timeout => "timeout",
            ServedState::Failed => "failed",
        }
    }

    /// The operator's words.
    pub fn describe(self) -> &'static str {
        match self {
            ServedState::Current => "serving the file on disk",
            ServedState::Stale => "serving an older certificate: restart needed",
            ServedState::Different => "serving a different certificate than the file on disk",
            ServedState::NoFile => "serving a certificate it made itself (no file to compare)",
            ServedState::FileUnreadable => "serving, but its certificate file cannot be read",
            ServedState::NotListening => "not listening",
            ServedState::Timeout => "no answer (timed out)",
            ServedState::Failed => "TLS handshake failed",
        }
    }

    /// Whether a TLS server answered with a certificate.
    pub fn is_serving(self) -> bool {
        matches!(
            self,
            ServedState::Current
                | ServedState::Stale
                | ServedState::Different
                | ServedState::NoFile
                | ServedState::FileUnreadable
        )
    }
}

/// The served leaf certificate, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServedCert {
    pub sha256: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// Certificates in the presented chain (leaf included).
    pub chain_len: usize,
}

fn brief(chain: &[Vec<u8>]) -> Option<ServedCert> {
    let der = chain.first()?;
    let c = decode::certificate(der).ok()?;
    let (not_before, not_after) = decode::validity(&c);
    Some(ServedCert {
        sha256: sha256_hex(der),
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        serial: crate::pki::format::serial_hex(c.raw_serial()),
        not_before,
        not_after,
        chain_len: chain.len(),
    })
}

/// One endpoint's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    pub endpoint: Endpoint,
    pub state: ServedState,
    pub served: Option<ServedCert>,
    /// SHA-256 of the first certificate in the file, read at probe time.
    pub disk_sha256: Option<String>,
    /// The error text for failures.
    pub detail: Option<String>,
    #[serde(rename = "elapsed_ms", serialize_with = "super::ms")]
    pub elapsed: Duration,
}

/// Probe one endpoint.
pub async fn probe_one(endpoint: Endpoint, timeout: Duration) -> ProbeResult {
    let start = Instant::now();
    let chain = presented_chain(endpoint.addr, timeout).await;
    let elapsed = start.elapsed();
    let disk = endpoint
        .cert_file
        .as_deref()
        .and_then(|f| read_certificates(f).into_iter().next());
    let disk_sha256 = disk.as_deref().map(sha256_hex);
    let (state, served, detail) = match chain {
        Err(TlsFailure::Refused) => (ServedState::NotListening, None, None),
        Err(TlsFailure::Timeout) => (
            ServedState::Timeout,
            None,
            Some(format!("no TLS answer within {} ms", timeout.as_millis())),
        ),
        Err(TlsFailure::Connect(e)) => (ServedState::NotListening, None, Some(e)),
        Err(TlsFailure::Handshake(e)) => (ServedState::Failed, None, Some(e)),
        Ok(chain) => {
            let served = brief(&chain);
            let state = match (&endpoint.cert_file, &disk, &served) {
                (None, _, _) => ServedState::NoFile,
                (Some(_), None, _) => ServedState::FileUnreadable,
                (Some(_), Some(d), _) if chain.first() == Some(d) => ServedState::Current,
                (Some(_), Some(d), Some(s)) => match brief(std::slice::from_ref(d)) {
                    Some(f) if s.not_after < f.not_after || s.not_before < f.not_before => {
                        ServedState::Stale
                    }
                    _ => ServedState::Different,
                },
                (Some(_), Some(_), None) => ServedState::Different,
            };
            (state, served, None)
        }
    };
    ProbeResult {
        endpoint,
        state,
        served,
        disk_sha256,
        detail,
        elapsed,
    }
}

/// Probe every endpoint in parallel; results in the order given. Takes at most about
/// `timeout` however many endpoints do not answer.
pub async fn probe(endpoints: &[Endpoint], timeout: Duration) -> Vec<ProbeResult> {
    futures::future::join_all(endpoints.iter().map(|e| probe_one(e.clone(), timeout))).await
}

/// For each certificate (by [`CertId`]), the results of the endpoints serving its file.
pub fn served_by_cert(inv: &Inventory, results: &[ProbeResult]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); inv.certs.len()];
    for (i, r) in results.iter().enumerate() {
        for id in file_certs(inv, r.endpoint.cert_file.as_ref()) {
            out[id].push(i);
        }
    }
    out
}

/// The certificate at the top of a file, by path or by inode.
fn file_certs(inv: &Inventory, file: Option<&PathBuf>) -> Vec<CertId> {
    let Some(file) = file else {
        return Vec::new();
    };
    let want = crate::pki::absolute(file);
    let want_id = crate::pki::walk::file_id(file);
    inv.certs
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.origin, Origin::File { index: 0, .. }))
        .filter(|(_, c)| {
            let p = c.origin.path();
            crate::pki::absolute(p) == want
                || (want_id.is_some() && crate::pki::walk::file_id(p) == want_id)
        })
        .map(|(id, _)| id)
        .collect()
}

/// Problems an operator must act on: stale or different certificates, silent listeners.
pub fn served_problems(inv: &Inventory, results: &[ProbeResult]) -> Vec<Problem> {
    let now = inv.generated_at;
    let mut out = Vec::new();
    for r in results {
        let e = &r.endpoint;
        let cert_id = file_certs(inv, e.cert_file.as_ref()).first().copied();
        let file = e
            .cert_file
            .as_ref()
            .map(|f| f.display().to_string())
            .unwrap_or_default();
        let (severity, message) = match (r.state, &r.served) {
            (ServedState::Stale, Some(s)) => (
                if s.not_after <= now {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                format!(
                    "{} on {} serves an older certificate than {file} (serial {}, {} {}): restart {}",
                    e.component,
                    e.addr,
                    s.serial,
                    if s.not_after <= now { "expired" } else { "expires" },
                    crate::pki::format::datetime(s.not_after),
                    e.component
                ),
            ),
            (ServedState::Different, _) => (
                Severity::Warning,
                format!(
                    "{} on {} serves a certificate that is not {file}",
                    e.component, e.addr
                ),
            ),
            (ServedState::NotListening | ServedState::Timeout | ServedState::Failed, _) => (
                Severity::Warning,
                format!(
                    "{} ({}) on {}: {}{}",
                    e.component,
                    e.listener,
                    e.addr,
                    r.state.describe(),
                    r.detail
                        .as_deref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                ),
            ),
            _ => continue,
        };
        out.push(Problem {
            path: e.cert_file.clone().unwrap_or_else(|| e.source.clone()),
            severity,
            kind: ProblemKind::Served,
            message,
            cert_id,
            key_id: None,
        });
    }
    out
}
