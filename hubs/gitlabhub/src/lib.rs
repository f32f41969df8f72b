//! gitlabhub: the GitLab fake (port 5556). Real GitLab clients (python-gitlab, git, GitLab
//! runners) work against it unchanged.
//!
//! | module | holds |
//! |---|---|
//! | `api` | REST v4 under `/api/v4`: users, tokens, groups, projects, members, variables, repository, compare, merge requests, pipelines, pipeline schedules, triggers, lint, jobs, runners, protected branches and tags, labels, milestones, issues |
//! | `runner_api` | the protocol runners speak: registration, job requests (long poll), state, traces, artifacts |
//! | `repository` | projects' git repositories (`simkit::git`) and git over smart HTTP |
//! | `ci` | the pipeline engine's pure part: `.gitlab-ci.yml`, the expression language, planning |
//! | `includes` | what `include:` reads: the pipeline's repository and other projects' |
//! | `engine` | pipelines and jobs as records and their statuses |
//! | `environments` | environments and deployments: made by jobs' `environment:`, stopped by stop jobs |
//! | `hooks` | project and group webhooks: which events reach them, their payloads and deliveries |
//! | `auto_stop` | the worker that stops environments whose `auto_stop_at` passed, on its cron's ticks |
//! | `delayed` | the timer that queues `when: delayed` jobs at their time |
//! | `cron`, `schedules` | pipeline schedules: cron expressions, and the timer that runs them |
//! | `dotenv` | `reports: dotenv` files, read as GitLab reads them |
//! | `downstream` | bridges: child and multi-project pipelines, `strategy: depend` |
//! | `issues` | issues as records: notes, time tracking durations, issue and note events |
//! | `merge_requests` | merge requests as records: diff refs, mergeability, merging, their pipelines |
//! | `protection` | protected branches and tags, and the checks every ref change passes |
//! | `auth`, `params`, `paging`, `error`, `present` | GitLab's conventions: tokens, Grape parameters, offset pagination, error bodies, entities |
//! | `state`, `model` | the store's collections and records |
//!
//! State lives in the kit's store (durable with `--state-dir`); repositories and artifacts in
//! the kit's files directory. A root user (ID 1, administrator) exists from the start with the
//! token given to the builder (or a generated one, printed by the binary and served to the
//! admin API at `/_sockerless/gitlab/bootstrap`).
//!
//! What this crate must not do: know other providers, or answer a request it does not
//! implement with anything but GitLab's 404.

// The project entity is one large `json!` literal.
#![recursion_limit = "256"]

mod api;
mod auth;
mod auto_stop;
mod ci;
mod cron;
mod delayed;
mod dotenv;
mod downstream;
mod engine;
mod environments;
mod error;
mod hooks;
mod includes;
mod issues;
mod merge_requests;
mod model;
mod paging;
mod params;
mod present;
mod protection;
mod repository;
mod runner_api;
mod schedules;
mod state;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use simkit::server::{Listen, RunningServer};
use simkit::{Kit, KitConfig};

pub use error::GitlabError;
pub use state::Config;
use state::Gitlab;

/// The common builder setters (`port`, `bind`, `announce`, `state_dir`).
pub use simkit::ServerBuilder;

pub const DEFAULT_PORT: u16 = 5556;

/// The GitLab release whose API this fake follows (`/api/v4/version`, `CI_SERVER_VERSION`).
pub const GITLAB_VERSION: &str = "17.11.0";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Kit(#[from] simkit::KitError),
    #[error(transparent)]
    Store(#[from] simkit::store::StoreError),
    #[error("the worker cron expression {0:?} is invalid")]
    ScheduleWorkerCron(String),
    #[error("listening: {0}")]
    Listen(#[from] std::io::Error),
}

/// Builds and starts the hub.
#[derive(Debug, Clone)]
pub struct Builder {
    kit: KitConfig,
    listen: Listen,
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            kit: KitConfig::new("gitlab"),
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
    /// The root user's personal access token.
    pub fn root_token(mut self, token: impl Into<String>) -> Self {
        self.config.root_token = Some(token.into());
        self
    }

    /// The instance's runner registration token.
    pub fn runner_registration_token(mut self, token: impl Into<String>) -> Self {
        self.config.runner_registration_token = Some(token.into());
        self
    }

    /// How long `POST /api/v4/jobs/request` holds a runner before answering 204.
    pub fn long_poll(mut self, window: std::time::Duration) -> Self {
        self.config.long_poll = window;
        self
    }

    /// When pipeline schedules run (GitLab's `pipeline_schedule_worker_cron`, by default
    /// `3-59/10 * * * *`).
    pub fn schedule_worker_cron(mut self, cron: impl Into<String>) -> Self {
        self.config.schedule_worker_cron = cron.into();
        self
    }

    /// When environments whose `auto_stop_at` passed are stopped (GitLab's
    /// `environments_auto_stop_cron_worker_cron`, by default `24 * * * *`).
    pub fn auto_stop_worker_cron(mut self, cron: impl Into<String>) -> Self {
        self.config.auto_stop_worker_cron = cron.into();
        self
    }

    pub fn kit(mut self, kit: KitConfig) -> Self {
        self.kit = kit;
        self
    }

    pub async fn start(self) -> Result<Hub, StartError> {
        if cron::Cron::parse(&self.config.schedule_worker_cron).is_err() {
            return Err(StartError::ScheduleWorkerCron(
                self.config.schedule_worker_cron,
            ));
        }
        if cron::Cron::parse(&self.config.auto_stop_worker_cron).is_err() {
            return Err(StartError::ScheduleWorkerCron(
                self.config.auto_stop_worker_cron,
            ));
        }
        let kit = Kit::new(self.kit)?;
        let gitlab = Arc::new(Gitlab::new(kit.clone(), self.config)?);
        {
            let gitlab = gitlab.clone();
            kit.on_reset(move || {
                if let Err(error) = gitlab.git.clear() {
                    tracing::error!(%error, "clearing repositories at reset");
                }
                let _ = std::fs::remove_dir_all(
                    gitlab.kit.files_dir().join("gitlab").join("artifacts"),
                );
            });
        }
        let server = simkit::server::serve(
            kit,
            self.listen,
            router(gitlab.clone()),
            Arc::new(GitlabKitErrors),
        )
        .await?;
        *gitlab
            .external_url
            .write()
            .unwrap_or_else(|p| p.into_inner()) = server.url().to_string();
        tokio::spawn(delayed::run(gitlab.clone()));
        tokio::spawn(schedules::run(gitlab.clone()));
        tokio::spawn(auto_stop::run(gitlab.clone()));
        Ok(Hub { server, gitlab })
    }
}

fn router(gitlab: Arc<Gitlab>) -> Router {
    Router::new()
        .merge(api::router())
        .merge(runner_api::routes())
        .route("/api/v4/version", get(version))
        .route("/api/v4/metadata", get(metadata))
        .route("/_sockerless/gitlab/bootstrap", get(bootstrap))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            gitlab.clone(),
            ensure_root,
        ))
        .with_state(gitlab)
}

/// Runs before every route: after `/_sockerless/reset` empties the store, the root user comes
/// back before the next request is served; and an API request's body is read whole before its
/// handler runs. Handlers that take no parameters (`POST .../cancel`) would otherwise leave a
/// body such as python-gitlab's `{}` unread, and the server would then close a keep-alive
/// connection the client is about to reuse.
async fn ensure_root(
    State(gitlab): State<Arc<Gitlab>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    if gitlab.user(state::ROOT_USER_ID).is_none()
        && let Err(error) = gitlab.bootstrap()
    {
        tracing::error!(%error, "restoring the root user");
        return GitlabError::Internal.into_response();
    }
    let path = request.uri().path();
    let buffer = path.starts_with("/api/v4/")
        && !(path.starts_with("/api/v4/jobs/") && path.ends_with("/artifacts"))
        && request.method() != http::Method::GET
        && request.method() != http::Method::HEAD;
    if !buffer {
        return next.run(request).await;
    }
    let limit = request
        .extensions()
        .get::<simkit::body::BodyLimit>()
        .map_or(simkit::DEFAULT_BODY_LIMIT, |limit| limit.0);
    let (parts, body) = request.into_parts();
    match simkit::body::collect(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(simkit::body::BodyError::TooLarge { .. }) => GitlabError::TooLarge.into_response(),
        Err(simkit::body::BodyError::Read(_)) => {
            GitlabError::BadRequest("the request body could not be read".into()).into_response()
        }
    }
}

async fn version(caller: auth::Caller) -> Result<axum::Json<serde_json::Value>, GitlabError> {
    caller.require_user()?;
    Ok(axum::Json(
        json!({"version": GITLAB_VERSION, "revision": "sockerless"}),
    ))
}

async fn metadata(caller: auth::Caller) -> Result<axum::Json<serde_json::Value>, GitlabError> {
    caller.require_user()?;
    Ok(axum::Json(json!({
        "version": GITLAB_VERSION,
        "revision": "sockerless",
        "kas": {"enabled": false, "externalUrl": null, "version": null},
        "enterprise": false,
    })))
}

/// The tokens a test or script needs to start: the root token and the instance runner
/// registration token. Behind the admin token when one is set.
async fn bootstrap(State(gitlab): State<Arc<Gitlab>>, headers: http::HeaderMap) -> Response {
    if gitlab.kit.admin_token().is_some() && !simkit::admin::has_admin_token(&gitlab.kit, &headers)
    {
        return simkit::server::json_error(
            http::StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "the admin API needs Authorization: Bearer <admin token>",
            "",
        );
    }
    axum::Json(json!({
        "root_token": gitlab.root_token,
        "runner_registration_token": gitlab.runner_registration_token,
        "url": gitlab.external_url(),
    }))
    .into_response()
}

/// Git over HTTP, or GitLab's 404 for a route that does not exist.
async fn fallback(State(gitlab): State<Arc<Gitlab>>, request: Request) -> Response {
    if repository::split_git_path(request.uri().path()).is_some() {
        return repository::git_http(State(gitlab), request).await;
    }
    GitlabError::NoRoute.into_response()
}

async fn method_not_allowed() -> Response {
    GitlabError::MethodNotAllowed.into_response()
}

/// Renders the kit's own errors (oversize bodies, panics) as GitLab does.
struct GitlabKitErrors;

impl simkit::server::ErrorRenderer for GitlabKitErrors {
    fn render(
        &self,
        error: &simkit::server::KitError,
        _request: &simkit::context::RequestContext,
    ) -> Response {
        match error {
            simkit::server::KitError::PayloadTooLarge { .. } => GitlabError::TooLarge,
            simkit::server::KitError::Internal => GitlabError::Internal,
        }
        .into_response()
    }

    /// Pushes and artifacts stream past the API's body limit, up to their own.
    fn streaming_limit(&self, request: &http::request::Parts) -> Option<u64> {
        let path = request.uri.path();
        if path.ends_with(".git/git-receive-pack") || path.ends_with(".git/git-upload-pack") {
            return Some(4 << 30);
        }
        if path.starts_with("/api/v4/jobs/") && path.ends_with("/artifacts") {
            return Some(runner_api::MAX_ARTIFACTS_BYTES + (1 << 20));
        }
        None
    }
}

/// A running hub. Shuts down when dropped.
#[derive(Debug)]
pub struct Hub {
    server: RunningServer,
    gitlab: Arc<Gitlab>,
}

impl Hub {
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub fn url(&self) -> &str {
        self.server.url()
    }

    pub fn kit(&self) -> &Kit {
        self.server.kit()
    }

    pub fn root_token(&self) -> &str {
        &self.gitlab.root_token
    }

    pub fn runner_registration_token(&self) -> &str {
        &self.gitlab.runner_registration_token
    }

    pub fn admin_token(&self) -> Option<&str> {
        self.server.kit().admin_token()
    }

    /// Ends the runners' long polls (204, as when the window passes), then shuts the server
    /// down gracefully.
    pub async fn shutdown(self) {
        self.gitlab.stop_long_polls();
        self.server.shutdown().await;
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run_until(self, signals: &mut simkit::server::Signals) {
        signals.recv().await;
        self.shutdown().await;
    }
}
