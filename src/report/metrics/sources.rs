//! Per-source health: each scanned root is a source (`source_kind="file"`,
//! `source_name=<root>`), for v4's `x509_source_*` series; v3's `x509_read_errors` is the
//! number of read errors of the last scan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::pki::{absolute, Inventory, Problem, ProblemKind, Severity};

/// One root as a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    pub name: String,
    /// `None`: a default root this node does not have, which is not a source here at all.
    pub up: Option<bool>,
    /// Files under the root that held at least one certificate.
    pub bundles: u64,
}

/// The sources, and read errors counted over every scan since the start (a counter).
#[derive(Debug, Clone, Default)]
pub struct SourceHealth {
    roots: Vec<PathBuf>,
    explicit: bool,
    pub states: Vec<SourceState>,
    /// (source index, reason) → errors seen so far.
    pub errors: BTreeMap<(usize, &'static str), u64>,
    /// Read errors in the last scan.
    pub last_errors: u64,
}

impl SourceHealth {
    /// `explicit`: the roots were named by the operator, so a missing one is a source down;
    /// a missing default root is simply not on this node.
    pub fn new(roots: &[PathBuf], explicit: bool) -> SourceHealth {
        let roots: Vec<PathBuf> = roots.iter().map(|r| absolute(r)).collect();
        SourceHealth {
            states: roots
                .iter()
                .map(|r| SourceState {
                    name: r.display().to_string(),
                    up: None,
                    bundles: 0,
                })
                .collect(),
            roots,
            explicit,
            errors: BTreeMap::new(),
            last_errors: 0,
        }
    }

    /// Count one scan: its read errors, which roots were there, how many files held
    /// certificates. `None`: the scan itself failed, so every source is down.
    pub fn observe(&mut self, inv: Option<&Inventory>) {
        let Some(inv) = inv else {
            for s in &mut self.states {
                s.up = Some(false);
            }
            return;
        };
        let missing: Vec<PathBuf> = inv.missing_roots.iter().map(|r| absolute(r)).collect();
        for (root, state) in self.roots.iter().zip(&mut self.states) {
            let absent = missing.contains(root) || std::fs::symlink_metadata(root).is_err();
            state.up = match (absent, self.explicit) {
                (false, _) => Some(true),
                (true, true) => Some(false),
                (true, false) => None,
            };
            state.bundles = 0;
        }
        let mut files: Vec<&Path> = inv
            .certs
            .iter()
            .filter(|c| matches!(c.origin, crate::pki::Origin::File { index: 0, .. }))
            .map(|c| c.origin.path())
            .collect();
        files.dedup();
        for f in files {
            if let Some(i) = self.source_of(f) {
                self.states[i].bundles += 1;
            }
        }
        self.last_errors = 0;
        for p in inv.problems.iter().filter(|p| is_read_error(p)) {
            self.last_errors += 1;
            if let Some(i) = self.source_of(&p.path) {
                *self.errors.entry((i, read_error_reason(p))).or_default() += 1;
            }
        }
    }

    /// The root a path was found under (the longest that holds it).
    fn source_of(&self, path: &Path) -> Option<usize> {
        let path = absolute(path);
        self.roots
            .iter()
            .enumerate()
            .filter(|(_, r)| path.starts_with(r))
            .max_by_key(|(_, r)| r.as_os_str().len())
            .map(|(i, _)| i)
    }
}

/// A file or kubeconfig field that could not be read or parsed (not a skipped PEM block).
pub fn is_read_error(p: &Problem) -> bool {
    p.severity >= Severity::Warning
        && match p.kind {
            ProblemKind::File => true,
            ProblemKind::Kubeconfig => {
                let m = &p.message;
                m.contains("base64") || m.contains("PEM") || m.contains("does not exist")
            }
            _ => false,
        }
}

/// The exporter's reason code for a read error (its `x509_source_errors_total{reason}`).
pub fn read_error_reason(p: &Problem) -> &'static str {
    let m = p.message.as_str();
    if m.contains("permission denied") {
        "permission_denied"
    } else if m.contains("broken symlink") {
        "broken_symlink"
    } else if m.contains("does not exist") || m.contains("vanished") {
        "not_found"
    } else if m.contains("symlink loop") {
        "walk_error"
    } else if p.kind == ProblemKind::Kubeconfig && m.contains("base64") {
        "decode_failed"
    } else if m.contains("not a certificate") || m.contains("empty file") || m.contains("no PEM") {
        "no_certificate_found"
    } else if m.contains("block") || m.contains("PEM") || m.starts_with("certificate ") {
        "bad_pem"
    } else {
        "read_failed"
    }
}
