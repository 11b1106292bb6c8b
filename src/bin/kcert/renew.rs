//! `kcert renew`: what to renew and where to look, then plan, confirm, apply.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use color_eyre::eyre::{eyre, Result, WrapErr};
use kcert::fsx::RealDisk;
use kcert::pki::{self, ScanOptions, Thresholds};
use kcert::renew::{self, RenewOptions, Selection};

use crate::cli::{ClusterArgs, RenewArgs, RestoreArgs};
use crate::exit::ExitStatus;
use crate::out::{ask, say};
use crate::{errors, roots_list, scan};

/// What to renew, as the arguments say it; `Err` is what to tell the operator instead.
fn selection(args: &RenewArgs, names: &[String]) -> Result<Selection, String> {
    let flag = match (args.all, args.expiring) {
        (true, _) => Some("--all"),
        (_, true) => Some("--expiring"),
        _ => None,
    };
    match (flag, names.is_empty()) {
        (None, true) => Err(
            "say what to renew: kubeadm names or paths (apiserver, admin.conf, ...), --all or \
             --expiring [--within DAYS]"
                .into(),
        ),
        (Some(flag), false) => Err(format!(
            "{flag} chooses by itself: give it no names ({} named)",
            names.join(", ")
        )),
        (Some("--all"), true) => Ok(Selection::All),
        (Some(_), true) => Ok(Selection::Expiring(args.within.unwrap_or(args.warn))),
        (None, false) => Ok(Selection::Named(names.to_vec())),
    }
}

pub fn run(args: &RenewArgs, now: DateTime<Utc>) -> Result<ExitStatus> {
    // A directory among the targets is where to look, as with `check` and `--root`.
    let (dirs, names): (Vec<&String>, Vec<&String>) =
        args.targets.iter().partition(|t| Path::new(t).is_dir());
    let names: Vec<String> = names.into_iter().cloned().collect();
    let selection = match selection(args, &names) {
        Ok(s) => s,
        Err(msg) => {
            errors::print(&eyre!(msg), false);
            return Ok(ExitStatus::Usage);
        }
    };
    let mut roots: Vec<PathBuf> = args.roots.clone();
    roots.extend(dirs.into_iter().map(PathBuf::from));
    let explicit = !roots.is_empty();
    if !explicit {
        roots = pki::walk::default_roots();
        // A path named as a target brings its directory (and so its CA) into view.
        for name in &names {
            let p = Path::new(name);
            if let (true, Some(parent)) = (p.exists(), p.parent()) {
                roots.push(parent.to_path_buf());
            }
        }
    }
    let opts = ScanOptions {
        roots: roots.iter().map(|r| pki::absolute(r)).collect(),
        explicit,
        now,
        thresholds: Thresholds {
            warn_days: args.warn,
            crit_days: args.warn.min(7),
        },
    };
    let inv = scan(&opts)?;
    if inv.certs.is_empty() {
        let roots = roots_list(&inv.roots);
        errors::print(
            &eyre!("found no certificates under {roots}: nothing to renew (--root PATH or a directory says where to look)"),
            false,
        );
        return Ok(ExitStatus::CouldNotRun);
    }
    let key_algorithm = args
        .key_algorithm
        .as_deref()
        .map(str::parse)
        .transpose()
        .wrap_err("--key-algorithm")?;
    let ropts = RenewOptions {
        now,
        validity_days: args.validity.unwrap_or(365),
        ca_validity_days: args.validity.unwrap_or(3650),
        key_algorithm,
        reuse_key: args.reuse_key,
        backup_dir: args.backup_dir.clone(),
        update_ca_data: args.update_ca_data,
        force: args.force,
    };
    let plan = renew::plan(&inv, &selection, &ropts)?;
    let (status, done) = execute(&plan, args.dry_run, args.yes)?;
    if !args.update_cluster {
        return Ok(status);
    }
    // cluster-info holds the kubernetes CA only.
    let Some(ca) = plan
        .items
        .iter()
        .find(|i| i.ca_check.is_some() && i.label == "ca")
    else {
        say!(
            "--update-cluster: kube-public/cluster-info holds the kubernetes CA (ca), which \
             this run did not renew: nothing to update in the cluster."
        );
        return Ok(status);
    };
    if !(done || args.dry_run) {
        return Ok(status);
    }
    let later = later_command(&ca.cert_path, &args.roots, &args.cluster);
    let node = crate::ca::node_of(&inv, explicit);
    let cluster = crate::cluster::update_cluster_info(
        &args.cluster,
        node.as_ref(),
        &ca.new_der,
        args.dry_run,
        &later,
        now,
    );
    Ok(status.worse(cluster))
}

/// The command that puts CA file `ca` into kube-public/cluster-info later, with the roots and
/// cluster flags of this run.
pub fn later_command(ca: &Path, roots: &[PathBuf], cluster: &ClusterArgs) -> String {
    let mut cmd = format!("kcert ca import {} --update-cluster", ca.display());
    for r in roots {
        cmd += &format!(" --root {}", r.display());
    }
    if let Some(k) = &cluster.kubeconfig {
        cmd += &format!(" --kubeconfig {}", k.display());
    }
    if let Some(c) = &cluster.context {
        cmd += &format!(" --context {c}");
    }
    cmd
}

/// Print the plan, ask (unless `yes`), apply; shared by `renew` and `ca import`. The status,
/// and whether the change was made (and proven).
pub fn execute(plan: &renew::Plan, dry_run: bool, yes: bool) -> Result<(ExitStatus, bool)> {
    for line in renew::describe(plan) {
        say!("{line}");
    }
    let refused = ExitStatus::done(plan.refused.is_empty() && plan.delegated.is_empty());
    if plan.items.is_empty() {
        say!("{}", renew::nothing_changed(plan));
        // Left to the distribution: kcert did not renew, and a script must not read success.
        if !plan.delegated.is_empty() {
            return Ok((ExitStatus::CouldNotRun, false));
        }
        return Ok((refused, false));
    }
    if dry_run {
        say!("Dry run: nothing was changed.");
        return Ok((refused, false));
    }
    if !yes && !ask("Proceed?", "renew")? {
        say!("Nothing was changed.");
        return Ok((ExitStatus::Warning, false));
    }
    match renew::apply(plan, &mut RealDisk) {
        Ok(done) => {
            say!(
                "Renewed {} certificate(s). Backups: {}  Journal: {} (entry {})",
                plan.items.len(),
                done.backup_dir.display(),
                done.journal.display(),
                done.entry
            );
            if !done.restart.is_empty() {
                say!("Now restart {}.", renew::and_list(&done.restart));
            }
            if let Some(w) = &done.journal_warning {
                eprintln!("kcert: warning: {w}");
            }
            Ok((refused, true))
        }
        Err(e) => {
            eprintln!("kcert: renewal failed: {e}");
            Ok((ExitStatus::Warning, false))
        }
    }
}

/// `kcert renew --recover`: settle an interrupted renewal or restore. Exit 0 settled (or
/// nothing to do), 1 could not.
pub fn recover(args: &RenewArgs) -> Result<ExitStatus> {
    let tmp_dir = renew::tmp_dir_for(&args.roots);
    match renew::recover(&tmp_dir, &mut RealDisk) {
        Ok(done) if done.is_empty() => {
            say!(
                "Nothing to recover: no interrupted change in {}.",
                tmp_dir.display()
            );
            Ok(ExitStatus::Ok)
        }
        Ok(done) => {
            for line in done.iter().flat_map(renew::describe_recovered) {
                say!("{line}");
            }
            Ok(ExitStatus::Ok)
        }
        Err(e) => {
            eprintln!("kcert: {e}");
            Ok(ExitStatus::Warning)
        }
    }
}

/// `kcert restore`: put back the files of a renewal. Exit 0 restored (or dry run), 1 refused
/// or failed.
pub fn restore(args: &RestoreArgs, now: DateTime<Utc>) -> Result<ExitStatus> {
    let tmp_dir = renew::tmp_dir_for(&args.roots);
    let plan = match renew::plan_restore(&tmp_dir, args.which.as_deref(), now) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kcert: {e}");
            return Ok(ExitStatus::Warning);
        }
    };
    for line in renew::describe_restore(&plan) {
        say!("{line}");
    }
    if args.dry_run {
        say!("Dry run: nothing was changed.");
        return Ok(ExitStatus::Ok);
    }
    if !args.yes && !ask("Proceed?", "restore")? {
        say!("Nothing was changed.");
        return Ok(ExitStatus::Warning);
    }
    match renew::apply_restore(&plan, &mut RealDisk) {
        Ok(done) => {
            say!(
                "Restored {} file(s). The replaced files are in {} (journal entry {}).",
                done.written.len(),
                done.backup_dir.display(),
                done.entry
            );
            if !plan.restart.is_empty() {
                say!("Now restart {}.", renew::and_list(&plan.restart));
            }
            if let Some(w) = &done.journal_warning {
                eprintln!("kcert: warning: {w}");
            }
            Ok(ExitStatus::Ok)
        }
        Err(e) => {
            eprintln!("kcert: restore failed: {e}");
            Ok(ExitStatus::Warning)
        }
    }
}
