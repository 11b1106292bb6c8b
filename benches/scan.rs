//! Scanning speed: a generated tree of 10,000 leaf certificates, each with its key file,
//! under 3 CAs (2 RSA-2048, 1 ECDSA P-256), with full verification and key matching; and a
//! kubeadm control-plane tree. The trees are generated once and reused (`common`).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use kcert::pki::{scan, ScanOptions, Thresholds};

mod common;
use common::{bulk_10k, kubeadm, now};

fn opts(root: &Path) -> ScanOptions {
    ScanOptions::new(vec![root.to_path_buf()], now(), Thresholds::default())
}

fn bench(c: &mut Criterion) {
    let bulk = bulk_10k();
    let kubeadm = kubeadm();
    let inv = scan(&opts(&bulk)).unwrap();
    assert!(
        inv.certs.len() >= 10_003 && inv.keys.len() >= 10_003,
        "{} certs",
        inv.certs.len()
    );
    assert!(inv
        .certs
        .iter()
        .filter(|c| !c.is_ca)
        .all(|c| c.chain.is_ok() && c.key_match == Some(true)));

    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    g.bench_function("10k leaves, 3 CAs, verify + key match", |b| {
        b.iter(|| scan(&opts(&bulk)).unwrap())
    });
    g.bench_function("kubeadm control-plane tree", |b| {
        b.iter(|| scan(&opts(&kubeadm)).unwrap())
    });
    // The user's measure: the whole `kcert check --output json` process (start, scan with the
    // binary's allocator, JSON to a pipe, exit).
    g.bench_function("kcert check --output json, 10k leaves (process)", |b| {
        b.iter(|| check_json(&bulk))
    });
    g.bench_function("kcert check --output json, kubeadm tree (process)", |b| {
        b.iter(|| check_json(&kubeadm))
    });
    g.finish();
}

fn check_json(root: &Path) -> usize {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kcert"))
        .args(["check", "--output", "json"])
        .arg(root)
        .env("KCERT_NOW", now().to_rfc3339())
        .output()
        .expect("run kcert");
    assert!(out.status.code().is_some_and(|c| c < 3), "{out:?}");
    out.stdout.len()
}

criterion_group!(benches, bench);
criterion_main!(benches);
