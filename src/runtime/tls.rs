//! Read the certificate chain a TLS server presents, without trusting it.
//!
//! The verifier accepts any chain but records it; handshake signatures are still checked, so
//! a recorded chain is one whose key the server holds. The chain is captured before the
//! server can ask for a client certificate, so etcd's mutual TLS still shows its certificate.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Why no certificate was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// Connection refused: nothing listens there.
    Refused,
    /// No answer within the timeout (filtered port, hung process, not TLS).
    Timeout,
    /// Connected, but no certificate came back.
    Handshake(String),
    /// Could not connect for another reason (unreachable, reset).
    Connect(String),
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

#[derive(Debug)]
struct Recorder {
    chain: Mutex<Option<Vec<Vec<u8>>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        if let Ok(mut slot) = self.chain.lock() {
            *slot = Some(chain);
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Connect to `addr` and return the DER chain it presents, leaf first, within `timeout`.
pub async fn presented_chain(
    addr: SocketAddr,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, TlsFailure> {
    presented_chain_as(addr, ServerName::IpAddress(addr.ip().into()), timeout).await
}

/// [`presented_chain`] with the name sent as SNI (a host name from a kubeconfig's server URL).
pub async fn presented_chain_as(
    addr: SocketAddr,
    name: ServerName<'static>,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, TlsFailure> {
    let recorder = Arc::new(Recorder {
        chain: Mutex::new(None),
        provider: provider(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsFailure::Handshake(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let attempt = async {
        let tcp = TcpStream::connect(addr).await.map_err(|e| match e.kind() {
            std::io::ErrorKind::ConnectionRefused => TlsFailure::Refused,
            _ => TlsFailure::Connect(e.to_string()),
        })?;
        let _ = tcp.set_nodelay(true);
        match connector.connect(name, tcp).await {
            Ok(mut stream) => {
                let _ = stream.shutdown().await;
                Ok(())
            }
            Err(e) => Err(TlsFailure::Handshake(e.to_string())),
        }
    };
    let outcome = tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or(Err(TlsFailure::Timeout));
    let recorded = recorder.chain.lock().ok().and_then(|mut c| c.take());
    match (recorded, outcome) {
        // The server may still reject us afterwards (mutual TLS): the chain is what counts.
        (Some(chain), _) => Ok(chain),
        (None, Err(e)) => Err(e),
        (None, Ok(())) => Err(TlsFailure::Handshake(
            "the server presented no certificate".into(),
        )),
    }
}
