//! `multipart/related` bodies, as Cloud Storage's multipart uploads send them: a JSON part with
//! the object's metadata, then a part with its bytes.
//!
//! Must not: copy the media part more than once.

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

/// One part: its content type and body range within the whole.
#[derive(Debug, PartialEq, Eq)]
pub struct Part<'a> {
    pub content_type: Option<String>,
    pub body: &'a [u8],
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits a body into its parts; `None` when it is not well formed.
pub fn parts<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut rest = &body[find(body, delimiter)? + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))?;
        let (head_len, separator) = match find(rest, b"\r\n\r\n") {
            Some(at) => (at, 4),
            None => (find(rest, b"\n\n")?, 2),
        };
        let head = std::str::from_utf8(&rest[..head_len]).ok()?;
        let content_type = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_string())
        });
        let after_head = &rest[head_len + separator..];
        // Lines end in CRLF (the Python client) or LF alone (gcloud's apitools).
        let mut closing = Vec::with_capacity(delimiter.len() + 1);
        closing.push(b'\n');
        closing.extend_from_slice(delimiter);
        let end = find(after_head, &closing)?;
        let part = &after_head[..end];
        parts.push(Part {
            content_type,
            body: part.strip_suffix(b"\r").unwrap_or(part),
        });
        rest = &after_head[end + closing.len()..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_python_client_sends() {
        let content_type = "multipart/related; boundary=\"===============123==\"";
        let boundary = boundary(content_type).expect("has one");
        assert_eq!(boundary, "===============123==");
        let body = b"--===============123==\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n{\"name\": \"a\"}\r\n--===============123==\r\ncontent-type: text/plain\r\n\r\nhello\r\n\r\n--===============123==--";
        let parts = parts(body, &boundary).expect("well formed");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].body, b"{\"name\": \"a\"}");
        assert_eq!(parts[1].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[1].body, b"hello\r\n");
    }

    #[test]
    fn parses_what_gcloud_sends() {
        let body = b"--==b==\ncontent-type: application/json\nMIME-Version: 1.0\n\n{}\n--==b==\ncontent-type: text/plain\nContent-Transfer-Encoding: binary\n\nhi\r\n\n--==b==--";
        let parts = parts(body, "==b==").expect("well formed");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].body, b"{}");
        assert_eq!(parts[1].body, b"hi\r\n");
    }

    #[test]
    fn malformed_bodies_are_none() {
        assert!(parts(b"nothing", "b").is_none());
        assert!(parts(b"--b\r\nno head end", "b").is_none());
        assert!(boundary("application/json").is_none());
    }
}
