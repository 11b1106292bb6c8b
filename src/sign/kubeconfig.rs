//! Replace a kubeconfig user's embedded client certificate and key, leaving every other field
//! as it was (order included). Shared by renewal and the refresh of the operator's copy of
//! `admin.conf`.

use base64::Engine;
use serde_yaml::{Mapping, Value};

use super::cert_to_pem;

/// Why a kubeconfig could not be edited; the caller names the file.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("broken kubeconfig YAML: {0}")]
    Parse(#[source] serde_yaml::Error),
    #[error("user {0} has no embedded client certificate to replace")]
    NoSuchUser(String),
    #[error("cannot write kubeconfig YAML: {0}")]
    Write(#[source] serde_yaml::Error),
}

/// The edited YAML and what the operator should know about it.
pub struct Edited {
    pub yaml: Vec<u8>,
    pub notes: Vec<String>,
}

fn b64(s: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(s))
}

fn seq<'a>(doc: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Mapping> {
    doc.get_mut(key)
        .and_then(Value::as_sequence_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_mapping_mut)
}

fn name_of(m: &Mapping) -> Option<&str> {
    m.get("name").and_then(Value::as_str)
}

/// Put `cert_pem`/`key_pem` into user `user`; compare (and with `update_ca`, replace) the
/// `certificate-authority-data` of the clusters this user's contexts point at.
pub fn replace_user(
    yaml: &[u8],
    user: &str,
    cert_pem: &str,
    key_pem: &str,
    ca_der: &[u8],
    update_ca: bool,
) -> Result<Edited, EditError> {
    let mut doc: Value = serde_yaml::from_slice(yaml).map_err(EditError::Parse)?;
    let clusters: Vec<String> = seq(&mut doc, "contexts")
        .filter(|c| {
            c.get("context")
                .and_then(|x| x.get("user"))
                .and_then(Value::as_str)
                == Some(user)
        })
        .filter_map(|c| {
            c.get("context")
                .and_then(|x| x.get("cluster"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let mut found = false;
    for entry in seq(&mut doc, "users").filter(|u| name_of(u) == Some(user)) {
        let Some(u) = entry.get_mut("user").and_then(Value::as_mapping_mut) else {
            continue;
        };
        u.insert("client-certificate-data".into(), b64(cert_pem.as_bytes()));
        u.insert("client-key-data".into(), b64(key_pem.as_bytes()));
        found = true;
    }
    if !found {
        return Err(EditError::NoSuchUser(user.to_string()));
    }
    let ca_pem = cert_to_pem(ca_der);
    let mut notes = Vec::new();
    for entry in seq(&mut doc, "clusters") {
        let name = name_of(entry).unwrap_or_default().to_string();
        if !clusters.is_empty() && !clusters.contains(&name) {
            continue;
        }
        let Some(c) = entry.get_mut("cluster").and_then(Value::as_mapping_mut) else {
            continue;
        };
        let Some(data) = c.get("certificate-authority-data").and_then(Value::as_str) else {
            continue;
        };
        if embedded_first_cert(data).as_deref() == Some(ca_der) {
            continue;
        }
        if update_ca {
            c.insert("certificate-authority-data".into(), b64(ca_pem.as_bytes()));
            notes.push(format!(
                "certificate-authority-data of cluster {name} replaced by the CA on disk"
            ));
        } else if let Some(until) = older_copy(data, ca_der) {
            notes.push(format!(
                "certificate-authority-data of cluster {name} is an older copy of the CA on disk (same name and key): it stops working on {}; renew with --update-ca-data to replace it",
                crate::pki::format::datetime(until)
            ));
        } else {
            notes.push(format!(
                "certificate-authority-data of cluster {name} is not the CA on disk: clients will not trust the API server; renew with --update-ca-data to fix it"
            ));
        }
    }
    let yaml = serde_yaml::to_string(&doc).map_err(EditError::Write)?;
    Ok(Edited {
        yaml: yaml.into_bytes(),
        notes,
    })
}

/// The NotAfter of the embedded CA when it is the CA on disk's older copy (same subject and
/// public key, other bytes).
fn older_copy(data: &str, ca_der: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
    let end = crate::pki::copy_of_ca(&embedded_first_cert(data)?, ca_der)?;
    let ca_end = crate::pki::decode::validity(&crate::pki::decode::certificate(ca_der).ok()?).1;
    (end < ca_end).then_some(end)
}

fn embedded_first_cert(data: &str) -> Option<Vec<u8>> {
    let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let pem = base64::engine::general_purpose::STANDARD
        .decode(cleaned)
        .ok()?;
    crate::pki::decode::pem_certificates(&pem)
        .into_iter()
        .next()
}

/// Replace, in every cluster's `certificate-authority-data`, the CA blocks `is_old` picks with
/// `new_der` (other blocks and their order kept); `None` when no cluster held such a block.
pub fn replace_ca_data(
    yaml: &[u8],
    is_old: &dyn Fn(&[u8]) -> bool,
    new_der: &[u8],
) -> Result<Option<Vec<u8>>, EditError> {
    let mut doc: Value = serde_yaml::from_slice(yaml).map_err(EditError::Parse)?;
    let mut changed = false;
    for entry in seq(&mut doc, "clusters") {
        let Some(c) = entry.get_mut("cluster").and_then(Value::as_mapping_mut) else {
            continue;
        };
        let Some(data) = c.get("certificate-authority-data").and_then(Value::as_str) else {
            continue;
        };
        let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
        let Ok(pem) = base64::engine::general_purpose::STANDARD.decode(cleaned) else {
            continue;
        };
        if let Some(new) = super::bundle::replace_blocks(&pem, is_old, new_der) {
            c.insert("certificate-authority-data".into(), b64(&new));
            changed = true;
        }
    }
    if !changed {
        return Ok(None);
    }
    let yaml = serde_yaml::to_string(&doc).map_err(EditError::Write)?;
    Ok(Some(yaml.into_bytes()))
}
