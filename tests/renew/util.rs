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

/// Every certificate with a private key beside it matches it and verifies under its CA: no
/// key is left with a foreign certificate.
pub fn assert_pairs_match(root: &Path, context: &str) {
    let inv = crate::common::scan_at(root, later());
    let mismatched: Vec<String> = inv
        .problems
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                kcert::pki::ProblemKind::KeyMismatch | kcert::pki::ProblemKind::Chain
            )
        })
        .map(|p| format!("{}: {}", p.path.display(), p.message))
        .collect();
    assert!(mismatched.is_empty(), "{context}: {mismatched:#?}");
    let with_keys = inv.certs.iter().filter(|c| c.key_id.is_some()).count();
    assert!(
        with_keys >= 10,
        "{context}: only {with_keys} certificates with keys"
    );
    for c in inv.certs.iter().filter(|c| c.key_id.is_some()) {
        assert_eq!(
            c.key_match,
            Some(true),
            "{context}: {}",
            c.origin.describe()
        );
    }
}

/// kcert temp files (`.NAME.kcert-*.tmp`) anywhere under `root`.
pub fn stray_temps(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy();
            n.starts_with('.') && n.contains(".kcert-") && n.ends_with(".tmp")
        })
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// [`changed`] with each path relative to `root`, to compare trees in different places.
pub fn changed_rel(
    root: &Path,
    a: &BTreeMap<PathBuf, Entry>,
    b: &BTreeMap<PathBuf, Entry>,
) -> Vec<PathBuf> {
    changed(a, b)
        .into_iter()
        .map(|p| p.strip_prefix(root).map(Path::to_path_buf).unwrap_or(p))
        .collect()
}

/// The journal's lines under a tree.
pub fn journal_lines(layout: &TreeLayout) -> Vec<serde_json::Value> {
    let path = layout.etc_kubernetes.join("tmp/kcert-journal.jsonl");
    std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}
