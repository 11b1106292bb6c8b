//! Request routing, authorization and the read paths (get, list with limit/continue, watch).

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{json, Value};

use super::http::{Body, Caller};
use super::store::{key_of, Kind};
use super::{approval, configmaps, discovery, paths, printer, proxy, rbac, selector, Shared};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub fn json_response(code: StatusCode, v: &Value) -> Response<Body> {
    let body = serde_json::to_vec(v).unwrap_or_default();
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)).boxed())
        .unwrap_or_default()
}

/// A `Status` failure, the way kube-apiserver writes one.
pub fn status(
    code: StatusCode,
    reason: &str,
    message: String,
    details: Option<Value>,
) -> Response<Body> {
    let mut v = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code.as_u16()
    });
    if let Some(d) = details {
        v["details"] = d;
    }
    json_response(code, &v)
}

pub fn not_found(kind: Kind, name: &str) -> Response<Body> {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("{} \"{name}\" not found", kind.qualified()),
        Some(json!({ "name": name, "group": kind.group(), "kind": kind.plural() })),
    )
}

/// 409 for a write from a stale `resourceVersion`, in kube-apiserver's words.
pub fn conflict(kind: Kind, name: &str) -> Response<Body> {
    status(
        StatusCode::CONFLICT,
        "Conflict",
        format!(
            "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            kind.qualified()
        ),
        Some(json!({ "name": name, "group": kind.group(), "kind": kind.plural() })),
    )
}

/// A refusal: an error response, boxed because responses are large.
pub type Rejection = Box<Response<Body>>;

/// RBAC as kubeadm sets it up: cluster admins may do anything, `readers` may read.
fn authorize(
    shared: &Shared,
    caller: &Caller,
    verb: &str,
    kind: Kind,
    sub: &str,
    name: Option<&str>,
    namespace: Option<&str>,
) -> Result<(), Rejection> {
    let (user, groups) = match caller {
        Caller::Rejected => {
            return Err(Box::new(status(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Unauthorized".into(),
                None,
            )))
        }
        Caller::Anonymous => ("system:anonymous".to_string(), Vec::new()),
        Caller::User { name, groups } => (name.clone(), groups.clone()),
    };
    let admin = groups
        .iter()
        .any(|g| g == "system:masters" || g == "kubeadm:cluster-admins");
    let reader = shared.opts.readers.contains(&user) && matches!(verb, "get" | "list" | "watch");
    let denied = shared
        .opts
        .deny_resources
        .iter()
        .any(|r| r == kind.plural());
    if (admin || reader) && !denied {
        return Ok(());
    }
    let resource = if sub.is_empty() {
        kind.plural().to_string()
    } else {
        format!("{}/{sub}", kind.plural())
    };
    let what = match name {
        Some(n) => format!("{} \"{n}\"", kind.qualified()),
        None => kind.qualified(),
    };
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".into(),
    };
    Err(Box::new(status(
        StatusCode::FORBIDDEN,
        "Forbidden",
        format!(
            "{what} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{}\" {scope}",
            kind.group()
        ),
        Some(json!({ "name": name.unwrap_or(""), "group": kind.group(), "kind": kind.plural() })),
    )))
}

fn query(req: &Request<Incoming>) -> HashMap<String, String> {
    form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn wants_table(req: &Request<Incoming>) -> bool {
    req.headers()
        .get_all("accept")
        .iter()
        .any(|v| v.to_str().is_ok_and(|s| s.contains("as=Table")))
}

pub async fn handle(shared: Arc<Shared>, caller: Caller, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().trim_end_matches('/').to_string();
    shared.log(format!("{} {}", req.method(), req.uri()));
    if caller == Caller::Rejected {
        return status(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized".into(),
            None,
        );
    }
    let get = req.method() == Method::GET;
    match path.as_str() {
        "/version" if get => return json_response(StatusCode::OK, &discovery::version()),
        "/api" if get => {
            return json_response(
                StatusCode::OK,
                &discovery::api_versions(&shared.addr.to_string()),
            )
        }
        "/apis" if get => return json_response(StatusCode::OK, &discovery::api_group_list()),
        "/openapi/v3" if get => {
            return json_response(StatusCode::OK, &discovery::openapi_v3_root())
        }
        "/openapi/v3/api/v1" if get => {
            return json_response(StatusCode::OK, &discovery::openapi_v3_core())
        }
        "/api/v1" if get => return json_response(StatusCode::OK, &discovery::core_v1()),
        "/apis/certificates.k8s.io" if get => {
            return json_response(StatusCode::OK, &discovery::certificates_api_group())
        }
        "/apis/certificates.k8s.io/v1" if get => {
            return json_response(StatusCode::OK, &discovery::certificates_v1())
        }
        p if get => {
            if let Some(doc) = discovery::group_document(p) {
                return json_response(StatusCode::OK, &doc);
            }
        }
        _ => {}
    }
    let Some(target) = paths::resolve(&path) else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource".into(),
            None,
        );
    };
    let (kind, ns) = (target.kind, target.namespace);
    let parts = target.rest;
    // Namespaced objects are stored under `namespace/name`.
    let key = |name: &str| match ns {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    };
    let q = query(&req);
    let method = req.method().clone();
    let result = match (parts.as_slice(), &method) {
        ([], &Method::GET) if matches!(q.get("watch").map(String::as_str), Some("true" | "1")) => {
            authorize(&shared, &caller, "watch", kind, "", None, ns)
                .map(|_| super::watches::watch(&shared, kind, &q))
        }
        ([], &Method::GET) => authorize(&shared, &caller, "list", kind, "", None, ns)
            .map(|_| list(&shared, kind, ns, &q, wants_table(&req))),
        ([], &Method::POST) if kind == Kind::Csr => {
            match authorize(&shared, &caller, "create", kind, "", None, ns) {
                Ok(()) => Ok(approval::create(&shared, &caller, req).await),
                Err(e) => Err(e),
            }
        }
        ([], &Method::POST) if matches!(kind, Kind::ClusterRole | Kind::ClusterRoleBinding) => {
            match authorize(&shared, &caller, "create", kind, "", None, ns) {
                Ok(()) => Ok(rbac::create(&shared, kind, req).await),
                Err(e) => Err(e),
            }
        }
        ([], &Method::POST) if kind == Kind::ConfigMap && ns.is_some() => {
            let ns = ns.unwrap_or_default();
            match authorize(&shared, &caller, "create", kind, "", None, Some(ns)) {
                Ok(()) => Ok(configmaps::create(&shared, ns, &q, req).await),
                Err(e) => Err(e),
            }
        }
        ([name], &Method::PUT) if kind == Kind::ConfigMap && ns.is_some() => {
            let (ns, name) = (ns.unwrap_or_default(), name.to_string());
            match authorize(&shared, &caller, "update", kind, "", Some(&name), Some(ns)) {
                Ok(()) => Ok(configmaps::update(&shared, ns, &name, &q, req).await),
                Err(e) => Err(e),
            }
        }
        ([target, "proxy", rest @ ..], &Method::GET) if kind == Kind::Pod => {
            let (name, port) = paths::pod_target(target);
            match authorize(&shared, &caller, "get", kind, "proxy", Some(name), ns) {
                Ok(()) => Ok(proxy_pod(&shared, &key(name), port, rest, req.uri().query()).await),
                Err(e) => Err(e),
            }
        }
        ([name], &Method::GET) => authorize(&shared, &caller, "get", kind, "", Some(name), ns)
            .map(|_| get_one(&shared, kind, &key(name), wants_table(&req))),
        ([name], &Method::DELETE) => {
            authorize(&shared, &caller, "delete", kind, "", Some(name), ns)
                .map(|_| delete(&shared, kind, &key(name)))
        }
        ([name, "approval"], &Method::GET) if kind == Kind::Csr => {
            authorize(&shared, &caller, "get", kind, "approval", Some(name), ns)
                .map(|_| get_one(&shared, kind, name, false))
        }
        ([name, "approval"], &Method::PUT) if kind == Kind::Csr => {
            let name = name.to_string();
            match authorize(
                &shared,
                &caller,
                "update",
                kind,
                "approval",
                Some(&name),
                ns,
            ) {
                Ok(()) => Ok(approval::put(&shared, &name, req).await),
                Err(e) => Err(e),
            }
        }
        _ => Err(Box::new(status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("{method} is not supported here"),
            None,
        ))),
    };
    result.unwrap_or_else(|e| *e)
}

/// The pod's `proxy` subresource: to the local process standing in for it, if any.
async fn proxy_pod(
    shared: &Shared,
    key: &str,
    port: Option<u16>,
    rest: &[&str],
    query: Option<&str>,
) -> Response<Body> {
    let pod = shared.store().get(Kind::Pod, key).cloned();
    let Some(pod) = pod else {
        return not_found(Kind::Pod, short(key));
    };
    let declared = pod["spec"]["containers"][0]["ports"][0]["containerPort"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok());
    let port = port.or(declared).unwrap_or(80);
    let ip = pod["status"]["podIP"].as_str().unwrap_or("").to_string();
    let backend = shared.backend(key);
    let mut path = format!("/{}", rest.join("/"));
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        path = format!("{path}?{q}");
    }
    proxy::forward(backend, &ip, port, path).await
}

fn get_one(shared: &Shared, kind: Kind, name: &str, table: bool) -> Response<Body> {
    let response = {
        let store = shared.store();
        match store.get(kind, name) {
            Some(o) if table => json_response(
                StatusCode::OK,
                &printer::table(kind, &[o], &store.rv.to_string(), None),
            ),
            Some(o) => json_response(StatusCode::OK, o),
            None => return not_found(kind, short(name)),
        }
    };
    shared.after_get(kind, name);
    response
}

fn delete(shared: &Shared, kind: Kind, name: &str) -> Response<Body> {
    match shared.store().delete(kind, name) {
        Some(o) => json_response(StatusCode::OK, &o),
        None => not_found(kind, short(name)),
    }
}

/// The name part of a storage key (`kube-system/x` → `x`).
fn short(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// Continue tokens look like the real ones: base64 of `{"v","rv","start"}`.
fn list(
    shared: &Shared,
    kind: Kind,
    namespace: Option<&str>,
    q: &HashMap<String, String>,
    table: bool,
) -> Response<Body> {
    let terms = match paths::field_selector(kind, q.get("fieldSelector").map_or("", |s| s)) {
        Ok(t) => t,
        Err(e) => return status(StatusCode::BAD_REQUEST, "BadRequest", e, None),
    };
    let labels = match selector::parse(q.get("labelSelector").map_or("", |s| s)) {
        Ok(l) => l,
        Err(e) => return status(StatusCode::BAD_REQUEST, "BadRequest", e, None),
    };
    let store = shared.store();
    let (list_rv, after) = match q.get("continue").filter(|c| !c.is_empty()) {
        None => (store.rv, None),
        Some(c) => {
            let token = B64
                .decode(c)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
            match token {
                Some(t) => (
                    t["rv"].as_u64().unwrap_or(store.rv),
                    t["start"]
                        .as_str()
                        .map(|s| s.trim_end_matches('\0').to_string()),
                ),
                None => {
                    return status(
                        StatusCode::BAD_REQUEST,
                        "BadRequest",
                        "continue key is not valid: illegal base64 data".into(),
                        None,
                    )
                }
            }
        }
    };
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let mut items: Vec<&Value> = store
        .list(kind, after.as_deref())
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .filter(|o| paths::matches(&terms, o))
        .filter(|o| selector::matches(&labels, o))
        .collect();
    let mut cont = None;
    let mut remaining = None;
    if let Some(limit) = limit {
        if items.len() > limit {
            remaining = Some(items.len() - limit);
            items.truncate(limit);
            let last = key_of(kind, items[limit - 1]);
            let token =
                json!({ "v": "meta.k8s.io/v1", "rv": list_rv, "start": format!("{last}\0") });
            cont = Some(B64.encode(token.to_string()));
        }
    }
    let rv = list_rv.to_string();
    if table {
        return json_response(
            StatusCode::OK,
            &printer::table(kind, &items, &rv, cont.as_deref()),
        );
    }
    let mut meta = json!({ "resourceVersion": rv });
    if let Some(c) = cont {
        meta["continue"] = c.into();
        meta["remainingItemCount"] = remaining.unwrap_or(0).into();
    }
    let list_kind = format!("{}List", kind.kind());
    json_response(
        StatusCode::OK,
        &json!({ "kind": list_kind, "apiVersion": kind.api_version(), "metadata": meta, "items": items }),
    )
}
