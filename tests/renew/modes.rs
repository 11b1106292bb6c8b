//! New private keys are never readable by others, not even for a moment, and what kcert
//! creates does not take the umask: temp files are 0600 from the first byte (looked at while
//! the real binary is paused mid-write), get the old file's mode and owner before the rename,
//! and kcert's directories are 0700 under `umask 000`.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use kcert::demo::Faults;
use kcert::sign::KeySpec;

use crate::common::{kcert, text};
use crate::util::{assert_pairs_match, later, stray_temps, tree};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// `kcert renew ARGS` under `sh -c 'umask 000; exec ...'`, paused at `point`; returns the
/// process once it says it is paused.
fn paused(root: &Path, point: &str, args: &[&str]) -> Child {
    let bin = env!("CARGO_BIN_EXE_kcert");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; exec {bin} renew --root {} {}",
            root.display(),
            args.join(" ")
        ))
        .env("KCERT_NOW", later().to_rfc3339())
        .env("KCERT_FAILPOINT", point)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("paused"), "{point}: {line}");
    child
}

fn temps_of(file: &Path) -> Vec<PathBuf> {
    stray_temps(file.parent().unwrap())
        .into_iter()
        .filter(|t| {
            let name = file.file_name().unwrap().to_string_lossy();
            t.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!(".{name}.kcert-"))
        })
        .collect()
}

fn stop_and_recover(mut child: Child, root: &Path) {
    child.kill().unwrap();
    child.wait().unwrap();
    let root = root.to_str().unwrap();
    let out = kcert(later(), &["renew", "--root", root, "--recover", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_new_key_is_private_from_its_first_byte_and_owned_like_the_old_one() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let key = layout.pki.join("apiserver.key");
    // The old key belongs to another user with a group-readable mode: the new one must too.
    chown(&key, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();

    // Paused with the key's bytes written, before its final mode and owner.
    let child = paused(
        &layout.root,
        "temp-written:1:pause",
        &["apiserver", "--yes"],
    );
    let temps = temps_of(&key);
    assert_eq!(temps.len(), 1, "{temps:?}");
    let bytes = std::fs::read(&temps[0]).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("PRIVATE KEY"));
    assert_eq!(
        mode(&temps[0]),
        0o600,
        "readable by others while holding a key"
    );
    assert_eq!(std::fs::metadata(&temps[0]).unwrap().uid(), 0);
    stop_and_recover(child, &layout.root);
    assert!(temps_of(&key).is_empty());

    // Paused with the temp file complete: it already has the old key's mode and owner.
    let child = paused(&layout.root, "staged:1:pause", &["apiserver", "--yes"]);
    let temps = temps_of(&key);
    assert_eq!(temps.len(), 1, "{temps:?}");
    let m = std::fs::metadata(&temps[0]).unwrap();
    assert_eq!((m.uid(), m.gid(), mode(&temps[0])), (65534, 65534, 0o640));
    stop_and_recover(child, &layout.root);

    let out = kcert(
        later(),
        &[
            "renew",
            "--root",
            layout.root.to_str().unwrap(),
            "apiserver",
            "--yes",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let m = std::fs::metadata(&key).unwrap();
    assert_eq!((m.uid(), m.gid(), mode(&key)), (65534, 65534, 0o640));
    assert_pairs_match(&layout.root, "after renewal");
}

#[test]
fn under_umask_000_kcert_still_creates_private_directories_and_files() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let tmp = layout.etc_kubernetes.join("tmp");
    assert!(!tmp.exists());
    // Temp files of keys and kubeconfigs (client-key-data) while paused, under umask 000.
    let child = paused(&layout.root, "temp-written:2:pause", &["--all", "--yes"]);
    for f in [
        layout.etc_kubernetes.join("admin.conf"),
        layout.etc_kubernetes.join("controller-manager.conf"),
    ] {
        for t in temps_of(&f) {
            assert_eq!(mode(&t), 0o600, "{}", t.display());
        }
    }
    stop_and_recover(child, &layout.root);

    let bin = env!("CARGO_BIN_EXE_kcert");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; exec {bin} renew --root {} --all --yes",
            layout.root.display()
        ))
        .env("KCERT_NOW", later().to_rfc3339())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(mode(&tmp), 0o700, "{}", tmp.display());
    let mut dirs = 0;
    for e in walkdir::WalkDir::new(&tmp) {
        let e = e.unwrap();
        let m = mode(e.path());
        if e.file_type().is_dir() {
            dirs += 1;
            assert_eq!(m, 0o700, "{}", e.path().display());
        } else if e.path().parent() == Some(tmp.as_path()) {
            // The journal and the lock.
            assert_eq!(m, 0o600, "{}", e.path().display());
        } else if e.file_type().is_file() {
            // Backup copies keep the original's mode: never wider than it.
            assert!(m & 0o022 == 0, "{} is {m:o}", e.path().display());
        }
    }
    assert!(dirs >= 6, "backup mirror directories: {dirs}");
    assert_pairs_match(&layout.root, "after renewal under umask 000");
}
