//! `HEAD`/`GET`/`PUT /containers/{id}/archive` (`docker cp`): the path's stat in
//! `X-Docker-Container-Path-Stat` (base64 JSON), a tar of it, or a tar extracted into it. Tars
//! go through spool files, so neither direction is held in memory.

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::query::Query;
use super::{Daemon, HandlerResult};
use crate::api::{ArchivePutOptions, PathStat};
use crate::error::EngineError;

pub const PATH_STAT_HEADER: &str = "X-Docker-Container-Path-Stat";

fn path_param(query: &Query) -> Result<String, EngineError> {
    match query.get("path") {
        Some(path) if !path.is_empty() => Ok(path.to_string()),
        _ => Err(EngineError::InvalidParameter(
            "bad parameter: path cannot be empty".into(),
        )),
    }
}

fn stat_header(stat: &PathStat) -> String {
    let json = serde_json::to_vec(stat).unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(json)
}

pub async fn stat(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let path = path_param(query)?;
    let stat = daemon.backend.archive_stat(id, &path).await?;
    Ok(Response::builder()
        .status(http::StatusCode::OK)
        .header(PATH_STAT_HEADER, stat_header(&stat))
        .body(Body::empty())
        .unwrap_or_else(|_| Response::new(Body::empty())))
}

/// A spool file for a tar the backend writes, and a second handle on it for the backend.
fn spool(daemon: &Daemon) -> Result<(std::fs::File, std::fs::File), EngineError> {
    std::fs::create_dir_all(&daemon.spool_dir).map_err(EngineError::internal)?;
    // Unlinked at once: the open handle keeps the bytes until the body has been sent.
    let spool = tempfile::tempfile_in(&daemon.spool_dir).map_err(EngineError::internal)?;
    let writer = spool.try_clone().map_err(EngineError::internal)?;
    Ok((spool, writer))
}

/// The spooled tar as a streamed body, from its start.
async fn spooled_body(spool: std::fs::File) -> Result<Body, EngineError> {
    let mut file = tokio::fs::File::from_std(spool);
    file.seek(std::io::SeekFrom::Start(0))
        .await
        .map_err(EngineError::internal)?;
    let body = futures_util::stream::unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; 64 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buffer)), file))
            }
            Err(error) => Some((Err(error), file)),
        }
    });
    Ok(Body::from_stream(body))
}

pub async fn get(daemon: &Arc<Daemon>, id: &str, query: &Query) -> HandlerResult {
    let path = path_param(query)?;
    let (spool, writer) = spool(daemon)?;
    let stat = daemon.backend.archive_get(id, &path, writer).await?;
    Ok(Response::builder()
        .status(http::StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "application/x-tar")
        .header(PATH_STAT_HEADER, stat_header(&stat))
        .body(spooled_body(spool).await?)
        .unwrap_or_else(|_| Response::new(Body::empty())))
}

/// `GET /containers/{id}/export`: the container's whole file system as a tar.
pub async fn export(daemon: &Arc<Daemon>, id: &str) -> HandlerResult {
    let (spool, writer) = spool(daemon)?;
    daemon.backend.container_export(id, writer).await?;
    Ok(Response::builder()
        .status(http::StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "application/x-tar")
        .body(spooled_body(spool).await?)
        .unwrap_or_else(|_| Response::new(Body::empty())))
}

/// `GET /images/{name}/get` and `GET /images/get?names=…`: the images as a `docker save` tar.
pub async fn save(daemon: &Arc<Daemon>, names: Vec<String>) -> HandlerResult {
    if names.is_empty() {
        return Err(EngineError::InvalidParameter("no images specified".into()));
    }
    let (spool, writer) = spool(daemon)?;
    daemon.backend.image_save(names, writer).await?;
    Ok(Response::builder()
        .status(http::StatusCode::OK)
        .header(http::header::CONTENT_TYPE, "application/x-tar")
        .body(spooled_body(spool).await?)
        .unwrap_or_else(|_| Response::new(Body::empty())))
}

pub async fn put(daemon: &Arc<Daemon>, id: &str, query: &Query, body: Body) -> HandlerResult {
    let path = path_param(query)?;
    let options = ArchivePutOptions {
        no_overwrite_dir_non_dir: query.bool("noOverwriteDirNonDir"),
        copy_uid_gid: query.bool("copyUIDGID"),
    };
    std::fs::create_dir_all(&daemon.spool_dir).map_err(EngineError::internal)?;
    let spooled =
        tempfile::NamedTempFile::new_in(&daemon.spool_dir).map_err(EngineError::internal)?;
    let (file, spooled_path) = spooled.into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            EngineError::InvalidParameter(format!("reading the archive failed: {error}"))
        })?;
        if let Some(data) = frame.data_ref() {
            file.write_all(data).await.map_err(EngineError::internal)?;
        }
    }
    file.flush().await.map_err(EngineError::internal)?;
    drop(file);
    let outcome = daemon
        .backend
        .archive_put(id, &path, spooled_path.to_path_buf(), options)
        .await;
    drop(spooled_path);
    outcome?;
    Ok(http::StatusCode::OK.into_response())
}
