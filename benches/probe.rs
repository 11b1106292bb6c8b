//! Probing all components of a node in parallel: six TLS listeners on loopback (API server,
//! etcd client with mutual TLS, etcd peer, controller-manager, scheduler, kubelet) serving the
//! certificates of a kubeadm demo tree; the same six ports closed; and six ports that accept
//! but never answer, bounded by the 2 s per-endpoint timeout.

#[path = "../tests/runtime/server.rs"]
mod server;

use std::net::SocketAddr;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use kcert::runtime::{probe, Component, Endpoint, ServedState, ServedState::*};
use server::{black_hole, free_port, loopback, TlsServer};

const TIMEOUT: Duration = Duration::from_secs(2);

const LISTENERS: [(Component, &str); 6] = [
    (Component::ApiServer, "secure port"),
    (Component::Etcd, "client"),
    (Component::Etcd, "peer"),
    (Component::ControllerManager, "secure port"),
    (Component::Scheduler, "secure port"),
    (Component::Kubelet, "secure port"),
];

fn endpoints(addrs: &[SocketAddr], files: &[Option<std::path::PathBuf>]) -> Vec<Endpoint> {
    LISTENERS
        .iter()
        .zip(addrs)
        .zip(files)
        .map(|(((component, listener), addr), file)| Endpoint {
            component: *component,
            listener,
            addr: *addr,
            cert_file: file.clone(),
            source: "bench".into(),
        })
        .collect()
}

fn states(rt: &tokio::runtime::Runtime, e: &[Endpoint]) -> Vec<ServedState> {
    rt.block_on(probe(e, TIMEOUT))
        .into_iter()
        .map(|r| r.state)
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let now = "2026-01-10T08:00:00Z".parse().unwrap();
    let layout = kcert::demo::write_kubeadm_tree(dir.path(), &kcert::demo::demo_spec(now))
        .expect("demo tree");
    let pki = |f: &str| layout.pki.join(f);
    let kubelet = |f: &str| layout.kubelet_pki.join(f);
    let pairs = [
        (pki("apiserver.crt"), pki("apiserver.key")),
        (pki("etcd/server.crt"), pki("etcd/server.key")),
        (pki("etcd/peer.crt"), pki("etcd/peer.key")),
        // kube-controller-manager and kube-scheduler serve certificates they made; any pair will do.
        (pki("front-proxy-client.crt"), pki("front-proxy-client.key")),
        (
            pki("apiserver-kubelet-client.crt"),
            pki("apiserver-kubelet-client.key"),
        ),
        (kubelet("kubelet.crt"), kubelet("kubelet.key")),
    ];
    let etcd_ca = std::fs::read(pki("etcd/ca.crt")).unwrap();
    let servers: Vec<TlsServer> = pairs
        .iter()
        .enumerate()
        .map(|(i, (cert, key))| {
            let mtls = (i == 1).then_some(etcd_ca.as_slice());
            let (c, k) = (std::fs::read(cert).unwrap(), std::fs::read(key).unwrap());
            TlsServer::start(loopback(0), &c, &k, mtls).unwrap()
        })
        .collect();
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let files: Vec<_> = pairs
        .iter()
        .enumerate()
        .map(|(i, (cert, _))| (i != 3 && i != 4).then(|| cert.clone()))
        .collect();
    let answering = endpoints(&addrs, &files);

    let closed_addrs: Vec<SocketAddr> = (0..6).map(|_| loopback(free_port())).collect();
    let closed = endpoints(&closed_addrs, &files);

    let holes: Vec<_> = (0..6).map(|_| black_hole()).collect();
    let hole_addrs: Vec<SocketAddr> = holes.iter().map(|h| h.local_addr().unwrap()).collect();
    let silent = endpoints(&hole_addrs, &files);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Measure only what is right.
    assert_eq!(
        states(&rt, &answering),
        [Current, Current, Current, NoFile, NoFile, Current]
    );
    assert!(states(&rt, &closed).iter().all(|s| *s == NotListening));
    assert!(states(&rt, &silent).iter().all(|s| *s == Timeout));

    let mut g = c.benchmark_group("probe node");
    g.bench_function("6 listeners answering", |b| {
        b.iter(|| rt.block_on(probe(&answering, TIMEOUT)))
    });
    g.bench_function("6 ports closed", |b| {
        b.iter(|| rt.block_on(probe(&closed, TIMEOUT)))
    });
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(20));
    g.bench_function("6 ports silent (2 s timeout each, in parallel)", |b| {
        b.iter(|| rt.block_on(probe(&silent, TIMEOUT)))
    });
    g.finish();
    drop(servers);
}

criterion_group!(benches, bench);
criterion_main!(benches);
