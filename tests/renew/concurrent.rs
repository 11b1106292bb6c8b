//! One writer at a time: two renewals started together never undo each other, and each
//! says truthfully what it did.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use kcert::demo::Faults;
use kcert::fsx::RealDisk;
use kcert::renew::{apply, plan, ApplyError, RenewOptions, Selection};
use kcert::sign::KeySpec;

use crate::common::{kcert_cmd, scan_at, text};
use crate::util::{
    assert_pairs_match, assert_unchanged, journal_lines, later, renew, snapshot, tree,
};

#[test]
fn two_renewals_started_together_one_wins_the_other_changes_nothing() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let inv = scan_at(&layout.root, later());
    let barrier = Arc::new(Barrier::new(2));
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (inv, barrier) = (inv.clone(), barrier.clone());
            std::thread::spawn(move || {
                let p = plan(&inv, &Selection::All, &RenewOptions::new(later())).unwrap();
                barrier.wait();
                let result = apply(&p, &mut RealDisk);
                (p, result)
            })
        })
        .collect();
    let results: Vec<_> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    let won: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).collect();
    assert_eq!(won.len(), 1, "exactly one renewal may succeed");
    let (_, lost) = results.iter().find(|(_, r)| r.is_err()).unwrap();
    let err = lost.as_ref().unwrap_err();
    assert!(err.changed_nothing(), "{err}");
    // It waited for the lock, then found the files changed since its plan.
    assert!(
        matches!(err, ApplyError::Changed(_) | ApplyError::Locked(_)),
        "{err}"
    );

    // The tree is the winner's, whole.
    let (win_plan, _) = won[0];
    let inv = scan_at(&layout.root, later());
    for item in &win_plan.items {
        assert!(
            inv.certs.iter().any(|c| c.sha256 == item.new_sha256),
            "{} is not the winner's",
            item.label
        );
    }
    assert_pairs_match(&layout.root, "after two renewals");
    let lines = journal_lines(&layout);
    let begins = lines.iter().filter(|l| l["action"] == "begin").count();
    let done = lines
        .iter()
        .filter(|l| l["action"] == "end" && l["outcome"] == "done")
        .count();
    assert_eq!((begins, done), (1, 1), "{lines:#?}");
}

#[test]
fn a_second_process_waits_then_names_the_one_holding_the_lock() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let root = layout.root.to_str().unwrap();
    // The first renewal stops half-way, holding the lock.
    let mut first = kcert_cmd(later())
        .env("KCERT_FAILPOINT", "replaced:3:pause")
        .args(["renew", "--root", root, "--all", "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(first.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("paused"), "{line}");
    let mid = snapshot(&layout.root);

    let started = Instant::now();
    let second = renew(&layout, &["--all", "--yes"]);
    let waited = started.elapsed();
    let msg = text(&second);
    assert_eq!(second.status.code(), Some(1), "{msg}");
    assert!(
        waited >= Duration::from_secs(3),
        "it gave up after {waited:?}"
    );
    assert!(
        msg.contains("another kcert is changing these files")
            && msg.contains(&format!("pid {}", first.id()))
            && msg.contains("renew --root")
            && msg.contains("nothing was changed"),
        "{msg}"
    );
    assert!(!msg.contains("Renewed"), "{msg}");
    assert_unchanged(&mid, &layout.root);

    first.kill().unwrap();
    first.wait().unwrap();
    let rec = kcert_cmd(later())
        .args(["renew", "--root", root, "--recover", "--yes"])
        .output()
        .unwrap();
    assert!(rec.status.success(), "{}", text(&rec));
    assert!(text(&rec).contains("Rolled back"), "{}", text(&rec));
    assert_pairs_match(&layout.root, "after recovery");
}
