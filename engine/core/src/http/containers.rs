//! Container routes: create, list, inspect, start, stop, restart, kill, wait, remove, rename,
//! logs, attach and commit.

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};

use super::query::Query;
use super::{Daemon, HandlerResult, json, json_body};
use crate::api::{
    CommitCreated, CommitOptions, ContainerCreate, ListOptions, LogOptions, WaitCondition,
};
use crate::backend::AttachOptions;
use crate::error::EngineError;

fn no_content() -> Response {
    http::StatusCode::NO_CONTENT.into_response()
}

pub async fn create(
    daemon: &Arc<Daemon>,
    parts: &http::request::Parts,
    query: &Query,
    body: Body,
) -> HandlerResult {
    let limit = parts
        .extensions
        .get::<simkit::body::BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0);
    let create: ContainerCreate = json_body(body, limit).await?.ok_or_else(|| {
        EngineError::InvalidParameter(
            "config cannot be empty in order to create a container".into(),
        )
    })?;
    let name = query
        .get("name")
        .filter(|n| !n.is_empty())
        .map(String::from);
    let created = daemon.backend.container_create(name, create).await?;
    Ok(json(http::StatusCode::CREATED, &created))
}

/// `POST /commit?container=…&repo=…&tag=…&comment=…&author=…&pause=…&changes=…`, with an
/// optional container `Config` as the body.
pub async fn commit(
    daemon: &Arc<Daemon>,
    parts: &http::request::Parts,
    query: &Query,
    body: Body,
) -> HandlerResult {
    let limit = parts
        .extensions
        .get::<simkit::body::BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0);
    let config: Option<serde_json::Value> = json_body(body, limit).await?;
    let text = |name: &str| query.get(name).unwrap_or_default().to_string();
    let options = CommitOptions {
        repo: text("repo"),
        tag: text("tag"),
        comment: text("comment"),
        author: text("author"),
        // Docker pauses unless told not to (API 1.13 and later).
        pause: query.get("pause").is_none_or(str::is_empty) || query.bool("pause"),
        changes: query.all("changes"),
        config: config.filter(|c| !c.is_null()),
    };
    let container = text("container");
    let id = daemon.backend.container_commit(&container, options).await?;
    Ok(json(http::StatusCode::CREATED, &CommitCreated { id }))
}

pub async fn prune(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let report = daemon.backend.container_prune(&query.filters()?).await?;
    Ok(json(http::StatusCode::OK, &report))
}

pub async fn list(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let limit = query
        .int("limit")?
        .filter(|limit| *limit > 0)
        .map(|limit| limit as usize);
    let options = ListOptions {
        all: query.bool("all"),
        limit,
        filters: query.filters()?,
    };
    let containers = daemon.backend.containers(options).await?;
    Ok(json(http::StatusCode::OK, &containers))
}

pub async fn inspect(daemon: &Arc<Daemon>, id: &str) -> HandlerResult {
    let container = daemon.backend.container_inspect(id).await?;
    Ok(json(http::StatusCode::OK, &container))
}

/// `GET /containers/{id}/changes`: Docker answers `null` when nothing changed.
pub async fn changes(daemon: &Arc<Daemon>, id: &str) -> HandlerResult {
    let changes = daemon.backend.container_changes(id).await?;
    let changes = (!changes.is_empty()).then_some(changes);
    Ok(json(http::StatusCode::OK, &changes))
}

pub async fn start(daemon: &Arc<Daemon>, id: &str) -> HandlerResult {
    daemon.backend.container_start(id).await?;
    Ok(no_content())
}

fn stop_options(query: &Query) -> Result<(Option<String>, Option<i64>), EngineError> {
    let signal = query
        .get("signal")
        .filter(|s| !s.is_empty())
        .map(String::from);
    let timeout = query.int("t")?;
    Ok((signal, timeout))
}

pub async fn stop(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let (signal, timeout) = stop_options(query)?;
    daemon.backend.container_stop(id, signal, timeout).await?;
    Ok(no_content())
}

pub async fn restart(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let (signal, timeout) = stop_options(query)?;
    daemon
        .backend
        .container_restart(id, signal, timeout)
        .await?;
    Ok(no_content())
}

pub async fn kill(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let signal = query
        .get("signal")
        .filter(|s| !s.is_empty())
        .map(String::from);
    daemon.backend.container_kill(id, signal).await?;
    Ok(no_content())
}

/// `POST /containers/{id}/wait`: the headers go out at once (the CLI starts the container only
/// once its wait is registered), the body when the condition is met.
pub async fn wait(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let condition = match query.get("condition").unwrap_or("") {
        "" | "not-running" => WaitCondition::NotRunning,
        "next-exit" => WaitCondition::NextExit,
        "removed" => WaitCondition::Removed,
        other => {
            return Err(EngineError::InvalidParameter(format!(
                "invalid condition: \"{other}\""
            )));
        }
    };
    let waiting = daemon.backend.container_wait(id, condition).await?;
    let body = futures_util::stream::once(async move {
        let answer = waiting.await;
        let mut bytes = serde_json::to_vec(&answer).unwrap_or_default();
        bytes.push(b'\n');
        Ok::<_, std::io::Error>(bytes::Bytes::from(bytes))
    });
    Ok((
        [(http::header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response())
}

pub async fn remove(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    daemon
        .backend
        .container_remove(id, query.bool("force"), query.bool("v"))
        .await?;
    Ok(no_content())
}

pub async fn rename(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let name = query.get("name").unwrap_or_default();
    daemon.backend.container_rename(id, name).await?;
    Ok(no_content())
}

/// Parses a `since`/`until` value: seconds, possibly fractional; 0 means unset.
fn seconds(query: &Query, name: &str) -> Result<Option<f64>, EngineError> {
    match query.get(name) {
        None | Some("") => Ok(None),
        Some(text) => match text.parse::<f64>() {
            Ok(0.0) => Ok(None),
            Ok(value) => Ok(Some(value)),
            Err(_) => Err(EngineError::InvalidParameter(format!(
                "invalid value for {name}: {text:?}"
            ))),
        },
    }
}

pub async fn logs(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let stdout = query.bool("stdout");
    let stderr = query.bool("stderr");
    if !stdout && !stderr {
        return Err(EngineError::InvalidParameter(
            "Bad parameters: you must choose at least one stream".into(),
        ));
    }
    let tail = match query.get("tail") {
        None | Some("") | Some("all") => None,
        Some(text) => Some(text.parse::<usize>().map_err(|_| {
            EngineError::InvalidParameter(format!("invalid value for tail: {text:?}"))
        })?),
    };
    let options = LogOptions {
        stdout,
        stderr,
        follow: query.bool("follow"),
        timestamps: query.bool("timestamps"),
        since: seconds(query, "since")?,
        until: seconds(query, "until")?,
        tail,
    };
    let logs = daemon.backend.container_logs(id, options).await?;
    Ok(super::stream::output_response(logs.output, logs.tty))
}

pub async fn attach(
    daemon: &Arc<Daemon>,
    id: &str,
    query: &Query,
    parts: &mut http::request::Parts,
) -> HandlerResult {
    let options = AttachOptions {
        stdin: query.bool("stdin"),
        stdout: query.bool("stdout"),
        stderr: query.bool("stderr"),
        logs: query.bool("logs"),
        stream: query.bool("stream"),
    };
    let attached = daemon.backend.container_attach(id, options).await?;
    if super::stream::wants_upgrade(parts) {
        Ok(super::stream::hijack(
            parts,
            attached.output,
            attached.stdin,
            attached.tty,
        ))
    } else {
        Ok(super::stream::output_response(
            attached.output,
            attached.tty,
        ))
    }
}

pub async fn resize(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let (height, width) = super::exec::size(query)?;
    daemon.backend.container_resize(id, height, width).await?;
    Ok(http::StatusCode::OK.into_response())
}
