//! engine-core: the Docker Engine API daemon's backend-agnostic half.
//!
//! ```text
//! docker CLI / docker-py ──unix socket or tcp──► simkit server ──► http (route, decode)
//!                                                                    │ typed calls
//!                                                                    ▼
//!                                                      Backend (memory, docker, cloud…)
//! ```
//!
//! | module | holds |
//! |---|---|
//! | [`api`] | Docker's wire types (PascalCase serde) |
//! | [`backend`] | the [`Backend`] trait every backend implements |
//! | [`changes`] | `docker commit --change`: Dockerfile instructions applied to a config |
//! | [`error`] | [`EngineError`], Docker's error classes and messages |
//! | [`events`] | the event bus behind `/events` |
//! | [`http`] | the thin HTTP layer: routes, versions, streams, hijacking |
//!
//! A library first: `Engine::builder().port(0).start(make_backend).await` serves a backend on
//! a free port (and a unix socket when asked) and shuts down when dropped.
//! What this crate must not do: know any backend, or run containers itself.

#![recursion_limit = "256"]

pub mod api;
pub mod backend;
pub mod changes;
pub mod error;
pub mod events;
pub mod http;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use simkit::server::{Listen, RunningServer};
use simkit::{Kit, KitConfig};

pub use backend::Backend;
pub use error::EngineError;
pub use events::Events;

/// The engine's usual TCP port (Docker's unencrypted one).
pub const DEFAULT_PORT: u16 = 2375;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Kit(#[from] simkit::KitError),
    #[error("starting the backend: {0}")]
    Backend(String),
    #[error("binding: {0}")]
    Bind(#[from] std::io::Error),
}

/// Builds and starts the engine.
#[derive(Debug, Clone)]
pub struct Builder {
    kit: KitConfig,
    listen: Listen,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            kit: KitConfig::new("engine"),
            listen: Listen::default(),
        }
    }
}

/// What a backend is built from: the kit (store, clock, runner, files) and the event bus.
pub type MakeBackend = Box<dyn FnOnce(&Kit, &Events) -> Result<Arc<dyn Backend>, String> + Send>;

impl simkit::ServerBuilder for Builder {
    fn kit_config_mut(&mut self) -> &mut KitConfig {
        &mut self.kit
    }

    fn listen_mut(&mut self) -> &mut Listen {
        &mut self.listen
    }
}

impl Builder {
    /// Also serve on this unix socket (mode 0660).
    pub fn unix_socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.listen.unix_socket = Some(path.into());
        self
    }

    pub async fn start(self, make_backend: MakeBackend) -> Result<Engine, StartError> {
        let kit = Kit::new(self.kit)?;
        let events = Events::new(kit.clock().clone());
        let backend = make_backend(&kit, &events).map_err(StartError::Backend)?;
        let id = engine_id(&kit)?;
        let daemon = Arc::new(http::Daemon {
            backend,
            events,
            clock: kit.clock().clone(),
            id,
            name: hostname(),
            root_dir: kit.files_dir().join("engine").display().to_string(),
            spool_dir: kit.files_dir().join("engine").join("spool"),
        });
        let app = Router::new().fallback(http::handle).with_state(daemon);
        let unix_socket = self.listen.unix_socket.clone();
        let server =
            simkit::server::serve(kit, self.listen, app, Arc::new(DockerKitErrors)).await?;
        Ok(Engine {
            server,
            unix_socket,
        })
    }
}

/// The engine's ID, made once and kept in the store.
fn engine_id(kit: &Kit) -> Result<String, StartError> {
    let identity = kit
        .store()
        .collection::<String>("engine.identity")
        .map_err(|error| StartError::Backend(error.to_string()))?;
    if let Some(id) = identity.get("id") {
        return Ok(id);
    }
    let id = kit.ids().uuid();
    identity
        .insert("id", id.clone())
        .map_err(|error| StartError::Backend(error.to_string()))?;
    Ok(id)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "sockerless".into())
}

/// Renders the kit's own errors (oversize bodies, panics) as Docker's `{"message"}`.
struct DockerKitErrors;

/// `docker load` and `docker cp` bodies are spooled to disk, so they may be as large as the disk allows.
const LOAD_LIMIT: u64 = 64 << 30;

impl simkit::server::ErrorRenderer for DockerKitErrors {
    fn streaming_limit(&self, request: &::http::request::Parts) -> Option<u64> {
        let path = request.uri.path();
        (path.ends_with("/images/load") || path.ends_with("/archive")).then_some(LOAD_LIMIT)
    }

    fn render(
        &self,
        error: &simkit::server::KitError,
        request: &simkit::context::RequestContext,
    ) -> axum::response::Response {
        let _ = request;
        let error = match error {
            simkit::server::KitError::PayloadTooLarge { limit } => EngineError::InvalidParameter(
                format!("request body is larger than the limit of {limit} bytes"),
            ),
            simkit::server::KitError::Internal => {
                EngineError::Internal("internal server error".into())
            }
        };
        http::error_response(&error)
    }
}

/// A running engine; shuts down when dropped.
#[derive(Debug)]
pub struct Engine {
    server: RunningServer,
    unix_socket: Option<PathBuf>,
}

impl Engine {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `http://127.0.0.1:PORT`: `DOCKER_HOST=tcp://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// `DOCKER_HOST` for this engine: the unix socket when there is one, else tcp.
    pub fn docker_host(&self) -> String {
        match &self.unix_socket {
            Some(path) => format!("unix://{}", path.display()),
            None => self.server.url().replacen("http://", "tcp://", 1),
        }
    }

    pub fn kit(&self) -> &Kit {
        self.server.kit()
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    pub async fn run_until(self, signals: &mut simkit::server::Signals) {
        self.server.run_until(signals).await;
    }
}
