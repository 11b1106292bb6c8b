//! `kill -9` at every step of a renewal (the real binary, killed by its own failpoint), then
//! `kcert renew --recover`: every tree ends all-old or all-new, every key with its own
//! certificate, no temp file left; `kcert check` names the interrupted change until then.

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;

use kcert::demo::Faults;
use kcert::sign::KeySpec;

use crate::common::{kcert, kcert_cmd, text};
use crate::util::{
    assert_pairs_match, changed_rel, journal_lines, later, renew, snapshot, stray_temps, tree,
};

/// The paths (relative to the tree) a full `renew --all` changes.
fn full_change() -> Vec<PathBuf> {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let before = snapshot(&layout.root);
    let out = renew(&layout, &["--all", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    changed_rel(&layout.root, &before, &snapshot(&layout.root))
}

/// Where to kill: every rename, and the first and last of every other kind of step.
fn points(files: usize) -> Vec<String> {
    let mut p = vec!["begin:1".to_string(), "verified:1".into(), "end:1".into()];
    for (kind, n) in [
        ("backup", files),
        ("temp-written", files - 1),
        ("staged", files),
    ] {
        p.push(format!("{kind}:1"));
        p.push(format!("{kind}:{n}"));
    }
    p.extend((1..=files).map(|n| format!("replaced:{n}")));
    p
}

#[test]
fn a_renewal_killed_at_any_step_recovers_to_all_old_or_all_new() {
    let full = full_change();
    // 19 files and the kubelet's -current.pem symlink.
    assert_eq!(full.len(), 20, "{full:#?}");
    let mut outcomes = Vec::new();
    for point in points(full.len()) {
        let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
        let root = layout.root.to_str().unwrap();
        let before = snapshot(&layout.root);
        let out = kcert_cmd(later())
            .env("KCERT_FAILPOINT", &point)
            .args(["renew", "--root", root, "--all", "--yes"])
            .output()
            .unwrap();
        assert_eq!(out.status.signal(), Some(9), "{point}: {}", text(&out));

        let check = kcert(later(), &["check", root]);
        let interrupted = point != "end:1";
        assert_eq!(
            text(&check).contains("run `kcert renew --recover`"),
            interrupted,
            "{point}: {}",
            text(&check)
        );
        if interrupted {
            let again = renew(&layout, &["apiserver", "--yes"]);
            assert!(
                text(&again).contains("was interrupted and is not finished"),
                "{point}: a new renewal must wait for the recovery: {}",
                text(&again)
            );
        }

        let rec = kcert(later(), &["renew", "--root", root, "--recover", "--yes"]);
        assert!(rec.status.success(), "{point}: {}", text(&rec));
        let diff = changed_rel(&layout.root, &before, &snapshot(&layout.root));
        let outcome = if diff.is_empty() {
            "old"
        } else if diff == full {
            "new"
        } else {
            panic!(
                "{point}: half-changed tree after recovery: {diff:#?}\n{}",
                text(&rec)
            )
        };
        outcomes.push(format!("{point} {outcome}"));
        assert_pairs_match(&layout.root, &point);
        assert_eq!(stray_temps(&layout.root), Vec::<PathBuf>::new(), "{point}");
        let check = kcert(later(), &["check", root]);
        assert!(
            !text(&check).contains("--recover"),
            "{point}: {}",
            text(&check)
        );
        let lines = journal_lines(&layout);
        let begins = lines.iter().filter(|l| l["action"] == "begin").count();
        let ends = lines.iter().filter(|l| l["action"] == "end").count();
        assert_eq!((begins, ends), (1, 1), "{point}: {lines:#?}");
    }
    // A crash before the last rename undoes; after it (and the check) the renewal stands.
    let last = format!("replaced:{} new", full.len());
    for expected in [
        "begin:1 old",
        "replaced:1 old",
        last.as_str(),
        "verified:1 new",
        "end:1 new",
    ] {
        assert!(
            outcomes.iter().any(|o| o == expected),
            "{expected}: {outcomes:#?}"
        );
    }
}
