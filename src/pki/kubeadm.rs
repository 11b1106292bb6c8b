//! kubeadm's names for the files it manages, and which CA must sign each of them.

use std::path::{Path, PathBuf};

use super::CaRole;

/// Kubeconfigs whose embedded client certificate kubeadm (or the kubelet) manages.
pub const KUBECONFIGS: [&str; 5] = [
    "admin.conf",
    "super-admin.conf",
    "controller-manager.conf",
    "scheduler.conf",
    "kubelet.conf",
];

/// Directory names kubeadm-style trees use as `certificatesDir` (kubespray uses `ssl`).
const PKI_DIRS: [&str; 2] = ["pki", "ssl"];

fn file_name(path: &Path) -> Option<&str> {
    path.file_name()?.to_str()
}

fn dir_name(path: &Path) -> Option<&str> {
    path.parent()?.file_name()?.to_str()
}

/// kubeadm's name for a certificate file, e.g. `pki/etcd/server.crt` → `etcd-server`.
pub fn name_for_cert_file(path: &Path) -> Option<&'static str> {
    let file = file_name(path)?;
    let dir = dir_name(path)?;
    if dir == "etcd"
        && path
            .parent()
            .and_then(dir_name)
            .is_some_and(|d| PKI_DIRS.contains(&d))
    {
        return Some(match file {
            "ca.crt" => "etcd-ca",
            "server.crt" => "etcd-server",
            "peer.crt" => "etcd-peer",
            "healthcheck-client.crt" => "etcd-healthcheck-client",
            _ => return None,
        });
    }
    if !PKI_DIRS.contains(&dir) {
        return None;
    }
    Some(match file {
        "ca.crt" => "ca",
        "apiserver.crt" => "apiserver",
        "apiserver-kubelet-client.crt" => "apiserver-kubelet-client",
        "apiserver-etcd-client.crt" => "apiserver-etcd-client",
        "front-proxy-ca.crt" => "front-proxy-ca",
        "front-proxy-client.crt" => "front-proxy-client",
        _ => return None,
    })
}

/// A name for the kubelet's own certificates in its `--cert-dir`: `kubelet-client-current`
/// (its client certificate, rotated by the kubelet), `kubelet-server-current` (its rotated
/// serving certificate) and `kubelet-serving` (the self-signed `kubelet.crt` it makes when
/// serving certificates are not rotated).
pub fn name_for_kubelet_file(path: &Path) -> Option<&'static str> {
    match file_name(path)? {
        "kubelet-client-current.pem" => Some("kubelet-client-current"),
        "kubelet-server-current.pem" => Some("kubelet-server-current"),
        "kubelet.crt"
            if dir_name(path) == Some("pki")
                && path.parent().and_then(dir_name) == Some("kubelet") =>
        {
            Some("kubelet-serving")
        }
        _ => None,
    }
}

/// kubeadm's name for a kubeconfig's client certificate (`admin.conf`, ...).
pub fn name_for_kubeconfig(path: &Path) -> Option<&'static str> {
    let file = file_name(path)?;
    KUBECONFIGS.iter().copied().find(|k| *k == file)
}

/// The CA kubeadm signs a named certificate with; a certificate under another CA is refused
/// by the component that uses it.
pub fn expected_ca(name: &str) -> Option<CaRole> {
    Some(match name {
        "apiserver" | "apiserver-kubelet-client" => CaRole::Kubernetes,
        n if KUBECONFIGS.contains(&n) => CaRole::Kubernetes,
        "front-proxy-client" => CaRole::FrontProxy,
        "etcd-server" | "etcd-peer" | "etcd-healthcheck-client" | "apiserver-etcd-client" => {
            CaRole::Etcd
        }
        _ => return None,
    })
}

/// kubeadm's name for the CA of `role`; `None` for the roles only other distributions split.
pub fn ca_name(role: CaRole) -> Option<&'static str> {
    Some(match role {
        CaRole::Kubernetes => "ca",
        CaRole::Etcd => "etcd-ca",
        CaRole::FrontProxy => "front-proxy-ca",
        CaRole::Client | CaRole::Server | CaRole::EtcdServer | CaRole::EtcdPeer => return None,
    })
}

/// The role of one of kubeadm's three CAs, by its kubeadm name.
pub fn ca_role(name: &str) -> Option<CaRole> {
    Some(match name {
        "ca" => CaRole::Kubernetes,
        "etcd-ca" => CaRole::Etcd,
        "front-proxy-ca" => CaRole::FrontProxy,
        _ => return None,
    })
}

/// The role of a CA by kubeadm's file names alone, for trees copied out of a `pki` directory:
/// `etcd/ca.crt`, `front-proxy-ca.crt`, `ca.crt`.
pub fn ca_role_of_file(path: &Path) -> Option<CaRole> {
    match (file_name(path)?, dir_name(path)) {
        ("ca.crt", Some("etcd")) => Some(CaRole::Etcd),
        ("front-proxy-ca.crt", _) => Some(CaRole::FrontProxy),
        ("ca.crt", _) => Some(CaRole::Kubernetes),
        _ => None,
    }
}

/// The `certificatesDir` a kubeadm-named file belongs to: `pki/` for `pki/x.crt` and
/// `pki/etcd/x.crt`, and `<dir>/pki` (or `ssl`) for kubeconfigs in `<dir>`.
pub fn pki_dir(path: &Path, name: &str) -> Option<PathBuf> {
    let parent = path.parent()?;
    if KUBECONFIGS.contains(&name) {
        return PKI_DIRS.iter().map(|d| parent.join(d)).find(|d| d.is_dir());
    }
    if name.starts_with("etcd-") {
        return parent.parent().map(Path::to_path_buf);
    }
    Some(parent.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kubeadm_layout_only_inside_pki_dirs() {
        assert_eq!(
            name_for_cert_file(Path::new("/etc/kubernetes/pki/etcd/server.crt")),
            Some("etcd-server")
        );
        assert_eq!(
            name_for_cert_file(Path::new("/etc/kubernetes/pki/ca.crt")),
            Some("ca")
        );
        assert_eq!(
            name_for_cert_file(Path::new("/etc/kubernetes/ssl/apiserver.crt")),
            Some("apiserver")
        );
        assert_eq!(
            name_for_cert_file(Path::new("/etc/kubernetes/cert/ca.crt")),
            None
        );
        assert_eq!(name_for_cert_file(Path::new("/srv/etcd/server.crt")), None);
        assert_eq!(expected_ca("apiserver-etcd-client"), Some(CaRole::Etcd));
        assert_eq!(
            name_for_kubelet_file(Path::new("/var/lib/kubelet/pki/kubelet.crt")),
            Some("kubelet-serving")
        );
        assert_eq!(
            name_for_kubelet_file(Path::new("/srv/pki/kubelet-client-current.pem")),
            Some("kubelet-client-current")
        );
        assert_eq!(
            name_for_kubelet_file(Path::new("/srv/certs/kubelet.crt")),
            None
        );
        assert_eq!(expected_ca("scheduler.conf"), Some(CaRole::Kubernetes));
    }
}
