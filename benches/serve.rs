//! `kcert serve` with 10,000 certificates: what a scrape of `/metrics` costs once the scan
//! is done (the target: 50 ms), measured in-process and over a real HTTP connection to the
//! running server; and what building the metrics costs the scan.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use kcert::pki::{scan, ScanOptions, Thresholds};
use kcert::report::metrics::{Exposition, MetricsInput, SourceHealth};

mod common;
use common::{bulk_10k, now, runtime, serve_in_process};

/// `GET path`, the response's length. Read in 64 KiB chunks and dropped, as a scraper
/// streams it, so that the client's own buffer growth (tens of MB) is not what is measured.
fn get(addr: SocketAddr, path: &str) -> usize {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut chunk = vec![0u8; 1 << 16];
    let mut total = 0;
    loop {
        let n = s.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        if total == 0 {
            assert!(
                chunk.starts_with(b"HTTP/1.1 200"),
                "{}",
                String::from_utf8_lossy(&chunk[..n.min(200)])
            );
        }
        total += n;
    }
    total
}

fn bench(c: &mut Criterion) {
    let root = bulk_10k();
    let inv = scan(&ScanOptions::new(
        vec![root.clone()],
        now(),
        Thresholds::default(),
    ))
    .unwrap();
    let mut sources = SourceHealth::new(&inv.roots, true);
    sources.observe(Some(&inv));
    let input = MetricsInput {
        inv: &inv,
        probes: None,
        sources: &sources,
        scan_duration: Duration::from_secs(1),
        scanned_at: now(),
    };
    let metrics = Exposition::build(&input);
    assert!(metrics.certificates() >= 10_000);

    // The server itself, on the same tree.
    let rt = runtime();
    let addr = serve_in_process(&rt, root);
    let start = Instant::now();
    while kcert_healthz(addr) != 200 {
        assert!(start.elapsed() < Duration::from_secs(300), "the first scan");
        std::thread::sleep(Duration::from_millis(100));
    }

    let mut g = c.benchmark_group("serve");
    g.sample_size(20);
    g.bench_function(
        "/metrics from the last scan, 10k certificates (render)",
        |b| {
            b.iter(|| {
                let (fixed, rest) = metrics.render_parts(now());
                fixed.len() + rest.len()
            })
        },
    );
    g.bench_function("GET /metrics over HTTP, 10k certificates", |b| {
        b.iter(|| get(addr, "/metrics"))
    });
    g.bench_function("GET /report over HTTP, 10k certificates", |b| {
        b.iter(|| get(addr, "/report"))
    });
    g.sample_size(10);
    g.bench_function("building the metrics at scan time, 10k certificates", |b| {
        b.iter(|| Exposition::build(&input).certificates())
    });
    g.finish();
}

fn kcert_healthz(addr: SocketAddr) -> u16 {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    raw.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

criterion_group!(benches, bench);
criterion_main!(benches);
