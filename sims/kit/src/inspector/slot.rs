//! One place in the inspector's ring and the buffers it is written into. A slot is reused for
//! request `id + N`, so its buffers keep their capacity and recording a request allocates
//! nothing once the ring has gone round (the cost that matters is per request, and allocation
//! and freeing cold memory another thread allocated were most of it). A writer names the
//! request it writes for; a write for a request whose slot was already taken by a newer one is
//! dropped, which is what eviction means for a request still in flight.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use super::BODY_CAP;

/// The most header bytes (names and values) kept of one message; the rest is counted.
pub const HEADER_CAP: usize = 16 * 1024;

/// A buffer that grew past this for one large message is given back when the slot is reused,
/// so a burst of large bodies does not hold its memory until the next reset.
const KEEP_CAPACITY: usize = 8 * 1024;

/// A message's header lines, copied (not shared: a shared value would keep the connection's
/// whole read buffer alive) into one buffer, in order, repeated names repeated.
#[derive(Debug, Default, Clone)]
pub struct HeaderLines {
    bytes: Vec<u8>,
    /// For each line, where its name ends and where its value ends in `bytes`.
    spans: Vec<(u32, u32)>,
    /// Header bytes that were not kept because of [`HEADER_CAP`].
    pub dropped: usize,
}

impl HeaderLines {
    /// The lines of `map`, as a new value.
    pub fn from_map(map: &http::HeaderMap) -> Self {
        let mut lines = Self::default();
        lines.copy_from(map);
        lines
    }

    /// Forgets every line, keeping the buffers (unless one large message made them large).
    pub fn clear(&mut self) {
        reuse(&mut self.bytes);
        self.spans.clear();
        self.dropped = 0;
    }

    /// Replaces the lines with those of `map`, reusing the buffers.
    pub fn copy_from(&mut self, map: &http::HeaderMap) {
        self.clear();
        for (name, value) in map {
            let (name, value) = (name.as_str().as_bytes(), value.as_bytes());
            if self.bytes.len() + name.len() + value.len() > HEADER_CAP {
                self.dropped += name.len() + value.len();
                continue;
            }
            self.bytes.extend_from_slice(name);
            let name_end = self.bytes.len() as u32;
            self.bytes.extend_from_slice(value);
            self.spans.push((name_end, self.bytes.len() as u32));
        }
    }

    /// `(name, value)` for each line, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        let mut start = 0usize;
        self.spans.iter().map(move |&(name_end, value_end)| {
            let (name_end, value_end) = (name_end as usize, value_end as usize);
            // Names were copied from `HeaderName::as_str`, so they are ASCII.
            let name = std::str::from_utf8(&self.bytes[start..name_end]).unwrap_or("");
            let value = &self.bytes[name_end..value_end];
            start = value_end;
            (name, value)
        })
    }

    /// The first value of the header called `name` (lower case).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(line, _)| *line == name)
            .map(|(_, value)| value)
    }
}

/// The first [`BODY_CAP`] bytes of a body and how many passed in all.
#[derive(Debug, Default, Clone)]
pub struct BodyBytes {
    pub kept: Vec<u8>,
    pub total: u64,
}

impl BodyBytes {
    fn restart(&mut self) {
        reuse(&mut self.kept);
        self.total = 0;
    }

    pub fn append(&mut self, data: &[u8]) {
        self.total += data.len() as u64;
        let room = BODY_CAP.saturating_sub(self.kept.len());
        if room > 0 {
            let taken = &data[..data.len().min(room)];
            if self.kept.capacity() - self.kept.len() < taken.len() {
                // Exactly what is needed, up to the cap: doubling would hold up to twice it.
                let wanted = (self.kept.len() + taken.len())
                    .max(self.kept.capacity() * 2)
                    .min(BODY_CAP);
                self.kept.reserve_exact(wanted - self.kept.len());
            }
            self.kept.extend_from_slice(taken);
        }
    }
}

/// Empties `buffer`, giving its memory back when one large message made it large.
fn reuse(buffer: &mut Vec<u8>) {
    if buffer.capacity() > KEEP_CAPACITY {
        *buffer = Vec::new();
    } else {
        buffer.clear();
    }
}

/// Empties `text`, keeping its capacity.
fn set(text: &mut String, value: &str) {
    text.clear();
    text.push_str(value);
}

/// One request and its answer, as recorded. `id` 0 means the slot was never used or was
/// cleared; `answered` says whether the response head has been seen.
#[derive(Debug)]
pub struct Slot {
    pub id: u64,
    pub answered: bool,
    pub time: SystemTime,
    pub at: Instant,
    pub client: Option<SocketAddr>,
    pub method: http::Method,
    /// The request target's path and query.
    pub target: String,
    pub route: Option<axum::extract::MatchedPath>,
    pub request_id: String,
    pub service: String,
    pub operation: String,
    pub error_code: String,
    pub status: u16,
    pub latency: Duration,
    pub request_headers: HeaderLines,
    pub response_headers: HeaderLines,
    pub request_body: BodyBytes,
    pub response_body: BodyBytes,
}

impl Slot {
    pub fn empty(at: Instant) -> Self {
        Self {
            id: 0,
            answered: false,
            time: SystemTime::UNIX_EPOCH,
            at,
            client: None,
            method: http::Method::GET,
            target: String::new(),
            route: None,
            request_id: String::new(),
            service: String::new(),
            operation: String::new(),
            error_code: String::new(),
            status: 0,
            latency: Duration::ZERO,
            request_headers: HeaderLines::default(),
            response_headers: HeaderLines::default(),
            request_body: BodyBytes::default(),
            response_body: BodyBytes::default(),
        }
    }

    /// Takes the slot for request `id`, recording its head.
    pub fn start(&mut self, id: u64, time: SystemTime, at: Instant, head: &Head<'_>) {
        self.id = id;
        self.answered = false;
        self.time = time;
        self.at = at;
        self.client = None;
        self.method.clone_from(head.method);
        set(
            &mut self.target,
            head.uri
                .path_and_query()
                .map_or("/", |target| target.as_str()),
        );
        self.route = None;
        self.request_id.clear();
        self.service.clear();
        self.operation.clear();
        self.error_code.clear();
        self.status = 0;
        self.latency = Duration::ZERO;
        self.request_headers.copy_from(head.headers);
        self.response_headers.clear();
        self.request_body.restart();
        self.response_body.restart();
    }

    pub fn name_operation(&mut self, service: &str, operation: &str) {
        set(&mut self.service, service);
        set(&mut self.operation, operation);
    }

    pub fn name_error(&mut self, code: &str) {
        set(&mut self.error_code, code);
    }

    /// Records the answer's head.
    pub fn answer(&mut self, answer: Answer<'_>) {
        self.answered = true;
        set(&mut self.request_id, answer.request_id);
        self.client = answer.client;
        self.route = answer.route;
        self.status = answer.status;
        self.latency = answer.latency;
        self.response_headers.copy_from(answer.headers);
    }
}

/// A request's head, as the middleware sees it before the handler runs.
pub struct Head<'a> {
    pub method: &'a http::Method,
    pub uri: &'a http::Uri,
    pub headers: &'a http::HeaderMap,
}

/// What the server knows once a handler has answered.
pub struct Answer<'a> {
    pub request_id: &'a str,
    pub client: Option<SocketAddr>,
    pub route: Option<axum::extract::MatchedPath>,
    pub status: u16,
    pub latency: Duration,
    pub headers: &'a http::HeaderMap,
}
