//! Shared helpers: fixture location, a fixed clock, scanning, running openssl and the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use kcert::pki::{scan, Inventory, ScanOptions, Thresholds};

/// The real PKI trees committed publicly by kubeadm/kubelet/cfssl users (beside the project).
pub fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    assert!(
        dir.is_dir(),
        "the real fixtures are missing: expected {} (shared/ beside the project root)",
        dir.display()
    );
    dir
}

/// The clock every test uses: the day the fixtures were collected.
pub fn now() -> DateTime<Utc> {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

pub fn scan_paths(paths: &[&Path]) -> Inventory {
    let opts = ScanOptions::new(
        paths.iter().map(|p| p.to_path_buf()).collect(),
        now(),
        Thresholds::default(),
    );
    scan(&opts).expect("scan")
}

/// Run openssl with arguments; returns (success, combined output).
pub fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

pub fn pem(der: &[u8]) -> String {
    pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()))
}

/// The kcert binary with a fixed clock and no colour.
pub fn kcert() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kcert"));
    cmd.env("KCERT_NOW", "2026-11-22T12:00:00Z")
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG");
    cmd
}

/// Copy a directory tree (files and symlinks) into `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if entry.file_type().is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(target, &dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}
