//! Network routes: list, create, inspect, connect, disconnect, remove, prune.

use std::sync::Arc;

use axum::body::Body;
use axum::response::IntoResponse;

use super::query::Query;
use super::{Daemon, HandlerResult, json, json_body};
use crate::api::{NetworkConnect, NetworkCreate, NetworkDisconnect};
use crate::error::EngineError;

fn body_limit(parts: &http::request::Parts) -> usize {
    parts
        .extensions
        .get::<simkit::body::BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0)
}

pub async fn list(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let networks = daemon.backend.networks(&query.filters()?).await?;
    Ok(json(http::StatusCode::OK, &networks))
}

pub async fn create(
    daemon: &Arc<Daemon>,
    parts: &http::request::Parts,
    body: Body,
) -> HandlerResult {
    let create: NetworkCreate = json_body(body, body_limit(parts)).await?.ok_or_else(|| {
        EngineError::InvalidParameter("invalid JSON: got EOF while reading request body".into())
    })?;
    let created = daemon.backend.network_create(create).await?;
    Ok(json(http::StatusCode::CREATED, &created))
}

pub async fn inspect(daemon: &Arc<Daemon>, reference: &str) -> HandlerResult {
    let network = daemon.backend.network_inspect(reference).await?;
    Ok(json(http::StatusCode::OK, &network))
}

pub async fn remove(daemon: &Arc<Daemon>, reference: &str) -> HandlerResult {
    daemon.backend.network_remove(reference).await?;
    Ok(http::StatusCode::NO_CONTENT.into_response())
}

pub async fn connect(
    daemon: &Arc<Daemon>,
    reference: &str,
    parts: &http::request::Parts,
    body: Body,
) -> HandlerResult {
    let connect: NetworkConnect = json_body(body, body_limit(parts))
        .await?
        .unwrap_or_default();
    daemon.backend.network_connect(reference, connect).await?;
    Ok(http::StatusCode::OK.into_response())
}

pub async fn disconnect(
    daemon: &Arc<Daemon>,
    reference: &str,
    parts: &http::request::Parts,
    body: Body,
) -> HandlerResult {
    let disconnect: NetworkDisconnect = json_body(body, body_limit(parts))
        .await?
        .unwrap_or_default();
    daemon
        .backend
        .network_disconnect(reference, disconnect)
        .await?;
    Ok(http::StatusCode::OK.into_response())
}

pub async fn prune(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let report = daemon.backend.network_prune(&query.filters()?).await?;
    Ok(json(http::StatusCode::OK, &report))
}
