//! An exchange as shown: copied out of its slot when a listing or a page asks for it, so
//! readers never hold a slot's lock while they render, and redacted as it is rendered.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use super::redact;
use super::slot::{BodyBytes, HeaderLines, Slot};

/// One request and its answer.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub id: u64,
    pub time: SystemTime,
    pub at: Instant,
    pub request_id: String,
    pub client: Option<SocketAddr>,
    pub method: http::Method,
    /// The request target's path and query.
    pub target: String,
    /// The matched route, for servers that name no operation.
    pub route: Option<String>,
    pub service: Option<String>,
    pub operation: Option<String>,
    pub status: u16,
    pub error_code: Option<String>,
    pub latency: Duration,
    pub request_headers: HeaderLines,
    pub response_headers: HeaderLines,
    pub request_body: BodyBytes,
    pub response_body: BodyBytes,
}

fn named(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

/// `service:Operation`, the operation alone, or `METHOD route` (the path when no route
/// matched) when the server named no operation.
pub(super) fn display_operation(
    service: &str,
    operation: &str,
    method: &http::Method,
    route: Option<&str>,
    target: &str,
) -> String {
    match (service.is_empty(), operation.is_empty()) {
        (false, false) => format!("{service}:{operation}"),
        (true, false) => operation.to_string(),
        _ => format!("{method} {}", route.unwrap_or_else(|| path_of(target))),
    }
}

fn path_of(target: &str) -> &str {
    target.split_once('?').map_or(target, |(path, _)| path)
}

impl Exchange {
    pub(super) fn copy(slot: &Slot) -> Self {
        Self {
            id: slot.id,
            time: slot.time,
            at: slot.at,
            request_id: slot.request_id().to_string(),
            client: slot.client,
            method: slot.method.clone(),
            target: slot.target().to_string(),
            route: slot.route().map(str::to_string),
            service: named(slot.service()),
            operation: named(slot.operation()),
            status: slot.status,
            error_code: named(slot.error_code()),
            latency: slot.latency,
            request_headers: slot.request_headers(),
            response_headers: slot.response_headers(),
            request_body: slot.request_body.clone(),
            response_body: slot.response_body.clone(),
        }
    }

    /// The request's path, without its query.
    pub fn path(&self) -> &str {
        path_of(&self.target)
    }

    /// `service:Operation`, or the route (`GET /repos/{owner}/{repo}`) when the server named
    /// no operation.
    pub fn display_operation(&self) -> String {
        display_operation(
            self.service.as_deref().unwrap_or(""),
            self.operation.as_deref().unwrap_or(""),
            &self.method,
            self.route.as_deref(),
            &self.target,
        )
    }

    /// The listing's view of the exchange.
    pub fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "timeMs": crate::clock::millis_since_epoch(self.time),
            "requestId": self.request_id,
            "client": self.client.map(|c| c.to_string()),
            "method": self.method.as_str(),
            "path": self.path(),
            "service": self.service,
            "operation": self.display_operation(),
            "status": self.status,
            "errorCode": self.error_code,
            "latencyMs": self.latency.as_secs_f64() * 1000.0,
        })
    }

    /// Everything about the exchange, secrets redacted.
    pub fn detail(&self) -> Value {
        let mut detail = self.summary();
        if let Value::Object(members) = &mut detail {
            members.insert("uri".into(), redact::target(&self.target).into());
            members.insert(
                "requestHeaders".into(),
                redact::headers(self.request_headers.iter()),
            );
            members.insert(
                "responseHeaders".into(),
                redact::headers(self.response_headers.iter()),
            );
            members.insert(
                "requestBody".into(),
                redact::body(&self.request_body, &self.request_headers),
            );
            members.insert(
                "responseBody".into(),
                redact::body(&self.response_body, &self.response_headers),
            );
        }
        detail
    }
}
