//! `kcert fleet` over 500 nodes (target: 2 s): the fake API server with 500 Nodes and 500
//! kcert pods, each pod's proxy leading to a live `kcert serve` (in-process, on a kubeadm
//! control-plane tree) that answers with its report; listing, fetching 16 at a time,
//! parsing and summing up every node.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use kcert::cluster::{Access, Locations};
use kcert::fleet::{self, FleetOptions, NodeState};
use kcert_fakeapi::{BackgroundServer, PodSpec, ServerOptions};

mod common;
use common::{kubeadm, now, runtime, serve_in_process};

const NODES: usize = 500;

fn bench(c: &mut Criterion) {
    let server = BackgroundServer::start(ServerOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("admin.conf");
    server.write_admin_kubeconfig(&kubeconfig).unwrap();

    let rt = runtime();
    let backend = serve_in_process(&rt, kubeadm());

    for i in 0..NODES {
        let node = format!("node-{i:03}");
        let pod = format!("kcert-{i:03}");
        server.add_labeled_node(&node, &[("kubernetes.io/hostname", &node)]);
        server.add_pod(&PodSpec {
            namespace: "kcert",
            name: &pod,
            node: &node,
            labels: &[("app.kubernetes.io/name", "kcert")],
            ip: "10.0.0.1",
            port: 9793,
            phase: "Running",
            ready: true,
        });
        server.proxy_pod("kcert", &pod, backend);
    }
    let access = Access {
        kubeconfig: Some(kubeconfig),
        ..Access::default()
    };
    let loc = Locations::isolated(dir.path().join("none"));
    let conn = rt.block_on(fleet::connect(&access, &loc)).unwrap();
    let fleet_opts = FleetOptions::default();
    // The first pass also waits for the server's first scan (a 503 until then).
    let ready = || {
        let (rows, _) = rt
            .block_on(fleet::fetch_fleet(&conn, &fleet_opts, now()))
            .unwrap();
        rows.iter()
            .filter(|r| matches!(r.state, NodeState::Reported { .. }))
            .count()
    };
    let start = std::time::Instant::now();
    while ready() != NODES {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(200));
    }

    let mut g = c.benchmark_group("fleet");
    g.sample_size(10);
    g.bench_function(
        "500 nodes: list pods and nodes, fetch and sum every report",
        |b| {
            b.iter(|| {
                let (rows, _) = rt
                    .block_on(fleet::fetch_fleet(&conn, &fleet_opts, now()))
                    .unwrap();
                assert_eq!(rows.len(), NODES);
                rows.len()
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
