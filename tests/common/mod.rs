//! Helpers shared by every integration test binary (each includes this module): the real
//! fixtures, the real openssl, parsing, the fixed clocks, generated trees, and the kcert
//! binary. Helpers only one binary needs stay in its `util.rs`.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use chrono::{DateTime, Utc};
use kcert::demo::{write_kubeadm_tree, Faults, TreeLayout, TreeSpec};
use kcert::pki::{scan, Inventory, ScanOptions, Thresholds};
use kcert::sign::KeySpec;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The read-only real-world fixtures: `$KCERT_FIXTURES`, else `../shared/fixtures/real` beside
/// the workspace (never copied into the repository). `None` when they are not there, after a
/// line on stderr naming the test that then passes without its assertions; with
/// `KCERT_REQUIRE_FIXTURES=1` (CI) their absence fails the test instead.
pub fn find_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("KCERT_FIXTURES")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
            workspace
                .parent()
                .unwrap_or(workspace)
                .join("shared/fixtures/real")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    let required = std::env::var("KCERT_REQUIRE_FIXTURES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "the real fixtures are missing at {} and KCERT_REQUIRE_FIXTURES=1 (set KCERT_FIXTURES)",
        dir.display()
    );
    // The harness runs each test on a thread named after it.
    let current = std::thread::current();
    let test = current.name().unwrap_or("a test");
    // Straight to the process's stderr, past the harness's capture: a passing run shows it too.
    let _ = writeln!(
        std::io::stderr(),
        "real fixtures not found at {} (set KCERT_FIXTURES): {test} passes without its checks on them",
        dir.display()
    );
    None
}

/// The trees of the real fixtures (one directory per source repository), in name order.
pub fn fixture_trees(fixtures: &Path) -> Vec<PathBuf> {
    let mut trees: Vec<PathBuf> = std::fs::read_dir(fixtures)
        .unwrap_or_else(|e| panic!("{}: {e}", fixtures.display()))
        .map(|e| e.expect("fixture entry").path())
        .filter(|p| p.is_dir())
        .collect();
    trees.sort();
    trees
}

/// `let fixtures = real_fixtures!();`: the real fixtures, or the test ends here and passes
/// (see [`find_fixtures`]).
#[allow(unused_macros)]
macro_rules! real_fixtures {
    () => {
        match $crate::common::find_fixtures() {
            Some(dir) => dir,
            None => return,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use real_fixtures;

/// Whether `tool` (a command on `PATH` that only some machines have, like `cfssl`) can run.
/// When it cannot: with `KCERT_REQUIRE_TOOLS=1` (CI) the test fails; else a line on stderr
/// names the test, which then passes without its checks.
pub fn find_tool(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if found {
        return true;
    }
    let required = std::env::var("KCERT_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{tool} is not installed and KCERT_REQUIRE_TOOLS=1"
    );
    let current = std::thread::current();
    let test = current.name().unwrap_or("a test");
    let _ = writeln!(
        std::io::stderr(),
        "{tool} not found on PATH (set KCERT_REQUIRE_TOOLS=1 to require it): {test} passes without its checks"
    );
    false
}

/// `require_tool!("cfssl");`: the test ends here and passes when the tool is missing (see
/// [`find_tool`]).
#[allow(unused_macros)]
macro_rules! require_tool {
    ($tool:expr) => {
        if !$crate::common::find_tool($tool) {
            return;
        }
    };
}
#[allow(unused_imports)]
pub(crate) use require_tool;

/// Runs a tool and returns its output; panics only if it cannot be started at all.
pub fn run(tool: &str, args: &[&str]) -> Output {
    Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"))
}

pub fn openssl(args: &[&str]) -> Output {
    run("openssl", args)
}

/// Write a passphrase-protected P-256 key (PKCS#8, as `openssl genpkey -aes256` makes it).
pub fn write_encrypted_ec_key(path: &Path) {
    let out = openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-aes256",
        "-pass",
        "pass:secret",
        "-out",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
}

/// `openssl verify` of the certificate file `leaf`, trusting only `ca` (with `untrusted`
/// intermediates), at `at` or ignoring validity times when `None`: (verified, what it said).
pub fn openssl_verify(
    ca: &Path,
    untrusted: Option<&Path>,
    leaf: &Path,
    at: Option<DateTime<Utc>>,
) -> (bool, String) {
    let attime = at.map(|t| t.timestamp().to_string());
    let mut args = vec!["verify"];
    match &attime {
        Some(t) => args.extend(["-attime", t.as_str()]),
        None => args.push("-no_check_time"),
    }
    args.extend(["-CAfile", ca.to_str().unwrap()]);
    if let Some(u) = untrusted {
        args.extend(["-untrusted", u.to_str().unwrap()]);
    }
    args.push(leaf.to_str().unwrap());
    let out = openssl(&args);
    (out.status.success(), text(&out))
}

/// Everything a tool printed, stdout then stderr.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// DER of every CERTIFICATE block in a PEM file.
pub fn read_certs(path: &Path) -> Vec<Vec<u8>> {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    pem::parse_many(text)
        .unwrap()
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE")
        .map(|p| p.into_contents())
        .collect()
}

/// DER of the first certificate in a PEM file.
pub fn read_cert(path: &Path) -> Vec<u8> {
    read_certs(path)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{}: no certificate", path.display()))
}

/// A command's stdout as JSON.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(o)))
}

pub fn parse(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der).expect("parse certificate").1
}

/// The subjectPublicKey bits of a certificate, for comparing with a key's public half.
pub fn cert_public_key(der: &[u8]) -> Vec<u8> {
    parse(der).public_key().raw.to_vec()
}

/// The SubjectPublicKeyInfo DER openssl derives from a private key file.
pub fn openssl_pubkey_der(key: &Path) -> Vec<u8> {
    let out = openssl(&[
        "pkey",
        "-in",
        key.to_str().unwrap(),
        "-pubout",
        "-outform",
        "DER",
    ]);
    assert!(out.status.success(), "openssl pkey: {}", text(&out));
    out.stdout
}

/// Copy a directory tree (files and symlinks) into `to`: tests work on copies, never on the fixtures.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if entry.file_type().is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(target, &dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// The fixed clock of the tests on real fixtures and of the screen and CLI snapshots: the day
/// the fixtures were collected.
pub fn now() -> DateTime<Utc> {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

/// When the renewal and runtime tests make their trees.
pub fn made() -> DateTime<Utc> {
    "2026-01-10T08:00:00Z".parse().unwrap()
}

/// A healthy kubeadm control-plane node `cp-1` advertising `advertise`, made at `made` with
/// `key`, `faults` planted.
pub fn node_spec(made: DateTime<Utc>, key: KeySpec, advertise: &str, faults: Faults) -> TreeSpec {
    TreeSpec {
        now: made,
        key,
        node_name: "cp-1".into(),
        advertise_ip: advertise.parse().unwrap(),
        intermediate: false,
        faults,
    }
}

/// A temp dir in /tmp whose path has the same length on every run and machine (`/tmp/PREFIX`
/// and six random characters), so that column layouts do not depend on `TMPDIR`.
pub fn fixed_temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in("/tmp")
        .expect("temp dir in /tmp")
}

/// `spec` written into a new [`fixed_temp_dir`].
pub fn write_tree(spec: &TreeSpec) -> (tempfile::TempDir, TreeLayout) {
    let dir = fixed_temp_dir("kcert-tree-");
    let layout = write_kubeadm_tree(dir.path(), spec).expect("demo tree");
    (dir, layout)
}

/// The inventory of `root` at `now`, default thresholds.
pub fn scan_at(root: &Path, now: DateTime<Utc>) -> Inventory {
    scan(&ScanOptions::new(
        vec![root.to_path_buf()],
        now,
        Thresholds::default(),
    ))
    .expect("scan")
}

/// The kcert binary as tests run it: no colour, no ambient kubeconfig, nothing on stdin.
pub fn kcert_bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kcert"));
    c.env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null());
    c
}

/// [`kcert_bin`] with its clock at `now` (the hidden `--now`).
pub fn kcert_cmd(now: DateTime<Utc>) -> Command {
    let mut c = kcert_bin();
    c.env("KCERT_NOW", now.to_rfc3339());
    c
}

/// Run kcert at `now` with `args`.
pub fn kcert(now: DateTime<Utc>, args: &[&str]) -> Output {
    kcert_cmd(now).args(args).output().unwrap()
}

/// `s` as a regex that matches it literally.
pub fn regex_escape(s: &str) -> String {
    s.chars().fold(String::new(), |mut out, c| {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

/// Snapshot settings for kcert's output on a tree in `root` or on the fake API server: what
/// each run makes anew is masked (the temp dir, serials, key identifiers and fingerprints,
/// the ports of IPv4 addresses, probe timings); the layout around it is kept.
pub fn cli_snapshot_settings(root: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(&regex_escape(&root.display().to_string()), "[root]");
    s.add_filter(r#""serial": "[0-9A-F]+""#, r#""serial": "[serial]""#);
    s.add_filter(r"\b[0-9a-f]{64}\b", "[sha256]");
    s.add_filter(r"\b[0-9a-f]{40}\b", "[keyid]");
    s.add_filter(r"\b([0-9]{1,3}(\.[0-9]{1,3}){3}):[0-9]+", "$1:[port]");
    s.add_filter(r"\b[0-9]+ ms\b", "[n] ms");
    s
}

/// Run `cmd` with its stdout a pipe whose reader is gone before kcert writes, as after
/// `kcert ... | head` when head is done: the exit code and what kcert said on stderr.
pub fn with_closed_stdout(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kcert starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("kcert ends");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What kcert prints with its stdout on a terminal `cols` wide (util-linux `script` makes the
/// pseudo-terminal), with `env` set; carriage returns removed.
pub fn kcert_in_terminal(cols: u16, env: &[(&str, &str)], args: &[&str]) -> String {
    // `env` after `stty`: a shell in between would set COLUMNS itself on the resize.
    let vars: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let line = format!(
        "stty cols {cols} rows 40; exec env {} {} {}",
        vars.join(" "),
        env!("CARGO_BIN_EXE_kcert"),
        args.join(" ")
    );
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    String::from_utf8_lossy(&out.stdout).replace('\r', "")
}

/// Kubeconfig YAML for `server` whose user names its certificate and key by path.
pub fn kubeconfig_naming(server: &str, cert: &Path, key: &Path) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: {server}\n\
         users:\n- name: u\n  user:\n    client-certificate: {}\n    client-key: {}\n\
         contexts:\n- name: k\n  context:\n    cluster: k\n    user: u\ncurrent-context: k\n",
        cert.display(),
        key.display()
    )
}
