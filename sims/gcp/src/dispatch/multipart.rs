//! `multipart/related` bodies, as Cloud Storage's multipart uploads send them: a JSON part with
//! the object's metadata, then a part with its bytes. [`Related`] splits a body into parts as
//! its frames arrive, so the media part can be written to disk while it streams.
//!
//! Lines end in CRLF (the Python client) or LF alone (gcloud's apitools); a part ends at
//! `\n--BOUNDARY`, with a `\r` before it dropped.
//!
//! Must not: hold more of the body than one frame plus a delimiter's length, or a part's head
//! past [`HEAD_LIMIT`].

/// The longest part head (its header lines) accepted.
pub const HEAD_LIMIT: usize = 64 * 1024;

/// The boundary of a `multipart/related; boundary=...` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/related") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// What the splitter found in the bytes fed to it so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// A part begins, with its `Content-Type` if it has one.
    PartStart { content_type: Option<String> },
    /// Bytes of the current part's body, in order.
    Data(Vec<u8>),
    /// The current part's body is complete.
    PartEnd,
}

/// The body is not a well-formed `multipart/related` body.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first delimiter.
    Preamble,
    /// Right after a delimiter: `--` closes the body, a line end starts a part's head.
    AfterDelimiter,
    Head,
    Body,
    /// After the closing delimiter: the epilogue is ignored.
    Closed,
}

/// Splits a `multipart/related` body fed frame by frame.
pub struct Related {
    /// `--BOUNDARY`.
    delimiter: Vec<u8>,
    /// `\n--BOUNDARY`: what ends a part's body.
    closing: Vec<u8>,
    state: State,
    pending: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

impl Related {
    pub fn new(boundary: &str) -> Self {
        let delimiter = format!("--{boundary}").into_bytes();
        let mut closing = Vec::with_capacity(delimiter.len() + 1);
        closing.push(b'\n');
        closing.extend_from_slice(&delimiter);
        Self {
            delimiter,
            closing,
            state: State::Preamble,
            pending: Vec::new(),
        }
    }

    /// Whether the closing delimiter has been seen.
    pub fn closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Feeds the next bytes of the body; events found are appended to `events`.
    pub fn feed(&mut self, bytes: &[u8], events: &mut Vec<Event>) -> Result<(), Malformed> {
        if self.state == State::Closed {
            return Ok(());
        }
        self.pending.extend_from_slice(bytes);
        loop {
            match self.state {
                State::Preamble => {
                    let Some(at) = find(&self.pending, &self.delimiter) else {
                        // Keep only what could be the start of the delimiter.
                        let keep = self.delimiter.len().min(self.pending.len());
                        self.pending.drain(..self.pending.len() - keep);
                        return Ok(());
                    };
                    self.pending.drain(..at + self.delimiter.len());
                    self.state = State::AfterDelimiter;
                }
                State::AfterDelimiter => {
                    if self.pending.len() < 2 {
                        return Ok(());
                    }
                    if self.pending.starts_with(b"--") {
                        self.pending.clear();
                        self.state = State::Closed;
                        return Ok(());
                    }
                    let line_end = if self.pending.starts_with(b"\r\n") {
                        2
                    } else if self.pending.starts_with(b"\n") {
                        1
                    } else {
                        return Err(Malformed);
                    };
                    self.pending.drain(..line_end);
                    self.state = State::Head;
                }
                State::Head => {
                    // A part without header lines starts its body after one blank line.
                    let empty_head = if self.pending.starts_with(b"\r\n") {
                        Some((0, 2))
                    } else if self.pending.starts_with(b"\n") {
                        Some((0, 1))
                    } else if self.pending == b"\r" {
                        return Ok(());
                    } else {
                        None
                    };
                    let end = empty_head.or(
                        match (
                            find(&self.pending, b"\r\n\r\n"),
                            find(&self.pending, b"\n\n"),
                        ) {
                            (Some(crlf), Some(lf)) if lf < crlf => Some((lf, 2)),
                            (Some(crlf), _) => Some((crlf, 4)),
                            (None, Some(lf)) => Some((lf, 2)),
                            (None, None) => None,
                        },
                    );
                    let Some((head_len, separator)) = end else {
                        if self.pending.len() > HEAD_LIMIT {
                            return Err(Malformed);
                        }
                        return Ok(());
                    };
                    let head =
                        std::str::from_utf8(&self.pending[..head_len]).map_err(|_| Malformed)?;
                    let content_type = head.lines().find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.trim()
                            .eq_ignore_ascii_case("content-type")
                            .then(|| value.trim().to_string())
                    });
                    events.push(Event::PartStart { content_type });
                    self.pending.drain(..head_len + separator);
                    self.state = State::Body;
                }
                State::Body => {
                    if let Some(at) = find(&self.pending, &self.closing) {
                        let body = &self.pending[..at];
                        let body = body.strip_suffix(b"\r").unwrap_or(body);
                        if !body.is_empty() {
                            events.push(Event::Data(body.to_vec()));
                        }
                        events.push(Event::PartEnd);
                        self.pending.drain(..at + self.closing.len());
                        self.state = State::AfterDelimiter;
                        continue;
                    }
                    // Everything but what could begin a delimiter (and the `\r` before it) is
                    // the part's.
                    let keep = (self.closing.len() + 1).min(self.pending.len());
                    let ready = self.pending.len() - keep;
                    if ready > 0 {
                        events.push(Event::Data(self.pending.drain(..ready).collect()));
                    }
                    return Ok(());
                }
                State::Closed => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part as the tests see it: its content type and body.
    type TestPart = (Option<String>, Vec<u8>);

    /// The parts of `body` fed in frames of `frame` bytes.
    fn split(body: &[u8], boundary: &str, frame: usize) -> Result<Vec<TestPart>, Malformed> {
        let mut related = Related::new(boundary);
        let mut events = Vec::new();
        for chunk in body.chunks(frame.max(1)) {
            related.feed(chunk, &mut events)?;
        }
        if !related.closed() {
            return Err(Malformed);
        }
        let mut parts = Vec::new();
        for event in events {
            match event {
                Event::PartStart { content_type } => parts.push((content_type, Vec::new())),
                Event::Data(bytes) => parts.last_mut().ok_or(Malformed)?.1.extend(bytes),
                Event::PartEnd => {}
            }
        }
        Ok(parts)
    }

    #[test]
    fn parses_what_the_python_client_sends_in_any_framing() {
        let content_type = "multipart/related; boundary=\"===============123==\"";
        let boundary = boundary(content_type).expect("has one");
        assert_eq!(boundary, "===============123==");
        let body = b"--===============123==\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n{\"name\": \"a\"}\r\n--===============123==\r\ncontent-type: text/plain\r\n\r\nhello\r\n\r\n--===============123==--";
        for frame in [1, 2, 3, 7, 16, 64, body.len()] {
            let parts = split(body, &boundary, frame).expect("well formed");
            assert_eq!(parts.len(), 2, "frame {frame}");
            assert_eq!(parts[0].1, b"{\"name\": \"a\"}", "frame {frame}");
            assert_eq!(parts[1].0.as_deref(), Some("text/plain"));
            assert_eq!(parts[1].1, b"hello\r\n", "frame {frame}");
        }
    }

    #[test]
    fn parses_what_gcloud_sends() {
        let body = b"--==b==\ncontent-type: application/json\nMIME-Version: 1.0\n\n{}\n--==b==\ncontent-type: text/plain\nContent-Transfer-Encoding: binary\n\nhi\r\n\n--==b==--";
        for frame in [1, 5, body.len()] {
            let parts = split(body, "==b==", frame).expect("well formed");
            assert_eq!(parts.len(), 2);
            assert_eq!(parts[0].1, b"{}");
            assert_eq!(parts[1].1, b"hi\r\n");
        }
    }

    #[test]
    fn bodies_holding_near_delimiters_are_kept_whole() {
        let media = b"a\r\n--b not it\n--bb\r\n-";
        let mut body = b"--bbb\r\n\r\n{}\r\n--bbb\r\n\r\n".to_vec();
        body.extend_from_slice(media);
        body.extend_from_slice(b"\r\n--bbb--\r\n");
        for frame in 1..body.len() {
            let parts = split(&body, "bbb", frame).expect("well formed");
            assert_eq!(parts[1].1, media, "frame {frame}");
        }
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert!(split(b"nothing", "b", 3).is_err());
        assert!(split(b"--b\r\nno head end", "b", 3).is_err());
        assert!(split(b"--bX", "b", 3).is_err());
        assert!(boundary("application/json").is_none());
        let mut related = Related::new("b");
        let mut events = Vec::new();
        let endless_head = vec![b'h'; HEAD_LIMIT + 10];
        related.feed(b"--b\r\n", &mut events).expect("fine so far");
        assert_eq!(related.feed(&endless_head, &mut events), Err(Malformed));
    }
}
