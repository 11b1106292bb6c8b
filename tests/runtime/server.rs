//! TLS servers on loopback for the runtime tests and the probe benchmark: real certificates
//! from the tree on disk, real handshakes (tokio-rustls with ring).
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

/// A server presenting one certificate chain until dropped.
pub struct TlsServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TlsServer {
    /// Serve the chain in `cert_pem` with the key in `key_pem` on `addr` (port 0: any free
    /// port). With `client_ca_pem`, clients must present a certificate it signed (etcd's
    /// `--client-cert-auth`).
    pub fn start(
        addr: SocketAddr,
        cert_pem: &[u8],
        key_pem: &[u8],
        client_ca_pem: Option<&[u8]>,
    ) -> std::io::Result<TlsServer> {
        let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| bad(e.to_string()))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| bad(e.to_string()))?;
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?;
        let builder = match client_ca_pem {
            None => builder.with_no_client_auth(),
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                for c in CertificateDer::pem_slice_iter(ca) {
                    roots
                        .add(c.map_err(|e| bad(e.to_string()))?)
                        .map_err(|e| bad(e.to_string()))?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider(),
                )
                .build()
                .map_err(|e| bad(e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let config = builder
            .with_single_cert(certs, key)
            .map_err(|e| bad(e.to_string()))?;
        let listener = StdListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
                tokio::pin!(rx);
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            let Ok((tcp, _)) = accepted else { continue };
                            let acceptor = acceptor.clone();
                            tokio::spawn(async move {
                                if let Ok(mut s) = acceptor.accept(tcp).await {
                                    let _ = s.shutdown().await;
                                }
                            });
                        }
                    }
                }
            });
        });
        Ok(TlsServer {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    /// Serve the certificate file and key file as a component would read them at start.
    pub fn from_files(addr: SocketAddr, cert: &Path, key: &Path) -> std::io::Result<TlsServer> {
        TlsServer::start(addr, &std::fs::read(cert)?, &std::fs::read(key)?, None)
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Play the kubelet for one static pod until `stop` says so: serve `cert` and `key` on
/// `port` while `manifest` is there (after a start delay, like a container starting, reading
/// the files anew each time) and stop (after a grace delay) when it leaves.
pub fn play_kubelet(manifest: &Path, port: u16, cert: &Path, key: &Path, stop: impl Fn() -> bool) {
    let mut server: Option<TlsServer> = None;
    while !stop() {
        let present = manifest.exists();
        if present && server.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(150));
            server = TlsServer::from_files(loopback(port), cert, key).ok();
        } else if !present && server.is_some() {
            std::thread::sleep(std::time::Duration::from_millis(150));
            server = None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A port that accepts connections but never speaks: a hung process, for timeouts.
pub fn black_hole() -> StdListener {
    StdListener::bind("127.0.0.1:0").expect("bind a loopback port")
}

/// A loopback port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}
