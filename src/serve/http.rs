//! The HTTP side of `kcert serve`: `GET /metrics`, `GET /report`, `GET /healthz`, answered
//! from the last scan's [`Snapshot`]; nothing here reads the disk.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::buf::{Buf, Chain};
use bytes::Bytes;
use http::{header, Method, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::snapshot::Snapshot;
use crate::report::metrics::CONTENT_TYPE;

/// A response body in up to two buffers: `/metrics` sends the scan's encoded families as
/// they are, then the few the clock changes, without copying them into one.
pub type Body = Full<Chain<Bytes, Bytes>>;

/// The last scan, once there is one.
pub type Latest = watch::Receiver<Option<Arc<Snapshot>>>;

/// A client that sends no complete request head within this long is dropped.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Accept connections until the task is dropped; each one is served on its own task.
pub async fn serve(
    listener: TcpListener,
    latest: Latest,
    clock: impl Fn() -> chrono::DateTime<chrono::Utc> + Clone + Send + Sync + 'static,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // Out of descriptors and the like: wait rather than spin.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let latest = latest.clone();
        let clock = clock.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let snapshot = latest.borrow().clone();
                let now = clock();
                async move { Ok::<_, Infallible>(answer(&req, snapshot.as_deref(), now)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
    }
}

fn text(code: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    reply(
        code,
        "text/plain; charset=utf-8",
        (body.into(), Bytes::new()),
    )
}

fn reply(code: StatusCode, content_type: &str, (head, tail): (Bytes, Bytes)) -> Response<Body> {
    let mut r = Response::new(Full::new(head.chain(tail)));
    *r.status_mut() = code;
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// The answer to one request, from `snapshot` (`None` until the first scan is done).
pub fn answer<B>(
    req: &Request<B>,
    snapshot: Option<&Snapshot>,
    now: chrono::DateTime<chrono::Utc>,
) -> Response<Body> {
    let path = req.uri().path();
    if !matches!(path, "/metrics" | "/report" | "/healthz") {
        return text(
            StatusCode::NOT_FOUND,
            "not found: kcert serves /metrics, /report and /healthz\n",
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n");
        r.headers_mut()
            .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let Some(snap) = snapshot else {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the first scan is still running\n",
        );
    };
    match path {
        "/metrics" => reply(StatusCode::OK, CONTENT_TYPE, snap.metrics.render_parts(now)),
        "/report" => reply(
            StatusCode::OK,
            "application/json",
            (snap.report.clone(), Bytes::new()),
        ),
        _ => text(
            StatusCode::OK,
            format!(
                "ok: last scan {} ({} certificates, {} problems)\n",
                snap.scanned_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                snap.certificates,
                snap.problems
            ),
        ),
    }
}
