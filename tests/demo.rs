//! kcert::demo trees checked with the real openssl and kubectl, never by trusting the spec.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use base64::prelude::{Engine, BASE64_STANDARD};
use chrono::{DateTime, TimeZone, Utc};
use common::*;
use kcert::demo::{
    demo_spec, write_bulk_tree, write_kubeadm_tree, DemoError, Faults, TreeLayout, TreeSpec,
};
use kcert::sign::{KeySpec, PrivateKey};
use x509_parser::extensions::GeneralName;

fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn demo_tree() -> (tempfile::TempDir, TreeLayout, TreeSpec) {
    let spec = demo_spec(fixed_now());
    let (dir, layout) = write_tree(&spec);
    (dir, layout, spec)
}

/// A kubeconfig field through the real kubectl.
fn kubectl_field(conf: &Path, jsonpath: &str) -> String {
    let out = run(
        "kubectl",
        &[
            "config",
            "view",
            "--raw",
            "--kubeconfig",
            conf.to_str().unwrap(),
            "-o",
            &format!("jsonpath={jsonpath}"),
        ],
    );
    assert!(
        out.status.success(),
        "kubectl on {}: {}",
        conf.display(),
        text(&out)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The embedded client certificate of a kubeconfig, written out as a PEM file for openssl.
fn extract_client_cert(conf: &Path, out_dir: &Path) -> PathBuf {
    let data = kubectl_field(conf, "{.users[0].user.client-certificate-data}");
    let pem = BASE64_STANDARD.decode(data).unwrap();
    let name = conf.file_name().unwrap().to_str().unwrap();
    let path = out_dir.join(format!("{name}.crt"));
    std::fs::write(&path, pem).unwrap();
    path
}

fn extract_client_key(conf: &Path) -> PrivateKey {
    let data = kubectl_field(conf, "{.users[0].user.client-key-data}");
    PrivateKey::from_pem(&String::from_utf8(BASE64_STANDARD.decode(data).unwrap()).unwrap())
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn days_left(cert: &Path, now: DateTime<Utc>) -> f64 {
    let der = read_cert(cert);
    (parse(&der).validity().not_after.timestamp() - now.timestamp()) as f64 / 86_400.0
}

const PKI_LEAVES: [(&str, &str); 7] = [
    ("apiserver", "ca"),
    ("apiserver-kubelet-client", "ca"),
    ("front-proxy-client", "front-proxy-ca"),
    ("apiserver-etcd-client", "etcd/ca"),
    ("etcd/server", "etcd/ca"),
    ("etcd/peer", "etcd/ca"),
    ("etcd/healthcheck-client", "etcd/ca"),
];

const KUBECONFIGS: [(&str, &str, Option<&str>); 4] = [
    (
        "admin.conf",
        "kubernetes-admin",
        Some("kubeadm:cluster-admins"),
    ),
    (
        "super-admin.conf",
        "kubernetes-super-admin",
        Some("system:masters"),
    ),
    (
        "controller-manager.conf",
        "system:kube-controller-manager",
        None,
    ),
    ("scheduler.conf", "system:kube-scheduler", None),
];

#[test]
fn leaves_verify_against_their_ca_and_the_planted_wrong_ca_leaf_does_not() {
    let (_dir, l, spec) = demo_tree();
    let now = Some(spec.now);
    for (leaf, ca) in PKI_LEAVES {
        let (leaf_path, ca_path) = (
            l.pki.join(format!("{leaf}.crt")),
            l.pki.join(format!("{ca}.crt")),
        );
        let (ok, out) = openssl_verify(&ca_path, None, &leaf_path, None);
        if leaf == "front-proxy-client" {
            assert!(
                !ok,
                "front-proxy-client must not verify against front-proxy-ca: {out}"
            );
            let (ok, out) = openssl_verify(&l.pki.join("ca.crt"), None, &leaf_path, now);
            assert!(ok, "it is signed by ca instead: {out}");
            continue;
        }
        assert!(ok, "{leaf}: {out}");
        let (ok, out) = openssl_verify(&ca_path, None, &leaf_path, now);
        if leaf == "apiserver" {
            assert!(
                !ok && out.contains("expired"),
                "apiserver is planted as expired: {out}"
            );
        } else {
            assert!(ok, "{leaf} at the tree's clock: {out}");
        }
    }
    let scratch = tempfile::tempdir().unwrap();
    for (conf, _, _) in KUBECONFIGS {
        let cert = extract_client_cert(&l.etc_kubernetes.join(conf), scratch.path());
        let (ok, out) = openssl_verify(&l.pki.join("ca.crt"), None, &cert, now);
        assert_eq!(
            ok,
            conf != "admin.conf",
            "{conf} (admin.conf is planted expired): {out}"
        );
        assert!(
            openssl_verify(&l.pki.join("ca.crt"), None, &cert, None).0,
            "{conf} chain"
        );
    }
    let kubelet = l.kubelet_pki.join("kubelet-client-current.pem");
    assert!(openssl_verify(&l.pki.join("ca.crt"), None, &kubelet, now).0);
    for ca in ["ca", "front-proxy-ca", "etcd/ca"] {
        let path = l.pki.join(format!("{ca}.crt"));
        assert!(
            openssl_verify(&path, None, &path, now).0,
            "{ca} is a valid self-signed root"
        );
    }
}

#[test]
fn kubectl_loads_every_kubeconfig_with_kubeadm_subjects() {
    let (_dir, l, spec) = demo_tree();
    let scratch = tempfile::tempdir().unwrap();
    let ca_pem = std::fs::read(l.pki.join("ca.crt")).unwrap();
    for (conf, cn, org) in KUBECONFIGS {
        let path = l.etc_kubernetes.join(conf);
        assert_eq!(kubectl_field(&path, "{.users[0].name}"), cn);
        assert_eq!(
            kubectl_field(&path, "{.current-context}"),
            format!("{cn}@kubernetes")
        );
        assert_eq!(
            kubectl_field(&path, "{.clusters[0].cluster.server}"),
            "https://192.168.56.10:6443"
        );
        let ca_data = kubectl_field(&path, "{.clusters[0].cluster.certificate-authority-data}");
        assert_eq!(
            BASE64_STANDARD.decode(ca_data).unwrap(),
            ca_pem,
            "{conf} embeds ca.crt"
        );

        let der = read_cert(&extract_client_cert(&path, scratch.path()));
        let cert = parse(&der);
        let cns: Vec<_> = cert
            .subject()
            .iter_common_name()
            .map(|a| a.as_str().unwrap())
            .collect();
        let orgs: Vec<_> = cert
            .subject()
            .iter_organization()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(cns, [cn]);
        assert_eq!(orgs, org.into_iter().collect::<Vec<_>>());
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert!(eku.client_auth && !eku.server_auth, "{conf}");
        assert!(
            cert.subject_alternative_name().unwrap().is_none(),
            "{conf} has no SANs"
        );

        let key = extract_client_key(&path);
        assert_eq!(
            key.public_key_der(),
            cert_public_key(&der),
            "{conf} key pairs with cert"
        );
        assert_eq!(key.spec(), spec.key);
    }

    // kubelet.conf after kubelet-finalize: both fields name the rotating symlink, CA embedded.
    let kubelet_conf = l.etc_kubernetes.join("kubelet.conf");
    let current = l.kubelet_pki.join("kubelet-client-current.pem");
    assert_eq!(
        kubectl_field(&kubelet_conf, "{.users[0].name}"),
        "system:node:cp-1"
    );
    for field in ["client-certificate", "client-key"] {
        let value = kubectl_field(&kubelet_conf, &format!("{{.users[0].user.{field}}}"));
        assert_eq!(PathBuf::from(value), current);
    }
    let ca_data = kubectl_field(
        &kubelet_conf,
        "{.clusters[0].cluster.certificate-authority-data}",
    );
    assert_eq!(BASE64_STANDARD.decode(ca_data).unwrap(), ca_pem);
}

#[test]
fn kubelet_files_look_like_the_kubelet_left_them() {
    let (_dir, l, spec) = demo_tree();
    let current = l.kubelet_pki.join("kubelet-client-current.pem");
    let target = std::fs::read_link(&current).unwrap();
    assert!(target.is_absolute(), "{}", target.display());
    assert_eq!(target.parent().unwrap(), l.kubelet_pki);
    let der = read_cert(&target);
    let cert = parse(&der);
    // The file is named after the rotation time: NotBefore + kube-controller-manager's 5 min backdate.
    let rotated = Utc
        .timestamp_opt(cert.validity().not_before.timestamp() + 300, 0)
        .unwrap();
    let expected = format!("kubelet-client-{}.pem", rotated.format("%Y-%m-%d-%H-%M-%S"));
    assert_eq!(target.file_name().unwrap().to_str().unwrap(), expected);
    assert_eq!(
        cert.subject().to_string(),
        "O=system:nodes, CN=system:node:cp-1"
    );

    let text = std::fs::read_to_string(&target).unwrap();
    let tags: Vec<String> = pem::parse_many(&text)
        .unwrap()
        .iter()
        .map(|p| p.tag().to_string())
        .collect();
    assert_eq!(tags, ["CERTIFICATE", "EC PRIVATE KEY"]);
    let key = PrivateKey::from_pem(&text).unwrap();
    assert_eq!(key.spec(), KeySpec::EcdsaP256);
    assert_eq!(key.public_key_der(), cert_public_key(&der));

    let serving = read_certs(&l.kubelet_pki.join("kubelet.crt"));
    assert_eq!(serving.len(), 2, "leaf then its CA");
    let (leaf, ca) = (parse(&serving[0]), parse(&serving[1]));
    let cn = leaf
        .subject()
        .iter_common_name()
        .next()
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let unix = cn.strip_prefix("cp-1@").expect("CN <host>@<unix>");
    assert!(unix.parse::<i64>().unwrap() < spec.now.timestamp());
    assert_eq!(ca.subject().to_string(), format!("CN=cp-1-ca@{unix}"));
    assert_eq!(leaf.issuer().as_raw(), ca.subject().as_raw());
    assert!(ca.is_ca() && !leaf.is_ca());
    let key =
        PrivateKey::from_pem(&std::fs::read_to_string(l.kubelet_pki.join("kubelet.key")).unwrap())
            .unwrap();
    assert_eq!(key.public_key_der(), cert_public_key(&serving[0]));
}

#[test]
fn file_modes_match_kubeadm() {
    let (_dir, l, _) = demo_tree();
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&l.root)
        .into_iter()
        .map(Result::unwrap)
    {
        let path = entry.path();
        if !entry.file_type().is_file() {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap();
        // kubeadm writes the kubelet's config.yaml with 0644 too.
        let want = if name.ends_with(".crt") || name == "config.yaml" {
            0o644
        } else {
            0o600
        };
        assert_eq!(mode(path), want, "{}", path.display());
        checked += 1;
    }
    assert_eq!(
        checked,
        20 + 2 + 5 + 4 + 3 + 1,
        "pki pairs, sa, kubeconfigs, manifests, kubelet pki, kubelet config"
    );
}

#[test]
fn planted_faults_are_really_in_the_files() {
    let (_dir, l, spec) = demo_tree();
    let now = spec.now;
    let scratch = tempfile::tempdir().unwrap();
    let conf = |name: &str| extract_client_cert(&l.etc_kubernetes.join(name), scratch.path());
    assert_eq!(days_left(&l.pki.join("apiserver.crt"), now), -35.0);
    assert_eq!(days_left(&conf("admin.conf"), now), -2.0);
    assert_eq!(days_left(&l.pki.join("etcd/peer.crt"), now), 5.0);
    assert_eq!(days_left(&conf("scheduler.conf"), now), 20.0);
    assert_eq!(
        days_left(&l.pki.join("etcd/server.crt"), now),
        335.0,
        "healthy: renewed 30 days ago"
    );
    assert_eq!(days_left(&l.pki.join("ca.crt"), now), 3650.0 - 400.0);

    // Key pairing checked with openssl: only apiserver-etcd-client is broken.
    for (leaf, _) in PKI_LEAVES {
        let key = openssl_pubkey_der(&l.pki.join(format!("{leaf}.key")));
        let cert = cert_public_key(&read_cert(&l.pki.join(format!("{leaf}.crt"))));
        assert_eq!(key == cert, leaf != "apiserver-etcd-client", "{leaf}");
    }
    assert_eq!(
        openssl_pubkey_der(&l.pki.join("sa.key")),
        pem::parse(std::fs::read(l.pki.join("sa.pub")).unwrap())
            .unwrap()
            .into_contents()
    );
}

#[test]
fn intermediate_tree_with_more_faults_chains_to_the_offline_root() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = demo_spec(fixed_now());
    spec.key = KeySpec::EcdsaP384;
    spec.intermediate = true;
    spec.faults = Faults {
        days_left: vec![("etcd-ca".into(), -3), ("kubelet.conf".into(), 1)],
        wrong_ca: vec!["kubelet.conf".into()],
        key_mismatch: vec!["ca".into(), "super-admin.conf".into()],
        sa_mismatch: true,
    };
    let l = write_kubeadm_tree(dir.path(), &spec).unwrap();
    let (root, ca) = (l.pki.join("root-ca.crt"), l.pki.join("ca.crt"));
    assert!(
        !l.pki.join("root-ca.key").exists(),
        "the root stays offline"
    );
    assert_eq!(
        parse(&read_cert(&ca)).issuer().as_raw(),
        parse(&read_cert(&root)).subject().as_raw()
    );
    let now = Some(spec.now);
    let (ok, out) = openssl_verify(
        &root,
        Some(&ca),
        &l.pki.join("apiserver-kubelet-client.crt"),
        now,
    );
    assert!(ok, "{out}");
    assert!(
        !openssl_verify(&ca, None, &l.pki.join("apiserver-kubelet-client.crt"), now).0,
        "ca alone is not a trust anchor"
    );

    let (ok, out) = openssl_verify(
        &l.pki.join("etcd/ca.crt"),
        None,
        &l.pki.join("etcd/server.crt"),
        now,
    );
    assert!(
        !ok && out.contains("expired"),
        "etcd-ca expired 3 days ago: {out}"
    );
    assert_eq!(days_left(&l.pki.join("etcd/ca.crt"), spec.now), -3.0);

    let kubelet = l.kubelet_pki.join("kubelet-client-current.pem");
    assert!(
        !openssl_verify(&root, Some(&ca), &kubelet, None).0,
        "kubelet client planted under the wrong CA"
    );
    assert!(openssl_verify(&l.pki.join("front-proxy-ca.crt"), None, &kubelet, None).0);
    assert_eq!(days_left(&kubelet, spec.now), 1.0);

    assert_ne!(
        openssl_pubkey_der(&l.pki.join("ca.key")),
        cert_public_key(&read_cert(&ca))
    );
    let super_admin = l.etc_kubernetes.join("super-admin.conf");
    let cert = read_cert(&extract_client_cert(&super_admin, dir.path()));
    assert_ne!(
        extract_client_key(&super_admin).public_key_der(),
        cert_public_key(&cert)
    );
    let sa_pub = pem::parse(std::fs::read(l.pki.join("sa.pub")).unwrap())
        .unwrap()
        .into_contents();
    assert_ne!(openssl_pubkey_der(&l.pki.join("sa.key")), sa_pub);
    assert!(std::fs::read_to_string(l.pki.join("sa.key"))
        .unwrap()
        .starts_with("-----BEGIN EC PRIVATE KEY-----"));
}

#[test]
fn certificates_carry_kubeadm_sans_and_usages() {
    let (_dir, l, _) = demo_tree();
    let sans = |path: &str| -> Vec<String> {
        let der = read_cert(&l.pki.join(path));
        let cert = parse(&der);
        let Some(ext) = cert.subject_alternative_name().unwrap() else {
            return Vec::new();
        };
        ext.value
            .general_names
            .iter()
            .map(|n| match n {
                GeneralName::DNSName(d) => format!("DNS:{d}"),
                GeneralName::IPAddress(b) if b.len() == 4 => format!(
                    "IP:{}",
                    std::net::IpAddr::from(<[u8; 4]>::try_from(*b).unwrap())
                ),
                GeneralName::IPAddress(b) => format!(
                    "IP:{}",
                    std::net::IpAddr::from(<[u8; 16]>::try_from(*b).unwrap())
                ),
                other => format!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(
        sans("apiserver.crt"),
        [
            "DNS:cp-1",
            "DNS:kubernetes",
            "DNS:kubernetes.default",
            "DNS:kubernetes.default.svc",
            "DNS:kubernetes.default.svc.cluster.local",
            "IP:10.96.0.1",
            "IP:192.168.56.10"
        ]
    );
    for etcd in ["etcd/server.crt", "etcd/peer.crt"] {
        assert_eq!(
            sans(etcd),
            [
                "DNS:cp-1",
                "DNS:localhost",
                "IP:192.168.56.10",
                "IP:127.0.0.1",
                "IP:::1"
            ]
        );
    }
    for (ca, cn) in [
        ("ca.crt", "kubernetes"),
        ("front-proxy-ca.crt", "front-proxy-ca"),
        ("etcd/ca.crt", "etcd-ca"),
    ] {
        assert_eq!(sans(ca), [format!("DNS:{cn}")]);
        assert_eq!(
            parse(&read_cert(&l.pki.join(ca))).subject().to_string(),
            format!("CN={cn}")
        );
    }
    for (path, server, client) in [
        ("apiserver.crt", true, false),
        ("apiserver-kubelet-client.crt", false, true),
        ("etcd/server.crt", true, true),
        ("etcd/peer.crt", true, true),
        ("etcd/healthcheck-client.crt", false, true),
        ("apiserver-etcd-client.crt", false, true),
    ] {
        let der = read_cert(&l.pki.join(path));
        let cert = parse(&der);
        let eku = cert.extended_key_usage().unwrap().unwrap().value;
        assert_eq!(
            (eku.server_auth, eku.client_auth),
            (server, client),
            "{path}"
        );
    }
    let akc = parse(&read_cert(&l.pki.join("apiserver-kubelet-client.crt")))
        .subject()
        .to_string();
    assert_eq!(
        akc,
        "O=kubeadm:cluster-admins, CN=kube-apiserver-kubelet-client"
    );
}

/// Every path a manifest flag names exists in the tree (etcd's data dir aside).
#[test]
fn manifests_name_files_of_the_tree() {
    let (_dir, l, _) = demo_tree();
    let root = l.root.to_str().unwrap().to_string();
    let mut seen = 0;
    for name in [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "etcd",
    ] {
        let text = std::fs::read_to_string(l.manifests.join(format!("{name}.yaml"))).unwrap();
        let pod: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(pod["kind"], "Pod");
        assert_eq!(pod["metadata"]["labels"]["component"], name);
        let command = pod["spec"]["containers"][0]["command"]
            .as_sequence()
            .unwrap();
        assert_eq!(command[0], name);
        for arg in command.iter().filter_map(|a| a.as_str()) {
            let Some((flag, value)) = arg.split_once('=') else {
                continue;
            };
            if !value.starts_with('/') || flag == "--data-dir" {
                continue;
            }
            assert!(
                value.starts_with(&root),
                "{name} {flag} outside the tree: {value}"
            );
            assert!(Path::new(value).is_file(), "{name} {flag}: {value} missing");
            seen += 1;
        }
    }
    assert_eq!(
        seen,
        13 + 9 + 3 + 6,
        "file flags of apiserver, controller-manager, scheduler, etcd"
    );
}

#[test]
fn same_spec_gives_the_same_validity_story() {
    let spec = demo_spec(fixed_now());
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (la, lb) = (
        write_kubeadm_tree(a.path(), &spec).unwrap(),
        write_kubeadm_tree(b.path(), &spec).unwrap(),
    );
    for (leaf, _) in PKI_LEAVES {
        let (x, y) = (
            read_cert(&la.pki.join(format!("{leaf}.crt"))),
            read_cert(&lb.pki.join(format!("{leaf}.crt"))),
        );
        assert_eq!(parse(&x).validity(), parse(&y).validity(), "{leaf}");
        assert_eq!(parse(&x).subject().as_raw(), parse(&y).subject().as_raw());
        assert_ne!(x, y, "fresh keys and serials every time");
    }
    let link = |l: &TreeLayout| {
        std::fs::read_link(l.kubelet_pki.join("kubelet-client-current.pem")).unwrap()
    };
    assert_eq!(link(&la).file_name(), link(&lb).file_name());
}

#[test]
fn unknown_fault_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = demo_spec(fixed_now());
    spec.faults.wrong_ca = vec!["etcd-ca".into()];
    let err = write_kubeadm_tree(dir.path(), &spec).unwrap_err();
    assert!(
        matches!(&err, DemoError::UnknownName { fault: "wrong_ca", name } if name == "etcd-ca"),
        "{err}"
    );
    spec.faults.wrong_ca.clear();
    spec.faults.days_left.push(("apiserverr".into(), 3));
    let err = write_kubeadm_tree(dir.path(), &spec).unwrap_err();
    assert!(err.to_string().contains("apiserverr"), "{err}");
}

#[test]
fn bulk_tree_writes_verifiable_leaves_under_three_cas() {
    let dir = tempfile::tempdir().unwrap();
    let layout = write_bulk_tree(dir.path(), 30, fixed_now()).unwrap();
    assert_eq!(layout.ca_certs.len(), 3);
    let specs: Vec<KeySpec> = layout
        .ca_certs
        .iter()
        .map(|c| {
            PrivateKey::from_pem(&std::fs::read_to_string(c.with_extension("key")).unwrap())
                .unwrap()
                .spec()
        })
        .collect();
    assert_eq!(
        specs,
        [KeySpec::Rsa(2048), KeySpec::Rsa(2048), KeySpec::EcdsaP256]
    );
    let mut leaves = 0;
    for (ca, leaf_dir) in layout.ca_certs.iter().zip(&layout.leaf_dirs) {
        for entry in std::fs::read_dir(leaf_dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "crt") {
                assert!(
                    openssl_verify(ca, None, &path, None).0,
                    "{}",
                    path.display()
                );
                let key = openssl_pubkey_der(&path.with_extension("key"));
                assert_eq!(key, cert_public_key(&read_cert(&path)));
                leaves += 1;
            }
        }
    }
    assert_eq!(leaves, 30);
}

/// `kcert demo --dir RELATIVE`: the kubelet's `-current.pem` symlink and the kubeconfigs'
/// file references are absolute and lead to the files, as on a node.
#[test]
fn a_relative_demo_dir_gives_absolute_working_paths() {
    let cwd = fixed_temp_dir("kcert-demo-rel-");
    let out = kcert_bin()
        .current_dir(cwd.path())
        .env("KCERT_NOW", fixed_now().to_rfc3339())
        .args(["demo", "--no-tui", "--dir", "tree"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let root = cwd.path().join("tree");
    let current = root.join("var/lib/kubelet/pki/kubelet-client-current.pem");
    let target = std::fs::read_link(&current).unwrap();
    assert!(target.is_absolute(), "{}", target.display());
    assert!(current.exists(), "broken symlink to {}", target.display());
    let conf = root.join("etc/kubernetes/kubelet.conf");
    let cert = kubectl_field(&conf, "{.users[0].user.client-certificate}");
    assert!(Path::new(&cert).is_absolute(), "{cert}");
    assert!(Path::new(&cert).exists(), "{cert}");
    // Checked from elsewhere, nothing is missing.
    let check = kcert(fixed_now(), &["check", root.to_str().unwrap()]);
    let said = text(&check);
    assert!(
        !said.contains("does not exist") && !said.contains("broken symlink"),
        "{said}"
    );
}
