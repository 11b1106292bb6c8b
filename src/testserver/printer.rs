//! Server-side printing (`Accept: ...;as=Table`), which gives `kubectl get csr` (and
//! secrets, cluster roles, their bindings and deployments) its real columns. Written from kube-apiserver's `printers.go` independently of kcert's own
//! [`crate::cluster::view`], so that comparing kubectl's output with kcert's is a real check.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::store::Kind;
use crate::pki::format::human_duration;

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
        Kind::Deployment => json!([
            column("Name", "name", "Name must be unique within a namespace."),
            column("Ready", "", "Number of the pod with ready state"),
            column("Up-to-date", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            column("Available", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            column("Age", "", AGE),
        ]),
    }
}

fn age(object: &Value, now: DateTime<Utc>) -> String {
    object["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| human_duration((now - t.with_timezone(&Utc)).num_seconds()))
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
                .map(human_duration)
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
