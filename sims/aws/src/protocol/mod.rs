//! The protocol layer: the only code in sim-aws that reads or writes the wire.
//!
//! [`route`] finds the service and operation a request is for (by `X-Amz-Target`, by
//! `Action`, or by method and URI template with the service from the SigV4 scope); the
//! per-protocol modules decode input into the *normal form* (JSON keyed by member names,
//! epoch-second timestamps, base64 blobs; see [`shape`]) and encode output and errors in the
//! protocol's exact shape; [`sigv4`] verifies signatures under `--strict-auth`.
//!
//! | protocol | module | used by |
//! |---|---|---|
//! | json 1.0 / 1.1 | [`json`] | ECS, CloudWatch Logs |
//! | query | [`query`] | IAM, STS |
//! | ec2 | [`query`] (ec2 dialect) | EC2 |
//! | rest-json | [`rest`] | Lambda |
//! | rest-xml | [`rest`] | S3 |

pub mod json;
pub mod query;
pub mod rest;
pub mod route;
pub mod shape;
pub mod sigv4;
pub mod stream;
pub mod timestamp;
pub mod xml;

use std::collections::HashMap;

use axum::body::Body;
use serde_json::Value;

use crate::error::{AwsError, Fault};
use crate::model::{Model, Operation, Protocol};

/// A response before it becomes HTTP.
#[derive(Debug, Clone, PartialEq)]
pub struct WireResponse {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl WireResponse {
    pub fn new(status: u16, content_type: String, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    /// The HTTP response, with AWS's request-ID headers.
    pub fn into_http(self, request_id: &str) -> http::Response<Body> {
        let mut builder = http::Response::builder()
            .status(self.status)
            .header("x-amzn-RequestId", request_id)
            .header("x-amz-request-id", request_id);
        if !self.content_type.is_empty() {
            builder = builder.header(http::header::CONTENT_TYPE, &self.content_type);
        }
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::try_from(name.as_str()),
                http::HeaderValue::try_from(value.as_str()),
            ) {
                builder = builder.header(name, value);
            }
        }
        builder.body(Body::from(self.body)).unwrap_or_else(|_| {
            let mut fallback = http::Response::new(Body::empty());
            *fallback.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
    }
}

/// The wire code, status and fault of `error` under `model`: the model's declaration when the
/// error is one of its shapes, else what the error carries.
pub fn resolve_error(model: &Model, error: &AwsError) -> (String, u16, Fault) {
    if let Some(status) = error.status {
        return (error.code.clone(), status, error.fault);
    }
    match model.error_code(&error.code) {
        Some((code, status, sender)) => (
            code,
            status,
            if sender {
                Fault::Sender
            } else {
                Fault::Receiver
            },
        ),
        None => (error.code.clone(), 400, error.fault),
    }
}

/// What a request carried, as the decoders need it.
pub enum Input<'a> {
    Json {
        body: &'a [u8],
    },
    Query {
        params: &'a [(String, String)],
    },
    Rest {
        labels: &'a HashMap<String, String>,
        query: &'a [(String, String)],
        headers: &'a http::HeaderMap,
        body: &'a [u8],
    },
}

/// Decodes an operation's input into the normal form and validates it.
pub fn decode(
    model: &Model,
    operation: &Operation,
    input: Input<'_>,
    validation: &shape::Validation,
) -> Result<Value, AwsError> {
    let validation_code = validation.code;
    let value = match (model.metadata.protocol, input) {
        (Protocol::Json, Input::Json { body }) => json::decode(model, operation, body)?,
        (Protocol::Query, Input::Query { params }) => query::decode(
            model,
            operation,
            params,
            query::Dialect::Query,
            validation_code,
        )?,
        (Protocol::Ec2, Input::Query { params }) => query::decode(
            model,
            operation,
            params,
            query::Dialect::Ec2,
            validation_code,
        )?,
        (
            Protocol::RestJson | Protocol::RestXml,
            Input::Rest {
                labels,
                query,
                headers,
                body,
            },
        ) => rest::decode(
            model,
            operation,
            &rest::RestRequest {
                labels,
                query,
                headers,
                body,
            },
            validation_code,
        )?,
        _ => return Err(AwsError::internal()),
    };
    if let Some(input) = &operation.input {
        shape::validate(model, &input.shape, &value, validation)?;
    }
    Ok(value)
}

/// Encodes an operation's output (normal form).
pub fn encode(
    model: &Model,
    operation: &Operation,
    output: Value,
    request_id: &str,
) -> WireResponse {
    match model.metadata.protocol {
        Protocol::Json => json::encode(model, operation, output),
        Protocol::Query => {
            query::encode(model, operation, &output, request_id, query::Dialect::Query)
        }
        Protocol::Ec2 => query::encode(model, operation, &output, request_id, query::Dialect::Ec2),
        Protocol::RestJson | Protocol::RestXml => rest::encode(model, operation, &output),
    }
}

/// Encodes an error in the service's protocol.
pub fn encode_error(model: &Model, error: &AwsError, request_id: &str) -> WireResponse {
    match model.metadata.protocol {
        Protocol::Json => json::error(model, error),
        Protocol::Query => query::error(model, error, request_id, query::Dialect::Query),
        Protocol::Ec2 => query::error(model, error, request_id, query::Dialect::Ec2),
        Protocol::RestJson | Protocol::RestXml => rest::error(model, error, request_id),
    }
}

/// The throttling error each protocol family uses.
pub fn throttling(protocol: Protocol) -> AwsError {
    match protocol {
        Protocol::Query | Protocol::Ec2 => {
            AwsError::with_status("Throttling", 400, "Rate exceeded")
        }
        _ => AwsError::with_status("ThrottlingException", 400, "Rate exceeded"),
    }
}

#[cfg(test)]
mod tests;
