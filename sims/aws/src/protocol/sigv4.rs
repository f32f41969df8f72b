//! AWS Signature Version 4: reading the credential scope (which names the service and region a
//! request is for) and, under `--strict-auth`, verifying the signature exactly as AWS computes
//! it: canonical request, string to sign, derived signing key, HMAC-SHA256.

use hmac::{Hmac, Mac};
use http::{HeaderMap, Method};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// The credential scope of a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

/// A request's signature, from the `Authorization` header or the presigned query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub scope: Scope,
    pub signed_headers: Vec<String>,
    pub signature: String,
    pub presigned: bool,
}

fn parse_scope(credential: &str) -> Option<Scope> {
    let mut parts = credential.split('/');
    let access_key_id = parts.next()?.to_string();
    let date = parts.next()?.to_string();
    let region = parts.next()?.to_string();
    let service = parts.next()?.to_string();
    (parts.next()? == "aws4_request").then_some(Scope {
        access_key_id,
        date,
        region,
        service,
    })
}

/// Reads the signature of a request, if it has one.
pub fn signature(headers: &HeaderMap, query: &[(String, String)]) -> Option<Signature> {
    if let Some(header) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let rest = header.strip_prefix("AWS4-HMAC-SHA256")?.trim();
        let mut credential = None;
        let mut signed_headers = Vec::new();
        let mut signature = None;
        for part in rest.split(',') {
            let (key, value) = part.trim().split_once('=')?;
            match key {
                "Credential" => credential = parse_scope(value),
                "SignedHeaders" => signed_headers = value.split(';').map(str::to_string).collect(),
                "Signature" => signature = Some(value.to_string()),
                _ => {}
            }
        }
        return Some(Signature {
            scope: credential?,
            signed_headers,
            signature: signature?,
            presigned: false,
        });
    }
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if get("X-Amz-Algorithm") == Some("AWS4-HMAC-SHA256") {
        return Some(Signature {
            scope: parse_scope(get("X-Amz-Credential")?)?,
            signed_headers: get("X-Amz-SignedHeaders")?
                .split(';')
                .map(str::to_string)
                .collect(),
            signature: get("X-Amz-Signature")?.to_string(),
            presigned: true,
        });
    }
    None
}

/// The access key of a request signed with the old Signature Version 2 (`AWS AKID:sig`) or
/// SigV4, for finding the caller when signatures are not verified.
pub fn access_key(headers: &HeaderMap, query: &[(String, String)]) -> Option<String> {
    if let Some(signature) = signature(headers, query) {
        return Some(signature.scope.access_key_id);
    }
    let header = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let rest = header.strip_prefix("AWS ")?;
    Some(rest.split(':').next()?.to_string())
}

const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
const UNRESERVED_AND_SLASH: &percent_encoding::AsciiSet = &UNRESERVED.remove(b'/');

fn uri_encode(text: &str, set: &'static percent_encoding::AsciiSet) -> String {
    percent_encoding::utf8_percent_encode(text, set).to_string()
}

/// Everything of a request the signature covers.
pub struct SignedRequest<'a> {
    pub method: &'a Method,
    /// The path as sent (percent-encoded).
    pub raw_path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

fn canonical_request(request: &SignedRequest<'_>, signature: &Signature) -> String {
    // Every service but S3 signs the path encoded once more; S3 signs it as sent.
    let path = if request.raw_path.is_empty() {
        "/"
    } else {
        request.raw_path
    };
    let canonical_path = if signature.scope.service == "s3" {
        path.to_string()
    } else {
        uri_encode(path, UNRESERVED_AND_SLASH)
    };
    let mut pairs: Vec<(String, String)> = request
        .query
        .iter()
        .filter(|(k, _)| !(signature.presigned && k == "X-Amz-Signature"))
        .map(|(k, v)| (uri_encode(k, UNRESERVED), uri_encode(v, UNRESERVED)))
        .collect();
    pairs.sort();
    let canonical_query = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in &signature.signed_headers {
        let values: Vec<String> = request
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload_hash = match request
        .headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
    {
        Some(declared) => declared.to_string(),
        None if signature.presigned => "UNSIGNED-PAYLOAD".to_string(),
        None => hex::encode(Sha256::digest(request.body)),
    };
    format!(
        "{}\n{canonical_path}\n{canonical_query}\n{canonical_headers}\n{}\n{payload_hash}",
        request.method.as_str(),
        signature.signed_headers.join(";")
    )
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The signature AWS would compute for `request` with `secret`.
pub fn expected_signature(
    request: &SignedRequest<'_>,
    signature: &Signature,
    secret: &str,
) -> String {
    let amz_date = request
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            request
                .query
                .iter()
                .find(|(k, _)| k == "X-Amz-Date")
                .map(|(_, v)| v.clone())
        })
        .unwrap_or_default();
    let scope = &signature.scope;
    let credential_scope = format!(
        "{}/{}/{}/aws4_request",
        scope.date, scope.region, scope.service
    );
    let canonical = canonical_request(request, signature);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{credential_scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = hmac(format!("AWS4{secret}").as_bytes(), &scope.date);
    let key = hmac(&key, &scope.region);
    let key = hmac(&key, &scope.service);
    let key = hmac(&key, "aws4_request");
    hex::encode(hmac(&key, &string_to_sign))
}

/// Whether the request's signature is the one `secret` gives. Compared in constant time.
pub fn verify(request: &SignedRequest<'_>, signature: &Signature, secret: &str) -> bool {
    let expected = expected_signature(request, signature, secret);
    expected.len() == signature.signature.len()
        && expected
            .bytes()
            .zip(signature.signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published example ("get-vanilla" from the SigV4 test suite).
    #[test]
    fn matches_the_aws_test_suite_vanilla_get() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "example.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
                .parse()
                .unwrap(),
        );
        let signature = signature(&headers, &[]).unwrap();
        assert_eq!(signature.scope.service, "service");
        let request = SignedRequest {
            method: &Method::GET,
            raw_path: "/",
            query: &[],
            headers: &headers,
            body: b"",
        };
        assert!(verify(
            &request,
            &signature,
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        ));
        assert!(!verify(&request, &signature, "wrong"));
    }

    #[test]
    fn presigned_scope_and_v2_access_key() {
        let query = vec![
            (
                "X-Amz-Algorithm".to_string(),
                "AWS4-HMAC-SHA256".to_string(),
            ),
            (
                "X-Amz-Credential".to_string(),
                "AKID/20240101/eu-west-1/s3/aws4_request".to_string(),
            ),
            ("X-Amz-SignedHeaders".to_string(), "host".to_string()),
            ("X-Amz-Signature".to_string(), "abc".to_string()),
        ];
        let signature = signature(&HeaderMap::new(), &query).unwrap();
        assert!(signature.presigned);
        assert_eq!(signature.scope.region, "eu-west-1");
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "AWS AKIAOLD:c2lnbmF0dXJl".parse().unwrap());
        assert_eq!(access_key(&headers, &[]), Some("AKIAOLD".to_string()));
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=broken".parse().unwrap(),
        );
        assert_eq!(super::signature(&headers, &[]), None);
    }
}

/// When a presigned URL stops working, in epoch milliseconds: `X-Amz-Date` plus `X-Amz-Expires`
/// seconds (SigV4 query authentication), or `Expires` (S3's SigV2 form, which boto3 still
/// presigns with). `None` for requests that are not presigned or do not say.
pub fn presigned_expiry(query: &[(String, String)]) -> Option<i64> {
    let value = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if value("AWSAccessKeyId").is_some() && value("Signature").is_some() {
        let expires: i64 = value("Expires")?.parse().ok()?;
        return Some(expires.saturating_mul(1000));
    }
    let expires: i64 = value("X-Amz-Expires")?.parse().ok()?;
    let date = value("X-Amz-Date")?;
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let signed = time::PrimitiveDateTime::parse(date, &format)
        .ok()?
        .assume_utc();
    Some((signed.unix_timestamp() + expires) * 1000)
}

#[cfg(test)]
mod presigned_tests {
    use super::presigned_expiry;

    #[test]
    fn expiry_is_date_plus_seconds() {
        let query = vec![
            ("X-Amz-Date".to_string(), "20240102T030405Z".to_string()),
            ("X-Amz-Expires".to_string(), "60".to_string()),
        ];
        assert_eq!(presigned_expiry(&query), Some((1_704_164_645 + 60) * 1000));
        assert_eq!(presigned_expiry(&query[..1]), None);
        let v2 = vec![
            ("AWSAccessKeyId".to_string(), "test".to_string()),
            ("Signature".to_string(), "x".to_string()),
            ("Expires".to_string(), "1700000000".to_string()),
        ];
        assert_eq!(presigned_expiry(&v2), Some(1_700_000_000_000));
    }
}
