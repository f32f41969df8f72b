//! The `process` runner: a workload is a host process (entrypoint + command) in its own scratch
//! directory, with the container's environment over a minimal inherited one (`PATH`), `HOME` and
//! `TMPDIR` pointing at the scratch directory unless the container sets them.
//!
//! Isolation, stated per guarantee (see [`ProcessRunner::isolation`] for what a given machine
//! gets):
//! - **Process tree.** With a writable cgroup2 hierarchy (root on Linux), each workload runs in
//!   a cgroup of its own ([`cgroup`]): when its first process exits or it is stopped, every
//!   descendant is killed, `setsid` and double-forked ones included. Elsewhere it runs in a
//!   process group, which a `setsid` child escapes.
//! - **Death with the simulator.** The first process gets SIGKILL when the simulator dies
//!   (`PR_SET_PDEATHSIG`), and a [`watchdog`] process kills the runner's whole cgroup and removes
//!   its scratch directories when the simulator's end closes its pipe, SIGKILL included. A new
//!   runner also kills the cgroups left by runners whose process is gone.
//! - **User.** As root, workloads run as the container's user or `nobody`, never UID 0, with
//!   no capabilities and `no_new_privs`; the state directory and CA key (mode 0700/0600, owned
//!   by root) are out of their reach, as is signalling the simulator. Not as root, they run as
//!   the simulator's user and can read what it can ([`confine`] says exactly).
//! - **Read-only root.** As root, `read_only_root` gives the workload a mount namespace whose
//!   root is remounted read-only (other mounts, such as `/proc` or a separate `/tmp`, stay as
//!   they are). Not as root the runner cannot, and such a workload fails to start, saying so.
//!
//! Limits, stated openly: the image's files are not unpacked, so the command runs against the
//! host's file system; the working directory is the scratch directory whatever the container
//! asked for; there are no resource limits; the network is the host's.
//!
//! Stopping follows Docker: SIGTERM to the first process, SIGKILL to the whole tree after the
//! grace period. When the first process exits, anything it left running is killed, as a
//! container ends with its init process.

pub(crate) mod cgroup;
pub(crate) mod confine;
mod watchdog;

use std::collections::{BTreeMap, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::{Pid, chown};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, watch};

use super::{
    Control, ExitReason, ExitStatus, Isolation, Runner, RunnerError, Workload, WorkloadSpec,
};
use crate::clock::Clock;
use crate::logs::{LogLine, LogSink, Stream};
use cgroup::{RunnerCgroup, WorkloadCgroup};
use confine::Confinement;
use watchdog::Watchdog;

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// After the first process exits, how long its output readers get to drain. A descendant that
/// escaped the process group (where there is no cgroup) could hold a pipe open forever.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// A workload that is running, as shutdown and reset need to find it.
struct Live {
    group: i32,
    cgroup: Option<PathBuf>,
}

/// Runs workloads as host processes.
pub struct ProcessRunner {
    clock: Arc<dyn Clock>,
    scratch_root: PathBuf,
    next_id: AtomicU64,
    as_root: bool,
    cgroup: Option<Arc<RunnerCgroup>>,
    /// Dropped last: its pipe closing starts the watchdog's cleanup.
    _watchdog: Option<Watchdog>,
    /// Workloads still running, so shutdown can end them.
    live: Arc<Mutex<HashMap<u64, Live>>>,
}

impl std::fmt::Debug for ProcessRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessRunner")
            .field("scratch_root", &self.scratch_root)
            .field("isolation", &self.isolation())
            .finish()
    }
}

impl ProcessRunner {
    /// A runner whose workloads get scratch directories under `scratch_root`. The directory is
    /// made traversable (not listable) by the users workloads run as, and removed, with every
    /// workload still running, when the runner is dropped or the process dies.
    pub fn new(clock: Arc<dyn Clock>, scratch_root: PathBuf) -> Self {
        if let Err(error) = std::fs::create_dir_all(&scratch_root).and_then(|()| {
            std::fs::set_permissions(&scratch_root, std::fs::Permissions::from_mode(0o711))
        }) {
            tracing::warn!(%error, dir = %scratch_root.display(), "scratch root not prepared");
        }
        let as_root = confine::running_as_root();
        let cgroup = RunnerCgroup::create().map(Arc::new);
        let watchdog = Watchdog::start(cgroup.as_ref().map(|c| c.dir()), &scratch_root);
        Self {
            clock,
            scratch_root,
            next_id: AtomicU64::new(0),
            as_root,
            cgroup,
            _watchdog: watchdog,
            live: Arc::default(),
        }
    }

    /// The runner's cgroup directory (cgroup v2), when it has one.
    pub(crate) fn cgroup_dir(&self) -> Option<&std::path::Path> {
        self.cgroup.as_deref().map(RunnerCgroup::dir)
    }

    fn finished(&self, code: i32, reason: ExitReason) -> Workload {
        let now = self.clock.now();
        let (control, _) = mpsc::unbounded_channel();
        let (_, exit) = watch::channel(Some(ExitStatus {
            code,
            reason,
            started_at: now,
            finished_at: now,
        }));
        Workload::new("process", None, now, control, exit)
    }

    fn refused(&self, message: String) -> Workload {
        self.finished(126, ExitReason::SpawnFailed { message })
    }

    /// A workload with no known command: it has no process and ends only when stopped.
    fn idle(&self, spec: &WorkloadSpec) -> Workload {
        let started_at = self.clock.now();
        let (control_tx, mut control) = mpsc::unbounded_channel();
        let (exit_tx, exit) = watch::channel(None);
        let clock = self.clock.clone();
        let timeout = spec.timeout;
        tokio::spawn(async move {
            let timed_out = async {
                match timeout {
                    Some(limit) => tokio::time::sleep(limit).await,
                    None => std::future::pending().await,
                }
            };
            let (code, reason) = tokio::select! {
                command = control.recv() => match command {
                    Some(Control::Kill) => (137, ExitReason::Stopped),
                    // With no handle left nobody can stop it; end it rather than leak the task.
                    Some(Control::Stop { .. }) | None => (143, ExitReason::Stopped),
                },
                () = timed_out => (143, ExitReason::TimedOut),
            };
            let _ = exit_tx.send(Some(ExitStatus {
                code,
                reason,
                started_at,
                finished_at: clock.now(),
            }));
        });
        Workload::new("process", None, started_at, control_tx, exit)
    }
}

impl Drop for ProcessRunner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A host command ready to run under the process runner's supervision: the process runner's
/// own workloads, and the `oci` runner's `runc run`.
pub(crate) struct Launch {
    pub name: String,
    pub program: String,
    pub args: Vec<String>,
    /// The whole environment: nothing of the simulator's is inherited.
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
    pub timeout: Option<Duration>,
    pub stop_grace: Duration,
    pub user: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    pub read_only_root: bool,
    /// An overlay mounted in a mount namespace of the command's own before it executes, so the
    /// mount goes away with the command however the simulator ends.
    pub overlay: Option<Arc<confine::Overlay>>,
    /// Which runner this is for, as [`Workload::runner`] reports it.
    pub runner: &'static str,
    /// Asked, after a first process killed by SIGKILL has exited and before its cgroup is
    /// removed, whether the kernel's OOM killer sent it ([`Workload::out_of_memory`]).
    pub oom_probe: Option<Box<dyn FnOnce() -> bool + Send>>,
    /// The command's standard input; `/dev/null` when absent.
    pub stdin: Option<super::StdinFeed>,
    /// A terminal for the command's standard streams, its controlling terminal ([`terminal`]).
    ///
    /// [`terminal`]: super::terminal
    pub terminal: Option<super::terminal::Terminal>,
}

/// What [`ProcessRunner::prepare`] made for one workload: its number, scratch directory (owned
/// by the workload's user) and cgroup.
pub(crate) struct Prepared {
    pub id: u64,
    pub scratch: PathBuf,
    cgroup: Option<WorkloadCgroup>,
}

impl Prepared {
    /// The workload cgroup's directory, if it has one.
    pub fn cgroup_dir(&self) -> Option<&std::path::Path> {
        self.cgroup.as_ref().map(WorkloadCgroup::dir)
    }

    /// Removes what was made, for a workload that will not be launched.
    pub async fn discard(self) {
        if let Some(cgroup) = self.cgroup {
            cgroup.end().await;
        }
        let _ = tokio::fs::remove_dir_all(&self.scratch).await;
    }
}

impl ProcessRunner {
    /// Makes a workload's scratch directory (mode 0700, owned by `owner`) and its cgroup.
    pub(crate) async fn prepare(
        &self,
        owner: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
    ) -> Result<Prepared, RunnerError> {
        self.prepare_in_group(owner, None).await
    }

    /// [`ProcessRunner::prepare`], with the workload's cgroup inside the runner's child group
    /// `group` (a directory name) when given.
    pub(crate) async fn prepare_in_group(
        &self,
        owner: Option<(nix::unistd::Uid, nix::unistd::Gid)>,
        group: Option<&str>,
    ) -> Result<Prepared, RunnerError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let scratch = self
            .scratch_root
            .join(format!("w{}-{id}", std::process::id()));
        tokio::fs::create_dir_all(&scratch)
            .await
            .map_err(RunnerError::Scratch)?;
        tokio::fs::set_permissions(&scratch, std::fs::Permissions::from_mode(0o700))
            .await
            .map_err(RunnerError::Scratch)?;
        if let Some((uid, gid)) = owner {
            chown(&scratch, Some(uid), Some(gid))
                .map_err(|errno| RunnerError::Scratch(errno.into()))?;
        }
        let cgroup: Option<WorkloadCgroup> = match &self.cgroup {
            Some(runner_cgroup) => match runner_cgroup.workload(id, group) {
                Ok(cgroup) => Some(cgroup),
                Err(error) => {
                    let _ = tokio::fs::remove_dir_all(&scratch).await;
                    return Err(RunnerError::Cgroup(error));
                }
            },
            None => None,
        };
        Ok(Prepared {
            id,
            scratch,
            cgroup,
        })
    }

    /// Runs `launch` in `prepared`'s cgroup and supervises it: output to `sink` line by line,
    /// stop and kill, timeout, and the removal of the scratch directory and cgroup at the end.
    pub(crate) async fn launch(
        &self,
        prepared: Prepared,
        launch: Launch,
        sink: Arc<dyn LogSink>,
    ) -> Workload {
        let Prepared {
            id,
            scratch,
            cgroup,
        } = prepared;
        let program = launch.program.clone();
        let launch_runner = launch.runner;
        let mut stdin_feed = launch.stdin.as_ref().and_then(super::StdinFeed::take);
        let terminal = match launch.terminal.as_ref().map(|t| (t, t.open())) {
            None => None,
            Some((handle, Ok(opened))) => Some((handle.clone(), opened)),
            Some((_, Err(error))) => {
                if let Some(cgroup) = cgroup {
                    cgroup.end().await;
                }
                let _ = tokio::fs::remove_dir_all(&scratch).await;
                return self.refused(format!("could not open a terminal: {error}"));
            }
        };
        let mut command = tokio::process::Command::new(&launch.program);
        command
            .args(&launch.args)
            .env_clear()
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&launch.cwd)
            .kill_on_drop(true);
        match &terminal {
            Some((_, opened)) => {
                let slave = |opened: &super::terminal::Opened| {
                    opened
                        .slave
                        .try_clone()
                        .map(Stdio::from)
                        .unwrap_or(Stdio::null())
                };
                // The session of its own (setsid, in the confinement) is also its process
                // group, so no `process_group` here: setsid refuses a group leader.
                command
                    .stdin(slave(opened))
                    .stdout(slave(opened))
                    .stderr(slave(opened));
            }
            None => {
                command
                    .stdin(if stdin_feed.is_some() {
                        Stdio::piped()
                    } else {
                        Stdio::null()
                    })
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .process_group(0);
            }
        }
        confine::apply(
            &mut command,
            Confinement {
                cgroup_procs: cgroup.as_ref().map(WorkloadCgroup::procs_fd),
                read_only_root: launch.read_only_root,
                user: launch.user,
                parent: Pid::this(),
                overlay: launch.overlay.clone(),
                controlling_terminal: terminal.is_some(),
            },
        );
        let spawned = command.spawn();
        // The slave's copies close here, in the parent: the master reads its end once the
        // command's copies are closed too.
        drop(command);
        let (terminal, master) = match terminal {
            Some((handle, opened)) => {
                drop(opened.slave);
                (Some(handle), Some(opened.master))
            }
            None => (None, None),
        };
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) => {
                if let Some(cgroup) = cgroup {
                    cgroup.end().await;
                }
                let _ = tokio::fs::remove_dir_all(&scratch).await;
                // Docker's convention: 127 when the command is not found, 126 when it is found
                // but cannot be executed.
                let code = match error.kind() {
                    std::io::ErrorKind::PermissionDenied => 126,
                    _ if error.raw_os_error() == Some(nix::libc::ENOEXEC) => 126,
                    _ => 127,
                };
                let message = match error.kind() {
                    std::io::ErrorKind::NotFound => {
                        format!("exec: \"{program}\": executable file not found in $PATH")
                    }
                    _ => format!("exec: \"{program}\": {error}"),
                };
                return self.finished(code, ExitReason::SpawnFailed { message });
            }
        };
        let started_at = self.clock.now();
        let pid = child.id();
        let group = pid.map(|pid| pid as i32);
        if let Some(group) = group {
            self.live.lock().unwrap_or_else(|p| p.into_inner()).insert(
                id,
                Live {
                    group,
                    cgroup: cgroup.as_ref().map(|c| c.dir().to_path_buf()),
                },
            );
        }
        if let Some(pipe) = child.stdin.take()
            && let Some(feed) = stdin_feed.take()
        {
            spawn_stdin_writer(feed, pipe);
        }
        let readers = match master {
            // One stream, as the terminal printed it; what is typed goes into the terminal.
            Some(master) => {
                let typed = master
                    .try_clone()
                    .map(|fd| tokio::fs::File::from_std(fd.into()));
                if let (Some(feed), Ok(typed)) = (stdin_feed.take(), typed) {
                    spawn_stdin_writer(feed, typed);
                }
                let output = tokio::fs::File::from_std(master.into());
                [
                    Some(spawn_reader(
                        output,
                        Stream::Stdout,
                        sink,
                        self.clock.clone(),
                    )),
                    None,
                ]
            }
            None => [
                child
                    .stdout
                    .take()
                    .map(|out| spawn_reader(out, Stream::Stdout, sink.clone(), self.clock.clone())),
                child
                    .stderr
                    .take()
                    .map(|err| spawn_reader(err, Stream::Stderr, sink, self.clock.clone())),
            ],
        };

        let (control_tx, mut control) = mpsc::unbounded_channel();
        let (exit_tx, exit) = watch::channel(None);
        let out_of_memory = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let oom_flag = out_of_memory.clone();
        let oom_probe = launch.oom_probe;
        let clock = self.clock.clone();
        let live = self.live.clone();
        let name = launch.name.clone();
        let timeout_limit = launch.timeout;
        let stop_grace = launch.stop_grace;
        let kill_tree = {
            let cgroup_dir = cgroup.as_ref().map(|c| c.dir().to_path_buf());
            move || {
                if let Some(dir) = &cgroup_dir {
                    cgroup::kill_tree(dir);
                }
                if let Some(group) = group {
                    let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
                }
            }
        };
        tokio::spawn(async move {
            // As `docker stop` does: SIGTERM to the first process only (a shell decides what
            // its children get; `runc run` passes it to the container's first process),
            // SIGKILL to the whole tree. ESRCH means the target is already gone, which is what
            // we wanted.
            let terminate = || {
                if let Some(group) = group {
                    let _ = nix::sys::signal::kill(Pid::from_raw(group), Signal::SIGTERM);
                }
            };
            let mut timeout: Option<Pin<Box<tokio::time::Sleep>>> =
                timeout_limit.map(|limit| Box::pin(tokio::time::sleep(limit)));
            let mut kill_at: Option<Pin<Box<tokio::time::Sleep>>> = None;
            let mut reason = ExitReason::Exited;
            let status = loop {
                tokio::select! {
                    status = child.wait() => break status,
                    Some(command) = control.recv() => match command {
                        Control::Stop { grace } => {
                            reason = ExitReason::Stopped;
                            terminate();
                            kill_at.get_or_insert_with(|| Box::pin(tokio::time::sleep(grace)));
                        }
                        Control::Kill => {
                            reason = ExitReason::Stopped;
                            kill_tree();
                        }
                    },
                    () = async { timeout.as_mut().expect("guarded").await }, if timeout.is_some() => {
                        timeout = None;
                        reason = ExitReason::TimedOut;
                        terminate();
                        kill_at.get_or_insert_with(|| Box::pin(tokio::time::sleep(stop_grace)));
                    }
                    () = async { kill_at.as_mut().expect("guarded").await }, if kill_at.is_some() => {
                        kill_at = None;
                        kill_tree();
                    }
                }
            };
            // The workload ends with its first process.
            kill_tree();
            if let Some(terminal) = &terminal {
                terminal.close();
            }
            for reader in readers.into_iter().flatten() {
                let _ = tokio::time::timeout(DRAIN_LIMIT, reader).await;
            }
            let code = match &status {
                Ok(status) => status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
                Err(error) => {
                    tracing::error!(workload = %name, %error, "waiting for a workload failed");
                    137
                }
            };
            if code == 137
                && let Some(probe) = oom_probe
                && tokio::task::spawn_blocking(probe).await.unwrap_or(false)
            {
                oom_flag.store(true, std::sync::atomic::Ordering::Release);
            }
            if let Some(cgroup) = cgroup {
                cgroup.end().await;
            }
            live.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
            let _ = tokio::fs::remove_dir_all(&scratch).await;
            tracing::debug!(workload = %name, code, ?reason, "workload ended");
            let _ = exit_tx.send(Some(ExitStatus {
                code,
                reason,
                started_at,
                finished_at: clock.now(),
            }));
        });
        Workload::with_memory_flag(
            launch_runner,
            pid,
            started_at,
            control_tx,
            exit,
            out_of_memory,
        )
    }
}

#[async_trait::async_trait]
impl Runner for ProcessRunner {
    async fn start(
        &self,
        spec: WorkloadSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        let Some((program, args)) = spec.argv.split_first() else {
            return Ok(self.idle(&spec));
        };
        let user = match confine::resolve_user(spec.user.as_deref(), self.as_root) {
            Ok(user) => user,
            Err(message) => return Ok(self.refused(message)),
        };
        if spec.read_only_root && !self.as_root {
            return Ok(self.refused(
                "the process runner can give a container a read-only root file system only when the simulator runs as root".into(),
            ));
        }
        let prepared = self.prepare(user).await?;
        let scratch = prepared.scratch.clone();
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        env.insert("PATH".into(), DEFAULT_PATH.into());
        env.insert("HOME".into(), scratch.display().to_string());
        env.insert("TMPDIR".into(), scratch.display().to_string());
        env.extend(spec.env.clone());
        let launch = Launch {
            name: spec.name.clone(),
            program: program.clone(),
            args: args.to_vec(),
            env: env.into_iter().collect(),
            cwd: scratch,
            timeout: spec.timeout,
            stop_grace: spec.stop_grace,
            user,
            read_only_root: spec.read_only_root,
            overlay: None,
            runner: "process",
            oom_probe: None,
            stdin: spec.stdin.clone(),
            terminal: spec.terminal.clone(),
        };
        Ok(self.launch(prepared, launch, sink).await)
    }

    fn shutdown(&self) {
        for (_, live) in self.live.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            if let Some(dir) = &live.cgroup {
                cgroup::kill_tree(dir);
            }
            let _ = killpg(Pid::from_raw(live.group), Signal::SIGKILL);
        }
    }

    fn isolation(&self) -> Isolation {
        Isolation {
            runner: "process".into(),
            process_tree: if self.cgroup.is_some() {
                "cgroup"
            } else {
                "process-group"
            }
            .into(),
            user: if self.as_root {
                "the container's user, never root (nobody by default)"
            } else {
                "the simulator's user"
            }
            .into(),
            read_only_root: self.as_root,
            dies_with_simulator: if self.cgroup.is_some() {
                "every process"
            } else {
                "the first process"
            }
            .into(),
        }
    }

    /// Host processes share the host's network.
    async fn group_network(
        &self,
        _spec: &super::oci::network::NetworkSpec,
    ) -> Result<Option<super::oci::network::GroupNetwork>, String> {
        Ok(None)
    }

    /// A host process has no container to run a second process in.
    async fn exec(
        &self,
        _workload: &Workload,
        _spec: super::ExecSpec,
        _sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        Err(RunnerError::Unsupported(
            "the process runner cannot run a second process in a workload".into(),
        ))
    }
}

/// Writes what arrives on `feed` to the process's stdin; closes it (end of file) when every
/// sender is gone, or stops when the process no longer reads it.
fn spawn_stdin_writer(
    mut feed: mpsc::Receiver<bytes::Bytes>,
    mut pipe: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
) {
    use tokio::io::AsyncWriteExt;
    tokio::spawn(async move {
        while let Some(bytes) = feed.recv().await {
            if pipe.write_all(&bytes).await.is_err() || pipe.flush().await.is_err() {
                return;
            }
        }
        let _ = pipe.shutdown().await;
    });
}

/// Reads `source` line by line into `sink`. Lines have no length limit: a line is whatever came
/// before the next newline (or the end of the stream).
fn spawn_reader(
    source: impl AsyncRead + Unpin + Send + 'static,
    stream: Stream,
    sink: Arc<dyn LogSink>,
    clock: Arc<dyn Clock>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut reader = BufReader::with_capacity(64 * 1024, source);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                    }
                    let text = String::from_utf8_lossy(&line).into_owned();
                    sink.line(LogLine {
                        stream,
                        time: clock.now(),
                        text,
                    });
                }
            }
        }
    })
}

#[cfg(test)]
mod tests;
