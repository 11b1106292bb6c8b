//! What several benchmarks share: the fixed clock and the generated trees, written once into
//! `target/bench-trees/` (10,000 RSA signatures take a while) and reused by later runs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub fn now() -> DateTime<Utc> {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

/// Generate (or reuse) a tree; a `.done` marker says it was written completely.
pub fn cached(name: &str, write: impl FnOnce(&Path)) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-trees")
        .join(name);
    if !dir.join(".done").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        write(&dir);
        std::fs::write(dir.join(".done"), "").unwrap();
    }
    dir
}

/// 10,000 leaves with their keys under 3 CAs.
pub fn bulk_10k() -> PathBuf {
    cached("bulk-10000", |d| {
        kcert::demo::write_bulk_tree(d, 10_000, now()).unwrap();
    })
}

/// A kubeadm control-plane node.
pub fn kubeadm() -> PathBuf {
    cached("kubeadm-demo", |d| {
        kcert::demo::write_kubeadm_tree(d, &kcert::demo::demo_spec(now())).unwrap();
    })
}

/// `kcert serve` on `root`, in-process on `rt` (clock fixed at [`now`], one scan an hour);
/// where it listens.
pub fn serve_in_process(rt: &tokio::runtime::Runtime, root: PathBuf) -> std::net::SocketAddr {
    use kcert::serve::{self, ServeOptions};
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let opts = ServeOptions {
        roots: vec![root],
        explicit: true,
        thresholds: kcert::pki::Thresholds::default(),
        policy: Default::default(),
        node: None,
        probe: None,
        interval: std::time::Duration::from_secs(3600),
        now: Some(now()),
        exit_code: |_| 0,
    };
    let rescan = std::sync::Arc::new(tokio::sync::Notify::new());
    rt.spawn(serve::run(opts, listener, rescan, |_| {}));
    addr
}

/// The process's tokio runtime, as the binary builds it.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
