//! The names the distribution spec gives grammars to: repository names, tags and digests, and
//! the request paths that carry them (`/v2/<name>/manifests/<reference>`, ...). Pure parsing,
//! no I/O: a name that parses cannot climb out of the registry directory (`..` is not a name
//! component), and a digest that parses is `sha256:` and 64 lower-case hex digits, the only
//! algorithm blobs are stored under.

use std::fmt;

/// The longest repository name accepted (ECR's limit; the spec leaves it to the registry).
pub const MAX_NAME_LENGTH: usize = 256;

/// A digest, `sha256:<64 hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

/// Why a digest was refused: not `algorithm:encoded`, or an algorithm not supported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestError {
    Malformed,
    Unsupported,
}

impl Digest {
    /// Parses `text` under the spec's grammar, `algorithm ":" encoded`, accepting sha256 only.
    pub fn parse(text: &str) -> Result<Self, DigestError> {
        let (algorithm, encoded) = text.split_once(':').ok_or(DigestError::Malformed)?;
        let algorithm_ok = !algorithm.is_empty()
            && algorithm.split(['+', '.', '_', '-']).all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        let encoded_ok = !encoded.is_empty()
            && encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
        if !algorithm_ok || !encoded_ok {
            return Err(DigestError::Malformed);
        }
        if algorithm != "sha256" {
            return Err(DigestError::Unsupported);
        }
        if encoded.len() != 64
            || !encoded
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(DigestError::Malformed);
        }
        Ok(Self(text.to_string()))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest as _;
        Self::from_hasher(sha2::Sha256::new_with_prefix(bytes))
    }

    /// The digest a hasher fed with a whole blob has computed.
    pub fn from_hasher(hasher: sha2::Sha256) -> Self {
        use sha2::Digest as _;
        Self(format!("sha256:{}", hex::encode(hasher.finalize())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex part, which names the blob's file.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `name` is a repository name: components of `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
/// joined by `/`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_NAME_LENGTH && name.split('/').all(valid_component)
}

fn valid_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut index = 0;
    while index < bytes.len() {
        if alnum(bytes[index]) {
            index += 1;
            continue;
        }
        // A separator run: one `.`, one or two `_`, or any number of `-`.
        let start = index;
        while index < bytes.len() && !alnum(bytes[index]) {
            index += 1;
        }
        let run = &component[start..index];
        let ok = run == "." || run == "_" || run == "__" || run.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// Whether `tag` is a tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
pub fn valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A manifest reference: a tag or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    Tag(String),
    Digest(Digest),
}

/// Why a reference was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceError {
    Tag,
    Digest(DigestError),
}

impl Reference {
    /// A reference with a `:` is a digest, otherwise a tag.
    pub fn parse(text: &str) -> Result<Self, ReferenceError> {
        if text.contains(':') {
            Digest::parse(text)
                .map(Reference::Digest)
                .map_err(ReferenceError::Digest)
        } else if valid_tag(text) {
            Ok(Reference::Tag(text.to_string()))
        } else {
            Err(ReferenceError::Tag)
        }
    }
}

/// What a `/v2/...` path addresses; names and references still unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/v2/`: the API version check.
    Base,
    Manifest {
        name: String,
        reference: String,
    },
    Blob {
        name: String,
        digest: String,
    },
    /// `/v2/<name>/blobs/uploads/`: starting an upload (or mounting).
    Uploads {
        name: String,
    },
    Upload {
        name: String,
        id: String,
    },
    Tags {
        name: String,
    },
    Referrers {
        name: String,
        digest: String,
    },
}

/// Splits a request path under `/v2/` into a [`Route`]; `None` for a path the API lacks.
/// The name is everything before the last route keyword, so names may hold `/`.
pub fn route(path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/v2")?;
    if rest.is_empty() || rest == "/" {
        return Some(Route::Base);
    }
    let rest = rest.strip_prefix('/')?;
    let segments: Vec<&str> = rest.split('/').collect();
    let joined = |count: usize| segments[..segments.len() - count].join("/");
    let n = segments.len();
    let last = |back: usize| segments.get(n.wrapping_sub(back)).copied();
    match (last(3), last(2), last(1)) {
        (_, Some("tags"), Some("list")) if n > 2 => Some(Route::Tags { name: joined(2) }),
        (Some("blobs"), Some("uploads"), Some("")) if n > 3 => {
            Some(Route::Uploads { name: joined(3) })
        }
        (Some("blobs"), Some("uploads"), Some(id)) if n > 3 => Some(Route::Upload {
            name: joined(3),
            id: id.to_string(),
        }),
        (_, Some("blobs"), Some("uploads")) if n > 2 => Some(Route::Uploads { name: joined(2) }),
        (_, Some("manifests"), Some(reference)) if n > 2 => Some(Route::Manifest {
            name: joined(2),
            reference: reference.to_string(),
        }),
        (_, Some("blobs"), Some(digest)) if n > 2 => Some(Route::Blob {
            name: joined(2),
            digest: digest.to_string(),
        }),
        (_, Some("referrers"), Some(digest)) if n > 2 => Some(Route::Referrers {
            name: joined(2),
            digest: digest.to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn names() {
        for good in ["a", "library/ubuntu", "a.b/c_d/e__f/g---h", "0x/9"] {
            assert!(valid_name(good), "{good}");
        }
        let long = "a".repeat(MAX_NAME_LENGTH + 1);
        for bad in [
            "",
            "A",
            "a/",
            "/a",
            "a//b",
            "..",
            "a/../b",
            "a..b",
            "a___b",
            "-a",
            "a-",
            "a/.",
            "a b",
            long.as_str(),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn tags() {
        for good in ["latest", "_x", "v1.2.3-rc_1", &"t".repeat(128)] {
            assert!(valid_tag(good), "{good}");
        }
        for bad in ["", ".x", "-x", "a/b", "a:b", &"t".repeat(129)] {
            assert!(!valid_tag(bad), "{bad}");
        }
    }

    #[test]
    fn digests() {
        let good = format!("sha256:{HEX}");
        assert_eq!(
            Digest::parse(&good).map(|d| d.hex().to_string()),
            Ok(HEX.to_string())
        );
        assert_eq!(Digest::of(b"").as_str(), good);
        let cases = [
            ("sha256", DigestError::Malformed),
            ("sha256:", DigestError::Malformed),
            (":abc", DigestError::Malformed),
            ("sha256:ABC", DigestError::Malformed),
            ("sha256:../../etc/passwd", DigestError::Malformed),
            ("sha512:abcd", DigestError::Unsupported),
            ("SHA256:abcd", DigestError::Malformed),
        ];
        for (input, expected) in cases {
            assert_eq!(Digest::parse(input), Err(expected), "{input}");
        }
        assert!(Digest::parse(&format!("sha256:{}", &HEX[1..])).is_err());
    }

    #[test]
    fn references() {
        assert_eq!(Reference::parse("v1"), Ok(Reference::Tag("v1".into())));
        assert!(matches!(
            Reference::parse(&format!("sha256:{HEX}")),
            Ok(Reference::Digest(_))
        ));
        assert_eq!(Reference::parse("a/b"), Err(ReferenceError::Tag));
        assert_eq!(
            Reference::parse("md5:zz"),
            Err(ReferenceError::Digest(DigestError::Unsupported))
        );
    }

    #[test]
    fn routes() {
        let cases = [
            ("/v2/", Some(Route::Base)),
            ("/v2", Some(Route::Base)),
            (
                "/v2/a/b/manifests/latest",
                Some(Route::Manifest {
                    name: "a/b".into(),
                    reference: "latest".into(),
                }),
            ),
            (
                "/v2/a/blobs/sha256:x",
                Some(Route::Blob {
                    name: "a".into(),
                    digest: "sha256:x".into(),
                }),
            ),
            (
                "/v2/a/blobs/uploads/",
                Some(Route::Uploads { name: "a".into() }),
            ),
            (
                "/v2/a/blobs/uploads",
                Some(Route::Uploads { name: "a".into() }),
            ),
            (
                "/v2/a/b/blobs/uploads/u-1",
                Some(Route::Upload {
                    name: "a/b".into(),
                    id: "u-1".into(),
                }),
            ),
            (
                "/v2/blobs/tags/list",
                Some(Route::Tags {
                    name: "blobs".into(),
                }),
            ),
            (
                "/v2/a/referrers/sha256:x",
                Some(Route::Referrers {
                    name: "a".into(),
                    digest: "sha256:x".into(),
                }),
            ),
            ("/v2/manifests/x", None),
            ("/v2/a/other", None),
            ("/v3/", None),
        ];
        for (path, expected) in cases {
            assert_eq!(route(path), expected, "{path}");
        }
    }
}

/// An image reference split into registry host, repository name and tag or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName<'a> {
    pub host: Option<&'a str>,
    pub name: &'a str,
    pub reference: &'a str,
}

/// Splits `image` as Docker does: the first component is a host when it has a `.` or `:` or is
/// `localhost`; `@digest` wins over `:tag`; `latest` when neither is given. Every provider that
/// finds a workload's image in its registry splits names here.
pub fn split_image(image: &str) -> ImageName<'_> {
    let (host, rest) = match image.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (Some(first), rest)
        }
        _ => (None, image),
    };
    if let Some((name, digest)) = rest.split_once('@') {
        let name = name.rsplit_once(':').map_or(name, |(name, _)| name);
        return ImageName {
            host,
            name,
            reference: digest,
        };
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rsplit_once(':') {
        Some((_, tag)) => ImageName {
            host,
            name: &rest[..rest.len() - tag.len() - 1],
            reference: tag,
        },
        None => ImageName {
            host,
            name: rest,
            reference: "latest",
        },
    }
}

#[cfg(test)]
mod image_name_tests {
    use super::*;

    #[test]
    fn image_references_split_as_docker_splits_them() {
        let cases = [
            ("busybox", (None, "busybox", "latest")),
            ("localhost:5000/a/b:1", (Some("localhost:5000"), "a/b", "1")),
            (
                "reg.azurecr.io/team/app:v2",
                (Some("reg.azurecr.io"), "team/app", "v2"),
            ),
            (
                "host.example/app:v1@sha256:abcd",
                (Some("host.example"), "app", "sha256:abcd"),
            ),
            ("library/nginx", (None, "library/nginx", "latest")),
        ];
        for (image, (host, name, reference)) in cases {
            assert_eq!(
                split_image(image),
                ImageName {
                    host,
                    name,
                    reference
                },
                "{image}"
            );
        }
    }
}
