//! Running user workloads. A simulator describes what to run in a [`WorkloadSpec`] and hands it
//! to a [`Runner`]; it gets back a [`Workload`] handle to wait on or stop, and the output flows
//! into the [`LogSink`](crate::logs::LogSink) it gave. Status comes back as a real
//! [`ExitStatus`]: the code the process exited with, or Docker's `128 + signal`.
//!
//! Runners: [`process`] (a host process in a scratch directory, confined as far as the machine
//! allows: see its docs and [`Runner::isolation`]) and [`oci`] (in the workload's image, on
//! runc, falling back to `process` under `--workloads auto`). [`Workload::runner`] says which
//! one ran a workload.

pub mod oci;
pub mod process;
pub mod terminal;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};

use crate::logs::LogSink;

pub use oci::{OciConfig, OciRunner, WorkloadsMode};
pub use process::ProcessRunner;

/// The image a workload names, and the definition's overrides of its config.
#[derive(Clone)]
pub struct WorkloadImage {
    /// As the definition names it, for messages.
    pub reference: String,
    /// Where the simulator found it, or why it cannot be had.
    pub located: Result<LocatedImage, String>,
    /// The definition's entrypoint, replacing the image's (and dropping its command).
    pub entrypoint: Option<Vec<String>>,
    /// The definition's command, replacing the image's.
    pub command: Option<Vec<String>>,
    /// The definition's working directory, replacing the image's.
    pub working_dir: Option<String>,
}

impl std::fmt::Debug for WorkloadImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkloadImage")
            .field("reference", &self.reference)
            .field(
                "located",
                &self.located.as_ref().map(|l| &l.manifest_digest),
            )
            .finish_non_exhaustive()
    }
}

/// An image found in a store.
#[derive(Clone)]
pub struct LocatedImage {
    pub store: Arc<dyn oci::image::ImageStore>,
    pub manifest_digest: String,
}

/// A host directory bound into a container (volumes, EFS).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadMount {
    pub source: std::path::PathBuf,
    pub destination: String,
    pub read_only: bool,
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct WorkloadSpec {
    /// A name for logs and tracing, such as `task/abc/web`.
    pub name: String,
    /// Entrypoint followed by command. Empty means the command is not known (an image's default
    /// command without a registry to read it from): the workload then idles until stopped.
    pub argv: Vec<String>,
    /// The container's environment, laid over a minimal inherited one.
    pub env: BTreeMap<String, String>,
    /// Stopped with [`ExitReason::TimedOut`] after this long.
    pub timeout: Option<Duration>,
    /// How long a timed-out workload gets between SIGTERM and SIGKILL.
    pub stop_grace: Duration,
    /// The container's user (`UID[:GID]` or `NAME[:GROUP]`); the runner's default when absent.
    pub user: Option<String>,
    /// The container asked for a read-only root file system. A runner that cannot give one
    /// refuses to start the workload rather than run it writable.
    pub read_only_root: bool,
    /// The image to run in, for runners that honour images; the process runner ignores it.
    pub image: Option<WorkloadImage>,
    /// Host directories bound into the container (runners with images).
    pub mounts: Vec<WorkloadMount>,
    /// The container's host name (runners with images); a short ID when absent.
    pub hostname: Option<String>,
    /// Memory, CPU and rlimits (runners with images; the process runner applies none).
    pub resources: WorkloadResources,
    /// A network namespace to join (from [`Runner::group_network`]), shared with the other
    /// workloads of its group; the host's network when absent, and for the process runner.
    pub network_namespace: Option<std::path::PathBuf>,
    /// Where the first process's standard input comes from; `/dev/null` when absent.
    pub stdin: Option<StdinFeed>,
    /// A directory that keeps the container's writable layer from one run to the next (runners
    /// with images): the overlay's upper and work directories (`upper/`, `work/`), or the copy
    /// of the image where overlayfs is missing (`rootfs/`), live there instead of in the
    /// scratch directory, and are left in place when the workload ends. Docker's containers
    /// keep their files until they are removed; the engine passes one per container.
    pub writable_layer: Option<std::path::PathBuf>,
    /// A terminal for the first process (`docker run -t`): its input, output and error are
    /// the terminal's, so output comes as the terminal printed it (`\r\n` line ends, one stream)
    /// and `stdin` is typed into it. Pipes when absent.
    pub terminal: Option<terminal::Terminal>,
}

/// A workload's standard input: the bytes sent on the channel [`StdinFeed::channel`] gives,
/// then end of file once every sender is dropped (which is how a client closing its stdin
/// reaches `cat`). Cloning shares the one receiver; the runner takes it when it starts the
/// process, so a feed serves one process.
#[derive(Clone)]
pub struct StdinFeed(Arc<std::sync::Mutex<Option<mpsc::Receiver<bytes::Bytes>>>>);

impl StdinFeed {
    /// A feed and the sender that writes to it.
    pub fn channel() -> (mpsc::Sender<bytes::Bytes>, Self) {
        let (sender, receiver) = mpsc::channel(64);
        (
            sender,
            Self(Arc::new(std::sync::Mutex::new(Some(receiver)))),
        )
    }

    /// The receiver, once.
    pub(crate) fn take(&self) -> Option<mpsc::Receiver<bytes::Bytes>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The receiver, once, for runners outside the kit.
    pub fn take_receiver(&self) -> Option<mpsc::Receiver<bytes::Bytes>> {
        self.take()
    }
}

impl std::fmt::Debug for StdinFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StdinFeed")
    }
}

/// A second process to run inside a running workload's container (`docker exec`).
#[derive(Debug, Clone, Default)]
pub struct ExecSpec {
    /// A name for logs and tracing.
    pub name: String,
    /// The command and its arguments (never empty).
    pub argv: Vec<String>,
    /// `KEY=VALUE` entries added to the container's environment.
    pub env: Vec<String>,
    /// `UID[:GID]` or `NAME[:GROUP]`; the container's user when absent.
    pub user: Option<String>,
    /// The container's working directory when absent.
    pub working_dir: Option<String>,
    /// The process's standard input; `/dev/null` when absent.
    pub stdin: Option<StdinFeed>,
    /// A terminal for the process (`docker exec -t`), as [`WorkloadSpec::terminal`].
    pub terminal: Option<terminal::Terminal>,
}

/// What a workload may use. A runner with images applies these through the runtime's cgroups
/// and rlimits where the machine's cgroups allow, and says in the server log when they do not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkloadResources {
    /// The hard memory limit, in bytes: past it the kernel's OOM killer ends the workload, which
    /// then reports [`Workload::out_of_memory`]. Swap is not allowed beyond it.
    pub memory_limit: Option<u64>,
    /// The soft limit (memory reservation), in bytes.
    pub memory_reservation: Option<u64>,
    /// The relative CPU weight, as Docker's CPU shares (ECS CPU units).
    pub cpu_shares: Option<u64>,
    /// A CPU ceiling: this many microseconds of CPU time per `cpu_period` microseconds.
    pub cpu_quota: Option<i64>,
    /// The period `cpu_quota` is counted over (100 000 µs when absent).
    pub cpu_period: Option<u64>,
    /// Process resource limits (`ulimit`).
    pub rlimits: Vec<Rlimit>,
    /// Limits the workload shares with the other workloads naming the same group (an ECS task's
    /// `cpu` and `memory` bound all of its containers together), on top of its own.
    pub group: Option<ResourceGroup>,
}

/// Limits shared by a group of workloads: a runner with images puts the group's workloads
/// under one parent cgroup that carries them, made when the first of them starts and removed
/// when the last has ended. Workloads of one group must name the same limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceGroup {
    /// Unique among the runner's groups while any of its workloads runs (`ecs/TASK_ID`).
    pub name: String,
    /// The hard memory limit of the whole group, in bytes (no swap beyond it).
    pub memory_limit: Option<u64>,
    /// The group's CPU ceiling: this many microseconds of CPU time per `cpu_period`.
    pub cpu_quota: Option<i64>,
    /// The period `cpu_quota` is counted over (100 000 µs when absent).
    pub cpu_period: Option<u64>,
}

/// One process resource limit, named as the kernel names it (`RLIMIT_NOFILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rlimit {
    pub kind: String,
    pub soft: u64,
    pub hard: u64,
}

/// What a runner does to keep workloads from the simulator, from each other and from
/// outliving it, in words for records and docs (each runner's module says more).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Isolation {
    /// Which runner: `process`, later `oci` and `wasm`.
    pub runner: String,
    /// What ends a workload's descendants: `cgroup` or `process-group`.
    pub process_tree: String,
    /// Who workloads run as.
    pub user: String,
    /// Whether `read_only_root` can be honoured.
    pub read_only_root: bool,
    /// What of a workload dies when the simulator does.
    pub dies_with_simulator: String,
}

/// Why a workload ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExitReason {
    /// The process exited by itself (or was killed by a signal nobody here sent).
    Exited,
    /// Stopped on request, with SIGTERM and, after the grace period, SIGKILL.
    Stopped,
    /// Stopped because it ran past its timeout.
    TimedOut,
    /// The process could not be started at all.
    SpawnFailed { message: String },
    /// The workload's image could not be had (not found, unreadable, or unpackable).
    PullFailed { message: String },
}

/// How a workload ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExitStatus {
    /// The exit code, or `128 + signal` when a signal ended it (143 for SIGTERM, 137 for
    /// SIGKILL), or 127/126 when the command could not be found/executed.
    pub code: i32,
    pub reason: ExitReason,
    pub started_at: SystemTime,
    pub finished_at: SystemTime,
}

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("could not prepare the workload's scratch directory: {0}")]
    Scratch(std::io::Error),
    #[error("could not make the workload's cgroup: {0}")]
    Cgroup(std::io::Error),
    /// Something this runner cannot do (exec in a host process), in words for the caller.
    #[error("{0}")]
    Unsupported(String),
    /// The workload asked about has ended.
    #[error("the workload is not running")]
    NotRunning,
}

/// Something that runs workloads.
#[async_trait::async_trait]
pub trait Runner: Send + Sync + 'static {
    /// Starts `spec`, writing its output to `sink`. A command that cannot be started is not an
    /// error here: it is a workload that has already ended with [`ExitReason::SpawnFailed`],
    /// which is how clouds report it.
    async fn start(
        &self,
        spec: WorkloadSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError>;

    /// Kills every workload still running, with its whole process tree (reset, and the end of
    /// a shutdown). The runner stays usable.
    fn shutdown(&self);

    /// What this runner's isolation amounts to on this machine.
    fn isolation(&self) -> Isolation;

    /// A network namespace for a group of workloads with its own address (see
    /// [`oci::network`]), or `None` when this runner runs workloads on the host's network.
    /// Required of every runner, with no default: a wrapper that forgot to pass it on would
    /// quietly put every task on the host's network.
    async fn group_network(
        &self,
        spec: &oci::network::NetworkSpec,
    ) -> Result<Option<oci::network::GroupNetwork>, String>;

    /// Runs `spec` inside `workload`'s container, its output into `sink`. The returned handle
    /// waits for and stops that process alone. A command that cannot be started is a workload
    /// that has already ended with [`ExitReason::SpawnFailed`] (127 not found, 126 not
    /// executable), as for [`Runner::start`].
    /// Required, like `group_network`, so a wrapper cannot drop it.
    async fn exec(
        &self,
        workload: &Workload,
        spec: ExecSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError>;

    /// The read-only tree `image`'s layers unpack to (made now if it is not there yet), which a
    /// [`WorkloadSpec::writable_layer`] lies over: the engine looks at a container's files
    /// through it while no process runs (`docker cp` into a created container). An error when
    /// this runner does not unpack images.
    async fn image_root(&self, image: &WorkloadImage) -> Result<std::path::PathBuf, String> {
        let _ = image;
        Err("this runner does not unpack images".into())
    }

    /// A local image of repository `name` (`localhost/sockerless/bookworm-runtimes`), any tag,
    /// that this runner can run workloads in now: its full `NAME:TAG` and where it is. `None`
    /// when there is none or this runner does not run images.
    fn local_image(&self, name: &str) -> Option<(String, LocatedImage)> {
        let _ = name;
        None
    }

    /// Every image seeded at start (`--seed-images`), by its full `localhost/NAME:TAG`, for a
    /// service that keeps an image store of its own (the engine lists and runs them). Empty
    /// when there are none or this runner does not run images.
    fn seeded_images(&self) -> Vec<(String, LocatedImage)> {
        Vec::new()
    }
}

/// Where a runner can find a running container again to run a second process in it.
#[derive(Debug, Clone)]
pub(crate) struct ExecTarget {
    pub runtime: std::path::PathBuf,
    /// The runtime's state directory (`runc --root`).
    pub state_root: std::path::PathBuf,
    pub container_id: String,
    /// The image's unpacked root, for looking up users by name.
    pub lower: std::path::PathBuf,
}

/// What a [`Workload`]'s handle asks of its supervisor (public so runners outside the kit, such
/// as the engine's wasm sandbox, can supervise workloads of their own).
#[derive(Debug)]
pub enum Control {
    Stop { grace: Duration },
    Kill,
}

/// A handle on a running (or finished) workload. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Workload {
    inner: Arc<WorkloadInner>,
}

#[derive(Debug)]
struct WorkloadInner {
    runner: &'static str,
    pid: Option<u32>,
    started_at: SystemTime,
    control: mpsc::UnboundedSender<Control>,
    exit: watch::Receiver<Option<ExitStatus>>,
    /// Set before the exit is published when the kernel's OOM killer ended the workload.
    out_of_memory: Arc<std::sync::atomic::AtomicBool>,
    /// Set by runners that can exec into the workload.
    exec_target: std::sync::OnceLock<ExecTarget>,
}

impl Workload {
    /// A handle whose supervisor receives `control` and publishes the exit on `exit`.
    pub fn new(
        runner: &'static str,
        pid: Option<u32>,
        started_at: SystemTime,
        control: mpsc::UnboundedSender<Control>,
        exit: watch::Receiver<Option<ExitStatus>>,
    ) -> Self {
        Self::with_memory_flag(runner, pid, started_at, control, exit, Arc::default())
    }

    /// A workload whose supervisor sets `out_of_memory` before publishing its exit.
    pub(crate) fn with_memory_flag(
        runner: &'static str,
        pid: Option<u32>,
        started_at: SystemTime,
        control: mpsc::UnboundedSender<Control>,
        exit: watch::Receiver<Option<ExitStatus>>,
        out_of_memory: Arc<std::sync::atomic::AtomicBool>,
    ) -> Self {
        Self {
            inner: Arc::new(WorkloadInner {
                runner,
                pid,
                started_at,
                control,
                exit,
                out_of_memory,
                exec_target: std::sync::OnceLock::new(),
            }),
        }
    }

    /// Whether `other` is a handle on this same workload.
    pub fn same_as(&self, other: &Workload) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn set_exec_target(&self, target: ExecTarget) {
        let _ = self.inner.exec_target.set(target);
    }

    pub(crate) fn exec_target(&self) -> Option<&ExecTarget> {
        self.inner.exec_target.get()
    }

    /// The host PID of the container's first process, as the runtime recorded it, if the
    /// runtime has started it (runners with images); else the host process's PID.
    pub fn container_pid_now(&self) -> Option<u32> {
        let Some(target) = self.exec_target() else {
            return self.pid();
        };
        let state = target
            .state_root
            .join(&target.container_id)
            .join("state.json");
        let state: serde_json::Value = serde_json::from_slice(&std::fs::read(state).ok()?).ok()?;
        state
            .get("init_process_pid")?
            .as_u64()
            .and_then(|pid| u32::try_from(pid).ok())
            .filter(|pid| *pid > 0)
    }

    /// [`Workload::container_pid_now`], waiting (up to five seconds) while the runtime is still
    /// creating the container; `None` if the workload ends first.
    pub async fn container_pid(&self) -> Option<u32> {
        for _ in 0..500 {
            if let Some(pid) = self.container_pid_now() {
                return Some(pid);
            }
            if self.exit_status().is_some() {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// A workload that ended before it started.
    pub(crate) fn ended(runner: &'static str, status: ExitStatus) -> Self {
        let (control, _) = mpsc::unbounded_channel();
        let started_at = status.started_at;
        let (_, exit) = watch::channel(Some(status));
        Self::new(runner, None, started_at, control, exit)
    }

    /// Which runner ran it: `process` or `oci`.
    pub fn runner(&self) -> &'static str {
        self.inner.runner
    }

    /// The host process ID, if there is a process.
    pub fn pid(&self) -> Option<u32> {
        self.inner.pid
    }

    pub fn started_at(&self) -> SystemTime {
        self.inner.started_at
    }

    /// Whether the kernel's OOM killer ended it (past its [`WorkloadResources::memory_limit`]).
    /// Known once it has ended: set before [`Workload::wait`] returns.
    pub fn out_of_memory(&self) -> bool {
        self.inner
            .out_of_memory
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// How it ended, if it has.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.inner.exit.borrow().clone()
    }

    /// Waits until it has ended and all its output has reached the sink.
    pub async fn wait(&self) -> ExitStatus {
        let mut exit = self.inner.exit.clone();
        match exit.wait_for(Option::is_some).await {
            Ok(status) => status
                .clone()
                .unwrap_or_else(|| unreachable!("waited for Some")),
            // The supervisor only drops its sender after publishing the exit status.
            Err(_) => self
                .exit_status()
                .unwrap_or_else(|| unreachable!("supervisor published no exit")),
        }
    }

    /// Sends SIGTERM, then SIGKILL if it is still running after `grace`.
    pub fn stop(&self, grace: Duration) {
        let _ = self.inner.control.send(Control::Stop { grace });
    }

    /// Sends SIGKILL now.
    pub fn kill(&self) {
        let _ = self.inner.control.send(Control::Kill);
    }

    /// Runs the container runtime's `args` (`pause ID`, `ps ID`) against this workload's
    /// container and answers its standard output, or its error in the runtime's words. An
    /// error for a workload no runtime started (runners without images).
    async fn runtime_command(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        let Some(target) = self.exec_target() else {
            return Err(format!(
                "the {} runner runs no container runtime",
                self.runner()
            ));
        };
        let output = tokio::process::Command::new(&target.runtime)
            .arg("--root")
            .arg(&target.state_root)
            .args(args)
            .arg(&target.container_id)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|error| format!("{}: {error}", target.runtime.display()))?;
        if output.status.success() {
            return Ok(output.stdout);
        }
        let said = String::from_utf8_lossy(&output.stderr);
        // runc logs JSON-ish `time=… level=error msg="…"` lines; the last says why.
        let line = said.lines().last().unwrap_or_default();
        let message = line
            .split_once("msg=\"")
            .map(|(_, rest)| rest.trim_end_matches('"'))
            .unwrap_or(line);
        Err(message.replace("\\\"", "\""))
    }

    /// Freezes every process of the container (the cgroup freezer, through the runtime).
    pub async fn pause(&self) -> Result<(), String> {
        self.runtime_command(&["pause"]).await.map(|_| ())
    }

    /// Thaws what [`Workload::pause`] froze.
    pub async fn resume(&self) -> Result<(), String> {
        self.runtime_command(&["resume"]).await.map(|_| ())
    }

    /// The host PIDs of the container's processes (its cgroup's).
    pub async fn processes(&self) -> Result<Vec<u32>, String> {
        let output = self.runtime_command(&["ps", "--format", "json"]).await?;
        let pids: Option<Vec<u32>> = serde_json::from_slice(&output)
            .map_err(|error| format!("the runtime's process list: {error}"))?;
        Ok(pids.unwrap_or_default())
    }

    /// The container's cgroup statistics as the runtime reports them (`runc events --stats`:
    /// `{"type":"stats","data":{"cpu":…,"memory":…,"pids":…,"blkio":…}}`), its `data` part.
    pub async fn cgroup_stats(&self) -> Result<serde_json::Value, String> {
        let output = self.runtime_command(&["events", "--stats"]).await?;
        let event: serde_json::Value = serde_json::from_slice(&output)
            .map_err(|error| format!("the runtime's statistics: {error}"))?;
        Ok(event.get("data").cloned().unwrap_or_default())
    }

    /// Changes the container's cgroup limits in place (`runc update`); `args` are the
    /// runtime's flags (`--memory 64m`, `--pids-limit 10`).
    pub async fn update_resources(&self, args: &[String]) -> Result<(), String> {
        let mut all: Vec<&str> = vec!["update"];
        all.extend(args.iter().map(String::as_str));
        self.runtime_command(&all).await.map(|_| ())
    }
}
