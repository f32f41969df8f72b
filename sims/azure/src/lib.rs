//! sim-azure: the Azure simulator (port 4568), HTTPS with the simulator's CA and plain HTTP on
//! the same port. Clients register it as a cloud (`az cloud register --endpoint-resource-manager
//! https://localhost:4568/`), sign in against its Entra ID endpoints and call Azure Resource
//! Manager on it.
//!
//! ```text
//! HTTP ─► protocol (identity endpoints │ ARM: route, api-version, token, decode) ─► services
//!                                                                    └─► async_ops (kit operations)
//! ```
//!
//! | module | holds |
//! |---|---|
//! | [`protocol`] | the wire: ARM and the identity endpoints |
//! | [`services`] | typed handlers: `Microsoft.Resources`, `Microsoft.Storage` accounts, `Microsoft.App` jobs and container apps, `Microsoft.ContainerRegistry` registries (and their OCI registry under `/v2/`), `Microsoft.Web`, `Microsoft.ManagedIdentity`, `Microsoft.Authorization` |
//! | [`identity`] | the directory, token signing and verification |
//! | [`async_ops`] | ARM's asynchronous operations |
//! | [`paging`] | the one pager |
//! | [`shapes`], [`api_versions`] | generated at build time from `specs/` |
//! | [`error`] | `ArmError`, ARM's codes and messages |
//!
//! A library first: `Simulator::builder().port(0).start().await` gives a running simulator
//! that shuts down when dropped.

pub mod api_versions;
pub mod async_ops;
pub mod error;
pub mod identity;
pub mod paging;
pub mod protocol;
pub mod services;
pub mod shapes;
pub mod time;

use std::sync::Arc;

use axum::Router;
use simkit::server::{Listen, RunningServer};
use simkit::{Kit, KitConfig};

use crate::async_ops::AsyncOperations;
use crate::identity::Identity;
use crate::services::acr::ContainerRegistries;
use crate::services::apps::ContainerApps;
use crate::services::authorization::Authorization;
use crate::services::insights::Insights;
use crate::services::loganalytics::LogAnalytics;
use crate::services::msi::ManagedIdentities;
use crate::services::resources::Resources;
use crate::services::storage::Storage;
use crate::services::web::WebApps;

/// The common builder setters (`port`, `bind`, `announce`, `state_dir`).
pub use simkit::ServerBuilder;

pub const DEFAULT_PORT: u16 = 4568;
/// The one subscription the simulator serves unless told otherwise.
pub const DEFAULT_SUBSCRIPTION_ID: &str = "5c4b3a29-1d0e-4f8a-9b7c-6d5e4f3a2b1c";
/// The directory (tenant) its principals belong to.
pub const DEFAULT_TENANT_ID: &str = "8d9e0f1a-2b3c-4d5e-8f6a-7b8c9d0e1f2a";

/// Azure-specific settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub subscription_id: String,
    pub tenant_id: String,
    /// The secret `IDENTITY_HEADER` that guards the managed identity endpoint; made up at start
    /// when absent.
    pub identity_header: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            subscription_id: DEFAULT_SUBSCRIPTION_ID.into(),
            tenant_id: DEFAULT_TENANT_ID.into(),
            identity_header: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Kit(#[from] simkit::KitError),
    #[error(transparent)]
    Store(#[from] simkit::store::StoreError),
    #[error(transparent)]
    Identity(#[from] identity::IdentityStartError),
    #[error("binding: {0}")]
    Bind(#[from] std::io::Error),
    #[error(transparent)]
    Registry(#[from] services::acr::OpenError),
    #[error("the subscription and tenant IDs must be GUIDs")]
    NotGuid,
}

/// The simulator's shared state.
pub struct Azure {
    pub(crate) kit: Kit,
    pub(crate) identity: Arc<Identity>,
    pub(crate) identity_header: String,
    pub(crate) operations: AsyncOperations,
    pub(crate) resources: Arc<Resources>,
    pub(crate) storage: Arc<Storage>,
    pub(crate) apps: Arc<ContainerApps>,
    pub(crate) log_analytics: Arc<LogAnalytics>,
    pub(crate) acr: Arc<ContainerRegistries>,
    pub(crate) web: Arc<WebApps>,
    pub(crate) identities: Arc<ManagedIdentities>,
    pub(crate) authorization: Arc<Authorization>,
    pub(crate) insights: Arc<Insights>,
    pub(crate) ingress: protocol::ingress::IngressClient,
}

impl Azure {
    fn new(kit: Kit, config: Config) -> Result<Self, StartError> {
        if !services::resources::is_guid(&config.subscription_id)
            || !services::resources::is_guid(&config.tenant_id)
        {
            return Err(StartError::NotGuid);
        }
        let identity = Arc::new(Identity::new(kit.clone(), &config.tenant_id)?);
        let operations = AsyncOperations::new(kit.clone())?;
        let resources = Arc::new(Resources::new(
            kit.clone(),
            &config.subscription_id,
            &config.tenant_id,
            operations.clone(),
        )?);
        let storage = Storage::new(kit.clone(), resources.clone(), operations.clone())?;
        resources.add_provider(storage.clone());
        let apps = ContainerApps::new(kit.clone(), resources.clone(), operations.clone())?;
        resources.add_provider(apps.clone());
        let log_analytics = LogAnalytics::new(kit.clone(), resources.clone())?;
        resources.add_provider(log_analytics.clone());
        // Console lines go through diagnostic settings first, then to the environment's
        // `appLogsConfiguration` workspace.
        let insights = Insights::new(kit.clone(), resources.clone(), log_analytics.clone())?;
        resources.add_provider(insights.clone());
        apps.connect_console_logs(insights.clone());
        let acr = ContainerRegistries::new(
            kit.clone(),
            resources.clone(),
            operations.clone(),
            identity.clone(),
        )?;
        resources.add_provider(acr.clone());
        apps.connect_registry(acr.clone());
        let web = WebApps::new(kit.clone(), resources.clone())?;
        resources.add_provider(web.clone());
        web.connect_registry(acr.clone());
        let identities = ManagedIdentities::new(kit.clone(), resources.clone())?;
        resources.add_provider(identities.clone());
        let authorization = Authorization::new(kit.clone(), resources.clone())?;
        resources.add_provider(authorization.clone());
        web.connect_resource_logs(insights.clone());
        web.resume_sites();
        apps.resume_revisions();
        apps.run_schedules();
        let identity_header = config
            .identity_header
            .clone()
            .unwrap_or_else(|| kit.ids().hex(32));
        Ok(Self {
            kit,
            identity,
            identity_header,
            operations,
            resources,
            storage,
            apps,
            log_analytics,
            acr,
            web,
            identities,
            authorization,
            insights,
            ingress: protocol::ingress::IngressClient::default(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Builder {
    kit: KitConfig,
    listen: Listen,
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            kit: KitConfig::new("azure"),
            listen: Listen::default(),
            config: Config::default(),
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
    pub fn subscription_id(mut self, id: impl Into<String>) -> Self {
        self.config.subscription_id = id.into();
        self
    }

    pub fn tenant_id(mut self, id: impl Into<String>) -> Self {
        self.config.tenant_id = id.into();
        self
    }

    pub fn identity_header(mut self, secret: impl Into<String>) -> Self {
        self.config.identity_header = Some(secret.into());
        self
    }

    pub async fn start(self) -> Result<Simulator, StartError> {
        let kit = Kit::new(self.kit)?;
        let azure = Arc::new(Azure::new(kit.clone(), self.config)?);
        let server = simkit::server::serve(
            kit,
            self.listen,
            router(azure.clone()),
            Arc::new(ArmKitErrors),
        )
        .await?;
        Ok(Simulator { server, azure })
    }
}

fn router(azure: Arc<Azure>) -> Router {
    // A login server's `/v2/...` is simkit's registry, but for the catalog, which is ACR's.
    Router::new()
        .route(
            "/v2/_catalog",
            axum::routing::any(protocol::acr::v2_catalog),
        )
        .with_state(azure.clone())
        .merge(simkit::registry::http::router(azure.acr.oci().clone()))
        .merge(Router::new().fallback(protocol::handle).with_state(azure))
}

/// Renders the kit's own errors (body too large, a panic) as ARM errors.
struct ArmKitErrors;

impl simkit::server::ErrorRenderer for ArmKitErrors {
    /// Put Blob and Put Block bodies stream to disk, up to Azure's own limits; registry
    /// uploads (`/v2/`) up to the registry's.
    fn streaming_limit(&self, request: &http::request::Parts) -> Option<u64> {
        // A container app's (or function app's) requests stream to its process, whatever
        // their size.
        if protocol::ingress::request_host(request).is_some_and(|h| {
            protocol::ingress::is_app_host(&h) || services::web::host::is_site_host(&h)
        }) {
            return Some(u64::MAX);
        }
        if request.uri.path().starts_with("/v2/") {
            return Some(simkit::registry::BODY_LIMIT as u64);
        }
        protocol::blob::streams_body(request).then_some(protocol::blob::BODY_LIMIT)
    }

    fn render(
        &self,
        error: &simkit::server::KitError,
        request: &simkit::context::RequestContext,
    ) -> axum::response::Response {
        let (arm_error, status) = match error {
            simkit::server::KitError::PayloadTooLarge { limit } => (
                error::ArmError::InvalidRequestContent(format!(
                    "the request body is larger than the limit of {limit} bytes"
                )),
                Some(http::StatusCode::PAYLOAD_TOO_LARGE),
            ),
            simkit::server::KitError::Internal => (error::ArmError::Internal, None),
        };
        let mut response =
            protocol::render_arm_error(&arm_error, &http::HeaderMap::new(), &request.id);
        if let Some(status) = status {
            *response.status_mut() = status;
        }
        response
    }
}

#[derive(Debug)]
pub struct Simulator {
    server: RunningServer,
    azure: Arc<Azure>,
}

impl std::fmt::Debug for Azure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Azure").finish_non_exhaustive()
    }
}

impl Simulator {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `http://127.0.0.1:PORT`; the same port answers HTTPS.
    pub fn url(&self) -> &str {
        self.server.url()
    }

    /// `https://localhost:PORT`: what Azure clients, which insist on HTTPS, are pointed at.
    pub fn https_url(&self) -> String {
        format!("https://localhost:{}", self.server.addr().port())
    }

    pub fn kit(&self) -> &Kit {
        self.server.kit()
    }

    pub fn subscription_id(&self) -> &str {
        self.azure.resources.subscription_id()
    }

    pub fn tenant_id(&self) -> &str {
        self.azure.resources.tenant_id()
    }

    /// The value `IDENTITY_HEADER` must carry for the managed identity endpoint.
    pub fn identity_header(&self) -> &str {
        &self.azure.identity_header
    }

    pub fn admin_token(&self) -> Option<&str> {
        self.server.kit().admin_token()
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    pub async fn run_until(self, signals: &mut simkit::server::Signals) {
        self.server.run_until(signals).await;
    }
}
