//! The HTTP layer: Docker's wire in front of a [`Backend`]. Thin and backend-agnostic: it
//! parses the path (with or without a `/vX.Y` prefix), checks the API version, decodes query
//! parameters and JSON bodies into typed calls, and renders results and [`EngineError`]s as
//! Docker does (`{"message": …}` with Docker's status codes; 404 `page not found` for unknown
//! routes; 503 for swarm and plugin endpoints, as Podman answers).
//!
//! | module | holds |
//! |---|---|
//! | [`route`] | the path parser and the route table ([`route::Route`]) |
//! | [`query`] | query parameters and Docker's `filters` JSON |
//! | [`stream`] | the multiplexed framing, hijacked connections, streamed bodies |
//! | [`system`], [`images`], [`containers`], [`exec`], [`archive`], [`volumes`], [`networks`] | one handler per route |
//!
//! What this module must not do: keep state or know any backend.

pub mod archive;
pub mod containers;
pub mod exec;
pub mod images;
pub mod networks;
pub mod query;
pub mod resources;
pub mod route;
pub mod stream;
pub mod system;
pub mod volumes;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};

use crate::backend::Backend;
use crate::error::EngineError;
use crate::events::Events;
use route::Route;

/// The newest API version served (Docker 28.3).
pub const MAX_API_VERSION: (u32, u32) = (1, 51);
/// The oldest API version served (Docker 29's minimum).
pub const MIN_API_VERSION: (u32, u32) = (1, 44);

/// What handlers share.
pub struct Daemon {
    pub backend: Arc<dyn Backend>,
    pub events: Events,
    pub clock: Arc<dyn simkit::clock::Clock>,
    /// The engine's ID for `/info` (stable across restarts with a state directory).
    pub id: String,
    pub name: String,
    pub root_dir: String,
    /// Where request bodies that are archives are spooled.
    pub spool_dir: std::path::PathBuf,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("backend", &self.backend.name())
            .finish()
    }
}

/// Docker's error body.
pub fn error_response(error: &EngineError) -> Response {
    let status = error.status();
    if status == http::StatusCode::NOT_MODIFIED {
        return status.into_response();
    }
    match error {
        EngineError::Internal(_) => tracing::debug!(%error, "internal error answered"),
        _ => tracing::debug!(%error, status = status.as_u16(), "client error answered"),
    }
    (
        status,
        axum::Json(serde_json::json!({ "message": error.to_string() })),
    )
        .into_response()
}

/// A JSON answer with Docker's content type.
pub fn json<T: serde::Serialize>(status: http::StatusCode, value: &T) -> Response {
    (status, axum::Json(value)).into_response()
}

pub type HandlerResult = Result<Response, EngineError>;

/// The one entry point: routes every request.
pub async fn handle(State(daemon): State<Arc<Daemon>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let route = match route::parse(&parts.method, parts.uri.path()) {
        Ok(route) => route,
        Err(error) => return error_response(&error),
    };
    let query = query::Query::parse(parts.uri.query());
    let outcome = dispatch(&daemon, route, &mut parts, query, body).await;
    match outcome {
        Ok(response) => response,
        Err(error) => error_response(&error),
    }
}

async fn dispatch(
    daemon: &Arc<Daemon>,
    route: Route,
    parts: &mut http::request::Parts,
    query: query::Query,
    body: Body,
) -> HandlerResult {
    use Route::*;
    match route {
        Ping { head } => Ok(system::ping(head)),
        Version => system::version(daemon).await,
        Info => system::info(daemon).await,
        Events => system::events(daemon, &query),
        SwarmOrPlugin => Err(EngineError::Unavailable(
            "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.".into(),
        )),
        ImageList => images::list(daemon, &query).await,
        ImageInspect(name) => images::inspect(daemon, &name).await,
        ImageTag(name) => images::tag(daemon, &name, &query).await,
        ImageRemove(name) => images::remove(daemon, &name, &query).await,
        ImageLoad => images::load(daemon, &query, body).await,
        ImageCreate => images::create(daemon, parts, &query, body).await,
        ContainerCreate => containers::create(daemon, parts, &query, body).await,
        ContainerList => containers::list(daemon, &query).await,
        ContainerInspect(id) => containers::inspect(daemon, &id).await,
        ContainerStart(id) => containers::start(daemon, &id).await,
        ContainerStop(id) => containers::stop(daemon, &id, &query).await,
        ContainerRestart(id) => containers::restart(daemon, &id, &query).await,
        ContainerKill(id) => containers::kill(daemon, &id, &query).await,
        ContainerWait(id) => containers::wait(daemon, &id, &query).await,
        ContainerRemove(id) => containers::remove(daemon, &id, &query).await,
        ContainerRename(id) => containers::rename(daemon, &id, &query).await,
        ContainerLogs(id) => containers::logs(daemon, &id, &query).await,
        ContainerAttach(id) => containers::attach(daemon, &id, &query, parts).await,
        ContainerResize(id) => containers::resize(daemon, &id, &query).await,
        ContainerPause(id) => resources::pause(daemon, &id).await,
        ContainerUnpause(id) => resources::unpause(daemon, &id).await,
        ContainerTop(id) => resources::top(daemon, &id, &query).await,
        ContainerStats(id) => resources::stats(daemon, &id, &query).await,
        ContainerUpdate(id) => resources::update(daemon, &id, parts, body).await,
        NetworkList => networks::list(daemon, &query).await,
        NetworkCreate => networks::create(daemon, parts, body).await,
        NetworkPrune => networks::prune(daemon, &query).await,
        NetworkInspect(id) => networks::inspect(daemon, &id).await,
        NetworkRemove(id) => networks::remove(daemon, &id).await,
        NetworkConnect(id) => networks::connect(daemon, &id, parts, body).await,
        NetworkDisconnect(id) => networks::disconnect(daemon, &id, parts, body).await,
        VolumeList => volumes::list(daemon, &query).await,
        VolumeCreate => volumes::create(daemon, parts, body).await,
        VolumePrune => volumes::prune(daemon, &query).await,
        VolumeInspect(name) => volumes::inspect(daemon, &name).await,
        VolumeRemove(name) => volumes::remove(daemon, &name, &query).await,
        ContainerChanges(id) => containers::changes(daemon, &id).await,
        ContainerExport(id) => archive::export(daemon, &id).await,
        ArchiveStat(id) => archive::stat(daemon, &id, &query).await,
        ArchiveGet(id) => archive::get(daemon, &id, &query).await,
        ArchivePut(id) => archive::put(daemon, &id, &query, body).await,
        ContainerExec(id) => exec::create(daemon, &id, parts, body).await,
        ExecStart(id) => exec::start(daemon, &id, parts, body).await,
        ExecInspect(id) => exec::inspect(daemon, &id).await,
        ExecResize(id) => exec::resize(daemon, &id, &query).await,
        Commit => containers::commit(daemon, parts, &query, body).await,
        Auth => system::auth(daemon, parts, body).await,
        SystemDf => system::df(daemon).await,
        ContainerPrune => containers::prune(daemon, &query).await,
        ImagePrune => images::prune(daemon, &query).await,
        ImageHistory(name) => images::history(daemon, &name).await,
        ImageSave(name) => {
            let names = name.map_or_else(|| query.all("names"), |name| vec![name]);
            archive::save(daemon, names).await
        }
        Unbuilt(what) => Err(EngineError::not_supported(daemon.backend.name(), what)),
    }
}

/// Reads a JSON body whole (under the server's limit) into `T`, with Docker's 400 for bad JSON.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    body: Body,
    limit: usize,
) -> Result<Option<T>, EngineError> {
    let bytes = simkit::body::collect(body, limit)
        .await
        .map_err(|error| EngineError::InvalidParameter(error.to_string()))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|error| EngineError::InvalidParameter(format!("invalid JSON: {error}")))
}
