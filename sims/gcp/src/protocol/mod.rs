//! The wire: Google's REST/JSON conventions, driven by the vendored discovery documents.
//!
//! - [`route`]: a request's method and path to a discovery method and its path parameters;
//! - [`Call`]: the request's parameters, checked against the method's declared parameters
//!   (required, integer, boolean, enum), and the system parameters (`alt`,
//!   `$alt=json;enum-encoding=int`, `fields`, `prettyPrint`);
//! - [`json_response`] and [`render_error`]: typed outputs and [`GcpError`] in Google's shapes;
//! - [`fields`] (partial responses) and [`paging`] (page tokens).
//!
//! Must not: know what a bucket or a log entry is.

pub mod fields;
pub mod paging;
pub mod route;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sim_gcp_shapes::Location;

use crate::error::{ErrorStyle, GcpError};
use route::Routed;

/// How the client wants the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alt {
    Json,
    /// `alt=media`: the object's bytes.
    Media,
}

/// A routed request with its parameters.
#[derive(Debug)]
pub struct Call {
    pub routed: Routed,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub alt: Alt,
    pub enums_as_numbers: bool,
    pub fields: Option<fields::Selection>,
    pub style: ErrorStyle,
}

impl Call {
    /// Parses the query and checks every parameter against the method's declaration.
    pub fn new(
        routed: Routed,
        raw_query: Option<&str>,
        headers: HeaderMap,
        style: ErrorStyle,
    ) -> Result<Self, GcpError> {
        let query: Vec<(String, String)> =
            form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let find = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let alt = match find("alt") {
            None | Some("json") => Alt::Json,
            Some("media") if routed.method.media_download => Alt::Media,
            Some(other) => {
                return Err(GcpError::invalid(format!("Invalid value for alt: {other}"))
                    .with_location("parameter", "alt"));
            }
        };
        // `$alt=json;enum-encoding=int`, as the generated REST clients send it.
        let enums_as_numbers = find("$alt").is_some_and(|value| {
            value
                .split(';')
                .any(|part| part.trim() == "enum-encoding=int")
        });
        let fields = match find("fields") {
            Some(text) if !text.is_empty() => Some(
                fields::Selection::parse(text)
                    .map_err(|error| GcpError::invalid(error.to_string()))?,
            ),
            _ => None,
        };
        let call = Self {
            routed,
            query,
            headers,
            alt,
            enums_as_numbers,
            fields,
            style,
        };
        call.validate()?;
        Ok(call)
    }

    fn validate(&self) -> Result<(), GcpError> {
        let method = self.routed.method;
        for param in method.parameters {
            let values: Vec<&str> = match param.location {
                Location::Path => self.routed.param(param.name).into_iter().collect(),
                Location::Query => self
                    .query
                    .iter()
                    .filter(|(k, _)| k == param.name)
                    .map(|(_, v)| v.as_str())
                    .collect(),
            };
            if values.is_empty() {
                // Media uploads carry the object's name in the metadata part, not the query.
                if param.required && param.location == Location::Query {
                    return Err(GcpError::required(param.name));
                }
                continue;
            }
            for value in values {
                let valid = match param.kind {
                    "integer" => value.parse::<i64>().is_ok(),
                    // Google reads booleans case-insensitively (apitools sends `True`).
                    "boolean" => {
                        value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
                    }
                    "number" => value.parse::<f64>().is_ok(),
                    _ => match param.format {
                        Some("int64" | "uint64") => value.parse::<i128>().is_ok(),
                        // Under `enum-encoding=int` the REST clients send enum
                        // parameters by number too.
                        _ => {
                            param.enum_values.is_empty()
                                || param.enum_values.contains(&value)
                                || value
                                    .parse::<usize>()
                                    .is_ok_and(|n| n < param.enum_values.len())
                        }
                    },
                };
                if !valid {
                    return Err(GcpError::invalid(format!(
                        "Invalid value for {}: {value}",
                        param.name
                    ))
                    .with_location("parameter", param.name));
                }
                if param.location == Location::Path && value.is_empty() {
                    return Err(GcpError::required(param.name));
                }
            }
        }
        Ok(())
    }

    pub fn path(&self, name: &str) -> &str {
        self.routed.param(name).unwrap_or("")
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// An integer parameter (already checked to parse).
    pub fn query_i64(&self, name: &str) -> Option<i64> {
        self.query(name).and_then(|v| v.parse().ok())
    }

    pub fn query_bool(&self, name: &str) -> bool {
        self.query(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Decodes a JSON body into the method's request type.
    pub fn body<T: DeserializeOwned + Default>(&self, bytes: &[u8]) -> Result<T, GcpError> {
        decode_json(bytes, self.style)
    }
}

/// Decodes a JSON request body; an empty body is the type's default.
pub fn decode_json<T: DeserializeOwned + Default>(
    bytes: &[u8],
    style: ErrorStyle,
) -> Result<T, GcpError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|error| match style {
        ErrorStyle::Storage => {
            let mut error = GcpError::bad_request(format!("Parse Error: {error}"));
            error.reason = "parseError";
            error
        }
        ErrorStyle::Status => GcpError::invalid(format!("Invalid JSON payload received. {error}")),
    })
}

/// A typed output as JSON, with enums and partial responses as the call asked.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T, call: &Call) -> Response {
    let written =
        sim_gcp_shapes::enums::as_numbers(call.enums_as_numbers, || serde_json::to_value(value));
    let mut value = match written {
        Ok(value) => value,
        Err(error) => {
            tracing::error!(%error, "serializing a response failed");
            return render_error(&GcpError::internal(), call.style);
        }
    };
    if let Some(selection) = &call.fields {
        selection.apply(&mut value);
    }
    json(status, &value)
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// An error in Google's shape for the API's style.
pub fn render_error(error: &GcpError, style: ErrorStyle) -> Response {
    let status = StatusCode::from_u16(error.http).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match style {
        ErrorStyle::Storage => {
            let mut detail = serde_json::json!({
                "message": error.message,
                "domain": "global",
                "reason": error.reason,
            });
            if let Some((kind, name)) = &error.location {
                detail["locationType"] = (*kind).into();
                detail["location"] = name.as_str().into();
            }
            serde_json::json!({"error": {
                "code": error.http,
                "message": error.message,
                "errors": [detail],
            }})
        }
        ErrorStyle::Status => {
            let mut body = serde_json::json!({"error": {
                "code": error.http,
                "message": error.message,
                "status": error.status,
            }});
            if !error.details.is_empty() {
                body["error"]["details"] = serde_json::Value::Array(error.details.to_vec());
            }
            body
        }
    };
    let mut response = json(status, &body);
    // Storage names its errors by reason (`notFound`), the other APIs by status (`NOT_FOUND`).
    let code = match style {
        ErrorStyle::Storage => error.reason,
        ErrorStyle::Status => error.status,
    };
    simkit::inspector::ResponseNote::error(code).attach(&mut response);
    response
}
