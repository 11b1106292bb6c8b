//! The `kcert` binary: parse arguments, pick a front end, map the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};
use kcert::cli::{CheckArgs, Cli, Command, OutputFormat, ScanArgs};
use kcert::pki::{self, ScanOptions, Thresholds};
use kcert::report;

fn main() -> ExitCode {
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
        Some(Command::Tui(_)) | Some(Command::Demo(_)) | None => {
            color_eyre::eyre::bail!("the terminal UI is not built yet")
        }
    }
}

fn check(args: &CheckArgs, now: Option<chrono::DateTime<Utc>>) -> Result<u8> {
    let opts = scan_options(&args.scan, now)?;
    let inv = pki::scan(&opts).wrap_err("cannot scan")?;
    let text = match args.output {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report::to_json(&inv))?;
            s.push('\n');
            s
        }
        OutputFormat::Table => {
            let color = args.scan.color.enabled(std::io::stdout().is_terminal());
            report::render_table(&inv, color)
        }
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`kcert check | head`) is the reader's choice, not a failure.
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
        _ => {}
    }
    Ok(report::exit_code(&inv))
}
