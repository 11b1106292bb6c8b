//! `kcert fleet`: every node's report through the API server, as a table or JSON; exits
//! like `check` over the whole fleet (a node that cannot be seen is at least a warning).

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use color_eyre::eyre::Result;
use kcert::cluster::{Access, Locations};
use kcert::fleet::{self, output, FleetOptions};
use kcert::pki::Health;

use crate::cli::{FleetArgs, OutputFormat};
use crate::exit::ExitStatus;
use crate::out::Stdout;
use crate::runtime;

impl From<&FleetArgs> for FleetOptions {
    fn from(a: &FleetArgs) -> FleetOptions {
        FleetOptions {
            namespace: a.namespace.clone(),
            selector: a.selector.clone(),
            port: a.port,
            node_timeout: Duration::from_secs(a.node_timeout.max(1)),
            ..FleetOptions::default()
        }
    }
}

pub fn run(args: &FleetArgs, now: Option<DateTime<Utc>>) -> Result<ExitStatus> {
    let now = now.unwrap_or_else(Utc::now);
    let opts = FleetOptions::from(args);
    let access = Access::from(&args.cluster);
    runtime()?.block_on(async {
        let conn = match fleet::connect(&access, &Locations::from_env()).await {
            Ok(c) => c,
            Err(d) => {
                eprintln!("kcert: {}", d.banner());
                return Ok(ExitStatus::CouldNotRun);
            }
        };
        let (rows, unreadable) = match fleet::fetch_fleet(&conn, &opts, now).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("kcert: {e}");
                return Ok(ExitStatus::CouldNotRun);
            }
        };
        let status = match fleet::worst(&rows) {
            Some(Health::Critical) => ExitStatus::Critical,
            Some(Health::Warning) => ExitStatus::Warning,
            _ => ExitStatus::Ok,
        };
        let mut out = Stdout;
        match args.output {
            OutputFormat::Json => {
                let doc = output::json(&rows, &opts, unreadable.as_deref(), now, status.code())?;
                writeln!(out, "{doc}")?;
            }
            OutputFormat::Table => {
                write!(out, "{}", output::table(&rows, now))?;
                if let Some(why) = &unreadable {
                    eprintln!("kcert: nodes without a kcert pod are not listed: {why}");
                }
            }
        }
        out.flush()?;
        Ok(status)
    })
}
