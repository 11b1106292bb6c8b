//! The `kcert` binary: parse arguments, pick a front end, map the outcome to an exit code.

use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;
use cli::{Cli, Command, ScanArgs};
use color_eyre::eyre::Result;
use kcert::pki::{ScanOptions, Thresholds};

mod allocator;
mod check;
mod cli;
mod csr;
mod demo;
mod node;
mod renew;
mod tui;

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

pub fn scan_options(
    args: &ScanArgs,
    cli_now: Option<chrono::DateTime<Utc>>,
) -> Result<ScanOptions> {
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
        Some(Command::Check(args)) => check::check(&args, cli.now),
        Some(Command::Csr(args)) => Ok(csr::csr(&args, cli.now)),
        Some(Command::Renew(args)) => renew::renew(&args, cli.now.unwrap_or_else(Utc::now)),
        Some(Command::Demo(args)) => demo::demo(&args, cli.now.unwrap_or_else(Utc::now)),
        Some(Command::Probe(args)) => node::probe(&args, cli.now.unwrap_or_else(Utc::now)),
        Some(Command::Restart(args)) => node::restart(&args, cli.now.unwrap_or_else(Utc::now)),
        Some(Command::Explain(args)) => node::explain(&args, cli.now),
        Some(Command::Tui(args)) => tui::tui(
            &args.scan,
            Some(tui::cluster_options(&args.cluster)),
            cli.now,
            true,
        ),
        None => tui::tui(
            &cli.scan,
            Some(tui::cluster_options(&cli.cluster)),
            cli.now,
            true,
        ),
    }
}
