//! A symlink planted where kcert writes never redirects a write: not at a temp name, not at
//! the journal or the lock, not as or inside the backup directory.

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use kcert::demo::Faults;
use kcert::sign::KeySpec;

use crate::common::text;
use crate::util::{assert_pairs_match, assert_unchanged, renew, snapshot, tree};

/// A file outside the tree that a redirected write would overwrite.
fn victim(dir: &Path, name: &str) -> PathBuf {
    let v = dir.join(name);
    std::fs::write(&v, "precious").unwrap();
    v
}

fn untouched(v: &Path) {
    assert_eq!(
        std::fs::read_to_string(v).unwrap(),
        "precious",
        "{}",
        v.display()
    );
}

#[test]
fn symlinks_at_the_temp_names_do_not_redirect_the_new_keys() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let outside = tempfile::tempdir().unwrap();
    let v = victim(outside.path(), "victim");
    // kcert used to write `.NAME.kcert-<pid>.tmp`: plant it for every pid the next process
    // may get, beside a key and a kubeconfig.
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .map(|s| s.trim().parse().unwrap())
        .unwrap_or(1);
    for file in [
        layout.pki.join("apiserver.key"),
        layout.etc_kubernetes.join("admin.conf"),
    ] {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for pid in last + 1..last + 400 {
            symlink(&v, file.with_file_name(format!(".{name}.kcert-{pid}.tmp"))).unwrap();
        }
    }
    let out = renew(&layout, &["apiserver", "admin.conf", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    untouched(&v);
    for file in [
        layout.pki.join("apiserver.key"),
        layout.etc_kubernetes.join("admin.conf"),
    ] {
        let m = std::fs::symlink_metadata(&file).unwrap();
        assert!(
            m.is_file(),
            "{} is no longer a regular file",
            file.display()
        );
        assert_eq!(m.permissions().mode() & 0o777, 0o600, "{}", file.display());
    }
    assert_pairs_match(&layout.root, "renewed past planted links");
}

#[test]
fn a_symlink_at_the_journal_or_the_lock_is_refused() {
    for name in ["kcert-journal.jsonl", "kcert.lock"] {
        let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
        let outside = tempfile::tempdir().unwrap();
        let v = victim(outside.path(), "victim");
        let tmp = layout.etc_kubernetes.join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        symlink(&v, tmp.join(name)).unwrap();
        let before = snapshot(&layout.root);
        let out = renew(&layout, &["apiserver", "--yes"]);
        let msg = text(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {msg}");
        assert!(
            msg.contains("nothing was changed") || msg.contains("remove it"),
            "{name}: {msg}"
        );
        untouched(&v);
        assert_unchanged(&before, &layout.root);
    }
}

#[test]
fn a_symlinked_or_used_backup_directory_is_refused() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("elsewhere");
    std::fs::create_dir(&target).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755)).unwrap();
    let link = outside.path().join("bk-link");
    symlink(&target, &link).unwrap();
    let full = outside.path().join("bk-full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("other"), "x").unwrap();
    let before = snapshot(&layout.root);
    for (dir, why) in [(&link, "is a symlink"), (&full, "not empty")] {
        let out = renew(
            &layout,
            &["apiserver", "--yes", "--backup-dir", dir.to_str().unwrap()],
        );
        let msg = text(&out);
        assert_eq!(out.status.code(), Some(1), "{msg}");
        assert!(
            msg.contains(why) && msg.contains("nothing was changed"),
            "{msg}"
        );
    }
    assert_unchanged(&before, &layout.root);
    // The symlink's target was neither written into nor chmod-ed.
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
    assert_eq!(
        std::fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o755
    );
    // A symlinked tmp directory is refused the same way.
    let tmp = layout.etc_kubernetes.join("tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    symlink(&target, &tmp).unwrap();
    let out = renew(&layout, &["apiserver", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is a symlink"), "{}", text(&out));
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 0);
}
