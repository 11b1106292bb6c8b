//! The manifests of assets/deploy, rendered by the real `kubectl kustomize`: every path
//! kcert reads by default is mounted read-only at the same path, the pod can read and
//! nothing more, and the alerts use series kcert serves.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_yaml::Value;

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/deploy");

/// The roots the distributions issue adds to the defaults (k3s, RKE2, MicroK8s, kubespray,
/// the hard way): mounted already, checked here until `default_roots` names them itself.
const DISTRIBUTION_ROOTS: [&str; 14] = [
    "/var/lib/rancher/k3s/server/tls",
    "/var/lib/rancher/k3s/server/cred",
    "/var/lib/rancher/k3s/agent",
    "/var/lib/rancher/rke2/server/tls",
    "/var/lib/rancher/rke2/server/cred",
    "/var/lib/rancher/rke2/agent",
    "/etc/rancher/k3s/k3s.yaml",
    "/etc/rancher/rke2/rke2.yaml",
    "/var/snap/microk8s/current/certs",
    "/var/snap/microk8s/current/credentials",
    "/etc/kubernetes/ssl",
    "/var/lib/kubernetes",
    "/var/lib/kubelet",
    "/etc/ssl/etcd/ssl",
];

fn kustomize(dir: &Path) -> Vec<Value> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl is installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).expect("YAML"))
        .collect()
}

fn kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter()
        .filter(|d| d["kind"].as_str() == Some(kind))
        .collect()
}

/// kcert's default roots on a node: the operator's own kubeconfig ($KUBECONFIG, ~/.kube)
/// is not a node path.
fn node_roots() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let listed: Vec<PathBuf> = std::env::var_os("KUBECONFIG")
        .map(|v| std::env::split_paths(&v).collect())
        .unwrap_or_default();
    kcert::pki::walk::default_roots()
        .into_iter()
        .filter(|r| !listed.contains(r) && !home.as_ref().is_some_and(|h| r.starts_with(h)))
        .collect()
}

#[test]
fn every_default_root_is_mounted_read_only_at_its_own_path() {
    let docs = kustomize(Path::new(DEPLOY));
    let ds = kind(&docs, "DaemonSet");
    assert_eq!(ds.len(), 1);
    let pod = &ds[0]["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let mut mounted: Vec<PathBuf> = Vec::new();
    for m in container["volumeMounts"].as_sequence().unwrap() {
        assert_eq!(m["readOnly"].as_bool(), Some(true), "{m:?}");
        let volume = pod["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|v| v["name"] == m["name"])
            .expect("a volume per mount");
        let host = volume["hostPath"]["path"].as_str().expect("a hostPath");
        assert_eq!(
            Some(host),
            m["mountPath"].as_str(),
            "mounted at its own path"
        );
        mounted.push(PathBuf::from(host));
    }
    let roots = node_roots();
    assert!(
        roots.iter().any(|r| r == Path::new("/etc/kubernetes")),
        "{roots:?}"
    );
    let wanted: BTreeSet<PathBuf> = roots
        .into_iter()
        .chain(DISTRIBUTION_ROOTS.iter().map(PathBuf::from))
        .collect();
    for root in &wanted {
        assert!(
            mounted.iter().any(|m| root.starts_with(m)),
            "{} is read by default but not mounted ({mounted:?})",
            root.display()
        );
    }
    // The operator's own kubeconfig would come from $HOME: the pod's HOME leads nowhere.
    let env = container["env"].as_sequence().unwrap();
    assert!(env
        .iter()
        .any(|e| e["name"] == "HOME" && e["value"] == "/nonexistent"));
}

#[test]
fn the_pod_can_read_and_nothing_more() {
    let docs = kustomize(Path::new(DEPLOY));
    let pod = &kind(&docs, "DaemonSet")[0]["spec"]["template"]["spec"];
    let sc = &pod["containers"][0]["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!(sc["allowPrivilegeEscalation"].as_bool(), Some(false));
    assert_ne!(sc["privileged"].as_bool(), Some(true));
    assert_eq!(sc["capabilities"]["drop"][0], "ALL");
    let added: Vec<&str> = sc["capabilities"]["add"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(added, ["DAC_READ_SEARCH"]);
    assert_ne!(pod["hostNetwork"].as_bool(), Some(true));
    assert_ne!(pod["hostPID"].as_bool(), Some(true));
    assert_eq!(pod["automountServiceAccountToken"].as_bool(), Some(false));
    let limits = &pod["containers"][0]["resources"]["limits"];
    assert!(limits["memory"].as_str().is_some() && limits["cpu"].as_str().is_some());
    let tolerated: Vec<&str> = pod["tolerations"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|t| t["key"].as_str())
        .collect();
    assert!(tolerated.contains(&"node-role.kubernetes.io/control-plane"));
    // No RBAC at all: the ServiceAccount has no rights and no token.
    for k in ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] {
        assert!(kind(&docs, k).is_empty(), "{k}");
    }
    let sa = kind(&docs, "ServiceAccount");
    assert_eq!(sa[0]["automountServiceAccountToken"].as_bool(), Some(false));
    let svc = kind(&docs, "Service");
    assert_eq!(svc[0]["spec"]["ports"][0]["port"].as_u64(), Some(9793));
    // The selectors select the pods.
    let labels = &pod_labels(&docs);
    let selector = svc[0]["spec"]["selector"].as_mapping().unwrap();
    assert!(selector.iter().all(|(k, v)| labels.get(k) == Some(v)));
}

fn pod_labels(docs: &[Value]) -> serde_yaml::Mapping {
    kind(docs, "DaemonSet")[0]["spec"]["template"]["metadata"]["labels"]
        .as_mapping()
        .unwrap()
        .clone()
}

#[test]
fn the_container_arguments_are_a_command_line_kcert_accepts() {
    let docs = kustomize(Path::new(DEPLOY));
    let container = &kind(&docs, "DaemonSet")[0]["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[0], "serve");
    // clap reads the arguments in order: --help at the end answers only if all before it parse.
    let out = crate::common::kcert_bin()
        .args(&args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The pod's label is `kcert fleet`'s default selector.
    let labels = pod_labels(&docs);
    assert_eq!(
        labels
            .get("app.kubernetes.io/name")
            .and_then(|v| v.as_str()),
        Some("kcert")
    );
}

#[test]
fn with_prometheus_operator_the_alerts_use_series_kcert_serves() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_tree(Path::new(DEPLOY), dir.path());
    let k = dir.path().join("kustomization.yaml");
    let text = std::fs::read_to_string(&k).unwrap();
    let enabled = text
        .replace("# components:", "components:")
        .replace("#   - prometheus-operator", "  - prometheus-operator");
    assert_ne!(enabled, text, "the component is there to uncomment");
    std::fs::write(&k, enabled).unwrap();
    let docs = kustomize(dir.path());
    let monitor = kind(&docs, "ServiceMonitor");
    assert_eq!(monitor[0]["spec"]["endpoints"][0]["port"], "metrics");
    let rules = kind(&docs, "PrometheusRule");
    let exprs: Vec<String> = rules[0]["spec"]["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap().iter())
        .map(|r| r["expr"].as_str().unwrap().to_string())
        .collect();
    let alerts: Vec<&str> = rules[0]["spec"]["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap().iter())
        .filter_map(|r| r["alert"].as_str())
        .collect();
    for a in [
        "CertificateExpiresIn30Days",
        "CertificateExpiresIn7Days",
        "CertificateExpired",
        "CertificateChainBroken",
        "CertificateKeyMismatch",
    ] {
        assert!(alerts.contains(&a), "{a}");
    }
    // Every series an alert names is one kcert writes (on a tree where each can appear).
    let (tree, _) = crate::common::write_tree(&crate::common::node_spec(
        crate::common::made(),
        kcert::sign::KeySpec::EcdsaP256,
        "10.0.0.5",
        kcert::demo::Faults::default(),
    ));
    // A bad file, so the error counter has a series.
    std::fs::write(tree.path().join("bad.crt"), "not a certificate\n").unwrap();
    let out = crate::common::kcert(
        crate::serve::now(),
        &["check", tree.path().to_str().unwrap(), "-o", "prometheus"],
    );
    let served: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .flat_map(|l| {
            let mut it = l.split_whitespace();
            let (name, ty) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
            let total = (ty == "counter").then(|| format!("{name}_total"));
            [Some(name.to_string()), total].into_iter().flatten()
        })
        .collect();
    for expr in &exprs {
        for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            let named = word.starts_with("x509_") || word.starts_with("kcert_");
            // Served with --probe only.
            if named && word != "kcert_cert_served_matches_disk" {
                assert!(
                    served.contains(word),
                    "{word} in `{expr}` is not served ({served:?})"
                );
            }
        }
    }
}
