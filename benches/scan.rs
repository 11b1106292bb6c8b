//! Scanning speed: a generated tree of 10,000 leaf certificates, each with its key file,
//! under 3 CAs (2 RSA-2048, 1 ECDSA P-256), with full verification and key matching; and a
//! kubeadm control-plane tree. The trees are generated once and reused (`common`).
//!
//! The floor: the 10,000 leaves' signature checks alone (aws-lc-rs against each CA's key
//! parsed once, on every core, as the scan runs them), certificates parsed and issuers found
//! beforehand. The scan's time over this is what kcert adds to the cryptography.
//! `benches/peer/` times the binary against a Python peer.

use std::collections::HashMap;
use std::path::Path;

use aws_lc_rs::signature::{self as lc, ParsedPublicKey, VerificationAlgorithm};
use criterion::{criterion_group, criterion_main, Criterion};
use kcert::pki::{scan, Inventory, ScanOptions, Thresholds};
use rayon::prelude::*;
use x509_parser::oid_registry as oids;
use x509_parser::prelude::{FromDer, X509Certificate};

mod common;
use common::{bulk_10k, kubeadm, now};

fn opts(root: &Path) -> ScanOptions {
    ScanOptions::new(vec![root.to_path_buf()], now(), Thresholds::default())
}

fn bench(c: &mut Criterion) {
    let bulk = bulk_10k();
    let kubeadm = kubeadm();
    let inv = scan(&opts(&bulk)).unwrap();
    assert!(
        inv.certs.len() >= 10_003 && inv.keys.len() >= 10_003,
        "{} certs",
        inv.certs.len()
    );
    assert!(inv
        .certs
        .iter()
        .filter(|c| !c.is_ca)
        .all(|c| c.chain.is_ok() && c.key_match == Some(true)));

    let mut g = c.benchmark_group("scan");
    g.sample_size(10);
    let ders = issued(&inv);
    let parse = |der| X509Certificate::from_der(der).unwrap().1;
    // The floor: each CA's key parsed once, as the scan does, then only the checks.
    let algorithm = |leaf: &X509Certificate<'_>| -> &'static dyn VerificationAlgorithm {
        let oid = &leaf.signature_algorithm.algorithm;
        if *oid == oids::OID_PKCS1_SHA256WITHRSA {
            &lc::RSA_PKCS1_2048_8192_SHA256
        } else if *oid == oids::OID_SIG_ECDSA_WITH_SHA256 {
            &lc::ECDSA_P256_SHA256_ASN1
        } else {
            panic!("the bulk tree signs with {}", oid.to_id_string())
        }
    };
    let mut keys: HashMap<&[u8], ParsedPublicKey> = HashMap::new();
    for (l, c) in &ders {
        let ca = parse(c);
        keys.entry(c.as_slice()).or_insert_with(|| {
            let spki = &ca.public_key().subject_public_key.data;
            ParsedPublicKey::new(algorithm(&parse(l)), spki).expect("CA key")
        });
    }
    let pairs: Vec<_> = ders
        .iter()
        .map(|(l, c)| {
            let leaf = parse(l);
            let tbs = leaf.tbs_certificate.as_ref().to_vec();
            (tbs, leaf.signature_value.data.to_vec(), &keys[c.as_slice()])
        })
        .collect();
    let verify_all = || {
        pairs
            .par_iter()
            .filter(|(tbs, sig, key)| key.verify_sig(tbs, sig).is_ok())
            .count()
    };
    assert_eq!(verify_all(), 10_000);
    g.bench_function("10k leaves: signature checks alone (the floor)", |b| {
        b.iter(verify_all)
    });
    g.bench_function("10k leaves, 3 CAs, verify + key match", |b| {
        b.iter(|| scan(&opts(&bulk)).unwrap())
    });
    g.bench_function("kubeadm control-plane tree", |b| {
        b.iter(|| scan(&opts(&kubeadm)).unwrap())
    });
    // The user's measure: the whole `kcert check --output json` process (start, scan with the
    // binary's allocator, JSON to a pipe, exit).
    g.bench_function("kcert check --output json, 10k leaves (process)", |b| {
        b.iter(|| check_json(&bulk))
    });
    g.bench_function("kcert check --output json, kubeadm tree (process)", |b| {
        b.iter(|| check_json(&kubeadm))
    });
    g.finish();
}

/// Every verified leaf's DER with its issuer's (read again where the scan let it go).
fn issued(inv: &Inventory) -> Vec<(Vec<u8>, Vec<u8>)> {
    let der = |id| inv.der(id).unwrap().into_owned();
    (0..inv.certs.len())
        .filter_map(|id| Some((der(id), der(inv.certs[id].issuer_id?))))
        .collect()
}

fn check_json(root: &Path) -> usize {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kcert"))
        .args(["check", "--output", "json"])
        .arg(root)
        .env("KCERT_NOW", now().to_rfc3339())
        .output()
        .expect("run kcert");
    assert!(out.status.code().is_some_and(|c| c < 3), "{out:?}");
    out.stdout.len()
}

criterion_group!(benches, bench);
criterion_main!(benches);
