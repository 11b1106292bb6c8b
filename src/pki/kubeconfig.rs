//! Kubeconfig files: embedded `*-data` fields and file references.
//!
//! Only the fields that hold or name PKI material are read; the rest of the YAML is left alone.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;

use super::EntryKind;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    // `Option` because kubectl writes `users: null` for an empty list.
    clusters: Option<Vec<Named<RawCluster>>>,
    users: Option<Vec<Named<RawUser>>>,
    contexts: Option<Vec<Named<RawContext>>>,
    #[serde(rename = "current-context")]
    current_context: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Named<T> {
    name: Option<String>,
    #[serde(alias = "cluster", alias = "user", alias = "context")]
    inner: Option<T>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct RawCluster {
    #[serde(rename = "certificate-authority-data")]
    ca_data: Option<String>,
    #[serde(rename = "certificate-authority")]
    ca_file: Option<String>,
    server: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct RawUser {
    #[serde(rename = "client-certificate-data")]
    cert_data: Option<String>,
    #[serde(rename = "client-key-data")]
    key_data: Option<String>,
    #[serde(rename = "client-certificate")]
    cert_file: Option<String>,
    #[serde(rename = "client-key")]
    key_file: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct RawContext {
    cluster: Option<String>,
    user: Option<String>,
}

/// One PKI-bearing field of a kubeconfig.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub entry: EntryKind,
    /// The user or cluster name.
    pub name: String,
    /// YAML field name (`client-certificate-data`, `client-key`, ...).
    pub field: &'static str,
    pub value: FieldValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// Decoded `*-data` bytes (PEM text).
    Data(Vec<u8>),
    /// A file reference, resolved against the kubeconfig's directory.
    File(PathBuf),
    /// `*-data` that is not valid base64.
    BadBase64(String),
}

/// The PKI-relevant content of a kubeconfig.
#[derive(Debug, Clone, Default)]
pub struct Kubeconfig {
    pub fields: Vec<Field>,
    /// The user of the current context, whose client certificate kubeadm reports.
    pub current_user: Option<String>,
    pub servers: Vec<(String, String)>,
}

/// Cheap sniff: does this text look like a kubeconfig at all?
pub fn looks_like_kubeconfig(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("clusters:") || l.starts_with("users:") || l.starts_with("kind: Config")
    })
}

/// Why a kubeconfig could not be read: its YAML does not parse.
#[derive(Debug, thiserror::Error)]
#[error("broken kubeconfig YAML: {0}")]
pub struct KubeconfigError(#[from] serde_yaml::Error);

/// Parse kubeconfig YAML. `dir` resolves relative file references.
pub fn parse(bytes: &[u8], dir: &Path) -> Result<Kubeconfig, KubeconfigError> {
    let raw: RawConfig = serde_yaml::from_slice(bytes)?;
    let mut fields = Vec::new();
    let mut servers = Vec::new();
    for c in raw.clusters.iter().flatten() {
        let name = c.name.clone().unwrap_or_default();
        let Some(cluster) = &c.inner else { continue };
        if let Some(s) = &cluster.server {
            servers.push((name.clone(), s.clone()));
        }
        push(
            &mut fields,
            EntryKind::Cluster,
            &name,
            "certificate-authority-data",
            cluster.ca_data.as_deref(),
            None,
        );
        push(
            &mut fields,
            EntryKind::Cluster,
            &name,
            "certificate-authority",
            None,
            file(cluster.ca_file.as_deref(), dir),
        );
    }
    for u in raw.users.iter().flatten() {
        let name = u.name.clone().unwrap_or_default();
        let Some(user) = &u.inner else { continue };
        push(
            &mut fields,
            EntryKind::User,
            &name,
            "client-certificate-data",
            user.cert_data.as_deref(),
            None,
        );
        push(
            &mut fields,
            EntryKind::User,
            &name,
            "client-key-data",
            user.key_data.as_deref(),
            None,
        );
        push(
            &mut fields,
            EntryKind::User,
            &name,
            "client-certificate",
            None,
            file(user.cert_file.as_deref(), dir),
        );
        push(
            &mut fields,
            EntryKind::User,
            &name,
            "client-key",
            None,
            file(user.key_file.as_deref(), dir),
        );
    }
    let current_user = raw.current_context.as_ref().and_then(|cur| {
        raw.contexts
            .iter()
            .flatten()
            .find(|c| c.name.as_deref() == Some(cur.as_str()))
            .and_then(|c| c.inner.as_ref())
            .and_then(|c| c.user.clone())
    });
    Ok(Kubeconfig {
        fields,
        current_user,
        servers,
    })
}

fn file(value: Option<&str>, dir: &Path) -> Option<PathBuf> {
    let v = value?.trim();
    if v.is_empty() {
        return None;
    }
    let p = Path::new(v);
    Some(if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    })
}

fn push(
    fields: &mut Vec<Field>,
    entry: EntryKind,
    name: &str,
    field: &'static str,
    data: Option<&str>,
    file: Option<PathBuf>,
) {
    let value = match (data, file) {
        (Some(d), _) if !d.trim().is_empty() => {
            let cleaned: String = d.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes()) {
                Ok(bytes) => FieldValue::Data(bytes),
                Err(e) => FieldValue::BadBase64(e.to_string()),
            }
        }
        (_, Some(f)) => FieldValue::File(f),
        _ => return,
    };
    fields.push(Field {
        entry,
        name: name.to_string(),
        field,
        value,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_references_resolve_against_the_kubeconfig_directory() {
        let yaml = b"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://x:6443\n    certificate-authority: ca.crt\nusers:\n- name: u\n  user:\n    client-certificate: /abs/u.crt\n    client-key: keys/u.key\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\n";
        let k = parse(yaml, Path::new("/home/op/.kube")).unwrap();
        let files: Vec<_> = k
            .fields
            .iter()
            .map(|f| match &f.value {
                FieldValue::File(p) => p.display().to_string(),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            files,
            [
                "/home/op/.kube/ca.crt",
                "/abs/u.crt",
                "/home/op/.kube/keys/u.key"
            ]
        );
        assert_eq!(k.current_user.as_deref(), Some("u"));
    }

    #[test]
    fn broken_yaml_says_where() {
        let err = parse(b"clusters:\n- name: [unclosed\n", Path::new("/")).unwrap_err();
        assert!(err.to_string().contains("line"), "{err}");
    }
}
