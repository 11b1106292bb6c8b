//! `kcert check`: the inventory as a table or JSON, and the exit code.

use std::io::{IsTerminal, Write};

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use kcert::pki;
use kcert::report;

use crate::cli::{CheckArgs, OutputFormat};
use crate::{node, scan_options};

pub fn check(args: &CheckArgs, now: Option<chrono::DateTime<Utc>>) -> Result<u8> {
    let opts = scan_options(&args.scan, now)?;
    let mut inv = pki::scan(&opts).wrap_err("cannot scan")?;
    let rt = node::for_check(args, &mut inv)?;
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
