//! Our GitHub Actions runner, `sockerless runner github --url URL --token TOKEN`: a runner
//! that registers with a runner service (GitHub's, or bleephub's) and speaks exactly the
//! protocol the official `actions/runner` speaks, then runs the jobs it is given on this host.
//!
//! - [`service`]: the registration bootstrap and the resource locations every URL comes from;
//! - [`identity`]: the RSA key, the agent registered with its public half, the RS256 client
//!   assertion and the OAuth exchange;
//! - [`listener`]: session, long-poll, messages, job requests renewed and finished,
//!   cancellation;
//! - [`job`]: one job's contexts, masks and records; [`step`] each step's env, inputs,
//!   condition, run and environment files; [`uses`] `uses:` actions downloaded from the
//!   service and run (composite, and JavaScript with the host's node); [`checkout`] the native
//!   `actions/checkout`; [`process`] a step's process on simkit's process runner; [`output`]
//!   workflow commands, masks and environment files; [`evaluate`] the message's template
//!   tokens and context data through `actions::expr`; [`timeline`] what is reported back.
//! - [`client`]: plain-HTTP JSON requests.
//!
//! - [`containers`]: job `container:` and `services:` on the Docker Engine API of [`docker`].
//!
//! It is not a replacement for the official runner: it runs `run:` steps, checkout, composite
//! and JavaScript actions, job containers and services, not container actions (refused with a
//! step error naming why).
//!
//! What this crate must not do: depend on the server's crates (it speaks only the wire), or
//! run a step as root (as root, steps run as `nobody` through the process runner).

pub mod checkout;
pub mod client;
pub mod containers;
pub mod crypto;
pub mod docker;
pub mod evaluate;
pub mod identity;
pub mod job;
pub mod listener;
pub mod output;
pub mod process;
pub mod service;
pub mod step;
pub mod timeline;
pub mod uses;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use simkit::clock::{Clock, SystemClock};
use simkit::ids::{IdGen, RandomIds};
use simkit::runner::ProcessRunner;
use tokio::sync::watch;

/// Why the runner stopped or a call failed.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The command line or the machine cannot work (a bad URL, a work directory steps cannot
    /// reach).
    #[error("{0}")]
    Config(String),
    #[error("the service cannot be reached: {0}")]
    Unreachable(String),
    #[error("{what}: the service answered {status}: {body}")]
    Refused {
        what: String,
        status: u16,
        body: String,
    },
    /// An answer without what the runner needs from it.
    #[error("unexpected answer from the service: {0}")]
    Protocol(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What `sockerless runner github` was asked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The repository or organization URL (`http://HOST/OWNER/REPO`).
    pub url: String,
    /// A registration token for it.
    pub token: String,
    pub name: String,
    /// Labels besides `self-hosted`, `Linux` and the architecture.
    pub labels: Vec<String>,
    /// Where workspaces and temporary files go (`_work` beside the official runner).
    pub work: PathBuf,
    /// Exit after one job.
    pub once: bool,
}

/// What the listener and its jobs share.
pub struct Shared {
    pub http: client::Http,
    pub service: service::Locations,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
    pub processes: Arc<ProcessRunner>,
    pub work: PathBuf,
    pub name: String,
    /// `X64`, `ARM64`, as the runner names architectures.
    pub arch: String,
    /// The `PATH` steps start from (the runner's own).
    pub host_path: String,
    /// The user steps run as when the runner is root (`nobody`), to own what they write.
    pub step_owner: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    /// The job's `GITHUB_*`/`RUNNER_*` variables (one job at a time).
    pub base_env: Mutex<BTreeMap<String, String>>,
    /// What JavaScript actions see beyond that: `ACTIONS_RUNTIME_URL`/`_TOKEN` and
    /// `ACTIONS_RESULTS_URL` from the message's `SystemVssConnection`, as the runner sets them
    /// for node actions only (run steps do not get the job's token).
    pub action_env: Mutex<BTreeMap<String, String>>,
}

impl Shared {
    /// Makes a directory steps can write in (owned by the step user when running as root).
    pub fn make_step_dir(&self, dir: &Path) -> Result<(), RunnerError> {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
        if let Some((uid, gid)) = self.step_owner {
            nix::unistd::chown(dir, Some(uid), Some(gid)).map_err(std::io::Error::from)?;
        }
        Ok(())
    }

    /// Writes a file steps read and write (scripts, environment files).
    pub fn write_step_file(&self, path: &Path, content: &str) -> Result<(), RunnerError> {
        std::fs::write(path, content)?;
        if let Some((uid, gid)) = self.step_owner {
            nix::unistd::chown(path, Some(uid), Some(gid)).map_err(std::io::Error::from)?;
        }
        Ok(())
    }
}

/// A time as the service's JSON writes it (`2026-01-02T03:04:05.678Z`).
pub fn iso(time: SystemTime) -> String {
    simkit::clock::iso_millis(time)
}

/// As root, steps run as `nobody`: every directory above the work directory must let it pass.
fn step_owner(work: &Path) -> Result<Option<(nix::unistd::Uid, nix::unistd::Gid)>, RunnerError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let nobody = nix::unistd::User::from_name("nobody")
        .ok()
        .flatten()
        .ok_or_else(|| {
            RunnerError::Config("running as root needs a `nobody` user to run steps as".into())
        })?;
    for ancestor in work.ancestors().skip(1) {
        if let Ok(meta) = std::fs::metadata(ancestor)
            && meta.permissions().mode() & 0o001 == 0
        {
            return Err(RunnerError::Config(format!(
                "{} is not searchable by others, so steps (run as nobody, since the runner runs as root) could not reach the work directory {}; choose a --work under a directory they can pass",
                ancestor.display(),
                work.display()
            )));
        }
    }
    Ok(Some((nobody.uid, nobody.gid)))
}

/// Registers (config.sh) and listens (run.sh) until `shutdown` turns true.
pub async fn run(config: Config, shutdown: watch::Receiver<bool>) -> Result<(), RunnerError> {
    let work = std::path::absolute(&config.work)?;
    std::fs::create_dir_all(&work)?;
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o755))?;
    let step_owner = step_owner(&work)?;
    let http = client::Http::default();
    let tenant = service::bootstrap(&http, config.url.trim_end_matches('/'), &config.token).await?;
    let locations = service::Locations::connect(&http, &tenant.base).await?;
    println!("--------------------------------------------------------------------------------");
    println!("|  sockerless runner: speaks the official runner's protocol                      |");
    println!("--------------------------------------------------------------------------------");
    let key = identity::new_key()?;
    let agent = identity::register(
        &http,
        &locations,
        &tenant.token,
        &config.name,
        &config.labels,
        key,
    )
    .await?;
    println!("√ Runner successfully added");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let pool = agent.pool_id.to_string();
    let agent_id = agent.agent_id;
    let processes = Arc::new(ProcessRunner::new(clock.clone(), work.join("_scratch")));
    let shared = Arc::new(Shared {
        http,
        service: locations,
        clock,
        ids: Arc::new(RandomIds::default()),
        processes,
        work,
        name: config.name.clone(),
        arch: std::env::consts::ARCH
            .replace("x86_64", "X64")
            .replace("aarch64", "ARM64"),
        host_path: std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into()),
        step_owner,
        base_env: Mutex::default(),
        action_env: Mutex::default(),
    });
    let listener = Arc::new(listener::Listener {
        shared,
        tokens: Arc::new(listener::Tokens::new(agent)),
        pool,
        agent_id,
        agent_name: config.name,
        once: config.once,
    });
    listener.run(shutdown).await
}
