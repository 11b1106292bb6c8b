//! Fetch the certificate an HTTPS server presents, without trusting it: when verification
//! failed, this is how kcert learns *which* certificate the API server serves and when it
//! expired. Nothing is sent over the connection; the TLS work is `runtime::tls`'s.

use std::time::Duration;

use rustls::pki_types::ServerName;

use crate::runtime::tls::{presented_chain_as, TlsFailure};

/// The DER chain presented by `server` (an `https://host:port` URL), leaf first.
pub async fn presented_chain(server: &str, timeout: Duration) -> Result<Vec<Vec<u8>>, String> {
    let uri: http::Uri = server
        .parse()
        .map_err(|e| format!("bad server URL {server}: {e}"))?;
    let host = uri
        .host()
        .ok_or_else(|| format!("no host in {server}"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(443);
    let name = ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
    let addr = tokio::time::timeout(timeout, tokio::net::lookup_host((host.as_str(), port)))
        .await
        .map_err(|_| "timed out".to_string())?
        .map_err(|e| e.to_string())?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    presented_chain_as(addr, name, timeout)
        .await
        .map_err(|e| match e {
            TlsFailure::Refused => "connection refused".to_string(),
            TlsFailure::Timeout => "timed out".to_string(),
            TlsFailure::Handshake(m) | TlsFailure::Connect(m) => m,
        })
}
