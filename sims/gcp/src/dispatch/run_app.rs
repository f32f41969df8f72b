//! Requests to a Cloud Run service's URL (`https://NAME-HASH-REGION.a.run.app`, or a tag's
//! `https://TAG---NAME-HASH-REGION.a.run.app`), reached through the simulator as a proxy or
//! with that name in the `Host` header: forwarded to an instance of the revision the traffic
//! split (or the tag) chooses, and answered with whatever the user's process answers. Each
//! request is recorded in Cloud Logging's `run.googleapis.com/requests` log.
//!
//! An unknown host gets Google's 404 page; a service with nothing ready to serve, 503.
//!
//! Must not: keep state; choose revisions (the service layer's `Serving::route` does).

use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sim_gcp_shapes::logging_v2::HttpRequest;
use simkit::context::RequestContext;

use crate::Gcp;
use crate::services::run::serving::NoTarget;

static CLIENT: LazyLock<Client<HttpConnector, Body>> =
    LazyLock::new(|| Client::builder(TokioExecutor::new()).build_http());

/// Whether `host` is a Cloud Run service URL's host.
pub fn is_run_app(host: Option<&str>) -> bool {
    host.is_some_and(|host| host.ends_with(".run.app"))
}

/// Headers that belong to one connection and are not forwarded (RFC 9110, 7.6.1).
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "upgrade",
];

fn google_404(path: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n  <p><b>404.</b> <ins>That\u{2019}s an error.</ins>\n  <p>The requested URL <code>{path}</code> was not found on this server.  <ins>That\u{2019}s all we know.</ins>\n"
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        body,
    )
        .into_response()
}

fn unavailable(message: &str) -> Response {
    tracing::debug!(message, "a Cloud Run service could not serve");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        "Service Unavailable",
    )
        .into_response()
}

pub async fn serve(gcp: &Arc<Gcp>, request: Request, host: &str) -> Response {
    let started = gcp.kit.clock().monotonic();
    let context = request.extensions().get::<RequestContext>().cloned();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let target = match gcp.run.serving.route(&gcp.run, host).await {
        Ok(target) => target,
        Err(NoTarget::UnknownHost) => return google_404(request.uri().path()),
        Err(NoTarget::Unavailable(message)) => return unavailable(&message),
    };
    let (mut parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let request_size = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let trace = parts
        .headers
        .get("x-cloud-trace-context")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split('/').next())
        .map(|id| format!("projects/{}/traces/{id}", target.service.project));
    for name in HOP_BY_HOP {
        parts.headers.remove(name);
    }
    let scheme = context
        .as_ref()
        .map(|c| c.scheme.as_str())
        .unwrap_or("http");
    parts.headers.insert(
        HeaderName::from_static("x-forwarded-proto"),
        http::HeaderValue::from_static(if scheme == "https" { "https" } else { "http" }),
    );
    if let Some(peer) = context.as_ref().and_then(|c| c.peer)
        && let Ok(value) = http::HeaderValue::from_str(&peer.ip().to_string())
    {
        parts
            .headers
            .insert(HeaderName::from_static("x-forwarded-for"), value);
    }
    // The user's process sees the service's own host name, as behind Cloud Run's front end.
    if let Ok(value) = http::HeaderValue::from_str(host) {
        parts.headers.insert(header::HOST, value);
    }
    let uri = format!("http://127.0.0.1:{}{path_and_query}", target.instance.port);
    let Ok(uri) = uri.parse::<http::Uri>() else {
        return google_404(&path_and_query);
    };
    parts.uri = uri;
    parts.version = http::Version::HTTP_11;
    let answered = CLIENT.request(Request::from_parts(parts, body)).await;
    let (status, response) = match answered {
        Ok(response) => {
            let (mut head, body) = response.into_parts();
            for name in HOP_BY_HOP {
                head.headers.remove(name);
            }
            (head.status, Response::from_parts(head, Body::new(body)))
        }
        Err(error) => {
            tracing::debug!(%error, "a Cloud Run instance did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                unavailable("the instance did not answer"),
            )
        }
    };
    let response_size = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let record = HttpRequest {
        request_method: Some(method),
        request_url: Some(format!("{scheme}://{host}{path_and_query}")),
        request_size,
        status: Some(i32::from(status.as_u16())),
        response_size,
        user_agent,
        remote_ip: context
            .as_ref()
            .and_then(|c| c.peer)
            .map(|p| p.ip().to_string()),
        server_ip: Some("127.0.0.1".into()),
        latency: Some(format!(
            "{:.6}s",
            gcp.kit
                .clock()
                .monotonic()
                .saturating_duration_since(started)
                .as_secs_f64()
        )),
        protocol: Some("HTTP/1.1".into()),
        ..Default::default()
    };
    gcp.run.log_request(&target, record, trace);
    response
}
