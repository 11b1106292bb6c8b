//! Pair private keys with certificates, and `sa.key` with `sa.pub`.
//!
//! Pairing follows the names operators and tools use (`x.crt`/`x.key`, cfssl's `x.pem`/
//! `x-key.pem`, one file, one kubeconfig user), falling back to public-key content; whether a
//! pair really belongs together is always decided by comparing public keys.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::read::FileRef;
use super::{CertEntry, CertId, EntryKind, KeyEntry, Origin, ServiceAccountPair};

/// Where a key's certificate should be, by convention, most usual first. Files only; made
/// one at a time, as the first usually is the one.
fn conventional_cert_paths(key: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    let name = key.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = key.parent().unwrap_or(Path::new(""));
    let cfssl = name.strip_suffix("-key.pem").map(|stem| (stem, "pem"));
    let stem = name.strip_suffix(".key");
    let usual = ["crt", "pem", "cer", "cert"]
        .into_iter()
        .filter_map(move |ext| Some((stem?, ext)));
    cfssl
        .into_iter()
        .chain(usual)
        .map(move |(stem, ext)| dir.join(format!("{stem}.{ext}")))
}

/// A fast hash, still seeded per process, rather than SipHash: hashing 20,000 paths was most
/// of the pairing.
type Fast = foldhash::fast::RandomState;

/// First certificate of each file, each kubeconfig user's client certificate, and every
/// certificate by public key. Borrowed: copying each path was a tenth of a large scan's peak.
struct Index<'a> {
    by_file: HashMap<&'a Path, CertId, Fast>,
    by_user: HashMap<(&'a Path, &'a str), CertId, Fast>,
    /// Sorted by key, then certificate.
    by_public: Vec<(&'a [u8; 32], CertId)>,
}

fn index(certs: &[CertEntry]) -> Index<'_> {
    let mut idx = Index {
        by_file: HashMap::with_capacity_and_hasher(certs.len(), Fast::default()),
        by_user: HashMap::default(),
        by_public: Vec::with_capacity(certs.len()),
    };
    for (id, c) in certs.iter().enumerate() {
        match &c.origin {
            Origin::File { path, index: 0 } => {
                idx.by_file.insert(path, id);
            }
            Origin::Kubeconfig {
                path,
                entry: EntryKind::User,
                name,
                index: 0,
                ..
            } => {
                idx.by_user.insert((path, name), id);
            }
            _ => {}
        }
        if let Some(pk) = &c.public_key_id {
            idx.by_public.push((pk, id));
        }
    }
    idx.by_public.sort_unstable();
    idx
}

impl Index<'_> {
    fn with_public<'s>(&'s self, pk: &'s [u8; 32]) -> impl Iterator<Item = CertId> + 's {
        let start = self.by_public.partition_point(|(k, _)| *k < pk);
        self.by_public[start..]
            .iter()
            .take_while(move |(k, _)| *k == pk)
            .map(|&(_, id)| id)
    }
}

/// Decide each key's certificate. Sets `cert_id` on keys and `key_id`/`key_match` on certs.
pub fn pair_keys(certs: &mut [CertEntry], keys: &mut [KeyEntry], refs: &[FileRef]) {
    for (kid, cid) in decide(certs, keys, refs) {
        let key = &mut keys[kid];
        key.cert_id = Some(cid);
        let cert = &mut certs[cid];
        if cert.key_id.is_none() {
            cert.key_id = Some(kid);
            cert.key_match = match (key.public_key_id, cert.public_key_id) {
                (Some(a), Some(b)) => Some(a == b),
                _ => None,
            };
        }
    }
}

/// Each paired key with its certificate, in key order; a certificate goes to the first key
/// that claims it.
fn decide(certs: &[CertEntry], keys: &[KeyEntry], refs: &[FileRef]) -> Vec<(usize, CertId)> {
    let idx = index(certs);
    let mut taken: Vec<bool> = certs.iter().map(|c| c.key_id.is_some()).collect();
    let mut pairs = Vec::new();
    // kubeconfig file references pair the key file with the certificate file of the same user.
    let mut ref_pairs: HashMap<PathBuf, PathBuf> = HashMap::new();
    // (kubeconfig, user) → (client-certificate, client-key)
    type Files<'a> = (Option<&'a Path>, Option<&'a Path>);
    let mut by_user: HashMap<(&Path, &str), Files> = HashMap::new();
    for r in refs.iter().filter(|r| r.entry == EntryKind::User) {
        let slot = by_user.entry((&r.kubeconfig, &r.name)).or_default();
        match r.field {
            "client-certificate" => slot.0 = Some(&r.target),
            "client-key" => slot.1 = Some(&r.target),
            _ => {}
        }
    }
    for (cert, key) in by_user.values() {
        if let (Some(c), Some(k)) = (cert, key) {
            ref_pairs.insert(k.to_path_buf(), c.to_path_buf());
        }
    }

    // The names are looked up in parallel (a fifth of a large scan's serial end); the
    // claims are then settled in key order. Only a file's first private key claims one.
    let claims: Vec<Option<Option<CertId>>> = keys
        .par_iter()
        .map(|key| {
            (key.is_private && key.origin.index() == 0).then(|| by_name(&idx, &ref_pairs, key))
        })
        .collect();
    for ((kid, key), claim) in keys.iter().enumerate().zip(claims) {
        let Some(by_name) = claim else {
            continue;
        };
        let by_content = || {
            key.public_key_id
                .as_ref()
                .and_then(|pk| idx.with_public(pk).find(|&c| !taken[c]))
        };
        let Some(cid) = by_name.or_else(by_content) else {
            continue;
        };
        taken[cid] = true;
        pairs.push((kid, cid));
    }
    pairs
}

/// The certificate a private key's name pairs it with: the same file, the kubeconfig user's
/// certificate file, or the file named by convention.
fn by_name(
    idx: &Index<'_>,
    ref_pairs: &HashMap<PathBuf, PathBuf>,
    key: &KeyEntry,
) -> Option<CertId> {
    match &key.origin {
        Origin::File { path, .. } => idx
            .by_file
            .get(path.as_path())
            .or_else(|| {
                ref_pairs
                    .get(path)
                    .and_then(|c| idx.by_file.get(c.as_path()))
            })
            .or_else(|| conventional_cert_paths(path).find_map(|p| idx.by_file.get(p.as_path())))
            .copied(),
        Origin::Kubeconfig {
            path,
            entry: EntryKind::User,
            name,
            ..
        } => idx.by_user.get(&(path.as_path(), name.as_str())).copied(),
        Origin::Kubeconfig { .. } => None,
    }
}

/// `sa.key`/`sa.pub` pairs, one per directory that has either.
pub fn service_accounts(keys: &[KeyEntry]) -> Vec<ServiceAccountPair> {
    let mut dirs: Vec<(PathBuf, ServiceAccountPair)> = Vec::new();
    for (id, k) in keys.iter().enumerate() {
        let Origin::File { path, index: 0 } = &k.origin else {
            continue;
        };
        let file = path.file_name().and_then(|n| n.to_str());
        let is_key = file == Some("sa.key") && k.is_private;
        let is_pub = file == Some("sa.pub") && !k.is_private;
        if !(is_key || is_pub) {
            continue;
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let pos = match dirs.iter().position(|(d, _)| *d == dir) {
            Some(p) => p,
            None => {
                dirs.push((
                    dir,
                    ServiceAccountPair {
                        key_id: None,
                        pub_id: None,
                        matches: None,
                    },
                ));
                dirs.len() - 1
            }
        };
        let pair = &mut dirs[pos].1;
        if is_key {
            pair.key_id = Some(id);
        } else {
            pair.pub_id = Some(id);
        }
    }
    dirs.into_iter()
        .map(|(_, mut p)| {
            if let (Some(k), Some(pb)) = (p.key_id, p.pub_id) {
                p.matches = match (keys[k].public_key_id, keys[pb].public_key_id) {
                    (Some(a), Some(b)) => Some(a == b),
                    _ => None,
                };
            }
            p
        })
        .collect()
}

/// Is this key file kubeadm's service-account key (never paired with a certificate)?
pub fn is_service_account_key(key: &KeyEntry) -> bool {
    matches!(&key.origin, Origin::File { path, .. }
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n == "sa.key" || n == "sa.pub"))
}
