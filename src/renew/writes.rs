//! The files a renewed certificate goes into, the way each was written before: a kubeconfig
//! entry edited in place, a combined cert-and-key file, the kubelet's dated file and
//! `-current.pem` symlink, or a certificate beside its key.

use std::path::Path;

use super::plan::{Contents, Write};
use super::refused::Refused;
use super::RenewOptions;
use crate::fsx::txn::Fingerprint;
use crate::pki::{self, CertEntry, KeyEntry, Origin};
use crate::sign::{cert_to_pem, kubeconfig};

/// Private keys are 0600 (kubeadm's `keyutil.WriteKey`), certificates 0644.
const KEY_MODE: u32 = 0o600;
const CERT_MODE: u32 = 0o644;

/// Certificate blocks after the first in a file (an intermediate kept with its leaf).
fn trailing_certs(path: &Path) -> String {
    pki::decode::read_certificates(path)
        .iter()
        .skip(1)
        .map(|der| cert_to_pem(der))
        .collect()
}

fn file(path: &Path, text: String, mode: u32) -> Write {
    Write {
        path: path.to_path_buf(),
        contents: Contents::File(text.into_bytes()),
        mode,
        before: Fingerprint::Absent,
        what: String::new(),
    }
}

/// Record what each file is now, so applying can refuse if it changes before then.
pub(super) fn fingerprint(mut writes: Vec<Write>) -> Result<Vec<Write>, Refused> {
    for w in &mut writes {
        w.before = Fingerprint::of(&w.path).map_err(|e| Refused::read(&w.path, e))?;
    }
    Ok(writes)
}

pub(super) fn writes_for(
    cert: &CertEntry,
    old_key: &KeyEntry,
    cert_pem: &str,
    key_pem: &str,
    opts: &RenewOptions,
    ca: &CertEntry,
    notes: &mut Vec<String>,
) -> Result<Vec<Write>, Refused> {
    let path = match &cert.origin {
        Origin::Kubeconfig { path, name, .. } => {
            let yaml = std::fs::read(path).map_err(|e| Refused::read(path, e))?;
            let edit = kubeconfig::replace_user(
                &yaml,
                name,
                cert_pem,
                key_pem,
                &ca.der,
                opts.update_ca_data,
            )?;
            notes.extend(edit.notes);
            return Ok(vec![Write {
                path: path.clone(),
                contents: Contents::File(edit.yaml),
                mode: KEY_MODE,
                before: Fingerprint::Absent,
                what: String::new(),
            }]);
        }
        Origin::File { path, .. } => path,
    };
    let rest = trailing_certs(path);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if let (Some(prefix), Some(target)) = (
        name.strip_suffix("-current.pem"),
        cert.symlink_target.as_deref(),
    ) {
        // The kubelet's way: a new dated file, then swap the -current symlink.
        let dir = target.parent().unwrap_or(Path::new("/"));
        let dated = dir.join(format!(
            "{prefix}-{}.pem",
            pki::format::kubelet_stamp(opts.now)
        ));
        return Ok(vec![
            file(&dated, format!("{cert_pem}{rest}{key_pem}"), KEY_MODE),
            Write {
                path: path.clone(),
                contents: Contents::Symlink(dated),
                mode: KEY_MODE,
                before: Fingerprint::Absent,
                what: String::new(),
            },
        ]);
    }
    if old_key.origin.path() == path.as_path() {
        return Ok(vec![file(
            path,
            format!("{cert_pem}{rest}{key_pem}"),
            KEY_MODE,
        )]);
    }
    let Origin::File { path: key_path, .. } = &old_key.origin else {
        return Err(Refused::KeyNotInFile);
    };
    let mut writes = Vec::new();
    if !opts.reuse_key {
        writes.push(file(key_path, key_pem.to_string(), KEY_MODE));
    }
    writes.push(file(path, format!("{cert_pem}{rest}"), CERT_MODE));
    Ok(writes)
}
