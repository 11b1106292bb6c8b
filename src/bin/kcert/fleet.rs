//! `kcert fleet`.

use chrono::{DateTime, Utc};
use color_eyre::eyre::{bail, Result};

use crate::cli::FleetArgs;
use crate::exit::ExitStatus;

pub fn run(_args: &FleetArgs, _now: Option<DateTime<Utc>>) -> Result<ExitStatus> {
    bail!("not yet")
}
