//! Durable, atomic file changes.
//!
//! Every change renewal makes goes through the [`Disk`] trait so tests can make a write fail
//! half-way and prove that nothing is lost. Helpers below it sync what they touch: a change
//! that returned `Ok` survives a power cut.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The changes kcert makes to files it does not own, one seam for tests to inject failures.
pub trait Disk {
    /// Replace or create `path` atomically: a temp file in the same directory, fsync, rename,
    /// fsync the directory. An existing file keeps its mode, owner and group; a new one gets `mode`.
    fn write_file(&mut self, path: &Path, bytes: &[u8], mode: u32) -> io::Result<()>;
    /// Point `link` at `target` atomically (a temp symlink renamed over it).
    fn swap_symlink(&mut self, link: &Path, target: &Path) -> io::Result<()>;
}

/// The real filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealDisk;

fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.kcert-{}.tmp", std::process::id()))
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

/// Create `dir` (and its parents) readable by its owner only: backups hold private keys.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

impl Disk for RealDisk {
    fn write_file(&mut self, path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
        let existing = fs::metadata(path).ok();
        let tmp = temp_beside(path);
        let result = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            let mode = existing.as_ref().map(|m| m.mode() & 0o7777).unwrap_or(mode);
            f.set_permissions(fs::Permissions::from_mode(mode))?;
            if let Some(m) = &existing {
                std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()))?;
            }
            f.sync_all()?;
            fs::rename(&tmp, path)?;
            sync_parent(path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    fn swap_symlink(&mut self, link: &Path, target: &Path) -> io::Result<()> {
        let tmp = temp_beside(link);
        let _ = fs::remove_file(&tmp);
        std::os::unix::fs::symlink(target, &tmp)?;
        if let Err(e) = fs::rename(&tmp, link) {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_parent(link)
    }
}

/// Move a file, across filesystems if need be, and sync both directories.
pub fn move_file(from: &Path, to: &Path) -> io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => {}
        // EXDEV: the backup directory is on another filesystem.
        Err(e) if e.raw_os_error() == Some(18) => {
            let mode = fs::metadata(from)?.permissions().mode();
            fs::copy(from, to)?;
            fs::set_permissions(to, fs::Permissions::from_mode(mode))?;
            File::open(to)?.sync_all()?;
            fs::remove_file(from)?;
        }
        Err(e) => return Err(e),
    }
    for dir in [from.parent(), to.parent()].into_iter().flatten() {
        sync_dir(dir)?;
    }
    Ok(())
}
