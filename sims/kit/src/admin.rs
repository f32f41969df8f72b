//! The admin API every server carries under `/_sockerless/`:
//!
//! | route | does |
//! |---|---|
//! | `GET /_sockerless/health` | `{"status":"ok","server":..,"version":..,"uptimeMs":..}` |
//! | `POST /_sockerless/reset` | stops workloads, empties the store (on disk too) and the faults |
//! | `GET /_sockerless/state` | every collection of the store as JSON |
//! | `GET/POST/DELETE /_sockerless/faults`, `DELETE /_sockerless/faults/{id}` | injected faults |
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
    Router::new()
        .route("/_sockerless/health", get(health))
        .route("/_sockerless/reset", post(reset))
        .route("/_sockerless/state", get(state))
        .route(
            "/_sockerless/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sockerless/faults/{id}", delete(remove_fault))
        .with_state(kit)
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

async fn state(State(kit): State<Kit>) -> Response {
    axum::Json(kit.store().dump()).into_response()
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
