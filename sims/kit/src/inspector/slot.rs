//! One place in the inspector's ring and the buffers it is written into: one for all of a
//! request's text, one line table, and one per body. A slot is reused for
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
    /// The lines of `map`, as a new value (up to [`HEADER_CAP`] bytes of them).
    pub fn from_map(map: &http::HeaderMap) -> Self {
        let mut lines = Self::default();
        for (name, value) in map {
            let (name, value) = (name.as_str().as_bytes(), value.as_bytes());
            if lines.bytes.len() + name.len() + value.len() > HEADER_CAP {
                lines.dropped += name.len() + value.len();
                continue;
            }
            lines.push(name, value);
        }
        lines
    }

    fn push(&mut self, name: &[u8], value: &[u8]) {
        self.bytes.extend_from_slice(name);
        let name_end = self.bytes.len() as u32;
        self.bytes.extend_from_slice(value);
        self.spans.push((name_end, self.bytes.len() as u32));
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

/// Where one field's bytes lie in a slot's text.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u32,
    end: u32,
}

/// One header line in a slot's text: the name from `start` to `name_end`, the value from
/// there to `end`.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: u32,
    name_end: u32,
    end: u32,
}

/// A message's header lines among a slot's lines, and the bytes not kept of them.
#[derive(Debug, Clone, Copy, Default)]
struct Block {
    first: u32,
    last: u32,
    dropped: usize,
}

/// One request and its answer, as recorded. `id` 0 means the slot was never used or was
/// cleared; `answered` says whether the response head has been seen.
///
/// Every piece of text (the target, the route, the names, both messages' header lines) is
/// appended to one buffer, `text`, and found again through spans: recording a request writes
/// into that buffer, the line table and the two body buffers, not into a dozen separate
/// strings. (Measured with cachegrind, this did not cut the instructions or the simulated
/// cache misses per request: those are mostly the bytes copied into a slot last touched N
/// requests ago, whatever their layout.)
#[derive(Debug)]
pub struct Slot {
    pub id: u64,
    pub answered: bool,
    pub time: SystemTime,
    pub at: Instant,
    pub client: Option<SocketAddr>,
    pub method: http::Method,
    pub status: u16,
    pub latency: Duration,
    text: Vec<u8>,
    lines: Vec<Line>,
    /// The request target's path and query.
    target: Span,
    route: Option<Span>,
    request_id: Span,
    service: Span,
    operation: Span,
    error_code: Span,
    request_headers: Block,
    response_headers: Block,
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
            status: 0,
            latency: Duration::ZERO,
            text: Vec::new(),
            lines: Vec::new(),
            target: Span::default(),
            route: None,
            request_id: Span::default(),
            service: Span::default(),
            operation: Span::default(),
            error_code: Span::default(),
            request_headers: Block::default(),
            response_headers: Block::default(),
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
        self.status = 0;
        self.latency = Duration::ZERO;
        reuse(&mut self.text);
        self.lines.clear();
        self.target = self.push(
            head.uri
                .path_and_query()
                .map_or("/", |target| target.as_str())
                .as_bytes(),
        );
        self.route = head.route.map(|route| self.push(route.as_bytes()));
        self.request_id = Span::default();
        self.service = Span::default();
        self.operation = Span::default();
        self.error_code = Span::default();
        self.request_headers = self.push_headers(head.headers);
        self.response_headers = Block::default();
        self.request_body.restart();
        self.response_body.restart();
    }

    /// Appends `bytes` to the slot's text.
    fn push(&mut self, bytes: &[u8]) -> Span {
        let start = self.text.len() as u32;
        self.text.extend_from_slice(bytes);
        Span {
            start,
            end: self.text.len() as u32,
        }
    }

    /// Appends a message's header lines, up to [`HEADER_CAP`] bytes of them.
    fn push_headers(&mut self, map: &http::HeaderMap) -> Block {
        let first = self.lines.len() as u32;
        let (mut kept, mut dropped) = (0, 0);
        for (name, value) in map {
            let (name, value) = (name.as_str().as_bytes(), value.as_bytes());
            if kept + name.len() + value.len() > HEADER_CAP {
                dropped += name.len() + value.len();
                continue;
            }
            kept += name.len() + value.len();
            let start = self.text.len() as u32;
            self.text.extend_from_slice(name);
            let name_end = self.text.len() as u32;
            self.text.extend_from_slice(value);
            self.lines.push(Line {
                start,
                name_end,
                end: self.text.len() as u32,
            });
        }
        Block {
            first,
            last: self.lines.len() as u32,
            dropped,
        }
    }

    fn str(&self, span: Span) -> &str {
        // Every span but a header value's was pushed from a `&str`.
        std::str::from_utf8(&self.text[span.start as usize..span.end as usize]).unwrap_or("")
    }

    pub fn target(&self) -> &str {
        self.str(self.target)
    }

    /// The route that matched, for servers that name no operation.
    pub fn route(&self) -> Option<&str> {
        self.route.map(|span| self.str(span))
    }

    pub fn request_id(&self) -> &str {
        self.str(self.request_id)
    }

    pub fn service(&self) -> &str {
        self.str(self.service)
    }

    pub fn operation(&self) -> &str {
        self.str(self.operation)
    }

    pub fn error_code(&self) -> &str {
        self.str(self.error_code)
    }

    fn header_lines(&self, block: Block) -> HeaderLines {
        let mut lines = HeaderLines {
            dropped: block.dropped,
            ..HeaderLines::default()
        };
        for line in &self.lines[block.first as usize..block.last as usize] {
            let name = &self.text[line.start as usize..line.name_end as usize];
            let value = &self.text[line.name_end as usize..line.end as usize];
            lines.push(name, value);
        }
        lines
    }

    /// A copy of the request's header lines.
    pub fn request_headers(&self) -> HeaderLines {
        self.header_lines(self.request_headers)
    }

    /// A copy of the response's header lines.
    pub fn response_headers(&self) -> HeaderLines {
        self.header_lines(self.response_headers)
    }

    pub fn name_operation(&mut self, service: &str, operation: &str) {
        self.service = self.push(service.as_bytes());
        self.operation = self.push(operation.as_bytes());
    }

    pub fn name_error(&mut self, code: &str) {
        self.error_code = self.push(code.as_bytes());
    }

    /// Records the answer's head.
    pub fn answer(&mut self, answer: Answer<'_>) {
        self.answered = true;
        self.request_id = self.push(answer.request_id.as_bytes());
        self.client = answer.client;
        self.status = answer.status;
        self.latency = answer.latency;
        self.response_headers = self.push_headers(answer.headers);
    }
}

/// A request's head, as the middleware sees it before the handler runs.
pub struct Head<'a> {
    pub method: &'a http::Method,
    pub uri: &'a http::Uri,
    /// The route that matched, when the router has matched one.
    pub route: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
}

/// What the server knows once a handler has answered.
pub struct Answer<'a> {
    pub request_id: &'a str,
    pub client: Option<SocketAddr>,
    pub status: u16,
    pub latency: Duration,
    pub headers: &'a http::HeaderMap,
}
