//! The real binary in a real pseudo-terminal (tmux): the screen a user sees, keys as a
//! terminal sends them, and the terminal handed back intact.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::util::demo_tree;

/// A private tmux server (own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16, command: &str) -> Tmux {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let socket = format!("kcert-e2e-{}-{n}", std::process::id());
        let t = Tmux { socket };
        let (ok, out) = t.run(&[
            "new-session",
            "-d",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            command,
        ]);
        assert!(ok, "tmux new-session failed (is tmux installed?): {out}");
        // Send Esc as a key of its own, not as the start of an escape sequence.
        t.run(&["set-option", "-s", "escape-time", "0"]);
        t
    }

    fn run(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend(keys);
        let (ok, out) = self.run(&args);
        assert!(ok, "send-keys {keys:?}: {out}");
    }

    /// Literal text, character by character as a user types it.
    fn type_text(&self, s: &str) {
        self.send(&["-l", s]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "0"]).1
    }

    fn alternate_screen_on(&self) -> bool {
        self.run(&["display-message", "-p", "-t", "0", "#{alternate_on}"])
            .1
            .trim()
            == "1"
    }

    /// Wait (up to 20 s, for slow CI) until the screen satisfies `pred`; the last screen
    /// goes into the failure message.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // tmux leaves its socket file behind; remove it with the server.
        let socket = self.run(&["display-message", "-p", "#{socket_path}"]).1;
        let _ = self.run(&["kill-server"]);
        let socket = socket.trim();
        if !socket.is_empty() {
            let _ = std::fs::remove_file(socket);
        }
    }
}

/// A shell line that prints a marker, runs kcert, then reports its exit code and whether the
/// tty is back in canonical (cooked) mode, and stays open for inspection.
fn session_command(root: &Path) -> String {
    session_command_env(root, "")
}

/// [`session_command`] with `env` (`NAME=value ...`) set for kcert.
fn session_command_env(root: &Path, env: &str) -> String {
    format!(
        "sh -c 'echo BEFORE-KCERT; KCERT_NOW=2026-11-22T12:00:00Z NO_COLOR=1 {env} {bin} {root}; \
         echo AFTER-KCERT exit=$?; \
         if stty -a | tr \" \" \"\\n\" | grep -qx icanon; then echo TTY-COOKED; else echo TTY-RAW; fi; \
         sleep 600'",
        bin = env!("CARGO_BIN_EXE_kcert"),
        root = root.display(),
    )
}

#[test]
fn move_filter_help_and_quit_in_a_real_terminal() {
    let dir = demo_tree();
    let tmux = Tmux::start(100, 30, &session_command(dir.path()));

    let s = tmux.wait_for("the scanned tree", |s| s.contains("Kubernetes CA"));
    assert!(
        tmux.alternate_screen_on(),
        "the UI runs on the alternate screen"
    );
    assert!(
        !s.contains("BEFORE-KCERT"),
        "the shell's screen is hidden while the UI runs"
    );
    assert!(s.contains("etcd CA") && s.contains("Front-proxy (request-header) CA"));
    assert!(
        s.contains("? help") && s.contains("q quit"),
        "footer hints:\n{s}"
    );

    // Move down to the first certificate under the Kubernetes CA: details follow.
    tmux.send(&["Down", "j"]);
    tmux.wait_for("details of a selected certificate", |s| {
        s.contains("Status") && s.contains("Subject")
    });

    // Incremental filter: the tree narrows as we type.
    tmux.type_text("/");
    tmux.type_text("etcd-peer");
    let s = tmux.wait_for("the filtered tree", |s| s.contains("/etcd-peer█"));
    assert!(s.contains("etcd-peer"));
    assert!(!s.contains("front-proxy-client"), "filtered out:\n{s}");
    tmux.send(&["Enter"]);

    // Help overlay, generated from the key table, and closed with Esc.
    tmux.type_text("?");
    tmux.wait_for("the help overlay", |s| {
        s.contains("collapse, or go to parent")
    });
    tmux.send(&["Escape"]);
    tmux.wait_for("help closed", |s| !s.contains("collapse, or go to parent"));

    // Too small, then big enough again.
    tmux.run(&["resize-window", "-t", "0", "-x", "50", "-y", "14"]);
    tmux.wait_for("the too-small notice", |s| s.contains("Terminal too small"));
    tmux.run(&["resize-window", "-t", "0", "-x", "100", "-y", "30"]);
    tmux.wait_for("the tree again", |s| s.contains("etcd CA"));

    tmux.type_text("q");
    let s = tmux.wait_for("the shell after quitting", |s| s.contains("TTY-"));
    assert!(
        s.contains("BEFORE-KCERT"),
        "the shell's screen is back:\n{s}"
    );
    assert!(s.contains("AFTER-KCERT exit=0"), "{s}");
    assert!(s.contains("TTY-COOKED"), "raw mode was left:\n{s}");
    assert!(!tmux.alternate_screen_on(), "alternate screen was left");
    assert!(
        !s.contains("Kubernetes CA"),
        "no UI remnants on the shell's screen:\n{s}"
    );
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let dir = demo_tree();
    let tmux = Tmux::start(100, 30, &session_command(dir.path()));
    tmux.wait_for("the UI", |s| s.contains("1 PKI"));
    tmux.type_text("/");
    tmux.send(&["C-c"]);
    let s = tmux.wait_for("the shell after Ctrl-C", |s| s.contains("TTY-"));
    assert!(
        s.contains("AFTER-KCERT exit=0") && s.contains("TTY-COOKED"),
        "{s}"
    );
    assert!(!tmux.alternate_screen_on());
}

#[test]
fn renew_from_the_ui_in_a_real_terminal() {
    let dir = demo_tree();
    let crt = dir.path().join("etc/kubernetes/pki/apiserver.crt");
    let before = std::fs::read(&crt).unwrap();
    let tmux = Tmux::start(100, 30, &session_command(dir.path()));
    tmux.wait_for("the scanned tree", |s| s.contains("Kubernetes CA"));
    tmux.type_text("/apiserver");
    tmux.send(&["Enter"]);
    tmux.type_text("r");
    tmux.wait_for("the renewal plan", |s| {
        s.contains("Renew 1 certificate(s)?") && s.contains("apiserver.crt")
    });
    assert_eq!(
        std::fs::read(&crt).unwrap(),
        before,
        "nothing is written before y"
    );
    tmux.type_text("y");
    tmux.wait_for("the report", |s| s.contains("apiserver renewed"));
    tmux.send(&["Escape"]);
    let s = tmux.wait_for("the banner", |s| s.contains("now restart kube-apiserver"));
    assert!(!s.contains("apiserver renewed"), "the report closed:\n{s}");
    tmux.type_text("q");
    let s = tmux.wait_for("the shell after quitting", |s| s.contains("TTY-"));
    assert!(
        s.contains("AFTER-KCERT exit=0") && s.contains("TTY-COOKED"),
        "{s}"
    );
    assert_ne!(
        std::fs::read(&crt).unwrap(),
        before,
        "apiserver.crt was renewed"
    );
}

#[cfg(feature = "demo")]
#[test]
fn demo_csrs_can_be_approved_and_the_server_stops_with_the_ui() {
    let dir = crate::common::fixed_temp_dir("kcert-e2e-demo-");
    // Where the demo cluster's kubeconfig goes (a temp dir of its own), to look at it.
    let tmpdir = crate::common::fixed_temp_dir("kcert-e2e-tmp-");
    // The wall clock: the demo's CSRs are dated from it.
    let command = format!(
        "sh -c 'umask 000; TMPDIR={tmpdir} NO_COLOR=1 {bin} demo --dir {dir}; echo AFTER-KCERT exit=$?; \
         if stty -a | tr \" \" \"\\n\" | grep -qx icanon; then echo TTY-COOKED; else echo TTY-RAW; fi; \
         sleep 600'",
        bin = env!("CARGO_BIN_EXE_kcert"),
        dir = dir.path().display(),
        tmpdir = tmpdir.path().display(),
    );
    let tmux = Tmux::start(100, 30, &command);
    tmux.wait_for("the local PKI tab", |s| s.contains("Kubernetes CA"));
    // The demo cluster's kubeconfig holds a client key: 0600 in a 0700 directory, umask 000.
    let cluster_dir = std::fs::read_dir(tmpdir.path())
        .unwrap()
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("kcert-demo-cluster-")
        })
        .expect("the demo cluster's directory")
        .path();
    let mode = |p: &std::path::Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(mode(&cluster_dir), 0o700);
    assert_eq!(mode(&cluster_dir.join("kubeconfig")), 0o600);

    tmux.type_text("2");
    let s = tmux.wait_for("the demo CSRs", |s| {
        s.contains("csr-serving-worker-1") && s.contains("bob-admin")
    });
    assert!(s.contains("REQUESTOR") && s.contains("VERDICT"), "{s}");
    let row = |s: &str| {
        s.lines()
            .find(|l| l.contains("csr-serving-worker-1 "))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(&s).contains("Pending"), "{s}");

    // Pending rows come newest first: csr-serving-worker-1 is the third.
    tmux.send(&["Down", "Down"]);
    tmux.wait_for("its details", |s| {
        s.contains("csr-serving-worker-1  Pending")
    });
    tmux.type_text("a");
    tmux.wait_for("the confirmation with the verdict", |s| {
        s.contains("Approve csr-serving-worker-1?") && s.contains("Verdict: ✓ valid")
    });
    tmux.type_text("y");
    let s = tmux.wait_for("the new condition from the watch", |s| {
        row(s).contains("Approved,Issued")
    });
    assert!(
        s.contains("csr-serving-worker-1 approved"),
        "footer notice:\n{s}"
    );

    tmux.type_text("q");
    let s = tmux.wait_for("the shell after quitting", |s| s.contains("TTY-"));
    assert!(
        s.contains("AFTER-KCERT exit=0") && s.contains("TTY-COOKED"),
        "{s}"
    );
    assert!(s.contains("The demo API server has stopped."), "{s}");
    // The address printed before the UI opened no longer answers.
    let addr = s
        .split_whitespace()
        .find_map(|w| w.strip_prefix("https://"))
        .expect("the demo server's address was printed");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "{addr} still accepts connections"
    );
}

/// A 24-row terminal under a tmux status bar is 80x23: kcert draws there. Made too small, it
/// says so and no key acts on the screen nobody sees (`r` would have planned a renewal that one
/// `y` after resizing would have carried out). `y` copies the selected certificate's absolute
/// path through the terminal (OSC 52), which tmux keeps as a paste buffer.
#[test]
fn at_80x23_keys_act_only_on_what_is_shown_and_y_copies_the_path() {
    let dir = demo_tree();
    let crt = dir.path().join("etc/kubernetes/pki/apiserver.crt");
    let before = std::fs::read(&crt).unwrap();
    let tmux = Tmux::start(80, 23, &session_command(dir.path()));
    tmux.run(&["set-option", "-s", "set-clipboard", "on"]);
    let s = tmux.wait_for("the scanned tree", |s| s.contains("Kubernetes CA"));
    assert!(!s.contains("Terminal too small"), "{s}");
    tmux.type_text("/apiserver");
    tmux.send(&["Enter"]);
    tmux.wait_for("apiserver selected", |s| s.contains("CN=kube-apiserver"));

    tmux.type_text("y");
    tmux.wait_for("the copy notice", |s| s.contains("copied /"));
    let (ok, copied) = tmux.run(&["show-buffer"]);
    assert!(ok, "no paste buffer: {copied}");
    assert_eq!(copied, crt.display().to_string());

    tmux.run(&["resize-window", "-t", "0", "-x", "59", "-y", "23"]);
    tmux.wait_for("the too-small notice", |s| s.contains("Terminal too small"));
    tmux.type_text("r");
    std::thread::sleep(Duration::from_millis(500));
    tmux.run(&["resize-window", "-t", "0", "-x", "80", "-y", "23"]);
    tmux.wait_for("the tree again", |s| s.contains("CN=kube-apiserver"));
    std::thread::sleep(Duration::from_millis(500));
    let s = tmux.screen();
    assert!(!s.contains("Renew 1 certificate"), "r acted unseen:\n{s}");
    tmux.type_text("q");
    let s = tmux.wait_for("the shell after quitting", |s| s.contains("TTY-"));
    assert!(s.contains("AFTER-KCERT exit=0"), "{s}");
    assert_eq!(std::fs::read(&crt).unwrap(), before, "nothing was renewed");
}

/// The clock at the right of the header: `2026-12-06 23:50:22 UTC`.
#[cfg(feature = "demo")]
fn header_time(screen: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let line = screen.lines().next()?;
    let at = line.trim_end().strip_suffix(" UTC")?;
    let at = at.get(at.len().checked_sub(19)?..)?;
    chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

/// `kcert demo` makes its tree relative to its start, then its clock runs: the header's time
/// moves on, and a renewal is dated when it happens, not when the demo started.
#[cfg(feature = "demo")]
#[test]
fn the_demo_clock_runs() {
    let dir = crate::common::fixed_temp_dir("kcert-e2e-demo-");
    let command = format!(
        "sh -c 'NO_COLOR=1 {bin} demo --dir {dir}; sleep 600'",
        bin = env!("CARGO_BIN_EXE_kcert"),
        dir = dir.path().display(),
    );
    let tmux = Tmux::start(80, 24, &command);
    let s = tmux.wait_for("the local PKI tab", |s| s.contains("Kubernetes CA"));
    let start = header_time(&s).expect("a time in the header");
    let s = tmux.wait_for("the clock to move", |s| {
        header_time(s).is_some_and(|t| t >= start + chrono::Duration::seconds(2))
    });
    assert!(s.contains("Kubernetes CA"), "{s}");

    tmux.type_text("/apiserver");
    tmux.send(&["Enter"]);
    tmux.type_text("r");
    tmux.wait_for("the renewal plan", |s| {
        s.contains("Renew 1 certificate(s)?")
    });
    tmux.type_text("y");
    tmux.wait_for("the report", |s| s.contains("apiserver renewed"));
    let der =
        kcert::pki::decode::read_certificates(&dir.path().join("etc/kubernetes/pki/apiserver.crt"));
    assert_eq!(der.len(), 1, "the renewed certificate");
    let cert = kcert::pki::decode::certificate(&der[0]).unwrap();
    let (_, not_after) = kcert::pki::decode::validity(&cert);
    assert!(
        not_after >= start + chrono::Duration::days(365) + chrono::Duration::seconds(2),
        "NotAfter {not_after} is a year after the demo's start {start}, not after the renewal"
    );
    tmux.type_text("q");
}

/// Built without the cargo feature `demo`, `kcert demo` says this build has no demo server
/// (after writing the demo tree, which needs none) and fails.
#[cfg(not(feature = "demo"))]
#[test]
fn without_the_demo_feature_kcert_demo_says_it_has_no_server() {
    let dir = crate::common::fixed_temp_dir("kcert-e2e-demo-");
    let out = crate::common::kcert_bin()
        .args(["demo", "--dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let said = crate::common::text(&out);
    assert_eq!(out.status.code(), Some(3), "{said}");
    assert!(
        said.contains("this build of kcert has no demo API server"),
        "{said}"
    );
    assert!(dir.path().join("etc/kubernetes/pki/ca.crt").is_file());
}

/// A real TLS server plays the API server and keeps serving the certificate it read before a
/// renewal: the real binary shows "restart needed" without the UI ever waiting on the probe.
#[test]
fn a_stale_served_certificate_shows_restart_needed_in_a_real_terminal() {
    let (dir, layout, ports) = crate::runtime::node();
    let _api = crate::server::TlsServer::from_files(
        crate::server::loopback(ports.api),
        &layout.pki.join("apiserver.crt"),
        &layout.pki.join("apiserver.key"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kcert"))
        .env("KCERT_NOW", "2026-11-22T12:00:00Z")
        .args(["renew", "apiserver", "--yes", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");

    let tmux = Tmux::start(100, 30, &session_command(dir.path()));
    let start = Instant::now();
    tmux.wait_for("the scanned tree", |s| s.contains("Kubernetes CA"));
    let tree = start.elapsed();
    let s = tmux.wait_for("the served state", |s| s.contains("⟳ restart"));
    let served = start.elapsed();
    eprintln!("tree after {tree:?}, served state after {served:?}");
    let row = s
        .lines()
        .find(|l| l.contains("─ apiserver "))
        .unwrap_or_default();
    assert!(row.contains("⟳ restart"), "{s}");
    tmux.type_text("/apiserver");
    tmux.send(&["Enter"]);
    tmux.wait_for("the served line in the details", |s| {
        s.contains("serving an") && s.contains("restart needed")
    });
    // `e`, then a real bracketed paste of a log line about the renewed certificate. Its line
    // break would be Enter if the paste came as keys; pasted, it stays in the field.
    tmux.send(&["e"]);
    tmux.wait_for("the explain prompt", |s| s.contains("x509 error: "));
    let line = "E1123 kubectl: x509: certificate has expired or is not yet valid: current time \
                2027-11-23T00:00:00Z is after 2027-11-22T12:00:00Z\n";
    let (ok, out) = tmux.run(&["set-buffer", line]);
    assert!(ok, "{out}");
    let (ok, out) = tmux.run(&["paste-buffer", "-p", "-t", "0"]);
    assert!(ok, "{out}");
    tmux.wait_for("the pasted line", |s| s.contains("2027-11-22T12:00:00Z█"));
    tmux.send(&["Enter"]);
    tmux.wait_for("the explanation", |s| {
        s.contains("1 certificate matches NotAfter 2027-11-22 12:00:00 UTC: apiserver")
    });
    tmux.send(&["q"]);
    let s = tmux.wait_for("the shell after quitting", |s| s.contains("TTY-"));
    assert!(
        s.contains("AFTER-KCERT exit=0") && s.contains("TTY-COOKED"),
        "{s}"
    );
}

impl Tmux {
    /// Wait until kcert has ended; check it exited with `exit` and left the terminal as it
    /// found it (cooked mode, main screen). The screen then.
    fn back_in_the_shell(&self, exit: i32) -> String {
        let s = self.wait_for("the shell after kcert", |s| s.contains("TTY-"));
        let ended = format!("AFTER-KCERT exit={exit}");
        assert!(s.contains(&ended) && s.contains("TTY-COOKED"), "{s}");
        assert!(!self.alternate_screen_on());
        s
    }

    /// The pid of the program the pane's shell runs (kcert), once it runs.
    fn child_pid(&self) -> String {
        let shell = self
            .run(&["display-message", "-p", "-t", "0", "#{pane_pid}"])
            .1;
        let children = format!("/proc/{0}/task/{0}/children", shell.trim());
        let pid = std::fs::read_to_string(&children).unwrap_or_default();
        let pid = pid
            .split_whitespace()
            .next()
            .expect("kcert runs in the pane");
        pid.to_string()
    }
}

#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    let dir = demo_tree();
    let tmux = Tmux::start(100, 30, &session_command(dir.path()));
    tmux.wait_for("the UI", |s| s.contains("Kubernetes CA"));
    let pid = tmux.child_pid();
    let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(killed.success());
    tmux.back_in_the_shell(130);
}

#[test]
fn a_panic_restores_the_terminal_and_says_internal_error_without_a_backtrace() {
    let dir = demo_tree();
    // A debug build panics on the UI thread once the UI is up when this is set.
    let env = "KCERT_TEST_PANIC=1 RUST_BACKTRACE=1";
    let tmux = Tmux::start(100, 30, &session_command_env(dir.path(), env));
    let s = tmux.back_in_the_shell(3);
    assert!(s.contains("kcert: internal error: "), "{s}");
    assert!(s.contains("This is a bug in kcert"), "{s}");
    assert!(
        !s.contains("stack backtrace") && !s.contains("BACKTRACE"),
        "{s}"
    );
}

#[test]
fn kcert_dir_watches_the_cluster_of_that_nodes_admin_conf() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(kcert_fakeapi::TestServer::start(Default::default()))
        .unwrap();
    kcert_fakeapi::seed::demo(&server).unwrap();
    let dir = demo_tree();
    let admin = dir.path().join("etc/kubernetes/admin.conf");
    server.write_admin_kubeconfig(&admin).unwrap();
    // No kubeconfig of the machine's own to fall back on.
    let home = crate::common::fixed_temp_dir("kcert-home-");
    let env = format!("HOME={} KUBECONFIG=", home.path().display());
    let tmux = Tmux::start(120, 30, &session_command_env(dir.path(), &env));
    tmux.wait_for("the UI", |s| s.contains("Kubernetes CA"));
    tmux.type_text("2");
    tmux.wait_for("the node's cluster's CSRs", |s| s.contains("bob-admin"));
    tmux.type_text("q");
    tmux.back_in_the_shell(0);
}
