//! Many certificates for the scan benchmark: three CAs (two RSA-2048, one ECDSA P-256) and
//! `leaves` ECDSA P-256 leaves, each with its own key file, spread over the CAs in turn.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use rayon::prelude::*;

use super::{files, DemoError};
use crate::sign::{
    cert_to_pem, issue, CertTemplate, ExtendedKeyUsagePurpose as Eku, Issuer, KeySpec, PrivateKey,
    Subject,
};

/// What [`write_bulk_tree`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkLayout {
    /// `<root>/cas/<name>.crt` for each CA (keys beside them).
    pub ca_certs: Vec<PathBuf>,
    /// `<root>/leaves/<ca name>/`, one directory per CA.
    pub leaf_dirs: Vec<PathBuf>,
    pub leaves: usize,
}

const CAS: [(&str, KeySpec); 3] = [
    ("bulk-rsa-a", KeySpec::Rsa(2048)),
    ("bulk-rsa-b", KeySpec::Rsa(2048)),
    ("bulk-ecdsa", KeySpec::EcdsaP256),
];

/// Writes the tree under `root`. Leaf `i` is signed by CA `i % 3` and expires `i % 400 - 30`
/// days after `now`, so a scan sees expired, critical, warning and healthy certificates.
pub fn write_bulk_tree(
    root: &Path,
    leaves: usize,
    now: DateTime<Utc>,
) -> Result<BulkLayout, DemoError> {
    let cas = CAS
        .par_iter()
        .map(|(name, spec)| {
            let key = PrivateKey::generate(*spec)?;
            let mut t = CertTemplate::new(
                Subject::new(name, &["kcert bulk"])?,
                now - Duration::days(400),
                now + Duration::days(3250),
            );
            t.is_ca = true;
            let cert = issue(&t, &key, Issuer::SelfSigned)?;
            let path = root.join("cas").join(format!("{name}.crt"));
            files::write(&path, cert_to_pem(&cert), files::PUBLIC)?;
            files::write(
                &path.with_extension("key"),
                key.to_native_pem()?,
                files::PRIVATE,
            )?;
            Ok((path, root.join("leaves").join(name), cert, key))
        })
        .collect::<Result<Vec<_>, DemoError>>()?;

    for (_, dir, _, _) in &cas {
        std::fs::create_dir_all(dir).map_err(|e| DemoError::io(dir, e))?;
    }
    (0..leaves).into_par_iter().try_for_each(|i| {
        let (_, dir, ca_cert, ca_key) = &cas[i % cas.len()];
        let key = PrivateKey::generate(KeySpec::EcdsaP256)?;
        let not_after = now + Duration::days(i64::try_from(i % 400).unwrap_or(0) - 30);
        let name = format!("leaf-{i:05}");
        let mut t = CertTemplate::new(
            Subject::new(&name, &[])?,
            not_after - Duration::days(365),
            not_after,
        );
        t.usages = vec![if i % 2 == 0 {
            Eku::ServerAuth
        } else {
            Eku::ClientAuth
        }];
        t.dns_names = vec![format!("{name}.bulk.local")];
        let cert = issue(
            &t,
            &key,
            Issuer::Ca {
                cert_der: ca_cert,
                key: ca_key,
            },
        )?;
        let path = dir.join(format!("{name}.crt"));
        files::write(&path, cert_to_pem(&cert), files::PUBLIC)?;
        files::write(
            &path.with_extension("key"),
            key.to_native_pem()?,
            files::PRIVATE,
        )
    })?;

    let (ca_certs, leaf_dirs) = cas.into_iter().map(|(c, d, _, _)| (c, d)).unzip();
    Ok(BulkLayout {
        ca_certs,
        leaf_dirs,
        leaves,
    })
}
