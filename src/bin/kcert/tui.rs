//! `kcert [PATH...]` and `kcert tui`: the terminal UI.

use std::io::IsTerminal;

use chrono::Utc;
use color_eyre::eyre::Result;
use kcert::cluster::{Access, Locations};
use kcert::tui::ClusterOptions;

use crate::cli::{self, ScanArgs, UiClusterArgs};
use crate::scan_options;

/// `--kubeconfig`/`--context` for the CSR tab; without them, the usual kubeconfig search.
pub fn cluster_options(args: &UiClusterArgs) -> ClusterOptions {
    ClusterOptions {
        access: Access {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            ..Access::default()
        },
        locations: Locations::from_env(),
    }
}

pub fn tui(
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
        node: cli::NodeArgs::default().paths(&args.paths),
        probe,
    };
    kcert::tui::run(opts)?;
    Ok(0)
}
