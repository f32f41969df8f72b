//! Azure Storage's request signatures, as the service computes them: the Shared Key
//! string-to-sign (standard headers, canonicalized `x-ms-` headers in the service's collation,
//! canonicalized resource and query), and the string-to-sign of account and service SAS tokens.
//! Everything here is a pure function over what the request carried; deciding whether a request
//! may do what it asks is `super`'s.

use std::cmp::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use http::HeaderMap;

/// HMAC-SHA256 of `text` with the base64 `key`, base64-encoded: a Shared Key or SAS signature.
pub fn sign(key: &str, text: &str) -> Option<String> {
    let key = B64.decode(key).ok()?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    Some(B64.encode(ring::hmac::sign(&key, text.as_bytes()).as_ref()))
}

/// Whether two signatures are the same, in time independent of where they differ.
pub fn same_signature(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The weight of a character at the collation's first level: hyphens and apostrophes are
/// ignored there, letters compare without case, digits before letters.
fn primary_weight(c: char) -> u32 {
    match c {
        '-' | '\'' => 0,
        'a'..='z' => 0xe00 + (c as u32 - 'a' as u32) * 4,
        'A'..='Z' => 0xe00 + (c as u32 - 'A' as u32) * 4,
        '0'..='9' => 0xd00 + (c as u32 - '0' as u32) * 2,
        '_' => 0x744,
        _ => 0x700 + c as u32 % 0x100,
    }
}

/// The weight at the second level, where only hyphens and apostrophes count.
fn secondary_weight(c: char) -> u32 {
    match c {
        '\'' => 0x8012,
        '-' => 0x8212,
        _ => 0,
    }
}

/// How the service orders canonicalized header names: a two-level collation (the order .NET's
/// culture-aware comparison gave, which the service kept). Client SDKs sort the same way; plain
/// byte order differs on names such as `x-ms-meta-a-b` and `x-ms-meta-ab`.
pub fn header_order(left: &str, right: &str) -> Ordering {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    let levels: [fn(char) -> u32; 2] = [primary_weight, secondary_weight];
    for (level, weight) in levels.iter().enumerate() {
        let last = level == levels.len() - 1;
        let (mut i, mut j) = (0, 0);
        loop {
            if last && i != j {
                return j.cmp(&i);
            }
            // Past the end weighs 1: less than any character that counts.
            let w1 = left.get(i).map_or(1, |c| weight(*c));
            let w2 = right.get(j).map_or(1, |c| weight(*c));
            if w1 == 1 && w2 == 1 {
                break;
            }
            if w1 == w2 {
                i += 1;
                j += 1;
            } else if w1 == 0 {
                i += 1;
            } else if w2 == 0 {
                j += 1;
            } else {
                return w1.cmp(&w2);
            }
        }
    }
    Ordering::Equal
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The Shared Key string-to-sign of a request (versions 2015-02-21 on: a zero
/// `Content-Length` is an empty line). `resource_path` is the URI path as sent (still
/// percent-encoded); `query` is the decoded query.
pub fn shared_key_string_to_sign(
    method: &str,
    headers: &HeaderMap,
    account: &str,
    resource_path: &str,
    query: &[(String, String)],
) -> String {
    let mut text = String::with_capacity(256);
    text.push_str(method);
    text.push('\n');
    for name in [
        "content-encoding",
        "content-language",
        "content-length",
        "content-md5",
        "content-type",
        "date",
        "if-modified-since",
        "if-match",
        "if-none-match",
        "if-unmodified-since",
        "range",
    ] {
        let value = header(headers, name);
        // x-ms-date, when present, stands for Date (and Date's line is then empty).
        let value = match name {
            "content-length" if value == "0" => "",
            "date" if headers.contains_key("x-ms-date") => "",
            _ => value,
        };
        text.push_str(value);
        text.push('\n');
    }
    let mut ms_headers: Vec<(String, &str)> = headers
        .iter()
        .filter_map(|(name, value)| {
            let name = name.as_str().to_ascii_lowercase();
            name.starts_with("x-ms-")
                .then(|| value.to_str().ok().map(|v| (name, v)))
                .flatten()
        })
        .collect();
    ms_headers.sort_by(|a, b| header_order(&a.0, &b.0));
    for (name, value) in ms_headers {
        text.push_str(&name);
        text.push(':');
        text.push_str(value.trim());
        text.push('\n');
    }
    text.push('/');
    text.push_str(account);
    text.push_str(resource_path);
    let mut params: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, value) in query {
        let name = name.to_ascii_lowercase();
        match params.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => params.push((name, vec![value])),
        }
    }
    params.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, mut values) in params {
        values.sort_unstable();
        text.push('\n');
        text.push_str(&name);
        text.push(':');
        text.push_str(&values.join(","));
    }
    text
}

/// A SAS token's fields, read from the query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SasFields {
    pub version: String,
    pub services: Option<String>,
    pub resource_types: Option<String>,
    pub resource: Option<String>,
    pub permissions: Option<String>,
    pub start: Option<String>,
    pub expiry: Option<String>,
    pub identifier: Option<String>,
    pub ip: Option<String>,
    pub protocol: Option<String>,
    pub encryption_scope: Option<String>,
    pub snapshot_time: Option<String>,
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub content_type: Option<String>,
    pub user_delegation: bool,
    pub signature: String,
}

impl SasFields {
    /// The token in a query, if it carries one (`sig` and `sv`).
    pub fn from_query(query: &[(String, String)]) -> Option<Self> {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        Some(Self {
            signature: get("sig")?,
            version: get("sv")?,
            services: get("ss"),
            resource_types: get("srt"),
            resource: get("sr"),
            permissions: get("sp"),
            start: get("st"),
            expiry: get("se"),
            identifier: get("si"),
            ip: get("sip"),
            protocol: get("spr"),
            encryption_scope: get("ses"),
            snapshot_time: get("sst"),
            cache_control: get("rscc"),
            content_disposition: get("rscd"),
            content_encoding: get("rsce"),
            content_language: get("rscl"),
            content_type: get("rsct"),
            user_delegation: get("skoid").is_some(),
        })
    }

    /// An account SAS names services and resource types; a service SAS names a resource.
    pub fn is_account_sas(&self) -> bool {
        self.services.is_some() && self.resource_types.is_some()
    }

    fn line(value: &Option<String>) -> &str {
        value.as_deref().unwrap_or("")
    }

    /// Versions from 2020-12-06 sign the encryption scope too.
    fn signs_encryption_scope(&self) -> bool {
        self.version.as_str() >= "2020-12-06"
    }

    /// The account SAS string-to-sign.
    pub fn account_string_to_sign(&self, account: &str) -> String {
        let mut lines = vec![
            account,
            Self::line(&self.permissions),
            Self::line(&self.services),
            Self::line(&self.resource_types),
            Self::line(&self.start),
            Self::line(&self.expiry),
            Self::line(&self.ip),
            Self::line(&self.protocol),
            &self.version,
        ];
        if self.signs_encryption_scope() {
            lines.push(Self::line(&self.encryption_scope));
        }
        let mut text = lines.join("\n");
        text.push('\n');
        text
    }

    /// The blob service SAS string-to-sign for `canonical_resource`
    /// (`/blob/ACCOUNT/CONTAINER[/BLOB]`), versions 2018-11-09 on.
    pub fn service_string_to_sign(&self, canonical_resource: &str) -> String {
        let mut lines = vec![
            Self::line(&self.permissions),
            Self::line(&self.start),
            Self::line(&self.expiry),
            canonical_resource,
            Self::line(&self.identifier),
            Self::line(&self.ip),
            Self::line(&self.protocol),
            &self.version,
            Self::line(&self.resource),
            Self::line(&self.snapshot_time),
        ];
        if self.signs_encryption_scope() {
            lines.push(Self::line(&self.encryption_scope));
        }
        lines.extend([
            Self::line(&self.cache_control),
            Self::line(&self.content_disposition),
            Self::line(&self.content_encoding),
            Self::line(&self.content_language),
            Self::line(&self.content_type),
        ]);
        lines.join("\n")
    }
}

/// A SAS time (`2026-12-07T10:00:00Z`, seconds or minutes precision, or a date) in seconds
/// since the epoch.
pub fn parse_sas_time(text: &str) -> Option<i64> {
    use time::format_description::well_known::Iso8601;
    if let Ok(at) = time::OffsetDateTime::parse(text, &Iso8601::DEFAULT) {
        return Some(at.unix_timestamp());
    }
    let with_seconds = if text.len() == 17 && text.ends_with('Z') {
        format!("{}:00Z", &text[..16])
    } else if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        return None;
    };
    time::OffsetDateTime::parse(&with_seconds, &Iso8601::DEFAULT)
        .ok()
        .map(|at| at.unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        names.sort_by(|a, b| header_order(a, b));
        names
    }

    #[test]
    fn headers_sort_in_the_services_collation() {
        assert_eq!(
            sorted(&[
                "x-ms-version",
                "x-ms-date",
                "x-ms-blob-type",
                "x-ms-client-request-id"
            ]),
            [
                "x-ms-blob-type",
                "x-ms-client-request-id",
                "x-ms-date",
                "x-ms-version"
            ]
        );
        // Hyphens are ignored first: "meta-ab" sorts after "meta-a-b"? No: a-b ≡ ab at the
        // first level, and at the second the one whose hyphen comes later goes first.
        assert_eq!(header_order("x-ms-meta-ab", "x-ms-meta-ac"), Ordering::Less);
        assert_eq!(header_order("x-ms-meta-a", "x-ms-meta-ab"), Ordering::Less);
        assert_ne!(
            header_order("x-ms-meta-a-b", "x-ms-meta-ab"),
            Ordering::Equal
        );
        assert_eq!(
            header_order("x-ms-meta-a_b", "x-ms-meta-a0"),
            Ordering::Less
        );
    }

    #[test]
    fn shared_key_string_to_sign_as_documented() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ms-version", "2021-08-06".parse().unwrap());
        headers.insert(
            "x-ms-date",
            "Mon, 07 Dec 2026 06:00:00 GMT".parse().unwrap(),
        );
        headers.insert("content-length", "0".parse().unwrap());
        headers.insert("date", "ignored".parse().unwrap());
        let query = vec![
            ("restype".to_string(), "container".to_string()),
            ("comp".to_string(), "list".to_string()),
        ];
        let text = shared_key_string_to_sign("GET", &headers, "acct", "/c", &query);
        assert_eq!(
            text,
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Mon, 07 Dec 2026 06:00:00 GMT\nx-ms-version:2021-08-06\n/acct/c\ncomp:list\nrestype:container"
        );
    }

    #[test]
    fn signatures_are_hmac_sha256_of_the_decoded_key() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), base64.
        let key = B64.encode("key");
        assert_eq!(
            sign(&key, "The quick brown fox jumps over the lazy dog").as_deref(),
            Some("97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=")
        );
        assert!(sign("not base64!", "x").is_none());
    }

    #[test]
    fn sas_strings_to_sign() {
        let query: Vec<(String, String)> = [
            ("sv", "2021-08-06"),
            ("ss", "b"),
            ("srt", "sco"),
            ("sp", "rl"),
            ("se", "2026-12-08T00:00:00Z"),
            ("sig", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sas = SasFields::from_query(&query).unwrap();
        assert!(sas.is_account_sas());
        assert_eq!(
            sas.account_string_to_sign("acct"),
            "acct\nrl\nb\nsco\n\n2026-12-08T00:00:00Z\n\n\n2021-08-06\n\n"
        );
        let service = SasFields {
            version: "2019-12-12".into(),
            resource: Some("b".into()),
            permissions: Some("r".into()),
            expiry: Some("2026-12-08T00:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(
            service.service_string_to_sign("/blob/acct/c/b"),
            "r\n\n2026-12-08T00:00:00Z\n/blob/acct/c/b\n\n\n\n2019-12-12\nb\n\n\n\n\n\n"
        );
    }

    #[test]
    fn sas_times() {
        assert_eq!(parse_sas_time("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_sas_time("1970-01-01T00:01Z"), Some(60));
        assert_eq!(parse_sas_time("1970-01-02"), Some(86_400));
        assert_eq!(parse_sas_time("soon"), None);
    }
}
