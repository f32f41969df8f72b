//! [`WasmRunner`]: simkit's [`Runner`] over the sandbox. Each workload gets a root directory of
//! its own under the runner's scratch directory (with `/etc/hosts`, `/etc/hostname`,
//! `/etc/passwd`, `/etc/group`, `/tmp`), a thread for its shell, and a supervisor task that
//! turns stop, kill and timeouts into the status Docker reports (143, 137) and publishes the
//! exit once the output has reached the sink.
//!
//! What it cannot do, and says so with [`RunnerError::Unsupported`]: image files (the root has
//! only what the runner writes), bind mounts and volumes, a read-only root, other users, and
//! networks (instances have no sockets at all).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use simkit::clock::Clock;
use simkit::logs::{LogSink, Stream};
use simkit::runner::oci::network::{GroupNetwork, NetworkSpec};
use simkit::runner::{
    Control, ExecSpec, ExitReason, ExitStatus, Isolation, Runner, RunnerError, Workload,
    WorkloadSpec,
};
use tokio::sync::{mpsc, oneshot, watch};

use crate::host::{Container, SandboxHost};
use crate::root::Root;
use crate::streams::{InputSource, LineWriter, OutputTarget};
use crate::userland::Userland;

const RUNNER: &str = "wasm";
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct Running {
    workload: Workload,
    root: Root,
    env: BTreeMap<String, String>,
    stop: watch::Sender<Option<i32>>,
}

pub struct WasmRunner {
    clock: Arc<dyn Clock>,
    userland: Arc<Userland>,
    scratch: PathBuf,
    counter: AtomicU64,
    running: Arc<Mutex<Vec<Running>>>,
}

impl std::fmt::Debug for WasmRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmRunner")
            .field("scratch", &self.scratch)
            .finish_non_exhaustive()
    }
}

impl WasmRunner {
    pub fn new(clock: Arc<dyn Clock>, userland: Arc<Userland>, scratch: PathBuf) -> Self {
        Self {
            clock,
            userland,
            scratch,
            counter: AtomicU64::new(0),
            running: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn make_root(&self, spec: &WorkloadSpec) -> Result<(Root, String), RunnerError> {
        let number = self.counter.fetch_add(1, Ordering::Relaxed);
        let dir = self.scratch.join(format!("root-{number}"));
        let hostname = spec.hostname.clone().unwrap_or_else(|| {
            format!("{:012x}", number.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16)
        });
        let files = [
            ("etc/hostname", format!("{hostname}\n")),
            ("etc/hosts", format!("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n")),
            ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".to_string()),
            ("etc/group", "root:x:0:\nnogroup:x:65534:\n".to_string()),
        ];
        for sub in ["etc", "tmp", "root", "bin", "usr/bin"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(RunnerError::Scratch)?;
        }
        for (path, content) in files {
            std::fs::write(dir.join(path), content).map_err(RunnerError::Scratch)?;
        }
        Ok((Root::new(dir), hostname))
    }

    fn unsupported(spec: &WorkloadSpec) -> Option<String> {
        if let Some(image) = &spec.image
            && image.located.is_ok()
        {
            return Some(format!(
                "the wasm runner does not lay out image files yet ({})",
                image.reference
            ));
        }
        if !spec.mounts.is_empty() {
            return Some("the wasm runner does not bind host directories or volumes".into());
        }
        if spec.read_only_root {
            return Some("the wasm runner cannot make the root read-only".into());
        }
        if spec
            .user
            .as_deref()
            .is_some_and(|user| !matches!(user, "" | "0" | "root" | "0:0" | "root:root"))
        {
            return Some("the wasm runner runs everything as root; it has no other users".into());
        }
        if spec.network_namespace.is_some() {
            return Some("the wasm runner gives workloads no network".into());
        }
        None
    }

    /// Starts `argv` in `root` on a thread of its own; the returned handle is supervised.
    #[allow(clippy::too_many_arguments)]
    fn launch(
        &self,
        name: String,
        argv: Vec<String>,
        env: Vec<(String, String)>,
        cwd: String,
        root: Root,
        stdin: InputSource,
        sink: Arc<dyn LogSink>,
        timeout: Option<std::time::Duration>,
    ) -> (Workload, watch::Sender<Option<i32>>) {
        let started_at = self.clock.now();
        let (stop_sender, stop_receiver) = watch::channel(None);
        let (control_sender, mut control) = mpsc::unbounded_channel::<Control>();
        let (exit_sender, exit_receiver) = watch::channel(None);
        let workload = Workload::new(RUNNER, None, started_at, control_sender, exit_receiver);
        let stdout = LineWriter::new(Stream::Stdout, sink.clone(), self.clock.clone());
        let stderr = LineWriter::new(Stream::Stderr, sink, self.clock.clone());
        let container = Arc::new(Container {
            root,
            userland: self.userland.clone(),
            handle: tokio::runtime::Handle::current(),
            stop: stop_receiver,
        });
        let mut host = SandboxHost {
            container,
            stdin,
            stdout: OutputTarget::Lines(stdout.clone()),
            stderr: OutputTarget::Lines(stderr.clone()),
        };
        let (done_sender, done) = oneshot::channel();
        let thread_name = format!("wasm {name}");
        let spawned = std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                let result = if argv.is_empty() {
                    // An unknown default command idles until stopped, as with the process runner.
                    let mut stop = host.container.stop.clone();
                    let handle = host.container.handle.clone();
                    handle.block_on(async move {
                        let _ = stop.wait_for(Option::is_some).await;
                    });
                    Ok(0)
                } else {
                    host.run_argv(&argv, &env, &cwd)
                };
                let _ = done_sender.send(result);
            });
        let stop_for_supervisor = stop_sender.clone();
        let clock = self.clock.clone();
        let stop_for_kill = stop_sender.clone();
        match spawned {
            Err(error) => {
                let _ = exit_sender.send(Some(ExitStatus {
                    code: 126,
                    reason: ExitReason::SpawnFailed {
                        message: format!("cannot start the sandbox thread: {error}"),
                    },
                    started_at,
                    finished_at: clock.now(),
                }));
            }
            Ok(_) => {
                tokio::spawn(async move {
                    let mut reason = ExitReason::Exited;
                    let mut done = done;
                    let sleep = async {
                        match timeout {
                            Some(timeout) => tokio::time::sleep(timeout).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::pin!(sleep);
                    let result = loop {
                        tokio::select! {
                            result = &mut done => break result,
                            message = control.recv() => match message {
                                Some(Control::Stop { .. }) => {
                                    reason = ExitReason::Stopped;
                                    let _ = stop_for_supervisor.send(Some(143));
                                }
                                Some(Control::Kill) => {
                                    reason = ExitReason::Stopped;
                                    let _ = stop_for_kill.send(Some(137));
                                }
                                None => {}
                            },
                            _ = &mut sleep, if !matches!(reason, ExitReason::TimedOut) => {
                                reason = ExitReason::TimedOut;
                                let _ = stop_for_supervisor.send(Some(143));
                            }
                        }
                    };
                    stdout.flush();
                    stderr.flush();
                    let stopped_with = *stop_for_supervisor.borrow();
                    let (code, reason) = match (result, stopped_with) {
                        (_, Some(code)) => (code, reason),
                        (Ok(Ok(code)), None) => (code, ExitReason::Exited),
                        (Ok(Err((code, message))), None) => {
                            (code, ExitReason::SpawnFailed { message })
                        }
                        (Err(_), None) => (
                            134,
                            ExitReason::SpawnFailed {
                                message: "the sandbox thread ended without a status".into(),
                            },
                        ),
                    };
                    let _ = exit_sender.send(Some(ExitStatus {
                        code,
                        reason,
                        started_at,
                        finished_at: clock.now(),
                    }));
                });
            }
        }
        (workload, stop_sender)
    }
}

fn environment(spec_env: &BTreeMap<String, String>, hostname: &str) -> Vec<(String, String)> {
    let mut env = BTreeMap::new();
    env.insert("PATH".to_string(), DEFAULT_PATH.to_string());
    env.insert("HOME".to_string(), "/root".to_string());
    env.insert("HOSTNAME".to_string(), hostname.to_string());
    for (key, value) in spec_env {
        env.insert(key.clone(), value.clone());
    }
    env.into_iter().collect()
}

#[async_trait::async_trait]
impl Runner for WasmRunner {
    async fn start(
        &self,
        spec: WorkloadSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        if let Some(reason) = Self::unsupported(&spec) {
            return Err(RunnerError::Unsupported(reason));
        }
        let (root, hostname) = self.make_root(&spec)?;
        let env = environment(&spec.env, &hostname);
        let stdin = match spec
            .stdin
            .as_ref()
            .and_then(simkit::runner::StdinFeed::take_receiver)
        {
            Some(receiver) => InputSource::feed(receiver),
            None => InputSource::empty(),
        };
        let cwd = spec
            .image
            .as_ref()
            .and_then(|image| image.working_dir.clone())
            .unwrap_or_else(|| "/".into());
        let (workload, stop) = self.launch(
            spec.name.clone(),
            spec.argv.clone(),
            env.clone(),
            cwd,
            root.clone(),
            stdin,
            sink,
            spec.timeout,
        );
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.retain(|r| r.workload.exit_status().is_none());
        running.push(Running {
            workload: workload.clone(),
            root,
            env: env.into_iter().collect(),
            stop,
        });
        Ok(workload)
    }

    fn shutdown(&self) {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        for entry in running.iter() {
            let _ = entry.stop.send(Some(137));
            entry.workload.kill();
        }
    }

    fn isolation(&self) -> Isolation {
        Isolation {
            runner: RUNNER.into(),
            process_tree: "wasm-instance".into(),
            user: "root inside the sandbox; no host user".into(),
            read_only_root: false,
            dies_with_simulator: "everything: instances run inside the simulator's process".into(),
        }
    }

    async fn group_network(&self, _spec: &NetworkSpec) -> Result<Option<GroupNetwork>, String> {
        Err(
            "the wasm runner gives workloads no network: WASI instances here have no sockets"
                .into(),
        )
    }

    async fn exec(
        &self,
        workload: &Workload,
        spec: ExecSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        let (root, mut env) = {
            let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            let entry = running
                .iter()
                .find(|r| r.workload.same_as(workload))
                .ok_or(RunnerError::NotRunning)?;
            (entry.root.clone(), entry.env.clone())
        };
        if workload.exit_status().is_some() {
            return Err(RunnerError::NotRunning);
        }
        if spec
            .user
            .as_deref()
            .is_some_and(|user| !matches!(user, "" | "0" | "root" | "0:0" | "root:root"))
        {
            return Err(RunnerError::Unsupported(
                "the wasm runner runs everything as root; it has no other users".into(),
            ));
        }
        for entry in &spec.env {
            if let Some((key, value)) = entry.split_once('=') {
                env.insert(key.to_string(), value.to_string());
            }
        }
        let stdin = match spec
            .stdin
            .as_ref()
            .and_then(simkit::runner::StdinFeed::take_receiver)
        {
            Some(receiver) => InputSource::feed(receiver),
            None => InputSource::empty(),
        };
        let cwd = spec.working_dir.clone().unwrap_or_else(|| "/".into());
        let (exec, _stop) = self.launch(
            spec.name.clone(),
            spec.argv.clone(),
            env.into_iter().collect(),
            cwd,
            root,
            stdin,
            sink,
            None,
        );
        Ok(exec)
    }
}
