//! Lambda's HTTP surfaces outside the AWS API: the Lambda Runtime API each execution
//! environment talks to (its own listener on `127.0.0.1`), function URLs (requests whose Host
//! is `URLID.lambda-url.REGION.on.aws`, on the simulator's port), and the downloads that
//! GetFunction's `Code.Location` and GetLayerVersion's `Content.Location` point at. Only HTTP
//! lives here: the state is `services::lambda`'s.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::watch;

use crate::services::lambda::Lambda;
use crate::services::lambda::environments::{Reported, RuntimeApi, RuntimeApiStart};
use crate::services::lambda::invoke::UrlRequest;

/// The largest body a runtime may post: the 6 MB response limit, with room.
const RUNTIME_BODY_LIMIT: usize = 7 * 1024 * 1024;

/// Starts a Runtime API on a free port of 127.0.0.1; the switch stops it.
pub fn serve_runtime_api(api: Arc<RuntimeApi>) -> RuntimeApiStart {
    Box::pin(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?.to_string();
        let (stop, mut stopped) = watch::channel(false);
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .layer(axum::extract::DefaultBodyLimit::max(RUNTIME_BODY_LIMIT))
            .with_state(api);
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            if let Err(error) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::debug!(%error, "a Lambda Runtime API stopped");
            }
        });
        Ok((address, stop))
    })
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

fn invalid_request_id() -> Response {
    (
        StatusCode::BAD_REQUEST,
        [("content-type", "application/json")],
        r#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#,
    )
        .into_response()
}

async fn next(State(api): State<Arc<RuntimeApi>>) -> Response {
    let Some(invocation) = api.next().await else {
        return StatusCode::GONE.into_response();
    };
    let mut response = Response::new(Body::from(invocation.payload));
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("content-type", "application/json");
    set("lambda-runtime-aws-request-id", &invocation.request_id);
    set(
        "lambda-runtime-deadline-ms",
        &invocation.deadline_ms.to_string(),
    );
    set(
        "lambda-runtime-invoked-function-arn",
        &invocation.invoked_function_arn,
    );
    set("lambda-runtime-trace-id", &invocation.trace_id);
    if let Some(context) = &invocation.client_context {
        set("lambda-runtime-client-context", context);
    }
    response
}

async fn response(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if api.report(&id, Reported::Response(body.to_vec())) {
        accepted()
    } else {
        invalid_request_id()
    }
}

async fn error(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if api.report(&id, Reported::Error(body.to_vec())) {
        accepted()
    } else {
        invalid_request_id()
    }
}

async fn init_error(State(api): State<Arc<RuntimeApi>>, body: axum::body::Bytes) -> Response {
    api.init_error(body.to_vec());
    accepted()
}

/// The downloads behind code and layer locations.
pub fn router(lambda: Arc<Lambda>) -> Router {
    Router::new()
        .route(
            "/_sockerless/lambda/code/{account}/{region}/{name}/{version}",
            get(code),
        )
        .route(
            "/_sockerless/lambda/layer/{account}/{region}/{layer}/{version}",
            get(layer),
        )
        .with_state(lambda)
}

fn zip_response(zip: Option<Vec<u8>>) -> Response {
    match zip {
        Some(zip) => ([("content-type", "application/zip")], zip).into_response(),
        None => (StatusCode::NOT_FOUND, "NoSuchKey").into_response(),
    }
}

async fn code(
    State(lambda): State<Arc<Lambda>>,
    Path((account, region, name, version)): Path<(String, String, String, String)>,
) -> Response {
    zip_response(lambda.code_zip(&account, &region, &name, &version))
}

async fn layer(
    State(lambda): State<Arc<Lambda>>,
    Path((account, region, layer, version)): Path<(String, String, String, u64)>,
) -> Response {
    zip_response(lambda.layer_zip(&account, &region, &layer, version))
}

/// The URL ID in a function URL host name, if `host` is one.
fn url_id(host: &str) -> Option<&str> {
    let host = host.split(':').next()?;
    let (id, rest) = host.split_once('.')?;
    let region = rest.strip_prefix("lambda-url.")?.strip_suffix(".on.aws")?;
    (!id.is_empty() && !region.is_empty()).then_some(id)
}

/// Serves function URLs ahead of every other route.
pub async fn function_urls(
    State(lambda): State<Arc<Lambda>>,
    request: Request,
    next: Next,
) -> Response {
    // Every request passes here: only a function URL's host costs an allocation.
    let id = request
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host())
        .and_then(url_id)
        .map(str::to_string);
    let Some(id) = id else {
        return next.run(request).await;
    };
    let source_ip = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "127.0.0.1".to_string(), |c| c.0.ip().to_string());
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, 6 * 1024 * 1024).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long").into_response();
    };
    let headers = header_pairs(&parts.headers);
    let signed = headers
        .iter()
        .any(|(k, v)| k == "authorization" && v.starts_with("AWS4-HMAC-SHA256"));
    let answer = lambda
        .invoke_url(UrlRequest {
            url_id: id,
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            raw_query: parts.uri.query().unwrap_or_default().to_string(),
            headers,
            body: body.to_vec(),
            source_ip,
            signed,
        })
        .await;
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(name),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::url_id;

    #[test]
    fn function_url_hosts_are_recognised() {
        assert_eq!(url_id("abc123.lambda-url.us-east-1.on.aws"), Some("abc123"));
        assert_eq!(
            url_id("abc123.lambda-url.us-east-1.on.aws:4566"),
            Some("abc123")
        );
        assert_eq!(url_id("127.0.0.1:4566"), None);
        assert_eq!(url_id("lambda.us-east-1.amazonaws.com"), None);
    }
}
