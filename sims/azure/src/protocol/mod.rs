//! The wire: turns HTTP requests into typed calls and typed results or errors back into what
//! Azure sends. Only this module reads or writes HTTP, headers or JSON.
//!
//! | module | serves |
//! |---|---|
//! | [`acr`] | `Microsoft.ContainerRegistry` registries and a login server's token, catalog and tag routes |
//! | [`apps`] | `Microsoft.App`: managed environments, jobs and their executions |
//! | [`extensions`] | extension resources under any scope: `Microsoft.Authorization` role assignments and definitions, `Microsoft.Insights` diagnostic settings |
//! | [`arm`] | Azure Resource Manager: `/subscriptions/...`, `/tenants`, api-version checks, bearer tokens, async-operation URLs, paging |
//! | [`blob`] | the blob service at each storage account's blob endpoint (host or Azurite's path form) |
//! | [`loganalytics`] | `Microsoft.OperationalInsights` workspaces and the Log Analytics query API |
//! | [`identity`] | `/metadata/endpoints`, Entra ID discovery and token endpoints, managed identity |
//! | [`ingress`] | container apps' and function apps' host names, proxied to their processes |
//! | [`msi`] | `Microsoft.ManagedIdentity` user-assigned identities |
//! | [`web`] | `Microsoft.Web`: App Service plans, function apps, their config, settings and keys |
//!
//! Every response carries `x-ms-request-id` and `x-ms-correlation-request-id` (the client's,
//! when it sent one), as ARM's do.

pub mod acr;
pub mod apps;
pub mod arm;
pub mod blob;
pub mod extensions;
pub mod identity;
pub mod ingress;
pub mod loganalytics;
pub mod msi;
pub mod web;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode};
use simkit::context::RequestContext;

use crate::Azure;
use crate::error::ArmError;

/// What the protocol layer knows of a request once its body is read.
#[derive(Debug)]
pub struct Incoming {
    pub method: http::Method,
    /// The path's segments, percent-decoded, in their original case.
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
    pub context: RequestContext,
}

impl Incoming {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `https://host:port` as the client addressed us, for links we hand back.
    pub fn base_url(&self) -> String {
        let host = self.context.host.as_deref().unwrap_or("127.0.0.1");
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        match self.context.port {
            Some(port) => format!("{}://{host}:{port}", self.context.scheme.as_str()),
            None => format!("{}://{host}", self.context.scheme.as_str()),
        }
    }

    /// The segment at `index`, lower-cased, for matching.
    pub fn lower(&self, index: usize) -> Option<String> {
        self.segments.get(index).map(|s| s.to_ascii_lowercase())
    }
}

/// The fallback handler: every request the kit does not answer itself.
pub async fn handle(State(azure): State<Arc<Azure>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(context) = parts.extensions.get::<RequestContext>().cloned() else {
        tracing::error!("request without the kit's context");
        return render_arm_error(&ArmError::Internal, &parts.headers, "");
    };
    // A container app's host name: proxied with its body streamed.
    if let Some(host) = context.host.clone().filter(|h| ingress::is_app_host(h)) {
        return ingress::proxy(&azure, &host, parts, body, context).await;
    }
    // A function app's default host name, likewise.
    if let Some(host) = context
        .host
        .clone()
        .filter(|h| crate::services::web::host::is_site_host(h))
    {
        return ingress::proxy_site(&azure, &host, parts, body, context).await;
    }
    // The blob data plane streams its bodies: it is recognised before the body is read.
    if let Some(target) = blob::target(&azure, &parts, &context) {
        return blob::handle(&azure, target, parts, body, context).await;
    }
    // Anything else is held to the server's own limit (`to_bytes` below), whatever the kit
    // let through for a blob upload.
    let body = match axum::body::to_bytes(body, azure.kit.body_limit()).await {
        Ok(body) => body,
        Err(_) => {
            return render_arm_error(
                &ArmError::InvalidRequestContent("the request body could not be read".into()),
                &parts.headers,
                &context.id,
            );
        }
    };
    let segments = parts
        .uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let query = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let incoming = Incoming {
        method: parts.method,
        segments,
        query,
        headers: parts.headers,
        body,
        context,
    };
    if acr::is_login_server(&incoming.context) {
        return acr::data_plane(&azure, &incoming);
    }
    if loganalytics::is_query_api(&incoming) {
        return loganalytics::query_route(&azure, &incoming);
    }
    if let Some(response) = identity::route(&azure, &incoming) {
        return response;
    }
    match arm::route(&azure, &incoming).await {
        Ok(response) => response,
        Err(error) => render_arm_error(&error, &incoming.headers, &incoming.context.id),
    }
}

/// ARM's headers on every answer.
pub fn arm_headers(response: &mut Response, request_headers: &HeaderMap, request_id: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-ms-request-id", value.clone());
        headers.insert("x-ms-routing-request-id", value.clone());
        let correlation = request_headers
            .get("x-ms-correlation-request-id")
            .cloned()
            .unwrap_or(value);
        headers.insert("x-ms-correlation-request-id", correlation);
    }
    if let Some(client) = request_headers.get("x-ms-client-request-id") {
        headers.insert("x-ms-client-request-id", client.clone());
    }
}

/// A JSON answer with ARM's headers.
pub fn json_response(
    status: StatusCode,
    body: &impl serde::Serialize,
    incoming: &Incoming,
) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    arm_headers(&mut response, &incoming.headers, &incoming.context.id);
    response
}

/// A body-less answer with ARM's headers.
pub fn empty_response(status: StatusCode, incoming: &Incoming) -> Response {
    let mut response = (status, Body::empty()).into_response();
    arm_headers(&mut response, &incoming.headers, &incoming.context.id);
    response
}

/// ARM's error body: `{"error":{"code","message"}}`.
pub fn render_arm_error(
    error: &ArmError,
    request_headers: &HeaderMap,
    request_id: &str,
) -> Response {
    let (status, code, message) = error.parts();
    if status.is_server_error() {
        tracing::error!(code, %message, request_id, "answering an ARM error");
    } else {
        tracing::debug!(code, %message, request_id, "answering an ARM error");
    }
    let body = serde_json::json!({"error": {"code": code, "message": message}});
    let mut response = (status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if matches!(error, ArmError::Throttled) {
        response
            .headers_mut()
            .insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    arm_headers(&mut response, request_headers, request_id);
    simkit::inspector::ResponseNote::error(code).attach(&mut response);
    response
}
