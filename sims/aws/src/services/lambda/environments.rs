//! Execution environments. An environment is one process started through the kit's runner
//! (the user's `bootstrap`, an image's command, or our own runtime client for the managed
//! runtimes) with the environment variables Lambda sets, and a Lambda Runtime API of its own
//! on `127.0.0.1:PORT` (served by `crate::lambda_endpoints`). Invocations reach it through
//! that API; this module keeps the pools of warm environments per function version, bounds
//! concurrency by reserved concurrency, enforces timeouts (a timed-out environment is
//! recycled), and writes the function's output and the platform lines (`INIT_START`, `START`,
//! `END`, `REPORT`) to CloudWatch Logs.
//!
//! No HTTP here: [`RuntimeApi`] is the channel state the runtime API server reads and writes.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine;
use simkit::Kit;
use simkit::logs::{LogLine, LogSink};
use simkit::runner::{ExitStatus, Workload, WorkloadImage, WorkloadSpec};
use tokio::sync::{mpsc, watch};

use super::{CodeRecord, LambdaError, code};
use crate::services::logs::Logs;
use crate::services::sts::Sts;
use sim_aws_shapes::lambda::ImageConfig;

/// Our runtime client for `python3.x`: loads the handler and loops on the Runtime API.
const PYTHON_RUNTIME: &str = include_str!("bootstrap/runtime.py");
/// Our runtime client for `nodejs*`.
const NODE_RUNTIME: &str = include_str!("bootstrap/runtime.js");

/// How long an environment may take to initialise before its first invocation starts.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long role credentials handed to an environment last.
const CREDENTIALS_SECONDS: i64 = 12 * 3600;
/// What `LogType=Tail` returns: the last 4 KB of the invocation's log.
const TAIL_BYTES: usize = 4096;
/// How long an invocation's end waits for the function's last output lines to be read.
const OUTPUT_DRAIN: Duration = Duration::from_millis(500);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Everything needed to start an environment for one function version.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The function's store key: concurrency is counted per function.
    pub function_key: String,
    /// The function, version and configuration revision: environments are reused only for
    /// the same code and configuration.
    pub pool_key: String,
    pub account_id: String,
    pub region: String,
    pub function_name: String,
    pub version: String,
    pub runtime: Option<String>,
    pub handler: Option<String>,
    pub code: CodeRecord,
    pub code_sha256: String,
    pub image_config: Option<ImageConfig>,
    /// Layer zips, in the function's order (later layers override earlier ones).
    pub layers: Vec<Vec<u8>>,
    pub variables: BTreeMap<String, String>,
    pub memory_mb: i32,
    pub timeout_seconds: i32,
    pub role: String,
    pub log_group: String,
    pub reserved_concurrency: Option<i32>,
}

/// One invocation as the runtime sees it.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub request_id: String,
    pub payload: Vec<u8>,
    pub deadline_ms: i64,
    pub invoked_function_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
}

/// What the runtime reported for an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Reported {
    Response(Vec<u8>),
    Error(Vec<u8>),
    InitError(Vec<u8>),
}

#[derive(Debug)]
enum Progress {
    Started,
    Done(Reported),
}

/// The state behind one environment's Runtime API.
pub struct RuntimeApi {
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    sender: mpsc::Sender<Invocation>,
    /// Where the invocation in flight reports progress.
    current: Mutex<Option<mpsc::UnboundedSender<Progress>>>,
    /// The invocation handed out by `next`, until it reports.
    in_flight: Mutex<Option<String>>,
}

impl RuntimeApi {
    fn new() -> Arc<Self> {
        let (sender, queue) = mpsc::channel(1);
        Arc::new(Self {
            queue: tokio::sync::Mutex::new(queue),
            sender,
            current: Mutex::new(None),
            in_flight: Mutex::new(None),
        })
    }

    /// `GET /runtime/invocation/next`: waits for the next invocation.
    pub async fn next(&self) -> Option<Invocation> {
        let invocation = self.queue.lock().await.recv().await?;
        *lock(&self.in_flight) = Some(invocation.request_id.clone());
        if let Some(current) = lock(&self.current).as_ref() {
            let _ = current.send(Progress::Started);
        }
        Some(invocation)
    }

    /// `POST /runtime/invocation/{id}/response` or `/error`. False when `request_id` is not
    /// the invocation in flight.
    pub fn report(&self, request_id: &str, reported: Reported) -> bool {
        let mut in_flight = lock(&self.in_flight);
        if in_flight.as_deref() != Some(request_id) {
            return false;
        }
        *in_flight = None;
        if let Some(current) = lock(&self.current).as_ref() {
            let _ = current.send(Progress::Done(reported));
        }
        true
    }

    /// `POST /runtime/init/error`.
    pub fn init_error(&self, body: Vec<u8>) {
        if let Some(current) = lock(&self.current).as_ref() {
            let _ = current.send(Progress::Done(Reported::InitError(body)));
        }
    }
}

/// What starting a Runtime API's HTTP server gives: its address and a switch that stops it.
pub type RuntimeApiStart = std::pin::Pin<
    Box<dyn std::future::Future<Output = std::io::Result<(String, watch::Sender<bool>)>> + Send>,
>;

/// Starts the HTTP server of a Runtime API.
pub type ServeRuntimeApi = fn(Arc<RuntimeApi>) -> RuntimeApiStart;

/// The sink of an environment's output: every line to CloudWatch Logs; during an invocation
/// also to the invocation's log (for `LogType=Tail`). Our runtime clients end each
/// invocation's output with a mark line on stdout and stderr, which the sink swallows and
/// counts, so the invocation knows its last lines have been read.
struct EnvironmentSink {
    logs: Arc<Logs>,
    account_id: String,
    region: String,
    group: String,
    stream: String,
    mark: String,
    capture: Mutex<Option<Vec<String>>>,
    marks: watch::Sender<usize>,
}

impl EnvironmentSink {
    fn write(&self, millis: i64, text: &str) {
        if let Err(error) = self.logs.append(
            &self.account_id,
            &self.region,
            &self.group,
            &self.stream,
            vec![(millis, text.to_string())],
        ) {
            tracing::debug!(%error, group = %self.group, "a Lambda log line was not stored");
        }
    }
}

impl LogSink for EnvironmentSink {
    fn line(&self, line: LogLine) {
        if line.text.starts_with(&self.mark) {
            self.marks.send_modify(|count| *count += 1);
            return;
        }
        if line.text.is_empty() {
            return;
        }
        if let Some(captured) = lock(&self.capture).as_mut() {
            captured.push(line.text.clone());
        }
        self.write(simkit::clock::millis_since_epoch(line.time), &line.text);
    }
}

/// A running environment.
struct Environment {
    workload: Workload,
    api: Arc<RuntimeApi>,
    sink: Arc<EnvironmentSink>,
    stop_server: watch::Sender<bool>,
    /// Whether it has served an invocation (the first one pays the init).
    warm: bool,
    /// Whether our runtime client writes marks (the managed runtimes do; a custom one not).
    marks_output: bool,
    started: Instant,
    /// Directories of this environment alone (its `/opt`, an image's `/tmp`), removed with it.
    own_dirs: Vec<PathBuf>,
}

impl Environment {
    fn stop(&self) {
        self.workload.kill();
        self.stop_server.send_replace(true);
        for dir in &self.own_dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// How an invocation ended, for the caller and the platform lines.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub payload: Vec<u8>,
    /// `Unhandled` (or `Handled`) when the function failed.
    pub function_error: Option<String>,
    /// The invocation's log, for `LogType=Tail` (base64 of the last 4 KB).
    pub log_tail: String,
}

#[derive(Default)]
struct Pools {
    idle: HashMap<String, Vec<Environment>>,
    /// Busy environments per function.
    busy: HashMap<String, usize>,
    /// Functions whose environments must not be reused (updated or deleted meanwhile), with
    /// the pool keys retired.
    retired: std::collections::HashSet<String>,
}

/// The execution environments of every function.
pub struct Environments {
    kit: Kit,
    logs: Arc<Logs>,
    sts: Arc<Sts>,
    endpoint: OnceLock<String>,
    serve: OnceLock<ServeRuntimeApi>,
    pools: Mutex<Pools>,
    /// Where code, layers and our runtime clients are unpacked.
    root: PathBuf,
    python: PathBuf,
    node: PathBuf,
    next_id: AtomicUsize,
    /// Where image functions' images are found (ECR).
    image_locator: OnceLock<crate::services::ecs::ImageLocator>,
}

impl Environments {
    pub fn new(kit: Kit, logs: Arc<Logs>, sts: Arc<Sts>) -> Arc<Self> {
        let root = std::env::temp_dir().join(format!("sockerless-lambda-{}", std::process::id()));
        let clients = std::env::var_os("SOCKERLESS_CLIENTS")
            .map_or_else(|| PathBuf::from("/opt/sockerless-clients"), PathBuf::from);
        let workload_python = clients.join("workload-python/bin/python3");
        let python = if workload_python.exists() {
            workload_python
        } else {
            find_on_path("python3").unwrap_or_else(|| PathBuf::from("/usr/bin/python3"))
        };
        let node = find_on_path("node").unwrap_or_else(|| PathBuf::from("/usr/bin/node"));
        Arc::new(Self {
            kit,
            logs,
            sts,
            endpoint: OnceLock::new(),
            serve: OnceLock::new(),
            pools: Mutex::default(),
            root,
            python,
            node,
            next_id: AtomicUsize::new(0),
            image_locator: OnceLock::new(),
        })
    }

    /// Connects the registry image functions run from.
    pub fn set_image_locator(&self, locator: crate::services::ecs::ImageLocator) {
        let _ = self.image_locator.set(locator);
    }

    pub fn set_endpoint(&self, url: &str) {
        let _ = self.endpoint.set(url.to_string());
    }

    /// Gives the function that serves Runtime APIs (the HTTP layer's).
    pub fn set_server(&self, serve: ServeRuntimeApi) {
        let _ = self.serve.set(serve);
    }

    /// Stops every environment now (reset, shutdown).
    pub fn stop_all_now(&self) {
        let mut pools = lock(&self.pools);
        for environment in pools.idle.drain().flat_map(|(_, envs)| envs) {
            environment.stop();
        }
        let busy: Vec<String> = pools.busy.keys().cloned().collect();
        pools.retired.extend(busy);
    }

    /// Stops a function's idle environments; busy ones stop when their invocation ends.
    /// Called when its code or configuration changes and when it is deleted.
    pub fn retire_function(&self, function_key: &str) {
        let prefix = format!("{function_key}\0");
        let mut pools = lock(&self.pools);
        let keys: Vec<String> = pools
            .idle
            .keys()
            .filter(|key| key.starts_with(&prefix))
            .cloned()
            .collect();
        for key in keys {
            for environment in pools.idle.remove(&key).unwrap_or_default() {
                environment.stop();
            }
        }
        if pools.busy.get(function_key).copied().unwrap_or(0) > 0 {
            pools.retired.insert(function_key.to_string());
        }
    }

    /// How many environments are running a function now.
    pub fn busy(&self, function_key: &str) -> usize {
        lock(&self.pools)
            .busy
            .get(function_key)
            .copied()
            .unwrap_or(0)
    }

    /// Runs one invocation: on a warm environment of the same version when one is idle, else
    /// on a new one, within the function's reserved concurrency.
    pub async fn invoke(
        &self,
        launch: &Launch,
        invocation: Invocation,
    ) -> Result<Outcome, LambdaError> {
        let reused = {
            let mut pools = lock(&self.pools);
            let busy = pools.busy.get(&launch.function_key).copied().unwrap_or(0);
            if let Some(reserved) = launch.reserved_concurrency
                && busy >= reserved.max(0) as usize
            {
                return Err(LambdaError::TooManyRequests {
                    message: "Rate Exceeded.".into(),
                    reason: "ReservedFunctionConcurrentInvocationLimitExceeded".into(),
                });
            }
            *pools.busy.entry(launch.function_key.clone()).or_default() += 1;
            pools.idle.get_mut(&launch.pool_key).and_then(Vec::pop)
        };
        let environment = match reused {
            Some(environment) => Ok(environment),
            None => self.start(launch).await,
        };
        let mut environment = match environment {
            Ok(environment) => environment,
            Err(error) => {
                self.release(launch, None);
                return Err(error);
            }
        };
        let (outcome, keep) = self.run(launch, &mut environment, invocation).await;
        if keep {
            self.release(launch, Some(environment));
        } else {
            environment.stop();
            self.release(launch, None);
        }
        Ok(outcome)
    }

    fn release(&self, launch: &Launch, environment: Option<Environment>) {
        let mut pools = lock(&self.pools);
        let busy = pools.busy.entry(launch.function_key.clone()).or_default();
        *busy = busy.saturating_sub(1);
        let now_idle = *busy == 0;
        let retired = pools.retired.contains(&launch.function_key);
        if now_idle {
            pools.busy.remove(&launch.function_key);
            pools.retired.remove(&launch.function_key);
        }
        match environment {
            Some(environment) if !retired => {
                pools
                    .idle
                    .entry(launch.pool_key.clone())
                    .or_default()
                    .push(environment);
            }
            Some(environment) => environment.stop(),
            None => {}
        }
    }

    /// Starts an environment: unpacks code and layers, starts the Runtime API and the process.
    async fn start(&self, launch: &Launch) -> Result<Environment, LambdaError> {
        let serve = self
            .serve
            .get()
            .ok_or_else(|| LambdaError::Service("The Runtime API is not available.".into()))?;
        let id = self.kit.ids().hex(32);
        // An image function's image, checked before anything is started for it; a zip
        // function of a managed runtime runs in the runtimes image when the runner has it.
        let image = self.image_of(launch).await?;
        let runtimes = match &image {
            None => self.runtimes_image(launch),
            Some(_) => None,
        };
        let task_root = self.unpack_code(launch)?;
        let opt_dir = self.unpack_layers(launch, &id)?;
        let api = RuntimeApi::new();
        let (address, stop_server) = serve(api.clone())
            .await
            .map_err(|error| LambdaError::Service(format!("Runtime API: {error}")))?;

        let date = super::lambda_time(self.kit.clock().now_millis());
        let stream = format!(
            "{}/{}/{}/[{}]{id}",
            &date[0..4],
            &date[5..7],
            &date[8..10],
            launch.version
        );
        let log_ready = self
            .logs
            .ensure_group(&launch.account_id, &launch.region, &launch.log_group)
            .and_then(|()| {
                self.logs.ensure_stream(
                    &launch.account_id,
                    &launch.region,
                    &launch.log_group,
                    &stream,
                )
            });
        if let Err(error) = log_ready {
            tracing::debug!(%error, group = %launch.log_group, "Lambda log group not ready");
        }
        let mark = format!("\u{1e}sockerless-mark-{}", self.kit.ids().hex(16));
        let (marks, _) = watch::channel(0);
        let sink = Arc::new(EnvironmentSink {
            logs: self.logs.clone(),
            account_id: launch.account_id.clone(),
            region: launch.region.clone(),
            group: launch.log_group.clone(),
            stream: stream.clone(),
            mark: mark.clone(),
            capture: Mutex::new(Some(Vec::new())),
            marks,
        });
        let (mut argv, marks_output) = self.command(launch, &task_root)?;
        let mut env = self.environment_variables(
            launch,
            &address,
            &task_root,
            opt_dir.as_deref(),
            &stream,
            &mark,
        );
        let mut own_dirs: Vec<PathBuf> = opt_dir.iter().cloned().collect();
        let mut mounts = Vec::new();
        let mut resources = simkit::runner::WorkloadResources::default();
        if image.is_some() {
            image_environment(&mut env);
            for (key, value) in &launch.variables {
                env.entry(key.clone()).or_insert_with(|| value.clone());
            }
            let tmp = self.image_tmp(&id)?;
            mounts.push(simkit::runner::WorkloadMount {
                source: tmp.clone(),
                destination: "/tmp".into(),
                read_only: false,
            });
            own_dirs.push(tmp);
            resources.memory_limit =
                Some(u64::try_from(launch.memory_mb.max(128)).unwrap_or(128) << 20);
        }
        if runtimes.is_some() {
            // The same runtime client, code and layers, bound where Lambda has them.
            argv.clear();
            runtimes_environment(&mut env, opt_dir.is_some());
            let tmp = self.image_tmp(&id)?;
            let bind = |source: PathBuf, destination: &str, read_only: bool| {
                simkit::runner::WorkloadMount {
                    source,
                    destination: destination.into(),
                    read_only,
                }
            };
            mounts.push(bind(task_root.clone(), "/var/task", true));
            mounts.push(bind(self.root.join("runtime"), "/var/runtime", true));
            if let Some(opt) = &opt_dir {
                mounts.push(bind(opt.clone(), "/opt", true));
            }
            mounts.push(bind(tmp.clone(), "/tmp", false));
            own_dirs.push(tmp);
            resources.memory_limit =
                Some(u64::try_from(launch.memory_mb.max(128)).unwrap_or(128) << 20);
            tracing::info!(function = %launch.function_name, image = %runtimes.as_ref().map(|i| i.reference.as_str()).unwrap_or_default(), "the zip function runs in the runtimes image");
        }
        let runtime_version = launch
            .runtime
            .clone()
            .unwrap_or_else(|| "provided:al2023".into());
        sink.write(
            self.kit.clock().now_millis(),
            &format!(
                "INIT_START Runtime Version: {}.v1\tRuntime Version ARN: arn:aws:lambda:{}::runtime:{}",
                runtime_version.replace("python", "python:").replace("nodejs", "nodejs:"),
                launch.region,
                super::code::sha256_hex(runtime_version.as_bytes())
            ),
        );
        let in_runtimes = runtimes.is_some();
        let in_image = image.is_some() || in_runtimes;
        let image = image.or(runtimes);
        let spec = WorkloadSpec {
            name: format!("lambda/{}/{id}", launch.function_name),
            argv,
            env,
            timeout: None,
            stop_grace: Duration::from_millis(500),
            // Lambda runs an image as its own least-privileged user, on a read-only root with
            // a writable /tmp.
            user: in_image.then(|| LAMBDA_USER.to_string()),
            read_only_root: in_image,
            image,
            mounts,
            hostname: None,
            resources,
            network_namespace: None,
            stdin: None,
            writable_layer: None,
            terminal: None,
        };
        let sink_for_runner: Arc<dyn LogSink> = sink.clone();
        let workload = self
            .kit
            .runner()
            .start(spec, sink_for_runner)
            .await
            .map_err(|error| {
                LambdaError::Service(format!("could not start the environment: {error}"))
            })?;
        if in_image && workload.runner() != "oci" {
            // `auto` ran it as a host process: an image function never runs outside its image.
            workload.kill();
            stop_server.send_replace(true);
            for dir in &own_dirs {
                let _ = std::fs::remove_dir_all(dir);
            }
            return Err(LambdaError::Service(if in_runtimes {
                "The runtimes image could not be run here.".into()
            } else {
                IMAGE_NEEDS_RUNTIME.into()
            }));
        }
        if let Some(ExitStatus {
            reason: simkit::runner::ExitReason::PullFailed { message },
            ..
        }) = workload.exit_status()
        {
            stop_server.send_replace(true);
            for dir in &own_dirs {
                let _ = std::fs::remove_dir_all(dir);
            }
            let what = if in_runtimes {
                "The runtimes image"
            } else {
                "The function's image"
            };
            return Err(LambdaError::Service(format!(
                "{what} could not be read: {message}"
            )));
        }
        self.next_id.fetch_add(1, Ordering::Relaxed);
        Ok(Environment {
            workload,
            api,
            sink,
            stop_server,
            warm: false,
            marks_output,
            started: self.kit.clock().monotonic(),
            own_dirs,
        })
    }

    /// The image an image function runs in, with `ImageConfig` applied field by field over the
    /// image's own config (an `EntryPoint` alone keeps the image's `CMD`); `None` for a zip
    /// function. Lambda's explicit errors when the runner cannot run images here or the image
    /// is gone from the registry.
    async fn image_of(&self, launch: &Launch) -> Result<Option<WorkloadImage>, LambdaError> {
        let Some(image_uri) = &launch.code.image_uri else {
            return Ok(None);
        };
        if self.kit.runner().isolation().runner == "process" {
            return Err(LambdaError::Service(IMAGE_NEEDS_RUNTIME.into()));
        }
        let pinned = launch
            .code
            .resolved_image_uri
            .clone()
            .unwrap_or_else(|| image_uri.clone());
        let located = self
            .image_locator
            .get()
            .ok_or_else(|| "no registry is connected".to_string())
            .and_then(|locate| locate(&pinned))
            .map_err(|why| {
                LambdaError::Service(format!(
                    "The function's image {pinned} cannot be had from ECR: {why}"
                ))
            })?;
        let overrides = launch.image_config.clone().unwrap_or_default();
        let image_cmd = if overrides.entry_point.is_some() && overrides.command.is_none() {
            let store = located.store.clone();
            let digest = located.manifest_digest.clone();
            tokio::task::spawn_blocking(move || {
                simkit::runner::oci::image::resolve(store.as_ref(), &digest)
            })
            .await
            .map_err(|join| LambdaError::Service(join.to_string()))?
            .map_err(|error| {
                LambdaError::Service(format!("The function's image could not be read: {error}"))
            })?
            .config
            .cmd
        } else {
            None
        };
        Ok(Some(WorkloadImage {
            reference: pinned,
            located: Ok(located),
            entrypoint: overrides.entry_point,
            command: overrides.command.or(image_cmd),
            working_dir: overrides.working_directory,
        }))
    }

    /// The runtimes image (`scripts/images runtimes`, seeded under [`RUNTIMES_IMAGE`]) a zip
    /// function of a `python*` or `nodejs*` runtime runs in, with our runtime client as its
    /// entrypoint, when the runner runs images and has it; `None` runs it on the host.
    fn runtimes_image(&self, launch: &Launch) -> Option<WorkloadImage> {
        let runtime = launch.runtime.as_deref().unwrap_or_default();
        let entrypoint = if runtime.starts_with("python") {
            ["python3", "/var/runtime/runtime.py"]
        } else if runtime.starts_with("nodejs") {
            ["node", "/var/runtime/runtime.js"]
        } else {
            return None;
        };
        let (reference, located) = self.kit.runner().local_image(RUNTIMES_IMAGE)?;
        Some(WorkloadImage {
            reference,
            located: Ok(located),
            entrypoint: Some(entrypoint.map(String::from).to_vec()),
            command: Some(Vec::new()),
            working_dir: Some("/var/task".into()),
        })
    }

    /// An image function environment's `/tmp`: writable by Lambda's user, removed with the
    /// environment.
    fn image_tmp(&self, id: &str) -> Result<PathBuf, LambdaError> {
        let make = || -> std::io::Result<PathBuf> {
            use std::os::unix::fs::PermissionsExt;
            let dir = self.root.join("tmp").join(id);
            std::fs::create_dir_all(&dir)?;
            std::fs::set_permissions(
                self.root.join("tmp"),
                std::fs::Permissions::from_mode(0o711),
            )?;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o1777))?;
            Ok(dir)
        };
        prepare_root(&self.root)?;
        make().map_err(|error| {
            LambdaError::Service(format!("could not prepare the environment's /tmp: {error}"))
        })
    }

    /// The code directory of a zip function, unpacked once per code digest.
    fn unpack_code(&self, launch: &Launch) -> Result<PathBuf, LambdaError> {
        let Some(zip) = &launch.code.zip else {
            return Ok(self.root.join("image"));
        };
        let digest = code::sha256_hex(zip);
        let dir = self.root.join("code").join(&digest);
        if !dir.join(".complete").exists() {
            prepare_root(&self.root)?;
            let staging = self
                .root
                .join("code")
                .join(format!("{digest}.{}", self.kit.ids().hex(8)));
            code::extract(zip, &staging)
                .and_then(|()| std::fs::write(staging.join(".complete"), b""))
                .and_then(|()| match std::fs::rename(&staging, &dir) {
                    // Another environment unpacked the same code meanwhile.
                    Err(_) if dir.join(".complete").exists() => std::fs::remove_dir_all(&staging),
                    other => other,
                })
                .map_err(|error| {
                    LambdaError::Service(format!("could not unpack the code: {error}"))
                })?;
        }
        Ok(dir)
    }

    /// The environment's `/opt`: its layers unpacked in order (absent without layers).
    fn unpack_layers(&self, launch: &Launch, id: &str) -> Result<Option<PathBuf>, LambdaError> {
        if launch.layers.is_empty() {
            return Ok(None);
        }
        prepare_root(&self.root)?;
        let dir = self.root.join("opt").join(id);
        for layer in &launch.layers {
            code::extract(layer, &dir).map_err(|error| {
                LambdaError::Service(format!("could not unpack a layer: {error}"))
            })?;
        }
        Ok(Some(dir))
    }

    /// What the environment runs, and whether it is our runtime client (which marks output).
    fn command(
        &self,
        launch: &Launch,
        task_root: &Path,
    ) -> Result<(Vec<String>, bool), LambdaError> {
        let runtime = launch.runtime.as_deref().unwrap_or_default();
        let text = |path: &Path| path.to_string_lossy().into_owned();
        if launch.code.image_uri.is_some() {
            // The runner merges the image's config with `ImageConfig` (see `image_of`).
            return Ok((Vec::new(), false));
        }
        if runtime.starts_with("python") {
            let client = self.write_runtime_client("runtime.py", PYTHON_RUNTIME)?;
            return Ok((vec![text(&self.python), text(&client)], true));
        }
        if runtime.starts_with("nodejs") {
            let client = self.write_runtime_client("runtime.js", NODE_RUNTIME)?;
            return Ok((vec![text(&self.node), text(&client)], true));
        }
        // `provided.*` (and runtimes we have no interpreter for): the zip's own bootstrap.
        Ok((vec![text(&task_root.join("bootstrap"))], false))
    }

    fn write_runtime_client(&self, name: &str, source: &str) -> Result<PathBuf, LambdaError> {
        prepare_root(&self.root)?;
        let dir = self.root.join("runtime");
        let path = dir.join(name);
        let write = || -> std::io::Result<()> {
            use std::os::unix::fs::PermissionsExt;
            std::fs::create_dir_all(&dir)?;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
            if std::fs::read_to_string(&path).ok().as_deref() != Some(source) {
                let staging = dir.join(format!("{name}.{}", self.kit.ids().hex(8)));
                std::fs::write(&staging, source)?;
                std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o644))?;
                std::fs::rename(&staging, &path)?;
            }
            Ok(())
        };
        write().map_err(|error| {
            LambdaError::Service(format!("could not write the runtime: {error}"))
        })?;
        Ok(path)
    }

    #[allow(clippy::too_many_arguments)]
    fn environment_variables(
        &self,
        launch: &Launch,
        address: &str,
        task_root: &Path,
        opt_dir: Option<&Path>,
        stream: &str,
        mark: &str,
    ) -> BTreeMap<String, String> {
        let task_root = task_root.to_string_lossy().into_owned();
        let mut env = BTreeMap::new();
        let mut path = Vec::new();
        if let Some(opt) = opt_dir {
            path.push(format!("{}/bin", opt.display()));
            env.insert("_SOCKERLESS_OPT".into(), opt.display().to_string());
            env.insert(
                "PYTHONPATH".into(),
                format!(
                    "{0}/python:{0}/python/lib/python3/site-packages",
                    opt.display()
                ),
            );
            env.insert(
                "NODE_PATH".into(),
                format!(
                    "{0}/nodejs/node_modules:{0}/nodejs/node_modules",
                    opt.display()
                ),
            );
        }
        if let Some(bin) = self.python.parent() {
            path.push(bin.display().to_string());
        }
        path.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(String::from));
        path.push(task_root.clone());
        let set = |env: &mut BTreeMap<String, String>, key: &str, value: String| {
            env.insert(key.to_string(), value);
        };
        set(&mut env, "PATH", path.join(":"));
        set(&mut env, "AWS_LAMBDA_RUNTIME_API", address.to_string());
        set(
            &mut env,
            "AWS_LAMBDA_FUNCTION_NAME",
            launch.function_name.clone(),
        );
        set(
            &mut env,
            "AWS_LAMBDA_FUNCTION_VERSION",
            launch.version.clone(),
        );
        set(
            &mut env,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            launch.memory_mb.to_string(),
        );
        set(
            &mut env,
            "AWS_LAMBDA_LOG_GROUP_NAME",
            launch.log_group.clone(),
        );
        set(&mut env, "AWS_LAMBDA_LOG_STREAM_NAME", stream.to_string());
        set(
            &mut env,
            "AWS_LAMBDA_INITIALIZATION_TYPE",
            "on-demand".into(),
        );
        set(&mut env, "AWS_REGION", launch.region.clone());
        set(&mut env, "AWS_DEFAULT_REGION", launch.region.clone());
        set(&mut env, "LAMBDA_TASK_ROOT", task_root.clone());
        set(
            &mut env,
            "LAMBDA_RUNTIME_DIR",
            self.root.join("runtime").display().to_string(),
        );
        set(&mut env, "TZ", ":UTC".into());
        set(&mut env, "LANG", "en_US.UTF-8".into());
        set(&mut env, "PYTHONUNBUFFERED", "1".into());
        set(&mut env, "_SOCKERLESS_LOG_MARK", mark.to_string());
        if let Some(handler) = &launch.handler {
            set(&mut env, "_HANDLER", handler.clone());
        }
        if let Some(runtime) = &launch.runtime {
            set(
                &mut env,
                "AWS_EXECUTION_ENV",
                format!("AWS_Lambda_{runtime}"),
            );
        }
        if let Some(endpoint) = self.endpoint.get() {
            set(&mut env, "AWS_ENDPOINT_URL", endpoint.clone());
        }
        match self.sts.credentials_for_role(
            &launch.role,
            &launch.function_name,
            CREDENTIALS_SECONDS,
        ) {
            Ok(credentials) => {
                set(&mut env, "AWS_ACCESS_KEY_ID", credentials.access_key_id);
                set(
                    &mut env,
                    "AWS_SECRET_ACCESS_KEY",
                    credentials.secret_access_key,
                );
                set(&mut env, "AWS_SESSION_TOKEN", credentials.session_token);
            }
            Err(error) => {
                tracing::debug!(%error, role = %launch.role, "no credentials for the execution role");
            }
        }
        // The function's own variables win over ours, except the reserved ones Lambda keeps.
        for (key, value) in &launch.variables {
            env.entry(key.clone()).or_insert_with(|| value.clone());
        }
        env
    }

    /// Hands `invocation` to the environment and waits for it to end. Returns the outcome and
    /// whether the environment can be reused.
    async fn run(
        &self,
        launch: &Launch,
        environment: &mut Environment,
        invocation: Invocation,
    ) -> (Outcome, bool) {
        let request_id = invocation.request_id.clone();
        let (progress, mut reports) = mpsc::unbounded_channel();
        *lock(&environment.api.current) = Some(progress);
        let mut marks = environment.sink.marks.subscribe();
        let marks_before = *marks.borrow_and_update();
        {
            let mut capture = lock(&environment.sink.capture);
            // The first invocation also shows what init printed, as on AWS.
            if environment.warm || capture.is_none() {
                *capture = Some(Vec::new());
            }
        }
        let cold_init = (!environment.warm).then_some(environment.started);
        let now = || self.kit.clock().now_millis();
        let timeout = Duration::from_secs(launch.timeout_seconds.max(1) as u64);
        let _ = environment.api.sender.try_send(invocation);

        // Init: until the runtime asks for the invocation.
        let mut started_at = self.kit.clock().monotonic();
        let mut asked = false;
        let mut reported = None;
        let mut ended: Option<ExitStatus> = None;
        let init_wait = if environment.warm {
            timeout
        } else {
            INIT_TIMEOUT
        };
        tokio::select! {
            progress = reports.recv() => match progress {
                Some(Progress::Started) => {
                    asked = true;
                    started_at = self.kit.clock().monotonic();
                }
                Some(Progress::Done(done)) => reported = Some(done),
                None => {}
            },
            status = environment.workload.wait() => ended = Some(status),
            () = tokio::time::sleep(init_wait) => {}
        }
        let init_duration = cold_init.map(|at| started_at.saturating_duration_since(at));
        environment.sink.write(
            now(),
            &format!("START RequestId: {request_id} Version: {}", launch.version),
        );
        let mut timed_out = false;
        if reported.is_none() && ended.is_none() {
            if !asked {
                // It never asked for the invocation within the init timeout.
                timed_out = true;
            } else {
                let deadline = tokio::time::sleep(timeout);
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        progress = reports.recv() => match progress {
                            Some(Progress::Done(done)) => { reported = Some(done); break; }
                            Some(Progress::Started) => continue,
                            None => break,
                        },
                        status = environment.workload.wait() => { ended = Some(status); break; }
                        () = &mut deadline => { timed_out = true; break; }
                    }
                }
            }
        }
        // Let the runner read the function's last lines (our runtime clients mark the end).
        if environment.marks_output && reported.is_some() {
            let want = marks_before + 2;
            let _ =
                tokio::time::timeout(OUTPUT_DRAIN, marks.wait_for(|count| *count >= want)).await;
        } else if ended.is_some() {
            let _ = tokio::time::timeout(OUTPUT_DRAIN, environment.workload.wait()).await;
        }
        *lock(&environment.api.current) = None;
        let elapsed = self
            .kit
            .clock()
            .monotonic()
            .saturating_duration_since(started_at);
        let (payload, function_error, keep) = match (reported, ended, timed_out) {
            (Some(Reported::Response(body)), _, _) => (body, None, true),
            (Some(Reported::Error(body)), _, _) => (body, Some("Unhandled".to_string()), true),
            (Some(Reported::InitError(body)), _, _) => (body, Some("Unhandled".to_string()), false),
            (None, _, true) => {
                let seconds = format!("{:.2}", timeout.as_secs_f64());
                environment.sink.write(
                    now(),
                    &format!(
                        "{} {request_id} Task timed out after {seconds} seconds",
                        crate::protocol::timestamp::iso8601(now() as f64 / 1000.0)
                    ),
                );
                let body = serde_json::json!({
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": format!("RequestId: {request_id} Error: Task timed out after {seconds} seconds"),
                });
                (
                    body.to_string().into_bytes(),
                    Some("Unhandled".to_string()),
                    false,
                )
            }
            (None, status, _) => {
                let (error_type, error) = match status {
                    // The entrypoint could not be executed: Lambda's words for it.
                    Some(ExitStatus {
                        reason: simkit::runner::ExitReason::SpawnFailed { message },
                        ..
                    }) => ("Runtime.InvalidEntrypoint", message),
                    Some(_) if environment.workload.out_of_memory() => (
                        "Runtime.OutOfMemory",
                        "Runtime exited with error: signal: killed".to_string(),
                    ),
                    Some(status) => ("Runtime.ExitError", runtime_exit(status.code)),
                    None => ("Runtime.ExitError", runtime_exit(-1)),
                };
                let body = serde_json::json!({
                    "errorType": error_type,
                    "errorMessage": format!("RequestId: {request_id} Error: {error}"),
                });
                (
                    body.to_string().into_bytes(),
                    Some("Unhandled".to_string()),
                    false,
                )
            }
        };
        let keep = keep && environment.workload.exit_status().is_none();
        environment.warm = true;
        let duration_ms = elapsed.as_secs_f64() * 1000.0;
        let max_memory = environment
            .workload
            .pid()
            .and_then(peak_memory_mb)
            .unwrap_or(0);
        environment
            .sink
            .write(now(), &format!("END RequestId: {request_id}"));
        let mut report = format!(
            "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {max_memory} MB",
            duration_ms.ceil().max(1.0) as u64,
            launch.memory_mb
        );
        if let Some(init) = init_duration {
            report.push_str(&format!(
                "\tInit Duration: {:.2} ms",
                init.as_secs_f64() * 1000.0
            ));
        }
        if timed_out {
            report.push_str("\tStatus: timeout");
        }
        environment.sink.write(now(), &report);
        let captured = lock(&environment.sink.capture).take().unwrap_or_default();
        let mut log = format!(
            "START RequestId: {request_id} Version: {}\n",
            launch.version
        );
        for line in captured {
            log.push_str(&line);
            log.push('\n');
        }
        log.push_str(&format!("END RequestId: {request_id}\n{report}\n"));
        (
            Outcome {
                payload,
                function_error,
                log_tail: tail(&log),
            },
            keep,
        )
    }
}

/// How Lambda words a runtime's exit: Go's `exit status N` or `signal: killed`.
fn runtime_exit(code: i32) -> String {
    let signal = match code {
        137 => Some("killed"),
        143 => Some("terminated"),
        134 => Some("aborted"),
        139 => Some("segmentation fault"),
        _ => None,
    };
    match signal {
        Some(signal) => format!("Runtime exited with error: signal: {signal}"),
        None => format!("Runtime exited with error: exit status {code}"),
    }
}

/// Lambda's default user for image functions (`sbx_user1051` in its images).
const LAMBDA_USER: &str = "993:990";

/// What an image function's invocation answers when the runner cannot run images.
const IMAGE_NEEDS_RUNTIME: &str = "This simulator runs image functions only in their image, on an OCI runtime: start it with --workloads oci or auto on a machine where runc works (it runs workloads as host processes now).";

/// An image function's environment: Lambda's variables, with the image's own `PATH` and
/// none of what the host-process runtimes need.
fn image_environment(env: &mut BTreeMap<String, String>) {
    for name in [
        "PATH",
        "PYTHONPATH",
        "NODE_PATH",
        "PYTHONUNBUFFERED",
        "LANG",
        "_SOCKERLESS_OPT",
        "_SOCKERLESS_LOG_MARK",
    ] {
        env.remove(name);
    }
    env.insert("LAMBDA_TASK_ROOT".into(), "/var/task".into());
    env.insert("LAMBDA_RUNTIME_DIR".into(), "/var/runtime".into());
}

/// The local image zip functions of the managed runtimes run in, any tag.
pub const RUNTIMES_IMAGE: &str = "localhost/sockerless/bookworm-runtimes";

/// A zip function's variables inside the runtimes image: the container's paths for the code,
/// the runtime client and the layers, in place of the host's.
fn runtimes_environment(env: &mut BTreeMap<String, String>, has_layers: bool) {
    env.remove("_SOCKERLESS_OPT");
    env.insert(
        "PATH".into(),
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/bin".into(),
    );
    env.insert("LAMBDA_TASK_ROOT".into(), "/var/task".into());
    env.insert("LAMBDA_RUNTIME_DIR".into(), "/var/runtime".into());
    if has_layers {
        env.insert(
            "PYTHONPATH".into(),
            "/opt/python:/opt/python/lib/python3/site-packages".into(),
        );
        env.insert("NODE_PATH".into(), "/opt/nodejs/node_modules".into());
    }
}

/// Base64 of the last 4 KB of `log`, cut at a character boundary.
fn tail(log: &str) -> String {
    let mut start = log.len().saturating_sub(TAIL_BYTES);
    while !log.is_char_boundary(start) {
        start += 1;
    }
    base64::engine::general_purpose::STANDARD.encode(&log.as_bytes()[start..])
}

/// The peak resident memory of a process, in MB (`VmHWM`).
fn peak_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes.div_ceil(1024))
}

/// Makes the root traversable by the workloads' user.
fn prepare_root(root: &Path) -> Result<(), LambdaError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(root)
        .and_then(|()| std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)))
        .and_then(|()| std::fs::create_dir_all(root.join("code")))
        .and_then(|()| {
            std::fs::set_permissions(root.join("code"), std::fs::Permissions::from_mode(0o755))
        })
        .and_then(|()| std::fs::create_dir_all(root.join("opt")))
        .and_then(|()| {
            std::fs::set_permissions(root.join("opt"), std::fs::Permissions::from_mode(0o755))
        })
        .map_err(|error| {
            LambdaError::Service(format!("could not prepare {}: {error}", root.display()))
        })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file() && !candidate.starts_with("/root"))
}

impl Drop for Environments {
    fn drop(&mut self) {
        self.stop_all_now();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_four_kilobytes() {
        let log = format!("{}END", "x".repeat(5000));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(tail(&log))
            .expect("base64");
        assert_eq!(decoded.len(), TAIL_BYTES);
        assert!(decoded.ends_with(b"END"));
    }
}
