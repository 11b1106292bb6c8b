//! `kcert check` on the demo tree at a fixed clock, as snapshots: the table the operator reads
//! and the JSON scripts parse. Keys, serials and fingerprints are new with each tree and are
//! masked, as is the temp dir; everything else must stay put.

use kcert::demo::{demo_spec, TreeLayout};

use crate::common::{cli_snapshot_settings, kcert, now, write_tree};

/// The demo tree (`kcert demo`'s) written at [`now`].
fn demo_tree() -> (tempfile::TempDir, TreeLayout) {
    write_tree(&demo_spec(now()))
}

#[test]
fn check_table_of_the_demo_tree() {
    let (_dir, tree) = demo_tree();
    let out = kcert(now(), &["check", tree.root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "expired certificates exit 2");
    let stdout = String::from_utf8(out.stdout).unwrap();
    cli_snapshot_settings(&tree.root).bind(|| insta::assert_snapshot!("check_table", stdout));
}

#[test]
fn check_json_of_the_demo_tree() {
    let (_dir, tree) = demo_tree();
    let out = kcert(now(), &["check", "-o", "json", tree.root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "expired certificates exit 2");
    let stdout = String::from_utf8(out.stdout).unwrap();
    cli_snapshot_settings(&tree.root).bind(|| insta::assert_snapshot!("check_json", stdout));
}
