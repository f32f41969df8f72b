//! The rest-json and rest-xml protocols: operations are found by method and URI template
//! (`/2015-03-31/functions/{FunctionName}/invocations`, `/{Bucket}/{Key+}?tagging`), and members
//! travel in the path, the query string, headers, or the body (a JSON object or XML document of
//! the body members, or one `payload` member sent raw).

use std::collections::HashMap;

use base64::Engine;
use http::HeaderMap;
use serde_json::{Map, Value};

use super::shape::{self, list_member, scalar_from_text};
use super::xml::{self, XmlWriter, scalar_text_as};
use super::{WireResponse, resolve_error};
use crate::error::{AwsError, Fault};
use crate::model::{Location, Model, Operation, Protocol, ShapeType, TimestampFormat};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Label(String),
    Greedy(String),
}

/// A parsed `requestUri`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    segments: Vec<Segment>,
    /// Query parameters the template requires (`?tagging`, `?list-type=2`).
    query: Vec<(String, Option<String>)>,
}

impl UriTemplate {
    pub fn parse(request_uri: &str) -> Self {
        let (path, query) = request_uri.split_once('?').unwrap_or((request_uri, ""));
        let segments = split_path(path)
            .into_iter()
            .map(
                |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(label) => match label.strip_suffix('+') {
                        Some(greedy) => Segment::Greedy(greedy.to_string()),
                        None => Segment::Label(label.to_string()),
                    },
                    None => Segment::Literal(part.to_string()),
                },
            )
            .collect();
        let query = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((key, value)) => (key.to_string(), Some(value.to_string())),
                None => (pair.to_string(), None),
            })
            .collect();
        Self { segments, query }
    }

    /// How specific the template is: literal segments count most, then required query keys.
    pub fn specificity(&self) -> usize {
        let literals = self
            .segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        let greedy = self
            .segments
            .iter()
            .any(|s| matches!(s, Segment::Greedy(_)));
        literals * 100 + self.segments.len() * 10 + self.query.len() * 5 + usize::from(!greedy)
    }

    /// The labels' decoded values if `path` (still percent-encoded) and `query` match.
    pub fn matches(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Option<HashMap<String, String>> {
        for (key, wanted) in &self.query {
            let found = query.iter().find(|(k, _)| k == key)?;
            if let Some(wanted) = wanted
                && &found.1 != wanted
            {
                return None;
            }
        }
        let mut parts = split_path(path);
        // A trailing slash is the same resource.
        if parts.len() == self.segments.len() + 1 && parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        let mut labels = HashMap::new();
        let mut index = 0;
        for segment in &self.segments {
            match segment {
                Segment::Literal(literal) => {
                    if parts.get(index) != Some(&literal.as_str()) {
                        return None;
                    }
                    index += 1;
                }
                Segment::Label(name) => {
                    let part = parts.get(index).filter(|p| !p.is_empty())?;
                    labels.insert(name.clone(), decode_percent(part));
                    index += 1;
                }
                Segment::Greedy(name) => {
                    let rest = parts
                        .get(index..)
                        .filter(|rest| !rest.is_empty())?
                        .join("/");
                    if rest.is_empty() {
                        return None;
                    }
                    labels.insert(name.clone(), decode_percent(&rest));
                    index = parts.len();
                }
            }
        }
        (index == parts.len()).then_some(labels)
    }
}

fn split_path(path: &str) -> Vec<&str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    }
}

fn decode_percent(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Everything of a request the rest protocols read.
pub struct RestRequest<'a> {
    pub labels: &'a HashMap<String, String>,
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

pub fn decode(
    model: &Model,
    operation: &Operation,
    request: &RestRequest<'_>,
    validation_code: &str,
) -> Result<Value, AwsError> {
    let Some(input) = &operation.input else {
        return Ok(Value::Object(Map::new()));
    };
    let target = model
        .shape(&input.shape)
        .map_err(|_| AwsError::internal())?;
    let invalid = |message: String| AwsError::with_status(validation_code, 400, message);
    let mut out = Map::new();
    let mut bound_query: Vec<&str> = Vec::new();
    for member in target.members.values() {
        if member.location == Some(Location::Querystring)
            && let Some(name) = &member.location_name
        {
            bound_query.push(name);
        }
    }
    let mut has_body_members = false;
    for (name, member) in &target.members {
        let member_shape = model
            .shape(&member.shape)
            .map_err(|_| AwsError::internal())?;
        let wire_name = member.location_name.as_deref().unwrap_or(name);
        let value = match member.location {
            Some(Location::Uri) => match request.labels.get(wire_name) {
                Some(text) => Some(scalar_from_text(member_shape, text, &invalid)?),
                None => None,
            },
            Some(Location::Querystring) => match member_shape.kind {
                ShapeType::Map => {
                    let mut entries = Map::new();
                    for (key, value) in request
                        .query
                        .iter()
                        .filter(|(k, _)| !bound_query.contains(&k.as_str()))
                    {
                        entries.insert(key.clone(), Value::String(value.clone()));
                    }
                    (!entries.is_empty()).then_some(Value::Object(entries))
                }
                ShapeType::List => {
                    let element = list_member(member_shape)?;
                    let element_shape = model
                        .shape(&element.shape)
                        .map_err(|_| AwsError::internal())?;
                    let items = request
                        .query
                        .iter()
                        .filter(|(k, _)| k == wire_name)
                        .map(|(_, v)| scalar_from_text(element_shape, v, &invalid))
                        .collect::<Result<Vec<_>, _>>()?;
                    (!items.is_empty()).then_some(Value::Array(items))
                }
                _ => match request.query.iter().find(|(k, _)| k == wire_name) {
                    Some((_, text)) => Some(scalar_from_text(member_shape, text, &invalid)?),
                    None => None,
                },
            },
            Some(Location::Header) => match request
                .headers
                .get(wire_name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            {
                Some(text) if member.jsonvalue => {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(text.trim())
                        .map_err(|_| {
                            invalid(format!("header {wire_name} is not base64-encoded JSON"))
                        })?;
                    Some(Value::String(
                        String::from_utf8_lossy(&decoded).into_owned(),
                    ))
                }
                Some(text) if member_shape.kind == ShapeType::List => {
                    let element = list_member(member_shape)?;
                    let element_shape = model
                        .shape(&element.shape)
                        .map_err(|_| AwsError::internal())?;
                    let items = text
                        .split(',')
                        .map(|item| scalar_from_text(element_shape, item.trim(), &invalid))
                        .collect::<Result<Vec<_>, _>>()?;
                    Some(Value::Array(items))
                }
                Some(text) => Some(scalar_from_text(member_shape, &text, &invalid)?),
                None => None,
            },
            Some(Location::Headers) => {
                let prefix = wire_name.to_ascii_lowercase();
                let mut entries = Map::new();
                for (header, value) in request.headers {
                    if let Some(rest) = header.as_str().strip_prefix(&prefix) {
                        entries.insert(
                            rest.to_string(),
                            Value::String(String::from_utf8_lossy(value.as_bytes()).into_owned()),
                        );
                    }
                }
                (!entries.is_empty()).then_some(Value::Object(entries))
            }
            Some(Location::StatusCode) => None,
            None => {
                has_body_members = true;
                None
            }
        };
        if let Some(value) = value {
            out.insert(name.clone(), value);
        }
    }

    let protocol = model.metadata.protocol;
    if let Some(payload) = &target.payload {
        let member = target.members.get(payload).ok_or_else(AwsError::internal)?;
        let member_shape = model
            .shape(&member.shape)
            .map_err(|_| AwsError::internal())?;
        let value = match member_shape.kind {
            ShapeType::Blob => Some(Value::String(
                base64::engine::general_purpose::STANDARD.encode(request.body),
            )),
            ShapeType::String => Some(Value::String(
                String::from_utf8_lossy(request.body).into_owned(),
            )),
            _ if request.body.iter().all(u8::is_ascii_whitespace) => None,
            _ => Some(decode_body(
                model,
                protocol,
                &member.shape,
                request.body,
                &invalid,
            )?),
        };
        if let Some(value) = value {
            out.insert(payload.clone(), value);
        }
    } else if has_body_members
        && !request.body.iter().all(u8::is_ascii_whitespace)
        && let Value::Object(members) =
            decode_body(model, protocol, &input.shape, request.body, &invalid)?
    {
        for (name, value) in members {
            let is_body = target
                .members
                .get(&name)
                .is_some_and(|m| m.location.is_none());
            if is_body {
                out.insert(name, value);
            }
        }
    }
    Ok(Value::Object(out))
}

fn decode_body(
    model: &Model,
    protocol: Protocol,
    shape_name: &str,
    body: &[u8],
    invalid: &dyn Fn(String) -> AwsError,
) -> Result<Value, AwsError> {
    if protocol == Protocol::RestXml {
        let root = xml::parse(body).map_err(|message| AwsError::with_status("MalformedXML", 400, format!(
            "The XML you provided was not well-formed or did not validate against our published schema: {message}"
        )))?;
        xml::from_element(model, shape_name, None, &root, invalid)
    } else {
        let parsed: Value = serde_json::from_slice(body)
            .map_err(|error| AwsError::serialization(super::json::json_error_message(&error)))?;
        shape::from_json(model, shape_name, parsed)
    }
}

fn content_type(protocol: Protocol) -> &'static str {
    if protocol == Protocol::RestXml {
        "application/xml"
    } else {
        "application/json"
    }
}

pub fn encode(model: &Model, operation: &Operation, output: &Value) -> WireResponse {
    let protocol = model.metadata.protocol;
    let mut response = WireResponse::new(
        operation.http.response_code.unwrap_or(200),
        String::new(),
        Vec::new(),
    );
    let Some(output_ref) = &operation.output else {
        return response;
    };
    let Ok(target) = model.shape(&output_ref.shape) else {
        return response;
    };
    let empty = Map::new();
    let object = output.as_object().unwrap_or(&empty);
    // S3's GetBucketLocation answers the constraint as the text of a root
    // `<LocationConstraint>` (empty for us-east-1), not inside an output element.
    if protocol == Protocol::RestXml && operation.name == "GetBucketLocation" {
        let mut writer = XmlWriter::new();
        let namespace = model
            .metadata
            .xml_namespace
            .iter()
            .map(|n| ("xmlns".to_string(), n.clone()))
            .collect::<Vec<_>>();
        let constraint = object
            .get("LocationConstraint")
            .and_then(Value::as_str)
            .unwrap_or_default();
        writer.open("LocationConstraint", &namespace);
        writer.text(constraint);
        writer.close("LocationConstraint");
        response.body = writer.finish().into_bytes();
        response.content_type = content_type(protocol).to_string();
        return response;
    }
    let mut body_members = Map::new();
    for (name, member) in &target.members {
        let Some(value) = object.get(name).filter(|v| !v.is_null()) else {
            continue;
        };
        let wire_name = member.location_name.as_deref().unwrap_or(name);
        match member.location {
            Some(Location::StatusCode) => {
                if let Some(status) = value.as_u64() {
                    response.status = status as u16;
                }
            }
            Some(Location::Header) => {
                let text = if member.jsonvalue {
                    base64::engine::general_purpose::STANDARD
                        .encode(value.as_str().unwrap_or_default())
                } else if let Value::Array(items) = value {
                    items
                        .iter()
                        .map(|item| {
                            item.as_str()
                                .map_or_else(|| item.to_string(), str::to_string)
                        })
                        .collect::<Vec<_>>()
                        .join(",")
                } else {
                    scalar_text_as(
                        model,
                        &member.shape,
                        Some(member),
                        value,
                        TimestampFormat::Rfc822,
                    )
                };
                response.headers.push((wire_name.to_string(), text));
            }
            Some(Location::Headers) => {
                if let Value::Object(entries) = value {
                    for (key, entry) in entries {
                        response.headers.push((
                            format!("{wire_name}{key}"),
                            entry.as_str().unwrap_or_default().to_string(),
                        ));
                    }
                }
            }
            Some(Location::Uri | Location::Querystring) => {}
            None => {
                body_members.insert(name.clone(), value.clone());
            }
        }
    }
    if let Some(payload) = &target.payload {
        let Some(member) = target.members.get(payload) else {
            return response;
        };
        let Some(value) = body_members.get(payload) else {
            return response;
        };
        let Ok(member_shape) = model.shape(&member.shape) else {
            return response;
        };
        match member_shape.kind {
            ShapeType::Blob => {
                response.body = base64::engine::general_purpose::STANDARD
                    .decode(value.as_str().unwrap_or_default())
                    .unwrap_or_default();
                set_default_content_type(&mut response, "application/octet-stream");
            }
            ShapeType::String => {
                response.body = value.as_str().unwrap_or_default().as_bytes().to_vec();
                set_default_content_type(&mut response, "text/plain");
            }
            _ => {
                response.body = encode_body(
                    model,
                    protocol,
                    &member.shape,
                    member
                        .location_name
                        .as_deref()
                        .or(member_shape.location_name.as_deref())
                        .unwrap_or(payload),
                    value,
                );
                set_default_content_type(&mut response, content_type(protocol));
            }
        }
    } else if !body_members.is_empty() || target.members.values().any(|m| m.location.is_none()) {
        let root = target
            .location_name
            .clone()
            .or_else(|| xml_root_name(model, &operation.name).map(str::to_string))
            .unwrap_or_else(|| output_ref.shape.clone());
        response.body = encode_body(
            model,
            protocol,
            &output_ref.shape,
            &root,
            &Value::Object(body_members),
        );
        set_default_content_type(&mut response, content_type(protocol));
    }
    response
}

/// The root element of S3 outputs whose botocore model leaves it out (botocore ignores the root;
/// other SDKs, the Rust one among them, check it). From S3's API reference (`@xmlName` in its
/// Smithy model).
const S3_OUTPUT_ROOTS: &[(&str, &str)] = &[
    ("CompleteMultipartUpload", "CompleteMultipartUploadResult"),
    ("CreateMultipartUpload", "InitiateMultipartUploadResult"),
    ("CreateSession", "CreateSessionResult"),
    ("DeleteObjects", "DeleteResult"),
    (
        "GetBucketAccelerateConfiguration",
        "AccelerateConfiguration",
    ),
    ("GetBucketAcl", "AccessControlPolicy"),
    ("GetBucketCors", "CORSConfiguration"),
    ("GetBucketLifecycle", "LifecycleConfiguration"),
    ("GetBucketLifecycleConfiguration", "LifecycleConfiguration"),
    ("GetBucketLogging", "BucketLoggingStatus"),
    ("GetBucketNotification", "NotificationConfiguration"),
    (
        "GetBucketNotificationConfiguration",
        "NotificationConfiguration",
    ),
    ("GetBucketRequestPayment", "RequestPaymentConfiguration"),
    ("GetBucketTagging", "Tagging"),
    ("GetBucketVersioning", "VersioningConfiguration"),
    ("GetBucketWebsite", "WebsiteConfiguration"),
    ("GetObjectAcl", "AccessControlPolicy"),
    ("GetObjectAttributes", "GetObjectAttributesResponse"),
    ("GetObjectTagging", "Tagging"),
    (
        "ListBucketAnalyticsConfigurations",
        "ListBucketAnalyticsConfigurationResult",
    ),
    (
        "ListBucketIntelligentTieringConfigurations",
        "ListBucketIntelligentTieringConfigurationsOutput",
    ),
    (
        "ListBucketInventoryConfigurations",
        "ListInventoryConfigurationsResult",
    ),
    (
        "ListBucketMetricsConfigurations",
        "ListMetricsConfigurationsResult",
    ),
    ("ListBuckets", "ListAllMyBucketsResult"),
    ("ListDirectoryBuckets", "ListAllMyDirectoryBucketsResult"),
    ("ListMultipartUploads", "ListMultipartUploadsResult"),
    ("ListObjectVersions", "ListVersionsResult"),
    ("ListObjects", "ListBucketResult"),
    ("ListObjectsV2", "ListBucketResult"),
    ("ListParts", "ListPartsResult"),
];

fn xml_root_name(model: &Model, operation: &str) -> Option<&'static str> {
    if model.metadata.endpoint_prefix != "s3" {
        return None;
    }
    S3_OUTPUT_ROOTS
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|(_, root)| *root)
}

fn set_default_content_type(response: &mut WireResponse, content_type: &str) {
    if !response
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        response.content_type = content_type.to_string();
    }
}

fn encode_body(
    model: &Model,
    protocol: Protocol,
    shape_name: &str,
    element_name: &str,
    value: &Value,
) -> Vec<u8> {
    if protocol == Protocol::RestXml {
        let mut writer = XmlWriter::new();
        let mut with_namespace = Vec::new();
        if let Some(namespace) = &model.metadata.xml_namespace {
            with_namespace.push(("xmlns".to_string(), namespace.clone()));
        }
        match value {
            Value::Object(object)
                if model
                    .shape(shape_name)
                    .is_ok_and(|s| s.kind == ShapeType::Structure) =>
            {
                writer.open(element_name, &with_namespace);
                writer.members(model, shape_name, object);
                writer.close(element_name);
            }
            other => writer.value(model, shape_name, None, element_name, other),
        }
        writer.finish().into_bytes()
    } else {
        serde_json::to_vec(&shape::to_json(model, shape_name, value.clone(), None))
            .unwrap_or_default()
    }
}

pub fn error(model: &Model, error: &AwsError, request_id: &str) -> WireResponse {
    let (code, status, fault) = resolve_error(model, error);
    if model.metadata.protocol == Protocol::RestXml {
        let mut writer = XmlWriter::new();
        // S3 answers with a bare <Error>; the other rest-xml services wrap it.
        let bare = model.metadata.endpoint_prefix == "s3";
        if !bare {
            writer.open("ErrorResponse", &[]);
        }
        writer.open("Error", &[]);
        if !bare {
            writer.element(
                "Type",
                if fault == Fault::Sender {
                    "Sender"
                } else {
                    "Receiver"
                },
            );
        }
        writer.element("Code", &code);
        writer.element("Message", &error.message);
        for (key, value) in &error.fields {
            writer.element(
                key,
                &value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string),
            );
        }
        if bare {
            writer.element("RequestId", request_id);
        }
        writer.close("Error");
        if !bare {
            writer.element("RequestId", request_id);
            writer.close("ErrorResponse");
        }
        let mut response = WireResponse::new(
            status,
            "application/xml".into(),
            writer.finish().into_bytes(),
        );
        response.headers.push(("x-amzn-ErrorType".into(), code));
        response
    } else {
        let mut body = Map::new();
        body.insert("__type".into(), Value::String(code.clone()));
        body.insert("message".into(), Value::String(error.message.clone()));
        for (key, value) in &error.fields {
            body.insert(key.clone(), value.clone());
        }
        let mut response = WireResponse::new(
            status,
            "application/json".into(),
            serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
        );
        response.headers.push(("x-amzn-ErrorType".into(), code));
        response
    }
}
