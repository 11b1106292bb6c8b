//! Small inventories built from the model types, for unit tests of the pure tree and app logic.
//! Screen snapshots use real scanned trees instead (tests/tui_*.rs).

use std::path::PathBuf;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::cluster::{Access, Locations};
use crate::pki::{
    CertEntry, CertId, ChainVerdict, Inventory, KeyAlgorithm, Origin, Problem, ProblemKind,
    ScanOptions, Severity, Status, Thresholds,
};
use crate::tui::status::status_at;
use crate::tui::{ClusterOptions, TuiOptions};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().unwrap()
}

/// An app over `/pki` on the fixed clock [`now`], without a cluster or node configuration.
pub fn options() -> TuiOptions {
    TuiOptions {
        scan: ScanOptions::new(vec!["/pki".into()], now(), Thresholds::default()),
        color: false,
        now: Some(now()),
        cluster: None,
        node: None,
        probe: false,
    }
}

/// A cluster that reads no real kubeconfig and reaches nothing.
pub fn isolated_cluster() -> ClusterOptions {
    ClusterOptions {
        access: Access::default(),
        locations: Locations::isolated("/nonexistent/kcert"),
    }
}

/// A certificate at `/pki/<file>` expiring `days_left` days after [`now`], valid for a year
/// (longer when that year would start after [`now`]: a CA is valid already).
pub fn cert(name: &str, file: &str, days_left: i64) -> CertEntry {
    let not_after = now() + Duration::days(days_left);
    let mut c = CertEntry {
        origin: Origin::File {
            path: PathBuf::from("/pki").join(file),
            index: 0,
        },
        kubeadm_name: Some(name.to_string()),
        place: None,
        der: Vec::new(),
        subject: format!("CN={name}"),
        issuer: "".into(),
        subject_raw: name.as_bytes().into(),
        issuer_raw: std::sync::Arc::from(&[][..]),
        common_name: Some(name.to_string()),
        organizations: Vec::new(),
        serial: "01".into(),
        not_before: (not_after - Duration::days(365)).min(now() - Duration::days(1)),
        not_after,
        sans: Vec::new(),
        usages: Default::default(),
        is_ca: false,
        key_algorithm: KeyAlgorithm::EcdsaP256,
        signature_algorithm: "ecdsa-with-SHA256".into(),
        sha256: Default::default(),
        spki_sha256: Default::default(),
        public_key_id: None,
        ski: None,
        aki: None,
        referenced_by: Vec::new(),
        symlink_target: None,
        superseded: false,
        copy_of: None,
        status: Status::Ok,
        chain: ChainVerdict::SelfSigned,
        issuer_id: None,
        key_id: None,
        key_match: None,
        signer_spki: None,
    };
    c.status = status_at(&c, now(), Thresholds::default());
    c
}

/// A self-signed CA.
pub fn ca(name: &str, file: &str, days_left: i64) -> CertEntry {
    let mut c = cert(name, file, days_left);
    c.is_ca = true;
    c.issuer_raw = (*c.subject_raw).into();
    c.issuer = c.subject.as_str().into();
    c
}

/// `child` signed by `parent` (by index into the same list).
pub fn signed(mut child: CertEntry, parent: CertId, parent_cert: &CertEntry) -> CertEntry {
    child.issuer_id = Some(parent);
    child.issuer = parent_cert.subject.as_str().into();
    child.issuer_raw = (*parent_cert.subject_raw).into();
    child.chain = ChainVerdict::Verified;
    child
}

pub fn inventory(certs: Vec<CertEntry>) -> Inventory {
    Inventory {
        generated_at: now(),
        roots: vec![PathBuf::from("/pki")],
        missing_roots: Vec::new(),
        thresholds: Thresholds::default(),
        certs,
        keys: Vec::new(),
        problems: Vec::new(),
        service_accounts: Vec::new(),
        csrs: Vec::new(),
        distribution: Default::default(),
    }
}

pub fn problem(path: &str, kind: ProblemKind, cert_id: Option<CertId>) -> Problem {
    Problem {
        path: PathBuf::from(path),
        severity: Severity::Error,
        kind,
        message: format!("{kind:?} trouble"),
        cert_id,
        key_id: None,
    }
}

/// The usual kubeadm shape: ca → {apiserver (ok), admin.conf (expired)}, etcd-ca → etcd-server
/// (critical), front-proxy-ca → front-proxy-client (warning), an orphan with an unknown issuer
/// and one unparsable file.
pub fn kubeadm_like() -> Inventory {
    let ca_ = ca("ca", "ca.crt", 3000);
    let etcd = ca("etcd-ca", "etcd/ca.crt", 3000);
    let fp = ca("front-proxy-ca", "front-proxy-ca.crt", 3000);
    let certs = vec![
        signed(cert("apiserver", "apiserver.crt", 364), 1, &ca_),
        ca_.clone(),
        signed(cert("admin.conf", "../admin.conf", -35), 1, &ca_),
        etcd.clone(),
        signed(cert("etcd-server", "etcd/server.crt", 5), 3, &etcd),
        fp.clone(),
        signed(
            cert("front-proxy-client", "front-proxy-client.crt", 20),
            5,
            &fp,
        ),
        {
            let mut c = cert("stray", "stray.crt", 100);
            c.kubeadm_name = None;
            c.chain = ChainVerdict::UnknownIssuer;
            c.sans = vec!["DNS:stray.example".into()];
            c
        },
    ];
    let mut inv = inventory(certs);
    inv.problems
        .push(problem("/pki/broken.crt", ProblemKind::File, None));
    inv
}
