//! The write paths: the `approval` subresource (JSON or kubectl's protobuf), with the
//! API server's checks (resourceVersion conflicts, Approved/Denied exclusive, conditions
//! never removed), the signer that issues approved requests, and CSR creation.

use std::collections::BTreeSet;

use base64::Engine;
use http::StatusCode;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};

use super::http::{Body, Caller};
use super::names::{APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING};
use super::proto::decode_csr_body;
use super::routes::{conflict, json_response, not_found, status, Rejection};
use super::store::{now_rfc3339, Kind};
use super::Shared;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Whether the body is kubectl's protobuf, and its bytes.
pub(crate) async fn body(req: Request<Incoming>) -> Result<(bool, Vec<u8>), Response<Body>> {
    let proto = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/vnd.kubernetes.protobuf"));
    match req.into_body().collect().await {
        Ok(b) => Ok((proto, b.to_bytes().to_vec())),
        Err(e) => Err(status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            e.to_string(),
            None,
        )),
    }
}

fn invalid(name: &str, field: &str, message: String) -> Rejection {
    Box::new(status(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid",
        format!("CertificateSigningRequest.certificates.k8s.io \"{name}\" is invalid: {field}: {message}"),
        Some(json!({ "name": name, "group": "certificates.k8s.io", "kind": "CertificateSigningRequest" })),
    ))
}

/// `PUT .../certificatesigningrequests/NAME/approval`: only `status.conditions` is taken.
pub async fn put(shared: &Shared, name: &str, req: Request<Incoming>) -> Response<Body> {
    let (proto, bytes) = match body(req).await {
        Ok(b) => b,
        Err(e) => return e,
    };
    let sent: Value = if proto {
        match decode_csr_body(&bytes) {
            Ok(v) => v,
            Err(e) => {
                return status(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    format!("cannot decode protobuf body: {e}"),
                    None,
                )
            }
        }
    } else {
        match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                return status(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    format!("cannot decode JSON body: {e}"),
                    None,
                )
            }
        }
    };
    if let Some(n) = sent["metadata"]["name"]
        .as_str()
        .filter(|n| !n.is_empty() && *n != name)
    {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("the name of the object ({n}) does not match the name on the URL ({name})"),
            None,
        );
    }
    let mut store = shared.store();
    let Some(current) = store.get(Kind::Csr, name).cloned() else {
        return not_found(Kind::Csr, name);
    };
    let sent_rv = sent["metadata"]["resourceVersion"].as_str().unwrap_or("");
    if !sent_rv.is_empty()
        && sent_rv
            != current["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or("")
    {
        return conflict(Kind::Csr, name);
    }
    let mut conditions: Vec<Value> = sent["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if let Err(e) = validate(name, &current, &conditions) {
        return *e;
    }
    let now = now_rfc3339();
    for c in &mut conditions {
        for field in ["lastUpdateTime", "lastTransitionTime"] {
            if !c[field].is_string() {
                c[field] = now.clone().into();
            }
        }
    }
    let mut updated = current;
    updated["status"]["conditions"] = Value::Array(conditions);
    let stored = store.put(Kind::Csr, updated);
    if shared.opts.auto_issue {
        if let Some(issued) = issue(shared, &stored) {
            store.put(Kind::Csr, issued);
        }
    }
    json_response(StatusCode::OK, &stored)
}

fn validate(name: &str, current: &Value, conditions: &[Value]) -> Result<(), Rejection> {
    let types: Vec<&str> = conditions
        .iter()
        .map(|c| c["type"].as_str().unwrap_or(""))
        .collect();
    let mut seen = BTreeSet::new();
    for (i, (t, c)) in types.iter().zip(conditions).enumerate() {
        if !seen.insert(*t) {
            return Err(invalid(
                name,
                &format!("status.conditions[{i}].type"),
                format!("Duplicate value: \"{t}\""),
            ));
        }
        if matches!(*t, "Approved" | "Denied" | "Failed") && c["status"].as_str() != Some("True") {
            return Err(invalid(
                name,
                &format!("status.conditions[{i}].status"),
                format!(
                    "Unsupported value: \"{}\": supported values: \"True\"",
                    c["status"].as_str().unwrap_or("")
                ),
            ));
        }
    }
    if seen.contains("Approved") && seen.contains("Denied") {
        return Err(invalid(
            name,
            "status.conditions",
            "Approved and Denied conditions are mutually exclusive".into(),
        ));
    }
    for old in current["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let t = old["type"].as_str().unwrap_or("");
        if !types.contains(&t) {
            return Err(invalid(
                name,
                "status.conditions",
                format!("Forbidden: updates may not remove a condition of type \"{t}\""),
            ));
        }
    }
    Ok(())
}

/// kube-controller-manager's signer: issue approved requests for the built-in signers.
fn issue(shared: &Shared, csr: &Value) -> Option<Value> {
    let signer = csr["spec"]["signerName"].as_str()?;
    if ![KUBELET_SERVING, KUBELET_CLIENT, APISERVER_CLIENT].contains(&signer) {
        return None;
    }
    let approved = csr["status"]["conditions"]
        .as_array()?
        .iter()
        .any(|c| c["type"] == "Approved");
    if !approved || csr["status"]["certificate"].is_string() {
        return None;
    }
    let request = B64.decode(csr["spec"]["request"].as_str()?).ok()?;
    let usages: Vec<String> =
        serde_json::from_value(csr["spec"]["usages"].clone()).unwrap_or_default();
    let secs = csr["spec"]["expirationSeconds"]
        .as_i64()
        .unwrap_or(365 * 86_400)
        .clamp(600, 365 * 86_400);
    let pem = shared
        .ca
        .sign_request(&request, &usages, chrono::Duration::seconds(secs))
        .ok()?;
    let mut out = csr.clone();
    out["status"]["certificate"] = B64.encode(pem).into();
    Some(out)
}

/// `POST .../certificatesigningrequests`: the requestor fields come from the caller.
pub async fn create(shared: &Shared, caller: &Caller, req: Request<Incoming>) -> Response<Body> {
    let (_, bytes) = match body(req).await {
        Ok(b) => b,
        Err(e) => return e,
    };
    let mut object: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            return status(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("cannot decode JSON body: {e}"),
                None,
            )
        }
    };
    let name = match object["metadata"]["name"]
        .as_str()
        .filter(|n| !n.is_empty())
    {
        Some(n) => n.to_string(),
        None => match object["metadata"]["generateName"].as_str() {
            Some(prefix) => format!("{prefix}{:05x}", shared.store().rv % 0xfffff),
            None => {
                return *invalid(
                    "",
                    "metadata.name",
                    "Required value: name or generateName is required".into(),
                )
            }
        },
    };
    object["metadata"]["name"] = name.clone().into();
    if let Caller::User { name: user, groups } = caller {
        object["spec"]["username"] = user.clone().into();
        object["spec"]["groups"] = json!(groups);
    }
    object["status"] = json!({});
    let mut store = shared.store();
    if store.get(Kind::Csr, &name).is_some() {
        return status(
            StatusCode::CONFLICT,
            "AlreadyExists",
            format!("certificatesigningrequests.certificates.k8s.io \"{name}\" already exists"),
            None,
        );
    }
    let stored = store.put(Kind::Csr, object);
    drop(store);
    json_response(StatusCode::CREATED, &stored)
}
