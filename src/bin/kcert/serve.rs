//! `kcert serve`: the arguments, the listening socket and the signals (SIGHUP scans again,
//! SIGTERM stops); the scanning and serving are `kcert::serve`'s.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use color_eyre::eyre::{Result, WrapErr};
use kcert::pki::ReadPolicy;
use kcert::serve::{self, ServeOptions};
use tokio::signal::unix::{signal, SignalKind};

use crate::cli::ServeArgs;
use crate::exit::ExitStatus;
use crate::{check, node, runtime, scan_options};

pub fn run(args: &ServeArgs, now: Option<DateTime<Utc>>) -> Result<ExitStatus> {
    let scan = scan_options(&args.scan, now)?;
    let overrides = args.node.overrides(None);
    let opts = ServeOptions {
        roots: scan.roots,
        explicit: scan.explicit,
        thresholds: scan.thresholds,
        policy: ReadPolicy {
            private_keys: !args.no_keys,
        },
        node: node::node_paths(&overrides, &args.scan.paths),
        probe: args.probing.spec(&args.node),
        interval: args.interval,
        now,
        exit_code: |inv| check::status_of(inv).code(),
    };
    runtime()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .wrap_err_with(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr().unwrap_or(args.listen);
        log(&format!(
            "listening on http://{addr} (/metrics, /report, /healthz), scanning every {}s",
            args.interval.as_secs()
        ));
        let rescan: serve::Rescan = Arc::new(tokio::sync::Notify::new());
        let mut hangup = signal(SignalKind::hangup()).wrap_err("cannot listen for SIGHUP")?;
        let mut terminate =
            signal(SignalKind::terminate()).wrap_err("cannot listen for SIGTERM")?;
        let asked = rescan.clone();
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                log("SIGHUP: scanning again");
                asked.notify_one();
            }
        });
        tokio::select! {
            () = serve::run(opts, listener, rescan, log) => {}
            _ = terminate.recv() => log("SIGTERM: stopping"),
        }
        Ok(ExitStatus::Ok)
    })
}

/// One line on stderr, the pod's log.
fn log(line: &str) {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    eprintln!("{now} kcert serve: {line}");
}
