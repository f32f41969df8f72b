//! Entry points for the fuzz targets in `sims/aws/fuzz` and for the test that replays their
//! corpus (`tests/fuzz_corpus.rs`). Each takes arbitrary bytes, drives one parser the way a
//! request would, and must return without panicking whatever the bytes are.

use std::sync::OnceLock;

use crate::model::{self, Model};
use crate::protocol::query::{self, Dialect};
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
                &crate::protocol::shape::Validation::standard("InvalidParameterException"),
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
                &crate::protocol::shape::Validation::standard("ValidationError"),
            );
            // The ec2 dialect reads the same shapes with its own names and flattening.
            let _ = query::decode(
                model,
                operation,
                &params,
                Dialect::Ec2,
                "InvalidParameterValue",
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

/// A Logs Insights query, run over a few fixed records when it parses.
pub fn insights_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(query) = crate::services::logs::insights::parse::parse_query(&text) {
        let _ = crate::services::logs::insights::run_on_samples(&query);
    }
}

/// A small model with rest-json and rest-xml bindings of every kind: URI labels (greedy too),
/// query strings, headers, header maps, raw and structured payloads.
fn rest_models() -> &'static [Model; 2] {
    static MODELS: OnceLock<[Model; 2]> = OnceLock::new();
    MODELS.get_or_init(|| {
        let model = |protocol: &str, prefix: &str| {
            let text = REST_MODEL
                .replace("PROTOCOL", protocol)
                .replace("PREFIX", prefix);
            // A fixed model, parsed by the corpus test on every run: it cannot fail later.
            Model::parse(&text).unwrap_or_else(|error| panic!("the fuzzing model: {error}"))
        };
        [model("rest-json", "lambda"), model("rest-xml", "s3")]
    })
}

const REST_MODEL: &str = r#"{
  "metadata": {"apiVersion": "2015-03-31", "endpointPrefix": "PREFIX", "protocol": "PROTOCOL"},
  "operations": {
    "Get": {"name": "Get", "http": {"method": "GET", "requestUri": "/things/{Name}"}, "input": {"shape": "GetIn"}},
    "Put": {"name": "Put", "http": {"method": "PUT", "requestUri": "/{Bucket}/{Key+}"}, "input": {"shape": "PutIn"}},
    "Tag": {"name": "Tag", "http": {"method": "PUT", "requestUri": "/{Bucket}/{Key+}?tagging"}, "input": {"shape": "TagIn"}},
    "Post": {"name": "Post", "http": {"method": "POST", "requestUri": "/things"}, "input": {"shape": "PostIn"}}
  },
  "shapes": {
    "GetIn": {"type": "structure", "required": ["Name"], "members": {
      "Name": {"shape": "Str", "location": "uri", "locationName": "Name"},
      "Max": {"shape": "Int", "location": "querystring", "locationName": "max"},
      "Ids": {"shape": "List", "location": "querystring", "locationName": "id"},
      "Since": {"shape": "Time", "location": "header", "locationName": "If-Modified-Since"},
      "Tags": {"shape": "List", "location": "header", "locationName": "x-tags"},
      "Doc": {"shape": "Str", "location": "header", "locationName": "x-doc", "jsonvalue": true},
      "Rest": {"shape": "Map", "location": "querystring"}}},
    "PutIn": {"type": "structure", "payload": "Body", "members": {
      "Bucket": {"shape": "Str", "location": "uri", "locationName": "Bucket"},
      "Key": {"shape": "Str", "location": "uri", "locationName": "Key"},
      "Meta": {"shape": "Map", "location": "headers", "locationName": "x-amz-meta-"},
      "Body": {"shape": "Blob"}}},
    "TagIn": {"type": "structure", "payload": "Tagging", "members": {
      "Bucket": {"shape": "Str", "location": "uri", "locationName": "Bucket"},
      "Key": {"shape": "Str", "location": "uri", "locationName": "Key"},
      "Tagging": {"shape": "Tagging", "locationName": "Tagging"}}},
    "PostIn": {"type": "structure", "members": {
      "Name": {"shape": "Str"}, "Count": {"shape": "Int"}, "When": {"shape": "Time"},
      "Tags": {"shape": "Tags", "flattened": true}, "Nested": {"shape": "PostIn"}, "Map": {"shape": "Map"}}},
    "Tagging": {"type": "structure", "members": {"TagSet": {"shape": "Tags"}}},
    "Tags": {"type": "list", "member": {"shape": "TagEntry", "locationName": "Tag"}},
    "TagEntry": {"type": "structure", "members": {"Key": {"shape": "Str"}, "Value": {"shape": "Str", "xmlAttribute": true}}},
    "Str": {"type": "string"}, "Int": {"type": "integer"}, "Time": {"type": "timestamp"}, "Blob": {"type": "blob"},
    "List": {"type": "list", "member": {"shape": "Str"}},
    "Map": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}}
  }
}"#;

/// A REST request as text: the first line is `METHOD /path?query`, then `Name: value` header
/// lines, an empty line, and the body. Routed by URI template and decoded for rest-json and
/// rest-xml.
pub fn rest_request(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let Some(request_line) = lines.next() else {
        return;
    };
    let (method, target) = request_line.split_once(' ').unwrap_or((request_line, "/"));
    let Ok(method) = http::Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = parse_pairs(query.as_bytes());
    let mut headers = http::HeaderMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.trim().as_bytes()),
                http::HeaderValue::from_str(value.trim()),
            )
        {
            headers.append(name, value);
        }
    }
    for model in rest_models() {
        // The models live for the whole process, as vendored ones do.
        let catalog = Catalog::new(vec![model]);
        if let Ok(routed) = catalog.route(&method, path, &query, &headers, None, None) {
            let input = Input::Rest {
                labels: &routed.labels,
                query: &query,
                headers: &headers,
                body: body.as_bytes(),
            };
            let _ = protocol::decode(
                model,
                routed.operation,
                input,
                &crate::protocol::shape::Validation::standard("ValidationException"),
            );
        }
    }
}
