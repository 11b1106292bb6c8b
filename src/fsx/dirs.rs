//! Directories kcert creates for itself (`<kubernetes dir>/tmp`, backup directories and their
//! mirrors): 0700 whatever the umask, real directories owned by the user kcert runs as, and
//! never reached through a symlink someone planted.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rustix::fs::OFlags;

/// The user kcert runs as: what it creates must belong to it.
pub fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::other(format!("{} {why}", path.display()))
}

/// Open the directory at `dir` itself: fails on a symlink (`O_NOFOLLOW`) and on anything
/// that is not a directory.
fn open_dir(dir: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC).bits() as i32)
        .open(dir)
        .map_err(|e| match fs::symlink_metadata(dir) {
            Ok(m) if m.file_type().is_symlink() => {
                refused(dir, "is a symlink; kcert does not follow it")
            }
            Ok(m) if !m.is_dir() => refused(dir, "exists and is not a directory"),
            _ => e,
        })
}

/// Make the directory we just created 0700 (the umask may have narrowed or the caller
/// widened it) and prove it is ours: a directory swapped in between is refused.
fn seal(dir: &Path) -> io::Result<()> {
    let f = open_dir(dir)?;
    let meta = f.metadata()?;
    if meta.uid() != euid() {
        return Err(refused(
            dir,
            &format!(
                "belongs to uid {}, not to kcert (uid {})",
                meta.uid(),
                euid()
            ),
        ));
    }
    f.set_permissions(fs::Permissions::from_mode(0o700))
}

/// Create `dir` 0700 if missing (parents too, each 0700); an existing directory is used as
/// it is, unless it is a symlink or not a directory. Returns whether it was created.
pub fn ensure_dir(dir: &Path) -> io::Result<bool> {
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => seal(dir).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => open_dir(dir).map(|_| false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => match dir.parent() {
            Some(parent) if parent != dir && !parent.as_os_str().is_empty() => {
                ensure_dir(parent)?;
                ensure_dir(dir)
            }
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// A directory for new private files (a backup): created 0700, or an existing one that is
/// empty, a real directory and ours (then made 0700). Anything else is refused, so files
/// never land beside someone else's or through a symlink.
pub fn fresh_private_dir(dir: &Path) -> io::Result<()> {
    if ensure_dir(dir)? {
        return Ok(());
    }
    if fs::read_dir(dir)?.next().is_some() {
        return Err(refused(
            dir,
            "already exists and is not empty; choose a new backup directory",
        ));
    }
    seal(dir)
}

/// `rel` (relative) below `base`, each directory created 0700 by [`ensure_dir`]: the
/// directories of a backup mirror.
pub fn private_dirs_below(base: &Path, rel: &Path) -> io::Result<()> {
    let mut dir = base.to_path_buf();
    for part in rel.components() {
        dir.push(part);
        ensure_dir(&dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn created_directories_are_private_and_existing_ones_are_left_alone() {
        let t = tempfile::tempdir().unwrap();
        let deep = t.path().join("a/b/c");
        assert!(ensure_dir(&deep).unwrap());
        for d in ["a", "a/b", "a/b/c"] {
            assert_eq!(mode(&t.path().join(d)), 0o700, "{d}");
        }
        let open = t.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(!ensure_dir(&open).unwrap());
        assert_eq!(mode(&open), 0o755);
    }

    #[test]
    fn a_symlink_is_never_a_directory_kcert_uses() {
        let t = tempfile::tempdir().unwrap();
        let elsewhere = t.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let link = t.path().join("tmp");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        let e = ensure_dir(&link).unwrap_err().to_string();
        assert!(e.contains("is a symlink"), "{e}");
        let e = fresh_private_dir(&link).unwrap_err().to_string();
        assert!(e.contains("is a symlink"), "{e}");
        let e = private_dirs_below(t.path(), Path::new("tmp/x")).unwrap_err();
        assert!(e.to_string().contains("is a symlink"), "{e}");
        assert!(!elsewhere.join("x").exists());
    }

    #[test]
    fn a_backup_directory_must_be_new_or_empty() {
        let t = tempfile::tempdir().unwrap();
        let full = t.path().join("full");
        fs::create_dir(&full).unwrap();
        fs::write(full.join("f"), "x").unwrap();
        let e = fresh_private_dir(&full).unwrap_err().to_string();
        assert!(e.contains("not empty"), "{e}");
        let empty = t.path().join("empty");
        fs::create_dir(&empty).unwrap();
        fs::set_permissions(&empty, fs::Permissions::from_mode(0o777)).unwrap();
        fresh_private_dir(&empty).unwrap();
        assert_eq!(mode(&empty), 0o700);
    }
}
