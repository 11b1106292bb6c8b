//! Which cluster a command talks to — `--kubeconfig`, `--context`, `--timeout`, else the
//! usual search, or a scanned node's own `admin.conf` when its root was given — and the
//! cluster side of the CA commands: the copies `kcert ca plan` reads, and `--update-cluster`.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kcert::cluster::ca_copies::ClusterCopies;
use kcert::cluster::cluster_info::{self, Updated};
use kcert::cluster::{ca_read, connect, Access, Locations};
use kcert::pki::format::datetime;
use kcert::report::ca_plan::refreshing;
use kcert::runtime::NodePaths;

use crate::cli::ClusterArgs;
use crate::exit::ExitStatus;
use crate::out::say;
use crate::runtime;

impl From<&ClusterArgs> for Access {
    fn from(a: &ClusterArgs) -> Access {
        Access {
            kubeconfig: a.kubeconfig.clone(),
            context: a.context.clone(),
            timeout: Duration::from_secs(a.timeout.max(1)),
            apiserver_cert: None,
        }
    }
}

/// Where to look for a kubeconfig: with none given, the scanned node's own
/// (`DIR/etc/kubernetes/admin.conf`) when the scan was of a node under a root, else the
/// usual search.
pub fn locations(kubeconfig: Option<&Path>, node: Option<&NodePaths>) -> Locations {
    match (kubeconfig, node) {
        (None, Some(node)) => Locations::isolated(&node.kubernetes_dir),
        _ => Locations::from_env(),
    }
}

/// Everything `kcert ca plan` reads of the cluster, or why nothing could be read.
pub fn read_copies(args: &ClusterArgs, node: Option<&NodePaths>) -> Result<ClusterCopies, String> {
    let loc = locations(args.kubeconfig.as_deref(), node);
    let rt = runtime().map_err(|e| e.to_string())?;
    rt.block_on(async {
        let conn = connect::open(&Access::from(args), &loc)
            .await
            .map_err(|d| d.banner())?;
        ca_read::read_copies(&conn).await.map_err(|d| d.banner())
    })
}

/// `--update-cluster`, once the kubernetes CA is `new_der` on this node (or would be, in a
/// dry run): put it into kube-public/cluster-info, say what was done and what refreshes by
/// itself; or why not, and `later`, the command that does it afterwards (a warning).
pub fn update_cluster_info(
    args: &ClusterArgs,
    node: Option<&NodePaths>,
    new_der: &[u8],
    dry_run: bool,
    later: &str,
    now: DateTime<Utc>,
) -> ExitStatus {
    let loc = locations(args.kubeconfig.as_deref(), node);
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kcert: warning: kube-public/cluster-info was not updated: {e}");
            return ExitStatus::Warning;
        }
    };
    let result = rt.block_on(async {
        let conn = connect::open(&Access::from(args), &loc)
            .await
            .map_err(|d| cluster_info::UpdateError::Cluster(Box::new(d)))?;
        let done = cluster_info::update(&conn, new_der, dry_run).await?;
        let copies = match done {
            Updated::Written { .. } => Some(ca_read::read_copies(&conn).await),
            _ => None,
        };
        Ok::<_, cluster_info::UpdateError>((done, copies))
    });
    match result {
        Ok((
            Updated::Written {
                replaced_until,
                tries,
            },
            copies,
        )) => {
            let retried = match tries {
                1 => String::new(),
                n => format!("; written on try {n}, another writer having changed it meanwhile"),
            };
            say!(
                "Updated kube-public/cluster-info: its CA data holds the new certificate in \
                 place of the old copy (until {}){retried}; kube-controller-manager's bootstrap \
                 signer re-signs its jws-kubeconfig-* keys.",
                datetime(replaced_until)
            );
            let copies = copies.map(|r| r.map_err(|d| d.banner()));
            let view = match &copies {
                Some(Ok(c)) => Ok(c),
                Some(Err(why)) => Err(why.as_str()),
                None => Err("not read"),
            };
            for line in refreshing(view, new_der, now) {
                say!("{line}");
            }
            ExitStatus::Ok
        }
        Ok((Updated::WouldWrite { replaced_until }, _)) => {
            say!(
                "Would update kube-public/cluster-info: its CA data (the old copy, until {}) \
                 replaced by the new certificate; nothing was written.",
                datetime(replaced_until)
            );
            ExitStatus::Ok
        }
        Ok((Updated::AlreadyCurrent, _)) => {
            say!("kube-public/cluster-info already holds the new certificate.");
            ExitStatus::Ok
        }
        Err(e @ cluster_info::UpdateError::Unverified) => {
            eprintln!(
                "kcert: warning: {e}: check it with `kcert ca plan` (what was changed on this \
                 node stands)"
            );
            ExitStatus::Warning
        }
        Err(e) if dry_run => {
            eprintln!("kcert: warning: kube-public/cluster-info could not be checked: {e}");
            ExitStatus::Warning
        }
        Err(e) => {
            eprintln!(
                "kcert: warning: kube-public/cluster-info was not updated: {e}\n  What was changed on \
                 this node stands. To update cluster-info later: {later}"
            );
            ExitStatus::Warning
        }
    }
}
