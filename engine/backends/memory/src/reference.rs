//! Docker image references: `[DOMAIN/]PATH[:TAG][@DIGEST]`, normalized as Docker does
//! (`busybox` is `docker.io/library/busybox:latest`), and shown in the familiar form
//! (`busybox:latest`). Pure, with Docker's messages for bad input.

use engine_core::EngineError;

/// A parsed, normalized reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host (`docker.io`, `localhost`, `127.0.0.1:5000`).
    pub domain: String,
    /// The repository path in that registry (`library/busybox`).
    pub path: String,
    /// The tag; `latest` when neither tag nor digest was given.
    pub tag: Option<String>,
    pub digest: Option<String>,
}

fn invalid() -> EngineError {
    EngineError::InvalidParameter("invalid reference format".into())
}

fn valid_component(component: &str) -> bool {
    // [a-z0-9]+ separated by `.`, `_`, `__` or runs of `-`.
    if component.is_empty() {
        return false;
    }
    let bytes = component.as_bytes();
    if !bytes[0].is_ascii_lowercase() && !bytes[0].is_ascii_digit() {
        return false;
    }
    let last = bytes[bytes.len() - 1];
    if !last.is_ascii_lowercase() && !last.is_ascii_digit() {
        return false;
    }
    let mut previous_separator: Option<u8> = None;
    let mut run = 0;
    for &byte in bytes {
        if byte.is_ascii_lowercase() || byte.is_ascii_digit() {
            previous_separator = None;
            run = 0;
            continue;
        }
        match (byte, previous_separator) {
            (b'-', None | Some(b'-')) => {}
            (b'.', None) => {}
            (b'_', None) => {}
            (b'_', Some(b'_')) if run == 1 => {}
            _ => return false,
        }
        previous_separator = Some(byte);
        run += 1;
    }
    true
}

fn valid_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 128
        && (tag.as_bytes()[0].is_ascii_alphanumeric() || tag.as_bytes()[0] == b'_')
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

fn valid_domain(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || domain.starts_with('[') => (host, Some(port)),
        _ => (domain, None),
    };
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || b == b'.'
                || b == b'-'
                || b == b'['
                || b == b']'
                || b == b':'
        });
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

impl ImageRef {
    /// Parses `text` as Docker does for `docker pull`/`run`/`tag`.
    pub fn parse(text: &str) -> Result<Self, EngineError> {
        if text.is_empty() || text.len() > 255 + 128 + 72 {
            return Err(invalid());
        }
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                let (algorithm, hex) = digest.split_once(':').ok_or_else(invalid)?;
                if algorithm != "sha256"
                    || hex.len() != 64
                    || !hex
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                {
                    return Err(invalid());
                }
                (rest, Some(digest.to_string()))
            }
            None => (text, None),
        };
        // A tag is after the last `:` that follows the last `/`.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(colon) => {
                let at = last_slash + colon;
                (&rest[..at], Some(rest[at + 1..].to_string()))
            }
            None => (rest, None),
        };
        if let Some(tag) = &tag
            && !valid_tag(tag)
        {
            return Err(invalid());
        }
        let (domain, path) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains('.')
                    || first.contains(':')
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                (first.to_string(), remainder.to_string())
            }
            Some(_) => ("docker.io".to_string(), name.to_string()),
            None => ("docker.io".to_string(), format!("library/{name}")),
        };
        if !valid_domain(&domain) {
            return Err(invalid());
        }
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(EngineError::InvalidParameter(format!(
                "invalid reference format: repository name ({path}) must be lowercase"
            )));
        }
        if !path.split('/').all(valid_component) {
            return Err(invalid());
        }
        let tag = match (tag, &digest) {
            (None, None) => Some("latest".to_string()),
            (tag, _) => tag,
        };
        Ok(Self {
            domain,
            path,
            tag,
            digest,
        })
    }

    /// `docker.io/library/busybox`.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The familiar repository name: `busybox`, `user/app`, `localhost/busybox`.
    pub fn familiar_repository(&self) -> String {
        if self.domain == "docker.io" {
            self.path
                .strip_prefix("library/")
                .filter(|rest| !rest.contains('/'))
                .unwrap_or(&self.path)
                .to_string()
        } else {
            self.repository()
        }
    }

    /// `docker.io/library/busybox:latest` (the tag form, as images are keyed).
    pub fn full_tagged(&self) -> Option<String> {
        self.tag
            .as_ref()
            .map(|tag| format!("{}:{tag}", self.repository()))
    }

    /// `busybox:latest`.
    pub fn familiar_tagged(&self) -> Option<String> {
        self.tag
            .as_ref()
            .map(|tag| format!("{}:{tag}", self.familiar_repository()))
    }

    /// `busybox` or `busybox:latest` or `busybox@sha256:…`, as Docker names it in messages.
    pub fn familiar(&self) -> String {
        match (&self.tag, &self.digest) {
            (_, Some(digest)) => format!("{}@{digest}", self.familiar_repository()),
            (Some(tag), None) => format!("{}:{tag}", self.familiar_repository()),
            (None, None) => self.familiar_repository(),
        }
    }
}

/// The familiar form of a stored full reference (`docker.io/library/busybox:latest` →
/// `busybox:latest`).
pub fn familiar(full: &str) -> String {
    ImageRef::parse(full)
        .map(|parsed| parsed.familiar())
        .unwrap_or_else(|_| full.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(String, String), String> {
        ImageRef::parse(text)
            .map(|r| (r.full_tagged().unwrap_or_default(), r.familiar()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn normalizes_as_docker() {
        let cases = [
            (
                "busybox",
                "docker.io/library/busybox:latest",
                "busybox:latest",
            ),
            (
                "busybox:1.36",
                "docker.io/library/busybox:1.36",
                "busybox:1.36",
            ),
            ("user/app:v1", "docker.io/user/app:v1", "user/app:v1"),
            (
                "localhost/busybox:1",
                "localhost/busybox:1",
                "localhost/busybox:1",
            ),
            (
                "127.0.0.1:5000/a/b",
                "127.0.0.1:5000/a/b:latest",
                "127.0.0.1:5000/a/b:latest",
            ),
            (
                "docker.io/library/alpine",
                "docker.io/library/alpine:latest",
                "alpine:latest",
            ),
        ];
        for (text, full, familiar) in cases {
            assert_eq!(
                check(text),
                Ok((full.to_string(), familiar.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_bad_references() {
        for text in [
            "",
            "a:",
            ":a",
            "a/../b",
            "a//b",
            "a:b c",
            "-a",
            "a@sha256:12",
        ] {
            assert_eq!(
                check(text),
                Err("invalid reference format".into()),
                "{text}"
            );
        }
        assert_eq!(
            check("Busybox"),
            Err(
                "invalid reference format: repository name (library/Busybox) must be lowercase"
                    .into()
            )
        );
    }
}
