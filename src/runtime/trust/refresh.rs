//! Refreshing the operator's stale copy of `admin.conf`, after a backup.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{compare_user_kubeconfig, first_cert, load, CopyState, UserKubeconfig};
use crate::fsx::{self, Disk};
use crate::pki::kubeconfig::FieldValue;
use crate::pki::EntryKind;
use crate::sign::kubeconfig::{replace_user, EditError};

/// Why the operator's kubeconfig could not be refreshed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("{} is not a stale copy of admin.conf; nothing to refresh", .0.display())]
    NotStale(PathBuf),
    #[error("{}: cannot read it", .0.display())]
    Unreadable(PathBuf),
    #[error("{}: has no embedded {what}", path.display())]
    Missing { path: PathBuf, what: &'static str },
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Edit {
        path: PathBuf,
        #[source]
        source: EditError,
    },
    #[error("could not back up {} to {}: {source}; nothing was changed", path.display(), dir.display())]
    Backup {
        path: PathBuf,
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("writing {} failed: {source}; it is unchanged", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} does not hold admin.conf's certificate after the refresh; {restored}", path.display())]
    Verify { path: PathBuf, restored: String },
}

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refreshed {
    pub path: PathBuf,
    pub backup: PathBuf,
}

/// Put `admin.conf`'s client certificate, key and CA data into the stale user entry of the
/// operator's kubeconfig, after copying it into `backup_dir`. Other entries stay as they are.
pub fn refresh_user_kubeconfig(
    copy: &UserKubeconfig,
    backup_dir: &Path,
    disk: &mut dyn Disk,
) -> Result<Refreshed, RefreshError> {
    let CopyState::Stale { user, .. } = &copy.state else {
        return Err(RefreshError::NotStale(copy.path.clone()));
    };
    let admin = load(&copy.admin).ok_or_else(|| RefreshError::Unreadable(copy.admin.clone()))?;
    let field = |name: &str, entry: EntryKind| {
        admin
            .fields
            .iter()
            .filter(|f| f.entry == entry && f.field == name)
            .find(|f| entry == EntryKind::Cluster || Some(&f.name) == admin.current_user.as_ref())
            .and_then(|f| match &f.value {
                FieldValue::Data(d) => String::from_utf8(d.clone()).ok(),
                _ => None,
            })
    };
    let no = |what| RefreshError::Missing {
        path: copy.admin.clone(),
        what,
    };
    let cert_pem = field("client-certificate-data", EntryKind::User)
        .ok_or_else(|| no("client-certificate-data"))?;
    let key_pem = field("client-key-data", EntryKind::User).ok_or_else(|| no("client-key-data"))?;
    let ca_der = field("certificate-authority-data", EntryKind::Cluster)
        .and_then(|p| first_cert(p.as_bytes()))
        .ok_or_else(|| no("certificate-authority-data"))?;
    let yaml = std::fs::read(&copy.path).map_err(|source| RefreshError::Read {
        path: copy.path.clone(),
        source,
    })?;
    let edited =
        replace_user(&yaml, user, &cert_pem, &key_pem, &ca_der, true).map_err(|source| {
            RefreshError::Edit {
                path: copy.path.clone(),
                source,
            }
        })?;
    let backed =
        fsx::backup(&[copy.path.as_path()], backup_dir).map_err(|source| RefreshError::Backup {
            path: copy.path.clone(),
            dir: backup_dir.to_path_buf(),
            source,
        })?;
    disk.write_file(&copy.path, &edited.yaml, 0o600)
        .map_err(|source| RefreshError::Write {
            path: copy.path.clone(),
            source,
        })?;
    let after = compare_user_kubeconfig(&copy.path, &copy.admin);
    if after.map(|a| a.state) != Some(CopyState::Current) {
        let restored = match backed.first().map(|b| fsx::restore(b, disk)) {
            Some(Ok(())) => "the backup was put back".to_string(),
            Some(Err(e)) => format!("COULD NOT PUT THE BACKUP BACK ({e})"),
            None => "there is no backup to put back".to_string(),
        };
        return Err(RefreshError::Verify {
            path: copy.path.clone(),
            restored,
        });
    }
    let backup = backed
        .first()
        .and_then(|b| b.copy.clone())
        .unwrap_or_else(|| backup_dir.to_path_buf());
    Ok(Refreshed {
        path: copy.path.clone(),
        backup,
    })
}
