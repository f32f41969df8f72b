//! The json protocol (1.0 and 1.1): `POST /` with `X-Amz-Target: Prefix.Operation`, a JSON
//! body keyed by member names, epoch-second timestamps, base64 blobs. Errors are
//! `{"__type": code, "message": ...}` with the model's status.

use serde_json::{Map, Value};

use super::shape;
use super::{WireResponse, resolve_error};
use crate::error::AwsError;
use crate::model::{Model, Operation};

pub fn content_type(model: &Model) -> String {
    format!(
        "application/x-amz-json-{}",
        model.metadata.json_version.as_deref().unwrap_or("1.0")
    )
}

/// Decodes a request body into the operation's input (normal form).
pub fn decode(model: &Model, operation: &Operation, body: &[u8]) -> Result<Value, AwsError> {
    let parsed: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body)
            .map_err(|error| AwsError::serialization(json_error_message(&error)))?
    };
    match &operation.input {
        Some(input) => shape::from_json(model, &input.shape, parsed),
        None => Ok(Value::Object(Map::new())),
    }
}

pub fn json_error_message(error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Eof => "Unexpected end of input".to_string(),
        _ => format!(
            "Unexpected content at line {} column {}: {error}",
            error.line(),
            error.column()
        ),
    }
}

pub fn encode(model: &Model, operation: &Operation, output: Value) -> WireResponse {
    let body = match &operation.output {
        // Handlers answer generated shapes, which hold only the shape's members: the walk is
        // needed only to reformat timestamps that are not epoch seconds.
        Some(shape_ref) if !model.json_body_differs(&shape_ref.shape) && output.is_object() => {
            output
        }
        Some(shape_ref) => shape::to_json(model, &shape_ref.shape, output, None),
        None => Value::Object(Map::new()),
    };
    WireResponse::new(
        200,
        content_type(model),
        serde_json::to_vec(&body).unwrap_or_default(),
    )
}

pub fn error(model: &Model, error: &AwsError) -> WireResponse {
    let (code, status, _) = resolve_error(model, error);
    let mut body = Map::new();
    body.insert("__type".into(), Value::String(code.clone()));
    body.insert("message".into(), Value::String(error.message.clone()));
    for (key, value) in &error.fields {
        body.insert(key.clone(), value.clone());
    }
    let mut response = WireResponse::new(
        status,
        content_type(model),
        serde_json::to_vec(&Value::Object(body)).unwrap_or_default(),
    );
    response.headers.push(("x-amzn-ErrorType".into(), code));
    response
}
