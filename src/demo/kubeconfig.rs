//! kubeconfig files as kubeadm (`kubeconfigutil.CreateWithCerts`) and kubelet-finalize write them.

use std::collections::BTreeMap;
use std::path::Path;

use base64::prelude::{Engine, BASE64_STANDARD};
use serde::Serialize;

use super::{files, DemoError};

/// Field order and names follow what `clientcmd.WriteToFile` produces (keys sorted).
#[derive(Serialize)]
struct Kubeconfig<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    clusters: Vec<Named<'a, Cluster>>,
    contexts: Vec<Named<'a, Context<'a>>>,
    #[serde(rename = "current-context")]
    current_context: String,
    kind: &'a str,
    preferences: BTreeMap<String, String>,
    users: Vec<NamedUser<'a>>,
}

#[derive(Serialize)]
struct Named<'a, T> {
    #[serde(flatten)]
    body: T,
    name: &'a str,
}

#[derive(Serialize)]
struct Cluster {
    cluster: ClusterBody,
}

#[derive(Serialize)]
struct ClusterBody {
    #[serde(rename = "certificate-authority-data")]
    certificate_authority_data: String,
    server: String,
}

#[derive(Serialize)]
struct Context<'a> {
    context: ContextBody<'a>,
}

#[derive(Serialize)]
struct ContextBody<'a> {
    cluster: &'a str,
    user: &'a str,
}

#[derive(Serialize)]
struct NamedUser<'a> {
    name: &'a str,
    user: User,
}

#[derive(Serialize)]
struct User {
    #[serde(rename = "client-certificate", skip_serializing_if = "Option::is_none")]
    client_certificate: Option<String>,
    #[serde(
        rename = "client-certificate-data",
        skip_serializing_if = "Option::is_none"
    )]
    client_certificate_data: Option<String>,
    #[serde(rename = "client-key", skip_serializing_if = "Option::is_none")]
    client_key: Option<String>,
    #[serde(rename = "client-key-data", skip_serializing_if = "Option::is_none")]
    client_key_data: Option<String>,
}

/// How the user authenticates: embedded PEM (kubeadm) or a file both fields point at (kubelet).
pub(super) enum Credentials<'a> {
    Embedded { cert_pem: &'a str, key_pem: &'a str },
    File(&'a Path),
}

/// Writes a one-cluster, one-user kubeconfig (mode 0600). The cluster is named `kubernetes` and
/// the context `<user>@kubernetes`, kubeadm's defaults.
pub(super) fn write(
    path: &Path,
    server: &str,
    ca_pem: &str,
    user: &str,
    credentials: Credentials<'_>,
) -> Result<(), DemoError> {
    let cluster = "kubernetes";
    let context = format!("{user}@{cluster}");
    let body = match credentials {
        Credentials::Embedded { cert_pem, key_pem } => User {
            client_certificate: None,
            client_certificate_data: Some(BASE64_STANDARD.encode(cert_pem)),
            client_key: None,
            client_key_data: Some(BASE64_STANDARD.encode(key_pem)),
        },
        Credentials::File(file) => User {
            client_certificate: Some(file.display().to_string()),
            client_certificate_data: None,
            client_key: Some(file.display().to_string()),
            client_key_data: None,
        },
    };
    let config = Kubeconfig {
        api_version: "v1",
        clusters: vec![Named {
            body: Cluster {
                cluster: ClusterBody {
                    certificate_authority_data: BASE64_STANDARD.encode(ca_pem),
                    server: server.to_string(),
                },
            },
            name: cluster,
        }],
        contexts: vec![Named {
            body: Context {
                context: ContextBody { cluster, user },
            },
            name: &context,
        }],
        current_context: context.clone(),
        kind: "Config",
        preferences: BTreeMap::new(),
        users: vec![NamedUser {
            name: user,
            user: body,
        }],
    };
    let yaml = serde_yaml::to_string(&config)?;
    files::write(path, yaml, files::PRIVATE)
}
