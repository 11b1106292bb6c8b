//! One writer at a time: an exclusive `flock` on `<kubernetes dir>/tmp/kcert.lock`, held by
//! every kcert run that changes the node's files (renew, restore, recover, restart) for as
//! long as it changes them. A second run waits a little, then refuses and says who holds it.
//!
//! The lock is the open file description, so it ends with the process however it ends
//! (`kill -9` included) and never needs removing. The holder writes its pid, command line and
//! start time into the file once it holds the lock; that text is only ever shown, never trusted.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Seek as _, Write as _};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rustix::fs::{FlockOperation, OFlags};
use serde::{Deserialize, Serialize};

use super::dirs::{ensure_dir, euid};

/// The lock file's name, beside the journal.
pub const LOCK: &str = "kcert.lock";

/// How long a second run waits for the first before refusing.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(3);

const POLL: Duration = Duration::from_millis(50);

/// Who holds the lock, as the holder wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub command: String,
    pub since: DateTime<Utc>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {}, `{}`, since {}",
            self.pid,
            self.command,
            crate::pki::format::datetime(self.since)
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another kcert is changing these files ({}); waited {} s for it, then gave up: nothing was changed. Try again when it is done (lock: {})",
        .holder.as_ref().map_or_else(|| "it did not say who it is".to_string(), ToString::to_string),
        .waited.as_secs(), .path.display())]
    Busy {
        path: PathBuf,
        holder: Option<Holder>,
        waited: Duration,
    },
    #[error("cannot take the lock {}: {source}; nothing was changed", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Proof of holding the lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Leave no stale name behind; the lock itself ends with the descriptor.
        let _ = self.file.set_len(0);
    }
}

/// The command line of this process, for the holder record (kcert takes no secrets on it).
fn command_line() -> String {
    let mut s: String = std::env::args().collect::<Vec<_>>().join(" ");
    if s.len() > 200 {
        let mut end = 200;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

fn open(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags((OFlags::NOFOLLOW | OFlags::CLOEXEC).bits() as i32)
        .open(path)
        .map_err(|e| match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => io::Error::other(format!(
                "{} is a symlink; kcert does not follow it (remove it)",
                path.display()
            )),
            _ => e,
        })?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.uid() != euid() {
        return Err(io::Error::other(format!(
            "{} is not a regular file of kcert's user; remove it",
            path.display()
        )));
    }
    Ok(file)
}

fn holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.take(4096).read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

/// Take the lock in `tmp_dir` (created 0700 if missing), waiting up to `wait` for a run
/// that holds it.
pub fn acquire(tmp_dir: &Path, wait: Duration) -> Result<Lock, LockError> {
    let path = tmp_dir.join(LOCK);
    let io_err = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    ensure_dir(tmp_dir).map_err(io_err)?;
    let mut file = open(&path).map_err(io_err)?;
    let start = Instant::now();
    loop {
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => break,
            Err(rustix::io::Errno::WOULDBLOCK) if start.elapsed() < wait => {
                std::thread::sleep(POLL)
            }
            Err(rustix::io::Errno::WOULDBLOCK) => {
                return Err(LockError::Busy {
                    holder: holder(&mut file),
                    path,
                    waited: start.elapsed(),
                })
            }
            Err(e) => return Err(io_err(e.into())),
        }
    }
    let me = Holder {
        pid: std::process::id(),
        command: command_line(),
        since: Utc::now(),
    };
    let text = serde_json::to_string(&me).unwrap_or_default();
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| writeln!(file, "{text}"))
        .map_err(io_err)?;
    Ok(Lock { file, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_waits_then_names_the_holder() {
        let t = tempfile::tempdir().unwrap();
        let first = acquire(t.path(), Duration::ZERO).unwrap();
        let started = Instant::now();
        let err = acquire(t.path(), Duration::from_millis(300)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(300));
        let LockError::Busy { holder, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(holder.as_ref().map(|h| h.pid), Some(std::process::id()));
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        acquire(t.path(), Duration::ZERO).unwrap();
    }

    #[test]
    fn a_symlink_at_the_lock_file_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("victim");
        std::fs::write(&target, "precious").unwrap();
        std::os::unix::fs::symlink(&target, t.path().join(LOCK)).unwrap();
        let err = acquire(t.path(), Duration::ZERO).unwrap_err();
        assert!(matches!(err, LockError::Io { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
    }
}
