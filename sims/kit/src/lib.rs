//! simkit: what every Sockerless simulator and hub shares.
//!
//! A server is a [`Kit`] (its name, clock, IDs, store, faults, runner and TLS authority, built
//! from a [`KitConfig`]) plus an axum `Router` of its own, started with [`server::serve`]. The
//! kit adds the admin API, request IDs, host routing, body limits and TLS; the simulator brings
//! only its protocol and services.
//!
//! | module | gives |
//! |---|---|
//! | [`server`] | bind, `READY` line, HTTP + TLS on one port, graceful shutdown, middleware |
//! | [`builder`] | the listen and state setters every server's builder shares |
//! | [`tls`] | the CA and per-name server certificates |
//! | [`context`] | request ID, host name (absolute-form URIs too), scheme |
//! | [`admin`] | `/_sockerless/health`, `reset`, `state`, `faults` |
//! | [`inspector`] | the last N requests, for `/_sockerless/requests` |
//! | [`workloads`] | every workload the runner started, its output and stop/kill |
//! | [`view`] | the browser view at `/_sockerless/` and the JSON it reads |
//! | [`store`] | typed collections, durable with a state directory |
//! | [`clock`], [`ids`] | injected time and identifiers |
//! | [`runner`] | the `Runner` trait and the `process` runner |
//! | [`operations`] | long-running operations |
//! | [`owner`] | tags that name a process, to find what a dead one left behind |
//! | [`logs`] | the sink workload output flows into |
//! | [`faults`] | injected errors, throttles, outages and latency |
//! | [`body`] | reading bodies under the limit |
//! | [`registry`] | the OCI distribution registry every provider fronts |
//! | [`git`] | bare git repositories and smart HTTP, for the forge fakes |
//! | [`webhook`] | durable outgoing webhook deliveries with retries and a delivery log, for the forge fakes |
//! | [`zip_archive`] | users' zip uploads unpacked under one directory, never outside it |
//!
//! What this crate must not know: any provider's wire format or error shape. Providers render
//! the kit's errors themselves through [`server::ErrorRenderer`].

pub mod admin;
pub mod body;
pub mod builder;
pub mod clock;
pub mod context;
pub mod cron;
pub mod faults;
pub mod git;
pub mod ids;
pub mod inspector;
pub mod logs;
pub mod operations;
pub mod owner;
pub mod registry;
pub mod runner;
pub mod server;
pub mod store;
pub mod tls;
pub mod view;
pub mod webhook;
pub mod workloads;
pub mod zip_archive;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clock::{Clock, SystemClock};
use faults::Faults;
use ids::{IdGen, RandomIds};
use runner::{ProcessRunner, Runner};
use store::{Durability, Store, StoreError};
use tls::{Authority, TlsError};

pub use builder::ServerBuilder;

/// The default request-body limit: large enough for any JSON or XML API call.
pub const DEFAULT_BODY_LIMIT: usize = 32 << 20;

/// How to build a [`Kit`].
#[derive(Clone)]
pub struct KitConfig {
    /// The server's short name (`aws`, `gcp`, `github`), used in `READY` lines and logs.
    pub name: String,
    /// Where state is kept; in memory only when absent.
    pub state_dir: Option<PathBuf>,
    pub durability: Durability,
    /// The CA to serve TLS with; loaded from (or made in) the state directory, else generated.
    pub authority: Option<Arc<Authority>>,
    /// Where to write the CA certificate for clients. Defaults to `ca.pem` in the state
    /// directory or in the kit's temporary directory.
    pub ca_out: Option<PathBuf>,
    pub body_limit: usize,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
    /// The workload runner; a process runner when absent.
    pub runner: Option<Arc<dyn Runner>>,
    /// When set, the admin API (all but `health`) requires this token.
    pub admin_token: Option<String>,
    /// How many requests the inspector keeps (`--inspector-size`); 0 turns it off.
    pub inspector_size: usize,
    /// The registry images no registry of the server holds are pulled through
    /// (`--registry-upstream`); none reached when absent.
    pub registry_upstream: Option<registry::upstream::UpstreamConfig>,
}

impl std::fmt::Debug for KitConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KitConfig")
            .field("name", &self.name)
            .field("state_dir", &self.state_dir)
            .field("ca_out", &self.ca_out)
            .finish_non_exhaustive()
    }
}

impl KitConfig {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            state_dir: None,
            durability: Durability::default(),
            authority: None,
            ca_out: None,
            body_limit: DEFAULT_BODY_LIMIT,
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds::default()),
            runner: None,
            admin_token: None,
            inspector_size: inspector::DEFAULT_SIZE,
            registry_upstream: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KitError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("temporary directory: {0}")]
    TempDir(std::io::Error),
}

type ResetHook = Box<dyn Fn() + Send + Sync>;
type ShutdownHook =
    Box<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send + Sync>;

/// Kits' temporary directories are `sockerless-PID-START-NAME-XXXXXX` in the system's.
const TEMP_PREFIX: &str = "sockerless-";

/// Removes the temporary directories (default CA, workload scratch) of kits whose process died
/// without cleaning up, SIGKILL for instance.
fn remove_temporary_directories_of_dead_processes() {
    let temp = std::env::temp_dir();
    let Ok(entries) = std::fs::read_dir(&temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((pid, start)) = name.strip_prefix(TEMP_PREFIX).and_then(owner::parse_tag) else {
            continue;
        };
        if !owner::owner_alive(pid, start)
            && entry.path().is_dir()
            && let Err(error) = std::fs::remove_dir_all(entry.path())
        {
            tracing::debug!(%error, dir = %entry.path().display(), "left-over directory not removed");
        }
    }
}

/// The shared machinery of one server. Cheap to clone.
#[derive(Clone)]
pub struct Kit {
    inner: Arc<KitInner>,
}

struct KitInner {
    name: String,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    store: Store,
    faults: Faults,
    runner: Arc<dyn Runner>,
    authority: Arc<Authority>,
    ca_path: PathBuf,
    body_limit: usize,
    admin_token: Option<String>,
    started: Instant,
    inspector: inspector::Inspector,
    workloads: Arc<workloads::Registry>,
    sessions: view::session::Sessions,
    reset_hooks: Mutex<Vec<ResetHook>>,
    shutdown_hooks: Mutex<Vec<ShutdownHook>>,
    /// Where services keep files of their own (registry blobs, file system volumes, object
    /// bodies): `files/` under the state directory, or under the kit's temporary directory in
    /// memory mode.
    files_dir: PathBuf,
    /// The upstream registry to pull through (`--registry-upstream`).
    registry_upstream: Option<registry::upstream::UpstreamConfig>,
    /// Holds the scratch directory (and the default CA file) until the kit is dropped.
    _temp: tempfile::TempDir,
}

impl std::fmt::Debug for Kit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kit")
            .field("name", &self.inner.name)
            .finish_non_exhaustive()
    }
}

impl Kit {
    pub fn new(config: KitConfig) -> Result<Self, KitError> {
        remove_temporary_directories_of_dead_processes();
        // Named after this process, so a later one can tell it is left over once we are gone;
        // traversable by the unprivileged users workloads run as, who need their scratch
        // directories below it, but not listable.
        let temp = tempfile::Builder::new()
            .prefix(&format!(
                "{TEMP_PREFIX}{}-{}-",
                owner::own_tag(),
                config.name
            ))
            .permissions(std::fs::Permissions::from_mode(0o711))
            .tempdir()
            .map_err(KitError::TempDir)?;
        let store = match &config.state_dir {
            Some(dir) => Store::open(dir, config.durability)?,
            None => Store::memory(),
        };
        let authority = match (&config.authority, &config.state_dir) {
            (Some(authority), _) => authority.clone(),
            (None, Some(dir)) => Arc::new(Authority::load_or_generate(dir)?),
            (None, None) => Arc::new(Authority::generate()?),
        };
        let ca_path = match (&config.ca_out, &config.state_dir) {
            (Some(path), _) => path.clone(),
            (None, Some(dir)) => dir.join("ca.pem"),
            (None, None) => temp.path().join("ca.pem"),
        };
        authority.write_ca(&ca_path)?;
        let files_dir = match &config.state_dir {
            Some(dir) => dir.join("files"),
            None => temp.path().join("files"),
        };
        let runner = config.runner.clone().unwrap_or_else(|| {
            Arc::new(ProcessRunner::new(
                config.clock.clone(),
                temp.path().join("workloads"),
            ))
        });
        // Every workload a service starts is listed for the admin API and the view.
        let workloads = Arc::new(workloads::Registry::default());
        let runner: Arc<dyn Runner> =
            Arc::new(workloads::TrackingRunner::new(runner, workloads.clone()));
        Ok(Self {
            inner: Arc::new(KitInner {
                name: config.name,
                started: config.clock.monotonic(),
                clock: config.clock,
                faults: Faults::new(config.ids.clone()),
                ids: config.ids,
                store,
                runner,
                authority,
                ca_path,
                body_limit: config.body_limit,
                admin_token: config.admin_token,
                inspector: inspector::Inspector::new(config.inspector_size),
                workloads,
                sessions: view::session::Sessions::default(),
                reset_hooks: Mutex::default(),
                shutdown_hooks: Mutex::default(),
                files_dir,
                registry_upstream: config.registry_upstream,
                _temp: temp,
            }),
        })
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Where services keep files that are not store records (registry blobs, file system
    /// volumes, object bodies), each in a directory of its own: `files/` under the state
    /// directory, so they persist with it, or under the kit's temporary directory.
    pub fn files_dir(&self) -> &Path {
        &self.inner.files_dir
    }

    /// The upstream registry images are pulled through, when the server was given one: a
    /// service with a registry makes a [`registry::upstream::PullThrough`] into it.
    pub fn registry_upstream(&self) -> Option<&registry::upstream::UpstreamConfig> {
        self.inner.registry_upstream.as_ref()
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    pub fn ids(&self) -> &Arc<dyn IdGen> {
        &self.inner.ids
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    pub fn runner(&self) -> &Arc<dyn Runner> {
        &self.inner.runner
    }

    pub fn authority(&self) -> &Arc<Authority> {
        &self.inner.authority
    }

    /// Where the CA certificate clients must trust was written.
    pub fn ca_path(&self) -> &Path {
        &self.inner.ca_path
    }

    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// The token the admin API requires, if it requires one.
    pub fn admin_token(&self) -> Option<&str> {
        self.inner.admin_token.as_deref()
    }

    /// The last requests the server answered.
    pub fn inspector(&self) -> &inspector::Inspector {
        &self.inner.inspector
    }

    /// The workloads the runner started.
    pub fn workloads(&self) -> &workloads::Registry {
        &self.inner.workloads
    }

    /// The browser view's logged-in sessions.
    pub fn sessions(&self) -> &view::session::Sessions {
        &self.inner.sessions
    }

    /// When the kit was built, on its clock's monotonic scale.
    pub fn started(&self) -> Instant {
        self.inner.started
    }

    /// Runs `hook` at every reset, before the store is emptied (to stop workloads, say).
    pub fn on_reset(&self, hook: impl Fn() + Send + Sync + 'static) {
        self.inner
            .reset_hooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(hook));
    }

    /// Runs `hook` when the server shuts down gracefully, after requests in flight have
    /// finished and before the runner kills what is left: a service stops its workloads there
    /// as the cloud would (SIGTERM, then SIGKILL after their stop timeout) and records how they
    /// really ended.
    pub fn on_shutdown<F>(&self, hook: impl Fn() -> F + Send + Sync + 'static)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.inner
            .shutdown_hooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(move || Box::pin(hook())));
    }

    /// Stops every workload gracefully through the services' shutdown hooks, then kills
    /// whatever is still running.
    pub async fn shut_down_workloads(&self) {
        let stops: Vec<_> = self
            .inner
            .shutdown_hooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|hook| hook())
            .collect();
        futures_util::future::join_all(stops).await;
        self.inner.runner.shutdown();
    }

    /// What `POST /_sockerless/reset` does.
    pub fn reset(&self) -> Result<(), StoreError> {
        for hook in self
            .inner
            .reset_hooks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            hook();
        }
        self.inner.faults.clear();
        self.inner.workloads.forget_finished();
        self.inner.store.reset()
    }
}
