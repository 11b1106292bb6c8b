//! A k3s (or RKE2) node's certificate files, written the way k3s writes them.
//!
//! From k3s-io/k3s: `pkg/daemons/control/deps/deps.go` (`CreateRuntimeCertFiles` for the
//! paths, `genClientCerts`/`genServerCerts`/`genRequestHeaderCerts`/`genETCDCerts` for CNs,
//! O values, EKUs and SANs, `createSigningCertKey` for CA names `<prefix>-ca@<unix time>`,
//! `createClientCertKey` writing every leaf file as the leaf followed by its CA, `KubeConfig`'s
//! template for `server/cred/*.kubeconfig` with file references); `pkg/agent/config/config.go`
//! for the agent's files and kubeconfigs; `pkg/server/handlers/handlers.go` (`signAndSend`:
//! an agent's certificate comes with the CA bundle); `/etc/rancher/k3s/k3s.yaml` embeds the
//! server CA and client-admin's file (leaf + client CA) as data. Keys are ECDSA P-256 (SEC1),
//! as dynamiclistener's `NewPrivateKey` makes them. RKE2 is the same code with `rke2` in place
//! of `k3s`, and its control plane as static pods under `agent/pod-manifests`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use base64::prelude::{Engine, BASE64_STANDARD};
use chrono::{DateTime, Duration, Utc};

mod leaves;

use super::{files, DemoError, Faults};
use crate::pki::distro::Distribution;
use crate::pki::KeyFormat;
use crate::sign::{cert_to_pem, issue, CertTemplate, Issuer, KeySpec, PrivateKey, Subject};
use leaves::{agent_leaves, cas, server_leaves, template, wrong_ca, CLIENT, SERVER};

/// What k3s or RKE2 node to write.
#[derive(Debug, Clone)]
pub struct RancherSpec {
    pub now: DateTime<Utc>,
    /// [`Distribution::K3s`] or [`Distribution::Rke2`].
    pub distribution: Distribution,
    pub node_name: String,
    pub node_ip: IpAddr,
    /// Write the server's `server/tls`, `server/cred` and `/etc/rancher/<program>/<program>.yaml`.
    pub server: bool,
    /// Write the agent's `agent/` files (a server runs an agent too).
    pub agent: bool,
    /// Planted problems by k3s's names (`client-admin`, `etcd/peer-server-client`,
    /// `agent/client-kubelet`, `server-ca`, ...).
    pub faults: Faults,
}

/// Where a written k3s/RKE2 node's parts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RancherLayout {
    pub root: PathBuf,
    /// `<root>/var/lib/rancher/<program>`.
    pub data: PathBuf,
    /// `<data>/server/tls`.
    pub tls: PathBuf,
    /// `<data>/agent`.
    pub agent: PathBuf,
    /// `<root>/etc/rancher/<program>/<program>.yaml`.
    pub kubeconfig: PathBuf,
}

/// A CA: certificate and key.
struct Ca {
    cert: Vec<u8>,
    key: PrivateKey,
}

/// k3s's kubeconfig template (`deps.KubeConfig`): file references, cluster `local`, user `user`.
fn kubeconfig_with_files(url: &str, ca: &Path, cert: &Path, key: &Path) -> String {
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    server: {url}\n    certificate-authority: {}\n  \
         name: local\ncontexts:\n- context:\n    cluster: local\n    namespace: default\n    \
         user: user\n  name: Default\ncurrent-context: Default\nkind: Config\npreferences: {{}}\n\
         users:\n- name: user\n  user:\n    client-certificate: {}\n    client-key: {}\n",
        ca.display(),
        cert.display(),
        key.display()
    )
}

/// `/etc/rancher/k3s/k3s.yaml`: the admin kubeconfig with the data embedded, as k3s writes it
/// for kubectl (cluster, context and user `default`).
fn kubeconfig_with_data(url: &str, ca_pem: &str, cert_pem: &str, key_pem: &str) -> String {
    let b = |s: &str| BASE64_STANDARD.encode(s);
    format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {}\n    server: {url}\n  \
         name: default\ncontexts:\n- context:\n    cluster: default\n    user: default\n  name: default\n\
         current-context: default\nkind: Config\npreferences: {{}}\nusers:\n- name: default\n  user:\n    \
         client-certificate-data: {}\n    client-key-data: {}\n",
        b(ca_pem),
        b(cert_pem),
        b(key_pem)
    )
}

/// Writes a k3s or RKE2 node below `root` (see the module docs).
pub fn write_rancher_tree(root: &Path, spec: &RancherSpec) -> Result<RancherLayout, DemoError> {
    let Some(p) = spec.distribution.program() else {
        return Err(DemoError::UnknownName {
            fault: "distribution",
            name: spec.distribution.to_string(),
        });
    };
    let data = root.join("var/lib/rancher").join(p);
    let layout = RancherLayout {
        root: root.to_path_buf(),
        tls: data.join("server/tls"),
        agent: data.join("agent"),
        kubeconfig: root.join("etc/rancher").join(p).join(format!("{p}.yaml")),
        data,
    };
    let days = |name: &str| spec.faults.days_left_of(name);
    let installed = spec.now - Duration::days(400);
    let stamp = installed.timestamp();
    // Leaves were renewed on a start 30 days ago; a planted `days_left` moves one.
    let issued = |name: &str, lifetime: i64| match days(name) {
        Some(d) => spec.now + Duration::days(d) - Duration::days(lifetime),
        None => spec.now - Duration::days(30),
    };
    let ecdsa = || PrivateKey::generate(KeySpec::EcdsaP256);
    let sec1 = |k: &PrivateKey| k.to_pem(KeyFormat::Sec1);

    let mut authorities = Vec::new();
    for (name, prefix) in cas(p) {
        let key = ecdsa()?;
        let at = match days(name) {
            Some(d) => spec.now + Duration::days(d) - Duration::days(3650),
            None => installed,
        };
        let mut t = CertTemplate::new(
            Subject::new(&format!("{prefix}-ca@{stamp}"), &[])?,
            at,
            at + Duration::days(3650),
        );
        t.is_ca = true;
        let cert = issue(&t, &key, Issuer::SelfSigned)?;
        if spec.server {
            let pem = cert_to_pem(&cert);
            files::write(&layout.tls.join(format!("{name}.crt")), &pem, files::PUBLIC)?;
            files::write(
                &layout.tls.join(format!("{name}.key")),
                sec1(&key)?,
                files::PRIVATE,
            )?;
            // The controller-manager's signer wants a single certificate (`genClientCerts`).
            if matches!(name, "client-ca" | "server-ca") {
                files::write(
                    &layout.tls.join(format!("{name}.nochain.crt")),
                    &pem,
                    files::PUBLIC,
                )?;
            }
        }
        authorities.push(Ca { cert, key });
    }

    let mut leaves = Vec::new();
    if spec.server {
        leaves.extend(server_leaves(p));
        for key in ["service", "client-kubelet", "serving-kubelet"] {
            files::write(
                &layout.tls.join(format!("{key}.key")),
                sec1(&ecdsa()?)?,
                files::PRIVATE,
            )?;
        }
    }
    if spec.agent {
        leaves.extend(agent_leaves(p, &spec.node_name));
        for (file, ca) in [("client-ca.crt", CLIENT), ("server-ca.crt", SERVER)] {
            let pem = cert_to_pem(&authorities[ca].cert);
            files::write(&layout.agent.join(file), pem, files::PRIVATE)?;
        }
    }
    let mut written: Vec<(String, String, String)> = Vec::new();
    for leaf in &leaves {
        let key = ecdsa()?;
        let wrong = spec.faults.wrong_ca.contains(&leaf.name);
        let ca = &authorities[if wrong { wrong_ca(leaf.ca) } else { leaf.ca }];
        let t = template(spec, leaf, issued(&leaf.name, 365))?;
        let cert = issue(
            &t,
            &key,
            Issuer::Ca {
                cert_der: &ca.cert,
                key: &ca.key,
            },
        )?;
        // Leaf, then its CA (`util.EncodeCertsPEM(cert, caCerts)`).
        let cert_pem = cert_to_pem(&cert) + &cert_to_pem(&ca.cert);
        let mismatch = spec.faults.key_mismatch.contains(&leaf.name);
        let key_pem = sec1(&if mismatch { ecdsa()? } else { key })?;
        let (dir, rel) = match leaf.name.strip_prefix("agent/") {
            Some(rel) => (&layout.agent, rel),
            None => (&layout.tls, leaf.name.as_str()),
        };
        let mode = if dir == &layout.agent {
            files::PRIVATE
        } else {
            files::PUBLIC
        };
        files::write(&dir.join(format!("{rel}.crt")), &cert_pem, mode)?;
        files::write(&dir.join(format!("{rel}.key")), &key_pem, files::PRIVATE)?;
        written.push((leaf.name.clone(), cert_pem, key_pem));
    }

    let file = |dir: &Path, rel: &str, ext: &str| dir.join(format!("{rel}.{ext}"));
    if spec.server {
        let cred = layout.data.join("server/cred");
        let url = "https://127.0.0.1:6444";
        for (config, leaf) in [
            ("admin", "client-admin"),
            ("supervisor", "client-supervisor"),
            ("controller", "client-controller"),
            ("scheduler", "client-scheduler"),
            ("api-server", "client-kube-apiserver"),
            ("cloud-controller", &format!("client-{p}-cloud-controller")),
        ] {
            let text = kubeconfig_with_files(
                url,
                &layout.tls.join("server-ca.crt"),
                &file(&layout.tls, leaf, "crt"),
                &file(&layout.tls, leaf, "key"),
            );
            files::write(
                &cred.join(format!("{config}.kubeconfig")),
                text,
                files::PRIVATE,
            )?;
        }
        if let Some((_, cert_pem, key_pem)) = written.iter().find(|(n, ..)| n == "client-admin") {
            let ca_pem = cert_to_pem(&authorities[SERVER].cert);
            let text = kubeconfig_with_data("https://127.0.0.1:6443", &ca_pem, cert_pem, key_pem);
            files::write(&layout.kubeconfig, text, files::PRIVATE)?;
        }
    }
    if spec.agent {
        let url = "https://127.0.0.1:6443";
        for (config, leaf) in [
            ("kubelet", "client-kubelet".to_string()),
            ("kubeproxy", "client-kube-proxy".to_string()),
            (&format!("{p}controller"), format!("client-{p}-controller")),
        ] {
            let text = kubeconfig_with_files(
                url,
                &layout.agent.join("server-ca.crt"),
                &file(&layout.agent, &leaf, "crt"),
                &file(&layout.agent, &leaf, "key"),
            );
            files::write(
                &layout.agent.join(format!("{config}.kubeconfig")),
                text,
                files::PRIVATE,
            )?;
        }
    }
    Ok(layout)
}

/// The k3s node `kcert demo --layout k3s` shows: a server that is also an agent, with
/// client-admin expired (so `k3s.yaml` too), the API server's serving certificate inside
/// k3s's renewal window, client-auth-proxy under the client CA instead of the request-header
/// CA, and a kubelet serving key that does not match.
pub fn demo_rancher_spec(now: DateTime<Utc>, distribution: Distribution) -> RancherSpec {
    RancherSpec {
        now,
        distribution,
        node_name: "server-1".into(),
        node_ip: [192, 168, 56, 20].into(),
        server: true,
        agent: true,
        faults: Faults {
            days_left: vec![
                ("client-admin".into(), -2),
                ("serving-kube-apiserver".into(), 20),
                ("etcd/peer-server-client".into(), 200),
            ],
            wrong_ca: vec!["client-auth-proxy".into()],
            key_mismatch: vec!["agent/serving-kubelet".into()],
            sa_mismatch: false,
        },
    }
}
