//! `kcert [PATH...]` and `kcert tui`: the terminal UI on the process's runtime.

use std::io::IsTerminal;

use chrono::{DateTime, Utc};
use color_eyre::eyre::Result;
use kcert::cluster::Access;
use kcert::runtime::{NodeOverrides, NodePaths};
use kcert::tui::ClusterOptions;
use tokio::signal::unix::SignalKind;

use crate::cli::{ScanArgs, UiClusterArgs};
use crate::exit::ExitStatus;
use crate::signals::{terminal_gone, Quit};
use crate::{runtime, scan_options};

/// The cluster behind the CSR tab: `--kubeconfig`/`--context`; without a kubeconfig, the
/// scanned node's own (`DIR/etc/kubernetes/admin.conf`) when PATHs hold a node, else the
/// usual search.
pub fn cluster_options(args: &UiClusterArgs, node: Option<&NodePaths>) -> ClusterOptions {
    let locations = crate::cluster::locations(args.kubeconfig.as_deref(), node);
    ClusterOptions {
        access: Access {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            ..Access::default()
        },
        locations,
    }
}

/// The UI on the PATHs, probing the node's listeners.
pub fn run(
    args: &ScanArgs,
    cluster: &UiClusterArgs,
    now: Option<DateTime<Utc>>,
) -> Result<ExitStatus> {
    // The same choice as `check`: found under the scanned paths, the real node without any.
    let node = NodeOverrides::default().paths(&args.paths);
    let scanned_node = node.as_ref().filter(|_| !args.paths.is_empty());
    let cluster = cluster_options(cluster, scanned_node);
    open(args, Some(cluster), node, now, true)
}

/// The UI until the operator quits: 130 when a SIGINT ended it.
pub fn open(
    args: &ScanArgs,
    cluster: Option<ClusterOptions>,
    node: Option<NodePaths>,
    now: Option<DateTime<Utc>>,
    probe: bool,
) -> Result<ExitStatus> {
    let opts = kcert::tui::TuiOptions {
        scan: scan_options(args, now)?,
        color: args.color.enabled(std::io::stdout().is_terminal()),
        now,
        cluster,
        node,
        probe,
    };
    let had_terminal = std::io::stdin().is_terminal();
    let ended = runtime()?.block_on(async {
        let mut quit = Quit::listen()?;
        let mut signal = None;
        kcert::tui::run(opts, async {
            // The tests' way to see what a bug looks like to the operator (debug builds only).
            #[cfg(debug_assertions)]
            if std::env::var_os("KCERT_TEST_PANIC").is_some() {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                panic!("KCERT_TEST_PANIC is set");
            }
            tokio::select! {
                s = quit.recv() => signal = Some(s),
                () = terminal_gone() => {}
            }
        })
        .await?;
        Ok(match signal {
            Some(s) if s == SignalKind::interrupt() => ExitStatus::Interrupted,
            _ => ExitStatus::Ok,
        })
    });
    // The terminal hung up under the UI (the draw failed on it before the check saw it go):
    // the same end as a SIGHUP, and nothing to print on a terminal that is gone.
    match ended {
        Err(_) if had_terminal && !std::io::stdin().is_terminal() => Ok(ExitStatus::Ok),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn a_scanned_node_brings_its_own_admin_conf_unless_a_kubeconfig_is_given() {
        let node = NodePaths::under(Path::new("/mnt/node"));
        let c = cluster_options(&UiClusterArgs::default(), Some(&node));
        let searched = &c.locations;
        assert_eq!(
            searched.kubernetes_dir,
            Path::new("/mnt/node/etc/kubernetes")
        );
        assert!(searched.kubeconfig_env.is_none() && searched.home.is_none());
        let given = UiClusterArgs {
            kubeconfig: Some("/k.conf".into()),
            context: None,
        };
        let c = cluster_options(&given, Some(&node));
        assert_eq!(c.access.kubeconfig.as_deref(), Some(Path::new("/k.conf")));
        assert_eq!(c.locations.kubernetes_dir, Path::new("/etc/kubernetes"));
    }
}
