//! `kcert check`: the inventory as a table or JSON, and the exit status of its worst finding.

use std::io::{BufWriter, IsTerminal, Write};

use chrono::{DateTime, Utc};
use color_eyre::eyre::{eyre, Result};
use kcert::pki::Inventory;
use kcert::report::metrics::{Exposition, MetricsInput, SourceHealth};
use kcert::report::{self, TableStyle};

use crate::cli::{CheckArgs, CheckFormat};
use crate::exit::ExitStatus;
use crate::out::Stdout;
use crate::{errors, node, scan, scan_options};

pub fn run(args: &CheckArgs, now: Option<DateTime<Utc>>) -> Result<ExitStatus> {
    let started = std::time::Instant::now();
    let opts = scan_options(&args.scan, now)?;
    let mut inv = scan(&opts)?;
    let nothing = inv.nothing_found();
    let rt = node::for_check(args, &mut inv)?;
    let status = status_of(&inv);
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
        CheckFormat::Prometheus => {
            let mut sources = SourceHealth::new(&inv.roots, opts.explicit);
            sources.observe(Some(&inv));
            let metrics = Exposition::build(&MetricsInput {
                inv: &inv,
                probes: rt.probes.as_deref(),
                sources: &sources,
                scan_duration: started.elapsed(),
                scanned_at: inv.generated_at,
            });
            out.write_all(metrics.render(inv.generated_at).as_bytes())?;
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

/// What `check` exits with for an inventory: 3 when nothing was found, else its worst
/// finding's status (also the `exit_code` of `kcert serve`'s report).
pub fn status_of(inv: &Inventory) -> ExitStatus {
    if inv.nothing_found().is_some() {
        ExitStatus::CouldNotRun
    } else {
        ExitStatus::of_worst(inv.worst_severity())
    }
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
