//! A change to several files that no crash can leave half-done without the next kcert
//! knowing: a write-ahead journal, backups, private temp files, renames back to back.
//!
//! [`run`] carries out an [`Intent`] under the lock ([`super::lock`]); [`unfinished`] finds
//! what a killed kcert left; [`recover()`](recover::recover) finishes it (every new file in
//! place and verified) or rolls it back from the backups, then removes stray temp files.
//!
//! # The journal's records
//!
//! This is the one description of the format; `kcert explain` and `kcert restore` read it.
//! The journal is `<kubernetes dir>/tmp/kcert-journal.jsonl` (0600, a regular file, opened
//! with `O_NOFOLLOW`): one JSON object per line, appended and synced, never rewritten. Every
//! line has `time` (RFC 3339, UTC) and `action`. The lines of one change share `entry`
//! (`<UTC time>-<pid>-<n>`, e.g. `20261106T080000Z-4242-1`).
//!
//! - `{"action":"begin", "entry", "kind", "pid", "command", "backup_dir", "files":[…],
//!   "history":[…], "detail":{…}}`, synced before the first file is touched. `kind` is
//!   `renew` or `restore`. Each of `files` is `{"path", "group", "before", "after",
//!   "backup"}`: `before` and `after` are fingerprints — `"sha256:<hex of the file's
//!   bytes>"`, `"link:<target>"` for a symlink, or `"absent"`; `backup` is the copy's path in
//!   `backup_dir` (`null` when `before` is `absent`). Files of one `group` (a key and its
//!   certificate, a kubeconfig) are renamed into place back to back. `history` holds the lines
//!   appended when the change is done; `detail` is the writer's (for `renew`: the
//!   certificates to verify after a crash and the components to restart, `{"checks":[{"label",
//!   "cert_path", "ca_path", "cert_sha256"}], "ca_checks":[{"label", "ca_path", "old_sha256",
//!   "new_sha256", "leaves":[[label, sha256]…], "roots"}], "restart":[…]}` — `ca_checks` for a
//!   CA renewed with its own key, absent in older journals; for `restore`: `{"of": <entry
//!   undone, or null for a bare backup directory>, "source": <backup directory>, "restart":[…]}`).
//! - `{"action":"step", "entry", "step":"backed-up"}` once every backup is written and
//!   synced; `{"action":"step", "entry", "step":"replaced", "group":N}` after each group's
//!   renames. Informative (and not synced on their own): recovery decides from the
//!   fingerprints on disk.
//! - The `history` lines, then `{"action":"end", "entry", "outcome"}` with `outcome` one of
//!   `done`, `rolled-back` (failed, every file put back), `failed` (failed before any file
//!   changed), `recovered-done` or `recovered-rolled-back` (by `kcert renew --recover`).
//!   For `renew`, `history` is one line per certificate: `{"action":"renew", "entry", "what",
//!   "path", "ca", "old_serial", "new_serial", "old_sha256", "new_sha256", "not_after",
//!   "files", "backup_dir"}` (`*_sha256` here are of the certificate's DER). For `restore`:
//!   `{"action":"restore", "entry", "of", "files"}`.
//!
//! A `begin` without an `end` is unfinished: every later change refuses to start, `kcert
//! check` reports it, and `kcert renew --recover` settles it. Restarts add their own lines
//! (`"action":"restart"`, `"restart-recovered"`; see `runtime::journal`).

mod recover;
mod run;

pub use recover::{recover, sweep_temps, RecoverError, Recovered};
pub use run::{run, Done, RestoreFailure, TxnError};

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::disk::Perms;
use super::journal::{history_in, read_lines};

/// What a file is: the proof of "before" and "after" in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fingerprint {
    Absent,
    /// SHA-256 (hex) of a regular file's bytes.
    File(String),
    /// A symlink and its target.
    Link(PathBuf),
}

impl Fingerprint {
    /// What is at `path` now (a symlink is not followed). Only regular files are read.
    pub fn of(path: &Path) -> io::Result<Fingerprint> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Fingerprint::Absent),
            Err(e) => Err(e),
            Ok(m) if m.file_type().is_symlink() => Ok(Fingerprint::Link(std::fs::read_link(path)?)),
            Ok(_) => {
                let (mut f, _) = crate::pki::open::open_regular(path)?;
                let mut bytes = Vec::new();
                io::Read::read_to_end(&mut f, &mut bytes)?;
                Ok(Fingerprint::of_bytes(&bytes))
            }
        }
    }

    pub fn of_bytes(bytes: &[u8]) -> Fingerprint {
        Fingerprint::File(crate::pki::sha256_hex(bytes))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fingerprint::Absent => f.write_str("absent"),
            Fingerprint::File(h) => write!(f, "sha256:{h}"),
            Fingerprint::Link(t) => write!(f, "link:{}", t.display()),
        }
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s == "absent" {
            Ok(Fingerprint::Absent)
        } else if let Some(h) = s.strip_prefix("sha256:") {
            Ok(Fingerprint::File(h.to_string()))
        } else if let Some(t) = s.strip_prefix("link:") {
            Ok(Fingerprint::Link(PathBuf::from(t)))
        } else {
            Err(serde::de::Error::custom(format!("not a fingerprint: {s}")))
        }
    }
}

/// What a file becomes.
#[derive(Debug, Clone, Copy)]
pub enum After<'a> {
    File { bytes: &'a [u8], perms: Perms },
    Link(&'a Path),
    Absent,
}

impl After<'_> {
    pub fn fingerprint(&self) -> Fingerprint {
        match self {
            After::File { bytes, .. } => Fingerprint::of_bytes(bytes),
            After::Link(t) => Fingerprint::Link(t.to_path_buf()),
            After::Absent => Fingerprint::Absent,
        }
    }
}

/// One file of a change: what the caller saw when it planned, and what it becomes.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub path: &'a Path,
    /// Files of one group are renamed back to back (a key and its certificate).
    pub group: usize,
    pub before: Fingerprint,
    pub after: After<'a>,
}

/// A change to carry out.
#[derive(Debug, Clone)]
pub struct Intent<'a> {
    /// `renew` or `restore`.
    pub kind: &'a str,
    /// Where the journal and the lock are (`<kubernetes dir>/tmp`).
    pub tmp_dir: &'a Path,
    /// New or empty; created 0700.
    pub backup_dir: &'a Path,
    pub changes: Vec<Change<'a>>,
    /// Lines appended to the journal once the change is done.
    pub history: Vec<serde_json::Value>,
    /// The writer's own data, kept for recovery.
    pub detail: serde_json::Value,
    /// How long to wait for another kcert holding the lock.
    pub lock_wait: std::time::Duration,
}

/// One file as the `begin` record holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub path: PathBuf,
    pub group: usize,
    pub before: Fingerprint,
    pub after: Fingerprint,
    pub backup: Option<PathBuf>,
}

/// A `begin` record read back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Begin {
    pub time: DateTime<Utc>,
    pub action: String,
    pub entry: String,
    pub kind: String,
    pub pid: u32,
    pub command: String,
    pub backup_dir: PathBuf,
    pub files: Vec<FileRecord>,
    #[serde(default)]
    pub history: Vec<serde_json::Value>,
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl Begin {
    /// The kcert that wrote it is still running (not this one): it is in progress, not
    /// interrupted.
    pub fn writer_alive(&self) -> bool {
        self.pid != std::process::id() && Path::new(&format!("/proc/{}", self.pid)).exists()
    }
}

/// Every change in `tmp_dir`'s journal: its `begin` and, when it finished, its `end` outcome.
pub fn entries(tmp_dir: &Path) -> io::Result<Vec<(Begin, Option<String>)>> {
    let lines = read_lines(&history_in(tmp_dir))?;
    let mut out: Vec<(Begin, Option<String>)> = Vec::new();
    for line in lines {
        match line.get("action").and_then(|a| a.as_str()) {
            Some("begin") => {
                if let Ok(b) = serde_json::from_value::<Begin>(line) {
                    out.push((b, None));
                }
            }
            Some("end") => {
                let entry = line.get("entry").and_then(|e| e.as_str());
                let outcome = line.get("outcome").and_then(|o| o.as_str());
                if let (Some(entry), Some(outcome)) = (entry, outcome) {
                    if let Some((_, end)) = out.iter_mut().rev().find(|(b, _)| b.entry == entry) {
                        *end = Some(outcome.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The `history` lines (each given the entry) and the `end` line that close a change.
fn end_lines(entry: &str, outcome: &str, history: &[serde_json::Value]) -> Vec<serde_json::Value> {
    let mut lines: Vec<serde_json::Value> = history
        .iter()
        .cloned()
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                o.insert("entry".into(), entry.into());
            }
            v
        })
        .collect();
    lines.push(serde_json::json!({
        "time": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "action": "end",
        "entry": entry,
        "outcome": outcome,
    }));
    lines
}

/// Changes that began and never ended, oldest first.
pub fn unfinished(tmp_dir: &Path) -> io::Result<Vec<Begin>> {
    Ok(entries(tmp_dir)?
        .into_iter()
        .filter(|(_, end)| end.is_none())
        .map(|(b, _)| b)
        .collect())
}
