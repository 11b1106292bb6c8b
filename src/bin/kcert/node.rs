//! `kcert probe`, `kcert restart`, `kcert explain` and the runtime part of `kcert check`:
//! arguments, confirmation and signals; the work is in `kcert::runtime`.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{eyre, Result};
use kcert::pki::{Inventory, ScanOptions, Severity, Thresholds};
use kcert::report::runtime as text;
use kcert::runtime::journal::{self, Recovery};
use kcert::runtime::probe::served_problems;
use kcert::runtime::restart::{Progress, RestartError};
use kcert::runtime::{self, Component, Endpoint, Findings, Node, NodeOverrides, NodePaths};
use kcert::runtime::{NodeCheck, ProbeResult, RestartPlan};
use tokio::signal::unix::SignalKind;

use crate::cli::{CheckArgs, ExplainArgs, OutputFormat, ProbeArgs, RestartArgs};
use crate::exit::ExitStatus;
use crate::out::{ask, say, Stdout};
use crate::signals::Quit;
use crate::{runtime as tokio_runtime, scan};

/// The node's paths, warning on stderr about a restart a killed kcert left behind.
pub fn node_paths(overrides: &NodeOverrides, scanned: &[PathBuf]) -> Option<NodePaths> {
    let paths = overrides.paths(scanned)?;
    if let Ok(Some(p)) = journal::read_pending(&paths.tmp_dir()) {
        eprintln!("kcert: warning: {}", text::pending_line(&p));
    }
    Some(paths)
}

/// Every endpoint probed, on the process's runtime.
fn probe_all(endpoints: &[Endpoint], timeout: Duration) -> Result<Vec<ProbeResult>> {
    Ok(tokio_runtime()?.block_on(runtime::probe(endpoints, timeout)))
}

/// What `check` adds to the inventory: consumers always, probes with `--probe` (only then
/// is the runtime started).
pub fn for_check(args: &CheckArgs, inv: &mut Inventory) -> Result<NodeCheck> {
    let overrides = args.node.overrides(Some(&args.user));
    let paths = node_paths(&overrides, &args.scan.paths);
    let probe = args.probing.spec(&args.node);
    let work = runtime::check_node(inv, paths.as_ref(), probe.as_ref());
    Ok(match probe {
        Some(_) => tokio_runtime()?.block_on(work),
        None => futures::executor::block_on(work),
    })
}

/// The files of the node, scanned for the trust findings `probe` prints.
fn scan_node(paths: &NodePaths, now: DateTime<Utc>) -> Result<Inventory> {
    let mut roots = vec![paths.kubernetes_dir.clone()];
    roots.extend(paths.kubelet_cert_dir.clone());
    roots.extend(paths.user_kubeconfig.clone());
    let opts = ScanOptions {
        roots,
        explicit: false,
        now,
        thresholds: Thresholds::default(),
    };
    scan(&opts)
}

/// 0 all current, 1 something to act on, 2 serving an expired certificate.
pub fn probe(args: &ProbeArgs, now: DateTime<Utc>) -> Result<ExitStatus> {
    let overrides = args.node.overrides(Some(&args.user));
    let paths = node_paths(&overrides, &[]).ok_or_else(|| eyre!("no node paths"))?;
    let inv = scan_node(&paths, now)?;
    let findings = runtime::analyse(&inv, &paths);
    let targets = runtime::targets(&findings.node, &args.node.node_addresses);
    let results = probe_all(&targets.endpoints, Duration::from_millis(args.timeout))?;
    let served = served_problems(&inv, &results);
    let status = ExitStatus::of_worst(served.iter().map(|p| p.severity).max());
    let others: Vec<_> = findings
        .problems()
        .filter(|p| p.severity > Severity::Info)
        .collect();
    match args.output {
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "manifests": findings.node.manifests.dir,
                "endpoints": results,
                "skipped": targets.skipped,
                "problems": served.iter().chain(others.iter().copied()).collect::<Vec<_>>(),
                "user_kubeconfig": findings.trust.user_kubeconfig,
                "exit_code": status.code(),
            });
            say!("{}", serde_json::to_string_pretty(&doc)?);
        }
        OutputFormat::Table => {
            use std::io::Write as _;
            let _ = write!(Stdout, "{}", text::probe_table(&results, &targets.skipped));
            if !others.is_empty() {
                say!("\nALSO FOUND");
                for p in &others {
                    say!("{}: {}", p.path.display(), p.message);
                }
            }
        }
    }
    if args.refresh_kubeconfig {
        refresh(args, &findings, now)?;
    }
    Ok(status)
}

fn refresh(args: &ProbeArgs, findings: &Findings, now: DateTime<Utc>) -> Result<()> {
    let Some(copy) = &findings.trust.user_kubeconfig else {
        say!("No user kubeconfig and admin.conf to compare: nothing to refresh.");
        return Ok(());
    };
    if !matches!(copy.state, runtime::CopyState::Stale { .. }) {
        say!(
            "{} is not a stale copy of admin.conf: nothing to refresh.",
            copy.path.display()
        );
        return Ok(());
    }
    let backup_dir = findings.node.paths.tmp_dir().join(format!(
        "kcert-backup-kubeconfig-{}",
        now.format("%Y%m%dT%H%M%SZ")
    ));
    say!(
        "Refresh {} from {} (backup in {}).",
        copy.path.display(),
        copy.admin.display(),
        backup_dir.display()
    );
    if !args.yes && !ask("Proceed?", "refresh the kubeconfig")? {
        say!("Nothing was changed.");
        return Ok(());
    }
    let done =
        runtime::trust::refresh_user_kubeconfig(copy, &backup_dir, &mut kcert::fsx::RealDisk)?;
    say!(
        "Refreshed {}; the old file is at {}.",
        done.path.display(),
        done.backup.display()
    );
    Ok(())
}

/// 0 done, 1 done with a step that did not go as hoped, 2 interrupted by SIGTERM or SIGHUP
/// (manifest back), 130 interrupted by Ctrl-C (manifest back), 3 could not run or could not
/// put the manifest back.
pub fn restart(args: &RestartArgs, now: DateTime<Utc>) -> Result<ExitStatus> {
    let paths = args
        .node
        .overrides(None)
        .paths(&[])
        .ok_or_else(|| eyre!("no node paths"))?;
    let tmp = paths.tmp_dir();
    if let Some(p) = journal::read_pending(&tmp)? {
        say!("Found {}", text::pending_line(&p));
        if !args.yes && !ask("Put the manifest back now?", "put the manifest back")? {
            say!("Nothing was changed.");
            return Ok(ExitStatus::CouldNotRun);
        }
        let r = journal::recover(&tmp)?;
        say!("{}", text::recovery_line(&r));
        if matches!(r, Recovery::Conflict { .. } | Recovery::InProgress { .. }) {
            return Ok(ExitStatus::CouldNotRun);
        }
    } else if args.recover {
        say!("{}", text::recovery_line(&Recovery::NothingPending));
    }
    let Some(name) = &args.component else {
        return Ok(ExitStatus::Ok);
    };
    let component = Component::parse(name).ok_or_else(|| {
        eyre!("unknown component {name:?}: kube-apiserver, kube-controller-manager, kube-scheduler or etcd")
    })?;
    let node = Node::read(&paths);
    let targets = runtime::targets(&node, &args.node.node_addresses);
    let mut opts = runtime::RestartOptions::new(now);
    opts.backup_dir = args.backup_dir.clone();
    opts.stop_timeout = Duration::from_secs(args.stop_timeout);
    opts.start_timeout = Duration::from_secs(args.start_timeout);
    opts.poll = Duration::from_millis(args.poll);
    let plan = runtime::plan_restart(&node, component, &targets, &opts)?;
    for line in text::plan_lines(&plan) {
        say!("{line}");
    }
    if !args.yes && !ask("Proceed?", "restart")? {
        say!("Nothing was changed.");
        return Ok(ExitStatus::Warning);
    }
    let (result, signal) = tokio_runtime()?.block_on(run_restart(&plan))?;
    match result {
        Ok(report) => {
            say!(
                "Restarted {} in {:.1} s.",
                report.component,
                report.total.as_secs_f64()
            );
            Ok(ExitStatus::done(report.steps.iter().all(|s| s.ok)))
        }
        Err(e) => {
            eprintln!("kcert: {e}");
            Ok(match e {
                RestartError::NotServing { .. } => ExitStatus::Warning,
                RestartError::Interrupted { .. } if signal == Some(SignalKind::interrupt()) => {
                    ExitStatus::Interrupted
                }
                RestartError::Interrupted { .. } => ExitStatus::Critical,
                _ => ExitStatus::CouldNotRun,
            })
        }
    }
}

/// The restart with its steps printed as they end; a signal puts the manifest back. Also
/// says which signal came, if one did.
async fn run_restart(
    plan: &RestartPlan,
) -> Result<(
    Result<runtime::RestartReport, RestartError>,
    Option<SignalKind>,
)> {
    use std::io::Write as _;
    // Listening before anything moves, so an interrupt at any point is caught.
    let mut quit = Quit::listen()?;
    let mut signal = None;
    let cancel = async {
        signal = Some(quit.recv().await);
    };
    let progress = |p: Progress<'_>| {
        if let Progress::End(step) = p {
            say!("{}", text::step_line(step));
            let _ = Stdout.flush();
        }
    };
    let result = runtime::restart(plan, cancel, progress).await;
    Ok((result, signal))
}

/// 0 some certificate matched, 1 none did, 3 no line could be read.
pub fn explain(args: &ExplainArgs, now: Option<DateTime<Utc>>) -> Result<ExitStatus> {
    let lines: Vec<String> = if args.line.len() == 1 && args.line[0] == "-" {
        std::io::stdin()
            .lines()
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|l| !l.trim().is_empty())
            .collect()
    } else {
        vec![args.line.join(" ")]
    };
    let opts = ScanOptions::new(
        args.roots.clone(),
        now.unwrap_or_else(Utc::now),
        Thresholds::default(),
    );
    let inv = scan(&opts)?;
    let overrides = args.node.overrides(Some(&args.user));
    let paths = node_paths(&overrides, &args.roots);
    let findings = paths.as_ref().map(|p| runtime::analyse(&inv, p));
    // What the listeners serve and what renewals replaced: a line about an old certificate
    // still presented is a missing restart, not a peer's certificate.
    let probes = match &findings {
        Some(f) => probe_all(
            &runtime::targets(&f.node, &[]).endpoints,
            runtime::probe::DEFAULT_TIMEOUT,
        )?,
        None => Vec::new(),
    };
    let replaced = paths
        .as_ref()
        .map(|p| kcert::renew::history::replaced(&p.tmp_dir().join(journal::HISTORY)))
        .unwrap_or_default();
    let clues = runtime::Clues {
        probes: &probes,
        replaced: &replaced,
        usage: findings.as_ref().map(|f| &f.usage),
    };
    let (mut parsed, mut matched) = (false, false);
    for line in &lines {
        match runtime::explain(line, &inv, &clues) {
            Ok(e) => {
                parsed = true;
                matched |= !e.matches.is_empty() || !e.served.is_empty() || !e.replaced.is_empty();
                for l in text::explain_lines(&inv, &clues, &e) {
                    say!("{l}");
                }
            }
            Err(e) => eprintln!("kcert: {e}"),
        }
    }
    Ok(match (parsed, matched) {
        (_, true) => ExitStatus::Ok,
        (true, false) => ExitStatus::Warning,
        (false, _) => ExitStatus::CouldNotRun,
    })
}
