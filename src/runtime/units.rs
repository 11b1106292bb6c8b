//! systemd units of a control plane without static pods (Kubernetes the hard way, kubespray's
//! etcd): `/etc/systemd/system/kube-*.service` and `etcd.service`, their `ExecStart` flags read
//! as a static pod's would be, so the consumer map and the restart hints cover them. kcert
//! never restarts a unit itself: it names `systemctl restart <unit>`.

use std::path::{Path, PathBuf};

use super::manifest::{Container, ManifestError, Manifests, StaticPod};
use super::Component;
use crate::pki::walk::MAX_FILE_SIZE;

/// Whether a unit file is one of a Kubernetes component's.
fn is_component_unit(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.ends_with(".service") && (name.starts_with("kube") || name.starts_with("etcd"))
}

/// The words of the unit's (last) `ExecStart=`, continuation lines joined, without systemd's
/// prefixes (`-`, `@`, `+`, `!`, `:`).
pub fn exec_start(text: &str) -> Option<Vec<String>> {
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    let line = joined
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("ExecStart="))
        .rfind(|v| !v.trim().is_empty())?;
    let line = line.trim_start_matches(['-', '@', '+', '!', ':']);
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']).to_string())
        .collect();
    (!words.is_empty()).then_some(words)
}

/// Read the component units in `dir` (sorted by name). A missing directory is not an error.
pub fn read_dir(dir: &Path) -> Manifests {
    let mut out = Manifests {
        dir: dir.to_path_buf(),
        ..Manifests::default()
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    out.found = true;
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_component_unit(p) && p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let text = match std::fs::metadata(&path) {
            Ok(m) if m.len() > MAX_FILE_SIZE => Err(format!("{} bytes is too large", m.len())),
            _ => std::fs::read_to_string(&path).map_err(|e| e.to_string()),
        };
        let words = match text {
            Ok(t) => exec_start(&t),
            Err(message) => {
                out.errors.push(ManifestError { path, message });
                continue;
            }
        };
        let Some(words) = words else { continue };
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        out.pods.push(StaticPod {
            component: Component::from_name(&name),
            containers: vec![Container {
                name: name.clone(),
                words,
                mounts: Vec::new(),
                https_probes: Vec::new(),
            }],
            name,
            path,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As Kubernetes the hard way writes it (kelseyhightower/kubernetes-the-hard-way,
    /// `units/kube-apiserver.service`).
    const UNIT: &str = "[Unit]
Description=Kubernetes API Server

[Service]
ExecStart=/usr/local/bin/kube-apiserver \\
  --client-ca-file=/var/lib/kubernetes/ca.crt \\
  --tls-cert-file=/var/lib/kubernetes/kube-api-server.crt \\
  --tls-private-key-file=/var/lib/kubernetes/kube-api-server.key \\
  --v=2
Restart=on-failure
";

    #[test]
    fn exec_start_flags_are_read_across_continuation_lines() {
        let words = exec_start(UNIT).expect("ExecStart");
        assert_eq!(words[0], "/usr/local/bin/kube-apiserver");
        assert!(words.contains(&"--tls-cert-file=/var/lib/kubernetes/kube-api-server.crt".into()));
        assert_eq!(words.last().map(String::as_str), Some("--v=2"));
        assert_eq!(exec_start("[Service]\nType=oneshot\n"), None);
    }

    #[test]
    fn component_units_become_pods_that_name_their_files() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("kube-apiserver.service"), UNIT).expect("write");
        std::fs::write(
            dir.path().join("ssh.service"),
            "[Service]\nExecStart=/usr/sbin/sshd\n",
        )
        .expect("write");
        let units = read_dir(dir.path());
        assert_eq!(units.pods.len(), 1);
        let pod = &units.pods[0];
        assert_eq!(pod.component, Some(Component::ApiServer));
        assert_eq!(
            pod.flag("--tls-cert-file"),
            Some("/var/lib/kubernetes/kube-api-server.crt")
        );
    }
}
