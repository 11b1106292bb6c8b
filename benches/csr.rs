//! The CSR tab's speed budget with 5,000 CSRs: listed over HTTPS and turned into judged
//! rows within 1 s; a relist (decodings reused) and a window of rows stay instant; a watch
//! event reaches the channel within 1 s.

use std::time::{Duration, Instant};

use chrono::{Duration as Age, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kcert::cluster::bounded::list_csrs;
use kcert::cluster::output::Row;
use kcert::cluster::rules::{APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING};
use kcert::cluster::view::DecodedShared;
use kcert::cluster::watch::{build_views, PAGE_SIZE};
use kcert::cluster::{connect, spawn_watch, Access, ClusterEvent, Locations, NodeIndex};
use kcert_fakeapi::seed::{csr_object, CsrSpec};
use kcert_fakeapi::{make_request, ServerOptions, TestServer};
use serde_json::Value;

const COUNT: usize = 5_000;

/// 5,000 distinct requests (each its own key and signature) over the three signers.
fn objects() -> Vec<Value> {
    (0..COUNT)
        .map(|i| {
            let node = format!("node-{:04}", i % 500);
            let ip = format!("10.1.{}.{}", (i % 500) / 250, (i % 250) + 1);
            let (signer, cn, orgs, dns, requestor, usages): (
                _,
                String,
                Vec<&str>,
                Vec<&str>,
                String,
                &[&str],
            ) = match i % 3 {
                0 => (
                    KUBELET_SERVING,
                    format!("system:node:{node}"),
                    vec!["system:nodes"],
                    vec![node.as_str()],
                    format!("system:node:{node}"),
                    &["digital signature", "server auth"],
                ),
                1 => (
                    KUBELET_CLIENT,
                    format!("system:node:{node}"),
                    vec!["system:nodes"],
                    vec![],
                    "system:bootstrap:abcdef".to_string(),
                    &["digital signature", "client auth"],
                ),
                _ => (
                    APISERVER_CLIENT,
                    format!("user-{i}"),
                    vec!["dev"],
                    vec![],
                    "kubernetes-admin".to_string(),
                    &["digital signature", "client auth"],
                ),
            };
            let ips = if signer == KUBELET_SERVING {
                vec![ip.parse().unwrap()]
            } else {
                vec![]
            };
            let pem = make_request(&cn, &orgs, &dns, &ips).unwrap();
            csr_object(&CsrSpec {
                name: &format!("csr-{i:05}"),
                signer,
                requestor: &requestor,
                groups: &["system:authenticated"],
                usages,
                expiration_seconds: None,
                request_pem: &pem,
                age: Age::minutes((i % 1440) as i64),
            })
        })
        .collect()
}

fn nodes() -> NodeIndex {
    NodeIndex::from_addresses((0..500).map(|i| {
        let name = format!("node-{i:04}");
        let ip = format!("10.1.{}.{}", i / 250, (i % 250) + 1);
        (name.clone(), vec![name, ip])
    }))
}

fn rows(views: &[kcert::cluster::CsrView]) -> Vec<Row> {
    let now = Utc::now();
    views.iter().map(|v| Row::new(v, now)).collect()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let objects = objects();
    // As listed from a server: every object has a uid (the decoding cache's key).
    let typed: Vec<CertificateSigningRequest> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut o = o.clone();
            o["metadata"]["uid"] = format!("uid-{i}").into();
            serde_json::from_value(o).unwrap()
        })
        .collect();
    let nodes = nodes();

    let mut g = c.benchmark_group("csr_5000");
    g.sample_size(10).measurement_time(Duration::from_secs(10));

    g.bench_function("decode_judge_and_rows", |b| {
        b.iter(|| rows(&build_views(&typed, &nodes, &Default::default())))
    });

    let first = build_views(&typed, &nodes, &Default::default());
    let cache: std::collections::HashMap<String, DecodedShared> = first
        .iter()
        .map(|v| (v.uid.clone(), v.request.clone()))
        .collect();
    g.bench_function("relist_with_cached_decodings", |b| {
        b.iter(|| rows(&build_views(&typed, &nodes, &cache)))
    });

    // One screen of rows, what a scroll step rebuilds.
    g.bench_function("window_of_60_rows", |b| {
        let mut offset = 0;
        b.iter(|| {
            offset = (offset + 1) % (COUNT - 60);
            rows(&first[offset..offset + 60])
        })
    });

    // End to end: HTTPS list in pages of 500, JSON decoding, then decode, judge and rows.
    let (server, dir) = rt.block_on(async {
        let server = TestServer::start(ServerOptions::default()).await.unwrap();
        for o in &objects {
            server.add_csr(o.clone()).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        server
            .write_admin_kubeconfig(&dir.path().join("admin.conf"))
            .unwrap();
        (server, dir)
    });
    let access = Access {
        kubeconfig: Some(dir.path().join("admin.conf")),
        ..Access::default()
    };
    let loc = Locations::isolated(dir.path().join("etc"));
    let conn = rt.block_on(connect(&access, &loc)).unwrap();
    g.bench_function("list_over_https_and_rows", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (items, _) = list_csrs(&conn.csrs(), PAGE_SIZE, conn.timeout)
                    .await
                    .unwrap();
                rows(&build_views(&items, &nodes, &Default::default()))
            })
        })
    });

    // Watch latency: from the server storing a CSR to the Upsert on the UI's channel.
    let (tx, mut rx) = tokio::sync::mpsc::channel(COUNT + 64);
    let _watch = rt.block_on(async { spawn_watch(access.clone(), loc.clone(), tx) });
    rt.block_on(async {
        while let Some(ev) = rx.recv().await {
            if matches!(ev, ClusterEvent::Snapshot(_)) {
                break;
            }
        }
    });
    let sample = objects[0].clone();
    let mut n = 0;
    g.bench_function("watch_event_to_channel", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let mut o = sample.clone();
                let name = format!("late-{n}");
                o["metadata"]["name"] = name.clone().into();
                let start = Instant::now();
                server.add_csr(o).unwrap();
                rt.block_on(async {
                    while let Some(ev) = rx.recv().await {
                        if matches!(&ev, ClusterEvent::Upsert(v) if v.name == name) {
                            break;
                        }
                    }
                });
                total += start.elapsed();
            }
            total
        })
    });
    g.finish();
    drop(server);
}

criterion_group!(benches, bench);
criterion_main!(benches);
