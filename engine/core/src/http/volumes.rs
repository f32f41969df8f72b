//! Volume routes: list, create, inspect, remove, prune.

use std::sync::Arc;

use axum::body::Body;
use axum::response::IntoResponse;

use super::query::Query;
use super::{Daemon, HandlerResult, json, json_body};
use crate::api::VolumeCreate;

pub async fn list(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let volumes = daemon.backend.volumes(&query.filters()?).await?;
    Ok(json(http::StatusCode::OK, &volumes))
}

pub async fn create(
    daemon: &Arc<Daemon>,
    parts: &http::request::Parts,
    body: Body,
) -> HandlerResult {
    let limit = parts
        .extensions
        .get::<simkit::body::BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0);
    let create: VolumeCreate = json_body(body, limit).await?.unwrap_or_default();
    let volume = daemon.backend.volume_create(create).await?;
    Ok(json(http::StatusCode::CREATED, &volume))
}

pub async fn inspect(daemon: &Arc<Daemon>, name: &str) -> HandlerResult {
    let volume = daemon.backend.volume_inspect(name).await?;
    Ok(json(http::StatusCode::OK, &volume))
}

pub async fn remove(daemon: &Arc<Daemon>, name: &str, query: &Query) -> HandlerResult {
    daemon
        .backend
        .volume_remove(name, query.bool("force"))
        .await?;
    Ok(http::StatusCode::NO_CONTENT.into_response())
}

pub async fn prune(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let report = daemon.backend.volume_prune(&query.filters()?).await?;
    Ok(json(http::StatusCode::OK, &report))
}
