//! The kubelet's own way of rotating, and dry runs that change nothing.

use kcert::demo::Faults;
use kcert::sign::KeySpec;

use crate::common::{scan_at, text};
use crate::util::{assert_unchanged, changed, later, renew, snapshot, tree};

#[test]
fn the_kubelet_client_certificate_rotates_like_the_kubelet_does() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let current = layout.kubelet_pki.join("kubelet-client-current.pem");
    let old_target = std::fs::read_link(&current).unwrap();
    let before = snapshot(&layout.root);
    let out = renew(&layout, &["kubelet.conf", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("restart kubelet"), "{}", text(&out));

    let new_target = std::fs::read_link(&current).unwrap();
    assert_ne!(new_target, old_target);
    assert_eq!(
        new_target,
        layout.kubelet_pki.join(format!(
            "kubelet-client-{}.pem",
            later().format("%Y-%m-%d-%H-%M-%S")
        ))
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&new_target).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Exactly two things changed: the link, and the new dated file. kubelet.conf and the old file stay.
    let mut diff = changed(&before, &snapshot(&layout.root));
    diff.sort();
    let mut expected = vec![current.clone(), new_target.clone()];
    expected.sort();
    assert_eq!(diff, expected);

    let inv = scan_at(&layout.root, later());
    let cert = inv
        .certs
        .iter()
        .find(|c| c.origin.path() == current)
        .expect("current cert");
    assert_eq!(
        (cert.key_match, cert.chain.as_str()),
        (Some(true), "verified")
    );
    assert!(cert
        .referenced_by
        .iter()
        .any(|k| k.ends_with("kubelet.conf")));
    let old = inv
        .certs
        .iter()
        .find(|c| c.origin.path() == old_target)
        .expect("old file still listed");
    assert!(old.superseded, "the previous rotation file is superseded");
}

#[test]
fn a_dry_run_changes_nothing_at_all() {
    let (_dir, layout) = tree(KeySpec::EcdsaP256, Faults::default());
    let before = snapshot(&layout.root);
    let out = renew(&layout, &["--all", "--dry-run"]);
    let msg = text(&out);
    assert!(out.status.success(), "{msg}");
    assert!(
        msg.contains("Dry run: nothing was changed.")
            && msg.contains("write ")
            && msg.contains("valid until"),
        "{msg}"
    );
    // Byte for byte, including that no backup directory or journal appeared.
    // (Paths inside the tree: the temp dir's own name may say kcert too.)
    let after_all: Vec<_> = walkdir::WalkDir::new(&layout.root)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            e.path().strip_prefix(&layout.root).unwrap().to_path_buf()
        })
        .collect();
    assert!(
        after_all
            .iter()
            .all(|p| !p.to_string_lossy().contains("kcert-")),
        "{after_all:?}"
    );
    assert_unchanged(&before, &layout.root);
}
