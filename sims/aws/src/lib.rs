//! sim-aws: the AWS simulator. One endpoint serves every implemented service, as
//! `AWS_ENDPOINT_URL` users expect; requests are routed by `X-Amz-Target`, by `Action`, or by
//! method and path with the service from the SigV4 scope.
//!
//! ```text
//! HTTP ─► protocol (route, decode + validate from botocore models) ─► services (typed handlers)
//!                                                                      └─► workloads (simkit runner)
//! ```
//!
//! | module | holds |
//! |---|---|
//! | [`model`] | the vendored botocore models, parsed on first use |
//! | [`protocol`] | routing, the five wire protocols, SigV4 |
//! | [`dispatch`] | the HTTP handler joining protocol and services |
//! | [`services`] | STS, IAM, CloudWatch Logs, ECS, ECR (and its OCI registry under `/v2/`), KMS, Secrets Manager, SSM, EC2 networking, EFS, Cloud Map, S3 |
//! | [`lambda_endpoints`] | Lambda's Runtime APIs, function URLs, code downloads |
//! | [`policy`] | IAM policy documents: grammar and evaluation |
//! | [`access`] | a caller's policies and `--enforce-iam` decisions |
//! | [`error`] | the error type handlers return |
//!
//! A library first: `Simulator::builder().port(0).start().await` gives a running simulator
//! whose URL tests can point clients at; it shuts down when dropped.

pub mod access;
pub mod dispatch;
pub mod endpoints;
pub mod error;
pub mod fuzzing;
pub mod lambda_endpoints;
pub mod model;
pub mod moto_api;
pub mod policy;
pub mod protocol;
pub mod services;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use simkit::server::{Listen, RunningServer};
use simkit::{Kit, KitConfig};

use crate::error::AwsError;
use crate::protocol::route::Catalog;
use crate::services::Service;
use crate::services::ec2::Ec2;
use crate::services::ecr::Ecr;
use crate::services::ecs::Ecs;
use crate::services::efs::Efs;
use crate::services::iam::Iam;
use crate::services::kms::Kms;
use crate::services::lambda::Lambda;
use crate::services::logs::Logs;
use crate::services::s3::S3;
use crate::services::secretsmanager::SecretsManager;
use crate::services::servicediscovery::CloudMap;
use crate::services::ssm::Ssm;
use crate::services::sts::Sts;

/// The common builder setters (`port`, `bind`, `announce`, `state_dir`).
pub use simkit::ServerBuilder;

pub const DEFAULT_PORT: u16 = 4566;
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
pub const DEFAULT_REGION: &str = "us-east-1";

/// An access key the simulator knows (required under `--strict-auth`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    /// The account the key belongs to; the default account when absent.
    pub account_id: Option<String>,
}

impl std::str::FromStr for AccessKey {
    type Err = String;

    /// `ID:SECRET` or `ID:SECRET:ACCOUNT`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = text.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(id), Some(secret), account) if !id.is_empty() && !secret.is_empty() => Ok(Self {
                id: id.to_string(),
                secret: secret.to_string(),
                account_id: account.map(str::to_string),
            }),
            _ => Err(format!(
                "expected ID:SECRET or ID:SECRET:ACCOUNT, got {text:?}"
            )),
        }
    }
}

/// AWS-specific settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub account_id: String,
    pub region: String,
    /// Verify SigV4 signatures against `access_keys` (and issued temporary credentials).
    pub strict_auth: bool,
    pub access_keys: Vec<AccessKey>,
    /// Authorize every request with IAM's policy evaluation (implies `strict_auth`).
    pub enforce_iam: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            account_id: DEFAULT_ACCOUNT_ID.to_string(),
            region: DEFAULT_REGION.to_string(),
            strict_auth: false,
            access_keys: Vec::new(),
            enforce_iam: false,
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
    Ecr(#[from] services::ecr::EcrStartError),
    #[error("binding: {0}")]
    Bind(#[from] std::io::Error),
}

/// The simulator's shared state: the kit, the services and the routing catalog.
pub struct Aws {
    pub(crate) kit: Kit,
    pub(crate) config: Config,
    pub(crate) catalog: Catalog,
    pub(crate) sts: Arc<Sts>,
    pub(crate) iam: Arc<Iam>,
    pub(crate) ecs: Arc<Ecs>,
    /// Serves the registry routes and learns the endpoint for its download URLs.
    pub(crate) ecr: Arc<Ecr>,
    pub(crate) lambda: Arc<Lambda>,
    pub(crate) access: Arc<access::Access>,
    /// moto's `reset-auth` switch: authentication and authorization from the Nth request on.
    pub(crate) moto_auth: moto_api::AuthSwitch,
    /// By signing name; looked up on every request, so hashed with FxHash (trusted keys).
    services: rustc_hash::FxHashMap<&'static str, Arc<dyn Service>>,
}

impl Aws {
    fn new(kit: Kit, config: Config) -> Result<Self, StartError> {
        let iam = Arc::new(Iam::new(kit.clone())?);
        let access = Arc::new(access::Access::new(kit.clone(), iam.clone()));
        let configured_accounts = config
            .access_keys
            .iter()
            .map(|key| {
                let account = key
                    .account_id
                    .clone()
                    .unwrap_or_else(|| config.account_id.clone());
                (key.id.clone(), account)
            })
            .collect();
        let sts = Arc::new(Sts::new(
            kit.clone(),
            iam.clone(),
            access.clone(),
            config.enforce_iam,
            configured_accounts,
        )?);
        let logs = Arc::new(Logs::new(kit.clone())?);
        let ec2 = Ec2::new(kit.clone())?;
        let efs = Efs::new(kit.clone(), ec2.clone())?;
        let cloud_map = CloudMap::new(kit.clone(), ec2.clone())?;
        let ecs = Ecs::new(
            kit.clone(),
            logs.clone(),
            sts.clone(),
            ec2.clone(),
            cloud_map.clone(),
            efs.clone(),
        )?;
        let kms = Arc::new(Kms::new(kit.clone())?);
        let secretsmanager = Arc::new(SecretsManager::new(kit.clone(), kms.clone())?);
        let ssm = Arc::new(Ssm::new(kit.clone(), kms.clone())?);
        let ecr = Ecr::new(kit.clone(), &config.account_id, &config.region)?;
        let s3 = Arc::new(S3::new(kit.clone(), &config)?);
        let lambda = Lambda::new(
            kit.clone(),
            logs.clone(),
            sts.clone(),
            iam.clone(),
            s3.clone(),
        )?;
        lambda.set_runtime_api_server(lambda_endpoints::serve_runtime_api);
        logs.connect(s3.clone(), &lambda);
        secretsmanager.connect_lambda(&lambda);
        let services: Vec<Arc<dyn Service>> = vec![
            sts.clone(),
            iam.clone(),
            logs,
            ecs.clone(),
            kms.clone(),
            secretsmanager.clone(),
            ssm.clone(),
            ec2,
            efs,
            cloud_map,
            ecr.clone(),
            lambda.clone(),
            s3,
        ];
        let images = ecr.clone();
        ecs.connect_image_finder(Arc::new(move |image: String| {
            let images = images.clone();
            let found: services::ecs::FoundImage =
                Box::pin(async move { images.workload_image(&image).await });
            found
        }));
        let images = ecr.clone();
        lambda.connect_image_locator(Arc::new(move |image| images.locate_image(image)));
        ecs.connect_secret_sources(services::ecs::secrets::SecretSources {
            secrets_manager: secretsmanager,
            ssm,
        });
        let catalog = Catalog::new(services.iter().map(|s| s.model()).collect());
        let services = services
            .into_iter()
            .map(|s| (s.model().metadata.signing_name(), s))
            .collect();
        Ok(Self {
            kit,
            config,
            catalog,
            sts,
            iam,
            ecs,
            ecr,
            lambda,
            access,
            moto_auth: moto_api::AuthSwitch::default(),
            services,
        })
    }

    /// Where streamed request bodies are spooled: beside S3's object files, so keeping one is
    /// a rename.
    pub(crate) fn spool_dir(&self) -> PathBuf {
        services::s3::data_dir(&self.kit).join("spool")
    }

    pub(crate) fn service(&self, signing_name: &str) -> Option<&Arc<dyn Service>> {
        self.services.get(signing_name)
    }
}

/// Builds and starts the simulator.
#[derive(Debug, Clone)]
pub struct Builder {
    kit: KitConfig,
    listen: Listen,
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            kit: KitConfig::new("aws"),
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
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.config.account_id = account_id.into();
        self
    }

    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = region.into();
        self
    }

    pub fn strict_auth(mut self, strict: bool) -> Self {
        self.config.strict_auth = strict;
        self
    }

    /// Authorize every request with IAM's policy evaluation; implies strict authentication.
    pub fn enforce_iam(mut self, enforce: bool) -> Self {
        self.config.enforce_iam = enforce;
        if enforce {
            self.config.strict_auth = true;
        }
        self
    }

    pub fn access_key(mut self, key: AccessKey) -> Self {
        self.config.access_keys.push(key);
        self
    }

    /// Replaces the kit settings wholesale (clock, IDs, CA, runner, limits).
    pub fn kit(mut self, kit: KitConfig) -> Self {
        self.kit = kit;
        self
    }

    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Require this token for the admin API (`/_sockerless/` but `health`).
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.kit.admin_token = Some(token.into());
        self
    }

    pub async fn start(mut self) -> Result<Simulator, StartError> {
        if self.config.enforce_iam {
            self.config.strict_auth = true;
        }
        // Under strict authentication the admin API must not be the way around it.
        if self.config.strict_auth && self.kit.admin_token.is_none() {
            self.kit.admin_token = Some(self.kit.ids.hex(32));
        }
        let kit = Kit::new(self.kit)?;
        let aws = Arc::new(Aws::new(kit.clone(), self.config)?);
        let server = simkit::server::serve(
            kit,
            self.listen,
            router(aws.clone()),
            Arc::new(AwsKitErrors),
        )
        .await?;
        aws.ecs.set_endpoint(server.url());
        aws.ecr.set_endpoint(server.url());
        aws.lambda.set_endpoint(server.url());
        Ok(Simulator { server })
    }
}

fn router(aws: Arc<Aws>) -> Router {
    // The ECR registry's `/v2/...` routes come before AWS protocol routing.
    aws.ecr
        .registry_router()
        .merge(endpoints::router(aws.ecs.clone()))
        .merge(lambda_endpoints::router(aws.lambda.clone()))
        .merge(moto_api::router(aws.clone()))
        .merge(
            Router::new()
                .fallback(dispatch::handle)
                .with_state(aws.clone()),
        )
        .layer(axum::middleware::from_fn_with_state(
            aws.lambda.clone(),
            lambda_endpoints::function_urls,
        ))
}

/// Renders the kit's own errors (oversize bodies, panics) as AWS does, in json shape.
struct AwsKitErrors;

impl simkit::server::ErrorRenderer for AwsKitErrors {
    /// Bodies that stream to disk rather than into memory: the ECR registry's blob uploads (up
    /// to the registry's limit) and S3 object uploads (PUT, up to S3's own limit). The
    /// dispatcher holds every body it does not stream to the server's limit.
    fn streaming_limit(&self, request: &http::request::Parts) -> Option<u64> {
        if request.uri.path().starts_with("/v2/") {
            return Some(simkit::registry::BODY_LIMIT as u64);
        }
        (request.method == http::Method::PUT).then_some(protocol::stream::STREAMING_LIMIT)
    }

    fn render(
        &self,
        error: &simkit::server::KitError,
        request: &simkit::context::RequestContext,
    ) -> axum::response::Response {
        let error = match error {
            simkit::server::KitError::PayloadTooLarge { limit } => {
                AwsError::request_too_large(*limit)
            }
            simkit::server::KitError::Internal => AwsError::internal(),
        };
        let body = serde_json::json!({"__type": error.code, "message": error.message});
        protocol::WireResponse::new(
            error.status.unwrap_or(500),
            "application/x-amz-json-1.1".into(),
            serde_json::to_vec(&body).unwrap_or_default(),
        )
        .into_http(&request.id)
    }
}

/// A running simulator. Shuts down when dropped.
#[derive(Debug)]
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

    pub fn kit(&self) -> &Kit {
        self.server.kit()
    }

    /// The token the admin API requires, if it requires one.
    pub fn admin_token(&self) -> Option<&str> {
        self.server.kit().admin_token()
    }

    pub fn server(&self) -> &RunningServer {
        &self.server
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run_until(self, signals: &mut simkit::server::Signals) {
        self.server.run_until(signals).await;
    }
}
