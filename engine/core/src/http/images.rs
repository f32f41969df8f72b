//! Image routes: list, inspect, tag, remove, load, and `images/create` (pull).

use std::sync::Arc;

use axum::body::Body;
use axum::response::IntoResponse;
use futures_util::StreamExt;
use http_body_util::BodyExt;
use tokio::io::AsyncWriteExt;

use super::query::Query;
use super::{Daemon, HandlerResult, json};
use crate::api::{ImageDeleted, ImportOptions, ProgressMessage};
use crate::backend::Progress;
use crate::error::EngineError;

pub async fn list(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let filters = query.filters()?;
    let images = daemon.backend.images(query.bool("all"), &filters).await?;
    Ok(json(http::StatusCode::OK, &images))
}

pub async fn inspect(daemon: &Arc<Daemon>, name: &str) -> HandlerResult {
    let image = daemon.backend.image_inspect(name).await?;
    Ok(json(http::StatusCode::OK, &image))
}

pub async fn history(daemon: &Arc<Daemon>, name: &str) -> HandlerResult {
    let history = daemon.backend.image_history(name).await?;
    Ok(json(http::StatusCode::OK, &history))
}

pub async fn prune(daemon: &Arc<Daemon>, query: &Query) -> HandlerResult {
    let report = daemon.backend.image_prune(&query.filters()?).await?;
    Ok(json(http::StatusCode::OK, &report))
}

pub async fn tag(daemon: &Arc<Daemon>, name: &str, query: &Query) -> HandlerResult {
    let repository = query.get("repo").unwrap_or_default();
    let tag = query.get("tag").unwrap_or_default();
    daemon.backend.image_tag(name, repository, tag).await?;
    Ok(http::StatusCode::CREATED.into_response())
}

pub async fn remove(daemon: &Arc<Daemon>, name: &str, query: &Query) -> HandlerResult {
    let force = query.bool("force");
    let prune = query.get("noprune").is_none_or(|_| !query.bool("noprune"));
    let deleted = daemon.backend.image_remove(name, force, prune).await?;
    let body: Vec<serde_json::Value> = deleted
        .iter()
        .map(|item| match item {
            ImageDeleted::Untagged(name) => serde_json::json!({ "Untagged": name }),
            ImageDeleted::Deleted(id) => serde_json::json!({ "Deleted": id }),
        })
        .collect();
    Ok(json(http::StatusCode::OK, &body))
}

/// Runs a long operation that reports progress. Its error is the HTTP answer when it comes
/// before any progress (as Docker answers a pull of an unknown image with 404); after, it is
/// the stream's last message, which the CLI prints and exits 1 with.
async fn progress_response<F, Fut>(operation: F) -> HandlerResult
where
    F: FnOnce(Progress) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), EngineError>> + Send + 'static,
{
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<ProgressMessage>(64);
    let mut task = tokio::spawn(operation(sender));
    // Whether the operation already finished (successfully) in the select below: its handle
    // must not be awaited twice.
    let mut finished_early = false;
    let first = tokio::select! {
        message = receiver.recv() => Some(message),
        finished = &mut task => {
            match finished {
                Ok(Err(error)) => return Err(error),
                Ok(Ok(())) => {
                    finished_early = true;
                    None
                }
                Err(join) => return Err(EngineError::internal(join)),
            }
        }
    };
    let stream = super::system::async_stream(
        move |out: tokio::sync::mpsc::Sender<bytes::Bytes>| async move {
            let line = |message: &ProgressMessage| {
                let mut bytes = serde_json::to_vec(message).unwrap_or_default();
                bytes.extend_from_slice(b"\r\n");
                bytes::Bytes::from(bytes)
            };
            if let Some(Some(message)) = first {
                let _ = out.send(line(&message)).await;
            }
            while let Some(message) = receiver.recv().await {
                let _ = out.send(line(&message)).await;
            }
            let outcome = if finished_early {
                Ok(())
            } else {
                match task.await {
                    Ok(outcome) => outcome,
                    Err(join) => Err(EngineError::internal(join)),
                }
            };
            if let Err(error) = outcome {
                let _ = out
                    .send(line(&ProgressMessage::error(error.to_string())))
                    .await;
            }
        },
    );
    Ok((
        [(http::header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream.map(Ok::<_, std::io::Error>)),
    )
        .into_response())
}

/// `POST /images/load`: the body (a tar) is spooled to a file, then loaded.
pub async fn load(daemon: &Arc<Daemon>, query: &Query, body: Body) -> HandlerResult {
    let _quiet = query.bool("quiet");
    let path = spool(daemon, body).await?;
    let backend = daemon.backend.clone();
    progress_response(move |progress| async move {
        // The temporary path lives until the load is over.
        let outcome = backend.image_load(path.to_path_buf(), progress).await;
        drop(path);
        outcome
    })
    .await
}

/// Writes a request's body to a temporary file in the spool directory.
async fn spool(daemon: &Arc<Daemon>, body: Body) -> Result<tempfile::TempPath, EngineError> {
    std::fs::create_dir_all(&daemon.spool_dir).map_err(EngineError::internal)?;
    let spooled =
        tempfile::NamedTempFile::new_in(&daemon.spool_dir).map_err(EngineError::internal)?;
    let (file, path) = spooled.into_parts();
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
    Ok(path)
}

/// `POST /images/create?fromSrc=-`: the body (a root file system's tar, compressed or not)
/// becomes a one-layer image (`docker import`). A URL source would mean a download, which an
/// offline engine does not make: Docker's 400 for a source that is not `-` or a URL, and this
/// backend's "not supported" for a URL.
async fn import(daemon: &Arc<Daemon>, query: &Query, source: &str, body: Body) -> HandlerResult {
    if source != "-" {
        if source.starts_with("http://") || source.starts_with("https://") {
            return Err(EngineError::not_supported(
                daemon.backend.name(),
                "importing from a URL",
            ));
        }
        return Err(EngineError::InvalidParameter(format!(
            "invalid source: {source}"
        )));
    }
    let text = |name: &str| query.get(name).unwrap_or_default().to_string();
    let options = ImportOptions {
        repo: text("repo"),
        tag: text("tag"),
        message: text("message"),
        changes: query.all("changes"),
    };
    let path = spool(daemon, body).await?;
    let backend = daemon.backend.clone();
    progress_response(move |progress| async move {
        let outcome = backend
            .image_import(path.to_path_buf(), options, progress)
            .await;
        drop(path);
        outcome
    })
    .await
}

/// `POST /images/create`: a pull (`fromImage`) or an import (`fromSrc`).
pub async fn create(
    daemon: &Arc<Daemon>,
    parts: &http::request::Parts,
    query: &Query,
    body: Body,
) -> HandlerResult {
    let Some(image) = query.get("fromImage").filter(|i| !i.is_empty()) else {
        if let Some(source) = query.get("fromSrc").filter(|s| !s.is_empty()) {
            return import(daemon, query, source, body).await;
        }
        return Err(EngineError::InvalidParameter(
            "invalid reference format".into(),
        ));
    };
    let image = image.to_string();
    let tag = query.get("tag").unwrap_or_default().to_string();
    let auth = parts
        .headers
        .get("X-Registry-Auth")
        .and_then(|value| value.to_str().ok())
        .map(String::from);
    let backend = daemon.backend.clone();
    progress_response(move |progress| async move {
        backend.image_pull(&image, &tag, auth, progress).await
    })
    .await
}
