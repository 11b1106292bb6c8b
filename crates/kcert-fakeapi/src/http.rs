//! TLS, client-certificate authentication and the accept loop.
//!
//! Like kube-apiserver, the TLS layer asks for a client certificate but accepts any; the
//! certificate is judged afterwards, and a bad or expired one gets `401 Unauthorized` as an
//! HTTP answer, not a handshake failure. Without a certificate the caller is
//! `system:anonymous`, which kubeadm's RBAC forbids everything but discovery.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::net::TcpListener;
use x509_parser::prelude::FromDer;

use super::certs::Identity;
use super::routes;
use super::{ServerError, Shared};

pub type Body = BoxBody<Bytes, Infallible>;

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    User {
        name: String,
        groups: Vec<String>,
    },
    Anonymous,
    /// A certificate was presented but is expired, not yet valid or not from the CA.
    Rejected,
}

#[derive(Debug)]
struct RequestAnyCert {
    provider: Arc<rustls::crypto::CryptoProvider>,
    hints: Vec<DistinguishedName>,
}

impl ClientCertVerifier for RequestAnyCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
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
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
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

/// The rustls server configuration for `serving`, requesting client certificates of `ca`.
pub fn tls_config(serving: &Identity, ca_der: &[u8]) -> Result<rustls::ServerConfig, ServerError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::PrivateKeyDer;
    let bad = |e: &dyn std::fmt::Display| ServerError::Pki(e.to_string());
    let chain = CertificateDer::pem_slice_iter(serving.cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&e))?;
    let key = PrivateKeyDer::from_pem_slice(serving.key_pem.as_bytes()).map_err(|e| bad(&e))?;
    let (_, ca) =
        x509_parser::certificate::X509Certificate::from_der(ca_der).map_err(|e| bad(&e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = RequestAnyCert {
        provider: provider.clone(),
        hints: vec![DistinguishedName::from(ca.subject().as_raw().to_vec())],
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&e))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(chain, key)
        .map_err(|e| bad(&e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Authenticate the presented certificate the way kube-apiserver's x509 authenticator does.
pub fn authenticate(peer: Option<&[CertificateDer<'_>]>, ca_der: &[u8]) -> Caller {
    let Some(leaf) = peer.and_then(|p| p.first()) else {
        return Caller::Anonymous;
    };
    let Ok((_, ca)) = x509_parser::certificate::X509Certificate::from_der(ca_der) else {
        return Caller::Rejected;
    };
    let Ok((_, cert)) = x509_parser::certificate::X509Certificate::from_der(leaf) else {
        return Caller::Rejected;
    };
    if !cert.validity().is_valid() || cert.verify_signature(Some(ca.public_key())).is_err() {
        return Caller::Rejected;
    }
    let name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut groups: Vec<String> = cert
        .subject()
        .iter_organization()
        .filter_map(|a| a.as_str().ok())
        .map(str::to_string)
        .collect();
    groups.push("system:authenticated".into());
    Caller::User { name, groups }
}

/// Accept connections until `shared.shutdown` fires.
pub async fn serve(listener: TcpListener, tls: rustls::ServerConfig, shared: Arc<Shared>) {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        // `wait_for` sees a stop that happened before this point too.
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = super::stopped(&mut shutdown) => return,
        };
        if *shutdown.borrow() {
            return;
        }
        let Ok((tcp, _)) = accepted else { continue };
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut shutdown = shared.shutdown.subscribe();
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let caller = authenticate(tls.get_ref().1.peer_certificates(), &shared.ca.cert_der);
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                let caller = caller.clone();
                async move {
                    Ok::<Response<Body>, Infallible>(routes::handle(shared, caller, req).await)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service);
            tokio::select! {
                _ = conn => {}
                _ = super::stopped(&mut shutdown) => {}
            }
        });
    }
}
