//! A running container's processes and resources: pause, unpause, top, stats and update.

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::query::Query;
use super::{Daemon, HandlerResult, json, json_body};
use crate::api::ContainerUpdate;
use crate::error::EngineError;

pub async fn pause(daemon: &Arc<Daemon>, id: &str) -> HandlerResult {
    daemon.backend.container_pause(id).await?;
    Ok(http::StatusCode::NO_CONTENT.into_response())
}

pub async fn unpause(daemon: &Arc<Daemon>, id: &str) -> HandlerResult {
    daemon.backend.container_unpause(id).await?;
    Ok(http::StatusCode::NO_CONTENT.into_response())
}

/// `GET /containers/{id}/top?ps_args=…`.
pub async fn top(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let ps_args = query.get("ps_args").unwrap_or_default();
    let top = daemon.backend.container_top(id, ps_args).await?;
    Ok(json(http::StatusCode::OK, &top))
}

/// `GET /containers/{id}/stats?stream=…&one-shot=…`: one JSON object, or one per line while
/// the client reads (`stream` is true unless said otherwise).
pub async fn stats(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let stream = query.get("stream").is_none_or(str::is_empty) || query.bool("stream");
    let one_shot = query.bool("one-shot");
    if stream && one_shot {
        return Err(EngineError::InvalidParameter(
            "cannot have stream=true and one-shot=true".into(),
        ));
    }
    let samples = daemon.backend.container_stats(id, stream, one_shot).await?;
    let lines = samples.map(|sample| {
        let mut line = serde_json::to_vec(&sample).map_err(std::io::Error::other)?;
        line.push(b'\n');
        Ok::<_, std::io::Error>(bytes::Bytes::from(line))
    });
    Ok(Response::builder()
        .status(http::StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(lines))
        .unwrap_or_else(|_| Response::new(Body::empty())))
}

/// `POST /containers/{id}/update` with a `Resources` and `RestartPolicy` body.
pub async fn update(
    daemon: &Arc<Daemon>,
    id: &str,
    parts: &http::request::Parts,
    body: Body,
) -> HandlerResult {
    let limit = parts
        .extensions
        .get::<simkit::body::BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0);
    let update: ContainerUpdate = json_body(body, limit).await?.unwrap_or_default();
    let answer = daemon.backend.container_update(id, update).await?;
    Ok(json(http::StatusCode::OK, &answer))
}
