//! Bad input next to good files: each gives a problem naming the file, nothing panics, and the
//! good files beside it are still reported.

use std::path::Path;

use kcert::pki::{Inventory, KeyFormat, Severity};

use crate::common::{copy_tree, now, openssl, real_fixtures, scan_at, text};

fn problem_for<'a>(inv: &'a Inventory, file: &Path) -> Vec<&'a str> {
    inv.problems
        .iter()
        .filter(|p| p.path == file)
        .map(|p| p.message.as_str())
        .collect()
}

#[test]
fn junk_beside_a_real_tree_is_reported_file_by_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_tree(
        &real_fixtures!().join("zetaoss__zeta-linux/etc/kubernetes"),
        root,
    );
    let pki = root.join("pki");
    let good = std::fs::read_to_string(pki.join("apiserver.crt")).unwrap();

    let truncated = pki.join("truncated.crt");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    let random = pki.join("random.crt");
    std::fs::write(
        &random,
        (0..2048u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 | 0x80)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let empty = pki.join("empty.crt");
    std::fs::write(&empty, "").unwrap();
    let dir_crt = pki.join("dir.crt");
    std::fs::create_dir(&dir_crt).unwrap();
    let loop_dir = root.join("loop");
    std::fs::create_dir(&loop_dir).unwrap();
    std::os::unix::fs::symlink("..", loop_dir.join("back")).unwrap();
    let big = pki.join("big.pem");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(40 * 1024 * 1024)
        .unwrap();
    // Opening a FIFO blocks until a writer comes: the scan must not wait for one.
    let fifo = pki.join("fifo.crt");
    let made = crate::common::run("mkfifo", &[fifo.to_str().unwrap()]);
    assert!(made.status.success(), "{made:?}");
    let broken_conf = root.join("broken.conf");
    std::fs::write(
        &broken_conf,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: [unclosed\n",
    )
    .unwrap();
    let bundle = pki.join("bundle.pem");
    let ca = std::fs::read_to_string(pki.join("ca.crt")).unwrap();
    let fp = std::fs::read_to_string(pki.join("front-proxy-ca.crt")).unwrap();
    std::fs::write(
        &bundle,
        format!("# cluster CAs, collected by hand\n{ca}\nsubject=CN = front-proxy-ca\n{fp}"),
    )
    .unwrap();
    let enc = pki.join("encrypted.key");
    crate::common::write_encrypted_ec_key(&enc);
    let csr = pki.join("request.csr");
    let out = openssl(&[
        "req",
        "-new",
        "-key",
        pki.join("apiserver.key").to_str().unwrap(),
        "-subj",
        "/CN=someone",
        "-out",
        csr.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));

    let inv = scan_at(root, now());

    let expect = |file: &Path, needle: &str| {
        let msgs = problem_for(&inv, file);
        assert!(
            msgs.iter().any(|m| m.contains(needle)),
            "{}: expected a problem containing {needle:?}, got {msgs:?}",
            file.display()
        );
    };
    expect(&truncated, "truncated PEM");
    expect(&random, "not a certificate, key or kubeconfig");
    expect(&empty, "empty file");
    expect(&dir_crt, "is a directory");
    expect(&loop_dir.join("back"), "symlink loop");
    expect(&big, "over 1 MiB");
    expect(&broken_conf, "broken kubeconfig YAML");
    expect(&fifo, "not a regular file");
    assert_eq!(
        inv.problems
            .iter()
            .filter(|p| p.message.contains("symlink loop"))
            .count(),
        1,
        "a loop is reported once"
    );

    // Not errors: an encrypted key is reported as such, a CSR is read, a commented bundle gives both CAs.
    // The only thing to say about the lone encrypted key is that no certificate sits beside it.
    let enc_msgs = problem_for(&inv, &enc);
    assert!(
        enc_msgs.iter().all(|m| m.contains("has no certificate")),
        "{enc_msgs:?}"
    );
    let key = inv
        .keys
        .iter()
        .find(|k| k.origin.path() == enc)
        .expect("encrypted key listed");
    assert_eq!(key.format, KeyFormat::Encrypted);
    let req = inv
        .csrs
        .iter()
        .find(|r| r.origin.path() == csr)
        .expect("csr listed");
    assert_eq!(req.subject, "CN=someone");
    assert!(req.signature_valid);
    let in_bundle: Vec<_> = inv
        .certs
        .iter()
        .filter(|c| c.origin.path() == bundle)
        .map(|c| (c.origin.index(), c.subject.as_str()))
        .collect();
    assert_eq!(in_bundle, [(0, "CN=kubernetes"), (1, "CN=front-proxy-ca")]);
    assert!(problem_for(&inv, &bundle).is_empty());

    // The good files are all still there and still verified.
    for name in [
        "ca",
        "apiserver",
        "etcd-server",
        "admin.conf",
        "front-proxy-client",
    ] {
        let c = inv
            .certs
            .iter()
            .find(|c| c.kubeadm_name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(c.chain.is_ok(), "{name}: {:?}", c.chain);
    }
    // Junk is a warning, never an error of its own.
    for f in [&truncated, &random, &empty, &big] {
        assert!(inv
            .problems
            .iter()
            .filter(|p| p.path == *f)
            .all(|p| p.severity == Severity::Warning));
    }
}

#[test]
fn a_dangling_kubelet_symlink_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let link = tmp.path().join("kubelet-client-current.pem");
    std::os::unix::fs::symlink(
        tmp.path().join("kubelet-client-2026-01-01-00-00-00.pem"),
        &link,
    )
    .unwrap();
    let inv = scan_at(tmp.path(), now());
    let msgs = problem_for(&inv, &link);
    assert!(
        msgs.iter()
            .any(|m| m.contains("broken symlink") && m.contains("kubelet-client-2026-01-01")),
        "{msgs:?}"
    );
}

#[test]
fn a_missing_explicit_root_is_an_error_and_a_missing_default_is_not() {
    use kcert::pki::{scan, ScanOptions, Thresholds};
    let missing = std::path::PathBuf::from("/nonexistent/kcert-test");
    let explicit = ScanOptions::new(vec![missing.clone()], now(), Thresholds::default());
    let err = scan(&explicit).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/kcert-test"), "{err}");
    let mut defaults = explicit.clone();
    defaults.explicit = false;
    let inv = scan(&defaults).expect("missing default roots are skipped");
    assert!(inv.certs.is_empty() && inv.problems.is_empty());
}

/// An unreadable key beside a readable certificate: named with the reason, the certificate
/// still reported. As root every file is readable, so the scan then runs as `nobody`.
#[test]
fn an_unreadable_file_is_named_and_its_neighbours_are_still_read() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let pki = real_fixtures!().join("zetaoss__zeta-linux/etc/kubernetes/pki");
    std::fs::copy(pki.join("apiserver.crt"), root.join("apiserver.crt")).unwrap();
    let key = root.join("apiserver.key");
    std::fs::copy(pki.join("apiserver.key"), &key).unwrap();
    std::fs::set_permissions(
        root.join("apiserver.crt"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o000)).unwrap();

    let root_user = crate::common::run("id", &["-u"]).stdout == b"0\n";
    // `nobody` may not traverse the checkout's parents: run a link (or copy) from /tmp.
    let bin_dir = tempfile::tempdir().unwrap();
    let mut cmd = if root_user {
        std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = bin_dir.path().join("kcert");
        if std::fs::hard_link(env!("CARGO_BIN_EXE_kcert"), &bin).is_err() {
            std::fs::copy(env!("CARGO_BIN_EXE_kcert"), &bin).unwrap();
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(&bin);
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_kcert"))
    };
    let out = cmd
        .args(["check", "--output", "json"])
        .arg(root)
        .env("KCERT_NOW", "2025-01-01T00:00:00Z")
        .output()
        .expect("run kcert");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["path"] == key.to_str().unwrap()
            && p["message"].as_str().unwrap().contains("permission denied")),
        "{problems:#?}"
    );
    let certs = doc["certificates"].as_array().unwrap();
    assert!(
        certs
            .iter()
            .any(|c| c["path"] == root.join("apiserver.crt").to_str().unwrap()),
        "the readable certificate beside it is still reported"
    );
}

/// A kubeconfig whose `client-certificate:` names a FIFO: the walk never opens FIFOs, and
/// following the kubeconfig's reference must not either (it would wait for a writer forever).
#[test]
fn a_fifo_named_by_a_kubeconfig_is_reported_not_waited_for() {
    let tmp = tempfile::tempdir().unwrap();
    let conf_dir = tmp.path().join("conf");
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&conf_dir).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let fifo = elsewhere.join("client.crt");
    let made = crate::common::run("mkfifo", &[fifo.to_str().unwrap()]);
    assert!(made.status.success(), "{}", text(&made));
    let conf = conf_dir.join("kubelet.conf");
    let yaml = crate::common::kubeconfig_naming("https://127.0.0.1:6443", &fifo, &fifo);
    std::fs::write(&conf, yaml).unwrap();
    let mut child = crate::common::kcert_cmd(now())
        .args(["check", conf_dir.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("kcert check still waits on the FIFO after 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let said = text(&out);
    assert!(
        said.contains(&fifo.display().to_string()) && said.contains("not a regular file"),
        "{said}"
    );
}
