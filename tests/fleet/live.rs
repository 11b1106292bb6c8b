//! A live `kcert serve` process for the tests, and a minimal HTTP/1.1 GET to talk to it
//! (the point is to see the bytes the server sends, nothing in between).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::common::kcert_cmd;

/// A running `kcert serve`; killed when dropped.
pub struct Serve {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Serve {
    /// `kcert serve ARGS --listen 127.0.0.1:0` at `now`, once its first scan is served.
    pub fn start(now: DateTime<Utc>, args: &[&str]) -> Serve {
        let mut child = kcert_cmd(now)
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kcert serve starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                }
                keep.lock().unwrap().push(line);
            }
        });
        let addr: SocketAddr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("kcert serve says where it listens")
            .parse()
            .expect("an address");
        let serve = Serve { child, addr, log };
        serve.wait_until(|s| s.get("/healthz").0 == 200, "the first scan");
        serve
    }

    pub fn get(&self, path: &str) -> (u16, String, String) {
        get(self.addr, path)
    }

    /// The body of a 200 answer to `path`.
    pub fn body(&self, path: &str) -> String {
        let (code, _, body) = self.get(path);
        assert_eq!(code, 200, "GET {path}: {body}");
        body
    }

    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// Poll until `done` holds (at most 30 s).
    pub fn wait_until(&self, done: impl Fn(&Serve) -> bool, what: &str) {
        let start = Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "gave up waiting for {what}; log: {:?}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn scans(&self) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("kcert serve: scanned"))
            .count()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` on a fresh connection: status, headers, body.
pub fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(5)) else {
        return (0, String::new(), String::new());
    };
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, head.to_string(), body.to_string())
}

/// Parse an exposition with the `prometheus-parse` crate, insisting that every line that
/// is not a comment became a sample (the parser skips what it does not understand).
pub fn parse_metrics(text: &str) -> prometheus_parse::Scrape {
    let lines: Vec<std::io::Result<String>> = text.lines().map(|l| Ok(l.to_string())).collect();
    let scrape = prometheus_parse::Scrape::parse(lines.into_iter()).expect("parses");
    let sample_lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert_eq!(
        scrape.samples.len(),
        sample_lines,
        "every sample line parsed"
    );
    assert!(
        text.ends_with("# EOF\n"),
        "an OpenMetrics exposition ends with # EOF"
    );
    scrape
}

/// The value of a gauge, counter or untyped sample.
pub fn value(s: &prometheus_parse::Sample) -> f64 {
    match s.value {
        prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Untyped(v) => v,
        _ => f64::NAN,
    }
}

/// The samples named `metric`.
pub fn samples<'a>(
    scrape: &'a prometheus_parse::Scrape,
    metric: &'a str,
) -> impl Iterator<Item = &'a prometheus_parse::Sample> + 'a {
    scrape.samples.iter().filter(move |s| s.metric == metric)
}

/// Run `kcert check ROOT -o json` at `now`.
pub fn check_json(now: DateTime<Utc>, root: &Path) -> (String, serde_json::Value) {
    let out = crate::common::kcert(now, &["check", root.to_str().unwrap(), "-o", "json"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let v = serde_json::from_str(&text).expect("check's JSON");
    (text, v)
}
