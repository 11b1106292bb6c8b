//! `kcert check`: the inventory as a table or JSON, and the exit status of its worst finding.

use std::io::{BufWriter, IsTerminal, Write};

use chrono::{DateTime, Utc};
use color_eyre::eyre::{eyre, Result};
use kcert::report::{self, TableStyle};

use crate::cli::{CheckArgs, CheckFormat};
use crate::exit::ExitStatus;
use crate::out::Stdout;
use crate::{errors, node, scan, scan_options};

pub fn run(args: &CheckArgs, now: Option<DateTime<Utc>>) -> Result<ExitStatus> {
    let opts = scan_options(&args.scan, now)?;
    let mut inv = scan(&opts)?;
    let nothing = inv.nothing_found();
    let rt = node::for_check(args, &mut inv)?;
    let status = if nothing.is_some() {
        ExitStatus::CouldNotRun
    } else {
        ExitStatus::of_worst(inv.worst_severity())
    };
    let extras = report::Extras {
        exit_code: status.code(),
        usage: rt.findings.as_ref().map(|f| &f.usage),
        probes: rt.probes.as_deref(),
        settings: rt.findings.as_ref().map(|f| &f.settings),
    };
    let mut out = BufWriter::new(Stdout);
    let tty = std::io::stdout().is_terminal();
    match args.output {
        CheckFormat::Json => {
            report::write_json_with(&inv, &extras, &mut out)?;
            out.write_all(b"\n")?;
        }
        // Said on stderr below: an empty table is not a report.
        CheckFormat::Table | CheckFormat::Wide if nothing.is_some() => {}
        CheckFormat::Table | CheckFormat::Wide => {
            let style = TableStyle {
                color: args.scan.color.enabled(tty),
                // Piped, the table keeps every column: scripts read it.
                width: (args.output == CheckFormat::Table && tty)
                    .then(terminal_width)
                    .flatten(),
            };
            out.write_all(report::render_table(&inv, &style).as_bytes())?;
        }
    }
    out.flush()?;
    if let Some(nothing) = nothing {
        errors::print(&eyre!("{nothing}"), false);
    }
    // The process ends here: freeing a large inventory entry by entry only delays the exit.
    std::mem::forget(inv);
    Ok(status)
}

/// The terminal's width: `COLUMNS` when set, else what the terminal says.
fn terminal_width() -> Option<usize> {
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    columns
        .or_else(|| {
            crossterm::terminal::size()
                .ok()
                .map(|(w, _)| usize::from(w))
        })
        .filter(|&w| w > 0)
}
