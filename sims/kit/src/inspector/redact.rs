//! Redaction of what the inspector shows: credentials in headers (`Authorization` keeps its
//! scheme and, for SigV4, the credential scope but not the signature; `Cookie`, session and
//! private tokens go entirely), signatures and tokens in query strings (presigned URLs, SAS),
//! and secret members of JSON, XML and form bodies (`SecretString`, `SecretAccessKey`,
//! `password`, `token`, ...). Bodies are scanned as text rather than parsed, so a body cut at
//! [`super::BODY_CAP`] is redacted as well as a whole one.
//!
//! What this module must not do: fail. Whatever it cannot read is shown as bytes it does not
//! interpret (base64), never dropped with an error.

use base64::Engine;
use serde_json::{Value, json};

use super::slot::{BodyBytes, HeaderLines};

/// What replaces a secret.
pub const MARKER: &str = "***redacted***";

/// Whether a member, parameter or element called `name` holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let plain: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    const PARTS: [&str; 9] = [
        "secret",
        "sessiontoken",
        "securitytoken",
        "password",
        "privatekey",
        "accesstoken",
        "authorizationtoken",
        "refreshtoken",
        "signature",
    ];
    const WHOLE: [&str; 10] = [
        "token",
        "authtoken",
        "privatetoken",
        "jobtoken",
        "runnertoken",
        "idtoken",
        "webidentitytoken",
        "samlassertion",
        "sig",
        "passphrase",
    ];
    // Names of secrets are not secrets: `SecretId`, `SecretArn`, `SecretName`.
    let names_one = ["id", "ids", "arn", "name", "names"]
        .iter()
        .any(|suffix| plain.ends_with(suffix));
    (!names_one && PARTS.iter().any(|part| plain.contains(part))) || WHOLE.contains(&plain.as_str())
}

/// Whether a header called `name` (lower case) carries a credential.
fn is_secret_header(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "proxy-authorization"
            | "cookie"
            | "set-cookie"
            | "x-amz-security-token"
            | "x-sockerless-admin-token"
            | "private-token"
            | "job-token"
            | "x-gitlab-token"
            | "x-api-key"
            | "x-csrf-token"
    ) || name.contains("token")
        || name.contains("secret")
        || name.contains("password")
        || name.ends_with("-customer-key")
}

/// An `Authorization` value with its secret part replaced: SigV4 keeps everything but the
/// signature; any other scheme keeps only its name.
fn authorization(value: &str) -> String {
    if value.starts_with("AWS4-") {
        return value
            .split(',')
            .map(|part| {
                let trimmed = part.trim_start();
                match trimmed.strip_prefix("Signature=") {
                    Some(_) => {
                        let indent = &part[..part.len() - trimmed.len()];
                        format!("{indent}Signature={MARKER}")
                    }
                    None => part.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(",");
    }
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} {MARKER}"),
        None => MARKER.to_string(),
    }
}

/// Headers as `[[name, value], ...]`, in order, credentials redacted.
pub fn headers<'a>(lines: impl Iterator<Item = (&'a str, &'a [u8])>) -> Value {
    let pairs: Vec<Value> = lines
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value);
            let shown = if name == "authorization" || name == "proxy-authorization" {
                authorization(&text)
            } else if is_secret_header(name) {
                MARKER.to_string()
            } else {
                text.into_owned()
            };
            json!([name, shown])
        })
        .collect();
    Value::Array(pairs)
}

/// A query string with secret parameters' values replaced, the rest as sent.
pub fn query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded: String = form_urlencoded::parse(name.as_bytes())
                .map(|(key, _)| key.into_owned())
                .next()
                .unwrap_or_default();
            if !value.is_empty() && is_secret_name(&decoded) {
                format!("{name}={MARKER}")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A request target (path and query) with the query redacted.
pub fn target(target: &str) -> String {
    match target.split_once('?') {
        Some((path, q)) => format!("{path}?{}", query(q)),
        None => target.to_string(),
    }
}

/// A body for display: `{"size", "truncated", "text"}` with secrets redacted when it is text,
/// or `{"size", "truncated", "base64"}` when it is not.
pub fn body(body: &BodyBytes, headers: &HeaderLines) -> Value {
    let (kept, total) = (body.kept.as_slice(), body.total);
    let truncated = (kept.len() as u64) < total;
    let content_type = headers
        .get("content-type")
        .map(|value| String::from_utf8_lossy(value).to_ascii_lowercase())
        .unwrap_or_default();
    // A body cut in the middle of a UTF-8 sequence is still text up to the cut.
    let text = match std::str::from_utf8(kept) {
        Ok(text) => Some(text),
        Err(error) if truncated && error.error_len().is_none() => {
            std::str::from_utf8(&kept[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    match text {
        Some(text) => {
            let shown = if content_type.contains("x-www-form-urlencoded") {
                query(text)
            } else {
                xml(&json_text(text))
            };
            json!({"size": total, "truncated": truncated, "text": shown})
        }
        None => json!({
            "size": total,
            "truncated": truncated,
            "base64": base64::engine::general_purpose::STANDARD.encode(kept),
        }),
    }
}

/// JSON text with the string values of secret members replaced, formatting kept. Works on
/// JSON cut short too: it only looks at `"name": "value"` pairs.
pub fn json_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    let mut copied = 0;
    while index < bytes.len() {
        if bytes[index] != b'"' {
            index += 1;
            continue;
        }
        let Some(end) = string_end(bytes, index) else {
            break;
        };
        let name = &text[index + 1..end];
        let mut after = end + 1;
        while after < bytes.len() && bytes[after].is_ascii_whitespace() {
            after += 1;
        }
        if after < bytes.len() && bytes[after] == b':' {
            after += 1;
            while after < bytes.len() && bytes[after].is_ascii_whitespace() {
                after += 1;
            }
            if after < bytes.len() && bytes[after] == b'"' && is_secret_name(name) {
                let value_end = string_end(bytes, after).unwrap_or(bytes.len());
                out.push_str(&text[copied..=after]);
                out.push_str(MARKER);
                copied = value_end.min(bytes.len());
                index = value_end.saturating_add(1);
                continue;
            }
        }
        index = end + 1;
    }
    out.push_str(&text[copied.min(text.len())..]);
    out
}

/// The index of the quote closing the JSON string opened at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut index = start + 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => return Some(index),
            _ => index += 1,
        }
    }
    None
}

/// XML text with the content of secret elements (`<SecretAccessKey>...</...>`) replaced.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        let tag = &rest[open + 1..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        let name = tag.split_whitespace().next().unwrap_or("");
        let local = name.rsplit(':').next().unwrap_or(name);
        let opening = !tag.starts_with('/') && !tag.starts_with('?') && !tag.ends_with('/');
        if opening && is_secret_name(local) {
            let content_end = rest.find('<').unwrap_or(rest.len());
            if content_end > 0 {
                out.push_str(MARKER);
            }
            rest = &rest[content_end..];
        }
    }
    out.push_str(rest);
    out
}
