//! Static pod manifests: which component runs here and with which flags.
//!
//! The one parser for `/etc/kubernetes/manifests/*.yaml`; consumers, probing, restarts and
//! renewal's restart hints all read manifests through it.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_yaml::Value;

use super::Component;
use crate::pki::walk::MAX_FILE_SIZE;

/// One container of a static pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Container {
    pub name: String,
    /// `command` then `args`, as written.
    pub words: Vec<String>,
    /// `(mountPath, hostPath)`: flags name paths inside the container.
    pub mounts: Vec<(PathBuf, PathBuf)>,
    /// Ports of HTTPS liveness, readiness and startup probes, with the probe's host if set.
    /// kube-controller-manager and kube-scheduler name their secure port only there.
    pub https_probes: Vec<(Option<String>, u16)>,
}

impl Container {
    /// `--flag=value` and `--flag value` pairs, in order; the flag keeps its dashes.
    pub fn flags(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.words.len() {
            let w = self.words[i].as_str();
            i += 1;
            if !w.starts_with('-') {
                continue;
            }
            match w.split_once('=') {
                Some((flag, value)) => out.push((flag, value)),
                None => match self.words.get(i) {
                    Some(next) if !next.starts_with('-') => {
                        out.push((w, next.as_str()));
                        i += 1;
                    }
                    _ => out.push((w, "")),
                },
            }
        }
        out
    }

    /// The last value of `flag` (the one the component's flag parser keeps).
    pub fn flag(&self, flag: &str) -> Option<&str> {
        self.flags()
            .into_iter()
            .rev()
            .find(|(f, _)| *f == flag)
            .map(|(_, v)| v)
    }

    /// Where a path the container sees is on the host, through its hostPath mounts.
    pub fn host_path(&self, path: &Path) -> PathBuf {
        self.mounts
            .iter()
            .filter(|(m, _)| path.starts_with(m))
            .max_by_key(|(m, _)| m.as_os_str().len())
            .and_then(|(m, h)| path.strip_prefix(m).ok().map(|rest| (h, rest)))
            .map(|(h, rest)| {
                // A file mount (`controller-manager.conf`) leaves nothing to join.
                if rest.as_os_str().is_empty() {
                    h.clone()
                } else {
                    h.join(rest)
                }
            })
            .unwrap_or_else(|| path.to_path_buf())
    }
}

/// A static pod manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticPod {
    pub path: PathBuf,
    /// `metadata.labels.component`, else `metadata.name`, else the file name without extension.
    pub name: String,
    /// The control-plane component this pod is, when it is one.
    pub component: Option<Component>,
    pub containers: Vec<Container>,
}

impl StaticPod {
    /// The container running the component (named like it), else the first one.
    pub fn main_container(&self) -> Option<&Container> {
        self.containers
            .iter()
            .find(|c| c.name == self.name)
            .or_else(|| self.containers.first())
    }

    /// The value of `flag` on the main container.
    pub fn flag(&self, flag: &str) -> Option<&str> {
        self.main_container().and_then(|c| c.flag(flag))
    }
}

/// Why one manifest could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BadManifest {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0} bytes is too large for a manifest")]
    TooLarge(u64),
    #[error("not valid manifest YAML: {0}")]
    Yaml(#[source] serde_yaml::Error),
    #[error("not a Pod manifest (kind is not Pod)")]
    NotAPod,
    #[error("the pod has no containers")]
    NoContainers,
}

/// A manifest that could not be read, as the node reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestError {
    pub path: PathBuf,
    pub message: String,
}

/// Everything in a manifests directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Manifests {
    pub dir: PathBuf,
    /// Whether the directory exists at all.
    pub found: bool,
    pub pods: Vec<StaticPod>,
    pub errors: Vec<ManifestError>,
}

impl Manifests {
    pub fn pod(&self, component: Component) -> Option<&StaticPod> {
        self.pods.iter().find(|p| p.component == Some(component))
    }
}

/// Whether the kubelet would read this file as a manifest (it skips hidden files).
pub fn is_manifest_name(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    !name.starts_with('.')
        && [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Read every manifest in `dir`, sorted by file name. A missing directory is not an error.
pub fn read_dir(dir: &Path) -> Manifests {
    let mut out = Manifests {
        dir: dir.to_path_buf(),
        ..Manifests::default()
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            out.found = dir.exists();
            out.errors.push(ManifestError {
                path: dir.to_path_buf(),
                message: format!("cannot list the manifests directory: {e}"),
            });
            return out;
        }
    };
    out.found = true;
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_manifest_name(p) && p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        match read_file(&path) {
            Ok(pod) => out.pods.push(pod),
            Err(e) => out.errors.push(ManifestError {
                path,
                message: e.to_string(),
            }),
        }
    }
    out
}

/// Read one manifest.
pub fn read_file(path: &Path) -> Result<StaticPod, BadManifest> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(BadManifest::TooLarge(meta.len()));
    }
    let bytes = std::fs::read(path)?;
    parse(&bytes, path)
}

/// Parse manifest YAML (or JSON); `path` names the pod when its metadata does not.
pub fn parse(bytes: &[u8], path: &Path) -> Result<StaticPod, BadManifest> {
    let doc: Value = serde_yaml::from_slice(bytes).map_err(BadManifest::Yaml)?;
    if doc.get("kind").and_then(Value::as_str) != Some("Pod") {
        return Err(BadManifest::NotAPod);
    }
    let meta = doc.get("metadata");
    let stem = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem
        .split_once('.')
        .map_or(stem.as_str(), |(s, _)| s)
        .to_string();
    let name = meta
        .and_then(|m| m.get("labels"))
        .and_then(|l| l.get("component"))
        .or_else(|| meta.and_then(|m| m.get("name")))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or(stem);
    let spec = doc.get("spec");
    let volumes = host_paths(spec);
    let containers: Vec<Container> = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|c| container(c, &volumes))
        .collect();
    if containers.is_empty() {
        return Err(BadManifest::NoContainers);
    }
    Ok(StaticPod {
        path: path.to_path_buf(),
        component: Component::from_name(&name),
        name,
        containers,
    })
}

/// `(volume name, hostPath path)` of every hostPath volume.
fn host_paths(spec: Option<&Value>) -> Vec<(String, PathBuf)> {
    spec.and_then(|s| s.get("volumes"))
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let name = v.get("name")?.as_str()?;
            let path = v.get("hostPath")?.get("path")?.as_str()?;
            Some((name.to_string(), PathBuf::from(path)))
        })
        .collect()
}

fn strings(v: Option<&Value>) -> impl Iterator<Item = String> + '_ {
    v.and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|w| match w {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
}

fn container(c: &Value, volumes: &[(String, PathBuf)]) -> Container {
    let name = c
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let words = strings(c.get("command"))
        .chain(strings(c.get("args")))
        .collect();
    let mounts = c
        .get("volumeMounts")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let mount = m.get("mountPath")?.as_str()?;
            let vol = m.get("name")?.as_str()?;
            let host = volumes.iter().find(|(n, _)| n == vol)?;
            Some((PathBuf::from(mount), host.1.clone()))
        })
        .collect();
    let https_probes = ["livenessProbe", "readinessProbe", "startupProbe"]
        .iter()
        .filter_map(|k| c.get(*k)?.get("httpGet"))
        .filter(|g| g.get("scheme").and_then(Value::as_str) == Some("HTTPS"))
        .filter_map(|g| {
            let port = g
                .get("port")?
                .as_u64()
                .and_then(|p| u16::try_from(p).ok())?;
            let host = g.get("host").and_then(Value::as_str).map(str::to_string);
            Some((host, port))
        })
        .fold(Vec::new(), |mut acc, p| {
            if !acc.contains(&p) {
                acc.push(p);
            }
            acc
        });
    Container {
        name,
        words,
        mounts,
        https_probes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  labels:
    component: kube-apiserver
  name: kube-apiserver
spec:
  containers:
  - command:
    - kube-apiserver
    - --secure-port=6443
    - --tls-cert-file=/certs/apiserver.crt
    - --v
    - '2'
    - --allow-privileged
    - --tls-cert-file=/certs/second.crt
    name: kube-apiserver
    livenessProbe:
      httpGet: {host: 10.0.0.1, path: /livez, port: 6443, scheme: HTTPS}
    volumeMounts:
    - {mountPath: /certs, name: k8s-certs}
  volumes:
  - hostPath: {path: /etc/kubernetes/pki}
    name: k8s-certs
";

    #[test]
    fn flags_in_both_spellings_and_the_last_one_wins() {
        let pod = parse(POD.as_bytes(), Path::new("/m/kube-apiserver.yaml")).unwrap();
        assert_eq!(pod.component, Some(Component::ApiServer));
        let c = pod.main_container().unwrap();
        assert_eq!(c.flag("--v"), Some("2"));
        assert_eq!(c.flag("--allow-privileged"), Some(""));
        assert_eq!(c.flag("--tls-cert-file"), Some("/certs/second.crt"));
        assert_eq!(c.https_probes, vec![(Some("10.0.0.1".into()), 6443)]);
    }

    #[test]
    fn container_paths_map_to_host_paths_through_mounts() {
        let pod = parse(POD.as_bytes(), Path::new("/m/kube-apiserver.yaml")).unwrap();
        let c = pod.main_container().unwrap();
        assert_eq!(
            c.host_path(Path::new("/certs/apiserver.crt")),
            Path::new("/etc/kubernetes/pki/apiserver.crt")
        );
        assert_eq!(c.host_path(Path::new("/other/x")), Path::new("/other/x"));
        assert_eq!(
            c.host_path(Path::new("/certs")).as_os_str(),
            "/etc/kubernetes/pki"
        );
    }

    #[test]
    fn not_a_pod_is_an_error_not_a_panic() {
        let err = parse(b"kind: Deployment\n", Path::new("/m/x.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a Pod"), "{err}");
        let err = parse(b"kind: Pod\nspec: [", Path::new("/m/x.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("YAML"), "{err}");
        let err = parse(b"kind: Pod\nspec: {}\n", Path::new("/m/x.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no containers"), "{err}");
    }
}
