//! Trees to renew, byte-exact snapshots of them, and the binary with a fixed clock.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{DateTime, Utc};
use kcert::demo::{Faults, TreeLayout};
use kcert::sign::KeySpec;

use crate::common::{kcert, made, node_spec, openssl_verify, write_tree};

/// When they are renewed: 300 days later, leaves near expiry, CAs fine.
pub fn later() -> DateTime<Utc> {
    "2026-11-06T08:00:00Z".parse().unwrap()
}

pub fn tree(key: KeySpec, faults: Faults) -> (tempfile::TempDir, TreeLayout) {
    write_tree(&node_spec(made(), key, "192.168.10.11", faults))
}

/// `kcert renew --root <tree> ARGS...` at [`later`].
pub fn renew(layout: &TreeLayout, args: &[&str]) -> Output {
    let mut all = vec!["renew", "--root", layout.root.to_str().unwrap()];
    all.extend(args);
    kcert(later(), &all)
}

/// Nothing under the tree changed since `before` (backups in `tmp/` aside).
pub fn assert_unchanged(before: &BTreeMap<PathBuf, Entry>, root: &Path) {
    assert_eq!(changed(before, &snapshot(root)), Vec::<PathBuf>::new());
}

/// What a file is: contents or link target, and mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File(Vec<u8>, u32),
    Link(PathBuf),
    Dir(u32),
}

/// Every file, link and directory under `root`, except kcert's backups.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).into_iter().filter_entry(|e| {
        // Backups and the journal live in <kubernetes dir>/tmp, created by the renewal itself.
        !(e.file_type().is_dir() && e.file_name() == "tmp")
    }) {
        let e = e.unwrap();
        let meta = std::fs::symlink_metadata(e.path()).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        let entry = if meta.file_type().is_symlink() {
            Entry::Link(std::fs::read_link(e.path()).unwrap())
        } else if meta.is_dir() {
            Entry::Dir(mode)
        } else {
            Entry::File(std::fs::read(e.path()).unwrap(), mode)
        };
        out.insert(e.path().to_path_buf(), entry);
    }
    out
}

/// Paths whose entries differ between two snapshots.
pub fn changed(a: &BTreeMap<PathBuf, Entry>, b: &BTreeMap<PathBuf, Entry>) -> Vec<PathBuf> {
    let mut keys: Vec<&PathBuf> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// `openssl verify` at `now` of a certificate (DER) under a CA file.
pub fn verify_der(ca: &Path, cert_der: &[u8], now: DateTime<Utc>) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let leaf = dir.path().join("leaf.pem");
    std::fs::write(&leaf, kcert::sign::cert_to_pem(cert_der)).unwrap();
    openssl_verify(ca, None, &leaf, Some(now))
}
