//! The request inspector: the last N requests a server answered (N from
//! `--inspector-size`, 1,000 by default; 0 turns it off), kept in a ring buffer so memory stays
//! bounded, for `GET /_sockerless/requests` and the browser view.
//!
//! Each [`Exchange`] holds the request's time, client, method and URI, its headers, the
//! service and operation the server named through the request's [`Annotation`] (AWS names them
//! from its protocol layer; a server that names nothing is shown by its route), the status,
//! the provider's error code, the latency up to the response head, the response headers, and
//! the first [`BODY_CAP`] bytes of each body (the rest is counted, not kept). At N entries of
//! at most 2 × 64 KiB of body each, the inspector holds at most about N × 130 KiB.
//!
//! Secrets are kept as they arrived and redacted when an exchange is shown ([`redact`]):
//! redacting at read time keeps the cost per request to a few copies, and nothing reads the
//! ring but the admin API, which requires the admin token when the server has one.
//!
//! Requests to the admin API and the view themselves (`/_sockerless/...`) are not recorded, so
//! a page that polls does not fill the ring with its own requests.
//!
//! What this module must not do: read bodies on its own (a body is captured only as the
//! handler and the client consume it), hold a lock across an `.await`, or grow past N.

pub mod redact;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use serde_json::{Value, json};

/// How many requests the inspector keeps unless told otherwise.
pub const DEFAULT_SIZE: usize = 1_000;
/// How many bytes of each request and response body are kept.
pub const BODY_CAP: usize = 64 * 1024;
/// The path prefix of the admin API and the view, whose requests are not recorded.
pub const ADMIN_PREFIX: &str = "/_sockerless/";

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a server says about a request while it handles it, found in the request's extensions
/// when the inspector is on. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Annotation(Arc<Mutex<Note>>);

#[derive(Debug, Clone, Default)]
struct Note {
    service: Option<String>,
    operation: Option<String>,
    error_code: Option<String>,
}

impl Annotation {
    /// Names the service and operation the request called (`ecs`, `RunTask`).
    pub fn operation(&self, service: &str, operation: &str) {
        let mut note = lock(&self.0);
        note.service = Some(service.to_string());
        note.operation = Some(operation.to_string());
    }

    /// Names the provider's error code the request was answered with.
    pub fn error_code(&self, code: &str) {
        lock(&self.0).error_code = Some(code.to_string());
    }

    /// The annotation of a request, when the inspector is on.
    pub fn of(extensions: &http::Extensions) -> Option<&Annotation> {
        extensions.get::<Annotation>()
    }
}

/// The first [`BODY_CAP`] bytes of a body, filled as the body is read.
#[derive(Debug, Default)]
pub struct Captured {
    kept: Mutex<Vec<u8>>,
    total: AtomicU64,
}

impl Captured {
    fn append(&self, data: &[u8]) {
        self.total.fetch_add(data.len() as u64, Ordering::Relaxed);
        let mut kept = lock(&self.kept);
        let room = BODY_CAP.saturating_sub(kept.len());
        if room > 0 {
            let taken = &data[..data.len().min(room)];
            // Exactly what is kept: growing by doubling would hold up to twice the cap.
            kept.reserve_exact(taken.len());
            kept.extend_from_slice(taken);
        }
    }

    /// The bytes kept so far and how many passed in all.
    pub fn snapshot(&self) -> (Vec<u8>, u64) {
        let kept = lock(&self.kept).clone();
        (kept, self.total.load(Ordering::Relaxed))
    }
}

/// A body that copies what passes through it into a [`Captured`].
pub struct CapturingBody<B> {
    inner: B,
    captured: Arc<Captured>,
}

impl<B> CapturingBody<B> {
    pub fn new(inner: B, captured: Arc<Captured>) -> Self {
        Self { inner, captured }
    }
}

impl<B> HttpBody for CapturingBody<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(context);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            self.captured.append(data);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// One request and its answer.
#[derive(Debug)]
pub struct Exchange {
    pub id: u64,
    pub time: SystemTime,
    pub(crate) at: Instant,
    pub request_id: String,
    pub client: Option<SocketAddr>,
    pub method: http::Method,
    pub uri: http::Uri,
    /// The matched route, for servers that name no operation.
    pub route: Option<axum::extract::MatchedPath>,
    pub service: Option<String>,
    pub operation: Option<String>,
    pub status: u16,
    pub error_code: Option<String>,
    pub latency: Duration,
    pub request_headers: http::HeaderMap,
    pub response_headers: http::HeaderMap,
    pub request_body: Arc<Captured>,
    pub response_body: Arc<Captured>,
}

/// What the middleware knows before the handler runs.
pub struct Started {
    pub(crate) id: u64,
    pub(crate) time: SystemTime,
    pub(crate) at: Instant,
    pub(crate) method: http::Method,
    pub(crate) uri: http::Uri,
    pub(crate) headers: http::HeaderMap,
    pub(crate) annotation: Annotation,
    pub(crate) request_body: Arc<Captured>,
}

/// The ring of recent exchanges.
#[derive(Debug)]
pub struct Inspector {
    capacity: usize,
    next_id: AtomicU64,
    ring: Mutex<VecDeque<Arc<Exchange>>>,
}

/// Which exchanges a listing wants.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// `404`, `4xx`, or `error` (400 and up).
    pub status: Option<String>,
    /// A case-insensitive part of the operation (or `service:operation`, or the route).
    pub operation: Option<String>,
    pub service: Option<String>,
    pub limit: Option<usize>,
}

/// A listing's default length.
const DEFAULT_LIMIT: usize = 100;

impl Inspector {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            next_id: AtomicU64::new(1),
            ring: Mutex::new(VecDeque::with_capacity(capacity.min(DEFAULT_SIZE))),
        }
    }

    /// Whether requests are recorded at all (`--inspector-size 0` turns it off).
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Starts recording a request: takes what is needed of its head, wraps its body and
    /// leaves an [`Annotation`] in its extensions. `None` when off or for the admin API.
    pub fn begin(
        &self,
        request: &mut axum::extract::Request,
        time: SystemTime,
        at: Instant,
    ) -> Option<Started> {
        if !self.enabled() || request.uri().path().starts_with(ADMIN_PREFIX) {
            return None;
        }
        let annotation = Annotation::default();
        request.extensions_mut().insert(annotation.clone());
        let request_body = Arc::new(Captured::default());
        let body = std::mem::take(request.body_mut());
        *request.body_mut() = axum::body::Body::new(CapturingBody::new(body, request_body.clone()));
        Some(Started {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            time,
            at,
            method: request.method().clone(),
            uri: request.uri().clone(),
            headers: request.headers().clone(),
            annotation,
            request_body,
        })
    }

    /// Records the answer to a started request, wrapping its body so what the client reads
    /// is captured too.
    pub fn finish(
        &self,
        started: Started,
        request_id: &str,
        client: Option<SocketAddr>,
        route: Option<axum::extract::MatchedPath>,
        response: &mut axum::response::Response,
        latency: Duration,
    ) {
        let note = std::mem::take(&mut *lock(&started.annotation.0));
        let response_body = Arc::new(Captured::default());
        let body = std::mem::take(response.body_mut());
        *response.body_mut() =
            axum::body::Body::new(CapturingBody::new(body, response_body.clone()));
        let exchange = Arc::new(Exchange {
            id: started.id,
            time: started.time,
            at: started.at,
            request_id: request_id.to_string(),
            client,
            method: started.method,
            uri: started.uri,
            route,
            service: note.service,
            operation: note.operation,
            status: response.status().as_u16(),
            error_code: note.error_code,
            latency,
            request_headers: started.headers,
            response_headers: response.headers().clone(),
            request_body: started.request_body,
            response_body,
        });
        let mut ring = lock(&self.ring);
        while ring.len() >= self.capacity {
            ring.pop_front();
        }
        ring.push_back(exchange);
    }

    /// How many exchanges are held now.
    pub fn len(&self) -> usize {
        lock(&self.ring).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every exchange (reset).
    pub fn clear(&self) {
        lock(&self.ring).clear();
    }

    /// The exchanges `filter` wants, newest first.
    pub fn list(&self, filter: &Filter) -> Vec<Arc<Exchange>> {
        let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
        let ring = lock(&self.ring);
        ring.iter()
            .rev()
            .filter(|exchange| filter.matches(exchange))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn get(&self, id: u64) -> Option<Arc<Exchange>> {
        let ring = lock(&self.ring);
        // IDs grow with position, so the ring is sorted by them.
        let index = ring
            .binary_search_by_key(&id, |exchange| exchange.id)
            .ok()?;
        ring.get(index).cloned()
    }

    /// Requests per second over the last `window`, as of `now`.
    pub fn rate(&self, now: Instant, window: Duration) -> f64 {
        let ring = lock(&self.ring);
        let recent = ring
            .iter()
            .rev()
            .take_while(|exchange| now.saturating_duration_since(exchange.at) <= window)
            .count();
        recent as f64 / window.as_secs_f64()
    }
}

impl Filter {
    fn matches(&self, exchange: &Exchange) -> bool {
        if let Some(status) = &self.status
            && !status_matches(status, exchange.status)
        {
            return false;
        }
        if let Some(service) = &self.service
            && !exchange
                .service
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(service))
        {
            return false;
        }
        if let Some(wanted) = &self.operation {
            let wanted = wanted.to_ascii_lowercase();
            let named = exchange.display_operation().to_ascii_lowercase();
            if !named.contains(&wanted) {
                return false;
            }
        }
        true
    }
}

/// Whether `status` matches a status filter: `404`, `4xx`, `error` (400 and up) or `ok`.
fn status_matches(filter: &str, status: u16) -> bool {
    let filter = filter.trim().to_ascii_lowercase();
    match filter.as_str() {
        "" => true,
        "error" | "errors" => status >= 400,
        "ok" => status < 400,
        _ => {
            if let Some(class) = filter.strip_suffix("xx") {
                return class
                    .parse::<u16>()
                    .is_ok_and(|class| status / 100 == class);
            }
            filter.parse::<u16>().is_ok_and(|wanted| wanted == status)
        }
    }
}

impl Exchange {
    /// `service:Operation`, or the route (`GET /repos/{owner}/{repo}`) when the server named
    /// no operation.
    pub fn display_operation(&self) -> String {
        match (&self.service, &self.operation) {
            (Some(service), Some(operation)) => format!("{service}:{operation}"),
            (None, Some(operation)) => operation.clone(),
            _ => format!(
                "{} {}",
                self.method,
                self.route
                    .as_ref()
                    .map_or(self.uri.path(), |route| route.as_str())
            ),
        }
    }

    /// The listing's view of the exchange.
    pub fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "timeMs": crate::clock::millis_since_epoch(self.time),
            "requestId": self.request_id,
            "client": self.client.map(|c| c.to_string()),
            "method": self.method.as_str(),
            "path": self.uri.path(),
            "service": self.service,
            "operation": self.display_operation(),
            "status": self.status,
            "errorCode": self.error_code,
            "latencyMs": self.latency.as_secs_f64() * 1000.0,
        })
    }

    /// Everything about the exchange, secrets redacted.
    pub fn detail(&self) -> Value {
        let mut detail = self.summary();
        let (request_body, request_total) = self.request_body.snapshot();
        let (response_body, response_total) = self.response_body.snapshot();
        if let Value::Object(members) = &mut detail {
            members.insert("uri".into(), redact::uri(&self.uri).into());
            members.insert(
                "requestHeaders".into(),
                redact::headers(&self.request_headers),
            );
            members.insert(
                "responseHeaders".into(),
                redact::headers(&self.response_headers),
            );
            members.insert(
                "requestBody".into(),
                redact::body(&request_body, request_total, &self.request_headers),
            );
            members.insert(
                "responseBody".into(),
                redact::body(&response_body, response_total, &self.response_headers),
            );
        }
        detail
    }
}

#[cfg(test)]
mod tests;
