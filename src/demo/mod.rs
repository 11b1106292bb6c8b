//! A realistic kubeadm control-plane tree with planted faults, for `kcert demo` and tests;
//! and k3s/RKE2 ([`write_rancher_tree`]) and MicroK8s ([`write_microk8s_tree`]) nodes
//! written the way those distributions write them.
//!
//! Everything is real: keys, certificates signed by the right (or deliberately wrong) CA,
//! kubeconfig YAML kubectl loads, kubelet files and static pod manifests naming the files by
//! absolute path under the chosen root. All times derive from [`TreeSpec::now`], never the
//! wall clock, so a fixed clock gives the same validity story every run.

mod bulk;
mod certs;
mod files;
mod kubeconfig;
mod kubelet;
mod manifests;
mod microk8s;
mod rancher;

pub use bulk::{write_bulk_tree, BulkLayout};
pub use microk8s::{demo_microk8s_spec, write_microk8s_tree, MicroK8sLayout, MicroK8sSpec};
pub use rancher::{demo_rancher_spec, write_rancher_tree, RancherLayout, RancherSpec};

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::sign::{cert_to_pem, KeySpec, PrivateKey, SignError, Subject};
use certs::{leaf_plans, Place, Story, CAS};
use kubeconfig::Credentials;

/// What tree to write.
#[derive(Debug, Clone)]
pub struct TreeSpec {
    pub now: DateTime<Utc>,
    /// Key type of every CA, leaf and `sa.key` (the kubelet client key is always ECDSA P-256).
    pub key: KeySpec,
    pub node_name: String,
    pub advertise_ip: IpAddr,
    /// Make `ca` an intermediate under an offline root (`pki/root-ca.crt`, no key on disk).
    pub intermediate: bool,
    pub faults: Faults,
}

/// Problems to plant, by name: kubeadm's names (`ca`, `apiserver`, `etcd-ca`, `etcd-server`,
/// `admin.conf`, ...), `root-ca` (with `intermediate`), `kubelet.conf` (the kubelet client
/// certificate) and `kubelet.crt` (its self-signed serving certificate).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// NotAfter = now + days (negative: expired that many days ago); works for CAs too.
    pub days_left: Vec<(String, i64)>,
    /// Leaves signed by another CA: `front-proxy-ca` for `ca`'s leaves, else `ca`.
    pub wrong_ca: Vec<String>,
    /// Certificates whose key file (or `client-key-data`) holds a different key.
    pub key_mismatch: Vec<String>,
    /// `sa.pub` belongs to another key than `sa.key`.
    pub sa_mismatch: bool,
}

impl Faults {
    /// The planted `days_left` of `name`, if any.
    pub fn days_left_of(&self, name: &str) -> Option<i64> {
        self.days_left
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| *d)
    }
}

/// Where the interesting parts of a written tree are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeLayout {
    pub root: PathBuf,
    /// `<root>/etc/kubernetes` (kubeconfigs).
    pub etc_kubernetes: PathBuf,
    /// `<root>/etc/kubernetes/pki`.
    pub pki: PathBuf,
    /// `<root>/var/lib/kubelet/pki`.
    pub kubelet_pki: PathBuf,
    /// `<root>/etc/kubernetes/manifests`.
    pub manifests: PathBuf,
}

impl TreeLayout {
    fn new(root: &Path) -> Self {
        let etc = root.join("etc/kubernetes");
        TreeLayout {
            root: root.to_path_buf(),
            pki: etc.join("pki"),
            manifests: etc.join("manifests"),
            etc_kubernetes: etc,
            kubelet_pki: root.join("var/lib/kubelet/pki"),
        }
    }
}

/// Why a demo tree could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sign(#[from] SignError),
    #[error("cannot write kubeconfig: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("fault {fault}: the demo tree has no certificate {name:?} this fault can apply to")]
    UnknownName { fault: &'static str, name: String },
}

impl DemoError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        DemoError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The tree `kcert demo` shows: two expired leaves, one critical, one warning, a leaf signed
/// by the wrong CA and a key that does not match its certificate; the rest healthy.
pub fn demo_spec(now: DateTime<Utc>) -> TreeSpec {
    TreeSpec {
        now,
        key: KeySpec::EcdsaP256,
        node_name: "cp-1".into(),
        advertise_ip: IpAddr::V4(Ipv4Addr::new(192, 168, 56, 10)),
        intermediate: false,
        faults: Faults {
            days_left: vec![
                ("apiserver".into(), -35),
                ("admin.conf".into(), -2),
                ("etcd-peer".into(), 5),
                ("scheduler.conf".into(), 20),
            ],
            wrong_ca: vec!["front-proxy-client".into()],
            key_mismatch: vec!["apiserver-etcd-client".into()],
            sa_mismatch: false,
        },
    }
}

/// Writes a kubeadm control-plane node's certificate files under `root` (see the module docs).
/// A relative `root` is made absolute first: the symlink and the kubeconfigs name files by
/// absolute path, as on a node.
pub fn write_kubeadm_tree(root: &Path, spec: &TreeSpec) -> Result<TreeLayout, DemoError> {
    let layout = TreeLayout::new(&crate::pki::absolute(root));
    let plans = leaf_plans(&spec.node_name, spec.advertise_ip);
    check_fault_names(spec, &plans.iter().map(|p| p.name).collect::<Vec<_>>())?;
    let story = Story::new(spec);
    let server = format!("https://{}", SocketAddr::new(spec.advertise_ip, 6443));
    let pki = &layout.pki;

    // Every key up front and in parallel: RSA generation dominates the run time.
    let mut names: Vec<&'static str> = vec!["ca", "front-proxy-ca", "etcd-ca", "sa"];
    names.extend(plans.iter().map(|p| p.name));
    if spec.intermediate {
        names.push("root-ca");
    }
    if spec.faults.sa_mismatch {
        names.push("sa-other");
    }
    let mut keys = story.keys(&names, spec.key)?;
    let mut take = |name: &str| {
        keys.remove(name)
            .ok_or_else(|| SignError::KeyGeneration(format!("no key made for {name}")))
    };

    let root_ca = match spec.intermediate {
        true => {
            let subject = Subject::new("kubernetes-root-ca", &["Example Org"])?;
            Some(story.ca("root-ca", subject, take("root-ca")?, None)?)
        }
        false => None,
    };
    if let Some(r) = &root_ca {
        files::write(
            &pki.join("root-ca.crt"),
            cert_to_pem(&r.cert),
            files::PUBLIC,
        )?;
    }
    let ca = story.ca(
        "ca",
        Subject::new("kubernetes", &[])?,
        take("ca")?,
        root_ca.as_ref(),
    )?;
    let front = story.ca(
        "front-proxy-ca",
        Subject::new("front-proxy-ca", &[])?,
        take("front-proxy-ca")?,
        None,
    )?;
    let etcd = story.ca(
        "etcd-ca",
        Subject::new("etcd-ca", &[])?,
        take("etcd-ca")?,
        None,
    )?;
    for (name, base, authority) in [
        ("ca", "ca", &ca),
        ("front-proxy-ca", "front-proxy-ca", &front),
        ("etcd-ca", "etcd/ca", &etcd),
    ] {
        let stranger = story.stranger(name, spec.key)?;
        let written = stranger.as_ref().unwrap_or(&authority.key);
        write_pair(pki, base, &authority.cert, written)?;
    }

    let sa = take("sa")?;
    files::write(&pki.join("sa.key"), sa.to_native_pem()?, files::PRIVATE)?;
    let sa_pub = match spec.faults.sa_mismatch {
        true => take("sa-other")?,
        false => sa,
    };
    // kubeadm writes sa.pub with keyutil.WriteKey, hence 0600.
    files::write(&pki.join("sa.pub"), sa_pub.public_key_pem(), files::PRIVATE)?;

    let ca_pem = cert_to_pem(&ca.cert);
    for plan in &plans {
        let (own, wrong) = match plan.ca {
            "ca" => (&ca, &front),
            "front-proxy-ca" => (&front, &ca),
            _ => (&etcd, &ca),
        };
        let issued = story.leaf(plan, take(plan.name)?, own, wrong)?;
        match plan.place {
            Place::Pki(base) => write_pair(pki, base, &issued.cert, &issued.key)?,
            Place::Kubeconfig(file) => kubeconfig::write(
                &layout.etc_kubernetes.join(file),
                &server,
                &ca_pem,
                &plan.cn,
                Credentials::Embedded {
                    cert_pem: &cert_to_pem(&issued.cert),
                    key_pem: &issued.key.to_native_pem()?,
                },
            )?,
        }
    }

    kubelet::write(
        &story,
        &layout.kubelet_pki,
        &layout.etc_kubernetes,
        &server,
        &ca,
        &front,
    )?;
    if let Some(kubelet_dir) = layout.kubelet_pki.parent() {
        kubelet::write_config(kubelet_dir, pki, &layout.manifests)?;
    }
    manifests::write(
        &layout.manifests,
        root,
        &layout.etc_kubernetes,
        pki,
        &spec.node_name,
        spec.advertise_ip,
    )?;
    Ok(layout)
}

/// `<base>.crt` (0644) and `<base>.key` (0600, kubeadm's format for the key type).
fn write_pair(pki: &Path, base: &str, cert: &[u8], key: &PrivateKey) -> Result<(), DemoError> {
    files::write(
        &pki.join(format!("{base}.crt")),
        cert_to_pem(cert),
        files::PUBLIC,
    )?;
    files::write(
        &pki.join(format!("{base}.key")),
        key.to_native_pem()?,
        files::PRIVATE,
    )
}

/// Refuses fault names that match nothing, so a typo cannot produce a silently healthy tree.
fn check_fault_names(spec: &TreeSpec, leaves: &[&str]) -> Result<(), DemoError> {
    let is_leaf = |n: &str| leaves.contains(&n) || n == kubelet::CLIENT;
    let is_cert = |n: &str| {
        is_leaf(n)
            || CAS.contains(&n)
            || n == kubelet::SERVING
            || (spec.intermediate && n == "root-ca")
    };
    let unknown = |fault, name: &String| DemoError::UnknownName {
        fault,
        name: name.clone(),
    };
    let faults = &spec.faults;
    if let Some((name, _)) = faults.days_left.iter().find(|(n, _)| !is_cert(n)) {
        return Err(unknown("days_left", name));
    }
    if let Some(name) = faults.wrong_ca.iter().find(|n| !is_leaf(n)) {
        return Err(unknown("wrong_ca", name));
    }
    if let Some(name) = faults
        .key_mismatch
        .iter()
        .find(|n| !is_cert(n) || *n == "root-ca")
    {
        return Err(unknown("key_mismatch", name));
    }
    Ok(())
}
