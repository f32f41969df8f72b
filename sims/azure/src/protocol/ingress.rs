//! Container Apps ingress: a request whose host is a container app's name
//! (`APP.DEFAULTDOMAIN`, `APP--SUFFIX.DEFAULTDOMAIN` for one revision, `APP---LABEL.DEFAULTDOMAIN`
//! for a traffic label, under `*.azurecontainerapps.io`) is proxied to the app's replica at
//! its `targetPort`, method, path, headers and body streamed both ways. The name is reached
//! through the simulator as an HTTP(S) proxy (`HTTPS_PROXY=http://127.0.0.1:4568`: a
//! `CONNECT` tunnels into the simulator, which presents a certificate for that name from its
//! CA) or with a `Host` header on the simulator's port.
//!
//! The upstream sees `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` and
//! `X-Request-Id`, as Container Apps' Envoy adds them. A name no app answers (no such app, no
//! ingress, or no active revision) gets Container Apps' 404 page; a replica that does not
//! accept the connection gets Envoy's 503.
//! A function app's default host name (`NAME.azurewebsites.net`) is proxied the same way to
//! its process's `WEBSITES_PORT`.
//!
//! What this module must not do: proxy anywhere but `127.0.0.1:PORT` of an app or site the
//! simulator holds.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use simkit::context::RequestContext;

use crate::Azure;

/// The domain every managed environment's default domain is under.
pub const APPS_DOMAIN: &str = ".azurecontainerapps.io";

/// The HTTP client that reaches replicas.
#[derive(Clone)]
pub struct IngressClient(Client<HttpConnector, Body>);

impl std::fmt::Debug for IngressClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngressClient").finish_non_exhaustive()
    }
}

impl Default for IngressClient {
    fn default() -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Self(Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector))
    }
}

/// Whether `host` is a container app's name.
pub fn is_app_host(host: &str) -> bool {
    host.to_ascii_lowercase().ends_with(APPS_DOMAIN)
}

/// The host a request names, from the request itself (for the kit's body limit, before the
/// context is read): the absolute-form URI's, else the `Host` header's.
pub fn request_host(parts: &http::request::Parts) -> Option<String> {
    let authority = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| {
            parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_string)
        })?;
    Some(simkit::context::split_authority(&authority).0)
}

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Proxies the request to the app `host` names.
pub async fn proxy(
    azure: &Azure,
    host: &str,
    parts: http::request::Parts,
    body: Body,
    context: RequestContext,
) -> Response {
    let Some(target) = azure.apps.app_for_host(host) else {
        return not_found();
    };
    let (true, Some(port)) = (target.reachable, target.target_port) else {
        return not_found();
    };
    forward(azure, host, port, parts, body, context)
        .await
        .unwrap_or_else(|error| {
            tracing::debug!(%error, app = target.app, port, "a replica did not answer");
            upstream_failure()
        })
}

/// Proxies the request to the function app `host` (`NAME.azurewebsites.net`) names: App
/// Service's 404 page when no running site has that name, its 503 when the process does not
/// answer.
pub async fn proxy_site(
    azure: &Azure,
    host: &str,
    parts: http::request::Parts,
    body: Body,
    context: RequestContext,
) -> Response {
    let Some(port) = azure.web.site_port_for_host(host) else {
        return site_not_found();
    };
    forward(azure, host, port, parts, body, context)
        .await
        .unwrap_or_else(|error| {
            tracing::debug!(%error, host, port, "a function app did not answer");
            site_unavailable()
        })
}

/// Sends the request to `127.0.0.1:port` with the forwarding headers, streaming both ways.
async fn forward(
    azure: &Azure,
    host: &str,
    port: u16,
    mut parts: http::request::Parts,
    body: Body,
    context: RequestContext,
) -> Result<Response, hyper_util::client::legacy::Error> {
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let uri = format!("http://127.0.0.1:{port}{path}")
        .parse::<http::Uri>()
        .unwrap_or_else(|_| http::Uri::from_static("http://127.0.0.1/"));
    for name in HOP_BY_HOP {
        parts.headers.remove(*name);
    }
    let forwarded = [
        (
            "x-forwarded-for",
            context.peer.map(|p| p.ip().to_string()).unwrap_or_default(),
        ),
        ("x-forwarded-proto", context.scheme.as_str().to_string()),
        ("x-forwarded-host", host.to_string()),
        ("x-request-id", context.id.clone()),
    ];
    for (name, value) in forwarded {
        if let Ok(value) = HeaderValue::from_str(&value) {
            parts.headers.insert(HeaderName::from_static(name), value);
        }
    }
    if let Ok(value) = HeaderValue::from_str(host) {
        parts.headers.insert(header::HOST, value);
    }
    let mut request = http::Request::new(body);
    *request.method_mut() = parts.method;
    *request.uri_mut() = uri;
    *request.headers_mut() = parts.headers;
    let response = azure.ingress.0.request(request).await?;
    let (mut parts, body) = response.into_parts();
    for name in HOP_BY_HOP {
        parts.headers.remove(*name);
    }
    Ok(Response::from_parts(parts, Body::new(body)))
}

/// App Service's page for a host name no running site answers.
fn site_not_found() -> Response {
    let page = "<!DOCTYPE html><html><head><title>404 Web Site not found.</title></head>\
        <body><h1>404 Web Site not found.</h1></body></html>";
    let mut response = (StatusCode::NOT_FOUND, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// App Service's answer while a site's process does not accept connections.
fn site_unavailable() -> Response {
    let page = "<!DOCTYPE html><html><head><title>Application Error</title></head>\
        <body><h1>:( Application Error</h1></body></html>";
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Container Apps' answer for a name no running app serves.
fn not_found() -> Response {
    let page = "<!DOCTYPE html><html><head><title>Azure Container App - Unavailable</title></head>\
        <body><h1>Error 404 - This Container App is stopped or does not exist.</h1></body></html>";
    let mut response = (StatusCode::NOT_FOUND, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Envoy's answer when the replica refuses the connection.
fn upstream_failure() -> Response {
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    response
}
