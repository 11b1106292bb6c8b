//! The local PKI inventory: everything on the node, with chains verified and keys paired.
//!
//! [`scan`] is the one entry point; the submodules are its stages, in order: [`walk`] picks
//! files, `read` parses each (in parallel), `chain` verifies signatures, `pair` matches keys
//! and `judge` turns findings into [`Problem`]s.
//!
//! Below the scan and shared by every layer above: [`decode`] parses certificates, requests
//! and bundles, [`keys`] parses keys, [`format`] writes times, durations, serials and columns.

mod cert;
mod chain;
mod copies;
pub mod decode;
pub mod distro;
pub mod expiry;
pub mod format;
mod health;
mod issuers;
mod judge;
pub mod keys;
pub mod kubeadm;
pub mod kubeconfig;
mod model;
mod names;
pub mod open;
mod pair;
mod pss;
mod read;
mod reread;
mod scan;
mod usages;
pub mod walk;

pub use chain::signed_by;
pub use copies::copy_of_ca;
pub use decode::{sha256_hex, Sha256};
pub use health::{Health, Judgement};
pub use judge::{near_the_wall, CA_WALL_DAYS};
pub use model::*;
pub use names::{CaRole, ExpectedCa};
pub use read::ReadPolicy;
pub use scan::{scan, scan_with};
pub use usages::Usages;

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};

/// What to scan and against which clock.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub roots: Vec<PathBuf>,
    /// Explicit roots must exist; missing default roots are skipped silently.
    pub explicit: bool,
    pub now: DateTime<Utc>,
    pub thresholds: Thresholds,
}

impl ScanOptions {
    /// The given paths, or kcert's defaults when there are none.
    pub fn new(paths: Vec<PathBuf>, now: DateTime<Utc>, thresholds: Thresholds) -> Self {
        let explicit = !paths.is_empty();
        let roots = if explicit {
            paths
        } else {
            walk::default_roots()
        };
        ScanOptions {
            roots,
            explicit,
            now,
            thresholds,
        }
    }
}

/// Absolute and lexically clean (`a/../b` → `b`), without resolving symlinks: reports name
/// files the way the operator reaches them, and `kubelet-client-current.pem` stays a link.
pub fn absolute(path: &Path) -> PathBuf {
    WorkDir::default().absolute(path).into_owned()
}

/// The working directory, asked of the kernel once and only when a relative path needs it: a
/// report names every certificate's files, and a `getcwd` per path was over half the time
/// of a 10,000-certificate JSON report.
#[derive(Debug, Default)]
pub struct WorkDir(std::sync::OnceLock<Option<PathBuf>>);

impl WorkDir {
    /// [`absolute`], borrowing `path` when it already is (as scan results usually are).
    pub fn absolute<'a>(&self, path: &'a Path) -> Cow<'a, Path> {
        // Most paths have no `.`, `..` or doubled `/`: joined as they are, without taking
        // them apart (a twentieth of a 10,000-certificate report).
        let plain = |b: &[u8]| {
            b.split(|&c| c == b'/')
                .all(|s| !s.is_empty() && s != b"." && s != b"..")
        };
        let bytes = path.as_os_str().as_encoded_bytes();
        match bytes.split_first() {
            Some((b'/', rest)) if plain(rest) => return Cow::Borrowed(path),
            Some(_) if plain(bytes) => {
                if let Some(cwd) = self.cwd() {
                    return Cow::Owned(cwd.join(path));
                }
            }
            _ => {}
        }
        let clean = path
            .components()
            .all(|c| !matches!(c, Component::CurDir | Component::ParentDir));
        if path.is_absolute() && clean {
            return Cow::Borrowed(path);
        }
        let joined;
        let abs = match self.cwd() {
            Some(cwd) if !path.is_absolute() => {
                joined = cwd.join(path);
                &joined
            }
            _ => path,
        };
        let mut out = PathBuf::new();
        for c in abs.components() {
            match c {
                Component::ParentDir => {
                    out.pop();
                }
                Component::CurDir => {}
                other => out.push(other),
            }
        }
        Cow::Owned(out)
    }

    fn cwd(&self) -> Option<&Path> {
        self.0
            .get_or_init(|| std::env::current_dir().ok())
            .as_deref()
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    #[test]
    fn absolute_paths_are_joined_to_the_working_directory_and_made_clean() {
        let cwd = std::env::current_dir().unwrap();
        let wd = super::WorkDir::default();
        for (given, want) in [
            ("a/b.crt", cwd.join("a/b.crt")),
            ("a/../b.crt", cwd.join("b.crt")),
            ("./a/b.crt", cwd.join("a/b.crt")),
            ("a//b.crt", cwd.join("a/b.crt")),
            ("a/b/", cwd.join("a/b")),
            ("/x/./y/../z.crt", PathBuf::from("/x/z.crt")),
            ("/x/y.crt", PathBuf::from("/x/y.crt")),
            ("/", PathBuf::from("/")),
        ] {
            assert_eq!(wd.absolute(Path::new(given)), want, "{given}");
            assert_eq!(super::absolute(Path::new(given)), want, "{given}");
        }
    }
}
