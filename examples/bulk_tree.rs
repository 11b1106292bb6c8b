//! Writes the scan benchmark's tree outside the benchmarks, for timing the real binary and
//! the Python peer (`benches/peer/`) on the same files:
//!
//!     cargo run --release --example bulk_tree -- DIR [LEAVES]
//!
//! LEAVES (default 10,000) ECDSA P-256 leaves, each with its key file, under 3 CAs, as
//! `kcert::demo::write_bulk_tree` lays them out; expiry is relative to 2026-11-22T12:00:00Z
//! (the benchmarks' clock; give `KCERT_NOW` the same value when checking).

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: bulk_tree DIR [LEAVES]");
        std::process::exit(2);
    };
    let leaves = match args.next().map(|n| n.to_string_lossy().parse::<usize>()) {
        None => 10_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("bulk_tree: LEAVES must be a number: {e}");
            std::process::exit(2);
        }
    };
    let now = "2026-11-22T12:00:00Z".parse().expect("fixed clock");
    let dir = std::path::PathBuf::from(dir);
    match kcert::demo::write_bulk_tree(&dir, leaves, now) {
        Ok(layout) => println!("{} leaves under {}", layout.leaves, dir.display()),
        Err(e) => {
            eprintln!("bulk_tree: {e}");
            std::process::exit(1);
        }
    }
}
