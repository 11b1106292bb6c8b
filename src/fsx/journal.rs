//! Journal files: the history every renewal and restart appends to, and the record written
//! and synced before a risky step so a killed kcert can be undone by the next one.
//!
//! Bytes and durability only; what a record means belongs to its writer.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::disk::sync_dir;

/// The history file's name, in the kubeadm `tmp` directory beside the backups.
pub const HISTORY: &str = "kcert-journal.jsonl";

/// The history file for backups made in `backup_dir`: beside it, shared by every run.
pub fn history_beside(backup_dir: &Path) -> PathBuf {
    backup_dir.parent().unwrap_or(Path::new("/")).join(HISTORY)
}

/// Append one JSON line per value to `path` (created 0600) and sync it. A record, not part
/// of a change: callers report a failure rather than undo anything.
pub fn append(path: &Path, lines: &[serde_json::Value]) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    for line in lines {
        writeln!(f, "{line}")?;
    }
    f.sync_all()
}

/// Write a new record at `path` (0600; its directory created), synced with its directory.
/// Fails when one exists: a record is never overwritten.
pub fn create_record(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    fs::create_dir_all(dir)?;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    sync_dir(dir)
}

/// The record at `path`, or `None` when there is none.
pub fn read_record(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Remove the record at `path` (gone already is fine) and sync its directory.
pub fn remove_record(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => sync_dir(path.parent().unwrap_or(Path::new("/"))),
    }
}
