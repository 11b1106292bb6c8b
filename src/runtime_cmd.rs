//! `kcert probe`, `kcert restart`, `kcert explain` and the runtime part of `kcert check`:
//! argument handling, confirmation and signals; the work is in `kcert::runtime`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{bail, eyre, Result, WrapErr};
use kcert::cli::{CheckArgs, ExplainArgs, NodeArgs, OutputFormat, ProbeArgs, RestartArgs};
use kcert::pki::{self, Inventory, ScanOptions, Severity, Thresholds};
use kcert::report::runtime as text;
use kcert::runtime::journal::{self, Recovery};
use kcert::runtime::probe::served_problems;
use kcert::runtime::restart::{Progress, RestartError};
use kcert::runtime::{self, Component, Findings, Node, NodePaths, ProbeResult};

/// The node's paths, warning on stderr about a restart a killed kcert left behind.
pub fn node_paths(args: &NodeArgs, scanned: &[PathBuf]) -> Option<NodePaths> {
    let paths = args.paths(scanned)?;
    if let Ok(Some(p)) = journal::read_pending(&paths.tmp_dir()) {
        eprintln!("kcert: warning: {}", text::pending_line(&p));
    }
    Some(paths)
}

/// What `check` adds to the inventory: consumers always, probes with `--probe`.
pub struct CheckRuntime {
    pub findings: Option<Findings>,
    pub probes: Option<Vec<ProbeResult>>,
}

pub fn for_check(args: &CheckArgs, inv: &mut Inventory) -> Result<CheckRuntime> {
    let Some(paths) = node_paths(&args.node, &args.scan.paths) else {
        return Ok(CheckRuntime {
            findings: None,
            probes: None,
        });
    };
    let findings = runtime::analyse(inv, &paths);
    runtime::add_problems(inv, findings.problems());
    let probes = if args.probe {
        let targets = runtime::targets(&findings.node, &args.node.node_addresses);
        let results = runtime::probe_blocking(
            &targets.endpoints,
            Duration::from_millis(args.probe_timeout),
        )?;
        runtime::add_problems(inv, &served_problems(inv, &results));
        Some(results)
    } else {
        None
    };
    Ok(CheckRuntime {
        findings: Some(findings),
        probes,
    })
}

fn ask(question: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("refusing without confirmation: there is no terminal to ask on; pass --yes");
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
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
    pki::scan(&opts).wrap_err("cannot scan the node's certificates")
}

pub fn probe(args: &ProbeArgs, now: DateTime<Utc>) -> Result<u8> {
    let paths = node_paths(&args.node, &[]).ok_or_else(|| eyre!("no node paths"))?;
    let inv = scan_node(&paths, now)?;
    let findings = runtime::analyse(&inv, &paths);
    let targets = runtime::targets(&findings.node, &args.node.node_addresses);
    let results = runtime::probe_blocking(&targets.endpoints, Duration::from_millis(args.timeout))?;
    let served = served_problems(&inv, &results);
    let code = match served.iter().map(|p| p.severity).max() {
        Some(Severity::Error) => 2,
        Some(Severity::Warning) => 1,
        _ => 0,
    };
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
                "exit_code": code,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        OutputFormat::Table => {
            print!("{}", text::probe_table(&results, &targets.skipped));
            if !others.is_empty() {
                println!("\nALSO FOUND");
                for p in &others {
                    println!("{}: {}", p.path.display(), p.message);
                }
            }
        }
    }
    if args.refresh_kubeconfig {
        refresh(args, &findings, now)?;
    }
    Ok(code)
}

fn refresh(args: &ProbeArgs, findings: &Findings, now: DateTime<Utc>) -> Result<()> {
    let Some(copy) = &findings.trust.user_kubeconfig else {
        println!("No user kubeconfig and admin.conf to compare: nothing to refresh.");
        return Ok(());
    };
    if !matches!(copy.state, runtime::CopyState::Stale { .. }) {
        println!(
            "{} is not a stale copy of admin.conf: nothing to refresh.",
            copy.path.display()
        );
        return Ok(());
    }
    let backup_dir = findings.node.paths.tmp_dir().join(format!(
        "kcert-backup-kubeconfig-{}",
        now.format("%Y%m%dT%H%M%SZ")
    ));
    println!(
        "Refresh {} from {} (backup in {}).",
        copy.path.display(),
        copy.admin.display(),
        backup_dir.display()
    );
    if !args.yes && !ask("Proceed?")? {
        println!("Nothing was changed.");
        return Ok(());
    }
    let done =
        runtime::trust::refresh_user_kubeconfig(copy, &backup_dir, &mut kcert::fsx::RealDisk)?;
    println!(
        "Refreshed {}; the old file is at {}.",
        done.path.display(),
        done.backup.display()
    );
    Ok(())
}

/// 0 done, 1 done with a step that did not go as hoped, 2 interrupted (manifest back),
/// 3 could not run or could not put the manifest back.
pub fn restart(args: &RestartArgs, now: DateTime<Utc>) -> Result<u8> {
    let paths = args.node.paths(&[]).ok_or_else(|| eyre!("no node paths"))?;
    let tmp = paths.tmp_dir();
    if let Some(p) = journal::read_pending(&tmp)? {
        println!("Found {}", text::pending_line(&p));
        if !args.yes && !ask("Put the manifest back now?")? {
            println!("Nothing was changed.");
            return Ok(3);
        }
        let r = journal::recover(&tmp)?;
        println!("{}", text::recovery_line(&r));
        if matches!(r, Recovery::Conflict { .. } | Recovery::InProgress { .. }) {
            return Ok(3);
        }
    } else if args.recover {
        println!("{}", text::recovery_line(&Recovery::NothingPending));
    }
    let Some(name) = &args.component else {
        return Ok(0);
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
        println!("{line}");
    }
    if !args.yes && !ask("Proceed?")? {
        println!("Nothing was changed.");
        return Ok(1);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        // Registered before anything moves, so an interrupt at any point is caught.
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let cancel = async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
        };
        let progress = |p: Progress<'_>| {
            if let Progress::End(step) = p {
                println!("{}", text::step_line(step));
                let _ = std::io::stdout().flush();
            }
        };
        Ok::<_, std::io::Error>(runtime::restart(&plan, cancel, progress).await)
    })?;
    match result {
        Ok(report) => {
            let all_ok = report.steps.iter().all(|s| s.ok);
            println!(
                "Restarted {} in {:.1} s.",
                report.component,
                report.total.as_secs_f64()
            );
            Ok(if all_ok { 0 } else { 1 })
        }
        Err(e) => {
            eprintln!("kcert: {e}");
            Ok(match e {
                RestartError::NotServing { .. } => 1,
                RestartError::Interrupted { .. } => 2,
                _ => 3,
            })
        }
    }
}

/// 0 some certificate matched, 1 none did, 3 no line could be read.
pub fn explain(args: &ExplainArgs, now: Option<DateTime<Utc>>) -> Result<u8> {
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
    let inv = pki::scan(&opts).wrap_err("cannot scan")?;
    let paths = node_paths(&args.node, &args.roots);
    let findings = paths.as_ref().map(|p| runtime::analyse(&inv, p));
    // What the listeners serve and what renewals replaced: a line about an old certificate
    // still presented is a missing restart, not a peer's certificate.
    let probes = match &findings {
        Some(f) => runtime::probe_blocking(
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
                    println!("{l}");
                }
            }
            Err(e) => eprintln!("kcert: {e}"),
        }
    }
    Ok(match (parsed, matched) {
        (_, true) => 0,
        (true, false) => 1,
        (false, _) => 3,
    })
}
