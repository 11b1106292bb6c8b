//! The `kcert` binary: parse the command line, run one command, turn its outcome into the
//! exit code. The library does the work; this owns the words on the terminal around it.
//!
//! - `cli`: the clap definitions (the man page and completions in `assets/` come from them).
//! - one module per command: `check`, `renew`, `csr`, `node` (probe, restart, explain),
//!   `demo`, `tui`.
//! - `exit`: the one exit policy; `errors`: how failures read; `out`: standard output that a
//!   closed pipe ends quietly; `signals`: Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use clap::Parser;
use color_eyre::eyre::{bail, eyre, Result, WrapErr};
use kcert::pki::{self, Inventory, ScanOptions, Thresholds};

use cli::{Cli, Command, ScanArgs};
use exit::ExitStatus;

mod allocator;
#[cfg(test)]
mod assets;
mod ca;
mod check;
mod cli;
mod cluster;
mod csr;
mod demo;
mod errors;
mod exit;
mod fleet;
mod node;
mod out;
mod renew;
mod serve;
mod signals;
mod tui;

fn main() -> ExitCode {
    allocator::tune();
    signals::exit_on_interrupt();
    let debug = errors::debug_requested();
    errors::install(debug);
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version on stdout are a success; a usage error is clap's words, exit 2.
        Err(e) => {
            let _ = e.print();
            return ExitStatus::usage_unless(!e.use_stderr()).into();
        }
    };
    let status = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli))) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            errors::print(&e, debug);
            ExitStatus::CouldNotRun
        }
        // The panic hook has said what happened.
        Err(_) => ExitStatus::CouldNotRun,
    };
    match out::failure() {
        Some(why) => {
            errors::print(&eyre!("cannot write the output: {why}"), debug);
            ExitStatus::CouldNotRun.into()
        }
        None => status.into(),
    }
}

fn run(cli: Cli) -> Result<ExitStatus> {
    let now = cli.now;
    let clock = || now.unwrap_or_else(Utc::now);
    match cli.command {
        Some(Command::Check(args)) => check::run(&args, now),
        Some(Command::Csr(args)) => csr::run(&args, now),
        Some(Command::Renew(args)) if args.recover => renew::recover(&args),
        Some(Command::Renew(args)) => renew::run(&args, clock()),
        Some(Command::Restore(args)) => renew::restore(&args, clock()),
        Some(Command::Ca(cmd)) => ca::run(&cmd, clock()),
        Some(Command::Demo(args)) => demo::run(&args, now),
        Some(Command::Probe(args)) => node::probe(&args, clock()),
        Some(Command::Restart(args)) => node::restart(&args, clock()),
        Some(Command::Explain(args)) => node::explain(&args, now),
        Some(Command::Tui(args)) => tui::run(&args.scan, &args.cluster, now),
        Some(Command::Serve(args)) => serve::run(&args, now),
        Some(Command::Fleet(args)) => fleet::run(&args, now),
        None => {
            // `kcert PATH`: a word that is no path is a mistyped command, not a root.
            if let Some(word) = cli
                .scan
                .paths
                .iter()
                .find(|p| p.symlink_metadata().is_err())
            {
                let (status, msg) = cli::not_a_path(&word.to_string_lossy());
                errors::print(&eyre!(msg), false);
                return Ok(status);
            }
            tui::run(&cli.scan, &cli.cluster, now)
        }
    }
}

/// The scan options of `--warn`, `--crit` and the PATHs.
pub fn scan_options(args: &ScanArgs, now: Option<DateTime<Utc>>) -> Result<ScanOptions> {
    if args.crit > args.warn {
        bail!(
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
        now.unwrap_or_else(Utc::now),
        thresholds,
    ))
}

/// Scan, or say which root could not be scanned and why.
pub fn scan(opts: &ScanOptions) -> Result<Inventory> {
    pki::scan(opts).map_err(|e| eyre!("cannot scan {e}"))
}

/// The roots as the operator reads them: `/a, /b`.
pub fn roots_list(roots: &[PathBuf]) -> String {
    let roots: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
    roots.join(", ")
}

/// The process's one tokio runtime, built the first time a command needs it: `check`
/// without `--probe` never does, so it starts no threads.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    Ok(RUNTIME.get_or_init(|| rt))
}
