//! Cloud Logging on the wire: routed calls to [`crate::services::logging`].
//!
//! One wire quirk lives here: `LogSeverity` numbers its values 0, 100, ... 800, not by position,
//! so a request's numeric severities are turned into names before decoding, and under
//! `enum-encoding=int` the answer's names back into those numbers.

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use serde_json::Value;
use sim_gcp_shapes::logging_v2::{ListLogEntriesRequest, WriteLogEntriesRequest};

use crate::error::{ErrorStyle, GcpError};
use crate::protocol::{Call, decode_json, json_response, render_error};
use crate::services::logging::Logging;
use crate::services::logging::filter::SEVERITIES;

pub async fn handle(logging: &Logging, call: Call, body: Body, limit: usize) -> Response {
    match serve(logging, &call, body, limit).await {
        Ok(response) => response,
        Err(error) => render_error(&error, ErrorStyle::Status),
    }
}

async fn collect(body: Body, limit: usize) -> Result<bytes::Bytes, GcpError> {
    simkit::body::collect(body, limit)
        .await
        .map_err(|error| match error {
            simkit::body::BodyError::TooLarge { limit } => GcpError::payload_too_large(limit),
            simkit::body::BodyError::Read(message) => GcpError::invalid(message),
        })
}

/// Numeric severities in a write request's entries, as names.
fn severities_to_names(body: &mut Value) {
    let Some(entries) = body.get_mut("entries").and_then(Value::as_array_mut) else {
        return;
    };
    for entry in entries {
        if let Some(severity) = entry.get_mut("severity")
            && let Some(number) = severity.as_i64()
            && let Some((name, _)) = SEVERITIES.iter().find(|(_, level)| *level == number)
        {
            *severity = Value::String((*name).to_string());
        }
    }
}

/// Severity names in a listing, as numbers (for `enum-encoding=int`).
fn severities_to_numbers(body: &mut Value) {
    let Some(entries) = body.get_mut("entries").and_then(Value::as_array_mut) else {
        return;
    };
    for entry in entries {
        if let Some(severity) = entry.get_mut("severity")
            && let Some(name) = severity.as_str()
            && let Some((_, level)) = SEVERITIES.iter().find(|(n, _)| *n == name)
        {
            *severity = Value::from(*level);
        }
    }
}

fn decode<T: serde::de::DeserializeOwned + Default>(
    bytes: &[u8],
    adjust: impl FnOnce(&mut Value),
) -> Result<T, GcpError> {
    let mut value: Value = decode_json(bytes, ErrorStyle::Status)?;
    if value.is_null() {
        return Ok(T::default());
    }
    if !value.is_object() {
        return Err(GcpError::invalid(
            "Invalid JSON payload received. Expected an object.",
        ));
    }
    adjust(&mut value);
    serde_json::from_value(value)
        .map_err(|error| GcpError::invalid(format!("Invalid JSON payload received. {error}")))
}

async fn serve(
    logging: &Logging,
    call: &Call,
    body: Body,
    limit: usize,
) -> Result<Response, GcpError> {
    let operation = call.routed.method.id;
    Ok(match operation {
        "logging.entries.write" => {
            let request: WriteLogEntriesRequest =
                decode(&collect(body, limit).await?, severities_to_names)?;
            json_response(StatusCode::OK, &logging.write(request)?, call)
        }
        "logging.entries.list" => {
            let request: ListLogEntriesRequest = decode(&collect(body, limit).await?, |_| ())?;
            let listing = logging.list(request)?;
            let mut value = serde_json::to_value(&listing).map_err(|error| {
                tracing::error!(%error, "serializing a listing failed");
                GcpError::internal()
            })?;
            if call.enums_as_numbers {
                severities_to_numbers(&mut value);
            }
            json_response(StatusCode::OK, &value, call)
        }
        "logging.projects.logs.list" | "logging.logs.list" => {
            drop(body);
            let resource_names: Vec<String> = call
                .query
                .iter()
                .filter(|(k, _)| k == "resourceNames")
                .map(|(_, v)| v.clone())
                .collect();
            let listing = logging.list_logs(
                call.path("parent"),
                &resource_names,
                call.query_i64("pageSize"),
                call.query("pageToken"),
            )?;
            json_response(StatusCode::OK, &listing, call)
        }
        "logging.projects.logs.delete" | "logging.logs.delete" => {
            drop(body);
            logging.delete_log(call.path("logName"))?;
            json_response(StatusCode::OK, &serde_json::json!({}), call)
        }
        other => {
            drop(body);
            return Err(GcpError::unimplemented(other));
        }
    })
}
