//! Restarting a static pod: a separate process plays the kubelet (it stops serving when the
//! manifest leaves and starts again, reading the files anew, when it comes back); interrupts
//! and kills never lose the manifest.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kcert::demo::Faults;
use kcert::runtime::journal::{self, Recovery};
use kcert::runtime::restart::{Progress, RestartError, StepKind};
use kcert::runtime::{self, Component, Node, RestartOptions, ServedState};

use crate::common::{kcert, kcert_cmd, text};
use crate::server::{loopback, play_kubelet, TlsServer};
use crate::util::{later, node, probe_now, TestNode};

const STANDIN: &str = "restart::kubelet_standin";

/// The kubelet stand-in, run in its own process by the tests below. Watches one manifest;
/// serves the API server's certificate files while it is there (after a start delay, like
/// a container starting) and stops (after a grace delay) when it leaves. Ends by itself.
#[test]
#[ignore = "helper process started by the restart tests, not a test"]
fn kubelet_standin() {
    let var = |k: &str| std::env::var(k).ok();
    let (Some(manifest), Some(port), Some(cert), Some(key)) = (
        var("KCERT_STANDIN_MANIFEST"),
        var("KCERT_STANDIN_PORT"),
        var("KCERT_STANDIN_CERT"),
        var("KCERT_STANDIN_KEY"),
    ) else {
        return; // run directly: nothing to stand in for
    };
    let port: u16 = port.parse().expect("port");
    let deadline = Instant::now() + Duration::from_secs(60);
    play_kubelet(
        Path::new(&manifest),
        port,
        Path::new(&cert),
        Path::new(&key),
        || Instant::now() >= deadline,
    );
}

/// The stand-in process for the API server of `n`; killed (by its pid) when dropped.
struct Kubelet(Child);

impl Kubelet {
    fn start(n: &TestNode) -> Kubelet {
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                STANDIN,
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("KCERT_STANDIN_MANIFEST", n.manifest("kube-apiserver.yaml"))
            .env("KCERT_STANDIN_PORT", n.ports.api.to_string())
            .env("KCERT_STANDIN_CERT", n.pki("apiserver.crt"))
            .env("KCERT_STANDIN_KEY", n.pki("apiserver.key"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the kubelet stand-in");
        Kubelet(child)
    }
}

impl Drop for Kubelet {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn api_state(n: &TestNode) -> ServedState {
    let node_ = Node::read(&n.paths());
    let t = runtime::targets(&node_, &[]);
    let r = probe_now(&t.of(Component::ApiServer), Duration::from_secs(2));
    assert_eq!(r.len(), 1);
    r[0].state
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn restart_after_renewal_ends_serving_the_new_certificate() {
    let n = node(Faults::default(), "127.0.0.1");
    let manifest = n.manifest("kube-apiserver.yaml");
    let before = std::fs::read(&manifest).unwrap();
    let _kubelet = Kubelet::start(&n);
    wait_for("the API server to serve", || {
        api_state(&n) == ServedState::Current
    });
    let out = kcert(
        later(),
        &["renew", "apiserver", "--root", n.root(), "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(api_state(&n), ServedState::Stale);

    let out = restart_apiserver(&n, "20", "20");
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    let steps: Vec<&str> = said.lines().filter(|l| l.starts_with("  [")).collect();
    let kinds = [
        StepKind::Journal,
        StepKind::MoveOut,
        StepKind::WaitStopped,
        StepKind::MoveBack,
        StepKind::WaitServing,
    ];
    assert_eq!(steps.len(), kinds.len(), "{said}");
    for (line, kind) in steps.iter().zip(kinds) {
        assert!(
            line.starts_with(&format!("  [ok] {} (", kind.describe())),
            "{line}"
        );
        assert!(line.contains(" ms): "), "timed: {line}");
    }
    assert!(said.contains("Restarted kube-apiserver in"), "{said}");
    assert_eq!(
        std::fs::read(&manifest).unwrap(),
        before,
        "manifest unchanged"
    );
    assert_eq!(
        api_state(&n),
        ServedState::Current,
        "serving the renewed file"
    );
    let tmp = n.layout.etc_kubernetes.join("tmp");
    assert_eq!(journal::read_pending(&tmp).unwrap(), None);
    let history = std::fs::read_to_string(tmp.join(journal::HISTORY)).unwrap();
    let last: serde_json::Value = serde_json::from_str(history.lines().last().unwrap()).unwrap();
    assert_eq!(last["action"], "restart");
    assert_eq!(last["ok"], true);
    assert_eq!(last["steps"].as_array().unwrap().len(), 5);
}

/// `kcert restart apiserver --yes` on `n` with these timeouts (seconds), polling every 50 ms.
fn restart_apiserver(n: &TestNode, stop: &str, start: &str) -> std::process::Output {
    kcert(
        later(),
        &[
            "restart",
            "apiserver",
            "--node-root",
            n.root(),
            "--yes",
            "--stop-timeout",
            stop,
            "--start-timeout",
            start,
            "--poll",
            "50",
        ],
    )
}

/// `kcert restart` as a child, waiting for the component to stop: a server that ignores
/// the manifest (a stuck kubelet) keeps it waiting.
fn restart_child(n: &TestNode) -> Child {
    kcert_cmd(later())
        .args([
            "restart",
            "kube-apiserver",
            "--node-root",
            n.root(),
            "--yes",
            "--stop-timeout",
            "60",
            "--poll",
            "50",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

fn finish(mut child: Child) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (status.code(), text(&out));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("kcert restart did not end after the signal");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn an_interrupted_restart_puts_the_manifest_back() {
    // Ctrl-C exits 130 like every command; SIGTERM says "interrupted" with 2.
    for (sig, exit) in [("-INT", 130), ("-TERM", 2)] {
        let n = node(Faults::default(), "127.0.0.1");
        let manifest = n.manifest("kube-apiserver.yaml");
        let before = std::fs::read(&manifest).unwrap();
        let _stuck = TlsServer::from_files(
            loopback(n.ports.api),
            &n.pki("apiserver.crt"),
            &n.pki("apiserver.key"),
        )
        .unwrap();
        let child = restart_child(&n);
        wait_for("the manifest to leave", || !manifest.exists());
        signal(&child, sig);
        let (code, said) = finish(child);
        assert_eq!(code, Some(exit), "{sig}: {said}");
        assert!(
            said.contains(
                "interrupted during \"wait until it stops serving\"; the manifest was put back"
            ),
            "{sig}: {said}"
        );
        assert_eq!(std::fs::read(&manifest).unwrap(), before, "{sig}");
        let tmp = n.layout.etc_kubernetes.join("tmp");
        assert_eq!(journal::read_pending(&tmp).unwrap(), None, "{sig}");
    }
}

#[test]
fn a_killed_restart_is_reported_and_recovered_by_the_next_kcert() {
    let n = node(Faults::default(), "127.0.0.1");
    let manifest = n.manifest("kube-apiserver.yaml");
    let before = std::fs::read(&manifest).unwrap();
    let _stuck = TlsServer::from_files(
        loopback(n.ports.api),
        &n.pki("apiserver.crt"),
        &n.pki("apiserver.key"),
    )
    .unwrap();
    let child = restart_child(&n);
    wait_for("the manifest to leave", || !manifest.exists());
    signal(&child, "-KILL");
    let _ = finish(child);
    assert!(!manifest.exists(), "kill -9 leaves it out");
    let tmp = n.layout.etc_kubernetes.join("tmp");
    let pending = journal::read_pending(&tmp).unwrap().expect("journalled");
    assert_eq!(pending.manifest, manifest);
    assert_eq!(std::fs::read(&pending.moved_to).unwrap(), before);

    // Any kcert start tells.
    let out = kcert(later(), &["check", n.root()]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "an interrupted restart of kube-apiserver (pid {}",
            pending.pid
        )),
        "{}",
        text(&out)
    );
    // A new restart refuses to start over it without an answer.
    let out = kcert(later(), &["restart", "apiserver", "--node-root", n.root()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(!manifest.exists());
    let out = kcert(
        later(),
        &["restart", "--recover", "--node-root", n.root(), "--yes"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Put "), "{}", text(&out));
    assert_eq!(std::fs::read(&manifest).unwrap(), before);
    assert_eq!(journal::recover(&tmp).unwrap(), Recovery::NothingPending);
}

fn plan(n: &TestNode, stop: Duration) -> runtime::RestartPlan {
    let node_ = Node::read(&n.paths());
    let targets = runtime::targets(&node_, &[]);
    let mut opts = RestartOptions::new(later());
    opts.stop_timeout = stop;
    opts.start_timeout = Duration::from_secs(5);
    opts.poll = Duration::from_millis(50);
    runtime::plan_restart(&node_, Component::ApiServer, &targets, &opts).unwrap()
}

#[test]
fn the_library_reports_steps_live_and_survives_a_component_that_never_stops() {
    let n = node(Faults::default(), "127.0.0.1");
    let manifest = n.manifest("kube-apiserver.yaml");
    let before = std::fs::read(&manifest).unwrap();
    let _stuck = TlsServer::from_files(
        loopback(n.ports.api),
        &n.pki("apiserver.crt"),
        &n.pki("apiserver.key"),
    )
    .unwrap();
    let plan = plan(&n, Duration::from_millis(300));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut events = Vec::new();
    let report = rt
        .block_on(runtime::restart(
            &plan,
            std::future::pending::<()>(),
            |p: Progress<'_>| match p {
                Progress::Begin(k) => events.push(format!("begin {k:?}")),
                Progress::End(s) => events.push(format!("end {:?} {}", s.kind, s.ok)),
                Progress::Probed(_) => {}
            },
        ))
        .unwrap();
    assert_eq!(
        events,
        [
            "begin Journal",
            "end Journal true",
            "begin MoveOut",
            "end MoveOut true",
            "begin WaitStopped",
            "end WaitStopped false",
            "begin MoveBack",
            "end MoveBack true",
            "begin WaitServing",
            "end WaitServing true",
        ]
    );
    assert!(report.steps[2]
        .note
        .starts_with("still serving after 0.3 s; moving the manifest back anyway"));
    assert_eq!(report.last_probe[0].state, ServedState::Current);
    assert_eq!(std::fs::read(&manifest).unwrap(), before);
}

#[test]
fn cancelling_or_dropping_a_restart_mid_wait_puts_the_manifest_back() {
    let n = node(Faults::default(), "127.0.0.1");
    let manifest = n.manifest("kube-apiserver.yaml");
    let before = std::fs::read(&manifest).unwrap();
    let _stuck = TlsServer::from_files(
        loopback(n.ports.api),
        &n.pki("apiserver.crt"),
        &n.pki("apiserver.key"),
    )
    .unwrap();
    let tmp = n.layout.etc_kubernetes.join("tmp");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // A UI's cancel button, pressed once the manifest is out.
    let plan_a = plan(&n, Duration::from_secs(60));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut tx = Some(tx);
    let result = rt.block_on(runtime::restart(
        &plan_a,
        async {
            let _ = rx.await;
        },
        |p: Progress<'_>| {
            if let Progress::End(s) = p {
                if s.kind == StepKind::MoveOut {
                    assert!(!manifest.exists());
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(());
                    }
                }
            }
        },
    ));
    match result {
        Err(RestartError::Interrupted { step, restored, .. }) => {
            assert_eq!(step, StepKind::WaitStopped);
            assert_eq!(restored, "the manifest was put back");
        }
        other => panic!("expected an interruption, got {other:?}"),
    }
    assert_eq!(std::fs::read(&manifest).unwrap(), before);
    assert_eq!(journal::read_pending(&tmp).unwrap(), None);

    // A UI task aborted outright: the future is dropped while waiting.
    let plan_b = plan(&n, Duration::from_secs(60));
    let dropped = rt.block_on(async {
        tokio::time::timeout(
            Duration::from_millis(400),
            runtime::restart(&plan_b, std::future::pending::<()>(), |_: Progress<'_>| {}),
        )
        .await
    });
    assert!(dropped.is_err(), "still waiting when dropped");
    assert_eq!(std::fs::read(&manifest).unwrap(), before);
    assert_eq!(journal::read_pending(&tmp).unwrap(), None);
}

/// Nothing listens at all: the stop wait says the component was not serving (not "stopped
/// after 0.0 s"), and the failure to come back names what the probe found.
#[test]
fn a_component_that_was_not_serving_is_said_to_be_so() {
    let n = node(Faults::default(), "127.0.0.1");
    let out = restart_apiserver(&n, "5", "1");
    let said = text(&out);
    assert_ne!(out.status.code(), Some(0), "{said}");
    let stop = said
        .lines()
        .find(|l| l.contains("wait until it stops serving ("))
        .unwrap_or_default();
    assert!(
        stop.starts_with("  [ok] ") && stop.ends_with("): was not serving"),
        "{said}"
    );
    assert!(said.contains("not listening"), "{said}");
}
