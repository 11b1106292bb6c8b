//! Server-side printing (`Accept: ...;as=Table`), which gives `kubectl get csr` its real
//! columns. Written from kube-apiserver's `printers.go` independently of kcert's own
//! [`crate::cluster::view`], so that comparing kubectl's output with kcert's is a real check.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::store::Kind;
use crate::pki::expiry::human_duration;

fn column(name: &str, format: &str, description: &str) -> Value {
    json!({ "name": name, "type": "string", "format": format, "description": description, "priority": 0 })
}

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
            column("Age", "", "CreationTimestamp is a timestamp representing the server time when this object was created."),
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
