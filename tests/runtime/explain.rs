//! `kcert explain`: Go x509 validity errors matched to the certificate by the second, with
//! the times taken from openssl, not from kcert.

use std::io::Write;
use std::process::Stdio;

use chrono::{DateTime, NaiveDateTime, Utc};
use kcert::demo::Faults;
use kcert::runtime::{explain, Clues, Reading};

use crate::common::{kcert, kcert_cmd, scan_at, text};
use crate::server::{loopback, TlsServer};
use crate::util::{later, node};

/// `openssl x509 -enddate` (or `-startdate`) of a certificate file.
fn openssl_date(path: &std::path::Path, which: &str) -> DateTime<Utc> {
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", which, "-dateopt", "iso_8601", "-in"])
        .arg(path)
        .output()
        .expect("openssl");
    let s = String::from_utf8_lossy(&out.stdout);
    let value = s.trim().split_once('=').expect("openssl date").1;
    NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%SZ")
        .unwrap_or_else(|e| panic!("{value}: {e}"))
        .and_utc()
}

fn go_line(now: DateTime<Utc>, word: &str, at: DateTime<Utc>) -> String {
    format!(
        "E0102 03:04:05.000000 1 reflector.go:158] failed to list: Get \"https://127.0.0.1:6443/api\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time {} {word} {}",
        now.format("%Y-%m-%dT%H:%M:%SZ"),
        at.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

#[test]
fn an_expiry_line_names_the_certificate_and_who_uses_it() {
    // Planted expiry times make the apiserver's NotAfter unique in the tree.
    let faults = Faults {
        days_left: vec![("apiserver".into(), -3)],
        ..Faults::default()
    };
    let n = node(faults, "192.168.10.11");
    let not_after = openssl_date(&n.pki("apiserver.crt"), "-enddate");
    let line = go_line(later(), "is after", not_after);

    let inv = scan_at(&n.layout.root, later());
    let e = explain(&line, &inv, &Clues::default()).unwrap();
    assert_eq!(
        e.reading,
        Reading::Expired {
            now: later(),
            not_after
        }
    );
    let names: Vec<_> = e
        .matches
        .iter()
        .map(|&i| inv.certs[i].display_name())
        .collect();
    assert_eq!(names, ["apiserver"]);

    let out = kcert(later(), &["explain", &line, "--root", n.root()]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!(
            "a certificate that expired at {} was presented",
            not_after.format("%Y-%m-%d %H:%M:%S UTC")
        )),
        "{said}"
    );
    let row = said
        .lines()
        .find(|l| l.trim_start().starts_with("apiserver "))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        row.contains(&n.pki("apiserver.crt").display().to_string()),
        "{row}"
    );
    assert!(
        said.contains("used by kube-apiserver --tls-cert-file"),
        "{said}"
    );
}

#[test]
fn a_not_yet_valid_line_matches_not_before_and_stdin_takes_many_lines() {
    let n = node(Faults::default(), "192.168.10.11");
    let kubelet = n.layout.kubelet_pki.join("kubelet-client-current.pem");
    let not_before = openssl_date(&kubelet, "-startdate");
    let early = not_before - chrono::Duration::hours(2);
    let lines = [
        go_line(early, "is before", not_before),
        "x509: certificate signed by unknown authority".to_string(),
        go_line(later(), "is after", later() - chrono::Duration::days(4000)),
    ];
    let mut child = kcert_cmd(later())
        .args(["explain", "-", "--root", n.root()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("not valid before"), "{said}");
    assert!(
        said.contains(&kubelet.display().to_string()),
        "the kubelet client certificate matches its NotBefore:\n{said}"
    );
    assert!(said.contains("used by kubelet --kubeconfig"), "{said}");
    assert!(said.contains("not an x509 validity error"), "{said}");
    assert!(said.contains("No certificate under"), "{said}");

    // Nothing matches: exit 1; nothing readable: exit 3.
    let out = kcert(later(), &["explain", &lines[2], "--root", n.root()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let out = kcert(
        later(),
        &[
            "explain",
            "x509: certificate has expired or is not yet valid",
            "--root",
            n.root(),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("gives no times"), "{}", text(&out));
}

/// After `kcert renew apiserver` with the restart left for later, kubectl's error names the
/// old certificate's NotAfter: no file holds it any more, but the running API server still
/// serves it and the renewal history remembers it. Explain says to restart, not "the peer's".
#[test]
fn a_line_about_a_replaced_certificate_still_served_says_to_restart() {
    let faults = Faults {
        days_left: vec![("apiserver".into(), -3)],
        ..Faults::default()
    };
    let n = node(faults, "192.168.10.11");
    let old_not_after = openssl_date(&n.pki("apiserver.crt"), "-enddate");
    // The running API server: it read the files when it started, before the renewal.
    let old = tempfile::tempdir().unwrap();
    let (cert, key) = (
        old.path().join("apiserver.crt"),
        old.path().join("apiserver.key"),
    );
    std::fs::copy(n.pki("apiserver.crt"), &cert).unwrap();
    std::fs::copy(n.pki("apiserver.key"), &key).unwrap();
    let line = go_line(later(), "is after", old_not_after);

    let out = kcert(
        later(),
        &["renew", "--root", n.root(), "apiserver", "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_ne!(
        openssl_date(&n.pki("apiserver.crt"), "-enddate"),
        old_not_after
    );

    // From the renewal history alone (nothing listening).
    let out = kcert(later(), &["explain", &line, "--root", n.root()]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let renewed_on = later().format("%Y-%m-%d %H:%M UTC").to_string();
    assert!(
        said.contains(&format!(
            "The running kube-apiserver still uses the certificate you replaced on {renewed_on} (apiserver, serial"
        )) && said.contains("restart it (kcert restart kube-apiserver)."),
        "{said}"
    );
    assert!(!said.contains("another machine"), "{said}");

    // With the old certificate served where the manifest says: it serves it.
    let _server = TlsServer::from_files(loopback(n.ports.api), &cert, &key).unwrap();
    let out = kcert(later(), &["explain", &line, "--root", n.root()]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!(
            "The running kube-apiserver still serves the certificate you replaced on {renewed_on}"
        )),
        "{said}"
    );
}
