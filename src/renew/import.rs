//! `kcert ca import FILE`: a CA renewed with its own key on another node brought to this one.
//! Every local copy of that CA (its file, kubeconfigs' CA data including
//! `bootstrap-kubelet.conf`, bundles) is replaced, through the same plan and change as a
//! renewal — but only when FILE is exactly the local CA re-signed: same subject, same key.

use std::path::{Path, PathBuf};

use super::ca::replace_item;
use super::plan::{assemble, Plan};
use super::refused::Refused;
use super::RenewOptions;
use crate::pki::{self, format::datetime, Inventory};

/// Why FILE is not imported; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} holds no certificate", .0.display())]
    NoCertificate(PathBuf),
    #[error("{} is not a CA certificate (no basicConstraints CA:TRUE): give the CA's file (ca.crt)", .0.display())]
    NotACa(PathBuf),
    #[error("{} expired on {}: import a CA renewed with `kcert renew` on the node with its key", .path.display(), datetime(*.on))]
    Expired {
        path: PathBuf,
        on: chrono::DateTime<chrono::Utc>,
    },
    #[error("no CA named \"{subject}\" under {roots}: nothing to replace")]
    NoSuchCa { subject: String, roots: String },
    #[error("{} is \"{subject}\" with another key than the CA of that name on this node ({}): importing it would break every certificate here; a new key needs the manual rotation (`kcert ca plan`)", .path.display(), .local.display())]
    OtherKey {
        path: PathBuf,
        subject: String,
        local: PathBuf,
    },
    #[error("{} expires on {}, before the copy on this node ({}, {}): keep the newer one", .path.display(), datetime(*.file_end), .local.display(), datetime(*.local_end))]
    Older {
        path: PathBuf,
        file_end: chrono::DateTime<chrono::Utc>,
        local: PathBuf,
        local_end: chrono::DateTime<chrono::Utc>,
    },
    #[error(transparent)]
    Refused(#[from] Refused),
}

/// Plan replacing the local copies of the CA in `file`; an empty plan when they already hold it.
/// Also the certificate that was checked (DER): what anything after the plan carries on (the
/// cluster's copy), so that `file` is not read again and cannot change in between.
pub fn plan_import(
    inv: &Inventory,
    file: &Path,
    opts: &RenewOptions,
) -> Result<(Plan, Vec<u8>), ImportError> {
    let bytes = std::fs::read(file).map_err(|source| ImportError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let der = pki::decode::certificates(&bytes)
        .into_iter()
        .next()
        .ok_or_else(|| ImportError::NoCertificate(file.to_path_buf()))?;
    let cert = pki::decode::certificate(&der)
        .map_err(|_| ImportError::NoCertificate(file.to_path_buf()))?;
    if !cert.is_ca() {
        return Err(ImportError::NotACa(file.to_path_buf()));
    }
    let (_, not_after) = pki::decode::validity(&cert);
    if not_after <= opts.now {
        return Err(ImportError::Expired {
            path: file.to_path_buf(),
            on: not_after,
        });
    }
    let subject = cert.subject().as_raw();
    let named: Vec<usize> = (0..inv.certs.len())
        .filter(|&i| inv.certs[i].is_ca && *inv.certs[i].subject_raw == *subject)
        .map(|i| inv.original(i))
        .collect();
    let Some(&first) = named.first() else {
        return Err(ImportError::NoSuchCa {
            subject: cert.subject().to_string(),
            roots: and_paths(&inv.roots),
        });
    };
    let Some(&id) = named
        .iter()
        .find(|&&i| pki::copy_of_ca(&inv.certs[i].der, &der).is_some())
    else {
        return Err(ImportError::OtherKey {
            path: file.to_path_buf(),
            subject: cert.subject().to_string(),
            local: inv.certs[first].origin.path().to_path_buf(),
        });
    };
    let local = &inv.certs[id];
    if not_after < local.not_after {
        return Err(ImportError::Older {
            path: file.to_path_buf(),
            file_end: not_after,
            local: local.origin.path().to_path_buf(),
            local_end: local.not_after,
        });
    }
    let checked = der.clone();
    let mut item = replace_item(inv, id, der)?;
    let items = match item.writes.is_empty() {
        true => Vec::new(),
        false => {
            item.notes.push(format!("imported from {}", file.display()));
            vec![item]
        }
    };
    let plan = assemble(inv, items, Vec::new(), Vec::new(), Vec::new(), opts);
    Ok((plan, checked))
}

fn and_paths(paths: &[PathBuf]) -> String {
    let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    super::and_list(&list)
}
