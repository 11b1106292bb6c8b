//! TUI speed on a large inventory: 10,000 real certificates (the bulk demo tree), scanned once.
//!
//! - `frame_10k`: one full frame, tree expanded, details shown (budget 5 ms).
//! - `first_frame`: a new app drawing its scanning screen, what the user sees at start.
//! - `scan_result_10k`: applying a finished scan (forest, rows, counts).
//! - `filter_keystroke_10k`: one character typed into the filter, rows rebuilt.

use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kcert::pki::{scan, Inventory, ScanOptions, Thresholds};
use kcert::tui::action::Msg;
use kcert::tui::{App, TuiOptions};
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
    app.update(Msg::ScanDone(Ok(Box::new(inv.clone()))));
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
            || Box::new(inv.clone()),
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

criterion_group!(render, benches);
criterion_main!(render);
