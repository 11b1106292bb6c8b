//! Server-side printing (`Accept: ...;as=Table`), which gives `kubectl get csr` (and
//! secrets, cluster roles, their bindings and deployments) its real columns. Written from
//! kube-apiserver's `printers.go` independently of kcert's own CSR view, so that comparing
//! kubectl's output with kcert's is a real check.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::age;
use super::store::Kind;

fn column(name: &str, format: &str, description: &str) -> Value {
    json!({ "name": name, "type": "string", "format": format, "description": description, "priority": 0 })
}

/// A column kubectl shows only with `-o wide`.
fn wide(name: &str, description: &str) -> Value {
    let mut c = column(name, "", description);
    c["priority"] = 1.into();
    c
}

const AGE: &str =
    "CreationTimestamp is a timestamp representing the server time when this object was created.";

fn columns(kind: Kind) -> Value {
    match kind {
        Kind::Csr => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Age", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
            column("SignerName", "", "signerName indicates the requested signer."),
            column("Requestor", "", "Name of the user which made this request."),
            column("RequestedDuration", "", "expirationSeconds is the requested duration of validity of the issued certificate."),
            column("Condition", "", "State of the request, one of Pending, Approved, Denied, Failed, Issued."),
        ]),
        Kind::Node => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Status", "", "The status of the node"),
            column("Age", "", AGE),
        ]),
        Kind::Secret => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Type", "", "The type of the secret"),
            column("Data", "", "The number of entries in the data map"),
            column("Age", "", AGE),
        ]),
        Kind::ClusterRole => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Created At", "", AGE),
        ]),
        Kind::ClusterRoleBinding => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Role", "", "RoleRef is the reference to the role bound"),
            column("Age", "", AGE),
            wide("Users", "Users in the binding"),
            wide("Groups", "Groups in the binding"),
            wide("ServiceAccounts", "ServiceAccounts in the binding"),
        ]),
        Kind::Pod => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Ready", "", "The aggregate readiness state of this pod for accepting traffic."),
            column("Status", "", "The aggregate status of the containers in this pod."),
            column("Restarts", "", "The number of times the containers in this pod have been restarted."),
            column("Age", "", AGE),
            wide("IP", "IP address allocated to the pod."),
            wide("Node", "Name of the node this pod is scheduled on."),
        ]),
        Kind::DaemonSet => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Desired", "", "The total number of nodes that should be running the daemon pod."),
            column("Current", "", "The number of nodes that are running at least 1 daemon pod."),
            column("Ready", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
            column("Up-to-date", "", "The total number of nodes that are running updated daemon pod"),
            column("Available", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
            column("Node Selector", "", "NodeSelector is a selector which must be true for the pod to fit on a node."),
            column("Age", "", AGE),
        ]),
        Kind::Deployment => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Ready", "", "Number of the pod with ready state"),
            column("Up-to-date", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            column("Available", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            column("Age", "", AGE),
        ]),
        Kind::ConfigMap => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Data", "", "The number of entries in the data map"),
            column("Age", "", AGE),
        ]),
        Kind::ValidatingWebhookConfiguration | Kind::MutatingWebhookConfiguration => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Webhooks", "", "Webhooks indicates the number of webhooks in this configuration."),
            column("Age", "", AGE),
        ]),
        Kind::ApiService => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Service", "", "The reference to the service that hosts this API endpoint."),
            column("Available", "", "Whether this service is available."),
            column("Age", "", AGE),
        ]),
    }
}

/// `printAPIService`: `True`, `False (Reason)`, or `Unknown` without an Available condition.
fn available(o: &Value) -> String {
    let Some(c) = o["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Available")
    else {
        return "Unknown".into();
    };
    let status = c["status"].as_str().unwrap_or("");
    match c["reason"].as_str().filter(|r| !r.is_empty()) {
        Some(reason) if status != "True" => format!("{status} ({reason})"),
        _ => status.to_string(),
    }
}

fn age(object: &Value, now: DateTime<Utc>) -> String {
    object["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| age::human(now - t.with_timezone(&Utc)))
        .unwrap_or_else(|| "<unknown>".into())
}

/// `extractCSRStatus`: precedence Denied, Approved, Pending; then Failed and Issued.
fn csr_status(object: &Value) -> String {
    let (mut approved, mut denied, mut failed) = (false, false, false);
    for c in object["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        match c["type"].as_str() {
            Some("Approved") => approved = true,
            Some("Denied") => denied = true,
            Some("Failed") => failed = true,
            _ => {}
        }
    }
    let mut status = String::from(if denied {
        "Denied"
    } else if approved {
        "Approved"
    } else {
        "Pending"
    });
    if failed {
        status += ",Failed";
    }
    if object["status"]["certificate"]
        .as_str()
        .is_some_and(|c| !c.is_empty())
    {
        status += ",Issued";
    }
    status
}

fn cells(kind: Kind, o: &Value, now: DateTime<Utc>) -> Value {
    let name = o["metadata"]["name"].clone();
    match kind {
        Kind::Csr => {
            let signer = match o["spec"]["signerName"].as_str() {
                Some(s) if !s.is_empty() => s.to_string(),
                _ => "<none>".into(),
            };
            let duration = o["spec"]["expirationSeconds"]
                .as_i64()
                .map(|s| age::human(Duration::seconds(s)))
                .unwrap_or_else(|| "<none>".into());
            json!([
                name,
                age(o, now),
                signer,
                o["spec"]["username"].as_str().unwrap_or(""),
                duration,
                csr_status(o)
            ])
        }
        Kind::Node => json!([name, "Ready", age(o, now)]),
        Kind::Secret => {
            let data = o["data"].as_object().map_or(0, |d| d.len());
            json!([
                name,
                o["type"].as_str().unwrap_or("Opaque"),
                data,
                age(o, now)
            ])
        }
        Kind::ClusterRole => json!([name, o["metadata"]["creationTimestamp"]]),
        Kind::ClusterRoleBinding => {
            let subjects = |kind: &str| {
                o["subjects"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|s| s["kind"] == kind)
                    .filter_map(|s| match (kind, s["namespace"].as_str()) {
                        ("ServiceAccount", Some(ns)) => {
                            Some(format!("{ns}/{}", s["name"].as_str()?))
                        }
                        _ => s["name"].as_str().map(str::to_string),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            json!([
                name,
                format!(
                    "ClusterRole/{}",
                    o["roleRef"]["name"].as_str().unwrap_or("")
                ),
                age(o, now),
                subjects("User"),
                subjects("Group"),
                subjects("ServiceAccount")
            ])
        }
        Kind::Pod => {
            let statuses = o["status"]["containerStatuses"].as_array();
            let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
            let ready = statuses.map_or(0, |s| s.iter().filter(|c| c["ready"] == true).count());
            let restarts: i64 = statuses.map_or(0, |s| {
                s.iter()
                    .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                    .sum()
            });
            let none = |v: &Value| v.as_str().unwrap_or("<none>").to_string();
            json!([
                name,
                format!("{ready}/{total}"),
                none(&o["status"]["phase"]),
                restarts,
                age(o, now),
                none(&o["status"]["podIP"]),
                none(&o["spec"]["nodeName"])
            ])
        }
        Kind::DaemonSet => {
            let count = |f: &str| o["status"][f].as_i64().unwrap_or(0);
            let selector = o["spec"]["template"]["spec"]["nodeSelector"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "<none>".into());
            json!([
                name,
                count("desiredNumberScheduled"),
                count("currentNumberScheduled"),
                count("numberReady"),
                count("updatedNumberScheduled"),
                count("numberAvailable"),
                selector,
                age(o, now)
            ])
        }
        Kind::Deployment => {
            let want = o["spec"]["replicas"].as_i64().unwrap_or(1);
            let count = |f: &str| o["status"][f].as_i64().unwrap_or(0);
            json!([
                name,
                format!("{}/{want}", count("readyReplicas")),
                count("updatedReplicas"),
                count("availableReplicas"),
                age(o, now)
            ])
        }
        Kind::ConfigMap => {
            let len = |f: &str| o[f].as_object().map_or(0, |d| d.len());
            json!([name, len("data") + len("binaryData"), age(o, now)])
        }
        Kind::ValidatingWebhookConfiguration | Kind::MutatingWebhookConfiguration => {
            let n = o["webhooks"].as_array().map_or(0, Vec::len);
            json!([name, n, age(o, now)])
        }
        Kind::ApiService => {
            let svc = &o["spec"]["service"];
            let service = match (svc["namespace"].as_str(), svc["name"].as_str()) {
                (Some(ns), Some(n)) => format!("{ns}/{n}"),
                _ => "Local".into(),
            };
            json!([name, service, available(o), age(o, now)])
        }
    }
}

/// A `meta.k8s.io/v1` Table over `objects`, rows carrying PartialObjectMetadata.
pub fn table(kind: Kind, objects: &[&Value], rv: &str, cont: Option<&str>) -> Value {
    let now = Utc::now();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            json!({
                "cells": cells(kind, o, now),
                "object": { "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"] }
            })
        })
        .collect();
    let mut meta = json!({ "resourceVersion": rv });
    if let Some(c) = cont {
        meta["continue"] = c.into();
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": columns(kind),
        "rows": rows
    })
}
