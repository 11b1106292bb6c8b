//! Bounds on what kcert reads from an API server, so a broken server, a proxy or anything else
//! answering at the kubeconfig's address can neither exhaust memory nor hold kcert forever:
//! a cap on every response body, on every line of a watch, on the pages of a list and on the
//! time a list may take. Past a bound, the error says what happened in words; it is never
//! taken for a server that does not answer.
//!
//! The body caps sit in a tower layer around kube's client ([`BoundLayer`]), so every
//! request is covered, however it is made.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body::{Body, Frame, SizeHint};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, ListParams};

/// The largest response body kcert reads (a list of 10,000 CSRs is about 40 MiB).
pub const MAX_BODY: u64 = 64 * 1024 * 1024;
/// The longest watch event (one object, one line).
pub const MAX_WATCH_LINE: u64 = 4 * 1024 * 1024;
/// The most pages of one list (500 objects each).
pub const MAX_PAGES: usize = 200;

const MIB: u64 = 1024 * 1024;

/// A response that went past a bound; `what` names the request (`list of nodes`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TooMuch {
    #[error("sent more than {} MiB for one {what}", .limit / MIB)]
    Body { what: String, limit: u64 },
    #[error("sent a watch event longer than {} MiB ({what} without a line break)", .limit / MIB)]
    Line { what: String, limit: u64 },
}

/// What a request asks for, in words: `list of certificatesigningrequests`,
/// `watch of nodes`, `certificatesigningrequests/csr-1`.
fn describe(uri: &Uri) -> (String, bool) {
    let query = uri.query().unwrap_or_default();
    let watch = query
        .split('&')
        .any(|kv| kv == "watch=true" || kv == "watch=1");
    let parts: Vec<&str> = uri.path().split('/').filter(|p| !p.is_empty()).collect();
    // /api/v1/RESOURCE, /apis/GROUP/VERSION/RESOURCE, optionally namespaces/NS/ before it.
    let rest: &[&str] = match parts.first() {
        Some(&"api") => parts.get(2..).unwrap_or_default(),
        Some(&"apis") => parts.get(3..).unwrap_or_default(),
        _ => &parts,
    };
    let rest = match rest {
        ["namespaces", _, tail @ ..] if !tail.is_empty() => tail,
        r => r,
    };
    let what = match rest {
        [resource] if watch => format!("watch of {resource}"),
        [resource] => format!("list of {resource}"),
        [] => format!("response to {}", uri.path()),
        named => named.join("/"),
    };
    (what, watch)
}

/// How much the client has received: a timeout after a response began is a server that
/// answered, not a host that is down.
#[derive(Debug, Clone, Default)]
pub struct Activity(Arc<AtomicU64>);

impl Activity {
    /// Responses whose headers arrived so far.
    pub fn responses(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The layer kcert puts around kube's HTTP stack.
#[derive(Debug, Clone, Default)]
pub struct BoundLayer {
    pub activity: Activity,
}

impl<S> tower::Layer<S> for BoundLayer {
    type Service = Bound<S>;
    fn layer(&self, inner: S) -> Bound<S> {
        Bound {
            inner,
            activity: self.activity.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Bound<S> {
    inner: S,
    activity: Activity,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<S, ReqB, B> tower::Service<Request<ReqB>> for Bound<S>
where
    S: tower::Service<Request<ReqB>, Response = Response<B>>,
    S::Future: Send + 'static,
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Response = Response<BoundedBody<B>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqB>) -> Self::Future {
        let (what, watch) = describe(req.uri());
        let activity = self.activity.clone();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let res = fut.await?;
            activity.0.fetch_add(1, Ordering::Relaxed);
            Ok(res.map(|inner| BoundedBody {
                inner,
                what,
                watch,
                seen: 0,
            }))
        })
    }
}

/// A response body that fails past [`MAX_BODY`] (a watch: past [`MAX_WATCH_LINE`] without a
/// line break; a watch runs for minutes and may carry more in all).
pub struct BoundedBody<B> {
    inner: B,
    what: String,
    watch: bool,
    /// Bytes of the body so far, or of the current line for a watch.
    seen: u64,
}

impl<B> Body for BoundedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let frame = match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(f))) => f,
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        if let Some(data) = frame.data_ref() {
            let over = if this.watch {
                let mut long = false;
                for (i, line) in data.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        this.seen = 0;
                    }
                    this.seen += line.len() as u64;
                    long |= this.seen > MAX_WATCH_LINE;
                }
                long.then(|| TooMuch::Line {
                    what: this.what.clone(),
                    limit: MAX_WATCH_LINE,
                })
            } else {
                this.seen += data.len() as u64;
                (this.seen > MAX_BODY).then(|| TooMuch::Body {
                    what: this.what.clone(),
                    limit: MAX_BODY,
                })
            };
            if let Some(e) = over {
                return Poll::Ready(Some(Err(Box::new(e))));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The [`TooMuch`] somewhere in an error's chain.
pub fn too_much(e: &(dyn std::error::Error + 'static)) -> Option<TooMuch> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<TooMuch>() {
            return Some(t.clone());
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(t) = io.get_ref().and_then(|i| too_much(i)) {
                return Some(t);
            }
        }
        cur = err.source();
    }
    None
}

/// Why a list did not come back whole.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Kube(#[from] kube::Error),
    #[error("kept answering the list of {what} with one more page ({pages} pages)")]
    TooManyPages { what: &'static str, pages: usize },
    #[error("answered the list of {what} with the same continue token twice")]
    RepeatedToken { what: &'static str },
    #[error("did not finish the list of {what} within {} s ({pages} pages so far)", .after.as_secs())]
    Deadline {
        what: &'static str,
        after: Duration,
        pages: usize,
    },
}

/// Every CSR, page by page, and the list's resourceVersion to watch from; at most
/// [`MAX_PAGES`] pages, all within `deadline`.
pub async fn list_csrs(
    api: &Api<CertificateSigningRequest>,
    page_size: u32,
    deadline: Duration,
) -> Result<(Vec<CertificateSigningRequest>, String), ListError> {
    let what = "certificatesigningrequests";
    list_all(api, ListParams::default(), page_size, deadline, what).await
}

/// Every object `params` selects, page by page, and the list's resourceVersion; at most
/// [`MAX_PAGES`] pages, all within `deadline`. `what` names them in errors.
pub async fn list_all<K>(
    api: &Api<K>,
    params: ListParams,
    page_size: u32,
    deadline: Duration,
    what: &'static str,
) -> Result<(Vec<K>, String), ListError>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut pages = 0;
    let paging = async {
        let mut items = Vec::new();
        let mut lp = params.limit(page_size);
        let mut last_token: Option<String> = None;
        loop {
            let page = api.list(&lp).await?;
            pages += 1;
            items.extend(page.items);
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) if last_token.as_ref() == Some(&token) => {
                    return Err(ListError::RepeatedToken { what })
                }
                Some(_) if pages >= MAX_PAGES => {
                    return Err(ListError::TooManyPages { what, pages })
                }
                Some(token) => {
                    lp = lp.continue_token(&token);
                    last_token = Some(token);
                }
                None => return Ok((items, page.metadata.resource_version.unwrap_or_default())),
            }
        }
    };
    let result = tokio::time::timeout(deadline, paging).await;
    match result {
        Ok(r) => r,
        Err(_) => Err(ListError::Deadline {
            what,
            after: deadline,
            pages,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_named_in_words() {
        let d = |u: &str| describe(&u.parse().unwrap());
        assert_eq!(
            d("/apis/certificates.k8s.io/v1/certificatesigningrequests?limit=500"),
            ("list of certificatesigningrequests".to_string(), false)
        );
        assert_eq!(
            d("/api/v1/nodes?watch=true&resourceVersion=1"),
            ("watch of nodes".to_string(), true)
        );
        assert_eq!(
            d("/api/v1/namespaces/kube-system/secrets?fieldSelector=x"),
            ("list of secrets".to_string(), false)
        );
        assert_eq!(
            d("/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1"),
            ("certificatesigningrequests/csr-1".to_string(), false)
        );
    }
}
