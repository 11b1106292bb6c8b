//! The `kcert` binary: parse arguments, pick a front end, map the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};
use kcert::cli::{
    CheckArgs, Cli, Command, DemoArgs, OutputFormat, RenewArgs, ScanArgs, UiClusterArgs,
};
use kcert::cluster::{Access, Locations};
use kcert::pki::{self, ScanOptions, Thresholds};
use kcert::report;
use kcert::tui::ClusterOptions;

mod demo_server;
mod runtime_cmd;

mod allocator;

fn main() -> ExitCode {
    allocator::tune();
    let _ = color_eyre::install();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("kcert: {e:?}");
            ExitCode::from(3)
        }
    }
}

fn scan_options(args: &ScanArgs, cli_now: Option<chrono::DateTime<Utc>>) -> Result<ScanOptions> {
    if args.crit > args.warn {
        color_eyre::eyre::bail!(
            "--crit ({}) must not be larger than --warn ({})",
            args.crit,
            args.warn
        );
    }
    let thresholds = Thresholds {
        warn_days: args.warn,
        crit_days: args.crit,
    };
    Ok(ScanOptions::new(
        args.paths.clone(),
        cli_now.unwrap_or_else(Utc::now),
        thresholds,
    ))
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Some(Command::Check(args)) => check(&args, cli.now),
        Some(Command::Csr(args)) => Ok(csr(&args, cli.now)),
        Some(Command::Renew(args)) if args.recover => recover(&args),
        Some(Command::Renew(args)) => renew(&args, cli.now.unwrap_or_else(Utc::now)),
        Some(Command::Restore(args)) => restore(&args, cli.now.unwrap_or_else(Utc::now)),
        Some(Command::Demo(args)) => demo(&args, cli.now.unwrap_or_else(Utc::now)),
        Some(Command::Probe(args)) => runtime_cmd::probe(&args, cli.now.unwrap_or_else(Utc::now)),
        Some(Command::Restart(args)) => {
            runtime_cmd::restart(&args, cli.now.unwrap_or_else(Utc::now))
        }
        Some(Command::Explain(args)) => runtime_cmd::explain(&args, cli.now),
        Some(Command::Tui(args)) => tui(
            &args.scan,
            Some(cluster_options(&args.cluster)),
            cli.now,
            true,
        ),
        None => tui(
            &cli.scan,
            Some(cluster_options(&cli.cluster)),
            cli.now,
            true,
        ),
    }
}

fn check(args: &CheckArgs, now: Option<chrono::DateTime<Utc>>) -> Result<u8> {
    let opts = scan_options(&args.scan, now)?;
    let mut inv = pki::scan(&opts).wrap_err("cannot scan")?;
    let rt = runtime_cmd::for_check(args, &mut inv)?;
    let extras = report::Extras {
        usage: rt.findings.as_ref().map(|f| &f.usage),
        probes: rt.probes.as_deref(),
        settings: rt.findings.as_ref().map(|f| &f.settings),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.output {
        OutputFormat::Json => report::write_json_with(&inv, &extras, &mut out)
            .map_err(std::io::Error::from)
            .and_then(|_| out.write_all(b"\n")),
        OutputFormat::Table => {
            let color = args.scan.color.enabled(std::io::stdout().is_terminal());
            out.write_all(report::render_table(&inv, color).as_bytes())
        }
    };
    // A closed pipe (`kcert check | head`) is the reader's choice, not a failure.
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    let code = report::exit_code(&inv);
    // The process ends here: freeing a large inventory entry by entry only delays the exit.
    std::mem::forget(inv);
    Ok(code)
}

fn renew(args: &RenewArgs, now: chrono::DateTime<Utc>) -> Result<u8> {
    use kcert::fsx::RealDisk;
    use kcert::renew::{self, RenewOptions, Selection};
    let explicit = !args.roots.is_empty();
    let mut roots = if explicit {
        args.roots.clone()
    } else {
        pki::walk::default_roots()
    };
    if !explicit {
        // A path named as a target brings its directory (and so its CA) into view.
        for t in &args.targets {
            let p = std::path::Path::new(t);
            if let (true, Some(parent)) = (p.exists(), p.parent()) {
                roots.push(parent.to_path_buf());
            }
        }
    }
    let thresholds = Thresholds {
        warn_days: args.warn,
        crit_days: args.warn.min(7),
    };
    let opts = ScanOptions {
        roots: roots.iter().map(|r| pki::absolute(r)).collect(),
        explicit,
        now,
        thresholds,
    };
    let inv = pki::scan(&opts).wrap_err("cannot scan")?;
    let selection = if args.all {
        Selection::All
    } else if args.expiring {
        Selection::Expiring(args.within.unwrap_or(args.warn))
    } else {
        Selection::Named(args.targets.clone())
    };
    let key_algorithm = args
        .key_algorithm
        .as_deref()
        .map(str::parse)
        .transpose()
        .wrap_err("--key-algorithm")?;
    let ropts = RenewOptions {
        now,
        validity_days: args.validity,
        key_algorithm,
        reuse_key: args.reuse_key,
        backup_dir: args.backup_dir.clone(),
        update_ca_data: args.update_ca_data,
    };
    let plan = renew::plan(&inv, &selection, &ropts)?;
    for line in renew::describe(&plan) {
        println!("{line}");
    }
    let refused = u8::from(!plan.refused.is_empty());
    if plan.items.is_empty() {
        println!("Nothing to renew.");
        return Ok(refused);
    }
    if args.dry_run {
        println!("Dry run: nothing was changed.");
        return Ok(refused);
    }
    if !args.yes && !confirm("renew")? {
        println!("Nothing was changed.");
        return Ok(1);
    }
    match renew::apply(&plan, &mut RealDisk) {
        Ok(done) => {
            println!(
                "Renewed {} certificate(s). Backups: {}  Journal: {} (entry {})",
                plan.items.len(),
                done.backup_dir.display(),
                done.journal.display(),
                done.entry
            );
            if !done.restart.is_empty() {
                println!("Now restart {}.", renew::and_list(&done.restart));
            }
            if let Some(w) = &done.journal_warning {
                eprintln!("kcert: warning: {w}");
            }
            Ok(refused)
        }
        Err(e) => {
            eprintln!("kcert: renewal failed: {e}");
            Ok(1)
        }
    }
}

/// `[y/N]` on the terminal; refuses when there is none.
fn confirm(what: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        color_eyre::eyre::bail!(
            "refusing to {what} without confirmation: there is no terminal to ask on; pass --yes"
        );
    }
    print!("Proceed? [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// `kcert renew --recover`: exit 0 settled (or nothing to do), 1 could not.
fn recover(args: &RenewArgs) -> Result<u8> {
    use kcert::renew;
    let tmp_dir = renew::tmp_dir_for(&args.roots);
    match renew::recover(&tmp_dir, &mut kcert::fsx::RealDisk) {
        Ok(done) if done.is_empty() => {
            println!(
                "Nothing to recover: no interrupted change in {}.",
                tmp_dir.display()
            );
            Ok(0)
        }
        Ok(done) => {
            for line in done.iter().flat_map(renew::describe_recovered) {
                println!("{line}");
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("kcert: {e}");
            Ok(1)
        }
    }
}

/// `kcert restore`: exit 0 restored (or dry run), 1 refused or failed.
fn restore(args: &kcert::cli::RestoreArgs, now: chrono::DateTime<Utc>) -> Result<u8> {
    use kcert::renew;
    let tmp_dir = renew::tmp_dir_for(&args.roots);
    let plan = match renew::plan_restore(&tmp_dir, args.which.as_deref(), now) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kcert: {e}");
            return Ok(1);
        }
    };
    for line in renew::describe_restore(&plan) {
        println!("{line}");
    }
    if args.dry_run {
        println!("Dry run: nothing was changed.");
        return Ok(0);
    }
    if !args.yes && !confirm("restore")? {
        println!("Nothing was changed.");
        return Ok(1);
    }
    match renew::apply_restore(&plan, &mut kcert::fsx::RealDisk) {
        Ok(done) => {
            println!(
                "Restored {} file(s). The replaced files are in {} (journal entry {}).",
                done.written.len(),
                done.backup_dir.display(),
                done.entry
            );
            if !plan.restart.is_empty() {
                println!("Now restart {}.", renew::and_list(&plan.restart));
            }
            if let Some(w) = &done.journal_warning {
                eprintln!("kcert: warning: {w}");
            }
            Ok(0)
        }
        Err(e) => {
            eprintln!("kcert: restore failed: {e}");
            Ok(1)
        }
    }
}

fn demo(args: &DemoArgs, now: chrono::DateTime<Utc>) -> Result<u8> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        // Kept after exit, so the tree can be inspected, checked and renewed by hand.
        None => tempfile::Builder::new()
            .prefix("kcert-demo-")
            .tempdir()?
            .keep(),
    };
    let layout = kcert::demo::write_kubeadm_tree(&dir, &kcert::demo::demo_spec(now))
        .wrap_err_with(|| format!("cannot write the demo tree into {}", dir.display()))?;
    println!("Demo kubeadm tree written to {}", layout.root.display());
    if args.no_tui {
        println!("  kcert check {}", layout.root.display());
        return Ok(0);
    }
    let scan = ScanArgs {
        paths: vec![layout.root.clone()],
        warn: 30,
        crit: 7,
        color: kcert::cli::ColorChoice::Auto,
    };
    // The demo cluster: an in-process API server holding a dozen CSRs, kubeadm's bootstrap RBAC
    // and two bootstrap tokens. Its kubeconfig (with a client key) lives in a directory of its
    // own, outside the scanned tree, removed at exit.
    let cluster_dir = tempfile::Builder::new()
        .prefix("kcert-demo-cluster-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()?;
    let (server, kubeconfig) = demo_server::start(cluster_dir.path())?;
    println!(
        "Demo API server at {} with {} certificate signing requests and bootstrap tokens (press 2 and 3 in the UI)",
        server.url(),
        server.csr_names().len()
    );
    let cluster = ClusterOptions {
        access: Access {
            kubeconfig: Some(kubeconfig),
            ..Access::default()
        },
        locations: Locations::isolated(cluster_dir.path()),
    };
    let result = tui(&scan, Some(cluster), Some(now), false);
    // Stop listening and end the server's runtime before saying it is gone.
    drop(server);
    println!("The demo API server has stopped.");
    result?;
    println!(
        "The demo tree stays in {} (try: kcert renew --root {} --expiring --dry-run)",
        layout.root.display(),
        layout.root.display()
    );
    Ok(0)
}

/// `--kubeconfig`/`--context` for the CSR tab; without them, the usual kubeconfig search.
fn cluster_options(args: &UiClusterArgs) -> ClusterOptions {
    ClusterOptions {
        access: Access {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            ..Access::default()
        },
        locations: Locations::from_env(),
    }
}

fn tui(
    args: &ScanArgs,
    cluster: Option<ClusterOptions>,
    now: Option<chrono::DateTime<Utc>>,
    probe: bool,
) -> Result<u8> {
    let opts = kcert::tui::TuiOptions {
        scan: scan_options(args, now)?,
        color: args.color.enabled(std::io::stdout().is_terminal()),
        now,
        cluster,
        // The same choice as `check`: found under the scanned paths, the real node without any.
        node: kcert::cli::NodeArgs::default().paths(&args.paths),
        probe,
    };
    kcert::tui::run(opts)?;
    Ok(0)
}

/// `kcert csr ...`: the cluster side does the work and picks the exit code.
fn csr(args: &kcert::cli::CsrArgs, now: Option<chrono::DateTime<Utc>>) -> u8 {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let color = std::io::stdout().is_terminal();
    kcert::cluster::command::run(args, now, color, &mut out, &mut err)
}
