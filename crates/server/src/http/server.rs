//! The listening loop: HTTP/1.1 connections, each request's line and headers due within a
//! deadline (counted from when the connection is ready for a request, so a kept-alive
//! connection idle that long is closed too), each request's body within another, and at most
//! so many connections open at once. A slow or silent client holds one connection for a
//! bounded time and never the service.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::{HttpConfig, MAX_TIMEOUT_SECONDS};

/// What a client may take of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// For a request's line and headers, from when the connection is ready for it.
    pub header_timeout: Duration,
    /// For a request's whole body, from when its headers arrived.
    pub body_timeout: Duration,
    /// For an answer to make any progress into the connection.
    pub write_timeout: Duration,
    /// Connections open at once; more wait in the system's queue until one closes.
    pub max_connections: usize,
}

impl Limits {
    /// The limits `http` sets (a timeout of 0 counts as one second, one over a day as a day).
    pub fn of(http: &HttpConfig) -> Limits {
        let seconds = |s: u64| Duration::from_secs(s.clamp(1, MAX_TIMEOUT_SECONDS));
        Limits {
            header_timeout: seconds(http.header_timeout_seconds),
            body_timeout: seconds(http.body_timeout_seconds),
            write_timeout: seconds(http.write_timeout_seconds),
            max_connections: http.max_connections.max(1),
        }
    }
}

/// How long open connections may take to finish once the server stops.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their requests (for at most 30 seconds).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let app = app.layer(axum::middleware::from_fn(move |request, next| {
        body_deadline(limits.body_timeout, request, next)
    }));
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = shutdown.as_mut() => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };
        let _ = stream.set_nodelay(true);
        let service =
            app.clone()
                .map_request(move |request: hyper::Request<hyper::body::Incoming>| {
                    let mut request = request.map(Body::new);
                    request
                        .extensions_mut()
                        .insert(ConnectInfo::<SocketAddr>(peer));
                    request
                });
        let connection = http.serve_connection(
            TokioIo::new(ProblemOnParseError::new(WriteDeadline::new(
                stream,
                limits.write_timeout,
            ))),
            TowerToHyperService::new(service),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 30 s of shutdown were closed");
    }
}

/// A failed accept: the connection was gone before we took it (nothing to do), or the
/// process is out of file descriptors (wait a little for some to close).
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept connections");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// A connection whose answer to a request that cannot be read at all is a problem document:
/// hyper answers an address longer than it reads (414) or headers larger than it keeps (431)
/// itself, with no body, before any route; its answer is replaced by the same answer with a
/// problem document (in Dutch: no request header was read).
struct ProblemOnParseError<IO> {
    inner: IO,
    /// The replacement still to be written, and how much of it has been.
    replacement: Option<(Vec<u8>, usize)>,
    /// The connection has answered its last: hyper's own answer is dropped.
    done: bool,
}

impl<IO> ProblemOnParseError<IO> {
    fn new(inner: IO) -> Self {
        ProblemOnParseError {
            inner,
            replacement: None,
            done: false,
        }
    }
}

/// The answer in place of hyper's own to `head` (the start of what it writes), if it is one.
fn replacement_for(head: &[u8]) -> Option<Vec<u8>> {
    let error = if head.starts_with(b"HTTP/1.1 414 ") {
        crate::error::AppError::UriTooLong {
            max: crate::http::context::MAX_URI_BYTES,
        }
    } else if head.starts_with(b"HTTP/1.1 431 ") {
        crate::error::AppError::HeadersTooLarge
    } else {
        return None;
    };
    // An answer of the application names its content type; hyper's own has no body.
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(head.len());
    if head[..end]
        .to_ascii_lowercase()
        .windows(13)
        .any(|w| w == b"content-type:")
    {
        return None;
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    let (status, body) = error.document(mandates_domain::Lang::default(), &request_id);
    let body = body.to_string();
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\n\
         x-content-type-options: nosniff\r\ncache-control: no-store\r\nx-request-id: {request_id}\r\n\
         connection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default(),
        body.len(),
    )
    .into_bytes();
    answer.extend_from_slice(body.as_bytes());
    Some(answer)
}

impl<IO: tokio::io::AsyncWrite + Unpin> ProblemOnParseError<IO> {
    /// Writes what is left of the replacement; `Ready` once all is written.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        while let Some((answer, written)) = &mut self.replacement {
            if *written == answer.len() {
                self.replacement = None;
                self.done = true;
                break;
            }
            match Pin::new(&mut self.inner).poll_write(cx, &answer[*written..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Writes `len` bytes beginning with `head` as given, or the replacement in their place.
    fn poll_answer(
        &mut self,
        cx: &mut Context<'_>,
        head: &[u8],
        len: usize,
    ) -> Option<Poll<std::io::Result<usize>>> {
        if self.replacement.is_none() && !self.done {
            self.replacement = Some((replacement_for(head)?, 0));
        }
        Some(self.poll_replacement(cx).map_ok(|()| len))
    }
}

impl<IO: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for ProblemOnParseError<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<IO: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for ProblemOnParseError<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if let Some(answered) = self.poll_answer(cx, buf, buf.len()) {
            return answered;
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let head = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &b[..]);
        let len = bufs.iter().map(|b| b.len()).sum();
        if let Some(answered) = self.poll_answer(cx, head, len) {
            return answered;
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.replacement.is_some() {
            std::task::ready!(self.poll_replacement(cx))?;
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.replacement.is_some() {
            std::task::ready!(self.poll_replacement(cx))?;
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Gives a request's body a deadline: past it, reading the body fails.
async fn body_deadline(limit: Duration, request: Request, next: Next) -> Response {
    let request = request.map(|body| Body::new(DeadlineBody::new(body, limit)));
    next.run(request).await
}

/// The body took longer than allowed to arrive.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimedOut(pub Duration);

/// A body that fails once its deadline has passed.
struct DeadlineBody {
    inner: Body,
    limit: Duration,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl DeadlineBody {
    fn new(inner: Body, limit: Duration) -> DeadlineBody {
        DeadlineBody {
            inner,
            limit,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }
}

impl http_body::Body for DeadlineBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(BodyTimedOut(self.limit))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Whether a failure to read a body was its deadline.
pub fn timed_out(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.is::<BodyTimedOut>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// A connection whose writes fail once none has made progress for `limit`: an answer that a
/// client does not take (it reads nothing, or pipelines requests and never reads their
/// answers) ends the connection instead of holding it.
struct WriteDeadline<IO> {
    inner: IO,
    limit: Duration,
    /// Armed while a write waits for the client.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<IO> WriteDeadline<IO> {
    fn new(inner: IO, limit: Duration) -> Self {
        WriteDeadline {
            inner,
            limit,
            stalled: None,
        }
    }

    /// `polled` as it is, except that a write pending longer than the limit fails.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let limit = self.limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client took none of the answer in time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<IO: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteDeadline<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<IO: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteDeadline<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, polled)
    }
}
