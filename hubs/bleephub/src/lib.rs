//! bleephub: the GitHub fake (port 5555), on simkit.
//!
//! It serves GitHub's REST API as api.github.com at `/` and as GitHub Enterprise under
//! `/api/v3/`, with GitHub's conventions: its error bodies, `Link` pagination, rate limits that
//! really count, OAuth scopes on personal access tokens, `ETag`/`If-None-Match`, and URL fields
//! that point back at the host the client used.
//!
//! | module | holds |
//! |---|---|
//! | [`spec`] | the vendored REST description (`api/rest.json`): the route table generated from it at build time, request validation, and the schemas tests check responses against |
//! | [`protocol`] | the wire: routing, auth, rate limits, body decoding, rendering, headers |
//! | [`error`] | [`error::GitHubError`], one variant per error GitHub answers, and its rendering |
//! | [`auth`] | tokens (`ghp_…`, `github_pat_…`, `ghs_…`, app JWTs), scopes, the principal of a request |
//! | [`apps`] | GitHub Apps: registration, installations, JWTs, the permissions installation tokens need |
//! | [`model`] | the records kept in the kit's store and the one place that allocates IDs |
//! | [`services`] | typed handlers: users, organizations, repositories, issues, labels |
//! | [`render`] | records into GitHub's JSON shapes, with URLs derived from the request |
//! | [`hooks`] | repository and organization webhooks, the events they get, their deliveries |
//! | [`oauth`] | the OAuth device flow `gh auth login` uses |
//! | [`admin`] | `/_sockerless/github/…`: users, organizations and tokens for tests |
//!
//! What this crate must not do: let a handler see HTTP, write a record outside the kit's
//! store, echo a token back, or answer 200 for something it does not implement (unknown routes
//! are GitHub's 404).

// GitHub's repository shape has some 90 members: serde_json's json! needs the room.
#![recursion_limit = "256"]

pub mod actions;
pub mod admin;
pub mod apps;
pub mod auth;
pub mod error;
pub mod githttp;
pub mod graphql;
pub mod hooks;
pub mod model;
pub mod oauth;
pub mod paging;
pub mod protocol;
pub mod ratelimit;
pub mod render;
pub mod services;
pub mod spec;

use std::sync::Arc;

use simkit::server::{Listen, RunningServer};
use simkit::{Kit, KitConfig};

/// The common builder setters (`port`, `bind`, `announce`, `state_dir`).
pub use simkit::ServerBuilder;

/// The port `sockerless up` serves GitHub on.
pub const DEFAULT_PORT: u16 = 5555;

/// The login of the site administrator the bootstrap token belongs to.
pub const ADMIN_LOGIN: &str = "sockerless-admin";

/// Settings of the fake itself (the kit's are in [`KitConfig`]).
#[derive(Debug, Clone)]
pub struct Config {
    /// A token for the site administrator, with every scope. Generated when absent.
    pub admin_token: Option<String>,
    /// Requests an authenticated caller may make per hour (GitHub: 5000).
    pub rate_limit: u32,
    /// Requests per hour for callers without a token, per address (GitHub: 60).
    pub anonymous_rate_limit: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            admin_token: None,
            rate_limit: 5000,
            anonymous_rate_limit: 60,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Kit(#[from] simkit::KitError),
    #[error(transparent)]
    Store(#[from] simkit::store::StoreError),
    #[error("seeding the administrator: {0}")]
    Seed(#[from] error::GitHubError),
    #[error("binding: {0}")]
    Io(#[from] std::io::Error),
}

/// Everything a request handler reaches: the kit, the store's collections, settings.
pub struct Hub {
    pub kit: Kit,
    pub config: Config,
    pub state: model::State,
    pub limits: ratelimit::RateLimits,
    /// Every repository's git storage, keyed by repository ID (so renames touch no files).
    pub git: simkit::git::GitRepos,
    /// GitHub Actions: workflows, runs, jobs and the runners' wake-ups.
    pub actions: crate::actions::Actions,
    /// Webhooks and their deliveries.
    pub hooks: hooks::Hooks,
    /// OAuth apps and device codes being authorized.
    pub device_flow: oauth::DeviceFlow,
    push_hooks: std::sync::Mutex<Vec<PushHook>>,
    /// The bootstrap token, kept only to print it; the store holds its hash.
    admin_token: String,
}

impl Hub {
    fn new(kit: Kit, mut config: Config) -> Result<Self, StartError> {
        let state = model::State::open(&kit)?;
        let admin_token = config
            .admin_token
            .take()
            .unwrap_or_else(|| auth::new_token(kit.ids().as_ref(), auth::TokenKind::Classic));
        auth::seed_admin(&state, kit.clock().as_ref(), &admin_token)?;
        let limits = ratelimit::RateLimits::new(config.rate_limit, config.anonymous_rate_limit);
        let git = simkit::git::GitRepos::new(kit.files_dir().join("github"));
        let actions = crate::actions::Actions::open(&kit)?;
        let hooks = hooks::Hooks::open(&kit)?;
        let device_flow = oauth::DeviceFlow::open(&kit)?;
        Ok(Self {
            kit,
            config,
            state,
            limits,
            git,
            actions,
            hooks,
            device_flow,
            push_hooks: std::sync::Mutex::default(),
            admin_token,
        })
    }

    /// Runs `hook` after every push that changed refs, with the pusher's login (the workflow
    /// engine starts here).
    pub fn on_push(
        &self,
        hook: impl Fn(&model::Repo, &[simkit::git::RefUpdate], &str) + Send + Sync + 'static,
    ) {
        self.push_hooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(hook));
    }

    pub(crate) fn run_push_hooks(
        &self,
        repo: &model::Repo,
        updates: &[simkit::git::RefUpdate],
        pusher: &str,
    ) {
        for hook in self
            .push_hooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            hook(repo, updates, pusher);
        }
    }
}

type PushHook = Box<dyn Fn(&model::Repo, &[simkit::git::RefUpdate], &str) + Send + Sync>;

/// Builds and starts the fake.
#[derive(Debug, Clone)]
pub struct Builder {
    kit: KitConfig,
    listen: Listen,
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            kit: KitConfig::new("github"),
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
    /// The site administrator's token (`ghp_…`); generated when not given.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.config.admin_token = Some(token.into());
        self
    }

    pub fn rate_limit(mut self, per_hour: u32) -> Self {
        self.config.rate_limit = per_hour;
        self
    }

    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    pub async fn start(self) -> Result<GitHub, StartError> {
        let kit = Kit::new(self.kit)?;
        let hub = Arc::new(Hub::new(kit.clone(), self.config)?);
        crate::actions::install(&hub);
        hooks::install(&hub);
        {
            // A reset empties the store; the git repositories and the rate limits go with it,
            // and the administrator is seeded again so its token keeps working.
            let hub = Arc::downgrade(&hub);
            kit.on_reset(move || {
                if let Some(hub) = hub.upgrade() {
                    if let Err(error) = hub.git.clear() {
                        tracing::error!(%error, "clearing git repositories");
                    }
                    services::releases::clear_files(&hub.kit);
                    crate::actions::artifacts::clear_files(&hub.kit);
                    crate::actions::caches::clear_files(&hub.kit);
                    hub.limits.clear();
                }
            });
        }
        let app = admin::router(hub.clone()).merge(protocol::router(hub.clone()));
        let server =
            simkit::server::serve(kit, self.listen, app, Arc::new(protocol::KitErrors)).await?;
        Ok(GitHub { server, hub })
    }
}

/// A running fake. Shuts down when dropped.
pub struct GitHub {
    server: RunningServer,
    hub: Arc<Hub>,
}

impl std::fmt::Debug for GitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHub")
            .field("url", &self.server.url())
            .finish()
    }
}

impl GitHub {
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub fn url(&self) -> &str {
        self.server.url()
    }

    pub fn kit(&self) -> &Kit {
        self.server.kit()
    }

    /// The site administrator's token, to print for the user.
    pub fn admin_token(&self) -> &str {
        &self.hub.admin_token
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    pub async fn run_until(self, signals: &mut simkit::server::Signals) {
        self.server.run_until(signals).await;
    }
}

#[cfg(test)]
mod tests;
