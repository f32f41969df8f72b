//! A container's files through the upstream: `HEAD`/`GET`/`PUT …/archive` (`docker cp`),
//! `…/export` and `…/changes`, relayed as the upstream answers them. Tars are streamed between
//! the upstream and the engine's spool files, never held in memory.
//!
//! What this module must not do: look into or change a tar; the upstream's bytes and
//! errors pass through unchanged.

use std::io::Write;

use base64::Engine as _;
use engine_core::EngineError;
use engine_core::api::{ArchivePutOptions, PathStat};
use http::Method;
use http_body_util::BodyExt;

use crate::upstream::{Upstream, empty, path_segment, query};

const PATH_STAT_HEADER: &str = "X-Docker-Container-Path-Stat";

fn archive_path(id: &str, path: &str, extra: &[(&str, String)]) -> String {
    let mut pairs = vec![("path", path.to_string())];
    pairs.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    format!("/containers/{}/archive{}", path_segment(id), query(&pairs))
}

/// The path stat the upstream sent in its header.
fn path_stat(response: &http::Response<hyper::body::Incoming>) -> Result<PathStat, EngineError> {
    let header = response
        .headers()
        .get(PATH_STAT_HEADER)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| EngineError::internal("the upstream sent no path stat"))?;
    let json = base64::engine::general_purpose::STANDARD
        .decode(header)
        .map_err(EngineError::internal)?;
    serde_json::from_slice(&json).map_err(EngineError::internal)
}

/// Writes the body of `response` to `into`, piece by piece.
async fn body_into(
    response: http::Response<hyper::body::Incoming>,
    into: std::fs::File,
) -> Result<(), EngineError> {
    let mut body = response.into_body();
    let mut writer = std::io::BufWriter::new(into);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            EngineError::internal(format!("reading the upstream's tar: {error}"))
        })?;
        if let Some(data) = frame.data_ref() {
            writer.write_all(data).map_err(EngineError::internal)?;
        }
    }
    writer.flush().map_err(EngineError::internal)
}

pub async fn stat(upstream: &Upstream, id: &str, path: &str) -> Result<PathStat, EngineError> {
    let response = upstream
        .open(Method::HEAD, &archive_path(id, path, &[]), empty(), &[])
        .await?;
    path_stat(&response)
}

pub async fn get(
    upstream: &Upstream,
    id: &str,
    path: &str,
    into: std::fs::File,
) -> Result<PathStat, EngineError> {
    let response = upstream
        .open(Method::GET, &archive_path(id, path, &[]), empty(), &[])
        .await?;
    let stat = path_stat(&response)?;
    body_into(response, into).await?;
    Ok(stat)
}

pub async fn put(
    upstream: &Upstream,
    id: &str,
    path: &str,
    archive: std::path::PathBuf,
    options: ArchivePutOptions,
) -> Result<(), EngineError> {
    let flag = |value: bool| if value { "1" } else { "0" }.to_string();
    let path_and_query = archive_path(
        id,
        path,
        &[
            (
                "noOverwriteDirNonDir",
                flag(options.no_overwrite_dir_non_dir),
            ),
            ("copyUIDGID", flag(options.copy_uid_gid)),
        ],
    );
    let body = crate::file_body(&archive).await?;
    let response = upstream
        .open(
            Method::PUT,
            &path_and_query,
            body,
            &[("Content-Type", "application/x-tar".to_string())],
        )
        .await?;
    crate::upstream::read_all(response.into_body()).await?;
    Ok(())
}

pub async fn export(upstream: &Upstream, id: &str, into: std::fs::File) -> Result<(), EngineError> {
    let response = upstream
        .open(
            Method::GET,
            &format!("/containers/{}/export", path_segment(id)),
            empty(),
            &[],
        )
        .await?;
    body_into(response, into).await
}

/// `docker save`: the upstream's tar of the images, written to `into`.
pub async fn save(
    upstream: &Upstream,
    names: &[String],
    into: std::fs::File,
) -> Result<(), EngineError> {
    let pairs: Vec<(&str, String)> = names.iter().map(|name| ("names", name.clone())).collect();
    let response = upstream
        .open(
            Method::GET,
            &format!("/images/get{}", super::upstream::query(&pairs)),
            empty(),
            &[],
        )
        .await?;
    body_into(response, into).await
}
