//! Journal files: the history every change and restart appends to, and the record written
//! and synced before a risky step so a killed kcert can be undone by the next one.
//!
//! Bytes and durability only; what a record means belongs to its writer ([`super::txn`] for
//! file changes, `runtime::journal` for restarts). Journal files are opened with
//! `O_NOFOLLOW` and must be regular files: a symlink planted at their name is refused, never
//! written through. An append that fails leaves the file as it was (no half line, no empty file).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::OFlags;

use super::dirs::ensure_dir;
use super::disk::sync_dir;

/// The history file's name, in the kubeadm `tmp` directory beside the backups.
pub const HISTORY: &str = "kcert-journal.jsonl";

/// Journals are small; anything bigger is not one of kcert's.
const MAX_JOURNAL: u64 = 64 * 1024 * 1024;

/// The history file in `tmp_dir`.
pub fn history_in(tmp_dir: &Path) -> PathBuf {
    tmp_dir.join(HISTORY)
}

fn nofollow() -> i32 {
    (OFlags::NOFOLLOW | OFlags::CLOEXEC).bits() as i32
}

fn not_regular(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{} is not a regular file (a symlink?); kcert does not write through it",
        path.display()
    ))
}

/// An open history file, appended to line by line during one change.
#[derive(Debug)]
pub struct Appender {
    file: File,
    path: PathBuf,
}

impl Appender {
    /// Open (create 0600) `path` for appending; its directory must exist.
    pub fn open(path: &Path) -> io::Result<Appender> {
        let mut file = OpenOptions::new()
            .read(true)
            .create(true)
            .append(true)
            .mode(0o600)
            .custom_flags(nofollow())
            .open(path)
            .map_err(|e| match fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => not_regular(path),
                _ => e,
            })?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(not_regular(path));
        }
        // A line cut short by a crash ends here, so the next one starts on its own line.
        let mut last = [0u8; 1];
        if meta.len() > 0 && file.read_at(&mut last, meta.len() - 1)? == 1 && last[0] != b'\n' {
            file.write_all(b"\n")?;
        }
        Ok(Appender {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one JSON line per value and sync. On failure the file is cut back to where it
    /// was, and removed if that leaves it empty.
    pub fn append(&mut self, lines: &[serde_json::Value]) -> io::Result<()> {
        self.write_lines(lines, true)
    }

    /// [`Self::append`] without the sync, for lines nothing depends on.
    pub fn append_unsynced(&mut self, lines: &[serde_json::Value]) -> io::Result<()> {
        self.write_lines(lines, false)
    }

    fn write_lines(&mut self, lines: &[serde_json::Value], sync: bool) -> io::Result<()> {
        let before = self.file.metadata()?.len();
        let mut text = String::new();
        for line in lines {
            text.push_str(&line.to_string());
            text.push('\n');
        }
        let result = self.file.write_all(text.as_bytes()).and_then(|()| {
            if sync {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        if result.is_err() {
            let _ = self.file.set_len(before);
            if before == 0 {
                let _ = fs::remove_file(&self.path);
            }
            let _ = self.file.sync_all();
        }
        result
    }
}

/// Append one JSON line per value to `path` (created 0600, its directory 0700) and sync it.
pub fn append(path: &Path, lines: &[serde_json::Value]) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    Appender::open(path)?.append(lines)
}

/// Every JSON line of the journal at `path` (none when it does not exist). A line that is
/// not JSON (cut short by a crash of an older kcert) is skipped.
pub fn read_lines(path: &Path) -> io::Result<Vec<serde_json::Value>> {
    let Some(bytes) = read_record(path)? else {
        return Ok(Vec::new());
    };
    Ok(bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| serde_json::from_slice(l).ok())
        .collect())
}

/// Write a new record at `path` (0600; its directory created 0700), synced with its
/// directory. Fails when one exists: a record is never overwritten.
pub fn create_record(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("/"));
    ensure_dir(dir)?;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nofollow())
        .open(path)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    if written.is_err() {
        let _ = fs::remove_file(path);
    }
    written?;
    sync_dir(dir)
}

/// The record at `path`, or `None` when there is none. A symlink there is refused.
pub fn read_record(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(nofollow() | OFlags::NONBLOCK.bits() as i32)
        .open(path);
    let mut f = match f {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(match fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => not_regular(path),
                _ => e,
            })
        }
    };
    if !f.metadata()?.is_file() {
        return Err(not_regular(path));
    }
    let mut bytes = Vec::new();
    (&mut f).take(MAX_JOURNAL).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Remove the record at `path` (gone already is fine) and sync its directory.
pub fn remove_record(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => sync_dir(path.parent().unwrap_or(Path::new("/"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_at_the_journal_is_refused_not_followed() {
        let t = tempfile::tempdir().unwrap();
        let outside = t.path().join("outside");
        fs::write(&outside, "").unwrap();
        let journal = t.path().join(HISTORY);
        std::os::unix::fs::symlink(&outside, &journal).unwrap();
        let e = append(&journal, &[serde_json::json!({"a": 1})]).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert_eq!(fs::read_to_string(&outside).unwrap(), "");
        assert!(read_lines(&journal).is_err());
        assert!(read_record(&journal).is_err());
    }

    #[test]
    fn lines_round_trip_and_broken_lines_are_skipped() {
        let t = tempfile::tempdir().unwrap();
        let journal = t.path().join("tmp").join(HISTORY);
        append(&journal, &[serde_json::json!({"a": 1})]).unwrap();
        fs::OpenOptions::new()
            .append(true)
            .open(&journal)
            .unwrap()
            .write_all(b"{\"cut")
            .unwrap();
        append(&journal, &[serde_json::json!({"b": 2})]).unwrap();
        let lines = read_lines(&journal).unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
    }
}
