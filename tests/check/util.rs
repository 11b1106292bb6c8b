//! Shared helpers: fixture location, a fixed clock, scanning, running openssl and the binary.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Utc};
use kcert::pki::{scan, Inventory, ScanOptions, Thresholds};

pub use crate::common::copy_tree;

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
