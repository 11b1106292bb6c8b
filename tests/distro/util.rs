//! What the distribution tests share: finding a certificate by path, kcert at a clock on a
//! root, and certificates signed the way cfssl and openssl scripts sign them.

use std::path::Path;
use std::process::Output;

use chrono::{DateTime, Duration, Utc};
use kcert::pki::{CertId, EntryKind, Inventory, Origin};
use kcert::sign::{
    cert_to_pem, issue, CertTemplate, ExtendedKeyUsagePurpose as Eku, Issuer, KeySpec, PrivateKey,
    Subject,
};

use crate::common::kcert;

/// The certificate that is the first block of `file` (or block `index`).
pub fn at(inv: &Inventory, file: &Path, index: usize) -> CertId {
    inv.certs
        .iter()
        .position(
            |c| matches!(&c.origin, Origin::File { path, index: i } if path == file && *i == index),
        )
        .unwrap_or_else(|| panic!("no certificate {} #{index}", file.display()))
}

/// The `index`-th block of the first kubeconfig `entry` in the inventory.
pub fn in_kubeconfig(inv: &Inventory, entry: EntryKind, index: usize) -> CertId {
    inv.certs
        .iter()
        .position(|c| matches!(&c.origin, Origin::Kubeconfig { entry: e, index: i, .. } if *e == entry && *i == index))
        .unwrap_or_else(|| panic!("no {entry:?} #{index} in a kubeconfig"))
}

/// `kcert renew --root ROOT --yes ARGS...` at `now`.
pub fn renew(now: DateTime<Utc>, root: &str, args: &[&str]) -> (i32, String, Output) {
    let mut all = vec!["renew", "--root", root, "--yes"];
    all.extend(args);
    run(now, &all)
}

/// `kcert ARGS...` at `now`, and its stdout.
pub fn run(now: DateTime<Utc>, args: &[&str]) -> (i32, String, Output) {
    let out = kcert(now, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), stdout, out)
}

/// A CA and its key, as a script makes them.
pub struct Ca {
    pub cert: Vec<u8>,
    pub key: PrivateKey,
}

pub fn ca(cn: &str, made: DateTime<Utc>) -> Ca {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let mut t = CertTemplate::new(
        Subject::new(cn, &[]).unwrap(),
        made,
        made + Duration::days(1825),
    );
    t.is_ca = true;
    let cert = issue(&t, &key, Issuer::SelfSigned).unwrap();
    Ca { cert, key }
}

/// A leaf for `cn` (and `org`) under `ca`, one year from `made`, with `hosts` as SANs.
pub fn leaf(
    ca: &Ca,
    cn: &str,
    org: Option<&str>,
    usages: Vec<Eku>,
    hosts: &[&str],
    made: DateTime<Utc>,
) -> (Vec<u8>, PrivateKey) {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let orgs: Vec<&str> = org.into_iter().collect();
    let mut t = CertTemplate::new(
        Subject::new(cn, &orgs).unwrap(),
        made,
        made + Duration::days(365),
    );
    t.usages = usages;
    for h in hosts {
        match h.parse() {
            Ok(ip) => t.ip_addresses.push(ip),
            Err(_) => t.dns_names.push(h.to_string()),
        }
    }
    let cert = issue(
        &t,
        &key,
        Issuer::Ca {
            cert_der: &ca.cert,
            key: &ca.key,
        },
    )
    .unwrap();
    (cert, key)
}

/// `dir/<name>.pem` and `dir/<name>-key.pem`, as cfssljson writes them.
pub fn write_cfssl(dir: &Path, name: &str, cert: &[u8], key: &PrivateKey) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{name}.pem")), cert_to_pem(cert)).unwrap();
    std::fs::write(
        dir.join(format!("{name}-key.pem")),
        key.to_native_pem().unwrap(),
    )
    .unwrap();
}
