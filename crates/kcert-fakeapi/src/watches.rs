//! Watches: the list's resourceVersion onwards as newline-delimited events, `410 Gone` for
//! a version older than the server keeps, and the server's ways of ending them.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::Response;
use serde_json::{json, Value};

use super::http::Body;
use super::store::{Event, Kind};
use super::Shared;

fn line(type_: &str, object: &Value) -> Bytes {
    let mut b = serde_json::to_vec(&json!({ "type": type_, "object": object })).unwrap_or_default();
    b.push(b'\n');
    Bytes::from(b)
}

fn gone(rv: u64, oldest: u64) -> Value {
    json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("too old resource version: {rv} ({oldest})"), "reason": "Expired", "code": 410
    })
}

/// A watch: replay from `resourceVersion` (or synthetic ADDED for all when unset or "0"),
/// then live events, until `timeoutSeconds`, a dropped-watches signal or shutdown.
pub(crate) fn watch(
    shared: &Arc<Shared>,
    kind: Kind,
    q: &HashMap<String, String>,
) -> Response<Body> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(1024);
    let from = q.get("resourceVersion").map(String::as_str).unwrap_or("");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let (initial, mut live, mut last) = {
        let store = shared.store();
        let live = store.events.subscribe();
        match from.parse::<u64>() {
            Ok(rv) if rv > 0 => match store.since(kind, rv) {
                Some(evs) => (
                    evs.iter().map(|e| line(e.type_, &e.object)).collect(),
                    live,
                    store.rv,
                ),
                None => (vec![line("ERROR", &gone(rv, store.oldest))], live, u64::MAX),
            },
            _ => (
                store
                    .list(kind, None)
                    .map(|o| line("ADDED", o))
                    .collect::<Vec<_>>(),
                live,
                store.rv,
            ),
        }
    };
    let mut drop_rx = shared.drop_watches.subscribe();
    let mut expire_rx = shared.expire_watches.subscribe();
    let oldest = |s: &Arc<Shared>| s.store().oldest;
    let shared_for_task = shared.clone();
    let mut shutdown = shared.shutdown.subscribe();
    tokio::spawn(async move {
        for b in initial {
            if tx.send(b).await.is_err() {
                return;
            }
        }
        if last == u64::MAX {
            return;
        }
        let deadline = tokio::time::sleep(Duration::from_secs(timeout));
        tokio::pin!(deadline);
        loop {
            let ev: Arc<Event> = tokio::select! {
                r = live.recv() => match r {
                    Ok(ev) => ev,
                    // Fell behind the broadcast buffer: end the watch; the client resumes.
                    Err(_) => return,
                },
                _ = &mut deadline => return,
                _ = drop_rx.changed() => return,
                _ = expire_rx.changed() => {
                    let _ = tx.send(line("ERROR", &gone(last, oldest(&shared_for_task)))).await;
                    return;
                }
                _ = super::stopped(&mut shutdown) => return,
            };
            if ev.kind != kind || ev.rv <= last {
                continue;
            }
            last = ev.rv;
            if tx.send(line(ev.type_, &ev.object)).await.is_err() {
                return;
            }
        }
    });
    let stream = futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|o| o.map(|b| Ok::<_, Infallible>(Frame::data(b))))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(StreamBody::new(stream).boxed())
        .unwrap_or_default()
}
