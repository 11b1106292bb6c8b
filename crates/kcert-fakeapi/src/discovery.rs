//! Discovery documents: what kubectl reads to learn that `csr` means
//! `certificatesigningrequests.certificates.k8s.io/v1` and that it has an `approval`
//! subresource, and where secrets, config maps, pods (and their `proxy`), cluster roles, their
//! bindings, deployments, daemon sets, webhook configurations and API services live.
//! Plain JSON; kubectl falls back from aggregated discovery to these.

use serde_json::{json, Value};

pub fn version() -> Value {
    json!({
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-kcert-test",
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.23.3", "compiler": "gc",
        "platform": "linux/amd64"
    })
}

pub fn api_versions(addr: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{ "clientCIDR": "0.0.0.0/0", "serverAddress": addr }]
    })
}

fn certificates_group() -> Value {
    json!({
        "name": "certificates.k8s.io",
        "versions": [{ "groupVersion": "certificates.k8s.io/v1", "version": "v1" }],
        "preferredVersion": { "groupVersion": "certificates.k8s.io/v1", "version": "v1" }
    })
}

fn group(name: &str) -> Value {
    let gv = format!("{name}/v1");
    json!({
        "name": name,
        "versions": [{ "groupVersion": gv, "version": "v1" }],
        "preferredVersion": { "groupVersion": gv, "version": "v1" }
    })
}

pub fn api_group_list() -> Value {
    json!({
        "kind": "APIGroupList", "apiVersion": "v1",
        "groups": [certificates_group(), group(RBAC), group(APPS), group(ADMISSION), group(AGGREGATION)]
    })
}

const RBAC: &str = "rbac.authorization.k8s.io";
const APPS: &str = "apps";
const ADMISSION: &str = "admissionregistration.k8s.io";
const AGGREGATION: &str = "apiregistration.k8s.io";

/// `/apis/GROUP` and `/apis/GROUP/v1` for the RBAC, apps, admission and aggregation groups.
pub fn group_document(path: &str) -> Option<Value> {
    let rest = path.strip_prefix("/apis/")?;
    let (name, version) = match rest.split_once('/') {
        Some((n, v)) => (n, Some(v)),
        None => (rest, None),
    };
    let resources = match name {
        RBAC => rbac_v1,
        APPS => apps_v1,
        ADMISSION => admission_v1,
        AGGREGATION => aggregation_v1,
        _ => return None,
    };
    match version {
        None => {
            let mut g = group(name);
            g["kind"] = "APIGroup".into();
            g["apiVersion"] = "v1".into();
            Some(g)
        }
        Some("v1") => Some(resources()),
        Some(_) => None,
    }
}

fn admission_v1() -> Value {
    json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "admissionregistration.k8s.io/v1",
        "resources": [
            { "name": "mutatingwebhookconfigurations", "singularName": "mutatingwebhookconfiguration",
              "namespaced": false, "kind": "MutatingWebhookConfiguration", "verbs": ALL_VERBS,
              "categories": ["api-extensions"], "storageVersionHash": "Sqi0GUgDaX0=" },
            { "name": "validatingwebhookconfigurations", "singularName": "validatingwebhookconfiguration",
              "namespaced": false, "kind": "ValidatingWebhookConfiguration", "verbs": ALL_VERBS,
              "categories": ["api-extensions"], "storageVersionHash": "B0wHjQmsGNk=" }
        ]
    })
}

fn aggregation_v1() -> Value {
    json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apiregistration.k8s.io/v1",
        "resources": [
            { "name": "apiservices", "singularName": "apiservice", "namespaced": false,
              "kind": "APIService", "verbs": ALL_VERBS, "categories": ["api-extensions"],
              "storageVersionHash": "InPBPD7+PqM=" },
            { "name": "apiservices/status", "singularName": "", "namespaced": false,
              "kind": "APIService", "verbs": ["get", "patch", "update"] }
        ]
    })
}

fn rbac_v1() -> Value {
    json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "rbac.authorization.k8s.io/v1",
        "resources": [
            { "name": "clusterrolebindings", "singularName": "clusterrolebinding", "namespaced": false,
              "kind": "ClusterRoleBinding", "verbs": ALL_VERBS, "storageVersionHash": "48tpQ8gZHFc=" },
            { "name": "clusterroles", "singularName": "clusterrole", "namespaced": false,
              "kind": "ClusterRole", "verbs": ALL_VERBS, "storageVersionHash": "bYE5ZWDrJ44=" }
        ]
    })
}

fn apps_v1() -> Value {
    json!({
        "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1",
        "resources": [
            { "name": "deployments", "singularName": "deployment", "namespaced": true,
              "kind": "Deployment", "verbs": ALL_VERBS, "shortNames": ["deploy"],
              "categories": ["all"], "storageVersionHash": "8aSe+NMegvE=" },
            { "name": "daemonsets", "singularName": "daemonset", "namespaced": true,
              "kind": "DaemonSet", "verbs": ALL_VERBS, "shortNames": ["ds"],
              "categories": ["all"], "storageVersionHash": "dd7pWHUlMKQ=" }
        ]
    })
}

pub fn certificates_api_group() -> Value {
    let mut g = certificates_group();
    g["kind"] = "APIGroup".into();
    g["apiVersion"] = "v1".into();
    g
}

const ALL_VERBS: [&str; 8] = [
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

pub fn core_v1() -> Value {
    json!({
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            { "name": "configmaps", "singularName": "configmap", "namespaced": true,
              "kind": "ConfigMap", "verbs": ALL_VERBS, "shortNames": ["cm"],
              "storageVersionHash": "qFsyl6wFWjQ=" },
            { "name": "nodes", "singularName": "node", "namespaced": false, "kind": "Node",
              "verbs": ALL_VERBS, "shortNames": ["no"] },
            { "name": "nodes/status", "singularName": "", "namespaced": false, "kind": "Node",
              "verbs": ["get", "patch", "update"] },
            { "name": "secrets", "singularName": "secret", "namespaced": true, "kind": "Secret",
              "verbs": ALL_VERBS, "storageVersionHash": "S6u1pOWzb84=" },
            { "name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
              "verbs": ALL_VERBS, "shortNames": ["po"], "categories": ["all"],
              "storageVersionHash": "xPOwRZ+Yhw8=" },
            { "name": "pods/proxy", "singularName": "", "namespaced": true, "kind": "PodProxyOptions",
              "verbs": ["create", "delete", "get", "patch", "update"] },
            { "name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod",
              "verbs": ["get", "patch", "update"] }
        ]
    })
}

pub fn certificates_v1() -> Value {
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": "certificates.k8s.io/v1",
        "resources": [
            { "name": "certificatesigningrequests", "singularName": "certificatesigningrequest",
              "namespaced": false, "kind": "CertificateSigningRequest", "verbs": ALL_VERBS,
              "shortNames": ["csr"], "storageVersionHash": "95fRKMXA+00=" },
            { "name": "certificatesigningrequests/approval", "singularName": "",
              "namespaced": false, "kind": "CertificateSigningRequest",
              "verbs": ["get", "patch", "update"] },
            { "name": "certificatesigningrequests/status", "singularName": "",
              "namespaced": false, "kind": "CertificateSigningRequest",
              "verbs": ["get", "patch", "update"] }
        ]
    })
}

/// `/openapi/v3`: the group-versions with a document. kubectl reads it to learn whether
/// the server validates fields itself (`fieldValidation`); without it, `kubectl replace`
/// insists on validating on its own against a schema this server does not have.
pub fn openapi_v3_root() -> Value {
    json!({ "paths": { "api/v1": { "serverRelativeURL": format!("/openapi/v3/api/v1?hash={CORE_V1_HASH}") } } })
}

const CORE_V1_HASH: &str = "4B1F5C3D2E6A7980";

/// `/openapi/v3/api/v1`, reduced to what kubectl's field-validation check reads: the
/// ConfigMap PATCH operation, its group-version-kind and its `fieldValidation` parameter.
pub fn openapi_v3_core() -> Value {
    let field_validation = json!({
        "name": "fieldValidation", "in": "query", "uniqueItems": true,
        "description": "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.",
        "schema": { "type": "string" }
    });
    json!({
        "openapi": "3.0.0",
        "info": { "title": "Kubernetes", "version": "v1.32.0" },
        "paths": {
            "/api/v1/namespaces/{namespace}/configmaps/{name}": {
                "patch": {
                    "operationId": "patchCoreV1NamespacedConfigMap",
                    "x-kubernetes-action": "patch",
                    "x-kubernetes-group-version-kind": { "group": "", "kind": "ConfigMap", "version": "v1" },
                    "parameters": [field_validation],
                    "responses": { "200": { "description": "OK" } }
                }
            }
        }
    })
}
