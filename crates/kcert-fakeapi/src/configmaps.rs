//! Writing ConfigMaps, as `kubectl create configmap` and `kubectl replace` do (JSON or
//! protobuf bodies), with kube-apiserver's checks: the name and namespace of the URL, valid
//! keys, `immutable`, and optimistic concurrency — a write from a stale
//! `metadata.resourceVersion` is a 409 Conflict; one without any is an unconditional update,
//! which ConfigMaps allow. `fieldValidation=Strict` refuses unknown fields, as kubectl asks.

use std::collections::HashMap;

use http::StatusCode;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};

use super::approval::body;
use super::http::Body;
use super::proto::decode_config_map;
use super::routes::{conflict, json_response, not_found, status};
use super::store::Kind;
use super::Shared;

fn bad_request(message: String) -> Response<Body> {
    status(StatusCode::BAD_REQUEST, "BadRequest", message, None)
}

fn invalid(name: &str, field: &str, message: &str) -> Response<Body> {
    status(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid",
        format!("ConfigMap \"{name}\" is invalid: {field}: {message}"),
        Some(json!({ "name": name, "kind": "ConfigMap" })),
    )
}

/// The fields of a ConfigMap.
const FIELDS: [&str; 6] = [
    "apiVersion",
    "kind",
    "metadata",
    "data",
    "binaryData",
    "immutable",
];

/// The object sent, decoded and checked against the URL; `name` is the URL's (`None` for
/// a create, which takes the body's).
async fn decode(
    req: Request<Incoming>,
    ns: &str,
    name: Option<&str>,
    q: &HashMap<String, String>,
) -> Result<Value, Response<Body>> {
    let (proto, bytes) = body(req).await?;
    let decoded = match proto {
        true => decode_config_map(&bytes),
        false => serde_json::from_slice::<Value>(&bytes).map_err(|e| e.to_string()),
    };
    let mut object = decoded.map_err(|e| bad_request(format!("cannot decode body: {e}")))?;
    let Some(fields) = object.as_object() else {
        return Err(bad_request("the body is not a ConfigMap object".into()));
    };
    if q.get("fieldValidation").map(String::as_str) == Some("Strict") {
        if let Some(f) = fields.keys().find(|f| !FIELDS.contains(&f.as_str())) {
            return Err(bad_request(format!(
                "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"{f}\""
            )));
        }
    }
    if let Some(k) = object["kind"].as_str().filter(|k| *k != "ConfigMap") {
        return Err(bad_request(format!(
            "the kind in the body ({k}) is not ConfigMap"
        )));
    }
    let sent_name = object["metadata"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let name = match name {
        Some(n) if !sent_name.is_empty() && sent_name != n => {
            return Err(bad_request(format!(
                "the name of the object ({sent_name}) does not match the name on the URL ({n})"
            )))
        }
        Some(n) => n.to_string(),
        None if sent_name.is_empty() => {
            return Err(invalid(
                "",
                "metadata.name",
                "Required value: name or generateName is required",
            ))
        }
        None => sent_name,
    };
    match object["metadata"]["namespace"].as_str() {
        Some(n) if !n.is_empty() && n != ns => return Err(bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
                .into(),
        )),
        _ => {}
    }
    object["metadata"]["name"] = name.clone().into();
    object["metadata"]["namespace"] = ns.into();
    for field in ["data", "binaryData"] {
        for (key, value) in object[field].as_object().into_iter().flatten() {
            let ok = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                return Err(invalid(
                    &name,
                    &format!("{field}[{key}]"),
                    &format!("Invalid value: \"{key}\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"),
                ));
            }
            if !value.is_string() {
                return Err(bad_request(format!(
                    "{field}[{key}]: the value is not a string"
                )));
            }
        }
    }
    Ok(object)
}

/// `PUT /api/v1/namespaces/NS/configmaps/NAME`.
pub async fn update(
    shared: &Shared,
    ns: &str,
    name: &str,
    q: &HashMap<String, String>,
    req: Request<Incoming>,
) -> Response<Body> {
    let object = match decode(req, ns, Some(name), q).await {
        Ok(o) => o,
        Err(e) => return e,
    };
    let key = format!("{ns}/{name}");
    let mut store = shared.store();
    let Some(current) = store.get(Kind::ConfigMap, &key) else {
        return not_found(Kind::ConfigMap, name);
    };
    let sent_rv = object["metadata"]["resourceVersion"].as_str().unwrap_or("");
    if !sent_rv.is_empty() && current["metadata"]["resourceVersion"] != sent_rv {
        return conflict(Kind::ConfigMap, name);
    }
    if current["immutable"] == true {
        let changed = ["data", "binaryData", "immutable"]
            .iter()
            .any(|f| current[*f] != object[*f]);
        if changed {
            return invalid(
                name,
                "data",
                "Forbidden: field is immutable when `immutable` is set",
            );
        }
    }
    let stored = store.put(Kind::ConfigMap, object);
    json_response(StatusCode::OK, &stored)
}

/// `POST /api/v1/namespaces/NS/configmaps`.
pub async fn create(
    shared: &Shared,
    ns: &str,
    q: &HashMap<String, String>,
    req: Request<Incoming>,
) -> Response<Body> {
    let mut object = match decode(req, ns, None, q).await {
        Ok(o) => o,
        Err(e) => return e,
    };
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let mut store = shared.store();
    if store
        .get(Kind::ConfigMap, &format!("{ns}/{name}"))
        .is_some()
    {
        return status(
            StatusCode::CONFLICT,
            "AlreadyExists",
            format!("configmaps \"{name}\" already exists"),
            Some(json!({ "name": name, "kind": "configmaps" })),
        );
    }
    // A create never carries a version of its own.
    if let Some(meta) = object["metadata"].as_object_mut() {
        meta.remove("resourceVersion");
    }
    let stored = store.put(Kind::ConfigMap, object);
    json_response(StatusCode::CREATED, &stored)
}
