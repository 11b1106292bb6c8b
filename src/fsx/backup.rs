//! Backups that make a change reversible: copies kept beside the change, mirrored by
//! absolute path, never overwritten, and put back through the same [`Disk`].
//!
//! The backup directory is new (or empty) and 0700; every directory and copy inside it is
//! created by kcert without following symlinks (`O_CREAT|O_EXCL`), so copies of private keys
//! never land anywhere else.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use rustix::fs::OFlags;

use super::dirs::{fresh_private_dir, private_dirs_below};
use super::disk::{sync_dir, Disk, Perms};

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
    while fs::symlink_metadata(&candidate).is_ok() {
        n += 1;
        candidate = PathBuf::from(format!("{}-{n}", dir.display()));
    }
    candidate
}

/// Where `path` is mirrored inside the backup directory (its absolute path below it).
pub fn mirror(backup_dir: &Path, path: &Path) -> PathBuf {
    backup_dir.join(mirror_rel(path))
}

fn mirror_rel(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// Copy `from` to the new file `to` (never following or replacing anything there), with
/// `from`'s mode and owner, synced.
fn copy_new(from: &Path, to: &Path, meta: &fs::Metadata) -> io::Result<()> {
    let bytes = fs::read(from)?;
    let mut f: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags((OFlags::NOFOLLOW | OFlags::CLOEXEC).bits() as i32)
        .open(to)?;
    f.write_all(&bytes)?;
    std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid()))?;
    f.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    f.sync_all()
}

/// Copy every path that exists into `backup_dir` (new or empty, 0700), keeping mode, owner
/// and group.
pub fn backup(paths: &[&Path], backup_dir: &Path) -> io::Result<Vec<Backed>> {
    fresh_private_dir(backup_dir)?;
    let mut out = Vec::new();
    for &path in paths {
        if out.iter().any(|b: &Backed| b.original == path) {
            continue;
        }
        out.push(backup_one(path, backup_dir)?);
    }
    sync_dirs_below(backup_dir)?;
    Ok(out)
}

/// fsync every directory of a backup (its mirror directories too), once each: the copies
/// are synced one by one, their names here.
pub fn sync_dirs_below(backup_dir: &Path) -> io::Result<()> {
    for e in walkdir::WalkDir::new(backup_dir) {
        let e = e.map_err(io::Error::from)?;
        if e.file_type().is_dir() {
            sync_dir(e.path())?;
        }
    }
    super::disk::sync_parent(backup_dir)
}

/// Back up one file into `backup_dir` (which must already exist); the copy is synced, the
/// directories holding it are not ([`sync_dirs_below`] does them all at once).
pub fn backup_one(path: &Path, backup_dir: &Path) -> io::Result<Backed> {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Ok(Backed {
            original: path.to_path_buf(),
            copy: None,
            link_target: None,
        });
    };
    let rel = mirror_rel(path);
    if let Some(parent) = rel.parent() {
        private_dirs_below(backup_dir, parent)?;
    }
    let copy = backup_dir.join(&rel);
    let exists = |e: io::Error| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            // An earlier backup of this file: never overwrite it.
            io::Error::new(
                e.kind(),
                format!(
                    "{} already holds a backup of {}",
                    copy.display(),
                    path.display()
                ),
            )
        } else {
            e
        }
    };
    let link_target = if meta.file_type().is_symlink() {
        let target = fs::read_link(path)?;
        std::os::unix::fs::symlink(&target, &copy).map_err(exists)?;
        Some(target)
    } else {
        copy_new(path, &copy, &meta).map_err(exists)?;
        None
    };
    Ok(Backed {
        original: path.to_path_buf(),
        copy: Some(copy),
        link_target,
    })
}

/// The mode and owner of a backup copy: what the original had.
pub fn perms_of(copy: &Path) -> io::Result<Perms> {
    let meta = fs::symlink_metadata(copy)?;
    Ok(Perms::Exact {
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
    })
}

/// Put one file back as it was. Returns an error naming the file when that fails.
pub fn restore(b: &Backed, disk: &mut dyn Disk) -> io::Result<()> {
    match (&b.copy, &b.link_target) {
        (None, _) => disk.remove(&b.original),
        (Some(_), Some(target)) => disk.swap_symlink(&b.original, target),
        (Some(copy), None) => {
            let bytes = fs::read(copy)?;
            let staged = disk.stage_file(&b.original, &bytes, perms_of(copy)?)?;
            disk.commit(staged)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_never_go_through_a_symlink_in_the_backup_directory() {
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("pki/apiserver.key");
        fs::create_dir_all(src.parent().unwrap()).unwrap();
        fs::write(&src, "secret").unwrap();
        let elsewhere = t.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        // A backup directory that already holds a symlink where the mirror would go.
        let bk = t.path().join("bk");
        fs::create_dir(&bk).unwrap();
        let rel = mirror_rel(&src);
        let first = rel.components().next().unwrap();
        std::os::unix::fs::symlink(&elsewhere, bk.join(first)).unwrap();
        let e = backup(&[&src], &bk).unwrap_err().to_string();
        assert!(e.contains("not empty"), "{e}");
        // The same symlink planted in a fresh directory after the check is still refused.
        let bk2 = t.path().join("bk2");
        fresh_private_dir(&bk2).unwrap();
        std::os::unix::fs::symlink(&elsewhere, bk2.join(first)).unwrap();
        let e = backup_one(&src, &bk2).unwrap_err().to_string();
        assert!(e.contains("is a symlink"), "{e}");
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
    }

    #[test]
    fn a_copy_keeps_mode_and_owner_and_is_never_overwritten() {
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("a.key");
        fs::write(&src, "secret").unwrap();
        fs::set_permissions(&src, fs::Permissions::from_mode(0o640)).unwrap();
        let bk = t.path().join("bk");
        let b = backup(&[&src], &bk).unwrap();
        let copy = b[0].copy.clone().unwrap();
        assert_eq!(fs::read_to_string(&copy).unwrap(), "secret");
        let m = fs::metadata(&copy).unwrap();
        assert_eq!(m.permissions().mode() & 0o7777, 0o640);
        assert_eq!(
            fs::metadata(&bk).unwrap().permissions().mode() & 0o7777,
            0o700
        );
        let e = backup_one(&src, &bk).unwrap_err().to_string();
        assert!(e.contains("already holds a backup"), "{e}");
    }
}
