//! Why the cluster cannot be reached, in one plain sentence for the banner.
//!
//! Raw client errors ("error trying to connect: invalid peer certificate: Expired") do not
//! tell an operator what to do. kcert knows the local certificates, so it says which file
//! expired and how to renew it, or that the served certificate is not the one on disk.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rustls::{AlertDescription, CertificateError};

use super::source::{error_chain, Chosen};
use super::tlsprobe::presented_chain;
use crate::pki::format::datetime;
use crate::pki::{self, EntryKind, Origin, ScanOptions, Thresholds};

/// What went wrong, with the facts the banner needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.banner())]
pub enum Diagnosis {
    /// No kubeconfig anywhere kcert looks.
    NoKubeconfig {
        tried: Vec<PathBuf>,
    },
    BadKubeconfig {
        path: PathBuf,
        reason: String,
    },
    /// The kubeconfig's own client certificate is past its notAfter.
    ClientCertExpired {
        /// The file holding the certificate (the kubeconfig, or the file it references).
        file: PathBuf,
        user: String,
        expired: DateTime<Utc>,
        /// kubeadm's name (`admin.conf`) when kubeadm can renew it.
        kubeadm_name: Option<String>,
    },
    /// The API server refused the credentials for another reason.
    Unauthorized {
        server: String,
        user: String,
    },
    /// Authenticated but not allowed (RBAC).
    Forbidden {
        user: String,
        message: String,
    },
    ServerCertExpired {
        server: String,
        expired: DateTime<Utc>,
        local: Option<LocalServerCert>,
    },
    /// The served certificate does not verify for another reason (unknown CA, wrong name).
    ServerCertRejected {
        server: String,
        reason: String,
    },
    /// Nothing listens: the API server is down.
    Refused {
        server: String,
    },
    /// The server closed the connection: restarting, or a load balancer without a backend.
    Reset {
        server: String,
    },
    Timeout {
        server: String,
        after: Duration,
    },
    /// It answered with more than kcert reads ([`super::bounded`]).
    TooMuch {
        server: String,
        reason: String,
    },
    /// It answered, but the answer never ended: endless pages, or slower than `--timeout`.
    Unfinished {
        server: String,
        reason: String,
    },
    /// Name resolution or routing failed.
    Unreachable {
        server: String,
        reason: String,
    },
    Other {
        reason: String,
    },
}

/// How the served certificate relates to the local `apiserver.crt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalServerCert {
    pub path: PathBuf,
    /// Byte-identical to the served one.
    pub same: bool,
    pub not_after: DateTime<Utc>,
}

impl Diagnosis {
    /// The banner text: what happened and what to do.
    pub fn banner(&self) -> String {
        match self {
            Diagnosis::NoKubeconfig { tried } => format!(
                "No kubeconfig found (tried {}). Pass --kubeconfig, or run as root on a control-plane node.",
                tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
            Diagnosis::BadKubeconfig { path, reason } => {
                format!("Cannot use kubeconfig {}: {reason}", path.display())
            }
            Diagnosis::ClientCertExpired { file, user, expired, kubeadm_name } => {
                let how = match kubeadm_name {
                    Some(n) => format!("renew it with `kubeadm certs renew {n}`"),
                    None => format!("renew {}", file.display()),
                };
                format!(
                    "The client certificate of user {user} in {} expired on {}: {how}.",
                    file.display(),
                    datetime(*expired)
                )
            }
            Diagnosis::Unauthorized { server, user } => format!(
                "The API server at {server} rejected the credentials of user {user} (401 Unauthorized): \
                 the client certificate is not signed by the cluster CA, or the token is invalid."
            ),
            Diagnosis::Forbidden { user, message } => {
                format!("User {user} is not allowed to do this (403 Forbidden): {message}")
            }
            Diagnosis::ServerCertExpired { server, expired, local } => {
                let mut s = format!(
                    "The API server at {server} presents a certificate that expired on {}.",
                    datetime(*expired)
                );
                match local {
                    Some(l) if l.same => s.push_str(&format!(
                        " It is the local {}: renew it with `kubeadm certs renew apiserver` and restart kube-apiserver.",
                        l.path.display()
                    )),
                    Some(l) if l.not_after > *expired => s.push_str(&format!(
                        " The local {} is a newer certificate (valid until {}): restart kube-apiserver to serve it.",
                        l.path.display(),
                        datetime(l.not_after)
                    )),
                    Some(l) => s.push_str(&format!(
                        " It differs from the local {} (which expires {}).",
                        l.path.display(),
                        datetime(l.not_after)
                    )),
                    None => {}
                }
                s
            }
            Diagnosis::ServerCertRejected { server, reason } => format!(
                "The API server at {server} presents a certificate kcert does not trust: {reason}."
            ),
            Diagnosis::Refused { server } => format!(
                "Connection refused by {server}: the API server is not running (or not on that port)."
            ),
            Diagnosis::Reset { server } => format!(
                "{server} closed the connection: the API server is restarting, or a load balancer has no healthy API server behind it."
            ),
            Diagnosis::Timeout { server, after } => format!(
                "No answer from {server} within {}s: the host is down, a firewall drops the traffic, or the address is wrong.",
                after.as_secs()
            ),
            Diagnosis::Unreachable { server, reason } => {
                format!("Cannot reach {server}: {reason}.")
            }
            Diagnosis::TooMuch { server, reason } => format!(
                "The API server at {server} {reason}: kcert stopped reading. Something other than a working API server may answer at that address (a proxy?)."
            ),
            Diagnosis::Unfinished { server, reason } => format!(
                "The API server at {server} {reason}: kcert stopped waiting. It answers, but not as an API server should (overloaded, or a proxy in the way?)."
            ),
            Diagnosis::Other { reason } => format!("Cannot talk to the API server: {reason}"),
        }
    }
}

/// What the error chain says, before local facts are consulted.
enum Symptom {
    Status(u16, String),
    ServerCert(CertificateError),
    /// The server closed the handshake with an alert about our certificate.
    ClientCertAlert,
    Refused,
    Reset,
    TimedOut,
    Unreachable(String),
    Unknown,
}

fn symptom(err: &kube::Error) -> Symptom {
    if let kube::Error::Api(s) = err {
        return Symptom::Status(s.code, s.message.clone());
    }
    // io::Error hides what it wraps from `source()`, and layers nest io::Errors, so both
    // `source()` and `io::Error::get_ref()` are followed.
    let mut todo: Vec<&(dyn std::error::Error + 'static)> = vec![err];
    while let Some(e) = todo.pop() {
        match e.downcast_ref::<rustls::Error>() {
            Some(rustls::Error::InvalidCertificate(c)) => return Symptom::ServerCert(c.clone()),
            Some(rustls::Error::AlertReceived(
                AlertDescription::CertificateExpired
                | AlertDescription::BadCertificate
                | AlertDescription::CertificateRequired
                | AlertDescription::CertificateUnknown
                | AlertDescription::UnknownCA,
            )) => return Symptom::ClientCertAlert,
            _ => {}
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Symptom::Refused,
                std::io::ErrorKind::TimedOut => return Symptom::TimedOut,
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof => return Symptom::Reset,
                _ => {}
            }
            if let Some(inner) = io.get_ref() {
                todo.push(inner);
            }
        }
        if let Some(s) = e.source() {
            todo.push(s);
        }
    }
    // Some layers only keep text (hyper-util's connector, hyper-timeout).
    let text = error_chain(err).to_lowercase();
    if text.contains("connection refused") {
        Symptom::Refused
    } else if text.contains("timed out") || text.contains("elapsed") {
        Symptom::TimedOut
    } else if text.contains("dns error") || text.contains("failed to lookup") {
        Symptom::Unreachable(error_chain(err))
    } else {
        Symptom::Unknown
    }
}

/// Classify a failed request against `chosen`'s cluster. May open one extra TLS connection
/// to read the served certificate.
pub async fn diagnose(err: &kube::Error, chosen: &Chosen, timeout: Duration) -> Diagnosis {
    diagnose_at(err, chosen, timeout, Utc::now()).await
}

/// [`diagnose`] against an explicit clock.
pub async fn diagnose_at(
    err: &kube::Error,
    chosen: &Chosen,
    timeout: Duration,
    now: DateTime<Utc>,
) -> Diagnosis {
    let server = chosen.server.clone();
    if let Some(t) = super::bounded::too_much(err) {
        return Diagnosis::TooMuch {
            server,
            reason: t.to_string(),
        };
    }
    match symptom(err) {
        Symptom::Status(401, _) | Symptom::ClientCertAlert => {
            match expired_client_cert(chosen, now) {
                Some(d) => d,
                None => Diagnosis::Unauthorized {
                    server,
                    user: chosen.user.clone(),
                },
            }
        }
        Symptom::Status(403, message) => Diagnosis::Forbidden {
            user: chosen.user.clone(),
            message,
        },
        Symptom::Status(code, message) => Diagnosis::Other {
            reason: format!("HTTP {code}: {message}"),
        },
        Symptom::ServerCert(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => served_cert_expired(chosen, timeout, now).await,
        Symptom::ServerCert(c) => Diagnosis::ServerCertRejected {
            server,
            reason: cert_error_words(&c),
        },
        Symptom::Refused => Diagnosis::Refused { server },
        Symptom::Reset => Diagnosis::Reset { server },
        Symptom::TimedOut => Diagnosis::Timeout {
            server,
            after: timeout,
        },
        Symptom::Unreachable(reason) => Diagnosis::Unreachable { server, reason },
        Symptom::Unknown => Diagnosis::Other {
            reason: error_chain(err),
        },
    }
}

fn cert_error_words(c: &CertificateError) -> String {
    match c {
        CertificateError::UnknownIssuer => {
            "it is not signed by the CA in the kubeconfig (certificate-authority-data)".into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "it is not valid for the server address in the kubeconfig (missing SAN)".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet (check the clocks)".into()
        }
        CertificateError::BadSignature => {
            "it is not signed by the CA in the kubeconfig (another CA of the same name signed it, e.g. another cluster's)".into()
        }
        other => format!("{other:?}"),
    }
}

/// The context user's client certificate, if kcert can find it and it has expired.
fn expired_client_cert(chosen: &Chosen, now: DateTime<Utc>) -> Option<Diagnosis> {
    let auth = chosen
        .kubeconfig
        .auth_infos
        .iter()
        .find(|a| a.name == chosen.user)?
        .auth_info
        .as_ref()?;
    let referenced = auth.client_certificate.as_ref().map(|f| {
        let p = Path::new(f);
        match chosen.user_file.parent() {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_path_buf(),
        }
    });
    let root = referenced
        .clone()
        .unwrap_or_else(|| chosen.user_file.clone());
    let opts = ScanOptions {
        roots: vec![root.clone()],
        explicit: true,
        now,
        thresholds: Thresholds::default(),
    };
    let inv = pki::scan(&opts).ok()?;
    let cert = inv.certs.iter().find(|c| match &c.origin {
        Origin::Kubeconfig {
            entry: EntryKind::User,
            name,
            index: 0,
            ..
        } => referenced.is_none() && *name == chosen.user,
        Origin::File { index: 0, .. } => referenced.is_some(),
        _ => false,
    })?;
    (cert.not_after <= now).then(|| Diagnosis::ClientCertExpired {
        file: cert.origin.path().to_path_buf(),
        user: chosen.user.clone(),
        expired: cert.not_after,
        kubeadm_name: cert.kubeadm_name.clone(),
    })
}

async fn served_cert_expired(chosen: &Chosen, timeout: Duration, now: DateTime<Utc>) -> Diagnosis {
    let server = chosen.server.clone();
    let chain = match presented_chain(&server, timeout).await {
        Ok(c) if !c.is_empty() => c,
        Ok(_) | Err(_) => {
            return Diagnosis::ServerCertRejected {
                server,
                reason: "it has expired".into(),
            }
        }
    };
    let leaf = &chain[0];
    let expired = not_after(leaf).unwrap_or(now);
    let local = chosen.apiserver_cert.as_ref().and_then(|path| {
        let der = pki::decode::read_certificates(path).into_iter().next()?;
        Some(LocalServerCert {
            path: path.clone(),
            same: pki::sha256_hex(&der) == pki::sha256_hex(leaf),
            not_after: not_after(&der)?,
        })
    });
    Diagnosis::ServerCertExpired {
        server,
        expired,
        local,
    }
}

fn not_after(der: &[u8]) -> Option<DateTime<Utc>> {
    let c = pki::decode::certificate(der).ok()?;
    Some(pki::decode::validity(&c).1)
}
