//! `kcert renew ca`: a CA that expires in 20 days re-signed with its own key; every leaf and
//! every embedded client certificate still verifies after the old expiry, every copy of the
//! CA on the node carries the new certificate, and nothing else changes.

use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use kcert::demo::{Faults, TreeLayout};
use kcert::pki::{ChainVerdict, Inventory, Origin};
use kcert::renew::{apply, plan, RenewOptions, Selection};
use kcert::sign::{cert_to_pem, KeySpec};

use crate::common::write_tree;
use crate::common::{kcert, made, node_spec, parse, read_cert, read_certs, scan_at, text};
use crate::failures::FailAt;
use crate::util::{assert_unchanged, changed, snapshot, verify_der};

/// Installed 400 days before [`made`]; every CA expires 20 days after it.
pub fn ca_tree(key: KeySpec, days_left: i64) -> (tempfile::TempDir, TreeLayout) {
    let faults = Faults {
        days_left: ["ca", "etcd-ca", "front-proxy-ca"]
            .iter()
            .map(|n| (n.to_string(), days_left))
            .collect(),
        ..Faults::default()
    };
    let (dir, layout) = write_tree(&node_spec(made(), key, "192.168.10.11", faults));
    // A bundle of all three CAs, the kubernetes CA in the middle.
    let bundle: String = ["front-proxy-ca.crt", "ca.crt", "etcd/ca.crt"]
        .iter()
        .map(|f| std::fs::read_to_string(layout.pki.join(f)).unwrap())
        .collect();
    std::fs::write(layout.pki.join("ca-bundle.crt"), bundle).unwrap();
    (dir, layout)
}

/// The renewal runs the day after the tree was made.
pub fn at() -> DateTime<Utc> {
    made() + Duration::days(1)
}

pub fn renew_at(layout: &TreeLayout, now: DateTime<Utc>, args: &[&str]) -> std::process::Output {
    let mut all = vec!["renew", "--root", layout.root.to_str().unwrap()];
    all.extend(args);
    kcert(now, &all)
}

/// Leaves (files and embedded client certificates) that verify under the certificate `ca_sha`.
fn leaves_under(inv: &Inventory, ca_sha: &str) -> Vec<(String, Vec<u8>)> {
    inv.certs
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            !c.is_ca
                && c.chain == ChainVerdict::Verified
                && c.issuer_id.is_some_and(|i| inv.certs[i].sha256 == ca_sha)
        })
        .map(|(id, c)| (c.origin.describe(), inv.der(id).unwrap().into_owned()))
        .collect()
}

pub fn kubectl_ca_data(path: &Path) -> Vec<u8> {
    let out = std::process::Command::new("kubectl")
        .args([
            "config",
            "view",
            "--raw",
            "-o",
            "jsonpath={.clusters[0].cluster.certificate-authority-data}",
            "--kubeconfig",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}: {}", path.display(), text(&out));
    base64::engine::general_purpose::STANDARD
        .decode(&out.stdout)
        .expect("base64")
}

fn renew_the_ca(key: KeySpec) {
    let (_dir, layout) = ca_tree(key, 20);
    let ca_path = layout.pki.join("ca.crt");
    let old = read_cert(&ca_path);
    let old_not_after = parse(&old).validity().not_after.timestamp();
    let ca_key = std::fs::read(layout.pki.join("ca.key")).unwrap();
    let before_inv = scan_at(&layout.root, at());
    let old_sha = kcert::pki::sha256_hex(&old);
    let leaves = leaves_under(&before_inv, &old_sha);
    let names: Vec<&String> = leaves.iter().map(|(w, _)| w).collect();
    assert_eq!(leaves.len(), 7, "{names:#?}");
    let before = snapshot(&layout.root);

    let out = renew_at(&layout, at(), &["ca", "--yes"]);
    let msg = text(&out);
    assert!(out.status.success(), "{msg}");
    assert!(
        msg.contains("admin.conf: certificate-authority-data"),
        "{msg}"
    );

    // Same subject, key and key identifiers; new serial; ten years from now.
    let new = read_cert(&ca_path);
    let (o, n) = (parse(&old), parse(&new));
    assert_eq!(o.subject().as_raw(), n.subject().as_raw());
    assert_eq!(o.public_key().raw, n.public_key().raw);
    assert_eq!(
        o.extensions().iter().map(|e| e.value).collect::<Vec<_>>(),
        n.extensions().iter().map(|e| e.value).collect::<Vec<_>>()
    );
    assert_ne!(o.raw_serial(), n.raw_serial());
    assert_eq!(
        n.validity().not_after.timestamp(),
        (at() + Duration::days(3650)).timestamp()
    );
    assert_eq!(std::fs::read(layout.pki.join("ca.key")).unwrap(), ca_key);

    // Every leaf and embedded client certificate verifies after the old expiry.
    let later = DateTime::from_timestamp(old_not_after, 0).unwrap() + Duration::days(1);
    let old_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(old_file.path(), cert_to_pem(&old)).unwrap();
    for (what, der) in &leaves {
        let (ok, said) = verify_der(&ca_path, der, later);
        assert!(ok, "{what}: {said}");
        assert!(!verify_der(old_file.path(), der, later).0, "{what}");
    }
    assert!(leaves.iter().any(|(w, _)| w.contains("admin.conf")));

    // Every kubeconfig that held the CA loads in kubectl and holds the new one.
    let new_pem = cert_to_pem(&new).into_bytes();
    for conf in [
        "admin.conf",
        "super-admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
        "kubelet.conf",
    ] {
        let path = layout.etc_kubernetes.join(conf);
        assert_eq!(kubectl_ca_data(&path), new_pem, "{conf}");
    }

    // The bundle keeps the other CAs, in order.
    let bundle = read_certs(&layout.pki.join("ca-bundle.crt"));
    assert_eq!(
        bundle,
        vec![
            read_cert(&layout.pki.join("front-proxy-ca.crt")),
            new.clone(),
            read_cert(&layout.pki.join("etcd/ca.crt")),
        ]
    );

    // No copy of the old certificate is left, and only the copies changed.
    let after = scan_at(&layout.root, at());
    let left: Vec<String> = after
        .certs
        .iter()
        .filter(|c| c.sha256 == old_sha)
        .map(|c| c.origin.describe())
        .collect();
    assert!(left.is_empty(), "{left:#?}");
    let mut touched: Vec<PathBuf> = changed(&before, &snapshot(&layout.root));
    touched.sort();
    let mut expected: Vec<PathBuf> = [
        "pki/ca.crt",
        "pki/ca-bundle.crt",
        "admin.conf",
        "super-admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
        "kubelet.conf",
    ]
    .iter()
    .map(|f| layout.etc_kubernetes.join(f))
    .collect();
    expected.sort();
    assert_eq!(touched, expected);
}

#[test]
fn an_ecdsa_ca_is_renewed_with_its_own_key_and_every_copy_follows() {
    renew_the_ca(KeySpec::EcdsaP256);
}

#[test]
fn an_rsa_ca_is_renewed_with_its_own_key_and_every_copy_follows() {
    renew_the_ca(KeySpec::Rsa(2048));
}

#[test]
fn an_expired_ca_is_revived_and_its_leaves_verify_again() {
    let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, -3);
    let ca_path = layout.pki.join("etcd/ca.crt");
    let old_sha = kcert::pki::sha256_hex(&read_cert(&ca_path));
    let leaves = leaves_under(&scan_at(&layout.root, made()), &old_sha);
    assert_eq!(leaves.len(), 4, "{leaves:#?}");
    for (_, der) in &leaves {
        assert!(!verify_der(&ca_path, der, made()).0);
    }
    // A leaf under it is refused, naming the way forward.
    let leaf = renew_at(&layout, made(), &["etcd-server", "--dry-run"]);
    assert!(
        text(&leaf).contains("renew the CA first with its own key (`kcert renew etcd-ca`)"),
        "{}",
        text(&leaf)
    );
    let out = renew_at(&layout, made(), &["etcd-ca", "--yes"]);
    let msg = text(&out);
    assert!(out.status.success(), "{msg}");
    assert!(msg.contains("revives every certificate under it"), "{msg}");
    assert!(
        msg.contains("etcd") && msg.contains("kube-apiserver"),
        "{msg}"
    );
    for (what, der) in &leaves {
        let (ok, said) = verify_der(&ca_path, der, made());
        assert!(ok, "{what}: {said}");
    }
}

#[test]
fn a_dry_run_changes_nothing_and_lists_every_copy() {
    let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let before = snapshot(&layout.root);
    let out = renew_at(&layout, at(), &["front-proxy-ca", "--dry-run"]);
    let msg = text(&out);
    assert!(out.status.success(), "{msg}");
    assert!(
        msg.contains("front-proxy-ca.crt: the CA certificate replaced")
            && msg.contains(
                "ca-bundle.crt: the CA's block replaced; the other certificates kept in order"
            )
            && msg.contains("Dry run: nothing was changed."),
        "{msg}"
    );
    assert_unchanged(&before, &layout.root);
    assert!(!layout.etc_kubernetes.join("tmp").exists());
}

#[test]
fn a_failure_at_any_write_puts_every_copy_back() {
    let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let inv = scan_at(&layout.root, at());
    let sel = Selection::Named(vec!["ca".into()]);
    let p = plan(&inv, &sel, &RenewOptions::new(at())).unwrap();
    let writes = p.items[0].writes.len();
    assert_eq!(writes, 7, "{:?}", p.items[0].writes);
    for n in 1..=writes {
        let before = snapshot(&layout.root);
        let err = apply(&p, &mut FailAt::new(n)).expect_err("an injected failure");
        assert!(
            err.to_string().contains("every file was restored"),
            "{n}: {err}"
        );
        assert_eq!(
            changed(&before, &snapshot(&layout.root)),
            Vec::<PathBuf>::new()
        );
        std::fs::remove_dir_all(&p.backup_dir).unwrap();
    }
}

#[test]
fn a_ca_without_its_key_is_refused_with_what_to_do() {
    let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    std::fs::remove_file(layout.pki.join("ca.key")).unwrap();
    let before = snapshot(&layout.root);
    let out = renew_at(&layout, at(), &["ca", "--yes"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("the key of CA ca is not on this node") && msg.contains("kcert ca import"),
        "{msg}"
    );
    assert_unchanged(&before, &layout.root);
}

#[test]
fn all_and_expiring_never_renew_a_ca() {
    let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let inv = scan_at(&layout.root, at());
    for sel in [Selection::All, Selection::Expiring(30)] {
        let p = plan(&inv, &sel, &RenewOptions::new(at())).unwrap();
        assert!(p.items.iter().all(|i| i.ca_check.is_none()), "{sel:?}");
    }
    let by_path = Selection::Named(vec![layout.pki.join("ca.crt").display().to_string()]);
    let p = plan(&inv, &by_path, &RenewOptions::new(at())).unwrap();
    assert_eq!(p.items.len(), 1);
    assert!(matches!(
        &inv.certs[p.items[0].cert_id].origin,
        Origin::File { .. }
    ));
    assert!(p.items[0].ca_check.is_some());
}

#[test]
fn a_ca_renewal_killed_at_any_write_recovers_to_all_old_or_all_new() {
    use std::os::unix::process::ExitStatusExt;
    for n in 1..=7 {
        let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, 20);
        let root = layout.root.to_str().unwrap();
        let old = read_cert(&layout.pki.join("ca.crt"));
        let before = snapshot(&layout.root);
        let out = crate::common::kcert_cmd(at())
            .env("KCERT_FAILPOINT", format!("replaced:{n}"))
            .args(["renew", "--root", root, "ca", "--yes"])
            .output()
            .unwrap();
        assert_eq!(out.status.signal(), Some(9), "{n}: {}", text(&out));
        let rec = kcert(at(), &["renew", "--root", root, "--recover", "--yes"]);
        assert!(rec.status.success(), "{n}: {}", text(&rec));
        let diff = changed(&before, &snapshot(&layout.root));
        let inv = scan_at(&layout.root, at());
        let old_left = (0..inv.certs.len()).any(|id| inv.der(id).is_some_and(|d| *d == *old));
        match diff.len() {
            0 => assert!(old_left),
            7 => assert!(!old_left, "{n}: all new, no old copy"),
            _ => panic!("{n}: half a change left: {diff:#?}\n{}", text(&rec)),
        }
    }
}

#[test]
fn a_kubeconfig_left_with_the_old_copy_is_a_stale_copy_with_its_date() {
    let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let admin = layout.etc_kubernetes.join("admin.conf");
    let old_admin = std::fs::read(&admin).unwrap();
    let old_not_after = parse(&read_cert(&layout.pki.join("ca.crt")))
        .validity()
        .not_after
        .timestamp();
    let out = renew_at(&layout, at(), &["ca", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(&admin, old_admin).unwrap();
    let root = layout.root.to_str().unwrap();
    let old_end = DateTime::from_timestamp(old_not_after, 0).unwrap();
    let date = kcert::pki::format::datetime(old_end);
    let check = text(&kcert(at(), &["check", root]));
    let line = check
        .lines()
        .find(|l| l.contains("admin.conf is an older copy of"))
        .unwrap_or_else(|| panic!("{check}"));
    assert!(
        line.contains(&format!("stops working on {date}")) && line.contains("warning"),
        "{line}"
    );
    let after = text(&kcert(old_end + Duration::days(1), &["check", root]));
    let line = after
        .lines()
        .find(|l| l.contains("admin.conf is an older copy of"))
        .unwrap_or_else(|| panic!("{after}"));
    assert!(
        line.contains(&format!("stopped working on {date}")),
        "{line}"
    );
    assert!(!after.contains("clients will not trust"), "{after}");
}

#[test]
fn check_warns_of_a_ca_within_a_year_until_it_is_renewed() {
    let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, 200);
    let root = layout.root.to_str().unwrap();
    let check = kcert(at(), &["check", root]);
    let msg = text(&check);
    assert_eq!(check.status.code(), Some(1), "{msg}");
    let line = msg
        .lines()
        .find(|l| l.contains("etcd-ca: CA certificate expires in 199 days"))
        .unwrap_or_else(|| panic!("{msg}"));
    assert!(line.contains("kcert renew etcd-ca"), "{line}");
    // The CA's own row says so too: its STATUS is the warning, never "ok" beside it.
    let row = msg
        .lines()
        .find(|l| l.split_whitespace().next() == Some("etcd-ca"))
        .unwrap_or_else(|| panic!("{msg}"));
    assert!(row.contains("warning") && !row.contains(" ok "), "{row}");
    for ca in ["ca", "etcd-ca", "front-proxy-ca"] {
        let out = renew_at(&layout, at(), &[ca, "--yes"]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let msg = text(&kcert(at(), &["check", root]));
    assert!(!msg.contains("CA certificate expires in"), "{msg}");
}

#[test]
fn a_leaf_sharing_a_file_with_a_ca_renewal_waits_for_its_own_run() {
    let (_dir, layout) = ca_tree(KeySpec::EcdsaP256, 20);
    let out = renew_at(&layout, at(), &["ca", "admin.conf", "apiserver", "--yes"]);
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(1), "{msg}");
    assert!(
        msg.contains("the renewal of CA ca rewrites") && msg.contains("Renewed 2 certificate(s)"),
        "{msg}"
    );
    // The CA and apiserver were renewed; admin.conf kept its client certificate and got the
    // new CA data; everything verifies.
    let ca_path = layout.pki.join("ca.crt");
    let new_pem = cert_to_pem(&read_cert(&ca_path)).into_bytes();
    assert_eq!(
        kubectl_ca_data(&layout.etc_kubernetes.join("admin.conf")),
        new_pem
    );
    let again = renew_at(&layout, at(), &["admin.conf", "--yes"]);
    assert!(again.status.success(), "{}", text(&again));
    crate::util::assert_pairs_match(&layout.root, "after the CA and its leaves");
}

#[test]
fn restore_puts_back_the_ca_and_every_copy() {
    let (_dir, layout) = ca_tree(KeySpec::Rsa(2048), 20);
    let before = snapshot(&layout.root);
    let out = renew_at(&layout, at(), &["ca", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(changed(&before, &snapshot(&layout.root)).len(), 7);
    let root = layout.root.to_str().unwrap();
    let back = kcert(at(), &["restore", "--root", root, "--yes"]);
    assert!(back.status.success(), "{}", text(&back));
    assert_unchanged(&before, &layout.root);
}
