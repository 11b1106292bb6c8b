//! Renewal on a k3s node is k3s's: kcert shows k3s's commands for exactly the certificates
//! asked about, changes nothing (exit 3), and renews in place only with `--force`.
//!
//! k3s's own rules, from k3s-io/k3s: `pkg/daemons/control/deps/deps.go` `createClientCertKey`
//! regenerates a leaf on start when `expired()` (dynamiclistener's `IsCertExpired(cert,
//! CertificateRenewDays)`: NotAfter within that many days) or `fieldsChanged()` (among them:
//! the leaf's AuthorityKeyId is not the CA file's SubjectKeyId); `pkg/daemons/config/types.go`
//! `CertificateRenewDays = 120` (90 before k3s-io/k3s#12171); `pkg/cli/cert/cert.go` `rotate`
//! wants k3s stopped; `pkg/util/services/services.go` names the services per file.

use chrono::Duration;
use kcert::demo::Faults;
use kcert::pki::distro::{handover, Distribution};
use kcert::pki::{Origin, Status};
use x509_parser::extensions::ParsedExtension;

use super::k3s::k3s_node;
use crate::common::{
    cert_public_key, made, openssl_pubkey_der, openssl_verify, parse, read_certs, scan_at, text,
};
use crate::renew_util::{changed, snapshot};
use crate::util::{renew, run};

/// What k3s decides on its next start for the leaf in `file`, by its source's rule.
fn k3s_regenerates_on_start(
    file: &std::path::Path,
    ca: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    let leaf = read_certs(file);
    let leaf = parse(&leaf[0]);
    let ca = read_certs(ca);
    let ca = parse(&ca[0]);
    let expired = leaf.validity().not_after.timestamp() < (now + Duration::days(120)).timestamp();
    let ids = |c: &x509_parser::prelude::X509Certificate<'_>| {
        let mut aki = None;
        let mut ski = None;
        for e in c.extensions() {
            match e.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    aki = a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                ParsedExtension::SubjectKeyIdentifier(s) => ski = Some(s.0.to_vec()),
                _ => {}
            }
        }
        (aki, ski)
    };
    let (aki, _) = ids(&leaf);
    let (_, ski) = ids(&ca);
    expired || aki != ski
}

#[test]
fn kcert_names_a_restart_exactly_where_k3s_regenerates_on_start() {
    let (_d, k) = k3s_node(Faults {
        days_left: vec![
            ("client-admin".into(), 20),
            ("etcd/client".into(), -3),
            ("client-scheduler".into(), 119),
            ("client-supervisor".into(), 121),
        ],
        wrong_ca: vec!["client-auth-proxy".into()],
        ..Faults::default()
    });
    let inv = scan_at(&k.root, made());
    let mut restarts = 0;
    for (id, cert) in inv.certs.iter().enumerate() {
        let Origin::File { path, index: 0 } = &cert.origin else {
            continue;
        };
        let Some(place) = cert.place.as_ref().filter(|p| !p.is_ca) else {
            continue;
        };
        if !path.starts_with(&k.tls) {
            continue;
        }
        let ca = k.tls.join(format!(
            "{}.crt",
            kcert::pki::distro::ca_name(Distribution::K3s, place.role)
        ));
        let h = handover(&inv, id, made()).expect("k3s renews its own");
        let restart = h.steps == ["systemctl restart k3s"];
        assert_eq!(
            restart,
            k3s_regenerates_on_start(path, &ca, made()),
            "{}: kcert says {:?}",
            place.name,
            h.steps
        );
        restarts += usize::from(restart);
    }
    assert_eq!(
        restarts, 4,
        "client-admin, etcd/client, client-scheduler, client-auth-proxy"
    );
}

#[test]
fn renewal_shows_k3s_commands_for_exactly_that_certificate_and_changes_nothing() {
    let (_d, k) = k3s_node(Faults {
        days_left: vec![("client-admin".into(), 20)],
        ..Faults::default()
    });
    let root = k.root.to_str().unwrap();
    let before = snapshot(&k.root);
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["client-controller"],
            &[
                "systemctl stop k3s",
                "k3s certificate rotate --service controller-manager",
                "systemctl start k3s",
            ],
        ),
        (&["client-admin"], &["systemctl restart k3s"]),
        (
            &["etcd/peer-server-client", "client-auth-proxy"],
            &["k3s certificate rotate --service etcd,auth-proxy"],
        ),
        (
            &["--expiring", "--within", "30"],
            &["systemctl restart k3s"],
        ),
        (&["client-ca"], &["k3s certificate rotate-ca --path"]),
    ];
    for (args, says) in cases {
        let mut all = vec!["renew", "--root", root, "--yes"];
        all.extend(args);
        let (code, stdout, out) = run(made(), &all);
        assert_eq!(code, 3, "{args:?}: {}", text(&out));
        for s in says {
            assert!(stdout.contains(s), "{args:?}: {s:?} in\n{stdout}");
        }
        assert!(stdout.contains("Nothing was changed"), "{stdout}");
        assert_eq!(
            changed(&before, &snapshot(&k.root)),
            Vec::<std::path::PathBuf>::new()
        );
    }
    // Never, even forced: the CA (its real copy is in the datastore) and k3s.yaml (rewritten
    // on every start).
    for name in ["client-ca", k.kubeconfig.to_str().unwrap()] {
        let (code, stdout, out) = renew(made(), root, &["--force", name]);
        assert_eq!(code, 3, "{name}: {}", text(&out));
        assert!(stdout.contains("not even with --force"), "{stdout}");
    }
    assert_eq!(
        changed(&before, &snapshot(&k.root)),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn force_renews_in_place_with_a_backup_and_keeps_the_file_leaf_then_ca() {
    let (_d, k) = k3s_node(Faults::default());
    let root = k.root.to_str().unwrap();
    let file = k.tls.join("client-controller.crt");
    let key = k.tls.join("client-controller.key");
    let old = std::fs::read(&file).unwrap();
    let before = snapshot(&k.root);
    let later = made() + Duration::days(300);
    let (code, stdout, out) = renew(later, root, &["--force", "client-controller"]);
    assert_eq!(code, 0, "{}", text(&out));
    assert!(stdout.contains("restart k3s"), "{stdout}");
    let mut written = changed(&before, &snapshot(&k.root));
    written.sort();
    assert_eq!(written, [file.clone(), key.clone()]);
    let blocks = read_certs(&file);
    assert_eq!(blocks.len(), 2, "still leaf + CA");
    assert_eq!(blocks[1], read_certs(&k.tls.join("client-ca.crt"))[0]);
    let (ok, said) = openssl_verify(&k.tls.join("client-ca.crt"), None, &file, Some(later));
    assert!(ok, "{said}");
    assert_eq!(openssl_pubkey_der(&key), cert_public_key(&blocks[0]));
    let inv = scan_at(&k.root, later);
    let id = crate::util::at(&inv, &file, 0);
    assert_eq!(inv.certs[id].status, Status::Ok);
    // The backup beside k3s's own: the old file, byte for byte.
    let backups: Vec<_> = walkdir::WalkDir::new(k.data.join("server"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "client-controller.crt" && e.path() != file)
        .collect();
    assert_eq!(backups.len(), 1, "one backup");
    assert!(backups[0]
        .path()
        .to_string_lossy()
        .contains("/server/tmp/kcert-backup-"));
    assert_eq!(std::fs::read(backups[0].path()).unwrap(), old);
}
