//! TUI speed on a large inventory: 10,000 real certificates (the bulk demo tree), scanned once.
//!
//! - `frame_10k`: one full frame, tree expanded, details shown (budget 5 ms).
//! - `first_frame`: a new app drawing its scanning screen, what the user sees at start.
//! - `scan_result_10k`: applying a finished scan (forest, rows, counts).
//! - `filter_keystroke_10k`: one character typed into the filter, rows rebuilt.
//!
//! The CSR tab with 5,000 CSRs (real PKCS#10 requests, decoded and judged once):
//!
//! - `csr_frame_5k`: one full frame of the CSR tab, list and details (budget 5 ms).
//! - `csr_page_down_5k`: PgDn in the list and the frame after it (scrolling a page).
//! - `csr_snapshot_5k`: applying a complete list from the watch (sort, widths, counts).
//! - `csr_upsert_5k`: applying one changed CSR (an approval arriving from the watch).

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kcert::cluster::rules::{APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING};
use kcert::cluster::watch::build_views;
use kcert::cluster::{ClusterEvent, CsrView, NodeIndex};
use kcert::pki::{scan, Inventory, ScanOptions, Thresholds};
use kcert::tui::action::Msg;
use kcert::tui::{App, TuiOptions};
use kcert_fakeapi::make_request;
use kcert_fakeapi::seed::{csr_object, CsrSpec};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const W: u16 = 120;
const H: u16 = 40;

fn now() -> DateTime<Utc> {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn options(root: &std::path::Path) -> TuiOptions {
    TuiOptions {
        scan: ScanOptions::new(vec![root.to_path_buf()], now(), Thresholds::default()),
        color: true,
        now: Some(now()),
        cluster: None,
        node: None,
        probe: false,
    }
}

fn bulk_inventory(dir: &std::path::Path) -> Inventory {
    kcert::demo::write_bulk_tree(dir, 10_000, now()).expect("bulk tree");
    let inv = scan(&options(dir).scan).expect("scan");
    assert!(
        inv.certs.len() >= 10_000,
        "only {} certificates",
        inv.certs.len()
    );
    inv
}

fn loaded(dir: &std::path::Path, inv: &Inventory) -> App {
    let mut app = App::new("bench", &options(dir), now());
    app.update(Msg::Resize(W, H));
    app.request_scan();
    app.update(Msg::ScanDone(Ok(Box::new(inv.clone().into()))));
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let inv = bulk_inventory(dir.path());
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();

    let mut app = loaded(dir.path(), &inv);
    // Somewhere in the middle, on a leaf, so details and deep rows are drawn.
    for _ in 0..5_000 {
        key(&mut app, KeyCode::Down);
    }
    c.bench_function("frame_10k", |b| {
        b.iter(|| {
            term.draw(|f| f.render_widget(&app, f.area())).unwrap();
        })
    });

    c.bench_function("first_frame", |b| {
        b.iter(|| {
            let mut app = App::new("bench", &options(dir.path()), now());
            app.update(Msg::Resize(W, H));
            app.request_scan();
            term.draw(|f| f.render_widget(&app, f.area())).unwrap();
        })
    });

    c.bench_function("scan_result_10k", |b| {
        let mut app = App::new("bench", &options(dir.path()), now());
        app.update(Msg::Resize(W, H));
        b.iter_batched(
            || Box::new(inv.clone().into()),
            |inv| {
                app.request_scan();
                app.update(Msg::ScanDone(Ok(inv)));
            },
            BatchSize::LargeInput,
        )
    });

    let mut app = loaded(dir.path(), &inv);
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Char('l'));
    c.bench_function("filter_keystroke_10k", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Char('3'));
            key(&mut app, KeyCode::Backspace);
        })
    });
}

const CSRS: usize = 5_000;

/// 5,000 CSRs over the three built-in signers, a third of them settled, some dangerous,
/// decoded and judged as the watch hands them to the UI.
fn csr_views() -> Vec<CsrView> {
    let typed: Vec<CertificateSigningRequest> = (0..CSRS)
        .map(|i| {
            let node = format!("node-{:04}", i % 500);
            let ip = format!("10.1.{}.{}", (i % 500) / 250, (i % 250) + 1);
            let (signer, cn, orgs, dns, ips, requestor, usages): (_, _, _, Vec<&str>, _, _, _) =
                match i % 3 {
                    0 => (
                        KUBELET_SERVING,
                        format!("system:node:{node}"),
                        vec!["system:nodes"],
                        vec![node.as_str()],
                        vec![ip.parse().unwrap()],
                        format!("system:node:{node}"),
                        &["digital signature", "server auth"][..],
                    ),
                    1 => (
                        KUBELET_CLIENT,
                        format!("system:node:{node}"),
                        vec!["system:nodes"],
                        vec![],
                        vec![],
                        "system:bootstrap:abcdef".to_string(),
                        &["digital signature", "client auth"][..],
                    ),
                    _ if i % 50 == 2 => (
                        APISERVER_CLIENT,
                        format!("user-{i}"),
                        vec!["system:masters"],
                        vec![],
                        vec![],
                        format!("user-{i}"),
                        &["digital signature", "client auth"][..],
                    ),
                    _ => (
                        APISERVER_CLIENT,
                        format!("user-{i}"),
                        vec!["dev"],
                        vec![],
                        vec![],
                        "kubernetes-admin".to_string(),
                        &["digital signature", "client auth"][..],
                    ),
                };
            let pem = make_request(&cn, &orgs, &dns, &ips).unwrap();
            let mut o = csr_object(&CsrSpec {
                name: &format!("csr-{i:05}"),
                signer,
                requestor: &requestor,
                groups: &["system:authenticated"],
                usages,
                expiration_seconds: None,
                request_pem: &pem,
                age: chrono::Duration::minutes((i % 1440) as i64),
            });
            o["metadata"]["uid"] = format!("uid-{i}").into();
            if i % 3 == 1 {
                o["status"]["conditions"] = serde_json::json!([{
                    "type": "Approved", "status": "True", "reason": "AutoApproved",
                    "message": "Auto approving kubelet client certificate after SubjectAccessReview."
                }]);
            }
            serde_json::from_value(o).unwrap()
        })
        .collect();
    let nodes = NodeIndex::from_addresses((0..500).map(|i| {
        let name = format!("node-{i:04}");
        let ip = format!("10.1.{}.{}", i / 250, (i % 250) + 1);
        (name.clone(), vec![name, ip])
    }));
    build_views(&typed, &nodes, &Default::default())
}

fn csr_app(dir: &std::path::Path, views: &[CsrView]) -> App {
    let mut app = App::new("bench", &options(dir), now());
    app.update(Msg::Resize(W, H));
    app.update(Msg::Cluster(ClusterEvent::Snapshot(views.to_vec())));
    key(&mut app, KeyCode::Char('2'));
    app
}

fn csr_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let views = csr_views();
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();

    let mut app = csr_app(dir.path(), &views);
    assert_eq!(app.csr.set.views().len(), CSRS);
    // In the middle of the list.
    for _ in 0..2_500 {
        key(&mut app, KeyCode::Down);
    }
    c.bench_function("csr_frame_5k", |b| {
        b.iter(|| {
            term.draw(|f| f.render_widget(&app, f.area())).unwrap();
        })
    });

    let mut app = csr_app(dir.path(), &views);
    c.bench_function("csr_page_down_5k", |b| {
        b.iter(|| {
            if app.csr.list.index + 1 >= CSRS {
                key(&mut app, KeyCode::Home);
            }
            key(&mut app, KeyCode::PageDown);
            term.draw(|f| f.render_widget(&app, f.area())).unwrap();
        })
    });

    c.bench_function("csr_snapshot_5k", |b| {
        let mut app = csr_app(dir.path(), &views);
        b.iter_batched(
            || ClusterEvent::Snapshot(views.clone()),
            |ev| app.update(Msg::Cluster(ev)),
            BatchSize::LargeInput,
        )
    });

    let mut app = csr_app(dir.path(), &views);
    let mut changed = views[CSRS / 2].clone();
    changed.condition = "Approved,Issued".into();
    c.bench_function("csr_upsert_5k", |b| {
        b.iter_batched(
            || ClusterEvent::Upsert(Box::new(changed.clone())),
            |ev| app.update(Msg::Cluster(ev)),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(render, benches, csr_benches);
criterion_main!(render);
