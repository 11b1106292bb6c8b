//! A MicroK8s node's certificate files, written the way MicroK8s writes them.
//!
//! From canonical/microk8s `microk8s-resources/actions/common/utils.sh`: `produce_certs` (RSA
//! keys `serviceaccount.key`, `ca.key`, `server.key`, `front-proxy-ca.key`,
//! `front-proxy-client.key`; `ca.crt` with `-subj /CN=10.152.183.1` and `front-proxy-ca.crt`
//! with `/CN=front-proxy-ca`, 3650 days), `gen_server_cert` and `gen_proxy_client_cert`
//! (365 days, `-extensions v3_ext -extfile csr.conf`: serverAuth and clientAuth, the csr.conf
//! SANs; the front proxy's subject is `/CN=front-proxy-client` and its CA `front-proxy-ca`),
//! `create_user_certificates` (`kubelet`, `client` = admin, `proxy`, `scheduler`,
//! `controller`, `apiserver-kubelet-client` signed by `ca`) and `create_kubeconfig_x509`
//! (`credentials/<name>.config` with the data embedded, server `127.0.0.1:16443`);
//! `microk8s-resources/certs/csr.conf.template` for the server's subject and SANs. The
//! lifetime of the user certificates is not in those scripts (`sign_certificate`): one year
//! here.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use base64::prelude::{Engine, BASE64_STANDARD};
use chrono::{DateTime, Duration, Utc};

use super::{files, DemoError, Faults};
use crate::pki::KeyFormat;
use crate::sign::{
    cert_to_pem, issue, CertTemplate, ExtendedKeyUsagePurpose as Eku, Issuer, KeySpec, PrivateKey,
    Subject,
};

/// What MicroK8s node to write.
#[derive(Debug, Clone)]
pub struct MicroK8sSpec {
    pub now: DateTime<Utc>,
    /// MicroK8s makes RSA 2048 keys; tests may choose ECDSA for speed.
    pub key: KeySpec,
    pub hostname: String,
    pub node_ip: IpAddr,
    /// Planted problems by file name (`server.crt`, `front-proxy-client.crt`, `ca.crt`, ...).
    pub faults: Faults,
}

/// Where a written MicroK8s node's parts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MicroK8sLayout {
    pub root: PathBuf,
    /// `<root>/var/snap/microk8s/current/certs`.
    pub certs: PathBuf,
    /// `<root>/var/snap/microk8s/current/credentials`.
    pub credentials: PathBuf,
}

/// The users' certificates: file stem, subject, the kubeconfig that embeds it.
const USERS: [(&str, &str, Option<&str>, Option<&str>); 6] = [
    (
        "kubelet",
        "system:node:{host}",
        Some("system:nodes"),
        Some("kubelet.config"),
    ),
    (
        "client",
        "admin",
        Some("system:masters"),
        Some("client.config"),
    ),
    ("proxy", "system:kube-proxy", None, Some("proxy.config")),
    (
        "scheduler",
        "system:kube-scheduler",
        None,
        Some("scheduler.config"),
    ),
    (
        "controller",
        "system:kube-controller-manager",
        None,
        Some("controller.config"),
    ),
    (
        "apiserver-kubelet-client",
        "kube-apiserver-kubelet-client",
        Some("system:masters"),
        None,
    ),
];

/// `client-x509.config.template` after `create_kubeconfig_x509`'s edits.
fn kubeconfig(user: &str, ca_pem: &str, cert_pem: &str, key_pem: &str) -> String {
    let b = |s: &str| BASE64_STANDARD.encode(s);
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {}\n    \
         server: https://127.0.0.1:16443\n  name: microk8s-cluster\ncontexts:\n- context:\n    \
         cluster: microk8s-cluster\n    user: {user}\n  name: microk8s\ncurrent-context: microk8s\n\
         kind: Config\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n    \
         client-certificate-data: {}\n    client-key-data: {}\n",
        b(ca_pem),
        b(cert_pem),
        b(key_pem)
    )
}

/// Writes a MicroK8s node below `root` (see the module docs).
pub fn write_microk8s_tree(root: &Path, spec: &MicroK8sSpec) -> Result<MicroK8sLayout, DemoError> {
    let snap = root.join("var/snap/microk8s/current");
    let layout = MicroK8sLayout {
        root: root.to_path_buf(),
        certs: snap.join("certs"),
        credentials: snap.join("credentials"),
    };
    let days = |name: &str| spec.faults.days_left_of(name);
    let validity = |name: &str, lifetime: i64, default: DateTime<Utc>| {
        let at = match days(name) {
            Some(d) => spec.now + Duration::days(d) - Duration::days(lifetime),
            None => default,
        };
        (at, at + Duration::days(lifetime))
    };
    let installed = spec.now - Duration::days(300);
    let key = || PrivateKey::generate(spec.key);
    let pkcs1_or_native = |k: &PrivateKey| match spec.key {
        KeySpec::Rsa(_) => k.to_pem(KeyFormat::Pkcs1),
        _ => k.to_native_pem(),
    };
    let certs = &layout.certs;
    let write_key = |file: &str, k: &PrivateKey| -> Result<(), DemoError> {
        files::write(&certs.join(file), pkcs1_or_native(k)?, files::PRIVATE)
    };

    let make_ca = |file: &str, cn: &str| -> Result<(Vec<u8>, PrivateKey), DemoError> {
        let k = key()?;
        let (nb, na) = validity(file, 3650, installed);
        let mut t = CertTemplate::new(Subject::new(cn, &[])?, nb, na);
        t.is_ca = true;
        let cert = issue(&t, &k, Issuer::SelfSigned)?;
        files::write(&certs.join(file), cert_to_pem(&cert), files::PUBLIC)?;
        write_key(&file.replace(".crt", ".key"), &k)?;
        Ok((cert, k))
    };
    let ca = make_ca("ca.crt", "10.152.183.1")?;
    let front = make_ca("front-proxy-ca.crt", "front-proxy-ca")?;
    write_key("serviceaccount.key", &key()?)?;

    let sign = |file: &str, t: &CertTemplate, own: &(Vec<u8>, PrivateKey)| {
        let wrong = spec.faults.wrong_ca.iter().any(|n| n == file);
        let signer = match (wrong, std::ptr::eq(own, &ca)) {
            (true, true) => &front,
            (true, false) => &ca,
            (false, _) => own,
        };
        let k = key()?;
        let cert = issue(
            t,
            &k,
            Issuer::Ca {
                cert_der: &signer.0,
                key: &signer.1,
            },
        )?;
        let written = match spec.faults.key_mismatch.iter().any(|n| n == file) {
            true => key()?,
            false => k,
        };
        files::write(&certs.join(file), cert_to_pem(&cert), files::PUBLIC)?;
        write_key(&file.replace(".crt", ".key"), &written)?;
        Ok::<_, DemoError>((cert_to_pem(&cert), pkcs1_or_native(&written)?))
    };

    // csr.conf's SANs (csr.conf.template, `#MOREIPS` filled with the node's addresses).
    let csr_conf = |t: &mut CertTemplate| {
        t.usages = vec![Eku::ServerAuth, Eku::ClientAuth];
        t.dns_names = [
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster",
            "kubernetes.default.svc.cluster.local",
        ]
        .map(String::from)
        .to_vec();
        t.ip_addresses = vec![
            [127, 0, 0, 1].into(),
            [10, 152, 183, 1].into(),
            spec.node_ip,
        ];
    };
    let renewed = spec.now - Duration::days(30);
    let (nb, na) = validity("server.crt", 365, renewed);
    let mut t = CertTemplate::new(
        Subject::with_attributes(&[
            ("C", "US"),
            ("ST", "Isles of Blessed"),
            ("L", "Arkadia"),
            ("O", "acme"),
            ("OU", "dev"),
            ("CN", "127.0.0.1"),
        ])?,
        nb,
        na,
    );
    csr_conf(&mut t);
    sign("server.crt", &t, &ca)?;
    let (nb, na) = validity("front-proxy-client.crt", 365, renewed);
    let mut t = CertTemplate::new(Subject::new("front-proxy-client", &[])?, nb, na);
    csr_conf(&mut t);
    sign("front-proxy-client.crt", &t, &front)?;

    let ca_pem = cert_to_pem(&ca.0);
    for (stem, cn, org, config) in USERS {
        let file = format!("{stem}.crt");
        let cn = cn.replace("{host}", &spec.hostname);
        let (nb, na) = validity(&file, 365, renewed);
        let orgs: Vec<&str> = org.into_iter().collect();
        let mut t = CertTemplate::new(Subject::new(&cn, &orgs)?, nb, na);
        t.usages = vec![Eku::ClientAuth];
        if stem == "kubelet" {
            // `generate_csr_with_sans`: the node's names.
            t.dns_names = vec![spec.hostname.clone()];
            t.ip_addresses = vec![[127, 0, 0, 1].into(), spec.node_ip];
        }
        let (cert_pem, key_pem) = sign(&file, &t, &ca)?;
        if let Some(config) = config {
            let text = kubeconfig(&cn, &ca_pem, &cert_pem, &key_pem);
            files::write(&layout.credentials.join(config), text, files::PRIVATE)?;
        }
    }
    Ok(layout)
}

/// The node `kcert demo --layout microk8s` shows: server.crt expired, the front proxy's client
/// under the cluster CA instead of `front-proxy-ca`, the kubelet's certificate 20 days from
/// its end.
pub fn demo_microk8s_spec(now: DateTime<Utc>) -> MicroK8sSpec {
    MicroK8sSpec {
        now,
        key: KeySpec::EcdsaP256,
        hostname: "micro-1".into(),
        node_ip: [192, 168, 56, 30].into(),
        faults: Faults {
            days_left: vec![("server.crt".into(), -4), ("kubelet.crt".into(), 20)],
            wrong_ca: vec!["front-proxy-client.crt".into()],
            key_mismatch: Vec::new(),
            sa_mismatch: false,
        },
    }
}
