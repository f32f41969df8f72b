//! moto's server-mode control API, so moto-style test suites run against the simulator
//! unchanged: `POST /moto-api/reset` empties every service (what `/_sockerless/reset` does) and
//! `POST /moto-api/reset-auth` sets how many more requests pass before authentication and IAM
//! authorization start (moto's `INITIAL_NO_AUTH_ACTION_COUNT`; the body is the number, `inf`
//! for never), answering the previous setting as moto does.
//!
//! When the count is reached, requests are treated as under `--enforce-iam`: signatures are
//! checked and every request is authorized by IAM policy evaluation.
//!
//! Both routes require the admin token when the server has one (under `--strict-auth` it
//! always does), so they are no way around authentication.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::json;

use crate::Aws;

/// moto's `INITIAL_NO_AUTH_ACTION_COUNT` and the requests counted since it was set.
#[derive(Debug)]
pub struct AuthSwitch {
    /// `u64::MAX` stands for moto's `inf`: authentication never starts.
    limit: AtomicU64,
    seen: AtomicU64,
}

impl Default for AuthSwitch {
    fn default() -> Self {
        Self {
            limit: AtomicU64::new(u64::MAX),
            seen: AtomicU64::new(0),
        }
    }
}

impl AuthSwitch {
    /// Counts a request; whether authentication applies to it.
    pub fn enforce_now(&self) -> bool {
        let limit = self.limit.load(Ordering::Relaxed);
        if limit == u64::MAX {
            return false;
        }
        self.seen.fetch_add(1, Ordering::Relaxed) >= limit
    }

    /// Sets a new limit and restarts the count; returns the previous limit as moto prints it.
    fn set(&self, limit: u64) -> String {
        let previous = self.limit.swap(limit, Ordering::Relaxed);
        self.seen.store(0, Ordering::Relaxed);
        if previous == u64::MAX {
            "inf".into()
        } else {
            format!("{previous}.0")
        }
    }
}

pub fn router(aws: Arc<Aws>) -> Router {
    Router::new()
        .route("/moto-api/reset", any(reset))
        .route("/moto-api/reset-auth", any(reset_auth))
        .with_state(aws)
}

fn allowed(aws: &Aws, headers: &http::HeaderMap) -> bool {
    aws.kit.admin_token().is_none() || simkit::admin::has_admin_token(&aws.kit, headers)
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(
            json!({"Error": "this server requires its admin token (Authorization: Bearer TOKEN)"}),
        ),
    )
        .into_response()
}

async fn reset(
    State(aws): State<Arc<Aws>>,
    method: http::Method,
    headers: http::HeaderMap,
) -> Response {
    if method != http::Method::POST {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"Error": "Need to POST to reset Moto"})),
        )
            .into_response();
    }
    if !allowed(&aws, &headers) {
        return unauthorized();
    }
    match aws.kit.reset() {
        Ok(()) => axum::Json(json!({"status": "ok"})).into_response(),
        Err(error) => {
            tracing::error!(%error, "reset failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({"Error": error.to_string()})),
            )
                .into_response()
        }
    }
}

async fn reset_auth(
    State(aws): State<Arc<Aws>>,
    method: http::Method,
    headers: http::HeaderMap,
    body: String,
) -> Response {
    if method != http::Method::POST {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"Error": "Need to POST to reset Moto auth"})),
        )
            .into_response();
    }
    if !allowed(&aws, &headers) {
        return unauthorized();
    }
    let text = body.trim();
    let limit = if text.eq_ignore_ascii_case("inf") {
        Some(u64::MAX)
    } else {
        text.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| n as u64)
    };
    let Some(limit) = limit else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"Error": format!("could not convert string to float: '{text}'")})),
        )
            .into_response();
    };
    let previous = aws.moto_auth.set(limit);
    axum::Json(json!({"status": "ok", "PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": previous}))
        .into_response()
}
