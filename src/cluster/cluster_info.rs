//! Putting a renewed CA into `kube-public/cluster-info` (`--update-cluster`), the one copy in
//! the cluster nothing refreshes: read it, replace the CA's block in its kubeconfig's
//! `certificate-authority-data` (the rest of the YAML kept), write it with the
//! resourceVersion read. A 409 (another writer came between: the bootstrap signer re-signs
//! the ConfigMap whenever it changes) is retried after a fresh read, a bounded number of
//! times.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};

use super::ca_copies::{judge, CopyState};
use super::ca_read::{kubeconfig_ca_data, CLUSTER_INFO};
use super::connect::Connection;
use super::diagnose::Diagnosis;
use crate::pki;
use crate::sign::kubeconfig::replace_ca_data;

/// Reads and writes before giving up on a ConfigMap that keeps changing.
pub const MAX_TRIES: usize = 5;

/// What was done to cluster-info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    /// Written and read back; `tries` counts the writes (more than one after a conflict).
    Written {
        replaced_until: DateTime<Utc>,
        tries: usize,
    },
    /// The dry run's answer: the copy it holds now, which would be replaced.
    WouldWrite { replaced_until: DateTime<Utc> },
    /// It holds the new certificate already.
    AlreadyCurrent,
}

/// Why cluster-info was not updated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    #[error("{0}")]
    Cluster(Box<Diagnosis>),
    #[error("kube-public/cluster-info does not exist (kubeadm init creates it; was this cluster made by kubeadm?)")]
    Missing,
    #[error("kube-public/cluster-info has no kubeconfig")]
    NoKubeconfig,
    #[error("kube-public/cluster-info's CA data is not this CA: it holds {0}")]
    NotThisCa(String),
    #[error("kube-public/cluster-info holds a later certificate of this CA (until {}) than the one given: not replaced with an older one", pki::format::datetime(*.0))]
    Newer(DateTime<Utc>),
    #[error("kube-public/cluster-info's kubeconfig could not be edited: {0}")]
    BadKubeconfig(String),
    #[error("{0}")]
    Refused(String),
    #[error("kube-public/cluster-info kept changing under kcert: {0} writes in a row met a newer version (409 Conflict)")]
    Conflicts(usize),
    #[error("kube-public/cluster-info was written but the API server's answer does not hold the new certificate")]
    Unverified,
}

/// The kubeconfig in cluster-info.
fn kubeconfig(cm: &ConfigMap) -> Result<&str, UpdateError> {
    cm.data
        .as_ref()
        .and_then(|d| d.get("kubeconfig"))
        .map(String::as_str)
        .ok_or(UpdateError::NoKubeconfig)
}

/// A request's failure: the cluster as a whole (unreachable, credentials refused), or this
/// request refused (RBAC, a webhook, ...), in the API server's words.
async fn failed(conn: &Connection, doing: &str, e: kube::Error) -> UpdateError {
    match e {
        kube::Error::Api(s) if s.code != 401 => UpdateError::Refused(format!(
            "the API server refused to {doing} it ({} {}): {}",
            s.code, s.reason, s.message
        )),
        other => UpdateError::Cluster(Box::new(conn.diagnose(&other).await)),
    }
}

/// Replace the copy of CA `new_der` (same subject and key) in cluster-info with `new_der`;
/// with `dry_run`, only say whether it would.
pub async fn update(
    conn: &Connection,
    new_der: &[u8],
    dry_run: bool,
) -> Result<Updated, UpdateError> {
    let api: Api<ConfigMap> = Api::namespaced(conn.client.clone(), CLUSTER_INFO.0);
    let cluster = |d| UpdateError::Cluster(Box::new(d));
    let is_old = |der: &[u8]| der != new_der && pki::copy_of_ca(der, new_der).is_some();
    for tries in 1..=MAX_TRIES {
        let cm = match conn
            .within_raw(api.get_opt(CLUSTER_INFO.1))
            .await
            .map_err(cluster)?
        {
            Ok(Some(cm)) => cm,
            Ok(None) => return Err(UpdateError::Missing),
            Err(e) => return Err(failed(conn, "read", e).await),
        };
        let yaml = kubeconfig(&cm)?;
        let replaced_until = match judge(Some(&kubeconfig_ca_data(yaml)), new_der) {
            CopyState::Current => return Ok(Updated::AlreadyCurrent),
            CopyState::Old { until } => until,
            CopyState::Newer { until } => return Err(UpdateError::Newer(until)),
            CopyState::Other { subject } => return Err(UpdateError::NotThisCa(subject)),
            CopyState::Absent | CopyState::NoCertificate => {
                return Err(UpdateError::NotThisCa("no certificate".into()))
            }
        };
        if dry_run {
            return Ok(Updated::WouldWrite { replaced_until });
        }
        let new_yaml = match replace_ca_data(yaml.as_bytes(), &is_old, new_der) {
            Ok(Some(y)) => String::from_utf8_lossy(&y).into_owned(),
            Ok(None) => {
                return Err(UpdateError::BadKubeconfig(
                    "no certificate-authority-data to replace".into(),
                ))
            }
            Err(e) => return Err(UpdateError::BadKubeconfig(e.to_string())),
        };
        let mut next = cm.clone();
        next.data
            .get_or_insert_with(Default::default)
            .insert("kubeconfig".into(), new_yaml);
        let params = PostParams::default();
        let written = api.replace(CLUSTER_INFO.1, &params, &next);
        match conn.within_raw(written).await.map_err(cluster)? {
            Ok(stored) => {
                let held = kubeconfig(&stored).map(kubeconfig_ca_data)?;
                return match judge(Some(&held), new_der) {
                    CopyState::Current => Ok(Updated::Written {
                        replaced_until,
                        tries,
                    }),
                    _ => Err(UpdateError::Unverified),
                };
            }
            Err(kube::Error::Api(s)) if s.code == 409 => continue,
            Err(e) => return Err(failed(conn, "write", e).await),
        }
    }
    Err(UpdateError::Conflicts(MAX_TRIES))
}
