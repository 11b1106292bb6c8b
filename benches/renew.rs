//! Renewal speed: `renew --all` applied to a kubeadm control-plane tree (ECDSA P-256 keys,
//! 12 certificates, 20 files), through the library as `kcert renew` does it: backups, the
//! writes, the re-scan that proves them and the journal. Each sample gets a fresh tree;
//! writing it, scanning it and signing the plan are outside the measurement.
//!
//! The same file builds against kcert before the write-ahead journal (the API is the same),
//! so `cargo bench --bench renew` on both says what the journal, the lock and the staged
//! renames cost.

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kcert::demo::{write_kubeadm_tree, Faults, TreeSpec};
use kcert::fsx::RealDisk;
use kcert::pki::{scan, ScanOptions, Thresholds};
use kcert::renew::{apply, plan, Plan, RenewOptions, Selection};
use kcert::sign::KeySpec;

fn made() -> DateTime<Utc> {
    "2026-01-10T08:00:00Z".parse().unwrap()
}

fn later() -> DateTime<Utc> {
    "2026-11-06T08:00:00Z".parse().unwrap()
}

/// A fresh tree (on disk beside the build, not in a RAM-backed /tmp) and its plan.
fn fresh() -> (tempfile::TempDir, Plan) {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-renew");
    std::fs::create_dir_all(&base).unwrap();
    let dir = tempfile::tempdir_in(&base).unwrap();
    let spec = TreeSpec {
        now: made(),
        key: KeySpec::EcdsaP256,
        node_name: "cp-1".into(),
        advertise_ip: "192.168.10.11".parse().unwrap(),
        intermediate: false,
        faults: Faults::default(),
    };
    let layout = write_kubeadm_tree(dir.path(), &spec).unwrap();
    let inv = scan(&ScanOptions::new(
        vec![layout.root.clone()],
        later(),
        Thresholds::default(),
    ))
    .unwrap();
    let p = plan(&inv, &Selection::All, &RenewOptions::new(later())).unwrap();
    assert_eq!(p.items.len(), 12);
    (dir, p)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("renew");
    g.sample_size(30);
    g.bench_function("apply renew --all, kubeadm tree (12 certificates)", |b| {
        b.iter_batched(
            fresh,
            |(dir, p)| {
                apply(&p, &mut RealDisk).unwrap();
                dir
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
