//! The request inspector: the last N requests a server answered (N from
//! `--inspector-size`, 1,000 by default; 0 turns it off), kept in a ring buffer so memory stays
//! bounded, for `GET /_sockerless/requests` and the browser view.
//!
//! Each recorded request holds its time, client, method and target, its headers, the
//! service and operation the server named through the request's [`Annotation`] (AWS names them
//! from its protocol layer; a server that names nothing is shown by its route), the status,
//! the provider's error code, the latency up to the response head, the response headers, and
//! the first [`BODY_CAP`] bytes of each body (the rest is counted, not kept). At N entries of
//! at most 2 × 64 KiB of body and 2 × 16 KiB of headers each, the inspector holds at most about
//! N × 160 KiB, and gives a large body's memory back when its slot is reused.
//!
//! Recording is a copy into a slot of a ring that is allocated once ([`slot`]): the cost per
//! request is a few locked copies, not allocations. What is shown is an [`Exchange`] copied out
//! of a slot when asked for ([`exchange`]).
//!
//! Secrets are kept as they arrived and redacted when an exchange is shown ([`redact`]):
//! redacting at read time keeps the cost per request to a few copies, and nothing reads the
//! ring but the admin API, which requires the admin token when the server has one.
//!
//! Requests to the admin API and the view themselves (`/_sockerless/...`) are not recorded, so
//! a page that polls does not fill the ring with its own requests.
//!
//! Recording can be paused and resumed while the server runs (`PUT /_sockerless/inspector`,
//! the view's pause button): a user who has found the exchange they were looking for keeps it
//! from being pushed out of the ring by the traffic that follows. Paused, a request costs one
//! atomic load, the same as with the inspector off.
//!
//! What this module must not do: read bodies on its own (a body is captured only as the
//! handler and the client consume it), hold a lock across an `.await`, or grow past N.

mod capture;
mod exchange;
pub mod redact;
pub mod slot;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub use capture::CapturingBody;
pub use exchange::Exchange;
use slot::{Answer, Head, Slot};

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

/// The ring's slots, shared with the bodies and annotations of requests in flight.
#[derive(Debug)]
struct Ring {
    slots: Box<[Mutex<Slot>]>,
}

impl Ring {
    fn slot(&self, id: u64) -> &Mutex<Slot> {
        // IDs start at 1; request `id` lives in slot `(id - 1) mod N`.
        &self.slots[((id - 1) % self.slots.len() as u64) as usize]
    }

    /// Runs `write` on request `id`'s slot, unless a newer request has taken it.
    fn write(&self, id: u64, write: impl FnOnce(&mut Slot)) {
        let mut slot = lock(self.slot(id));
        if slot.id == id {
            write(&mut slot);
        }
    }
}

/// Where a request in flight writes what becomes known about it. Cheap to clone.
///
/// One allocation per request holds the ring's handle: the annotation and the two body
/// wrappers clone this request's own count, not the ring's, which every request on every
/// thread shares (its cache line would move between cores at each clone and drop).
#[derive(Debug, Clone)]
pub struct Recording(Arc<Target>);

/// The slot a request writes into: the ring and the request's ID.
#[derive(Debug)]
struct Target {
    ring: Arc<Ring>,
    id: u64,
}

impl Recording {
    /// Runs `write` on the request's slot, unless a newer request has taken it.
    fn write(&self, write: impl FnOnce(&mut Slot)) {
        self.0.ring.write(self.0.id, write);
    }
}

/// What a server says about a request while it handles it, found in the request's extensions
/// when the inspector is on. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Annotation(Recording);

impl Annotation {
    /// Names the service and operation the request called (`ecs`, `RunTask`).
    pub fn operation(&self, service: &str, operation: &str) {
        self.0.write(|slot| slot.name_operation(service, operation));
    }

    /// Names the provider's error code the request was answered with.
    pub fn error_code(&self, code: &str) {
        self.0.write(|slot| slot.name_error(code));
    }

    /// The annotation of a request, when the inspector is on.
    pub fn of(extensions: &http::Extensions) -> Option<&Annotation> {
        extensions.get::<Annotation>()
    }
}

/// What a server can attach to a response for the inspector to show, when naming it on the
/// request's [`Annotation`] is not handy (an error type's `IntoResponse` sees no request):
/// the provider's error code, and the service and operation. Read once, when the response
/// head passes the middleware; a name given on the annotation wins.
#[derive(Debug, Clone, Default)]
pub struct ResponseNote {
    pub service: Option<std::borrow::Cow<'static, str>>,
    pub operation: Option<std::borrow::Cow<'static, str>>,
    pub error_code: Option<std::borrow::Cow<'static, str>>,
}

impl ResponseNote {
    /// A note naming the provider's error code.
    pub fn error(code: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self {
            error_code: Some(code.into()),
            ..Self::default()
        }
    }

    /// Attaches the note to `response` (replacing any note already there).
    pub fn attach(self, response: &mut axum::response::Response) {
        response.extensions_mut().insert(self);
    }
}

/// The request a middleware started recording, to be finished with its answer.
pub struct Started(Recording);

/// The ring of recent exchanges.
#[derive(Debug)]
pub struct Inspector {
    next_id: AtomicU64,
    /// False while recording is paused. Only what is recorded next depends on it.
    recording: AtomicBool,
    ring: Arc<Ring>,
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
        // Any instant will do for slots never used: their id 0 keeps them out of every listing.
        let epoch = crate::clock::Clock::monotonic(&crate::clock::SystemClock);
        Self {
            next_id: AtomicU64::new(1),
            recording: AtomicBool::new(true),
            ring: Arc::new(Ring {
                slots: (0..capacity)
                    .map(|_| Mutex::new(Slot::empty(epoch)))
                    .collect(),
            }),
        }
    }

    /// Whether requests are recorded at all (`--inspector-size 0` turns it off).
    pub fn enabled(&self) -> bool {
        !self.ring.slots.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.ring.slots.len()
    }

    /// Whether requests arriving now are recorded: on, and not paused.
    pub fn recording(&self) -> bool {
        self.enabled() && self.recording.load(Ordering::Relaxed)
    }

    /// Pauses (`false`) or resumes (`true`) recording. What the ring holds stays as it is.
    pub fn set_recording(&self, recording: bool) {
        self.recording.store(recording, Ordering::Relaxed);
    }

    /// Starts recording a request: copies its head into the next slot, wraps its body and
    /// leaves an [`Annotation`] in its extensions. `None` when off or for the admin API.
    pub fn begin(
        &self,
        request: &mut axum::extract::Request,
        time: SystemTime,
        at: Instant,
    ) -> Option<Started> {
        if !self.recording() || request.uri().path().starts_with(ADMIN_PREFIX) {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let head = Head {
            method: request.method(),
            uri: request.uri(),
            // Copied as text: cloning the route would count on an `Arc` every request to the
            // same route shares.
            route: request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map(|route| route.as_str()),
            headers: request.headers(),
        };
        lock(self.ring.slot(id)).start(id, time, at, &head);
        let recording = Recording(Arc::new(Target {
            ring: self.ring.clone(),
            id,
        }));
        request
            .extensions_mut()
            .insert(Annotation(recording.clone()));
        // An empty body has nothing to capture: no wrapper, so no box and no frame polls.
        if !hyper::body::Body::is_end_stream(request.body()) {
            let body = std::mem::take(request.body_mut());
            *request.body_mut() =
                axum::body::Body::new(CapturingBody::request(body, recording.clone()));
        }
        Some(Started(recording))
    }

    /// Records the answer to a started request, wrapping its body so what the client reads
    /// is captured too.
    pub fn finish(
        &self,
        started: Started,
        request_id: &str,
        client: Option<SocketAddr>,
        response: &mut axum::response::Response,
        latency: Duration,
    ) {
        let Started(recording) = started;
        let answer = Answer {
            request_id,
            client,
            status: response.status().as_u16(),
            latency,
            headers: response.headers(),
        };
        let note = response.extensions().get::<ResponseNote>();
        recording.write(|slot| {
            slot.answer(answer);
            if let Some(note) = note {
                if slot.operation().is_empty()
                    && let Some(operation) = &note.operation
                {
                    slot.name_operation(note.service.as_deref().unwrap_or(""), operation);
                }
                if slot.error_code().is_empty()
                    && let Some(code) = &note.error_code
                {
                    slot.name_error(code);
                }
            }
        });
        if !hyper::body::Body::is_end_stream(response.body()) {
            let body = std::mem::take(response.body_mut());
            *response.body_mut() = axum::body::Body::new(CapturingBody::response(body, recording));
        }
    }

    /// The slots of the last N request ids, oldest first (some may have been cleared, and the
    /// newest may not be answered yet).
    fn held(&self) -> impl DoubleEndedIterator<Item = &Mutex<Slot>> {
        let newest = self.next_id.load(Ordering::Relaxed).saturating_sub(1);
        let oldest = newest.saturating_sub(self.capacity() as u64 - 1).max(1);
        (oldest..=newest).map(|id| self.ring.slot(id))
    }

    /// How many answered exchanges are held now.
    pub fn len(&self) -> usize {
        if !self.enabled() {
            return 0;
        }
        self.held()
            .filter(|slot| {
                let slot = lock(slot);
                slot.id != 0 && slot.answered
            })
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every exchange (reset).
    pub fn clear(&self) {
        for slot in self.ring.slots.iter() {
            let mut slot = lock(slot);
            slot.id = 0;
            slot.answered = false;
        }
    }

    /// The exchanges `filter` wants, newest first.
    pub fn list(&self, filter: &Filter) -> Vec<Exchange> {
        if !self.enabled() {
            return Vec::new();
        }
        let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
        self.held()
            .rev()
            .filter_map(|slot| {
                let slot = lock(slot);
                (slot.id != 0 && slot.answered && filter.matches(&slot))
                    .then(|| Exchange::copy(&slot))
            })
            .take(limit)
            .collect()
    }

    pub fn get(&self, id: u64) -> Option<Exchange> {
        if !self.enabled() || id == 0 {
            return None;
        }
        let slot = lock(self.ring.slot(id));
        (slot.id == id && slot.answered).then(|| Exchange::copy(&slot))
    }

    /// Requests per second over the last `window`, as of `now`.
    pub fn rate(&self, now: Instant, window: Duration) -> f64 {
        if !self.enabled() {
            return 0.0;
        }
        let recent = self
            .held()
            .rev()
            .take_while(|slot| {
                let slot = lock(slot);
                // A slot cleared by a reset, or taken again, ends the recent run.
                slot.id != 0 && now.saturating_duration_since(slot.at) <= window
            })
            .count();
        recent as f64 / window.as_secs_f64()
    }
}

impl Filter {
    fn matches(&self, slot: &Slot) -> bool {
        if let Some(status) = &self.status
            && !status_matches(status, slot.status)
        {
            return false;
        }
        if let Some(service) = &self.service
            && !slot.service().eq_ignore_ascii_case(service)
        {
            return false;
        }
        if let Some(wanted) = &self.operation {
            let wanted = wanted.to_ascii_lowercase();
            let named = exchange::display_operation(
                slot.service(),
                slot.operation(),
                &slot.method,
                slot.route(),
                slot.target(),
            )
            .to_ascii_lowercase();
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

#[cfg(test)]
mod tests;
