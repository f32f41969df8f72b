//! The `process` runner: a workload is a host process (entrypoint + command) in its own scratch
//! directory and process group, with the container's environment over a minimal inherited one
//! (`PATH`, `HOME`, `TMPDIR`).
//!
//! Limits, stated openly: the image's files are not unpacked, so the command runs against the
//! host's file system; the working directory is the scratch directory whatever the container
//! asked for; there are no resource limits.
//!
//! Stopping follows Docker: SIGTERM to the first process, SIGKILL to the whole process group after
//! the grace period.
//! When the first process exits, anything it left running in its group is killed, as a container
//! ends with its init process.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::{mpsc, watch};

use super::{Control, ExitReason, ExitStatus, Runner, RunnerError, Workload, WorkloadSpec};
use crate::clock::Clock;
use crate::logs::{LogLine, LogSink, Stream};

/// Variables a workload inherits from the simulator's own environment.
const INHERITED: [&str; 3] = ["PATH", "HOME", "TMPDIR"];
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// After the first process exits, how long its output readers get to drain. A descendant that
/// escaped the process group could hold a pipe open forever.
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// Runs workloads as host processes.
pub struct ProcessRunner {
    clock: Arc<dyn Clock>,
    scratch_root: PathBuf,
    next_id: AtomicU64,
    /// Process groups still running, so shutdown can end them.
    live: Arc<Mutex<HashMap<u64, i32>>>,
}

impl std::fmt::Debug for ProcessRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessRunner")
            .field("scratch_root", &self.scratch_root)
            .finish()
    }
}

impl ProcessRunner {
    /// A runner whose workloads get scratch directories under `scratch_root`.
    pub fn new(clock: Arc<dyn Clock>, scratch_root: PathBuf) -> Self {
        Self {
            clock,
            scratch_root,
            next_id: AtomicU64::new(0),
            live: Arc::default(),
        }
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
        Workload::new(None, now, control, exit)
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
        Workload::new(None, started_at, control_tx, exit)
    }
}

impl Drop for ProcessRunner {
    fn drop(&mut self) {
        self.shutdown();
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
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let scratch = self
            .scratch_root
            .join(format!("w{}-{id}", std::process::id()));
        tokio::fs::create_dir_all(&scratch)
            .await
            .map_err(RunnerError::Scratch)?;

        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env_clear()
            .env("PATH", DEFAULT_PATH)
            .envs(
                INHERITED
                    .iter()
                    .filter_map(|name| Some((*name, std::env::var_os(name)?))),
            )
            .envs(&spec.env)
            .current_dir(&scratch)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
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
                return Ok(self.finished(code, ExitReason::SpawnFailed { message }));
            }
        };
        let started_at = self.clock.now();
        let pid = child.id();
        let group = pid.map(|pid| pid as i32);
        if let Some(group) = group {
            self.live
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id, group);
        }
        let readers = [
            child
                .stdout
                .take()
                .map(|out| spawn_reader(out, Stream::Stdout, sink.clone(), self.clock.clone())),
            child
                .stderr
                .take()
                .map(|err| spawn_reader(err, Stream::Stderr, sink, self.clock.clone())),
        ];

        let (control_tx, mut control) = mpsc::unbounded_channel();
        let (exit_tx, exit) = watch::channel(None);
        let clock = self.clock.clone();
        let live = self.live.clone();
        let name = spec.name.clone();
        tokio::spawn(async move {
            // As `docker stop` does: SIGTERM to the first process only (a shell decides what
            // its children get), SIGKILL to the whole group. ESRCH means the target is already
            // gone, which is what we wanted.
            let signal = |signal: Signal| {
                if let Some(group) = group {
                    let _ = if signal == Signal::SIGKILL {
                        killpg(Pid::from_raw(group), signal)
                    } else {
                        nix::sys::signal::kill(Pid::from_raw(group), signal)
                    };
                }
            };
            let mut timeout: Option<Pin<Box<tokio::time::Sleep>>> = spec
                .timeout
                .map(|limit| Box::pin(tokio::time::sleep(limit)));
            let mut kill_at: Option<Pin<Box<tokio::time::Sleep>>> = None;
            let mut reason = ExitReason::Exited;
            let status = loop {
                tokio::select! {
                    status = child.wait() => break status,
                    Some(command) = control.recv() => match command {
                        Control::Stop { grace } => {
                            reason = ExitReason::Stopped;
                            signal(Signal::SIGTERM);
                            kill_at.get_or_insert_with(|| Box::pin(tokio::time::sleep(grace)));
                        }
                        Control::Kill => {
                            reason = ExitReason::Stopped;
                            signal(Signal::SIGKILL);
                        }
                    },
                    () = async { timeout.as_mut().expect("guarded").await }, if timeout.is_some() => {
                        timeout = None;
                        reason = ExitReason::TimedOut;
                        signal(Signal::SIGTERM);
                        kill_at.get_or_insert_with(|| Box::pin(tokio::time::sleep(spec.stop_grace)));
                    }
                    () = async { kill_at.as_mut().expect("guarded").await }, if kill_at.is_some() => {
                        kill_at = None;
                        signal(Signal::SIGKILL);
                    }
                }
            };
            // The workload ends with its first process.
            signal(Signal::SIGKILL);
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
        Ok(Workload::new(pid, started_at, control_tx, exit))
    }

    fn shutdown(&self) {
        for (_, group) in self.live.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            let _ = killpg(Pid::from_raw(group), Signal::SIGKILL);
        }
    }
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
