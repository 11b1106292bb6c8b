//! The kubelet's `KubeletConfiguration` (`/var/lib/kubelet/config.yaml`): the fields that name
//! PKI files or say where it serves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_yaml::Value;

use crate::pki::walk::MAX_FILE_SIZE;

/// The kubelet's port when the config does not set one.
pub const DEFAULT_PORT: u16 = 10250;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KubeletConfig {
    pub path: PathBuf,
    /// `authentication.x509.clientCAFile`: verifies the API server's kubelet client certificate.
    pub client_ca_file: Option<PathBuf>,
    pub tls_cert_file: Option<PathBuf>,
    pub tls_private_key_file: Option<PathBuf>,
    /// Serving certificate from the CSR API (`kubelet-server-current.pem`) instead of self-signed.
    pub server_tls_bootstrap: bool,
    /// Renew the client certificate through the CSR API; off unless the config sets it (kubeadm
    /// does).
    pub rotate_certificates: bool,
    /// `featureGates` as written (`RotateKubeletServerCertificate: false`, ...).
    pub feature_gates: BTreeMap<String, bool>,
    /// `address` (default all addresses).
    pub address: Option<String>,
    pub port: u16,
    pub static_pod_path: Option<PathBuf>,
}

/// Why a kubelet config could not be used; the node keeps it beside the file's path.
#[derive(Debug, thiserror::Error)]
pub enum KubeletConfigError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0} bytes is too large for a kubelet config")]
    TooLarge(u64),
    #[error("not valid kubelet config YAML: {0}")]
    Yaml(#[source] serde_yaml::Error),
    #[error("not a KubeletConfiguration (kind is missing or different)")]
    WrongKind,
    #[error("port {0} is not a TCP port")]
    BadPort(String),
}

/// Read the kubelet config; `Ok(None)` when there is no such file.
pub fn read(path: &Path) -> Result<Option<KubeletConfig>, KubeletConfigError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if meta.len() > MAX_FILE_SIZE {
        return Err(KubeletConfigError::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path)?;
    parse(&bytes, path).map(Some)
}

/// Parse a `KubeletConfiguration`. Relative paths are relative to the file's directory, as
/// the kubelet resolves them.
pub fn parse(bytes: &[u8], path: &Path) -> Result<KubeletConfig, KubeletConfigError> {
    let doc: Value = serde_yaml::from_slice(bytes).map_err(KubeletConfigError::Yaml)?;
    if doc.get("kind").and_then(Value::as_str) != Some("KubeletConfiguration") {
        return Err(KubeletConfigError::WrongKind);
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    let file = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| dir.join(s))
    };
    let port = match doc.get("port") {
        None | Some(Value::Null) => DEFAULT_PORT,
        Some(v) => v
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p != 0)
            .ok_or_else(|| KubeletConfigError::BadPort(format!("{v:?}")))?,
    };
    let flag = |k: &str| doc.get(k).and_then(Value::as_bool).unwrap_or(false);
    Ok(KubeletConfig {
        path: path.to_path_buf(),
        client_ca_file: file(
            doc.get("authentication")
                .and_then(|a| a.get("x509"))
                .and_then(|x| x.get("clientCAFile")),
        ),
        tls_cert_file: file(doc.get("tlsCertFile")),
        tls_private_key_file: file(doc.get("tlsPrivateKeyFile")),
        server_tls_bootstrap: flag("serverTLSBootstrap"),
        rotate_certificates: flag("rotateCertificates"),
        feature_gates: doc
            .get("featureGates")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_bool()?)))
            .collect(),
        address: doc
            .get("address")
            .and_then(Value::as_str)
            .map(str::to_string),
        port,
        static_pod_path: file(doc.get("staticPodPath")),
    })
}

impl KubeletConfig {
    /// The serving certificate the kubelet presents, and the setting that decides it.
    pub fn serving_cert(&self, cert_dir: &Path) -> (PathBuf, &'static str) {
        match &self.tls_cert_file {
            Some(f) => (f.clone(), "tlsCertFile"),
            None if self.server_tls_bootstrap => (
                cert_dir.join("kubelet-server-current.pem"),
                "serverTLSBootstrap",
            ),
            None => (cert_dir.join("kubelet.crt"), "self-signed (no tlsCertFile)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeadm_config_fields_and_relative_paths() {
        let yaml = b"apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
tlsCertFile: pki/serving.crt
featureGates:
  RotateKubeletServerCertificate: false
";
        let c = parse(yaml, Path::new("/var/lib/kubelet/config.yaml")).unwrap();
        assert_eq!(
            c.client_ca_file.as_deref(),
            Some(Path::new("/etc/kubernetes/pki/ca.crt"))
        );
        assert_eq!(
            c.tls_cert_file.as_deref(),
            Some(Path::new("/var/lib/kubelet/pki/serving.crt"))
        );
        assert_eq!(c.port, DEFAULT_PORT);
        assert!(c.rotate_certificates && !c.server_tls_bootstrap);
        assert_eq!(
            c.feature_gates.get("RotateKubeletServerCertificate"),
            Some(&false)
        );
    }

    #[test]
    fn bad_port_and_wrong_kind_are_errors() {
        let e = parse(
            b"kind: KubeletConfiguration\nport: 70000\n",
            Path::new("/c.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not a TCP port"), "{e}");
        let e = parse(b"kind: Pod\n", Path::new("/c.yaml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("KubeletConfiguration"), "{e}");
    }
}
