//! Fetch the certificate an HTTPS server presents, without trusting it: when verification
//! failed, this is how kcert learns *which* certificate the API server serves and when it
//! expired. Nothing is sent over the connection; the TLS work is `runtime::tls`'s.

use std::time::Duration;

use rustls::pki_types::ServerName;

use crate::runtime::tls::{presented_chain_as, TlsFailure};

/// Why the presented chain could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("bad server URL {server}: {source}")]
    BadUrl {
        server: String,
        #[source]
        source: http::uri::InvalidUri,
    },
    #[error("no host in {0}")]
    NoHost(String),
    #[error("{host} is not a server name: {source}")]
    BadName {
        host: String,
        #[source]
        source: rustls::pki_types::InvalidDnsNameError,
    },
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} has no address")]
    NoAddress(String),
    #[error("connection refused")]
    Refused,
    #[error("timed out")]
    Timeout,
    /// The handshake or the connection failed, in rustls' or the OS's words.
    #[error("{0}")]
    Tls(String),
}

/// The DER chain presented by `server` (an `https://host:port` URL), leaf first.
pub async fn presented_chain(server: &str, timeout: Duration) -> Result<Vec<Vec<u8>>, ChainError> {
    let uri: http::Uri = server.parse().map_err(|source| ChainError::BadUrl {
        server: server.to_string(),
        source,
    })?;
    let host = uri
        .host()
        .ok_or_else(|| ChainError::NoHost(server.to_string()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(443);
    let name = ServerName::try_from(host.clone()).map_err(|source| ChainError::BadName {
        host: host.clone(),
        source,
    })?;
    let addr = tokio::time::timeout(timeout, tokio::net::lookup_host((host.as_str(), port)))
        .await
        .map_err(|_| ChainError::Timeout)?
        .map_err(|source| ChainError::Resolve {
            host: host.clone(),
            source,
        })?
        .next()
        .ok_or_else(|| ChainError::NoAddress(host.clone()))?;
    presented_chain_as(addr, name, timeout)
        .await
        .map_err(|e| match e {
            TlsFailure::Refused => ChainError::Refused,
            TlsFailure::Timeout => ChainError::Timeout,
            TlsFailure::Handshake(m) | TlsFailure::Connect(m) => ChainError::Tls(m),
        })
}
