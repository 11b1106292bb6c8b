//! Creating ClusterRoles and ClusterRoleBindings, as `kubectl create clusterrole|clusterrolebinding`
//! does (protobuf or JSON body), with the API server's validation of what RBAC needs.

use http::StatusCode;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};

use super::http::Body;
use super::proto::{decode_cluster_role, decode_cluster_role_binding};
use super::routes::{json_response, status};
use super::store::Kind;
use super::Shared;

fn invalid(kind: Kind, name: &str, field: &str, message: &str) -> Response<Body> {
    status(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid",
        format!(
            "{}.rbac.authorization.k8s.io \"{name}\" is invalid: {field}: {message}",
            kind.kind()
        ),
        Some(json!({ "name": name, "group": kind.group(), "kind": kind.kind() })),
    )
}

/// `POST .../clusterroles` or `.../clusterrolebindings`.
pub async fn create(shared: &Shared, kind: Kind, req: Request<Incoming>) -> Response<Body> {
    let proto = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/vnd.kubernetes.protobuf"));
    let bytes = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return status(StatusCode::BAD_REQUEST, "BadRequest", e.to_string(), None),
    };
    let decoded: Result<Value, String> = match (proto, kind) {
        (true, Kind::ClusterRoleBinding) => decode_cluster_role_binding(&bytes),
        (true, _) => decode_cluster_role(&bytes),
        (false, _) => serde_json::from_slice(&bytes).map_err(|e| e.to_string()),
    };
    let mut object = match decoded {
        Ok(v) => v,
        Err(e) => {
            return status(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("cannot decode body: {e}"),
                None,
            )
        }
    };
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return invalid(
            kind,
            "",
            "metadata.name",
            "Required value: name or generateName is required",
        );
    }
    if kind == Kind::ClusterRoleBinding {
        let r = &object["roleRef"];
        if r["kind"] != "ClusterRole" || r["name"].as_str().is_none_or(str::is_empty) {
            return invalid(
                kind,
                &name,
                "roleRef",
                "Required value: a ClusterRole name is required",
            );
        }
        for (i, s) in object["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if !matches!(
                s["kind"].as_str(),
                Some("User" | "Group" | "ServiceAccount")
            ) {
                return invalid(
                    kind,
                    &name,
                    &format!("subjects[{i}].kind"),
                    "Unsupported value: supported values: \"ServiceAccount\", \"User\", \"Group\"",
                );
            }
        }
    }
    object["apiVersion"] = kind.api_version().into();
    object["kind"] = kind.kind().into();
    let mut store = shared.store();
    if store.get(kind, &name).is_some() {
        return status(
            StatusCode::CONFLICT,
            "AlreadyExists",
            format!("{} \"{name}\" already exists", kind.qualified()),
            Some(json!({ "name": name, "group": kind.group(), "kind": kind.plural() })),
        );
    }
    let stored = store.put(kind, object);
    drop(store);
    json_response(StatusCode::CREATED, &stored)
}
