//! Exec routes: create in a running container, start (hijacked, or detached), inspect, resize.
//! Started attached, the exec's output goes to the client framed unless it has a TTY, and what
//! the client sends goes to the exec's stdin when it was created with `AttachStdin`.

use std::sync::Arc;

use axum::body::Body;
use axum::response::IntoResponse;

use super::query::Query;
use super::{Daemon, HandlerResult, json, json_body};
use crate::api::{ExecConfig, ExecCreated, ExecStartConfig};
use crate::error::EngineError;

fn body_limit(parts: &http::request::Parts) -> usize {
    parts
        .extensions
        .get::<simkit::body::BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0)
}

pub async fn create(
    daemon: &Arc<Daemon>,
    container: &str,
    parts: &http::request::Parts,
    body: Body,
) -> HandlerResult {
    let config: ExecConfig = json_body(body, body_limit(parts))
        .await?
        .unwrap_or_default();
    if config.cmd.as_ref().is_none_or(Vec::is_empty) {
        return Err(EngineError::InvalidParameter(
            "No exec command specified".into(),
        ));
    }
    let id = daemon.backend.exec_create(container, config).await?;
    Ok(json(http::StatusCode::CREATED, &ExecCreated { id }))
}

pub async fn start(
    daemon: &Arc<Daemon>,
    id: &str,
    parts: &mut http::request::Parts,
    body: Body,
) -> HandlerResult {
    let start: ExecStartConfig = json_body(body, body_limit(parts))
        .await?
        .unwrap_or_default();
    let detach = start.detach;
    let attached = daemon.backend.exec_start(id, start).await?;
    match attached {
        None => Ok(http::StatusCode::OK.into_response()),
        Some(_) if detach => Ok(http::StatusCode::OK.into_response()),
        Some(attached) if super::stream::wants_upgrade(parts) => Ok(super::stream::hijack(
            parts,
            attached.output,
            attached.stdin,
            attached.tty,
        )),
        Some(attached) => Ok(super::stream::output_response(
            attached.output,
            attached.tty,
        )),
    }
}

pub async fn inspect(daemon: &Arc<Daemon>, id: &str) -> HandlerResult {
    let exec = daemon.backend.exec_inspect(id).await?;
    Ok(json(http::StatusCode::OK, &exec))
}

/// `h` and `w` as Docker reads them: absent is 0, anything else must be a number.
pub fn size(query: &Query) -> Result<(u32, u32), EngineError> {
    let read = |name: &str| -> Result<u32, EngineError> {
        match query.get(name) {
            None | Some("") => Ok(0),
            Some(text) => text.parse::<u32>().map_err(|_| {
                EngineError::InvalidParameter(format!(
                    "strconv.Atoi: parsing \"{text}\": invalid syntax"
                ))
            }),
        }
    };
    Ok((read("h")?, read("w")?))
}

pub async fn resize(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let (height, width) = size(query)?;
    daemon.backend.exec_resize(id, height, width).await?;
    Ok(http::StatusCode::OK.into_response())
}
