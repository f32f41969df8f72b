//! The admin API every server carries under `/_sockerless/`:
//!
//! | route | does |
//! |---|---|
//! | `GET /_sockerless/health` | `{"status":"ok","server":..,"version":..,"uptimeMs":..}` |
//! | `POST /_sockerless/reset` | stops workloads, empties the store (on disk too) and the faults |
//! | `GET /_sockerless/state` | every collection of the store as JSON, secrets redacted |
//! | `GET /_sockerless/state?secrets=true` | the same with secrets, for a caller with the token |
//! | `GET/POST/DELETE /_sockerless/faults`, `DELETE /_sockerless/faults/{id}` | injected faults |
//! | the browser view and its JSON ([`crate::view`]) | pages, inspector, resources, workloads |
//!
//! When the kit has an admin token (`--admin-token`, or one generated under `--strict-auth`),
//! every route but `health` (and the view's login form and static files) requires it, as
//! `Authorization: Bearer TOKEN` or `X-Sockerless-Admin-Token: TOKEN`, or a session cookie
//! from the view's login form; without either they answer 401, and the page redirects to the
//! login form. A request authorized by the cookie alone that changes state (any method but
//! GET and HEAD) must also carry the session's CSRF token in `X-CSRF-Token`, else 403. Secrets in `state` (secret
//! keys, session tokens, passwords, private keys: any member whose name says it is one) are
//! always redacted unless the caller presents the token and asks for them.
//!
//! Bad input gets the kit's JSON error with status 400, never a 500.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::json;

use crate::Kit;
use crate::context::RequestContext;
use crate::faults::FaultRule;
use crate::server::json_error;

/// The admin routes, bound to `kit`.
pub fn router(kit: Kit) -> Router {
    let guarded = Router::new()
        .route("/_sockerless/reset", post(reset))
        .route("/_sockerless/state", get(state))
        .route(
            "/_sockerless/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sockerless/faults/{id}", delete(remove_fault))
        .merge(crate::view::guarded_routes())
        .route_layer(axum::middleware::from_fn_with_state(
            kit.clone(),
            require_token,
        ));
    Router::new()
        .route("/_sockerless/health", get(health))
        .merge(crate::view::open_routes())
        .merge(guarded)
        .with_state(kit)
}

/// The token a request presents, if any.
fn presented_token(headers: &http::HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    bearer.or_else(|| {
        headers
            .get("x-sockerless-admin-token")
            .and_then(|value| value.to_str().ok())
    })
}

/// Whether the request carries the kit's admin token. Compared in constant time.
pub fn has_admin_token(kit: &Kit, headers: &http::HeaderMap) -> bool {
    match (kit.admin_token(), presented_token(headers)) {
        (Some(expected), Some(given)) => {
            expected.len() == given.len()
                && expected
                    .bytes()
                    .zip(given.bytes())
                    .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                    == 0
        }
        _ => false,
    }
}

async fn require_token(
    State(kit): State<Kit>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if kit.admin_token().is_none() || has_admin_token(&kit, request.headers()) {
        return next.run(request).await;
    }
    let id = request
        .extensions()
        .get::<RequestContext>()
        .map(|context| context.id.clone())
        .unwrap_or_default();
    if let Some((_, session)) = kit.sessions().of_request(&kit, request.headers()) {
        let reads = matches!(*request.method(), http::Method::GET | http::Method::HEAD);
        if reads || session.csrf_presented(request.headers()) {
            return next.run(request).await;
        }
        return json_error(
            StatusCode::FORBIDDEN,
            "CsrfTokenMismatch",
            "a change made with the view's session cookie needs the session's X-CSRF-Token",
            &id,
        );
    }
    if wants_page(&request) {
        return (
            StatusCode::SEE_OTHER,
            [(http::header::LOCATION, crate::view::LOGIN_PATH)],
        )
            .into_response();
    }
    json_error(
        StatusCode::UNAUTHORIZED,
        "AdminTokenRequired",
        "this server requires its admin token (Authorization: Bearer TOKEN) for the admin API",
        &id,
    )
}

/// Whether a request is a browser asking for a page (rather than a script asking for JSON).
fn wants_page(request: &axum::extract::Request) -> bool {
    let accepts_html = request
        .headers()
        .get(http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    request.method() == http::Method::GET
        && (request.uri().path() == "/_sockerless/" || accepts_html)
}

async fn health(State(kit): State<Kit>) -> Response {
    let uptime = kit
        .clock()
        .monotonic()
        .saturating_duration_since(kit.started());
    axum::Json(json!({
        "status": "ok",
        "server": kit.name(),
        "version": env!("CARGO_PKG_VERSION"),
        "uptimeMs": uptime.as_millis() as u64,
        "durable": kit.store().is_durable(),
    }))
    .into_response()
}

async fn reset(State(kit): State<Kit>, Extension(request): Extension<RequestContext>) -> Response {
    match kit.reset() {
        Ok(()) => axum::Json(json!({"reset": true})).into_response(),
        Err(error) => {
            tracing::error!(%error, "reset failed");
            json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ResetFailed",
                &error.to_string(),
                &request.id,
            )
        }
    }
}

async fn state(
    State(kit): State<Kit>,
    headers: http::HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let mut dump = kit.store().dump();
    let asked = query.is_some_and(|query| {
        form_urlencoded::parse(query.as_bytes())
            .any(|(key, value)| key == "secrets" && value == "true")
    });
    let reveal = asked && has_admin_token(&kit, &headers);
    if !reveal {
        redact(&mut dump);
    }
    axum::Json(dump).into_response()
}

/// Whether a member called `name` holds a secret: secret keys, session tokens, passwords,
/// private keys, whatever a provider calls them (`secretAccessKey`, `session_token`, ...).
fn is_secret(name: &str) -> bool {
    let plain: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ["secret", "sessiontoken", "password", "privatekey"]
        .iter()
        .any(|word| plain.contains(word))
}

/// Replaces every secret in `value` with a marker.
pub fn redact(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                if is_secret(name) && !member.is_null() && !member.is_object() {
                    *member = serde_json::Value::String("***redacted***".into());
                } else {
                    redact(member);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

async fn list_faults(State(kit): State<Kit>) -> Response {
    axum::Json(json!({"faults": kit.faults().list()})).into_response()
}

async fn add_fault(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    body: Bytes,
) -> Response {
    let rule: FaultRule = match serde_json::from_slice(&body) {
        Ok(rule) => rule,
        Err(error) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "InvalidFault",
                &error.to_string(),
                &request.id,
            );
        }
    };
    match kit.faults().add(rule) {
        Ok(rule) => (StatusCode::CREATED, axum::Json(rule)).into_response(),
        Err(error) => json_error(
            StatusCode::BAD_REQUEST,
            "InvalidFault",
            &error.to_string(),
            &request.id,
        ),
    }
}

async fn clear_faults(State(kit): State<Kit>) -> StatusCode {
    kit.faults().clear();
    StatusCode::NO_CONTENT
}

async fn remove_fault(
    State(kit): State<Kit>,
    Extension(request): Extension<RequestContext>,
    Path(id): Path<String>,
) -> Response {
    if kit.faults().remove(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_error(
            StatusCode::NOT_FOUND,
            "FaultNotFound",
            &format!("no fault {id}"),
            &request.id,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_wherever_they_are() {
        let mut state = json!({
            "sts.credentials": {"AKIA1": {"secret_access_key": "s3cr3t", "session_token": "tok",
                "caller": {"arn": "arn:aws:iam::1:root"}}},
            "users": [{"Password": "hunter2", "name": "bob", "privateKeyPem": "-----BEGIN"}],
            "secrets": {"kept": "as a map of secrets, its entries are walked"}
        });
        redact(&mut state);
        assert_eq!(
            state["sts.credentials"]["AKIA1"]["secret_access_key"],
            "***redacted***"
        );
        assert_eq!(
            state["sts.credentials"]["AKIA1"]["session_token"],
            "***redacted***"
        );
        assert_eq!(
            state["sts.credentials"]["AKIA1"]["caller"]["arn"],
            "arn:aws:iam::1:root"
        );
        assert_eq!(state["users"][0]["Password"], "***redacted***");
        assert_eq!(state["users"][0]["privateKeyPem"], "***redacted***");
        assert_eq!(state["users"][0]["name"], "bob");
        assert_eq!(
            state["secrets"]["kept"],
            "as a map of secrets, its entries are walked"
        );
    }
}
