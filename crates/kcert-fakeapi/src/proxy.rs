//! The `pods/proxy` subresource: `GET /api/v1/namespaces/NS/pods/NAME[:PORT]/proxy/PATH`
//! is passed on to the pod and its answer streamed back, as kube-apiserver does. Tests map
//! a pod to a real local process ([`crate::TestServer::proxy_pod`]); a pod without one is
//! unreachable, with the apiserver's own 503.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::{BodyExt, Empty, StreamBody};
use hyper::body::Frame;
use hyper::Response;
use hyper_util::rt::TokioIo;

use super::http::Body;
use super::routes::status;

/// What the apiserver says when the pod cannot be reached.
fn unreachable(what: String) -> Response<Body> {
    status(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        format!("error trying to reach service: {what}"),
        None,
    )
}

/// Forward `GET path_and_query` to `backend`, standing in for `pod_ip:port`.
pub async fn forward(
    backend: Option<SocketAddr>,
    pod_ip: &str,
    port: u16,
    path_and_query: String,
) -> Response<Body> {
    let dial = format!("dial tcp {pod_ip}:{port}");
    let Some(addr) = backend else {
        return unreachable(format!("{dial}: connect: connection refused"));
    };
    let tcp = match tokio::net::TcpStream::connect(addr).await {
        Ok(t) => t,
        Err(e) => return unreachable(format!("{dial}: connect: {e}")),
    };
    let Ok((mut sender, conn)) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await
    else {
        return unreachable(format!("{dial}: handshake failed"));
    };
    tokio::spawn(conn);
    let req = hyper::Request::get(path_and_query)
        .header("host", format!("{pod_ip}:{port}"))
        .body(Empty::<Bytes>::new());
    let Ok(req) = req else {
        return unreachable("bad path".into());
    };
    let answer = match sender.send_request(req).await {
        Ok(a) => a,
        Err(e) => return unreachable(format!("{dial}: {e}")),
    };
    let (parts, mut body) = answer.into_parts();
    // Stream the pod's answer through: a large report is never held here whole.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    tokio::spawn(async move {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                if tx.send(data).await.is_err() {
                    return;
                }
            }
        }
    });
    let stream = futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|o| o.map(|b| Ok::<_, Infallible>(Frame::data(b))))
    });
    let mut out = Response::builder().status(parts.status);
    if let Some(ct) = parts.headers.get("content-type") {
        out = out.header("content-type", ct);
    }
    out.body(StreamBody::new(stream).boxed())
        .unwrap_or_default()
}
