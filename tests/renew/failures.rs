//! When renewal cannot or must not happen, every file stays byte-identical and the reason is said.

use std::path::Path;

use kcert::demo::Faults;
use kcert::fsx::{Disk, RealDisk, Staged};
use kcert::renew::{apply, plan, RenewOptions, Selection};
use kcert::sign::KeySpec;

use crate::common::{kcert, scan_at, text};
use crate::util::{assert_unchanged, changed, later, renew, snapshot, tree};

/// Makes a directory unwritable for real: immutable as root (root ignores modes), 0555 otherwise.
struct Unwritable<'a>(&'a Path);

impl<'a> Unwritable<'a> {
    fn new(dir: &'a Path) -> Self {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .unwrap()
            .stdout
            == b"0\n";
        let ok = if root {
            std::process::Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .unwrap()
                .success()
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).is_ok()
        };
        assert!(ok, "cannot make {} unwritable", dir.display());
        assert!(
            std::fs::write(dir.join("probe"), "x").is_err(),
            "{} is still writable",
            dir.display()
        );
        Unwritable(dir)
    }
}

impl Drop for Unwritable<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(self.0)
            .status();
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(self.0, std::fs::Permissions::from_mode(0o755));
    }
}

#[test]
fn an_unwritable_directory_half_way_restores_everything() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let before = snapshot(&layout.root);
    let etcd = layout.pki.join("etcd");
    let guard = Unwritable::new(&etcd);
    // apiserver is written first, then etcd-peer fails in the read-only directory.
    let out = renew(&layout, &["apiserver", "etcd-peer", "--yes"]);
    drop(guard);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("renewal failed")
            && msg.contains("etcd/peer")
            && msg.contains("every file was restored"),
        "{msg}"
    );
    assert_unchanged(&before, &layout.root);
}

/// Fails the n-th rename into place (the temp file is dropped), after earlier ones succeeded.
pub struct FailAt {
    n: usize,
    seen: usize,
}

impl FailAt {
    pub fn new(n: usize) -> Self {
        FailAt { n, seen: 0 }
    }
}

impl Disk for FailAt {
    fn commit(&mut self, staged: Staged) -> std::io::Result<()> {
        self.seen += 1;
        if self.seen == self.n {
            drop(staged);
            return Err(std::io::Error::other("disk full (injected)"));
        }
        RealDisk.commit(staged)
    }
}

#[test]
fn a_write_failing_half_way_loses_nothing() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let inv = scan_at(&layout.root, later());
    let sel = Selection::Named(vec![
        "apiserver".into(),
        "admin.conf".into(),
        "kubelet.conf".into(),
    ]);
    let p = plan(&inv, &sel, &RenewOptions::new(later())).unwrap();
    let writes = p.items.iter().map(|i| i.writes.len()).sum::<usize>();
    assert_eq!(
        writes,
        5,
        "{:?}",
        p.items.iter().map(|i| &i.writes).collect::<Vec<_>>()
    );
    for n in 1..=writes {
        let before = snapshot(&layout.root);
        let err = apply(&p, &mut FailAt { n, seen: 0 }).err();
        if n <= 4 {
            let err = err.unwrap_or_else(|| panic!("write {n} should have failed"));
            let msg = err.to_string();
            assert!(
                msg.contains("disk full (injected)") && msg.contains("every file was restored"),
                "{msg}"
            );
            assert_eq!(
                changed(&before, &snapshot(&layout.root)),
                Vec::<std::path::PathBuf>::new(),
                "failing write {n}"
            );
        }
        // Backups of a failed attempt are kept; a second attempt gets its own directory.
        std::fs::remove_dir_all(&p.backup_dir).unwrap();
    }
}

#[test]
fn a_missing_ca_key_is_refused_with_what_to_do() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    std::fs::remove_file(layout.pki.join("etcd/ca.key")).unwrap();
    let before = snapshot(&layout.root);
    let out = renew(&layout, &["etcd-peer", "--yes"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("the key of CA etcd-ca is missing")
            && msg.contains("etcd/ca.key")
            && msg.contains("generate-csr"),
        "{msg}"
    );
    assert_unchanged(&before, &layout.root);
}

#[test]
fn an_expired_ca_is_refused() {
    let faults = Faults {
        days_left: vec![("etcd-ca".into(), -400)],
        ..Faults::default()
    };
    let (_dir, layout) = tree(KeySpec::EcdsaP256, faults);
    let before = snapshot(&layout.root);
    let out = renew(&layout, &["etcd-server", "--yes"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(msg.contains("CA etcd-ca expired on"), "{msg}");
    assert_unchanged(&before, &layout.root);
}

#[test]
fn without_yes_and_without_a_terminal_nothing_happens() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let before = snapshot(&layout.root);
    let out = renew(&layout, &["apiserver"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out).contains("pass --yes"), "{}", text(&out));
    assert_unchanged(&before, &layout.root);
}

/// `kcert renew apiserver` with files limited to `blocks` of 512 bytes (`ulimit -f`), as on a
/// full disk: writes past it fail with EFBIG (SIGXFSZ ignored).
fn renew_with_file_limit(root: &Path, blocks: u64) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks}; exec {} renew --root {} apiserver --yes",
            env!("CARGO_BIN_EXE_kcert"),
            root.display()
        ))
        .env("KCERT_NOW", later().to_rfc3339())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_journal_that_cannot_be_written_stops_the_renewal_and_leaves_no_scrap() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let journal = layout.etc_kubernetes.join("tmp/kcert-journal.jsonl");
    let before = snapshot(&layout.root);
    // No journal yet: the first line does not fit.
    let out = renew_with_file_limit(&layout.root, 1);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("cannot write the journal") && msg.contains("nothing was changed"),
        "{msg}"
    );
    assert!(!msg.contains("Now restart"), "{msg}");
    assert!(!journal.exists(), "a 0-byte journal was left");
    assert_unchanged(&before, &layout.root);

    // A journal with history: the new line is cut short by the limit and taken back whole.
    assert!(renew(&layout, &["apiserver", "--yes"]).status.success());
    let history = std::fs::read(&journal).unwrap();
    let after_first = snapshot(&layout.root);
    let out = renew_with_file_limit(&layout.root, history.len() as u64 / 512 + 1);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("cannot write the journal"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        history,
        "the journal was changed"
    );
    assert_unchanged(&after_first, &layout.root);
}

#[test]
fn a_journal_full_at_the_end_is_its_own_sentence_and_recover_closes_it() {
    // How long the intent record of `renew apiserver` is on a tree like this one.
    let (_d, probe) = tree(KeySpec::EcdsaP256, Faults::default());
    assert!(renew(&probe, &["apiserver", "--yes"]).status.success());
    let journal =
        std::fs::read_to_string(probe.etc_kubernetes.join("tmp/kcert-journal.jsonl")).unwrap();
    let begin = journal.lines().next().unwrap().len() as u64 + 1;

    // Room for the intent (give or take the pid's digits), not for the lines that end it.
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let out = renew_with_file_limit(&layout.root, (begin + 8) / 512 + 1);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("Renewed 1 certificate(s)")
            && stdout.lines().any(|l| l == "Now restart kube-apiserver."),
        "{stdout}"
    );
    assert!(
        stderr.contains("kcert: warning: the renew is complete, but the journal")
            && stderr.contains("could not record its end")
            && stderr.contains("kcert renew --recover"),
        "{stderr}"
    );
    let root = layout.root.to_str().unwrap();
    let check = kcert(later(), &["check", root]);
    assert!(
        text(&check).contains("run `kcert renew --recover`"),
        "{}",
        text(&check)
    );
    let rec = kcert(later(), &["renew", "--root", root, "--recover", "--yes"]);
    assert!(
        text(&rec).contains("Finished the interrupted renew"),
        "{}",
        text(&rec)
    );
}

/// The scan lets a verified leaf's DER go and renewal reads it again: a file replaced since
/// the scan (another kcert, an operator's copy) is refused, not renewed from what it held.
#[test]
fn a_certificate_replaced_since_the_scan_is_refused_not_renewed_from_the_old_one() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let inv = scan_at(&layout.root, later());
    let pki = layout.root.join("etc/kubernetes/pki");
    std::fs::copy(
        pki.join("front-proxy-client.crt"),
        pki.join("apiserver.crt"),
    )
    .unwrap();
    let p = plan(
        &inv,
        &Selection::Named(vec!["apiserver".into()]),
        &RenewOptions::new(later()),
    )
    .unwrap();
    assert!(p.items.is_empty(), "{:?}", p.items.len());
    let reasons: Vec<String> = p.refused.iter().map(|r| r.reason.to_string()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("apiserver.crt no longer holds this certificate")),
        "{reasons:?}"
    );
}
