//! The plan: every new certificate signed in memory, every file write spelled out, every
//! certificate that cannot be renewed refused with the reason and what to do instead.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};

use super::select::{resolve, Selection};
use super::{kubeconfig_edit, restart, RenewOptions};
use crate::error::RenewError;
use crate::pki::{
    self, CertEntry, CertId, ChainVerdict, Inventory, KeyAlgorithm, KeyEntry, KeyFormat, Origin,
    Status,
};
use crate::sign::{cert_to_pem, issue, CertTemplate, Issuer, KeySpec, PrivateKey};

/// One file to write; `Debug` never shows the contents (they may hold a private key).
#[derive(Clone)]
pub struct Write {
    pub path: PathBuf,
    pub contents: Contents,
    /// Mode for a new file; an existing file keeps its own mode and owner.
    pub mode: u32,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Contents {
    File(Vec<u8>),
    /// Replace `path` with a symlink to this target (the kubelet's `-current.pem`).
    Symlink(PathBuf),
}

impl fmt::Debug for Write {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.contents {
            Contents::File(b) => write!(
                f,
                "write {} ({} bytes, mode {:o})",
                self.path.display(),
                b.len(),
                self.mode
            ),
            Contents::Symlink(t) => write!(f, "symlink {} -> {}", self.path.display(), t.display()),
        }
    }
}

/// One certificate to renew.
#[derive(Debug, Clone)]
pub struct Item {
    pub cert_id: CertId,
    pub label: String,
    pub cert_path: PathBuf,
    pub ca_label: String,
    pub ca_path: PathBuf,
    pub old_serial: String,
    pub old_sha256: String,
    pub old_not_after: DateTime<Utc>,
    pub new_der: Vec<u8>,
    pub new_serial: String,
    pub new_sha256: String,
    pub new_not_before: DateTime<Utc>,
    pub new_not_after: DateTime<Utc>,
    /// NotAfter was cut to the CA's NotAfter.
    pub capped_at_ca: bool,
    /// `new ECDSA-P256 key (SEC1)` or `existing key kept`.
    pub key: String,
    pub writes: Vec<Write>,
    pub notes: Vec<String>,
}

/// A certificate that will not be renewed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub label: String,
    pub path: PathBuf,
    pub reason: String,
}

/// Everything a renewal will do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub created_at: DateTime<Utc>,
    pub items: Vec<Item>,
    pub refused: Vec<Refusal>,
    /// Left out of `--all`/`--expiring` because no CA key for them is on this node
    /// (an external CA, or the kubelet's self-signed serving certificate): not a failure.
    pub skipped: Vec<Refusal>,
    pub backup_dir: PathBuf,
    /// One JSON line per renewal is appended here, beside the backups.
    pub journal: PathBuf,
    /// Components that must restart to use the new files, e.g. `kube-apiserver`.
    pub restart: Vec<String>,
}

/// Private keys are 0600 (kubeadm's `keyutil.WriteKey`), certificates 0644.
const KEY_MODE: u32 = 0o600;
const CERT_MODE: u32 = 0o644;

/// Select, check and sign; nothing is written.
pub fn plan(
    inv: &Inventory,
    selection: &Selection,
    opts: &RenewOptions,
) -> Result<Plan, RenewError> {
    let ids = resolve(inv, selection).map_err(RenewError::UnknownNames)?;
    let mut items = Vec::new();
    let mut refused = Vec::new();
    let mut skipped = Vec::new();
    let sweeping = matches!(selection, Selection::All | Selection::Expiring(_));
    for id in ids {
        match plan_one(inv, id, opts) {
            Ok(item) => items.push(item),
            Err(reason) => {
                let cert = &inv.certs[id];
                let r = Refusal {
                    label: crate::report::label(inv, cert),
                    path: cert.origin.path().to_path_buf(),
                    reason,
                };
                let no_ca_key = cert
                    .issuer_id
                    .is_some_and(|i| inv.certs[i].key_id.is_none());
                if sweeping && no_ca_key {
                    skipped.push(r)
                } else {
                    refused.push(r)
                }
            }
        }
    }
    let base = items
        .first()
        // The CA sits in kubeadm's pki directory even when the leaf does not (the kubelet's).
        .map(|i| kubernetes_dir(&i.ca_path))
        .unwrap_or_else(|| PathBuf::from("/etc/kubernetes"));
    let backup_dir = opts.backup_dir.clone().unwrap_or_else(|| {
        super::unused_dir(&base.join("tmp").join(format!(
            "kcert-backup-{}",
            opts.now.format("%Y%m%dT%H%M%SZ")
        )))
    });
    let journal = backup_dir
        .parent()
        .unwrap_or(Path::new("/"))
        .join("kcert-journal.jsonl");
    let written: Vec<&Path> = items
        .iter()
        .flat_map(|i| i.writes.iter().map(|w| w.path.as_path()))
        .collect();
    let restart = restart::components_to_restart(&base.join("manifests"), &written, inv, &items);
    Ok(Plan {
        created_at: opts.now,
        items,
        refused,
        skipped,
        backup_dir,
        journal,
        restart,
    })
}

/// `/etc/kubernetes` for anything below it (or below a `pki` dir), else the file's directory.
fn kubernetes_dir(path: &Path) -> PathBuf {
    for anc in path.ancestors().skip(1) {
        if anc.file_name().is_some_and(|n| n == "pki" || n == "ssl") {
            if let Some(p) = anc.parent() {
                return p.to_path_buf();
            }
        }
    }
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Keep the old key's format when the new key can be written in it.
fn format_for(old: KeyFormat, spec: KeySpec) -> KeyFormat {
    match (old, spec) {
        (KeyFormat::Pkcs8, _) => KeyFormat::Pkcs8,
        (KeyFormat::Pkcs1, KeySpec::Rsa(_)) => KeyFormat::Pkcs1,
        (KeyFormat::Sec1, KeySpec::EcdsaP256 | KeySpec::EcdsaP384) => KeyFormat::Sec1,
        _ => spec.native_format(),
    }
}

/// The PEM text holding a key entry (a key file, or a kubeconfig's `client-key-data`).
fn key_pem(key: &KeyEntry) -> Result<String, String> {
    let path = key.origin.path();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match &key.origin {
        Origin::File { .. } => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Origin::Kubeconfig { name, .. } => {
            let dir = path.parent().unwrap_or(Path::new("/"));
            let config = pki::kubeconfig::parse(&bytes, dir).map_err(|e| e.to_string())?;
            config
                .fields
                .into_iter()
                .find_map(|f| match f.value {
                    pki::kubeconfig::FieldValue::Data(d)
                        if f.name == *name && f.field == "client-key-data" =>
                    {
                        Some(String::from_utf8_lossy(&d).into_owned())
                    }
                    _ => None,
                })
                .ok_or_else(|| format!("{} has no client-key-data for user {name}", path.display()))
        }
    }
}

fn ca_key(inv: &Inventory, ca: &CertEntry, ca_label: &str) -> Result<PrivateKey, String> {
    let expected = ca.origin.path().with_extension("key");
    let Some(kid) = ca.key_id else {
        return Err(format!(
            "the key of CA {ca_label} is missing (expected {}): the CA is managed outside this node; \
             create a request with `kubeadm certs generate-csr` and have the external CA sign it",
            expected.display()
        ));
    };
    let key = &inv.keys[kid];
    if key.is_encrypted() {
        return Err(format!(
            "the key of CA {ca_label} ({}) is encrypted; kcert cannot sign with it",
            key.origin.describe()
        ));
    }
    if ca.key_match != Some(true) {
        return Err(format!(
            "{} does not belong to CA {ca_label}: no valid CA key on this node",
            key.origin.describe()
        ));
    }
    PrivateKey::from_pem(&key_pem(key)?)
        .map_err(|e| format!("cannot load the key of CA {ca_label}: {e}"))
}

fn plan_one(inv: &Inventory, id: CertId, opts: &RenewOptions) -> Result<Item, String> {
    let cert = &inv.certs[id];
    let now = opts.now;
    if cert.is_ca {
        return Err(format!(
            "CAs are not renewed (kubeadm does not renew them either); it expires in {}",
            pki::format::residual(cert.not_after, now)
        ));
    }
    if cert.superseded {
        return Err(
            "an old kubelet rotation file; the current one is kubelet-client-current.pem".into(),
        );
    }
    let issuer_id = match (cert.chain, cert.issuer_id) {
        (ChainVerdict::Verified, Some(i)) => i,
        (ChainVerdict::BadSignature, _) => {
            return Err(
                "no CA on this node verifies its signature, so there is no CA to renew it with"
                    .into(),
            )
        }
        _ => {
            return Err(format!(
                "its CA (\"{}\") is not on this node: renew it where that CA's key is",
                cert.issuer
            ))
        }
    };
    let ca = &inv.certs[issuer_id];
    let ca_label = crate::report::label(inv, ca);
    if ca.status == Status::Expired || ca.not_after <= now {
        return Err(format!(
            "CA {ca_label} expired on {}: anything it signs is rejected; the CA must be replaced first",
            pki::format::datetime(ca.not_after)
        ));
    }
    let ca_key = ca_key(inv, ca, &ca_label)?;

    let Some(kid) = cert.key_id else {
        return Err(
            "no private key was found for it; kcert only renews certificates whose key it can see"
                .into(),
        );
    };
    let old_key = &inv.keys[kid];
    let spec = match opts
        .key_algorithm
        .or_else(|| KeySpec::of(cert.key_algorithm))
    {
        Some(s) => s,
        None => {
            return Err(format!(
                "its key algorithm {} cannot be generated; pass --key-algorithm",
                cert.key_algorithm
            ))
        }
    };
    let (new_key, key_note) = if opts.reuse_key {
        if old_key.is_encrypted() {
            return Err(format!(
                "its key {} is encrypted and cannot be reused",
                old_key.origin.describe()
            ));
        }
        let k = PrivateKey::from_pem(&key_pem(old_key)?)
            .map_err(|e| format!("cannot load its key: {e}"))?;
        (k, "existing key kept".to_string())
    } else {
        let k = PrivateKey::generate(spec).map_err(|e| e.to_string())?;
        let fmt = format_for(old_key.format, spec);
        (
            k,
            format!("new {} key ({})", KeyAlgorithm::from(spec), fmt.name()),
        )
    };
    let key_format = format_for(old_key.format, new_key.spec());

    let not_before = now - Duration::minutes(5);
    let mut not_after = now + Duration::days(opts.validity_days);
    let mut notes = Vec::new();
    let capped_at_ca = not_after > ca.not_after;
    if capped_at_ca {
        not_after = ca.not_after;
        notes.push(format!(
            "validity capped at the expiry of CA {ca_label} ({})",
            pki::format::datetime(ca.not_after)
        ));
    }
    let template =
        CertTemplate::renewal_of(&cert.der, not_before, not_after).map_err(|e| e.to_string())?;
    let new_der = issue(
        &template,
        &new_key,
        Issuer::Ca {
            cert_der: &ca.der,
            key: &ca_key,
        },
    )
    .map_err(|e| e.to_string())?;
    let cert_pem = cert_to_pem(&new_der);
    let new_key_pem = new_key.to_pem(key_format).map_err(|e| e.to_string())?;

    let writes = writes_for(cert, old_key, &cert_pem, &new_key_pem, opts, ca, &mut notes)?;
    let new = pki::sha256_hex(&new_der);
    let new_serial = serial_of(&new_der);
    Ok(Item {
        cert_id: id,
        label: crate::report::label(inv, cert),
        cert_path: cert.origin.path().to_path_buf(),
        ca_label,
        ca_path: ca.origin.path().to_path_buf(),
        old_serial: cert.serial.clone(),
        old_sha256: cert.sha256.clone(),
        old_not_after: cert.not_after,
        new_der,
        new_serial,
        new_sha256: new,
        new_not_before: not_before,
        new_not_after: not_after,
        capped_at_ca,
        key: key_note,
        writes,
        notes,
    })
}

fn serial_of(der: &[u8]) -> String {
    pki::decode::certificate(der)
        .map(|c| pki::format::serial_hex(c.raw_serial()))
        .unwrap_or_default()
}

/// Certificate blocks after the first in a file (an intermediate kept with its leaf).
fn trailing_certs(path: &Path) -> String {
    pki::decode::read_certificates(path)
        .iter()
        .skip(1)
        .map(|der| cert_to_pem(der))
        .collect()
}

fn writes_for(
    cert: &CertEntry,
    old_key: &KeyEntry,
    cert_pem: &str,
    key_pem: &str,
    opts: &RenewOptions,
    ca: &CertEntry,
    notes: &mut Vec<String>,
) -> Result<Vec<Write>, String> {
    match &cert.origin {
        Origin::Kubeconfig { path, name, .. } => {
            let yaml =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let edit = kubeconfig_edit::replace_user(
                &yaml,
                name,
                cert_pem,
                key_pem,
                &ca.der,
                opts.update_ca_data,
            )?;
            notes.extend(edit.notes);
            Ok(vec![Write {
                path: path.clone(),
                contents: Contents::File(edit.yaml),
                mode: KEY_MODE,
            }])
        }
        Origin::File { path, .. } => {
            let same_file = old_key.origin.path() == path.as_path();
            let rest = trailing_certs(path);
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if let (Some(prefix), true) = (
                name.strip_suffix("-current.pem"),
                cert.symlink_target.is_some(),
            ) {
                // The kubelet's way: a new dated file, then swap the -current symlink.
                let dir = cert
                    .symlink_target
                    .as_deref()
                    .and_then(Path::parent)
                    .unwrap_or(Path::new("/"));
                let dated = dir.join(format!(
                    "{prefix}-{}.pem",
                    pki::format::kubelet_stamp(opts.now)
                ));
                return Ok(vec![
                    Write {
                        path: dated.clone(),
                        contents: Contents::File(format!("{cert_pem}{rest}{key_pem}").into_bytes()),
                        mode: KEY_MODE,
                    },
                    Write {
                        path: path.clone(),
                        contents: Contents::Symlink(dated),
                        mode: KEY_MODE,
                    },
                ]);
            }
            if same_file {
                return Ok(vec![Write {
                    path: path.clone(),
                    contents: Contents::File(format!("{cert_pem}{rest}{key_pem}").into_bytes()),
                    mode: KEY_MODE,
                }]);
            }
            let Origin::File { path: key_path, .. } = &old_key.origin else {
                return Err("its key is not in a file".into());
            };
            let mut writes = Vec::new();
            if !opts.reuse_key {
                writes.push(Write {
                    path: key_path.clone(),
                    contents: Contents::File(key_pem.as_bytes().to_vec()),
                    mode: KEY_MODE,
                });
            }
            writes.push(Write {
                path: path.clone(),
                contents: Contents::File(format!("{cert_pem}{rest}").into_bytes()),
                mode: CERT_MODE,
            });
            Ok(writes)
        }
    }
}
