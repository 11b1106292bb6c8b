//! Which files to read: the roots, walked with symlinks followed and loops reported once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::os::unix::fs::MetadataExt;

use walkdir::{DirEntryExt, WalkDir};

use super::{Problem, ProblemKind, Severity};
use crate::error::ScanError;

/// Files larger than this are not parsed: no PKI file is anywhere near it.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// Extensions (and bare names) worth opening during a directory walk.
const EXTENSIONS: [&str; 13] = [
    "crt",
    "cer",
    "cert",
    "pem",
    "der",
    "key",
    "pub",
    "csr",
    "conf",
    // MicroK8s' `credentials/*.config`.
    "config",
    "kubeconfig",
    "yaml",
    "yml",
];
const NAMES: [&str; 2] = ["config", "kubeconfig"];

/// A file to parse.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The path as the operator would name it (a symlink stays a symlink).
    pub path: PathBuf,
    /// Where a symlink leads; `None` for regular files.
    pub link_target: Option<PathBuf>,
    /// Named on the command line (or a kubeconfig reference): parse whatever its extension.
    pub explicit: bool,
    /// Device and inode: the same file reached by two paths is read once.
    pub id: (u64, u64),
    /// The walk saw a regular file here: it is opened without asking the kernel again.
    pub regular: bool,
}

/// Device and inode of what `path` leads to (symlinks followed).
pub fn file_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<Candidate>,
    pub problems: Vec<Problem>,
    /// Default roots this node does not have.
    pub missing_roots: Vec<PathBuf>,
    /// Positions in `files` whose candidate was replaced (by a symlink's name for the same
    /// file) after its batch had been handed out: those batches must be read again.
    pub replaced: Vec<usize>,
}

/// kcert's default places on a node, every layout it knows: kubeadm (and kubespray's
/// `/etc/kubernetes/ssl` and etcd), the kubelet, k3s and RKE2 (server, agent and the
/// kubeconfig they write), MicroK8s, the hard way's `/var/lib/kubernetes` and the files
/// directly in `/var/lib/kubelet`, and the user's kubeconfig. Missing ones are skipped
/// silently. The one list: the fleet DaemonSet mounts exactly these.
pub fn default_roots() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = [
        "/etc/kubernetes",
        "/etc/kubernetes/ssl",
        "/var/lib/kubelet/pki",
        "/etc/ssl/etcd/ssl",
        "/etc/etcd",
        "/var/lib/rancher/k3s/server/tls",
        "/var/lib/rancher/k3s/server/cred",
        "/var/lib/rancher/k3s/agent",
        "/etc/rancher/k3s/k3s.yaml",
        "/var/lib/rancher/rke2/server/tls",
        "/var/lib/rancher/rke2/server/cred",
        "/var/lib/rancher/rke2/agent",
        "/etc/rancher/rke2/rke2.yaml",
        "/var/snap/microk8s/current/certs",
        "/var/snap/microk8s/current/credentials",
        "/var/lib/kubernetes",
        "/var/lib/kubelet",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(list) => roots.extend(std::env::split_paths(&list)),
        None => {
            if let Some(home) = std::env::var_os("HOME") {
                roots.push(Path::new(&home).join(".kube/config"));
            }
        }
    }
    roots
}

/// Directories that hold a runtime's bulk data, never PKI: k3s/RKE2 agents' `containerd`
/// and `images` (image layers are full of CA bundles), the kubelet's `pods` (every pod's
/// secrets) and plugin state. Skipped wherever a walk meets them.
fn is_bulk_dir(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or("");
    match parent {
        "agent" => matches!(name, "containerd" | "images" | "logs"),
        "kubelet" => matches!(
            name,
            "pods"
                | "plugins"
                | "plugins_registry"
                | "pod-resources"
                | "device-plugins"
                | "checkpoints"
        ),
        _ => false,
    }
}

fn problem(path: &Path, severity: Severity, message: String) -> Problem {
    Problem {
        path: path.to_path_buf(),
        severity,
        kind: ProblemKind::File,
        message,
        cert_id: None,
        key_id: None,
    }
}

/// Worth opening during a walk?
pub fn is_candidate_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    NAMES.contains(&name)
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Our own and kubeadm's backup directories hold superseded copies; walking them would
/// report every old certificate twice.
fn is_backup_dir(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("kcert-backup-") || n.starts_with("kubeadm-backup-"))
}

/// Walk the roots, handing out each `batch` files as soon as they are found, so that reading
/// them overlaps the rest of the walk; the files left over at the end are not handed out.
/// A file handed out may be renamed later (a symlink's name found for it): its position is
/// in [`Walked::replaced`]. Missing explicit roots are an error, before anything is handed
/// out; missing default roots are skipped.
pub fn walk_in_batches(
    roots: &[PathBuf],
    explicit: bool,
    batch: usize,
    mut found: impl FnMut(&[Candidate]),
) -> Result<Walked, ScanError> {
    if explicit {
        if let Some(gone) = roots.iter().find(|r| !exists(r)) {
            return Err(ScanError::MissingRoot(gone.clone()));
        }
    }
    let mut out = Walked::default();
    let mut handed_out = 0;
    let mut seen: HashMap<(u64, u64), usize> = HashMap::new();
    for root in roots {
        if !exists(root) {
            if explicit {
                return Err(ScanError::MissingRoot(root.clone()));
            }
            out.missing_roots.push(root.clone());
            continue;
        }
        // Siblings share their directory's path, so whole paths sort as their file names do,
        // without taking each name apart on every comparison (a tenth of a large walk).
        let walker = WalkDir::new(root)
            .follow_links(true)
            .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && (is_backup_dir(e.path()) || is_bulk_dir(e.path())))
            });
        // The device of each directory on the current path, by depth: a regular file's id is
        // its directory's device and the inode from the directory entry, with no stat.
        let mut devices: Vec<u64> = Vec::new();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    out.problems.push(walk_problem(&err));
                    continue;
                }
            };
            let path = entry.path();
            if entry.file_type().is_dir() {
                devices.truncate(entry.depth());
                devices.push(entry.metadata().map(|m| m.dev()).unwrap_or(0));
                if entry.depth() > 0 && is_candidate_name(path) && has_cert_extension(path) {
                    out.problems.push(problem(
                        path,
                        Severity::Warning,
                        "is a directory where a certificate or key file is expected \
                         (a bind mount of a missing file creates one)"
                            .into(),
                    ));
                }
                continue;
            }
            let is_root = entry.depth() == 0;
            if !(is_root || is_candidate_name(path)) {
                continue;
            }
            if !entry.file_type().is_file() {
                // Opening a FIFO or a device would block or read forever.
                if is_root || has_cert_extension(path) {
                    out.problems.push(problem(
                        path,
                        Severity::Warning,
                        "is not a regular file (a FIFO, socket or device); not read".into(),
                    ));
                }
                continue;
            }
            let parent_device = entry
                .depth()
                .checked_sub(1)
                .and_then(|d| devices.get(d).copied());
            let id = match parent_device {
                Some(dev) if !entry.path_is_symlink() => (dev, entry.ino()),
                // Symlinks and file roots: one stat of what the path leads to.
                _ => match entry.metadata() {
                    Ok(m) => (m.dev(), m.ino()),
                    Err(_) => continue,
                },
            };
            let link_target = entry
                .path_is_symlink()
                .then(|| std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
            let candidate = Candidate {
                path: path.to_path_buf(),
                link_target,
                explicit: is_root && explicit,
                id,
                regular: true,
            };
            match seen.get(&id) {
                // The same file reached twice: keep the symlink's name, which is what consumers use.
                Some(&i) => {
                    if candidate.link_target.is_some() && out.files[i].link_target.is_none() {
                        out.files[i] = candidate;
                        if i < handed_out {
                            out.replaced.push(i);
                        }
                    }
                }
                None => {
                    seen.insert(id, out.files.len());
                    out.files.push(candidate);
                    if out.files.len() - handed_out == batch {
                        found(&out.files[handed_out..]);
                        handed_out = out.files.len();
                    }
                }
            }
        }
    }
    Ok(out)
}

/// There, as a file, a directory or a (maybe broken) symlink.
fn exists(root: &Path) -> bool {
    std::fs::metadata(root).is_ok() || std::fs::symlink_metadata(root).is_ok()
}

fn has_cert_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "crt" | "cer" | "pem" | "key" | "pub" | "der"))
}

fn walk_problem(err: &walkdir::Error) -> Problem {
    let path = err.path().unwrap_or(Path::new("")).to_path_buf();
    if let Some(ancestor) = err.loop_ancestor() {
        return problem(
            &path,
            Severity::Warning,
            format!(
                "symlink loop: leads back to {}; not followed",
                ancestor.display()
            ),
        );
    }
    let message = match err.io_error() {
        Some(io) if io.kind() == std::io::ErrorKind::NotFound => match std::fs::read_link(&path) {
            Ok(target) => format!(
                "broken symlink: points to {}, which does not exist",
                target.display()
            ),
            Err(_) => "vanished while scanning".to_string(),
        },
        Some(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            "cannot read: permission denied (run as root?)".to_string()
        }
        Some(io) => format!("cannot read: {io}"),
        None => err.to_string(),
    };
    problem(&path, Severity::Warning, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(roots: &[PathBuf], explicit: bool) -> Result<Walked, ScanError> {
        walk_in_batches(roots, explicit, usize::MAX, |_| {})
    }

    /// The fleet DaemonSet mounts exactly these; each layout's places are among them.
    #[test]
    fn default_roots_hold_every_layouts_places() {
        let roots = default_roots();
        for place in [
            "/etc/kubernetes",
            "/etc/kubernetes/ssl",
            "/etc/ssl/etcd/ssl",
            "/var/lib/rancher/k3s/server/tls",
            "/var/lib/rancher/k3s/agent",
            "/etc/rancher/k3s/k3s.yaml",
            "/var/lib/rancher/rke2/server/cred",
            "/etc/rancher/rke2/rke2.yaml",
            "/var/snap/microk8s/current/certs",
            "/var/snap/microk8s/current/credentials",
            "/var/lib/kubernetes",
            "/var/lib/kubelet",
        ] {
            assert!(roots.contains(&PathBuf::from(place)), "{place}");
        }
    }

    /// An agent's container images and the kubelet's pods are full of CA bundles and secrets
    /// that are not the node's PKI: never read.
    #[test]
    fn bulk_runtime_directories_are_not_walked() {
        let dir = tempfile::tempdir().expect("dir");
        let files = [
            ("var/lib/rancher/k3s/agent/client-kubelet.crt", true),
            (
                "var/lib/rancher/k3s/agent/containerd/io.containerd.snapshotter/1/fs/etc/ssl/ca.crt",
                false,
            ),
            ("var/lib/rancher/rke2/agent/images/x.crt", false),
            ("var/lib/kubelet/worker-0.pem", true),
            ("var/lib/kubelet/pods/uid/volumes/token/ca.crt", false),
            ("var/lib/kubelet/pki/kubelet.crt", true),
        ];
        for (f, _) in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("dirs");
            std::fs::write(&p, "x").expect("write");
        }
        let walked = walk(&[dir.path().to_path_buf()], true).expect("walk");
        for (f, read) in files {
            let seen = walked.files.iter().any(|c| c.path == dir.path().join(f));
            assert_eq!(seen, read, "{f}");
        }
    }

    /// Files come in file-name order within each directory, as `ls` lists them (a report's
    /// order), also where names share a prefix or differ only in case.
    #[test]
    fn files_come_in_file_name_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let names = [
            "b.crt",
            "a-key.pem",
            "a.pem",
            "a b.crt",
            "A.crt",
            "a.crt",
            "ab.crt",
        ];
        std::fs::create_dir(dir.path().join("sub")).expect("dir");
        for name in names {
            std::fs::write(dir.path().join(name), "x").expect("write");
            std::fs::write(dir.path().join("sub").join(name), "x").expect("write");
        }
        let walked = walk(&[dir.path().to_path_buf()], true).expect("walk");
        let got: Vec<String> = walked
            .files
            .iter()
            .map(|c| {
                c.path
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        let mut sorted = names.to_vec();
        sorted.sort_by(|a, b| std::ffi::OsStr::new(a).cmp(std::ffi::OsStr::new(b)));
        let mut expected: Vec<String> = sorted.iter().map(|n| n.to_string()).collect();
        expected.extend(sorted.iter().map(|n| format!("sub/{n}")));
        assert_eq!(got, expected);
    }
}
