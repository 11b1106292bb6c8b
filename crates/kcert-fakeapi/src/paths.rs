//! Which resource a URL names (cluster-scoped, all namespaces or one namespace) and the
//! `fieldSelector`s the server understands, as kube-apiserver parses them.

use serde_json::Value;

use super::store::Kind;

/// A collection URL, and the rest of the path after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    pub kind: Kind,
    /// `Some` for `/namespaces/NS/...`; `None` for cluster-scoped kinds and all-namespace lists.
    pub namespace: Option<&'a str>,
    pub rest: Vec<&'a str>,
}

/// Group-version prefix and plural of every kind served.
const COLLECTIONS: [(&str, &str, Kind); 12] = [
    (
        "/apis/certificates.k8s.io/v1",
        "certificatesigningrequests",
        Kind::Csr,
    ),
    ("/api/v1", "nodes", Kind::Node),
    ("/api/v1", "secrets", Kind::Secret),
    (
        "/apis/rbac.authorization.k8s.io/v1",
        "clusterroles",
        Kind::ClusterRole,
    ),
    (
        "/apis/rbac.authorization.k8s.io/v1",
        "clusterrolebindings",
        Kind::ClusterRoleBinding,
    ),
    ("/apis/apps/v1", "deployments", Kind::Deployment),
    ("/api/v1", "pods", Kind::Pod),
    ("/apis/apps/v1", "daemonsets", Kind::DaemonSet),
    ("/api/v1", "configmaps", Kind::ConfigMap),
    (
        "/apis/admissionregistration.k8s.io/v1",
        "validatingwebhookconfigurations",
        Kind::ValidatingWebhookConfiguration,
    ),
    (
        "/apis/admissionregistration.k8s.io/v1",
        "mutatingwebhookconfigurations",
        Kind::MutatingWebhookConfiguration,
    ),
    (
        "/apis/apiregistration.k8s.io/v1",
        "apiservices",
        Kind::ApiService,
    ),
];

pub fn resolve(path: &str) -> Option<Target<'_>> {
    for (prefix, plural, kind) in COLLECTIONS {
        let Some(after) = path.strip_prefix(prefix) else {
            continue;
        };
        let parts: Vec<&str> = after.split('/').filter(|p| !p.is_empty()).collect();
        let (namespace, rest) = match parts.as_slice() {
            ["namespaces", ns, p, rest @ ..] if kind.namespaced() && *p == plural => {
                (Some(*ns), rest)
            }
            [p, rest @ ..] if *p == plural => {
                // A namespaced kind is only read across namespaces, never by name.
                if kind.namespaced() && !rest.is_empty() {
                    return None;
                }
                (None, rest)
            }
            _ => continue,
        };
        return Some(Target {
            kind,
            namespace,
            rest: rest.to_vec(),
        });
    }
    None
}

/// `[scheme:]name[:port]`, as the `proxy` subresource names a pod: the name, and the port
/// when one is given.
pub fn pod_target(text: &str) -> (&str, Option<u16>) {
    let text = text
        .strip_prefix("https:")
        .or_else(|| text.strip_prefix("http:"))
        .unwrap_or(text);
    match text.rsplit_once(':') {
        Some((name, port)) => (name, port.parse().ok()),
        None => (text, None),
    }
}

/// One `field=value` or `field!=value` term of a `fieldSelector`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    field: String,
    value: String,
    equal: bool,
}

/// Parse a `fieldSelector` for `kind`; unknown fields are refused like kube-apiserver does.
pub fn field_selector(kind: Kind, text: &str) -> Result<Vec<Term>, String> {
    let mut terms = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
            (f, v, false)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, v, true)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, v, true)
        } else {
            return Err(format!(
                "invalid selector: '{part}'; can't understand '{part}'"
            ));
        };
        let known = matches!(field, "metadata.name" | "metadata.namespace")
            || (kind == Kind::Secret && field == "type")
            || (kind == Kind::Csr && field == "spec.signerName")
            || (kind == Kind::Pod && matches!(field, "spec.nodeName" | "status.phase"));
        if !known {
            return Err(format!("field label not supported: {field}"));
        }
        terms.push(Term {
            field: field.to_string(),
            value: value.to_string(),
            equal,
        });
    }
    Ok(terms)
}

/// Whether `object` passes every term.
pub fn matches(terms: &[Term], object: &Value) -> bool {
    terms.iter().all(|t| {
        let actual = match t.field.as_str() {
            "metadata.name" => &object["metadata"]["name"],
            "metadata.namespace" => &object["metadata"]["namespace"],
            "type" => &object["type"],
            "spec.signerName" => &object["spec"]["signerName"],
            "spec.nodeName" => &object["spec"]["nodeName"],
            "status.phase" => &object["status"]["phase"],
            _ => &Value::Null,
        };
        (actual.as_str().unwrap_or("") == t.value) == t.equal
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespaced_and_cluster_urls_resolve() {
        let t = resolve("/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef").unwrap();
        assert_eq!(t.kind, Kind::Secret);
        assert_eq!(t.namespace, Some("kube-system"));
        assert_eq!(t.rest, ["bootstrap-token-abcdef"]);
        let t = resolve("/apis/apps/v1/deployments").unwrap();
        assert_eq!((t.kind, t.namespace), (Kind::Deployment, None));
        let t = resolve("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x").unwrap();
        assert_eq!((t.kind, t.rest), (Kind::ClusterRoleBinding, vec!["x"]));
        assert!(resolve("/api/v1/secrets/x").is_none());
        assert!(resolve("/api/v1/namespaces/x/nodes").is_none());
        let t = resolve("/api/v1/configmaps").unwrap();
        assert_eq!((t.kind, t.namespace), (Kind::ConfigMap, None));
        let t = resolve("/api/v1/namespaces/kube-public/configmaps/cluster-info").unwrap();
        assert_eq!(
            (t.kind, t.namespace, t.rest),
            (Kind::ConfigMap, Some("kube-public"), vec!["cluster-info"])
        );
        assert!(resolve("/api/v1/configmaps/cluster-info").is_none());
        let t = resolve("/apis/apiregistration.k8s.io/v1/apiservices/v1.apps").unwrap();
        assert_eq!((t.kind, t.rest), (Kind::ApiService, vec!["v1.apps"]));
        assert!(resolve("/api/v1/services").is_none());
    }

    #[test]
    fn field_selectors_filter_and_refuse_unknown_fields() {
        let terms = field_selector(Kind::Secret, "type=bootstrap.kubernetes.io/token").unwrap();
        assert!(matches(
            &terms,
            &json!({"type": "bootstrap.kubernetes.io/token"})
        ));
        assert!(!matches(&terms, &json!({"type": "Opaque"})));
        let not = field_selector(Kind::Secret, "type!=Opaque").unwrap();
        assert!(matches(&not, &json!({"type": "kubernetes.io/tls"})));
        assert!(field_selector(Kind::Node, "type=x").is_err());
        assert!(field_selector(Kind::Secret, "nonsense").is_err());
    }
}
