//! Durable, atomic file changes.
//!
//! Every change kcert makes goes through the [`Disk`] trait so tests can make a write fail
//! half-way and prove that nothing is lost. A change is two steps: [`Disk::stage_file`]
//! writes a private temp file beside the target (created `O_CREAT|O_EXCL|O_NOFOLLOW`, 0600,
//! a random name, so nobody can read it early or redirect it with a symlink), gives it its
//! final mode and owner and syncs it; [`Disk::commit`] renames it over the target and syncs
//! the directory. Staging every file of a key pair first lets the renames run back to back.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::failpoint;

/// The mode and owner a file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perms {
    /// Those of the file being replaced; `mode` (and kcert's user) for a new file.
    KeepOr(u32),
    /// Exactly these (putting a backup back).
    Exact { mode: u32, uid: u32, gid: u32 },
}

/// A file written to a temp name beside its target, not yet visible there. Dropping it
/// removes the temp file.
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    temp: tempfile::TempPath,
}

impl Staged {
    pub fn target(&self) -> &Path {
        &self.target
    }
    pub fn temp(&self) -> &Path {
        &self.temp
    }
}

/// The changes kcert makes to files it does not own, one seam for tests to inject failures.
pub trait Disk {
    /// Write `bytes` to a new temp file beside `path` with its final mode and owner, synced.
    fn stage_file(&mut self, path: &Path, bytes: &[u8], perms: Perms) -> io::Result<Staged> {
        stage_file(path, bytes, perms)
    }
    /// A temp symlink to `target` beside `link`.
    fn stage_symlink(&mut self, link: &Path, target: &Path) -> io::Result<Staged> {
        stage_symlink(link, target)
    }
    /// Rename a staged file over its target and sync the directory.
    fn commit(&mut self, staged: Staged) -> io::Result<()> {
        commit(staged)
    }
    /// Remove `path` (gone already is fine) and sync its directory.
    fn remove(&mut self, path: &Path) -> io::Result<()> {
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => sync_parent(path),
        }
    }
    /// Replace or create `path` atomically (stage, then commit).
    fn write_file(&mut self, path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
        let staged = self.stage_file(path, bytes, Perms::KeepOr(mode))?;
        self.commit(staged)
    }
    /// Point `link` at `target` atomically.
    fn swap_symlink(&mut self, link: &Path, target: &Path) -> io::Result<()> {
        let staged = self.stage_symlink(link, target)?;
        self.commit(staged)
    }
}

/// The real filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealDisk;

impl Disk for RealDisk {}

/// The prefix and suffix of kcert's temp names beside `path`: `.NAME.kcert-` and `.tmp`,
/// random characters between. Recovery removes what a killed kcert left with this shape.
pub fn temp_affixes(path: &Path) -> (String, &'static str) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (format!(".{name}.kcert-"), ".tmp")
}

/// Run `make` with a builder of kcert temp names beside `path`, 0600, and their directory.
fn with_temp_builder<R>(
    path: &Path,
    make: impl FnOnce(&tempfile::Builder<'_, '_>, &Path) -> io::Result<R>,
) -> io::Result<R> {
    let (prefix, suffix) = temp_affixes(path);
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix)
        .suffix(suffix)
        .rand_bytes(10)
        .permissions(fs::Permissions::from_mode(0o600));
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => make(&b, d),
        _ => make(&b, Path::new(".")),
    }
}

/// [`Disk::stage_file`] on the real filesystem.
pub fn stage_file(path: &Path, bytes: &[u8], perms: Perms) -> io::Result<Staged> {
    // O_CREAT|O_EXCL (which never follows a symlink) and 0600 from the first byte.
    let mut tmp = with_temp_builder(path, |b, dir| b.tempfile_in(dir))?;
    tmp.write_all(bytes)?;
    failpoint::hit("temp-written", tmp.path());
    let (mode, owner) = match perms {
        Perms::Exact { mode, uid, gid } => (mode, Some((uid, gid))),
        Perms::KeepOr(mode) => match fs::metadata(path) {
            Ok(m) => (m.mode() & 0o7777, Some((m.uid(), m.gid()))),
            Err(_) => (mode, None),
        },
    };
    let file: &File = tmp.as_file();
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::fchown(file, Some(uid), Some(gid))?;
    }
    // After the owner: fchown may clear set-id bits.
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    file.sync_all()?;
    let staged = Staged {
        target: path.to_path_buf(),
        temp: tmp.into_temp_path(),
    };
    failpoint::hit("staged", &staged.temp);
    Ok(staged)
}

/// [`Disk::stage_symlink`] on the real filesystem (`symlink(2)` never follows its new name).
pub fn stage_symlink(link: &Path, target: &Path) -> io::Result<Staged> {
    let made = with_temp_builder(link, |b, dir| {
        b.make_in(dir, |p| std::os::unix::fs::symlink(target, p))
    })?;
    let staged = Staged {
        target: link.to_path_buf(),
        temp: made.into_temp_path(),
    };
    failpoint::hit("staged", &staged.temp);
    Ok(staged)
}

/// [`Disk::commit`] on the real filesystem.
pub fn commit(staged: Staged) -> io::Result<()> {
    let Staged { target, temp } = staged;
    temp.persist(&target).map_err(|e| e.error)?;
    sync_parent(&target)
}

/// fsync a directory, so a rename or a new entry in it is durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// fsync the directory holding `path` (nothing for a bare file name).
pub fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => sync_dir(dir),
        _ => Ok(()),
    }
}

/// Move a file, across filesystems if need be, and sync both directories.
pub fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => {}
        // EXDEV: the backup directory is on another filesystem.
        Err(e) if e.raw_os_error() == Some(18) => {
            let meta = fs::metadata(from)?;
            let bytes = fs::read(from)?;
            commit(stage_file(
                to,
                &bytes,
                Perms::Exact {
                    mode: meta.mode() & 0o7777,
                    uid: meta.uid(),
                    gid: meta.gid(),
                },
            )?)?;
            fs::remove_file(from)?;
        }
        Err(e) => return Err(e),
    }
    for dir in [from.parent(), to.parent()].into_iter().flatten() {
        sync_dir(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_file_is_invisible_private_and_random_until_committed() {
        let t = tempfile::tempdir().unwrap();
        let key = t.path().join("apiserver.key");
        fs::write(&key, "old").unwrap();
        fs::set_permissions(&key, fs::Permissions::from_mode(0o640)).unwrap();
        let a = stage_file(&key, b"new", Perms::KeepOr(0o600)).unwrap();
        let b = stage_file(&key, b"new", Perms::KeepOr(0o600)).unwrap();
        assert_ne!(a.temp(), b.temp(), "temp names are random");
        let name = a.temp().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".apiserver.key.kcert-") && name.ends_with(".tmp"),
            "{name}"
        );
        assert_eq!(fs::read_to_string(&key).unwrap(), "old");
        // The final mode is set before the rename (0640 kept from the old file).
        let m = fs::symlink_metadata(a.temp()).unwrap();
        assert_eq!(m.permissions().mode() & 0o7777, 0o640);
        let temp_b = b.temp().to_path_buf();
        drop(b);
        assert!(!temp_b.exists(), "a dropped stage leaves nothing");
        commit(a).unwrap();
        assert_eq!(fs::read_to_string(&key).unwrap(), "new");
        assert_eq!(
            fs::metadata(&key).unwrap().permissions().mode() & 0o7777,
            0o640
        );
    }

    #[test]
    fn a_symlink_planted_beside_the_target_is_not_written_through() {
        let t = tempfile::tempdir().unwrap();
        let victim = t.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let key = t.path().join("apiserver.key");
        // The old predictable name, and a few guesses at the new ones.
        for name in [
            format!(".apiserver.key.kcert-{}.tmp", std::process::id()),
            ".apiserver.key.kcert-.tmp".to_string(),
        ] {
            std::os::unix::fs::symlink(&victim, t.path().join(name)).unwrap();
        }
        RealDisk.write_file(&key, b"secret", 0o600).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        let m = fs::symlink_metadata(&key).unwrap();
        assert!(m.is_file() && m.permissions().mode() & 0o777 == 0o600);
    }
}
