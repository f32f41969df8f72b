//! [`WasmRunner`]: simkit's [`Runner`] over the sandbox. Each workload gets a root directory of
//! its own under the runner's scratch directory (with `/etc/hosts`, `/etc/hostname`,
//! `/etc/passwd`, `/etc/group`, `/tmp`), a thread for its shell, and a supervisor task that
//! turns stop, kill and timeouts into the status Docker reports (143, 137) and publishes the
//! exit once the output has reached the sink.
//!
//! A workload with an image runs in a copy of the image's files: the tree another runner
//! unpacks ([`WasmRunner::with_images`], the engine's `oci` runner, whose cache is shared),
//! copied once into the workload's writable layer (`rootfs/`, the scheme the engine's layer
//! module reads while no process runs) or into its scratch root. The files Docker binds over
//! (`/etc/hosts`, `/etc/hostname`) are written into that root at each start.
//!
//! Binds, volumes and tmpfs directories are laid over the root by [`Root`] and preopened for
//! instances at their container paths; a read-only one refuses writes.
//!
//! What it cannot do, and says so with [`RunnerError::Unsupported`]: binds of single files,
//! a read-only root, other users, terminals (`-t`), and networks (instances have no sockets at
//! all).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use simkit::clock::Clock;
use simkit::logs::{LogSink, Stream};
use simkit::runner::oci::image::{ImageConfig, ResolvedImage};
use simkit::runner::oci::network::{GroupNetwork, NetworkSpec};
use simkit::runner::{
    Control, ExecSpec, ExitReason, ExitStatus, Isolation, Runner, RunnerError, Workload,
    WorkloadImage, WorkloadSpec,
};
use tokio::sync::{mpsc, oneshot, watch};

use crate::host::{Container, SandboxHost};
use crate::root::{Bound, Root};
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
    /// The runner whose unpacked image trees this one copies (`image_root`).
    images: Option<Arc<dyn Runner>>,
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
            images: None,
        }
    }

    /// Workloads with an image run in a copy of the tree `images` unpacks it to.
    pub fn with_images(mut self, images: Arc<dyn Runner>) -> Self {
        self.images = Some(images);
        self
    }

    /// The directory a workload's root lives in: its writable layer's `rootfs/` (kept until
    /// the engine removes the container, so a restart finds its files), else a fresh scratch
    /// directory. With an image, the image's tree is copied there once, under a temporary
    /// name renamed into place, so a copy cut short is never taken for a root.
    async fn root_dir(
        &self,
        spec: &WorkloadSpec,
        number: u64,
    ) -> Result<(PathBuf, Option<ResolvedImage>), RunnerError> {
        let dir = match &spec.writable_layer {
            Some(layer) => layer.join("rootfs"),
            None => self.scratch.join(format!("root-{number}")),
        };
        let Some((image, located)) = spec
            .image
            .as_ref()
            .and_then(|image| image.located.as_ref().ok().map(|located| (image, located)))
        else {
            return Ok((dir, None));
        };
        let images = self.images.clone().ok_or_else(|| {
            RunnerError::Unsupported(format!(
                "this wasm runner was given no image store to lay out {}",
                image.reference
            ))
        })?;
        let lower = images.image_root(image).await.map_err(|problem| {
            RunnerError::Unsupported(format!("{}: {problem}", image.reference))
        })?;
        let store = located.store.clone();
        let digest = located.manifest_digest.clone();
        let resolved = tokio::task::spawn_blocking(move || {
            simkit::runner::oci::image::resolve(store.as_ref(), &digest)
        })
        .await
        .map_err(|join| RunnerError::Unsupported(join.to_string()))?
        .map_err(|error| RunnerError::Unsupported(format!("{}: {error}", image.reference)))?;
        if !dir.is_dir() {
            let target = dir.clone();
            tokio::task::spawn_blocking(move || {
                let partial = target.with_extension("partial");
                let _ = std::fs::remove_dir_all(&partial);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                simkit::runner::oci::unpack::copy_tree(&lower, &partial, true)?;
                std::fs::rename(&partial, &target)
            })
            .await
            .map_err(|join| RunnerError::Scratch(std::io::Error::other(join.to_string())))?
            .map_err(RunnerError::Scratch)?;
        }
        Ok((dir, Some(resolved)))
    }

    async fn make_root(
        &self,
        spec: &WorkloadSpec,
    ) -> Result<(Root, String, Option<ResolvedImage>), RunnerError> {
        let number = self.counter.fetch_add(1, Ordering::Relaxed);
        let (dir, resolved) = self.root_dir(spec, number).await?;
        let hostname = spec.hostname.clone().unwrap_or_else(|| {
            format!("{:012x}", number.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16)
        });
        // Docker binds its own hosts and hostname files over the image's at every start.
        let bound = [
            ("etc/hostname", format!("{hostname}\n")),
            (
                "etc/hosts",
                format!(
                    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n"
                ),
            ),
        ];
        // An image's own users and groups are kept; a root without them gets root's.
        let defaults = [
            ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n".to_string()),
            ("etc/group", "root:x:0:\nnogroup:x:65534:\n".to_string()),
        ];
        std::fs::create_dir_all(&dir).map_err(RunnerError::Scratch)?;
        if resolved.is_none() {
            for sub in ["bin", "usr/bin"] {
                std::fs::create_dir_all(dir.join(sub)).map_err(RunnerError::Scratch)?;
            }
        }
        // Mount points are made in the root, as the runtime makes them.
        let bare = Root::new(&dir);
        for mount in &spec.mounts {
            let mut prefix = String::new();
            for component in mount.destination.split('/').filter(|c| !c.is_empty()) {
                prefix.push('/');
                prefix.push_str(component);
                let target = bare.resolve(&prefix, true).map_err(RunnerError::Scratch)?;
                if !target.is_dir() {
                    std::fs::create_dir_all(target).map_err(RunnerError::Scratch)?;
                }
            }
        }
        let mounts = spec
            .mounts
            .iter()
            .map(|m| Bound::new(&m.destination, &m.source, m.read_only))
            .collect();
        let root = Root::with_mounts(dir, mounts);
        for sub in ["/etc", "/tmp", "/root"] {
            // Through the root, so an image's symlinked directory is followed inside it.
            let target = root.resolve(sub, true).map_err(RunnerError::Scratch)?;
            std::fs::create_dir_all(target).map_err(RunnerError::Scratch)?;
        }
        for (path, content) in bound {
            let target = root
                .resolve(&format!("/{path}"), false)
                .map_err(RunnerError::Scratch)?;
            let _ = std::fs::remove_file(&target);
            std::fs::write(target, content).map_err(RunnerError::Scratch)?;
        }
        for (path, content) in defaults {
            let target = root
                .resolve(&format!("/{path}"), true)
                .map_err(RunnerError::Scratch)?;
            if !target.exists() {
                std::fs::write(target, content).map_err(RunnerError::Scratch)?;
            }
        }
        Ok((root, hostname, resolved))
    }

    fn unsupported(spec: &WorkloadSpec) -> Option<String> {
        if let Some(file) = spec.mounts.iter().find(|m| !m.source.is_dir()) {
            return Some(format!(
                "the wasm runner binds directories only, not {}",
                file.source.display()
            ));
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
        if spec.terminal.is_some() {
            return Some("the wasm runner has no terminals (run without -t)".into());
        }
        None
    }

    /// Starts `argv` in `root` on a thread of its own; the returned handle is supervised.
    #[allow(clippy::too_many_arguments)]
    async fn launch(
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
        let term = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let container = Arc::new(Container {
            root,
            userland: self.userland.clone(),
            handle: tokio::runtime::Handle::current(),
            stop: stop_receiver,
            term: term.clone(),
        });
        let mut host = SandboxHost {
            container,
            stdin,
            stdout: OutputTarget::Lines(stdout.clone()),
            stderr: OutputTarget::Lines(stderr.clone()),
        };
        let (done_sender, done) = oneshot::channel();
        // Whether the command can be started at all, known before `start` returns, as a
        // runtime's create fails before the container runs (Docker's 127 and 126).
        let (ready_sender, ready) = oneshot::channel::<Result<(), (i32, String)>>();
        let thread_name = format!("wasm {name}");
        let spawned = std::thread::Builder::new()
            .name(thread_name)
            .spawn(move || {
                let checked = match argv.first() {
                    Some(command) => host.check_command(command, &env, &cwd),
                    None => Ok(()),
                };
                let failed = checked.is_err();
                let _ = ready_sender.send(checked);
                if failed {
                    return;
                }
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
        let spawned = match spawned {
            Ok(thread) => match ready.await {
                Ok(Ok(())) => Ok(thread),
                Ok(Err((code, message))) => {
                    let _ = exit_sender.send(Some(ExitStatus {
                        code,
                        reason: ExitReason::SpawnFailed { message },
                        started_at,
                        finished_at: clock.now(),
                    }));
                    return (workload, stop_sender);
                }
                Err(_) => Err(std::io::Error::other("the sandbox thread ended at once")),
            },
            Err(error) => Err(error),
        };
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
                    // After a stop, the grace period before the kill.
                    let mut grace: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
                    let result = loop {
                        tokio::select! {
                            result = &mut done => break result,
                            () = async { grace.as_mut().expect("armed").await }, if grace.is_some() => {
                                grace = None;
                                let _ = stop_for_kill.send(Some(137));
                            }
                            message = control.recv() => match message {
                                Some(Control::Stop { grace: period }) => {
                                    // SIGTERM: a shell with a TERM trap runs it; anything
                                    // else, as a container's PID 1, ignores it until the kill.
                                    reason = ExitReason::Stopped;
                                    term.store(true, std::sync::atomic::Ordering::SeqCst);
                                    if grace.is_none() {
                                        grace = Some(Box::pin(tokio::time::sleep(period)));
                                    }
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
                        // Exited by itself, or after a SIGTERM it trapped (still `Stopped`, as runc reports).
                        (Ok(Ok(code)), None) => (code, reason),
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

/// What a workload with an image runs: the definition's entrypoint (and its command, the
/// image's dropped), else the image's entrypoint and the definition's command or the image's.
fn image_argv(image: Option<&WorkloadImage>, config: &ImageConfig) -> Vec<String> {
    let Some(image) = image else {
        return Vec::new();
    };
    let (entrypoint, command) = match &image.entrypoint {
        Some(entrypoint) => (
            entrypoint.clone(),
            image.command.clone().unwrap_or_default(),
        ),
        None => (
            config.entrypoint.clone().unwrap_or_default(),
            image
                .command
                .clone()
                .or_else(|| config.cmd.clone())
                .unwrap_or_default(),
        ),
    };
    entrypoint.into_iter().chain(command).collect()
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
        let (root, hostname, resolved) = self.make_root(&spec).await?;
        let config = resolved.map(|image| image.config).unwrap_or_default();
        let mut spec_env = BTreeMap::new();
        for entry in &config.env {
            let (key, value) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
            spec_env.insert(key.to_string(), value.to_string());
        }
        spec_env.extend(spec.env.clone());
        let env = environment(&spec_env, &hostname);
        let argv = if spec.argv.is_empty() {
            image_argv(spec.image.as_ref(), &config)
        } else {
            spec.argv.clone()
        };
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
            .or(config.working_dir.filter(|dir| !dir.is_empty()))
            .unwrap_or_else(|| "/".into());
        // The runtime makes a working directory the image lacks, as runc does.
        let made = root.resolve(&cwd, true).and_then(std::fs::create_dir_all);
        made.map_err(RunnerError::Scratch)?;
        let (workload, stop) = self
            .launch(
                spec.name.clone(),
                argv,
                env.clone(),
                cwd,
                root.clone(),
                stdin,
                sink,
                spec.timeout,
            )
            .await;
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

    async fn image_root(&self, image: &WorkloadImage) -> Result<PathBuf, String> {
        match &self.images {
            Some(images) => images.image_root(image).await,
            None => Err("this wasm runner was given no image store".into()),
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
        if spec.terminal.is_some() {
            return Err(RunnerError::Unsupported(
                "the wasm runner has no terminals (exec without -t)".into(),
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
        let (exec, _stop) = self
            .launch(
                spec.name.clone(),
                spec.argv.clone(),
                env.into_iter().collect(),
                cwd,
                root,
                stdin,
                sink,
                None,
            )
            .await;
        Ok(exec)
    }
}
