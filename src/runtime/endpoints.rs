//! Where each component on this node serves TLS, from its manifest (or kubelet config), and
//! which certificate file it serves there.
//!
//! Only loopback and the node addresses the operator gives are ever targets: an address a
//! manifest names is never probed on its own say-so, so kcert cannot be steered into scanning.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::manifest::StaticPod;
use super::{Component, Node};

/// One TLS listener to probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Endpoint {
    pub component: Component,
    /// `secure port`, `client`, `peer`: which of the component's listeners.
    pub listener: &'static str,
    pub addr: SocketAddr,
    /// The certificate file served there; `None` when the component makes its own in memory.
    pub cert_file: Option<PathBuf>,
    /// The manifest or kubelet config that says so.
    pub source: PathBuf,
}

/// A listener that is not probed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub component: Component,
    pub listener: &'static str,
    pub address: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Targets {
    pub endpoints: Vec<Endpoint>,
    pub skipped: Vec<Skipped>,
}

/// What is known of a listener before its addresses are worked out.
struct Listener<'a> {
    component: Component,
    listener: &'static str,
    cert_file: Option<PathBuf>,
    source: &'a Path,
}

impl Targets {
    /// The endpoints of one component.
    pub fn of(&self, c: Component) -> Vec<Endpoint> {
        self.endpoints
            .iter()
            .filter(|e| e.component == c)
            .cloned()
            .collect()
    }

    fn add(&mut self, l: &Listener<'_>, host: &str, port: u16, node_addresses: &[IpAddr]) {
        let (component, listener) = (l.component, l.listener);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let ips: Vec<IpAddr> = match host {
            "" | "0.0.0.0" | "::" => {
                let mut v = vec![IpAddr::V4(Ipv4Addr::LOCALHOST)];
                v.extend(node_addresses.iter().copied());
                v
            }
            "localhost" => vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
            other => match other.parse::<IpAddr>() {
                Ok(ip) if ip.is_loopback() || node_addresses.contains(&ip) => vec![ip],
                Ok(_) | Err(_) => {
                    self.skipped.push(Skipped {
                        component,
                        listener,
                        address: format!("{host}:{port}"),
                        reason: format!(
                            "{host} is neither loopback nor a given node address (--node-address {host} to probe it)"
                        ),
                    });
                    return;
                }
            },
        };
        for ip in ips {
            let e = Endpoint {
                component,
                listener,
                addr: SocketAddr::new(ip, port),
                cert_file: l.cert_file.clone(),
                source: l.source.to_path_buf(),
            };
            if !self.endpoints.contains(&e) {
                self.endpoints.push(e);
            }
        }
    }
}

fn file_flag(pod: &StaticPod, flag: &str) -> Option<PathBuf> {
    let c = pod.main_container()?;
    c.flag(flag)
        .filter(|v| v.starts_with('/'))
        .map(|v| c.host_path(Path::new(v)))
}

fn port_flag(pod: &StaticPod, flag: &str) -> Option<u16> {
    pod.flag(flag)
        .and_then(|v| v.parse().ok())
        .filter(|p| *p != 0)
}

/// `https://host:port` URLs of an etcd `--listen-*-urls` flag.
fn https_urls(value: &str) -> Vec<(String, u16)> {
    value
        .split(',')
        .filter_map(|u| u.trim().strip_prefix("https://"))
        .filter_map(|hp| {
            let hp = hp.split('/').next().unwrap_or(hp);
            let (host, port) = hp.rsplit_once(':')?;
            Some((host.to_string(), port.parse().ok()?))
        })
        .collect()
}

/// Every listener of every component on the node, on loopback and `node_addresses`.
pub fn targets(node: &Node, node_addresses: &[IpAddr]) -> Targets {
    let mut t = Targets::default();
    for pod in &node.manifests.pods {
        let Some(component) = pod.component else {
            continue;
        };
        let listener = |name, flag| Listener {
            component,
            listener: name,
            cert_file: file_flag(pod, flag),
            source: &pod.path,
        };
        if component == Component::Etcd {
            let clients = pod
                .flag("--listen-client-urls")
                .map(https_urls)
                .unwrap_or_else(|| vec![("127.0.0.1".into(), 2379)]);
            let l = listener("client", "--cert-file");
            for (host, port) in clients {
                t.add(&l, &host, port, node_addresses);
            }
            let peers = pod
                .flag("--listen-peer-urls")
                .map(https_urls)
                .unwrap_or_default();
            let l = listener("peer", "--peer-cert-file");
            for (host, port) in peers {
                t.add(&l, &host, port, node_addresses);
            }
        } else {
            let probe_port = pod
                .main_container()
                .and_then(|c| c.https_probes.first().map(|(_, p)| *p));
            let port = port_flag(pod, "--secure-port")
                .or(probe_port)
                .unwrap_or(component.default_port());
            let bind = pod.flag("--bind-address").unwrap_or("0.0.0.0");
            t.add(
                &listener("secure port", "--tls-cert-file"),
                bind,
                port,
                node_addresses,
            );
        }
    }
    if let Some(k) = &node.kubelet {
        let cert = match (&k.tls_cert_file, &node.paths.kubelet_cert_dir) {
            (Some(f), _) => Some(f.clone()),
            (None, Some(dir)) => Some(k.serving_cert(dir).0),
            (None, None) => None,
        };
        let bind = k.address.clone().unwrap_or_default();
        let l = Listener {
            component: Component::Kubelet,
            listener: "secure port",
            cert_file: cert,
            source: &k.path,
        };
        t.add(&l, &bind, k.port, node_addresses);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcd_urls_parse_hosts_and_ports() {
        assert_eq!(
            https_urls("https://127.0.0.1:2379,https://[::1]:2379,http://127.0.0.1:2381,https://10.0.0.5:2379/"),
            vec![
                ("127.0.0.1".into(), 2379),
                ("[::1]".into(), 2379),
                ("10.0.0.5".into(), 2379)
            ]
        );
    }

    #[test]
    fn foreign_addresses_are_skipped_unless_given() {
        let mut t = Targets::default();
        let l = |component, listener| Listener {
            component,
            listener,
            cert_file: None,
            source: Path::new("/m/etcd.yaml"),
        };
        t.add(&l(Component::Etcd, "peer"), "10.0.0.5", 2380, &[]);
        assert!(t.endpoints.is_empty());
        assert!(t.skipped[0].reason.contains("--node-address 10.0.0.5"));
        let node: IpAddr = "10.0.0.5".parse().unwrap();
        t.add(&l(Component::Etcd, "peer"), "10.0.0.5", 2380, &[node]);
        t.add(&l(Component::ApiServer, "secure port"), "", 6443, &[node]);
        t.add(&l(Component::Etcd, "client"), "[::1]", 2379, &[]);
        let addrs: Vec<String> = t.endpoints.iter().map(|e| e.addr.to_string()).collect();
        assert_eq!(
            addrs,
            [
                "10.0.0.5:2380",
                "127.0.0.1:6443",
                "10.0.0.5:6443",
                "[::1]:2379"
            ]
        );
    }
}
