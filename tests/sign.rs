//! kcert::sign against the real openssl and real kubeadm certificates.

mod common;

use std::net::IpAddr;
use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use kcert::pki::keys::KeyError;
use kcert::pki::KeyFormat;
use kcert::sign::{
    cert_to_pem, issue, CertTemplate, ExtendedKeyUsagePurpose as Eku, Issuer, KeySpec, PrivateKey,
    SignError, Subject,
};
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_PKCS1_SHA256WITHRSA, OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ED25519,
};

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A kubeadm-style CA: Go string types, SAN DNS = CN, ten years.
fn make_ca(key: &PrivateKey, cn: &str, orgs: &[&str]) -> Vec<u8> {
    let mut t = CertTemplate::new(
        Subject::new(cn, orgs).unwrap(),
        now() - Duration::minutes(5),
        now() + Duration::days(3650),
    );
    t.is_ca = true;
    t.dns_names = vec![cn.to_string()];
    issue(&t, key, Issuer::SelfSigned).unwrap()
}

fn apiserver_template() -> CertTemplate {
    let mut t = CertTemplate::new(
        Subject::new("kube-apiserver", &[]).unwrap(),
        now() - Duration::minutes(5),
        now() + Duration::days(365),
    );
    t.dns_names = vec![
        "cp-1".into(),
        "kubernetes".into(),
        "kubernetes.default".into(),
    ];
    t.ip_addresses = vec!["10.96.0.1".parse().unwrap(), "::1".parse().unwrap()];
    t.usages = vec![Eku::ServerAuth];
    t
}

fn ski(der: &[u8]) -> Option<Vec<u8>> {
    parse(der)
        .iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
}

fn aki(der: &[u8]) -> Option<Vec<u8>> {
    parse(der)
        .iter_extensions()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
}

#[test]
fn key_spec_names_round_trip_and_reject_unknown() {
    for name in [
        "rsa-2048",
        "rsa-3072",
        "rsa-4096",
        "ecdsa-p256",
        "ecdsa-p384",
        "ed25519",
    ] {
        let spec: KeySpec = name.parse().unwrap();
        assert_eq!(spec.to_string(), name);
    }
    assert_eq!("ECDSA-P256".parse::<KeySpec>().unwrap(), KeySpec::EcdsaP256);
    let err = "rsa-1024".parse::<KeySpec>().unwrap_err();
    assert!(err.to_string().contains("rsa-1024"), "{err}");
}

#[test]
fn keys_round_trip_through_every_pem_format_and_openssl_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let specs = [
        KeySpec::EcdsaP256,
        KeySpec::EcdsaP384,
        KeySpec::Ed25519,
        KeySpec::Rsa(2048),
    ];
    for spec in specs {
        let key = PrivateKey::generate(spec).unwrap();
        assert_eq!(key.spec(), spec);
        for format in [KeyFormat::Pkcs1, KeyFormat::Sec1, KeyFormat::Pkcs8] {
            let allowed = format == KeyFormat::Pkcs8 || format == spec.native_format();
            let pem = match key.to_pem(format) {
                Ok(pem) => pem,
                Err(SignError::UnsupportedFormat { .. }) if !allowed => continue,
                Err(e) => panic!("{spec} as {format:?}: {e}"),
            };
            assert!(allowed, "{spec} must not be writable as {format:?}");
            let label = match format {
                KeyFormat::Pkcs1 => "RSA PRIVATE KEY",
                KeyFormat::Sec1 => "EC PRIVATE KEY",
                _ => "PRIVATE KEY",
            };
            assert!(
                pem.starts_with(&format!("-----BEGIN {label}-----\n")),
                "{pem:.40}"
            );

            let back = PrivateKey::from_pem(&pem).unwrap();
            assert_eq!(back.spec(), spec);
            assert_eq!(
                back.public_key_der(),
                key.public_key_der(),
                "{spec} {format:?}"
            );

            let path = write(dir.path(), &format!("{spec}-{format:?}.key"), &pem);
            let check = openssl(&["pkey", "-noout", "-in", path.to_str().unwrap()]);
            assert!(
                check.status.success(),
                "{spec} {format:?}: {}",
                text(&check)
            );
            assert_eq!(
                openssl_pubkey_der(&path),
                key.public_key_der(),
                "{spec} {format:?}"
            );
        }
    }
}

#[test]
fn keys_written_by_openssl_load_including_ec_parameters_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // `openssl ecparam -genkey` writes an EC PARAMETERS block before the SEC1 key.
    let ec = format!("{d}/ec.key");
    assert!(
        openssl(&["ecparam", "-name", "secp384r1", "-genkey", "-out", &ec])
            .status
            .success()
    );
    let rsa = format!("{d}/rsa.key");
    assert!(openssl(&["genrsa", "-traditional", "-out", &rsa, "2048"])
        .status
        .success());
    let p8 = format!("{d}/p8.key");
    let gen = openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        &p8,
    ]);
    assert!(gen.status.success());

    let ec_text = std::fs::read_to_string(&ec).unwrap();
    assert!(ec_text.starts_with("-----BEGIN EC PARAMETERS-----"));
    for (path, spec, first_line) in [
        (&ec, KeySpec::EcdsaP384, "-----BEGIN EC PARAMETERS-----"),
        (&rsa, KeySpec::Rsa(2048), "-----BEGIN RSA PRIVATE KEY-----"),
        (&p8, KeySpec::EcdsaP256, "-----BEGIN PRIVATE KEY-----"),
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.starts_with(first_line), "{path}");
        let key = PrivateKey::from_pem(&text).unwrap();
        assert_eq!(key.spec(), spec);
        assert_eq!(key.public_key_der(), openssl_pubkey_der(Path::new(path)));
    }
}

#[test]
fn unreadable_keys_give_specific_errors() {
    let dir = tempfile::tempdir().unwrap();
    let enc = dir.path().join("enc.key");
    write_encrypted_ec_key(&enc);
    let encrypted = std::fs::read_to_string(&enc).unwrap();
    assert!(matches!(
        PrivateKey::from_pem(&encrypted),
        Err(SignError::Key(KeyError::Encrypted))
    ));

    let ca = make_ca(&PrivateKey::generate(KeySpec::EcdsaP256).unwrap(), "c", &[]);
    assert!(matches!(
        PrivateKey::from_pem(&cert_to_pem(&ca)),
        Err(SignError::Key(KeyError::NoPrivateKey))
    ));
    let small = dir.path().join("small.key");
    let out = openssl(&[
        "genrsa",
        "-traditional",
        "-out",
        small.to_str().unwrap(),
        "1024",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let err = PrivateKey::from_pem(&std::fs::read_to_string(&small).unwrap()).unwrap_err();
    assert!(
        matches!(err, SignError::InvalidKey { .. }),
        "1024-bit RSA: {err}"
    );

    let garbage = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
    assert!(matches!(
        PrivateKey::from_pem(garbage),
        Err(SignError::Key(KeyError::Malformed { .. }))
    ));
}

#[test]
fn debug_output_shows_the_algorithm_and_no_key_material() {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let debug = format!("{key:?}");
    assert_eq!(debug, "PrivateKey { spec: EcdsaP256, .. }");
}

/// Issues a CA and a leaf with each CA key type; checks them with openssl and x509-parser.
#[test]
fn rsa_and_ecdsa_cas_issue_leaves_that_openssl_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (KeySpec::Rsa(2048), OID_PKCS1_SHA256WITHRSA),
        (KeySpec::EcdsaP256, OID_SIG_ECDSA_WITH_SHA256),
        (KeySpec::EcdsaP384, OID_SIG_ECDSA_WITH_SHA384),
        (KeySpec::Ed25519, OID_SIG_ED25519),
    ];
    for (spec, sig_oid) in cases {
        let ca_key = PrivateKey::generate(spec).unwrap();
        let ca = make_ca(&ca_key, "kubernetes", &[]);
        let leaf_key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let leaf = issue(
            &apiserver_template(),
            &leaf_key,
            Issuer::Ca {
                cert_der: &ca,
                key: &ca_key,
            },
        )
        .unwrap();

        let ca_path = write(dir.path(), &format!("{spec}-ca.crt"), &cert_to_pem(&ca));
        let leaf_path = write(dir.path(), &format!("{spec}-leaf.crt"), &cert_to_pem(&leaf));
        let (ok, out) = openssl_verify(&ca_path, None, &leaf_path, Some(now()));
        assert!(ok, "{spec}: {out}");
        let out = openssl(&[
            "verify",
            "-purpose",
            "sslserver",
            "-CAfile",
            ca_path.to_str().unwrap(),
            leaf_path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{spec} as TLS server: {}", text(&out));

        let (c, l) = (parse(&ca), parse(&leaf));
        assert_eq!(l.issuer().as_raw(), c.subject().as_raw());
        assert_eq!(l.signature_algorithm.algorithm, sig_oid, "{spec}");
        assert_eq!(c.signature_algorithm.algorithm, sig_oid, "{spec}");
        assert_eq!(cert_public_key(&leaf), leaf_key.public_key_der());

        // kubeadm extensions: CA gets CA:TRUE critical + certSign; leaf CA:FALSE, no certSign.
        let bc = c.basic_constraints().unwrap().unwrap();
        assert!(bc.critical && bc.value.ca);
        let ku = c.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature() && ku.key_encipherment() && ku.key_cert_sign());
        let ku = l.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature() && ku.key_encipherment() && !ku.key_cert_sign());
        assert!(!l.is_ca());
        assert!(ski(&leaf).is_some());
        assert_eq!(aki(&leaf), ski(&ca));
        assert_eq!(aki(&ca), None, "self-signed CAs carry no AKI, like Go's");

        let serial = l.serial.clone();
        assert!(serial.bits() <= 63 && serial.bits() > 0, "serial {serial}");
        assert_ne!(l.serial, c.serial);
    }
}

#[test]
fn issuer_name_bytes_equal_printable_string_ca_subject() {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let ca = make_ca(&key, "front-proxy-ca", &["Acme Corp"]);
    let c = parse(&ca);
    let tags: Vec<Tag> = c
        .subject()
        .iter_attributes()
        .map(|a| a.attr_value().header.tag())
        .collect();
    assert_eq!(
        tags,
        [Tag::PrintableString, Tag::PrintableString],
        "Go-style CA"
    );
    assert_eq!(c.subject().to_string(), "O=Acme Corp, CN=front-proxy-ca");

    let leaf_key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let leaf = issue(
        &apiserver_template(),
        &leaf_key,
        Issuer::Ca {
            cert_der: &ca,
            key: &key,
        },
    )
    .unwrap();
    assert_eq!(parse(&leaf).issuer().as_raw(), c.subject().as_raw());
}

#[test]
fn issuer_name_bytes_equal_openssl_utf8_ca_subject() {
    let dir = tempfile::tempdir().unwrap();
    let (key_path, crt_path) = (dir.path().join("ca.key"), dir.path().join("ca.crt"));
    let out = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "30",
        "-subj",
        "/C=DE/O=Acme Corp/OU=Platform/CN=Acme Issuing CA",
        "-keyout",
        key_path.to_str().unwrap(),
        "-out",
        crt_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let ca = read_cert(&crt_path);
    let c = parse(&ca);
    let tags: Vec<Tag> = c
        .subject()
        .iter_attributes()
        .map(|a| a.attr_value().header.tag())
        .collect();
    assert_eq!(
        tags,
        [
            Tag::PrintableString,
            Tag::Utf8String,
            Tag::Utf8String,
            Tag::Utf8String
        ]
    );

    let ca_key = PrivateKey::from_pem(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
    let leaf_key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let mut t = CertTemplate::new(
        Subject::new("jane", &["dev"]).unwrap(),
        now(),
        now() + Duration::days(1),
    );
    t.usages = vec![Eku::ClientAuth];
    let leaf = issue(
        &t,
        &leaf_key,
        Issuer::Ca {
            cert_der: &ca,
            key: &ca_key,
        },
    )
    .unwrap();
    assert_eq!(parse(&leaf).issuer().as_raw(), c.subject().as_raw());

    let leaf_path = write(dir.path(), "leaf.crt", &cert_to_pem(&leaf));
    // The names are what this checks; times are not (it failed once under a loaded machine).
    let out = openssl(&[
        "verify",
        "-no_check_time",
        "-purpose",
        "sslclient",
        "-CAfile",
        crt_path.to_str().unwrap(),
        leaf_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
}

/// Names rcgen cannot write back exactly are refused instead of being altered.
#[test]
fn cas_with_repeated_or_multi_valued_attributes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, subj) in [
        ("dup", "/O=a/O=b/CN=dup CA"),
        ("multi", "/O=a/CN=mv CA+OU=x"),
    ] {
        let (key_path, crt_path) = (
            dir.path().join(format!("{name}.key")),
            dir.path().join(format!("{name}.crt")),
        );
        let out = openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-multivalue-rdn",
            "-days",
            "30",
            "-subj",
            subj,
            "-keyout",
            key_path.to_str().unwrap(),
            "-out",
            crt_path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
        let ca = read_cert(&crt_path);
        let ca_key = PrivateKey::from_pem(&std::fs::read_to_string(&key_path).unwrap()).unwrap();
        let leaf_key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let err = issue(
            &apiserver_template(),
            &leaf_key,
            Issuer::Ca {
                cert_der: &ca,
                key: &ca_key,
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, SignError::UnsupportedName(_)),
            "{name}: {err}"
        );
        let err = CertTemplate::renewal_of(&ca, now(), now()).unwrap_err();
        assert!(
            matches!(err, SignError::UnsupportedName(_)),
            "{name}: {err}"
        );
    }
}

#[test]
fn wrong_ca_key_and_non_ca_issuers_are_refused() {
    let ca_key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let other = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let ca = make_ca(&ca_key, "kubernetes", &[]);
    let leaf_key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let err = issue(
        &apiserver_template(),
        &leaf_key,
        Issuer::Ca {
            cert_der: &ca,
            key: &other,
        },
    )
    .unwrap_err();
    assert!(matches!(err, SignError::CaKeyMismatch), "{err}");

    let leaf = issue(
        &apiserver_template(),
        &leaf_key,
        Issuer::Ca {
            cert_der: &ca,
            key: &ca_key,
        },
    )
    .unwrap();
    let err = issue(
        &apiserver_template(),
        &other,
        Issuer::Ca {
            cert_der: &leaf,
            key: &leaf_key,
        },
    )
    .unwrap_err();
    assert!(matches!(err, SignError::NotACa), "{err}");
}

fn sans(der: &[u8]) -> (Vec<String>, Vec<IpAddr>) {
    let (mut dns, mut ips) = (Vec::new(), Vec::new());
    if let Some(ext) = parse(der).subject_alternative_name().unwrap() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => dns.push(d.to_string()),
                GeneralName::IPAddress(b) if b.len() == 4 => {
                    ips.push(IpAddr::from(<[u8; 4]>::try_from(*b).unwrap()))
                }
                GeneralName::IPAddress(b) => {
                    ips.push(IpAddr::from(<[u8; 16]>::try_from(*b).unwrap()))
                }
                _ => {}
            }
        }
    }
    (dns, ips)
}

fn eku_raw(der: &[u8]) -> Option<Vec<u8>> {
    let oid = x509_parser::oid_registry::OID_X509_EXT_EXTENDED_KEY_USAGE;
    parse(der)
        .get_extension_unique(&oid)
        .unwrap()
        .map(|e| e.value.to_vec())
}

/// Renews real kubeadm certificates (Go-made, PrintableString names) with their real CA key
/// and compares the result with the original field by field.
#[test]
fn renewal_of_real_kubeadm_certs_copies_subject_sans_and_usages_exactly() {
    let pki = real_fixtures!().join("Ebenneil__k8/etc/kubernetes/pki");
    let ca = read_cert(&pki.join("ca.crt"));
    let ca_key =
        PrivateKey::from_pem(&std::fs::read_to_string(pki.join("ca.key")).unwrap()).unwrap();
    let etcd_ca = read_cert(&pki.join("etcd/ca.crt"));
    let etcd_key =
        PrivateKey::from_pem(&std::fs::read_to_string(pki.join("etcd/ca.key")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    for (name, ca_der, key, ca_file) in [
        ("apiserver.crt", &ca, &ca_key, "ca.crt"),
        ("apiserver-kubelet-client.crt", &ca, &ca_key, "ca.crt"),
        ("etcd/server.crt", &etcd_ca, &etcd_key, "etcd/ca.crt"),
    ] {
        let old = read_cert(&pki.join(name));
        let t = CertTemplate::renewal_of(
            &old,
            start - Duration::minutes(5),
            start + Duration::days(365),
        )
        .unwrap();
        let new_key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let new = issue(
            &t,
            &new_key,
            Issuer::Ca {
                cert_der: ca_der,
                key,
            },
        )
        .unwrap();

        let (o, n) = (parse(&old), parse(&new));
        assert_eq!(n.subject().as_raw(), o.subject().as_raw(), "{name} subject");
        assert_eq!(n.issuer().as_raw(), o.issuer().as_raw(), "{name} issuer");
        assert_eq!(sans(&new), sans(&old), "{name} SANs");
        assert_eq!(eku_raw(&new), eku_raw(&old), "{name} EKU");
        assert!(
            !sans(&old).0.is_empty() || name.contains("client"),
            "{name} fixture has SANs"
        );
        assert_eq!(
            n.validity().not_after.timestamp(),
            (start + Duration::days(365)).timestamp()
        );

        let path = write(dir.path(), "renewed.crt", &cert_to_pem(&new));
        let (ok, out) = openssl_verify(&pki.join(ca_file), None, &path, Some(now()));
        assert!(ok, "{name}: {out}");
    }
}

/// cfssl-made client cert with six subject attributes (C, ST, L, O, OU, CN).
#[test]
fn renewal_of_keeps_every_subject_attribute_in_order() {
    let dir = real_fixtures!().join("weibeld__kubernetes-the-hard-way-files");
    let old = read_cert(&dir.join("admin.pem"));
    let t = CertTemplate::renewal_of(&old, now(), now() + Duration::days(1)).unwrap();
    assert_eq!(t.subject.common_name().as_deref(), Some("admin"));
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let new = issue(&t, &key, Issuer::SelfSigned).unwrap();
    assert_eq!(
        parse(&new).subject().as_raw(),
        parse(&old).subject().as_raw()
    );
    assert_eq!(parse(&new).subject().iter_attributes().count(), 6);
    assert_eq!(sans(&new), sans(&old));
    assert_eq!(eku_raw(&new), eku_raw(&old));
    assert!(eku_raw(&old).is_some());
}
