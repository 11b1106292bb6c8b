//! `kcert renew`: plan, confirm, apply.

use std::io::{IsTerminal, Write};

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr};
use kcert::pki::{self, ScanOptions, Thresholds};

use crate::cli::RenewArgs;

pub fn renew(args: &RenewArgs, now: chrono::DateTime<Utc>) -> Result<u8> {
    use kcert::fsx::RealDisk;
    use kcert::renew::{self, RenewOptions, Selection};
    let explicit = !args.roots.is_empty();
    let mut roots = if explicit {
        args.roots.clone()
    } else {
        pki::walk::default_roots()
    };
    if !explicit {
        // A path named as a target brings its directory (and so its CA) into view.
        for t in &args.targets {
            let p = std::path::Path::new(t);
            if let (true, Some(parent)) = (p.exists(), p.parent()) {
                roots.push(parent.to_path_buf());
            }
        }
    }
    let thresholds = Thresholds {
        warn_days: args.warn,
        crit_days: args.warn.min(7),
    };
    let opts = ScanOptions {
        roots: roots.iter().map(|r| pki::absolute(r)).collect(),
        explicit,
        now,
        thresholds,
    };
    let inv = pki::scan(&opts).wrap_err("cannot scan")?;
    let selection = if args.all {
        Selection::All
    } else if args.expiring {
        Selection::Expiring(args.within.unwrap_or(args.warn))
    } else {
        Selection::Named(args.targets.clone())
    };
    let key_algorithm = args
        .key_algorithm
        .as_deref()
        .map(str::parse)
        .transpose()
        .wrap_err("--key-algorithm")?;
    let ropts = RenewOptions {
        now,
        validity_days: args.validity,
        key_algorithm,
        reuse_key: args.reuse_key,
        backup_dir: args.backup_dir.clone(),
        update_ca_data: args.update_ca_data,
    };
    let plan = renew::plan(&inv, &selection, &ropts)?;
    for line in renew::describe(&plan) {
        println!("{line}");
    }
    let refused = u8::from(!plan.refused.is_empty());
    if plan.items.is_empty() {
        println!("Nothing to renew.");
        return Ok(refused);
    }
    if args.dry_run {
        println!("Dry run: nothing was changed.");
        return Ok(refused);
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            color_eyre::eyre::bail!("refusing to renew without confirmation: there is no terminal to ask on; pass --yes");
        }
        print!("Proceed? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            println!("Nothing was changed.");
            return Ok(1);
        }
    }
    match renew::apply(&plan, &mut RealDisk) {
        Ok(done) => {
            println!(
                "Renewed {} certificate(s). Backups: {}  Journal: {}",
                plan.items.len(),
                done.backup_dir.display(),
                done.journal.display()
            );
            if !done.restart.is_empty() {
                println!("Now restart {}.", renew::and_list(&done.restart));
            }
            Ok(refused)
        }
        Err(e) => {
            eprintln!("kcert: renewal failed: {e}");
            Ok(1)
        }
    }
}
