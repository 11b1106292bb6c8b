//! The binary's front end as an operator meets it: errors in words, a mistyped command,
//! nothing found, Ctrl-C, a closed pipe, the table in a narrow terminal, and each command's
//! own help.

use std::net::TcpListener;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{
    fixed_temp_dir, kcert_bin, kcert_cmd, kcert_in_terminal, node_spec, now, text,
    with_closed_stdout, write_tree,
};
use kcert::demo::Faults;
use kcert::sign::KeySpec;

fn run(cmd: &mut std::process::Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A kubeadm tree made a day before [`now`], with `faults`.
fn tree(faults: Faults) -> (tempfile::TempDir, kcert::demo::TreeLayout) {
    let made = now() - chrono::Duration::days(1);
    write_tree(&node_spec(made, KeySpec::EcdsaP256, "10.0.0.1", faults))
}

/// [`tree`] whose apiserver certificate expired three days ago.
fn tree_with_a_problem() -> (tempfile::TempDir, kcert::demo::TreeLayout) {
    tree(Faults {
        days_left: vec![("apiserver".into(), -3)],
        ..Faults::default()
    })
}

#[test]
fn an_error_is_one_line_in_words_even_with_rust_backtrace_set() {
    let (code, out, err) = run(kcert_bin()
        .env("RUST_BACKTRACE", "1")
        .args(["check", "/nonexistent/kcert"]));
    assert_eq!((code, out.as_str()), (3, ""));
    assert_eq!(
        err,
        "kcert: cannot scan /nonexistent/kcert: no such file or directory\n"
    );
}

#[test]
fn debug_adds_where_it_happened() {
    for debug in [
        kcert_bin().args(["check", "/nonexistent/kcert", "--debug"]),
        kcert_bin()
            .env("KCERT_DEBUG", "1")
            .args(["check", "/nonexistent/kcert"]),
    ] {
        let (code, _, err) = run(debug);
        assert_eq!(code, 3);
        assert!(
            err.contains("cannot scan /nonexistent/kcert") && err.contains("Location"),
            "{err}"
        );
        assert!(!err.contains('\x1b'), "no colour off a terminal: {err}");
    }
    let (_, _, err) = run(kcert_bin()
        .env("KCERT_DEBUG", "0")
        .args(["check", "/nonexistent/kcert"]));
    assert!(!err.contains("Location"), "{err}");
}

#[test]
fn a_mistyped_command_is_named_instead_of_opening_the_ui() {
    for (word, meant) in [("chek", "check"), ("renwe", "renew"), ("porbe", "probe")] {
        let (code, out, err) = run(kcert_bin().arg(word));
        assert_eq!((code, out.as_str()), (2, ""), "{word}: {err}");
        assert_eq!(
            err,
            format!("kcert: '{word}' is not a kcert command or a path; did you mean '{meant}'?\n")
        );
    }
    let (code, _, err) = run(kcert_bin().arg("frobnicate"));
    assert_eq!(code, 2);
    assert!(
        err.contains("'frobnicate': no such file or directory or command"),
        "{err}"
    );
    let (code, _, err) = run(kcert_bin().arg("/nonexistent/kcert"));
    assert_eq!(code, 3);
    assert_eq!(
        err,
        "kcert: cannot scan /nonexistent/kcert: no such file or directory\n"
    );
}

#[test]
fn nothing_under_the_roots_exits_3_and_says_where_it_looked() {
    let empty = fixed_temp_dir("kcert-empty-");
    let root = empty.path().to_str().unwrap();
    let (code, out, err) = run(kcert_cmd(now()).args(["check", root]));
    assert_eq!((code, out.as_str()), (3, ""), "{err}");
    assert!(
        err.starts_with(&format!(
            "kcert: no certificates, keys or kubeconfigs were found under {root}; kcert knows \
             the layouts of kubeadm, k3s, rke2, microk8s, kubespray, hard-way,"
        )),
        "{err}"
    );
    let (code, out, _) = run(kcert_cmd(now()).args(["check", "-o", "json", root]));
    assert_eq!(code, 3);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["exit_code"], 3,
        "the document says what the process did"
    );
}

/// SIGINT once kcert is waiting, then what it exited with.
fn interrupted(cmd: &mut std::process::Command) -> Option<i32> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    child.wait().unwrap().code()
}

#[test]
fn ctrl_c_exits_130() {
    let (_dir, layout) = tree(Faults::default());
    let root = layout.root.to_str().unwrap();
    // Waiting for error lines on stdin.
    let code = interrupted(kcert_cmd(now()).args(["explain", "--root", root, "-"]));
    assert_eq!(code, Some(130));
    // Waiting for an API server that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let kubeconfig = layout.root.join("silent.conf");
    let admin = std::fs::read_to_string(layout.root.join("etc/kubernetes/admin.conf")).unwrap();
    let server = admin
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .unwrap()
        .to_string();
    std::fs::write(
        &kubeconfig,
        admin.replace(&server, &format!("https://127.0.0.1:{port}")),
    )
    .unwrap();
    let code = interrupted(kcert_cmd(now()).args([
        "csr",
        "list",
        "--timeout",
        "60",
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
    ]));
    assert_eq!(code, Some(130));
    drop(silent);
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let (_dir, layout) = tree_with_a_problem();
    let root = layout.root.to_str().unwrap();
    let line = "x509: certificate has expired or is not yet valid: current time \
                2026-11-22T12:00:00Z is after 2026-11-21T12:00:00Z";
    let demo = fixed_temp_dir("kcert-pipe-demo-");
    for args in [
        vec!["check", root],
        vec!["check", "-o", "json", root],
        vec!["probe", "--node-root", root, "--timeout", "200"],
        vec!["explain", "--root", root, line],
        vec!["renew", root, "--all", "--dry-run"],
    ] {
        let read = kcert_cmd(now()).args(&args).output().unwrap();
        assert!(!read.stdout.is_empty(), "{args:?} prints something");
        let mut cmd = kcert_cmd(now());
        cmd.args(&args);
        let (got, err) = with_closed_stdout(cmd);
        assert_eq!(err, "", "{args:?} says nothing on stderr");
        assert_eq!(got, read.status.code(), "{args:?}: the same exit status");
    }
    let mut cmd = kcert_cmd(now());
    cmd.args(["demo", "--no-tui", "--dir", demo.path().to_str().unwrap()]);
    assert_eq!(with_closed_stdout(cmd), (Some(0), String::new()));
    assert!(demo.path().join("etc/kubernetes/pki/ca.crt").is_file());
}

#[test]
fn the_table_fits_a_narrow_terminal_and_wide_or_piped_keeps_every_column() {
    let (_dir, layout) = tree_with_a_problem();
    let root = layout.root.to_str().unwrap();
    let clock = now().to_rfc3339();
    let env = [("KCERT_NOW", clock.as_str())];
    let tables = |s: &str| -> Vec<String> {
        s.lines()
            .skip_while(|l| l.starts_with("Distribution: ") || l.is_empty())
            .take_while(|l| !l.starts_with('('))
            .take_while(|l| *l != "PROBLEMS")
            .map(String::from)
            .collect()
    };
    for cols in [80, 64] {
        let screen = kcert_in_terminal(cols, &env, &["check", root]);
        let t = tables(&screen);
        assert!(t[0].starts_with("CERTIFICATE "), "{screen}");
        assert!(!t[0].contains("EXPIRES"), "{screen}");
        assert!(
            t[0].contains("STATUS") && t[0].ends_with("CHAIN"),
            "{screen}"
        );
        for l in &t {
            assert!(l.chars().count() <= usize::from(cols), "{cols}: {l:?}");
        }
        let apiserver = t.iter().find(|l| l.starts_with("apiserver ")).unwrap();
        assert!(
            apiserver.contains("expired"),
            "a problem stays in sight: {apiserver}"
        );
    }
    // COLUMNS wins over the terminal's size, as in kubectl.
    let screen = kcert_in_terminal(200, &[("COLUMNS", "70"), env[0]], &["check", root]);
    assert!(
        tables(&screen).iter().all(|l| l.chars().count() <= 70),
        "{screen}"
    );
    // The first line names the distribution; the table's header follows a blank line.
    let wide = kcert_in_terminal(80, &env, &["check", "-o", "wide", root]);
    assert!(wide.lines().nth(2).unwrap().contains("EXPIRES"), "{wide}");
    let piped = kcert_cmd(now()).args(["check", root]).output().unwrap();
    let piped = String::from_utf8_lossy(&piped.stdout).into_owned();
    assert!(
        piped.starts_with("Distribution: kubeadm (server, agent)\n\nCERTIFICATE "),
        "{piped}"
    );
    let header = piped.lines().nth(2).unwrap();
    assert!(header.contains("EXPIRES"), "{piped}");
    assert!(header.contains("CERTIFICATE AUTHORITY"));
    assert_eq!(
        piped,
        String::from_utf8_lossy(
            &kcert_cmd(now())
                .args(["check", "-o", "wide", root])
                .output()
                .unwrap()
                .stdout
        ),
        "piped, table and wide are the same"
    );
}

#[test]
fn each_command_help_lists_its_own_options() {
    let (code, out, _) = run(kcert_bin().args(["restart", "--help"]));
    assert_eq!(code, 0);
    for own in ["--recover", "--node-root", "--stop-timeout", "--yes"] {
        assert!(out.contains(own), "{own}:\n{out}");
    }
    for other in [
        "--user-kubeconfig",
        "--kubeconfig",
        "--warn",
        "--color",
        "--debug",
        "--now",
    ] {
        assert!(!out.contains(other), "{other}:\n{out}");
    }
    let (_, out, _) = run(kcert_bin().args(["probe", "--help"]));
    assert!(out.contains("--user-kubeconfig"), "{out}");
}

#[test]
fn a_renew_directory_is_where_to_look() {
    let (_dir, layout) = tree(Faults::default());
    let root = layout.root.to_str().unwrap();
    let out = kcert_cmd(now())
        .args(["renew", root, "apiserver", "--dry-run"])
        .output()
        .unwrap();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!("{root}/etc/kubernetes/pki/apiserver.crt")),
        "{said}"
    );
    assert!(said.contains("Dry run: nothing was changed."), "{said}");
}

#[test]
fn renew_says_what_it_needs_and_when_it_found_nothing() {
    let (code, _, err) = run(kcert_bin().arg("renew"));
    assert_eq!(code, 2);
    assert!(err.contains("--all or --expiring"), "{err}");
    let (code, _, err) = run(kcert_bin().args(["renew", "--all", "apiserver"]));
    assert_eq!(code, 2);
    assert!(err.contains("--all chooses by itself"), "{err}");
    let empty = fixed_temp_dir("kcert-empty-");
    let root = empty.path().to_str().unwrap();
    for args in [
        vec!["renew", "--root", root, "apiserver"],
        vec!["renew", root, "--expiring"],
    ] {
        let (code, out, err) = run(kcert_cmd(now()).args(&args));
        assert_eq!((code, out.as_str()), (3, ""), "{args:?}");
        assert_eq!(
            err,
            format!(
                "kcert: found no certificates under {root}: nothing to renew (--root PATH or a \
                 directory says where to look)\n"
            ),
            "{args:?}"
        );
    }
}
