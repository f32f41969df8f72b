//! sim-gcp: the Google Cloud simulator (port 4567). One endpoint serves every implemented API,
//! routed from the vendored discovery documents (`discovery/`, refreshed by
//! `scripts/refresh-gcp-discovery`) by method, path and the API a host name names; any host is
//! accepted, and absolute-form (proxy) requests as gcloud sends them.
//!
//! ```text
//! HTTP ─► dispatch ─► protocol (route from discovery, parameters, google.rpc.Status errors)
//!                       └─► services (typed handlers over sim-gcp-shapes types) ─► kit store
//! ```
//!
//! | module | holds |
//! |---|---|
//! | [`protocol`] | routing, parameters, partial responses, paging, error rendering |
//! | [`dispatch`] | the HTTP handler; Cloud Storage's media protocols |
//! | [`services`] | Cloud Storage, Cloud Logging, Cloud Run jobs and services (v2 and v1), Cloud Functions (v2), Secret Manager, Service Usage, resource IAM policies, Artifact Registry (repositories, its docker registry, packages, versions, tags, docker images), long-running operations |
//! | [`error`] | [`error::GcpError`], the error handlers return |
//! | [`time`] | RFC 3339 timestamps |
//! | [`project`] | project numbers, derived from project IDs |
//!
//! A library first: `Simulator::builder().port(0).start().await` gives a running simulator
//! whose URL tests can point clients at; it shuts down when dropped. A method a discovery
//! document declares but the simulator does not implement answers 501 `UNIMPLEMENTED` naming it.

pub mod dispatch;
pub mod error;
pub mod project;
pub mod protocol;
pub mod services;
pub mod time;

use std::sync::Arc;

use axum::Router;
use simkit::server::{Listen, RunningServer};
use simkit::{Kit, KitConfig};

use crate::error::{ErrorStyle, GcpError};
use crate::services::artifactregistry::ArtifactRegistry;
use crate::services::functions::Functions;
use crate::services::iam_policy::ResourcePolicies;
use crate::services::logging::Logging;
use crate::services::metadata::Metadata;
use crate::services::run::{Run, RunDependencies};
use crate::services::secretmanager::SecretManager;
use crate::services::serviceusage::ServiceUsage;
use crate::services::storage::Storage;

/// The common builder setters (`port`, `bind`, `announce`, `state_dir`).
pub use simkit::ServerBuilder;

pub const DEFAULT_PORT: u16 = 4567;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Kit(#[from] simkit::KitError),
    #[error("starting a service: {0}")]
    Service(#[from] GcpError),
    #[error("binding: {0}")]
    Bind(#[from] std::io::Error),
}

/// The simulator's shared state: the kit and the services.
pub struct Gcp {
    pub(crate) kit: Kit,
    pub(crate) storage: Arc<Storage>,
    pub(crate) logging: Arc<Logging>,
    pub(crate) run: Arc<Run>,
    pub(crate) artifact_registry: Arc<ArtifactRegistry>,
    pub(crate) functions: Arc<Functions>,
    pub(crate) secret_manager: Arc<SecretManager>,
    pub(crate) service_usage: Arc<ServiceUsage>,
    pub(crate) metadata: Arc<Metadata>,
    /// simkit's distribution API over Artifact Registry's docker repositories.
    pub(crate) registry_router: Router,
}

/// Builds and starts the simulator.
#[derive(Debug, Clone)]
pub struct Builder {
    kit: KitConfig,
    listen: Listen,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            kit: KitConfig::new("gcp"),
            listen: Listen::default(),
        }
    }
}

impl simkit::ServerBuilder for Builder {
    fn kit_config_mut(&mut self) -> &mut KitConfig {
        &mut self.kit
    }

    fn listen_mut(&mut self) -> &mut Listen {
        &mut self.listen
    }
}

impl Builder {
    pub async fn start(self) -> Result<Simulator, StartError> {
        let kit = Kit::new(self.kit)?;
        let logging = Logging::new(kit.clone())?;
        let policies = ResourcePolicies::new(&kit)?;
        let secret_manager = SecretManager::new(kit.clone(), policies.clone())?;
        let metadata = Metadata::new(kit.clone())?;
        let run = Run::new(
            kit.clone(),
            RunDependencies {
                logging: logging.clone(),
                policies,
                secrets: secret_manager.clone(),
                metadata: metadata.clone(),
            },
        )?;
        // One operations store serves every API's `operations.get`.
        let artifact_registry = ArtifactRegistry::new(kit.clone(), run.long_running.clone())?;
        let images = artifact_registry.clone();
        run.connect_image_locator(Arc::new(move |image: String| {
            let images = images.clone();
            let found: services::run::FoundImage =
                Box::pin(async move { images.find_image(&image).await });
            found
        }));
        let registry_router = simkit::registry::http::router(artifact_registry.registry().clone());
        let storage = Storage::new(kit.clone())?;
        let functions = Functions::new(kit.clone(), run.clone(), storage.clone())?;
        let service_usage = ServiceUsage::new(kit.clone())?;
        let gcp = Arc::new(Gcp {
            storage,
            service_usage,
            functions,
            secret_manager,
            metadata,
            registry_router,
            run,
            artifact_registry,
            logging,
            kit: kit.clone(),
        });
        let app = Router::new()
            .fallback(dispatch::handle)
            .with_state(gcp.clone());
        let server = simkit::server::serve(kit, self.listen, app, Arc::new(GcpKitErrors)).await?;
        gcp.run.set_endpoint(server.url());
        Ok(Simulator { server })
    }
}

/// Renders the kit's own errors (oversize bodies, panics) as Google does.
struct GcpKitErrors;

/// Uploads (media and multipart bodies, resumable chunks) stream to disk: up to Cloud Storage's
/// object limit, 5 TiB.
pub(crate) const UPLOAD_CHUNK_LIMIT: u64 = 5 << 40;

impl simkit::server::ErrorRenderer for GcpKitErrors {
    fn streaming_limit(&self, request: &http::request::Parts) -> Option<u64> {
        let path = request.uri.path();
        // The docker registry's blob uploads stream to disk, up to the registry's limit.
        let host = request
            .uri
            .host()
            .map(str::to_string)
            .or_else(|| {
                request
                    .headers
                    .get(http::header::HOST)
                    .and_then(|value| value.to_str().ok())
                    .map(|authority| simkit::context::split_authority(authority).0)
            })
            .map(|host| host.to_ascii_lowercase());
        if dispatch::docker_registry::target(host.as_deref(), path).is_some() {
            return Some(simkit::registry::BODY_LIMIT as u64);
        }
        let streamed = (path.starts_with("/upload/") || path.starts_with("/resumable/upload/"))
            && request.uri.query().is_some_and(|query| {
                form_urlencoded::parse(query.as_bytes()).any(|(name, value)| {
                    name == "upload_id"
                        || (name == "uploadType" && (value == "media" || value == "multipart"))
                })
            });
        streamed.then_some(UPLOAD_CHUNK_LIMIT)
    }

    fn render(
        &self,
        error: &simkit::server::KitError,
        request: &simkit::context::RequestContext,
    ) -> axum::response::Response {
        let _ = request;
        let error = match error {
            simkit::server::KitError::PayloadTooLarge { limit } => {
                GcpError::payload_too_large(*limit)
            }
            simkit::server::KitError::Internal => GcpError::internal(),
        };
        protocol::render_error(&error, ErrorStyle::Status)
    }
}

/// A running simulator; shuts down when dropped.
pub struct Simulator {
    server: RunningServer,
}

impl Simulator {
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub fn url(&self) -> &str {
        self.server.url()
    }

    pub fn admin_token(&self) -> Option<&str> {
        self.server.kit().admin_token()
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    pub fn kit(&self) -> &Kit {
        self.server.kit()
    }

    pub async fn run_until(self, signals: &mut simkit::server::Signals) {
        self.server.run_until(signals).await;
    }
}
