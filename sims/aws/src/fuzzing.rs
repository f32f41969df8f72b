//! Entry points for the fuzz targets in `sims/aws/fuzz` and for the test that replays their
//! corpus (`tests/fuzz_corpus.rs`). Each takes arbitrary bytes, drives one parser the way a
//! request would, and must return without panicking whatever the bytes are.

use crate::model;
use crate::protocol::route::{Catalog, is_form, parse_pairs};
use crate::protocol::{self, Input, sigv4, timestamp, xml};

/// A json-protocol body against real ECS and CloudWatch Logs operations.
pub fn json_request(data: &[u8]) {
    for (model, operation) in [
        (model::ecs(), "RunTask"),
        (model::ecs(), "RegisterTaskDefinition"),
        (model::ecs(), "CreateService"),
        (model::logs(), "PutLogEvents"),
        (model::logs(), "FilterLogEvents"),
    ] {
        if let Some(operation) = model.operation(operation) {
            let _ = protocol::decode(
                model,
                operation,
                Input::Json { body: data },
                "InvalidParameterException",
            );
        }
    }
}

/// A form body: routed among the query services, then decoded against IAM and STS operations.
pub fn query_request(data: &[u8]) {
    let params = parse_pairs(data);
    let catalog = Catalog::new(model::all());
    let method = http::Method::POST;
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    if is_form(&method, &headers, &params) {
        let _ = catalog.route(&method, "/", &params, &headers, Some(params.clone()), None);
    }
    for (model, operation) in [
        (model::iam(), "CreateRole"),
        (model::iam(), "PutRolePolicy"),
        (model::iam(), "TagRole"),
        (model::iam(), "ListRoles"),
        (model::sts(), "AssumeRole"),
    ] {
        if let Some(operation) = model.operation(operation) {
            let _ = protocol::decode(
                model,
                operation,
                Input::Query { params: &params },
                "ValidationError",
            );
        }
    }
}

/// An XML document, parsed and read as IAM shapes (the reader rest-xml bodies go through).
pub fn xml_document(data: &[u8]) {
    if let Ok(root) = xml::parse(data) {
        let invalid =
            |message: String| crate::error::AwsError::with_status("MalformedXML", 400, message);
        for shape in ["Role", "Policy", "CreateRoleRequest", "TagRoleRequest"] {
            let _ = xml::from_element(model::iam(), shape, None, &root, &invalid);
        }
    }
}

/// An `Authorization` header and a query string, as SigV4 reads them, plus timestamps.
pub fn signature(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_str(&text) {
        headers.insert(http::header::AUTHORIZATION, value);
    }
    let query = parse_pairs(data);
    if let Some(signature) = sigv4::signature(&headers, &query) {
        let request = sigv4::SignedRequest {
            method: &http::Method::POST,
            raw_path: "/",
            query: &query,
            headers: &headers,
            body: data,
        };
        let _ = sigv4::verify(&request, &signature, "secret");
    }
    let _ = sigv4::access_key(&headers, &query);
    let _ = timestamp::parse(&text);
}

/// A CloudWatch Logs filter pattern, matched against the bytes as a message too.
pub fn filter_pattern(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(pattern) = crate::services::logs::pattern::parse_filter_pattern(&text) {
        let _ = pattern.matches(&text);
        let _ = pattern.matches(r#"{"a":1,"b":"x","c":[1,2],"d":{"e":null}}"#);
    }
}
