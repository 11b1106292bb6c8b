//! `kcert restore`: a renewal undone from its backup, byte for byte, with the same safety.

use std::os::unix::process::ExitStatusExt;

use kcert::demo::Faults;
use kcert::sign::KeySpec;

use crate::common::{kcert, kcert_cmd, text};
use crate::util::{
    assert_pairs_match, assert_unchanged, changed, journal_lines, later, renew, snapshot,
    stray_temps, tree,
};

fn restore(root: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["restore", "--root", root];
    all.extend(args);
    kcert(later(), &all)
}

#[test]
fn restore_puts_back_the_last_renewal_exactly() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let root = layout.root.to_str().unwrap();
    let before = snapshot(&layout.root);
    let out = renew(&layout, &["--all", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let renewed = snapshot(&layout.root);
    let entry = journal_lines(&layout)[0]["entry"]
        .as_str()
        .unwrap()
        .to_string();

    // A dry run names the renewal and lists the files; nothing changes.
    let dry = restore(root, &["--dry-run"]);
    let msg = text(&dry);
    assert!(dry.status.success(), "{msg}");
    assert!(
        msg.contains(&entry)
            && msg.contains("put back")
            && msg.contains("apiserver.key")
            && msg.contains("remove")
            && msg.contains("kubelet-client-2026-11-06-08-00-00.pem")
            && msg.contains("Dry run"),
        "{msg}"
    );
    assert_unchanged(&renewed, &layout.root);
    // Without --yes and without a terminal, it asks for nothing and does nothing.
    let no = restore(root, &[]);
    assert_eq!(no.status.code(), Some(3), "{}", text(&no));
    assert_unchanged(&renewed, &layout.root);

    let done = restore(root, &["--yes"]);
    assert!(done.status.success(), "{}", text(&done));
    assert!(
        text(&done).contains("Restored 20 file(s)"),
        "{}",
        text(&done)
    );
    assert_unchanged(&before, &layout.root);
    assert_pairs_match(&layout.root, "restored");

    let lines = journal_lines(&layout);
    let restored = lines
        .iter()
        .find(|l| l["action"] == "restore")
        .expect("a restore line");
    assert_eq!(restored["of"], entry.as_str());
    // The last renewal is restored already: nothing else to undo.
    let again = restore(root, &["--yes"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again).contains("no renewal to restore"),
        "{}",
        text(&again)
    );
}

#[test]
fn restore_refuses_a_renewal_that_a_later_one_replaced() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let root = layout.root.to_str().unwrap();
    assert!(renew(&layout, &["apiserver", "--yes"]).status.success());
    let first = journal_lines(&layout)[0]["entry"]
        .as_str()
        .unwrap()
        .to_string();
    let first_backup = journal_lines(&layout)[0]["backup_dir"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(renew(&layout, &["apiserver", "--yes"]).status.success());
    let now = snapshot(&layout.root);
    for which in [first.as_str(), first_backup.as_str()] {
        let out = restore(root, &[which, "--yes"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("is no longer what journal entry")
                && text(&out).contains("restore that one first"),
            "{}",
            text(&out)
        );
        assert_unchanged(&now, &layout.root);
    }
    // The later one first, then the earlier one: back to the start.
    assert!(restore(root, &["--yes"]).status.success());
    let out = restore(root, &[first.as_str(), "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_pairs_match(&layout.root, "both restored");
}

#[test]
fn a_bare_backup_directory_is_restored_to_the_paths_it_mirrors() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let root = layout.root.to_str().unwrap();
    let before = snapshot(&layout.root);
    assert!(
        renew(&layout, &["apiserver", "front-proxy-client", "--yes"])
            .status
            .success()
    );
    let backup = journal_lines(&layout)[0]["backup_dir"]
        .as_str()
        .unwrap()
        .to_string();
    // As an older kcert left it: a backup directory and no journal entry.
    std::fs::remove_file(layout.etc_kubernetes.join("tmp/kcert-journal.jsonl")).unwrap();
    let out = restore(root, &[backup.as_str(), "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("Restore every file in"),
        "{}",
        text(&out)
    );
    assert_unchanged(&before, &layout.root);
}

#[test]
fn a_restore_killed_half_way_recovers_like_a_renewal() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let root = layout.root.to_str().unwrap();
    let original = snapshot(&layout.root);
    assert!(renew(&layout, &["--all", "--yes"]).status.success());
    let renewed = snapshot(&layout.root);
    let out = kcert_cmd(later())
        .env("KCERT_FAILPOINT", "replaced:5")
        .args(["restore", "--root", root, "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(9), "{}", text(&out));
    let rec = kcert(later(), &["renew", "--root", root, "--recover", "--yes"]);
    assert!(rec.status.success(), "{}", text(&rec));
    assert!(
        text(&rec).contains("Rolled back the interrupted restore"),
        "{}",
        text(&rec)
    );
    assert_eq!(
        changed(&renewed, &snapshot(&layout.root)),
        Vec::<std::path::PathBuf>::new()
    );
    assert!(stray_temps(&layout.root).is_empty());
    // And the restore can then be done whole.
    assert!(restore(root, &["--yes"]).status.success());
    assert_unchanged(&original, &layout.root);
}
