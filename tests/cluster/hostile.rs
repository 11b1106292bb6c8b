//! A hostile or broken server at the kubeconfig's address: endless and oversized bodies, a
//! watch line that never ends, pagination that never ends, a watch that never answers, a
//! response that stalls, a FIFO where a file should be; for `kcert csr` and `kcert ca plan`. kcert stops at its bounds and says
//! what happened, never "the host is down" for a server that answered, and never hangs.
//!
//! The server is a few lines of plain HTTP/1.1 on a socket, written here: it shares nothing
//! with kcert or the fake API server. What it sends is capped, so that a kcert without its
//! bounds waits (and the test fails on time) instead of exhausting the machine's memory.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use kcert::cluster::{spawn_watch, Access, ClusterEvent, ConnectionState, Locations};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::{kcert_bin, text};

const MIB: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The CSR list streams without end (capped at 200 MiB, then stalls).
    EndlessBody,
    /// The CSR list says it is 80 MiB and sends it.
    OversizedBody,
    /// Every page of the CSR list has a new continue token.
    EndlessPages,
    /// The CSR watch sends 6 MiB without a line break, then stalls.
    EndlessWatchLine,
    /// The Nodes watch never answers; the CSR watch sends one event.
    StalledNodeWatch,
    /// Even the first small list sends its headers and then nothing.
    StalledBody,
}

const EMPTY_LIST: &str = r#"{"kind":"CertificateSigningRequestList","apiVersion":"certificates.k8s.io/v1","metadata":{"resourceVersion":"1"},"items":[]}"#;
const NODE_LIST: &str =
    r#"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}"#;
const ADDED: &str = r#"{"type":"ADDED","object":{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"csr-live","uid":"u-1","resourceVersion":"2","creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{"request":"","signerName":"kubernetes.io/kube-apiserver-client-kubelet","usages":["client auth"],"username":"system:node:n1"}}}"#;

async fn write_all(s: &mut TcpStream, b: &[u8]) -> bool {
    s.write_all(b).await.is_ok()
}

async fn respond(s: &mut TcpStream, body: &str) -> bool {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    write_all(s, head.as_bytes()).await && write_all(s, body.as_bytes()).await
}

async fn chunked_head(s: &mut TcpStream) -> bool {
    write_all(
        s,
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await
}

async fn chunk(s: &mut TcpStream, data: &[u8]) -> bool {
    write_all(s, format!("{:x}\r\n", data.len()).as_bytes()).await
        && write_all(s, data).await
        && write_all(s, b"\r\n").await
}

async fn stall() {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

/// Read one request head; `None` when the client is gone.
async fn request(s: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    text.lines().next().map(str::to_string)
}

async fn connection(
    mut s: TcpStream,
    mode: Mode,
    pages: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    while let Some(line) = request(&mut s).await {
        let target = line.split(' ').nth(1).unwrap_or_default().to_string();
        let watch = target.contains("watch=true") || target.contains("watch=1");
        // ConfigMaps (what `kcert ca plan` reads first) are served as badly as CSRs.
        let csrs = target.contains("certificatesigningrequests") || target.contains("/configmaps");
        let probe = target.contains("limit=1&") || target.ends_with("limit=1");
        let ok = match (csrs, watch) {
            _ if mode == Mode::StalledBody => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":";
                write_all(&mut s, head.as_bytes()).await;
                stall().await;
                false
            }
            (false, false) => respond(&mut s, NODE_LIST).await,
            (false, true) if mode == Mode::StalledNodeWatch => {
                stall().await;
                false
            }
            (false, true) => {
                chunked_head(&mut s).await;
                stall().await;
                false
            }
            (true, false) if probe => respond(&mut s, EMPTY_LIST).await,
            (true, false) => match mode {
                Mode::EndlessBody => {
                    chunked_head(&mut s).await;
                    chunk(
                        &mut s,
                        br#"{"kind":"CertificateSigningRequestList","items":["#,
                    )
                    .await;
                    let spaces = vec![b' '; MIB];
                    for _ in 0..200 {
                        if !chunk(&mut s, &spaces).await {
                            return;
                        }
                    }
                    stall().await;
                    false
                }
                Mode::OversizedBody => {
                    let len = 80 * MIB;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
                    );
                    write_all(&mut s, head.as_bytes()).await;
                    let spaces = vec![b' '; MIB];
                    for _ in 0..80 {
                        if !write_all(&mut s, &spaces).await {
                            return;
                        }
                    }
                    stall().await;
                    false
                }
                Mode::EndlessPages => {
                    let n = pages.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let body = format!(
                        r#"{{"kind":"CertificateSigningRequestList","apiVersion":"certificates.k8s.io/v1","metadata":{{"resourceVersion":"1","continue":"page-{n}"}},"items":[]}}"#
                    );
                    respond(&mut s, &body).await
                }
                _ => respond(&mut s, EMPTY_LIST).await,
            },
            (true, true) => {
                chunked_head(&mut s).await;
                match mode {
                    Mode::EndlessWatchLine => {
                        let x = vec![b'x'; MIB];
                        for _ in 0..6 {
                            if !chunk(&mut s, &x).await {
                                return;
                            }
                        }
                    }
                    Mode::StalledNodeWatch => {
                        chunk(&mut s, format!("{ADDED}\n").as_bytes()).await;
                    }
                    _ => {}
                }
                stall().await;
                false
            }
        };
        if !ok {
            return;
        }
    }
}

/// A hostile server in `mode` and a kubeconfig (no credentials, plain HTTP) for it.
async fn hostile(mode: Mode, dir: &Path) -> (String, PathBuf) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let pages = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(connection(s, mode, pages.clone()));
        }
    });
    let kubeconfig = dir.join("hostile.conf");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: h\n  cluster:\n    server: {url}\n\
             users:\n- name: u\n  user: {{}}\ncontexts:\n- name: h\n  context:\n    cluster: h\n    user: u\n\
             current-context: h\n"
        ),
    )
    .unwrap();
    (url, kubeconfig)
}

/// kcert with `args`, killed if it runs past `limit`; its output and how long it took.
async fn kcert_within(args: &[&std::ffi::OsStr], limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut cmd = tokio::process::Command::from(kcert_bin());
    cmd.args(args).kill_on_drop(true);
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .unwrap_or_else(|_| panic!("kcert {args:?} still runs after {limit:?}"))
        .unwrap();
    (out, started.elapsed())
}

/// `kcert csr list` against the kubeconfig, killed if it runs past `limit`.
async fn csr_list(kubeconfig: &Path, limit: Duration) -> (Output, Duration) {
    let args = ["csr", "list", "--timeout", "5", "--kubeconfig"].map(std::ffi::OsStr::new);
    kcert_within(&[&args[..], &[kubeconfig.as_os_str()]].concat(), limit).await
}

fn assert_said(out: &Output, url: &str, what: &str) {
    let msg = text(out);
    assert_eq!(out.status.code(), Some(3), "{msg}");
    assert!(
        msg.contains(&format!("The API server at {url}")) && msg.contains(what),
        "{msg}"
    );
    assert!(!msg.contains("host is down"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_is_cut_at_64_mib() {
    let dir = tempfile::tempdir().unwrap();
    let (url, kc) = hostile(Mode::EndlessBody, dir.path()).await;
    let (out, _) = csr_list(&kc, Duration::from_secs(30)).await;
    assert_said(
        &out,
        &url,
        "sent more than 64 MiB for one list of certificatesigningrequests",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (url, kc) = hostile(Mode::OversizedBody, dir.path()).await;
    let (out, _) = csr_list(&kc, Duration::from_secs(30)).await;
    assert_said(&out, &url, "sent more than 64 MiB");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_pagination_stops_at_the_page_cap_or_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let (url, kc) = hostile(Mode::EndlessPages, dir.path()).await;
    let (out, took) = csr_list(&kc, Duration::from_secs(30)).await;
    let msg = text(&out);
    assert!(
        msg.contains("kept answering the list of certificatesigningrequests with one more page")
            || msg.contains("did not finish the list of certificatesigningrequests within 5 s"),
        "{msg}"
    );
    assert_said(&out, &url, "certificatesigningrequests");
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_answers_and_stalls_is_not_called_down() {
    let dir = tempfile::tempdir().unwrap();
    let (url, kc) = hostile(Mode::StalledBody, dir.path()).await;
    let (out, _) = csr_list(&kc, Duration::from_secs(30)).await;
    assert_said(
        &out,
        &url,
        "answered but did not finish its response within 5 s",
    );
}

fn access(kubeconfig: &Path) -> Access {
    Access {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        timeout: Duration::from_secs(5),
        ..Access::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_line_that_never_ends_is_cut_at_4_mib() {
    let dir = tempfile::tempdir().unwrap();
    let (url, kc) = hostile(Mode::EndlessWatchLine, dir.path()).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _watch = spawn_watch(access(&kc), Locations::isolated(dir.path()), tx);
    let banner = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rx.recv().await.expect("watch task ended") {
                ClusterEvent::Connection(ConnectionState::Failed { diagnosis, .. }) => {
                    break diagnosis.banner()
                }
                _ => continue,
            }
        }
    })
    .await
    .expect("the endless watch line was not cut within 20 s");
    assert!(
        banner.contains(&format!("The API server at {url}"))
            && banner.contains("sent a watch event longer than 4 MiB"),
        "{banner}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_nodes_watch_does_not_hold_up_the_csr_watch() {
    let dir = tempfile::tempdir().unwrap();
    let (_url, kc) = hostile(Mode::StalledNodeWatch, dir.path()).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _watch = spawn_watch(access(&kc), Locations::isolated(dir.path()), tx);
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if let ClusterEvent::Upsert(v) = rx.recv().await.expect("watch task ended") {
                assert_eq!(v.name, "csr-live");
                break;
            }
        }
    })
    .await
    .expect("the CSR watch's event never arrived while the Nodes watch stalled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_named_by_the_kubeconfig_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("client.crt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let kc = dir.path().join("fifo.conf");
    let yaml = crate::common::kubeconfig_naming("https://127.0.0.1:1", &fifo, &fifo);
    std::fs::write(&kc, yaml).unwrap();
    let (out, took) = csr_list(&kc, Duration::from_secs(20)).await;
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(3), "{msg}");
    assert!(
        msg.contains("client-certificate") && msg.contains("not a regular file"),
        "{msg}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// `kcert ca plan` on a generated node against the kubeconfig, killed past `limit`.
async fn ca_plan(kubeconfig: &Path, limit: Duration) -> (Output, Duration) {
    use crate::common::{made, node_spec, write_tree};
    let spec = node_spec(
        made(),
        kcert::sign::KeySpec::EcdsaP256,
        "192.168.10.11",
        Default::default(),
    );
    let (_tree, layout) = write_tree(&spec);
    let args = ["ca", "plan", "ca", "--timeout", "2", "--kubeconfig"].map(std::ffi::OsStr::new);
    let root = [
        kubeconfig.as_os_str(),
        "--root".as_ref(),
        layout.root.as_os_str(),
    ];
    kcert_within(&[&args[..], &root[..]].concat(), limit).await
}

/// The plan is whole and exits 0; the cluster's part says why it is missing.
fn assert_planned_without(out: &Output, url: &str, what: &str) {
    let msg = text(out);
    assert_eq!(out.status.code(), Some(0), "{msg}");
    let line = msg
        .lines()
        .find(|l| l.starts_with("In the cluster: not read ("))
        .unwrap_or_else(|| panic!("{msg}"));
    assert!(line.contains(url) && line.contains(what), "{line}");
    assert!(
        msg.contains("Steps, all before") && msg.contains("Copies on this node"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_plan_against_a_stalling_server_plans_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let (url, kc) = hostile(Mode::StalledBody, dir.path()).await;
    let (out, took) = ca_plan(&kc, Duration::from_secs(30)).await;
    assert_planned_without(
        &out,
        &url,
        "answered but did not finish its response within 2 s",
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_plan_against_an_endless_body_plans_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let (url, kc) = hostile(Mode::EndlessBody, dir.path()).await;
    let (out, _) = ca_plan(&kc, Duration::from_secs(30)).await;
    assert_planned_without(
        &out,
        &url,
        "sent more than 64 MiB for one configmaps/cluster-info",
    );
}
