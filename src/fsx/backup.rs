//! Backups that make a change reversible: copies kept beside the change, mirrored by
//! absolute path, never overwritten, and put back through the same [`Disk`].

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use super::disk::{create_private_dir, sync_dir, Disk};

/// A file as it was before a change.
#[derive(Debug, Clone)]
pub struct Backed {
    pub original: PathBuf,
    /// The copy in the backup directory; `None` when the file did not exist before.
    pub copy: Option<PathBuf>,
    /// For a symlink: where it pointed.
    pub link_target: Option<PathBuf>,
}

/// `dir`, or `dir-2`, `dir-3`, ... when two renewals or restarts fall in the same second: a
/// backup is never mixed with another.
pub fn unused_dir(dir: &Path) -> PathBuf {
    let mut candidate = dir.to_path_buf();
    let mut n = 1;
    while candidate.exists() {
        n += 1;
        candidate = PathBuf::from(format!("{}-{n}", dir.display()));
    }
    candidate
}

/// Where `path` is mirrored inside the backup directory (its absolute path below it).
pub fn mirror(backup_dir: &Path, path: &Path) -> PathBuf {
    let rel: PathBuf = path
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect();
    backup_dir.join(rel)
}

/// Copy every path that exists into `backup_dir` (0700), keeping mode, owner and group.
pub fn backup(paths: &[&Path], backup_dir: &Path) -> io::Result<Vec<Backed>> {
    create_private_dir(backup_dir)?;
    let mut out = Vec::new();
    for &path in paths {
        if out.iter().any(|b: &Backed| b.original == path) {
            continue;
        }
        let Ok(meta) = fs::symlink_metadata(path) else {
            out.push(Backed {
                original: path.to_path_buf(),
                copy: None,
                link_target: None,
            });
            continue;
        };
        let copy = mirror(backup_dir, path);
        if let Some(parent) = copy.parent() {
            fs::create_dir_all(parent)?;
        }
        if fs::symlink_metadata(&copy).is_ok() {
            // An earlier backup of this file: never overwrite it.
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} already holds a backup of {}",
                    copy.display(),
                    path.display()
                ),
            ));
        }
        if meta.file_type().is_symlink() {
            let target = fs::read_link(path)?;
            std::os::unix::fs::symlink(&target, &copy)?;
            out.push(Backed {
                original: path.to_path_buf(),
                copy: Some(copy),
                link_target: Some(target),
            });
        } else {
            fs::copy(path, &copy)?;
            fs::set_permissions(&copy, fs::Permissions::from_mode(meta.mode() & 0o7777))?;
            std::os::unix::fs::chown(&copy, Some(meta.uid()), Some(meta.gid()))?;
            File::open(&copy)?.sync_all()?;
            out.push(Backed {
                original: path.to_path_buf(),
                copy: Some(copy),
                link_target: None,
            });
        }
    }
    sync_dir(backup_dir)?;
    Ok(out)
}

/// Put one file back as it was. Returns an error naming the file when that fails.
pub fn restore(b: &Backed, disk: &mut dyn Disk) -> io::Result<()> {
    match (&b.copy, &b.link_target) {
        (None, _) => match fs::remove_file(&b.original) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        (Some(_), Some(target)) => disk.swap_symlink(&b.original, target),
        (Some(copy), None) => {
            let bytes = fs::read(copy)?;
            let meta = fs::metadata(copy)?;
            disk.write_file(&b.original, &bytes, meta.mode() & 0o7777)?;
            // The replaced file's mode and owner were kept by the write; put the old ones back.
            fs::set_permissions(
                &b.original,
                fs::Permissions::from_mode(meta.mode() & 0o7777),
            )?;
            std::os::unix::fs::chown(&b.original, Some(meta.uid()), Some(meta.gid()))
        }
    }
}
