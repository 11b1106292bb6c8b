//! `kcert ca import`: bring a CA renewed on another node to this one, through the renewal's
//! plan, confirmation and change.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use color_eyre::eyre::{eyre, Result};
use kcert::pki::{self, ScanOptions, Thresholds};
use kcert::renew::{self, RenewOptions};
use kcert::report::ca_plan::{describe_ca_plan, this_node, ClusterView};
use kcert::runtime::NodePaths;

use crate::cli::{CaCommand, CaImportArgs, CaPlanArgs};
use crate::exit::ExitStatus;
use crate::{errors, scan};

pub fn run(cmd: &CaCommand, now: DateTime<Utc>) -> Result<ExitStatus> {
    match cmd {
        CaCommand::Import(args) => import(args, now),
        CaCommand::Plan(args) => plan(args, now),
    }
}

fn plan(args: &CaPlanArgs, now: DateTime<Utc>) -> Result<ExitStatus> {
    let inv = inventory(&args.roots, now)?;
    let ids = match renew::plan_cas(&inv, &args.names) {
        Ok(ids) if !ids.is_empty() => ids,
        Ok(_) => {
            errors::print(
                &eyre!("no kubeadm CA under {}", crate::roots_list(&inv.roots)),
                false,
            );
            return Ok(ExitStatus::CouldNotRun);
        }
        Err(unknown) => {
            errors::print(
                &eyre!(
                    "no CA called {} here: give ca, etcd-ca or front-proxy-ca",
                    unknown.join(", ")
                ),
                false,
            );
            return Ok(ExitStatus::Usage);
        }
    };
    // The cluster adds to the plan; the plan and its exit code never depend on it.
    let cluster = crate::cluster::read_copies(
        &args.cluster,
        node_of(&inv, !args.roots.is_empty()).as_ref(),
    );
    let view = match &cluster {
        Ok(c) => ClusterView::Read(c),
        Err(why) => ClusterView::Unread(why),
    };
    let me = this_node(&inv);
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            crate::out::say!("");
        }
        for line in describe_ca_plan(&inv, id, view, me.as_deref()) {
            crate::out::say!("{line}");
        }
    }
    Ok(ExitStatus::Ok)
}

/// The node under the roots when they were given (`explicit`): its own kubeconfig reaches
/// its cluster.
pub fn node_of(inv: &pki::Inventory, explicit: bool) -> Option<NodePaths> {
    explicit.then(|| NodePaths::discover(&inv.roots)).flatten()
}

/// The roots given, else kcert's defaults, scanned at `now`.
fn inventory(roots: &[PathBuf], now: DateTime<Utc>) -> Result<pki::Inventory> {
    let explicit = !roots.is_empty();
    let roots = match explicit {
        true => roots.iter().map(|r| pki::absolute(r)).collect(),
        false => pki::walk::default_roots(),
    };
    let mut opts = ScanOptions::new(roots, now, Thresholds::default());
    opts.explicit = explicit;
    scan(&opts)
}

fn import(args: &CaImportArgs, now: DateTime<Utc>) -> Result<ExitStatus> {
    let inv = inventory(&args.roots, now)?;
    let mut opts = RenewOptions::new(now);
    opts.backup_dir = args.backup_dir.clone();
    let (plan, der) = match renew::plan_import(&inv, &args.file, &opts) {
        Ok(planned) => planned,
        Err(e) => {
            errors::print(&eyre!("{e}; nothing was changed"), false);
            return Ok(ExitStatus::Warning);
        }
    };
    let (status, done) = match plan.items.is_empty() {
        true => {
            crate::out::say!(
                "Every copy on this node already holds {}.",
                args.file.display()
            );
            (ExitStatus::Ok, true)
        }
        false => crate::renew::execute(&plan, args.dry_run, args.yes)?,
    };
    if !args.update_cluster || !(done || args.dry_run) {
        return Ok(status);
    }
    let later = crate::renew::later_command(&args.file, &args.roots, &args.cluster);
    let node = node_of(&inv, !args.roots.is_empty());
    let cluster = crate::cluster::update_cluster_info(
        &args.cluster,
        node.as_ref(),
        &der,
        args.dry_run,
        &later,
        now,
    );
    Ok(status.worse(cluster))
}
