//! The scan: walk, read in parallel, follow kubeconfig references, link chains, pair keys, judge.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::issuers::Issuers;
use super::open::Opener;
use super::read::{entry_word, read_file_with, FileRef, Parsed, ReadPolicy};
use super::walk::{file_id, walk_in_batches, Candidate};
use super::{chain, copies, distro, expiry, judge, pair};
use super::{EntryKind, Inventory, Origin, Problem, ProblemKind, ScanOptions, Severity};
use crate::error::ScanError;

/// Scan the roots into a verified inventory. Fails only when an explicit root is missing.
pub fn scan(opts: &ScanOptions) -> Result<Inventory, ScanError> {
    scan_with(opts, ReadPolicy::default())
}

/// [`scan`], parsing only what `policy` allows.
pub fn scan_with(opts: &ScanOptions, policy: ReadPolicy) -> Result<Inventory, ScanError> {
    let issuers = Issuers::default();
    let Found {
        mut problems,
        missing_roots,
        ids: walked_ids,
        mut parsed,
    } = walk_and_read(opts, policy, &issuers)?;
    let refs: Vec<FileRef> = parsed
        .iter_mut()
        .flat_map(|p| std::mem::take(&mut p.refs))
        .collect();
    // Files that kubeconfigs name but the walk did not reach are read too: they are what
    // the kubeconfig's user really presents.
    let mut added: HashSet<(u64, u64)> = HashSet::new();
    let mut extra = Vec::new();
    let mut missing: Vec<(&FileRef, Vec<&str>)> = Vec::new();
    for r in &refs {
        if std::fs::metadata(&r.target).is_err() {
            match missing.iter_mut().find(|(m, _)| {
                m.kubeconfig == r.kubeconfig && m.name == r.name && m.target == r.target
            }) {
                Some((_, fields)) => fields.push(r.field),
                None => missing.push((r, vec![r.field])),
            }
            continue;
        }
        let Some(id) = file_id(&r.target) else {
            continue;
        };
        if walked_ids.binary_search(&id).is_err() && added.insert(id) {
            let link_target = std::fs::symlink_metadata(&r.target)
                .is_ok_and(|m| m.file_type().is_symlink())
                .then(|| real(&r.target));
            extra.push(Candidate {
                path: r.target.clone(),
                link_target,
                explicit: true,
                id,
                regular: false,
            });
        }
    }
    drop(walked_ids);
    parsed.extend(read_all(extra, policy, &issuers));
    drop(issuers);
    for (r, fields) in missing {
        problems.push(Problem {
            path: r.kubeconfig.clone(),
            severity: Severity::Error,
            kind: ProblemKind::Kubeconfig,
            message: format!(
                "{} of {} {} {} {}, which does not exist",
                fields.join(" and "),
                entry_word(&r.entry),
                r.name,
                if fields.len() > 1 { "name" } else { "names" },
                r.target.display()
            ),
            cert_id: None,
            key_id: None,
        });
    }

    let mut inv = Inventory {
        generated_at: opts.now,
        roots: opts.roots.clone(),
        missing_roots,
        thresholds: opts.thresholds,
        certs: Vec::new(),
        keys: Vec::new(),
        problems,
        service_accounts: Vec::new(),
        csrs: Vec::new(),
        distribution: distro::Detection::default(),
    };
    // Reserved up front: growing by doubling copied the large entries several times.
    inv.certs
        .reserve_exact(parsed.iter().map(|p| p.certs.len()).sum());
    inv.keys
        .reserve_exact(parsed.iter().map(|p| p.keys.len()).sum());
    for p in parsed {
        inv.certs.extend(p.certs);
        inv.keys.extend(p.keys);
        inv.csrs.extend(p.csrs);
        inv.problems.extend(p.problems);
    }
    merge_embedded_cas(&mut inv);
    record_references(&mut inv, &refs);
    mark_superseded(&mut inv);

    // Keys first: the copy of a CA that has its key is the CA, and issuers are originals.
    pair::pair_keys(&mut inv.certs, &mut inv.keys, &refs);
    copies::mark_copies(&mut inv);
    let links = chain::link_all(&inv.certs);
    for (cert, link) in inv.certs.iter_mut().zip(&links) {
        cert.chain = link.verdict;
        cert.issuer_id = link.issuer;
        cert.status = expiry::status(cert.not_before, cert.not_after, opts.now, opts.thresholds);
    }
    inv.service_accounts = pair::service_accounts(&inv.keys);
    if !policy.private_keys {
        // sa.key was not read: a lone sa.pub is no finding.
        inv.service_accounts.retain(|sa| sa.key_id.is_some());
    }
    inv.distribution = distro::detect(&inv);
    judge::judge(&mut inv, &links);
    Ok(inv)
}

/// Files are read in batches of this many, in walk order: one vector per file cost an
/// allocation and its rounding per certificate.
const BATCH: usize = 256;

/// What [`walk_and_read`] found and read.
struct Found {
    problems: Vec<Problem>,
    missing_roots: Vec<PathBuf>,
    /// Device and inode of every file the walk found that `policy` opens, to tell the files
    /// kubeconfigs name that were not read yet: sorted rather than hashed (a third of the
    /// memory).
    ids: Vec<(u64, u64)>,
    parsed: Vec<Parsed>,
}

/// Walk the roots and read each batch of files as soon as the walk has found it: the walk is
/// serial, and reading meanwhile keeps the other cores busy. The batches come back in walk
/// order, so the inventory does not depend on which thread read what first. The walk's list
/// of files is let go as soon as the walk ends: on large trees it is a tenth of the peak.
fn walk_and_read(
    opts: &ScanOptions,
    policy: ReadPolicy,
    issuers: &Issuers,
) -> Result<Found, ScanError> {
    // Each batch read, by its place in the walk, and whether it is a second reading.
    let read: Mutex<Vec<(usize, bool, Parsed)>> = Mutex::default();
    let (walked, mut ids, again) = rayon::scope(|s| {
        let hand_out = |k: usize, batch: Vec<Candidate>, second: bool| {
            let read = &read;
            s.spawn(move |_| {
                let parsed = read_batch(batch, policy, issuers);
                read.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((k, second, parsed));
            });
        };
        let mut next = 0;
        let mut walked = walk_in_batches(&opts.roots, opts.explicit, BATCH, |b| {
            hand_out(next, b.to_vec(), false);
            next += 1;
        })?;
        // A batch whose file was renamed after it was handed out (a symlink's name found
        // later for the same file) is read again under the names the walk settled on.
        let mut again: Vec<usize> = walked.replaced.iter().map(|i| i / BATCH).collect();
        again.sort_unstable();
        again.dedup();
        let files = std::mem::take(&mut walked.files);
        for (k, batch) in files.chunks(BATCH).enumerate() {
            if k >= next {
                hand_out(k, batch.to_vec(), false);
            } else if again.binary_search(&k).is_ok() {
                hand_out(k, batch.to_vec(), true);
            }
        }
        let ids: Vec<(u64, u64)> = files
            .into_iter()
            .filter(|c| policy.opens(&c.path))
            .map(|c| c.id)
            .collect();
        Ok::<_, ScanError>((walked, ids, again))
    })?;
    ids.sort_unstable();
    let mut read = read.into_inner().unwrap_or_else(PoisonError::into_inner);
    read.retain(|(k, second, _)| again.binary_search(k).is_ok() == *second);
    read.sort_unstable_by_key(|(k, _, _)| *k);
    Ok(Found {
        problems: walked.problems,
        missing_roots: walked.missing_roots,
        ids,
        parsed: read.into_iter().map(|(_, _, p)| p).collect(),
    })
}

/// Read files that the walk did not hand out (those kubeconfigs name), in parallel.
fn read_all(files: Vec<Candidate>, policy: ReadPolicy, issuers: &Issuers) -> Vec<Parsed> {
    files
        .par_chunks(BATCH)
        .map(|batch| read_batch(batch.to_vec(), policy, issuers))
        .collect()
}

/// One batch of files, each dropped once read: on a large tree the list of files is a good
/// part of the peak.
fn read_batch(batch: Vec<Candidate>, policy: ReadPolicy, issuers: &Issuers) -> Parsed {
    let mut acc = Parsed::default();
    let mut opener = Opener::default();
    for c in batch.into_iter().filter(|c| policy.opens(&c.path)) {
        let first = acc.certs.len();
        read_file_with(&c, policy, &mut acc, &mut opener);
        issuers.note_file(&mut acc.certs[first..]);
    }
    acc.shrunk()
}

fn real(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A kubeconfig's CA data that is byte-identical to a CA file is the same CA: keep one
/// entry and remember the kubeconfig as a reference, so the tree shows each CA once.
fn merge_embedded_cas(inv: &mut Inventory) {
    let mut merged = vec![false; inv.certs.len()];
    let mut refs: Vec<(usize, PathBuf)> = Vec::new();
    for (i, cert) in inv.certs.iter().enumerate() {
        let Origin::Kubeconfig {
            path,
            entry: EntryKind::Cluster,
            ..
        } = &cert.origin
        else {
            continue;
        };
        let twin = inv
            .certs
            .iter()
            .position(|c| matches!(c.origin, Origin::File { .. }) && c.sha256 == cert.sha256);
        if let Some(t) = twin {
            refs.push((t, path.clone()));
            merged[i] = true;
        }
    }
    for (t, kubeconfig) in refs {
        if !inv.certs[t].referenced_by.contains(&kubeconfig) {
            inv.certs[t].referenced_by.push(kubeconfig);
        }
    }
    let mut keep = merged.iter().map(|m| !m);
    inv.certs.retain(|_| keep.next().unwrap_or(true));
}

fn record_references(inv: &mut Inventory, refs: &[FileRef]) {
    if refs.is_empty() {
        return;
    }
    let targets: Vec<(Option<(u64, u64)>, &FileRef)> =
        refs.iter().map(|r| (file_id(&r.target), r)).collect();
    for cert in &mut inv.certs {
        let Origin::File { path, .. } = &cert.origin else {
            continue;
        };
        let Some(id) = file_id(path) else { continue };
        for (target, r) in &targets {
            if *target == Some(id) && !cert.referenced_by.contains(&r.kubeconfig) {
                cert.referenced_by.push(r.kubeconfig.clone());
            }
        }
    }
}

/// Old `kubelet-client-<date>.pem` files that `kubelet-client-current.pem` no longer points at.
fn mark_superseded(inv: &mut Inventory) {
    let mut current: Vec<(PathBuf, String, PathBuf)> = Vec::new();
    for cert in &inv.certs {
        let Origin::File { path, .. } = &cert.origin else {
            continue;
        };
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let (Some(prefix), Some(target)) =
            (name.strip_suffix("-current.pem"), &cert.symlink_target)
        {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            current.push((dir, format!("{prefix}-"), target.clone()));
        }
    }
    if current.is_empty() {
        return;
    }
    for cert in &mut inv.certs {
        let Origin::File { path, .. } = &cert.origin else {
            continue;
        };
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        cert.superseded = current.iter().any(|(d, prefix, target)| {
            *d == dir
                && name.starts_with(prefix.as_str())
                && name.ends_with(".pem")
                && !name.ends_with("-current.pem")
                && real(path) != *target
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::Thresholds;

    /// Reading starts while the walk goes on. When a later symlink names a file of a batch
    /// already being read (the kubelet's `-current.pem` after hundreds of files), the file
    /// is still reported once, under the symlink's name, as consumers use it.
    #[test]
    fn a_symlink_found_after_its_files_batch_was_handed_out_names_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["node-1".into()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        let first = dir.path().join("kubelet-client-2026-01-01.pem");
        std::fs::write(&first, cert.pem()).expect("write");
        // Files that say nothing but fill the first batch.
        for i in 0..BATCH + 10 {
            std::fs::write(dir.path().join(format!("m-{i:04}.conf")), "x").expect("write");
        }
        let current = dir.path().join("z-kubelet-client-current.pem");
        std::os::unix::fs::symlink(&first, &current).expect("symlink");
        let opts = ScanOptions::new(
            vec![dir.path().to_path_buf()],
            chrono::Utc::now(),
            Thresholds::default(),
        );
        let inv = scan(&opts).expect("scan");
        assert_eq!(inv.certs.len(), 1, "{:?}", inv.certs);
        assert_eq!(inv.certs[0].origin.path(), current);
        assert_eq!(
            inv.certs[0].symlink_target.as_deref(),
            Some(first.canonicalize().expect("real").as_path())
        );
        assert!(inv.problems.is_empty(), "{:?}", inv.problems);
    }

    /// Nothing scanned is not "nothing matched": the inventory says where it looked and which
    /// default roots the node does not have.
    #[test]
    fn an_empty_scan_says_where_it_looked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let gone = dir.path().join("not-here");
        let opts = ScanOptions {
            roots: vec![dir.path().to_path_buf(), gone.clone()],
            explicit: false,
            now: chrono::Utc::now(),
            thresholds: Thresholds::default(),
        };
        let inv = scan(&opts).expect("scan");
        assert!(inv.is_empty());
        assert_eq!(inv.missing_roots, std::slice::from_ref(&gone));
        let said = inv.nothing_found().expect("nothing found");
        assert!(
            said.starts_with(&format!(
                "no certificates, keys or kubeconfigs were found under {} ({}: not there); \
                 kcert knows the layouts of kubeadm, k3s, rke2, microk8s,",
                dir.path().display(),
                gone.display()
            )),
            "{said}"
        );
        let only_gone = ScanOptions {
            roots: vec![gone.clone()],
            ..opts
        };
        let inv = scan(&only_gone).expect("scan");
        let said = inv.nothing_found().expect("nothing found");
        assert!(
            said.starts_with(&format!(
                "nothing to scan: none of {} exists;",
                gone.display()
            )),
            "{said}"
        );
        std::fs::write(dir.path().join("junk.crt"), "not a certificate").expect("write");
        let inv = scan(&ScanOptions::new(
            vec![dir.path().to_path_buf()],
            chrono::Utc::now(),
            Thresholds::default(),
        ))
        .expect("scan");
        assert_eq!(inv.nothing_found(), None, "a problem is something found");
    }
}
