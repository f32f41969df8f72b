//! Containers: records in the kit's store (`engine.containers`, durable with a state
//! directory), their workloads on the kit's runner, their logs ([`crate::logs`]), and the exit
//! and removal notices `wait` listens to.
//!
//! Lifecycle: `created` → `running` (a workload) → `exited` (its real exit code and times) →
//! removed. A container whose process died with the engine is `exited` with 255 on the next
//! start, as Docker records a container it lost.
//!
//! What this module must not do: report a state the workload did not reach, or answer a
//! capability the runner lacks with success.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use engine_core::EngineError;
use engine_core::api::*;
use engine_core::backend::{AttachOptions, Attached, Logs};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use simkit::Kit;
use simkit::logs::{FnSink, LogLine, Stream};
use simkit::runner::{
    ExitReason, LocatedImage, Workload, WorkloadImage, WorkloadMount, WorkloadSpec,
};
use simkit::store::Collection;
use tokio::sync::broadcast;

use crate::images::{BlobImages, Images};
use crate::logs::{Live, LogBook, render, stored};
use crate::mounts::{MountRecord, VolumeSource};
use crate::names;
use crate::volumes::Volumes;

mod resources;

/// One container, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    pub created_nanos: i64,
    pub config: ContainerConfig,
    pub host_config: HostConfig,
    pub networking: Option<Value>,
    pub image_id: String,
    pub path: String,
    pub args: Vec<String>,
    pub state: StateRecord,
    pub restart_count: i64,
    /// Its binds, volumes and tmpfs mounts, worked out at create.
    #[serde(default)]
    pub mounts: Vec<MountRecord>,
    /// Its networks, by name ([`crate::endpoints`]).
    #[serde(default)]
    pub endpoints: BTreeMap<String, crate::endpoints::EndpointRecord>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct StateRecord {
    /// `created`, `running`, `exited`, `removing`, `dead`.
    pub status: String,
    pub pid: u32,
    pub exit_code: i32,
    pub error: String,
    pub started_nanos: Option<i64>,
    pub finished_nanos: Option<i64>,
    /// The kernel's OOM killer ended its last run.
    #[serde(default)]
    pub oom_killed: bool,
    /// `docker stop` or `kill` ended its last run: its restart policy does not apply.
    #[serde(default)]
    pub manually_stopped: bool,
    /// Its processes are frozen (`docker pause`); `status` stays `running`, as Docker's
    /// `Running` does.
    #[serde(default)]
    pub paused: bool,
}

impl StateRecord {
    /// The status Docker shows: `paused` for a frozen running container.
    pub fn shown_status(&self) -> &str {
        if self.paused && self.status == "running" {
            "paused"
        } else {
            &self.status
        }
    }
}

/// What `wait` hears.
#[derive(Debug, Clone)]
enum Notice {
    Exited { id: String, code: i32 },
    Removed { id: String, code: i32 },
}

/// The containers of one backend.
pub struct Containers {
    kit: Kit,
    events: engine_core::Events,
    images: Arc<Images>,
    pub(crate) volumes: Arc<Volumes>,
    pub(crate) networks: Arc<crate::networks::Networks>,
    records: Arc<Collection<ContainerRecord>>,
    /// Running containers' networks (namespace, ports, addresses), dropped when they exit.
    sandboxes: Mutex<HashMap<String, crate::endpoints::Sandbox>>,
    running: Mutex<HashMap<String, Workload>>,
    /// The terminals of running containers created with `Tty`, for resizes.
    terminals: Mutex<HashMap<String, simkit::runner::terminal::Terminal>>,
    logbooks: Mutex<HashMap<String, Arc<LogBook>>>,
    notices: broadcast::Sender<Notice>,
    /// Held while a name is checked and taken, so two creates (or renames) cannot share one.
    naming: Mutex<()>,
    dir: PathBuf,
    stdin: crate::stdin::StdinPipes,
    pub(crate) execs: Arc<crate::exec::Execs>,
    /// Running containers' health checks.
    pub(crate) health: crate::health::HealthBook,
    /// One lock per container over its writable layer, held while it starts and while its
    /// files are looked at with no process running, so its overlay is never mounted twice.
    layer_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The runtimes containers run on (`HostConfig.Runtime`).
    runtimes: crate::runtimes::Runtimes,
}

impl std::fmt::Debug for Containers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Containers")
    }
}

/// A `[height, width]` console size (`HostConfig.ConsoleSize`, an exec's `ConsoleSize`, a
/// resize's `h` and `w`) as a window size; none for a missing or zero one, which leaves the
/// terminal as it is.
pub(crate) fn window_size(size: Option<&[u32]>) -> Option<simkit::runner::terminal::WindowSize> {
    match size? {
        [height, width] if *height > 0 && *width > 0 => {
            Some(simkit::runner::terminal::WindowSize {
                rows: u16::try_from(*height).unwrap_or(u16::MAX),
                columns: u16::try_from(*width).unwrap_or(u16::MAX),
            })
        }
        _ => None,
    }
}

pub(crate) fn nanos(time: SystemTime) -> i64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// The bytes of the files under `dir` (a removed container's layer, for prune's report).
fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.path().symlink_metadata() {
            Ok(meta) if meta.is_dir() => dir_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

pub(crate) fn from_nanos(nanos: i64) -> SystemTime {
    std::time::UNIX_EPOCH + Duration::from_nanos(nanos.max(0) as u64)
}

fn time_text(nanos: Option<i64>) -> String {
    nanos.map_or_else(|| ZERO_TIME.to_string(), |n| rfc3339_nanos(from_nanos(n)))
}

/// A signal by Docker's names: `SIGTERM`, `TERM`, `15`.
pub fn parse_signal(text: &str) -> Result<nix::sys::signal::Signal, EngineError> {
    use std::str::FromStr;
    let bad = || EngineError::InvalidParameter(format!("Invalid signal: {text}"));
    if let Ok(number) = text.parse::<i32>() {
        return nix::sys::signal::Signal::try_from(number).map_err(|_| bad());
    }
    let upper = text.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    nix::sys::signal::Signal::from_str(&name).map_err(|_| bad())
}

impl Containers {
    pub fn open(
        kit: &Kit,
        events: &engine_core::Events,
        images: Arc<Images>,
        volumes: Arc<Volumes>,
        networks: Arc<crate::networks::Networks>,
        runtimes: crate::runtimes::Runtimes,
    ) -> Result<Arc<Self>, String> {
        let records: Arc<Collection<ContainerRecord>> = kit
            .store()
            .collection("engine.containers")
            .map_err(|error| error.to_string())?;
        let now = nanos(kit.clock().now());
        // Processes do not outlive the engine: a container recorded as running was lost.
        for (id, record) in records.all() {
            if record.state.status == "running" {
                let _ = records.update(&id, |record| {
                    record.state.status = "exited".into();
                    record.state.exit_code = 255;
                    record.state.pid = 0;
                    record.state.finished_nanos = Some(now);
                });
            }
        }
        let (notices, _) = broadcast::channel(1024);
        let containers = Arc::new(Self {
            kit: kit.clone(),
            events: events.clone(),
            images,
            volumes,
            networks,
            records,
            sandboxes: Mutex::default(),
            running: Mutex::default(),
            terminals: Mutex::default(),
            logbooks: Mutex::default(),
            notices,
            naming: Mutex::default(),
            dir: kit.files_dir().join("engine").join("containers"),
            stdin: Default::default(),
            execs: Default::default(),
            health: Default::default(),
            layer_locks: Mutex::default(),
            runtimes,
        });
        let on_reset = Arc::downgrade(&containers);
        kit.on_reset(move || {
            if let Some(containers) = on_reset.upgrade() {
                for workload in containers.lock_running().drain().map(|(_, w)| w) {
                    workload.kill();
                }
                containers.lock_sandboxes().clear();
                containers.lock_logbooks().clear();
                let _ = std::fs::remove_dir_all(&containers.dir);
            }
        });
        Ok(containers)
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Workload>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn lock_sandboxes(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, crate::endpoints::Sandbox>> {
        self.sandboxes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Updates a stored record.
    pub(crate) fn records_update(
        &self,
        id: &str,
        change: impl FnOnce(&mut ContainerRecord),
    ) -> Result<(), EngineError> {
        self.records.update(id, change)?;
        Ok(())
    }

    /// A stored record by its full ID.
    pub(crate) fn records_get(&self, id: &str) -> Option<ContainerRecord> {
        self.records.get(id)
    }

    /// The directory of a container's files (logs, layer, hosts file).
    pub(crate) fn container_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    pub(crate) fn published_ports(&self, id: &str) -> Vec<(String, String, u16)> {
        self.lock_sandboxes()
            .get(id)
            .map(|sandbox| sandbox.published())
            .unwrap_or_default()
    }

    pub(crate) fn sandbox_namespace(&self, id: &str) -> Option<PathBuf> {
        self.lock_sandboxes().get(id).and_then(|s| s.namespace())
    }

    /// Adds an interface on `network` to a running container's namespace.
    pub(crate) async fn attach_interface(
        &self,
        id: &str,
        network: &crate::networks::NetworkRecord,
        address: std::net::Ipv4Addr,
        prefix_len: u8,
        mac: &str,
    ) -> Result<(), EngineError> {
        let interface = {
            let sandboxes = self.lock_sandboxes();
            let Some(sandbox) = sandboxes.get(id) else {
                return Err(self.not_running(id));
            };
            (0..)
                .map(|n| format!("eth{n}"))
                .find(|name| !sandbox.interfaces.values().any(|used| used == name))
                .unwrap_or_else(|| "eth9".into())
        };
        let group = self
            .lock_sandboxes()
            .get(id)
            .and_then(|s| s.group())
            .ok_or_else(|| self.not_running(id))?;
        group
            .attach(&interface, address, prefix_len, Some(mac))
            .await
            .map_err(EngineError::internal)?;
        let mut sandboxes = self.lock_sandboxes();
        if let Some(sandbox) = sandboxes.get_mut(id) {
            sandbox.interfaces.insert(network.name.clone(), interface);
            sandbox.lease(network.id.clone(), address);
        }
        Ok(())
    }

    /// Removes a running container's interface on network `name` and frees its address.
    pub(crate) async fn detach_interface(
        &self,
        id: &str,
        name: &str,
        endpoint: &crate::endpoints::EndpointRecord,
    ) -> Result<(), EngineError> {
        let (interface, group) = {
            let mut sandboxes = self.lock_sandboxes();
            let Some(sandbox) = sandboxes.get_mut(id) else {
                return Ok(());
            };
            (sandbox.interfaces.remove(name), sandbox.group())
        };
        if let (Some(interface), Some(group)) = (interface, group) {
            group
                .detach(&interface)
                .await
                .map_err(EngineError::internal)?;
        }
        if let Ok(address) = endpoint.address.parse() {
            let mut sandboxes = self.lock_sandboxes();
            if let Some(sandbox) = sandboxes.get_mut(id) {
                sandbox.unlease(&endpoint.network_id, address);
            }
        }
        Ok(())
    }

    fn lock_logbooks(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LogBook>>> {
        self.logbooks.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn logbook(&self, id: &str) -> Arc<LogBook> {
        self.lock_logbooks()
            .entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(LogBook::open(
                    &self.dir.join(id).join(format!("{id}-json.log")),
                ))
            })
            .clone()
    }

    pub fn all(&self) -> Vec<ContainerRecord> {
        let mut all: Vec<_> = self.records.all().into_iter().map(|(_, r)| r).collect();
        all.sort_by_key(|r| std::cmp::Reverse(r.created_nanos));
        all
    }

    /// The container `reference` names: full ID, name (with or without `/`), or ID prefix.
    pub fn find(&self, reference: &str) -> Result<ContainerRecord, EngineError> {
        if reference.is_empty() {
            return Err(EngineError::no_such_container(reference));
        }
        if let Some(record) = self.records.get(reference) {
            return Ok(record);
        }
        let all = self.records.all();
        let bare = reference.strip_prefix('/').unwrap_or(reference);
        if let Some((_, record)) = all.iter().find(|(_, r)| r.name == bare) {
            return Ok(record.clone());
        }
        let matching: Vec<_> = all
            .iter()
            .filter(|(id, _)| id.starts_with(reference))
            .collect();
        match matching.len() {
            1 => Ok(matching[0].1.clone()),
            0 => Err(EngineError::no_such_container(reference)),
            _ => Err(EngineError::InvalidParameter(format!(
                "multiple IDs found with provided prefix: {reference}"
            ))),
        }
    }

    fn attributes(&self, record: &ContainerRecord) -> BTreeMap<String, String> {
        let mut attributes: BTreeMap<String, String> =
            record.config.labels.clone().unwrap_or_default();
        attributes.insert("image".into(), record.config.image.clone());
        attributes.insert("name".into(), record.name.clone());
        attributes
    }

    fn publish(&self, record: &ContainerRecord, action: &str, extra: &[(&str, String)]) {
        let mut attributes = self.attributes(record);
        for (key, value) in extra {
            attributes.insert(key.to_string(), value.clone());
        }
        self.events
            .publish("container", action, &record.id, attributes);
    }

    /// Publishes a container event for `record` (exec's `exec_create: CMD` and the like).
    pub(crate) fn publish_event(
        &self,
        record: &ContainerRecord,
        action: &str,
        extra: &[(&str, String)],
    ) {
        self.publish(record, action, extra);
    }

    /// A function that publishes container events for `record` later, from a task.
    pub(crate) fn event_publisher(
        &self,
        record: &ContainerRecord,
    ) -> impl Fn(&str, &[(&str, String)]) + Send + 'static {
        let events = self.events.clone();
        let base = self.attributes(record);
        let id = record.id.clone();
        move |action, extra| {
            let mut attributes = base.clone();
            for (key, value) in extra {
                attributes.insert(key.to_string(), value.clone());
            }
            events.publish("container", action, &id, attributes);
        }
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.kit.clock().now()
    }

    /// Publishes Docker's `health_status: STATUS` event.
    pub(crate) fn health_changed(&self, id: &str, status: &str) {
        if let Some(record) = self.records.get(id) {
            self.publish(&record, &format!("health_status: {status}"), &[]);
        }
    }

    /// A new 64-hex-digit ID (exec instances).
    pub(crate) fn new_id(&self) -> String {
        self.kit.ids().hex(64)
    }

    /// The runner a running workload belongs to (exec and health checks).
    pub(crate) fn runner_of(&self, workload: &Workload) -> Arc<dyn simkit::runner::Runner> {
        self.runtimes.runner_of(workload)
    }

    /// The runner of the container's runtime.
    pub(crate) fn runner_for(
        &self,
        record: &ContainerRecord,
    ) -> Result<Arc<dyn simkit::runner::Runner>, EngineError> {
        self.runtimes.runner(runtime_of(record))
    }

    /// The runtimes this engine has.
    pub(crate) fn runtimes(&self) -> &crate::runtimes::Runtimes {
        &self.runtimes
    }

    /// Docker's 409 for an operation that needs a running container.
    pub(crate) fn not_running(&self, id: &str) -> EngineError {
        EngineError::Conflict(format!("container {id} is not running"))
    }

    /// The container `reference` names and its running workload, or Docker's 409.
    /// Sets the window size of a running container's terminal (`stty size` inside shows it).
    /// A container without one has nothing to size, and is accepted as Docker accepts it: a
    /// client resizes any container it attaches to.
    pub(crate) fn resize(
        &self,
        reference: &str,
        height: u32,
        width: u32,
    ) -> Result<(), EngineError> {
        let (record, _) = self.running(reference)?;
        let terminal = self
            .terminals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&record.id)
            .cloned();
        match (terminal, window_size(Some(&[height, width]))) {
            (Some(terminal), Some(size)) => terminal.resize(size).map_err(EngineError::internal),
            _ => Ok(()),
        }
    }

    pub(crate) fn running(
        &self,
        reference: &str,
    ) -> Result<(ContainerRecord, Workload), EngineError> {
        let record = self.find(reference)?;
        let workload = self.lock_running().get(&record.id).cloned();
        match workload {
            Some(workload) => Ok((record, workload)),
            None => Err(self.not_running(&record.id)),
        }
    }

    /// The directory that keeps the container's writable layer until it is removed.
    pub(crate) fn layer_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id).join("layer")
    }

    fn layer_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.layer_locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(id.to_string())
            .or_default()
            .clone()
    }

    /// The image a container runs in, as the runner takes it.
    fn workload_image(&self, record: &ContainerRecord) -> Result<WorkloadImage, EngineError> {
        let image = self.images.find(&record.image_id)?;
        Ok(WorkloadImage {
            reference: record.config.image.clone(),
            located: Ok(LocatedImage {
                store: Arc::new(BlobImages(self.images.blobs().clone())),
                manifest_digest: image.manifest_digest.clone(),
            }),
            entrypoint: Some(record.config.entrypoint.clone().unwrap_or_default()),
            command: Some(record.config.cmd.clone().unwrap_or_default()),
            working_dir: (!record.config.working_dir.is_empty())
                .then(|| record.config.working_dir.clone()),
        })
    }

    /// The host directories bound into the container for its binds and volumes (tmpfs
    /// mounts are added at start: a stopped container's tmpfs is empty).
    fn bound_mounts(&self, record: &ContainerRecord) -> Vec<WorkloadMount> {
        record
            .mounts
            .iter()
            .filter_map(|mount| {
                let source = match mount.kind.as_str() {
                    "bind" => PathBuf::from(&mount.source),
                    "volume" => self.volumes.data_dir(&mount.name),
                    _ => return None,
                };
                Some(WorkloadMount {
                    source,
                    destination: mount.destination.clone(),
                    read_only: mount.read_only,
                })
            })
            .collect()
    }

    /// The running containers attached to network `id`, as its inspect lists them.
    pub fn network_users(&self, id: &str) -> Vec<crate::networks::Attached> {
        self.all()
            .into_iter()
            .filter(|r| r.state.status == "running")
            .filter_map(|r| {
                let endpoint = r.endpoints.values().find(|e| e.network_id == id)?;
                Some(crate::networks::Attached {
                    container_id: r.id.clone(),
                    container_name: r.name.clone(),
                    endpoint_id: endpoint.endpoint_id.clone(),
                    mac: endpoint.mac.clone(),
                    address: if endpoint.address.is_empty() {
                        String::new()
                    } else {
                        format!("{}/{}", endpoint.address, endpoint.prefix_len)
                    },
                })
            })
            .collect()
    }

    /// The IDs of the containers that use volume `name`.
    pub fn volume_users(&self, name: &str) -> Vec<String> {
        let mut users: Vec<String> = self
            .all()
            .into_iter()
            .filter(|r| {
                r.mounts
                    .iter()
                    .any(|m| m.kind == "volume" && m.name == name)
            })
            .map(|r| r.id)
            .collect();
        users.sort();
        users
    }

    /// Runs `work` (blocking) with the container's root as its processes see it: its first
    /// process's root while it runs, else its image and writable layer with its mounts, seen
    /// in a mount namespace of the work's own ([`crate::layer`]).
    pub(crate) async fn with_root<T: Send + 'static>(
        &self,
        reference: &str,
        work: impl FnOnce(&std::path::Path) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, EngineError> {
        let record = self.find(reference)?;
        let lock = self.layer_lock(&record.id);
        let _layer = lock.lock().await;
        let record = self.find(&record.id)?;
        if self.lock_running().contains_key(&record.id) && record.state.pid != 0 {
            let root = PathBuf::from(format!("/proc/{}/root", record.state.pid));
            return crate::blocking(move || work(&root)).await;
        }
        let image = self.workload_image(&record)?;
        let lower = self
            .runner_for(&record)?
            .image_root(&image)
            .await
            .map_err(|problem| {
                EngineError::not_supported(
                    "memory",
                    &format!("looking at a stopped container's files ({problem})"),
                )
            })?;
        let mounts = self.bound_mounts(&record);
        let layer = self.layer_dir(&record.id);
        // A wasm container's root is a copy in its layer, the same while it runs.
        let copied = runtime_of(&record) == crate::runtimes::WASM;
        crate::blocking(move || crate::layer::with_stopped_root(layer, lower, mounts, copied, work))
            .await
    }

    /// What the container changed in its file system (`docker diff`).
    pub async fn changes(&self, reference: &str) -> Result<Vec<FilesystemChange>, EngineError> {
        let record = self.find(reference)?;
        let image = self.workload_image(&record)?;
        let lower = self
            .runner_for(&record)?
            .image_root(&image)
            .await
            .map_err(|problem| {
                EngineError::not_supported(
                    "memory",
                    &format!("container filesystem changes ({problem})"),
                )
            })?;
        let layer = self.layer_dir(&record.id);
        let copied = runtime_of(&record) == crate::runtimes::WASM;
        crate::blocking(move || {
            Ok(if copied {
                crate::layer::copy_changes(&layer.join("rootfs"), &lower)
            } else {
                crate::layer::changes(&layer, &lower)
            })
        })
        .await
    }

    /// `docker commit`: an image of the container's image and its writable layer, with its
    /// config (or the one given) and the changes applied. The container is not paused (the
    /// memory backend has no pause): a running container's files are read as they are.
    pub async fn commit(
        &self,
        reference: &str,
        options: CommitOptions,
    ) -> Result<String, EngineError> {
        let record = self.find(reference)?;
        refuse_copied_layer(&record, "docker commit")?;
        let tag = if options.repo.is_empty() {
            if !options.tag.is_empty() {
                return Err(EngineError::InvalidParameter(
                    "invalid reference format: repository name must have at least one component"
                        .into(),
                ));
            }
            None
        } else {
            let text = if options.tag.is_empty() {
                options.repo.clone()
            } else {
                format!("{}:{}", options.repo, options.tag)
            };
            let parsed = crate::reference::ImageRef::parse(&text)?;
            if parsed.digest.is_some() {
                return Err(EngineError::InvalidParameter(
                    "refusing to create a tag with a digest reference".into(),
                ));
            }
            parsed.full_tagged()
        };
        let image = self.images.find(&record.image_id)?;
        let own = serde_json::to_value(&record.config).map_err(EngineError::internal)?;
        let base = match options.config {
            // Fields the caller left out come from the container's own config.
            Some(Value::Object(mut given)) => {
                if let Value::Object(own) = own {
                    for (key, value) in own {
                        let missing = given.get(&key).is_none_or(|v| {
                            v.is_null()
                                || v.as_str().is_some_and(str::is_empty)
                                || v.as_array().is_some_and(Vec::is_empty)
                                || v.as_object().is_some_and(serde_json::Map::is_empty)
                        });
                        if missing {
                            given.insert(key, value);
                        }
                    }
                }
                Value::Object(given)
            }
            Some(_) => {
                return Err(EngineError::InvalidParameter(
                    "invalid JSON: the config is not an object".into(),
                ));
            }
            None => own,
        };
        let run_config = engine_core::changes::apply(&base, &options.changes)?;
        let lock = self.layer_lock(&record.id);
        let held = lock.lock().await;
        let layer_dir = self.layer_dir(&record.id);
        let layer = crate::blocking(move || crate::layer::diff_tar(&layer_dir)).await?;
        drop(held);
        let commit = crate::images::Commit {
            layer,
            run_config,
            created_by: record.config.cmd.clone().unwrap_or_default().join(" "),
            author: options.author,
            comment: options.comment.clone(),
            tag: tag.clone(),
        };
        let id = self.images.commit(&image, commit).await?;
        let mut extra = vec![("comment", options.comment), ("imageID", id.clone())];
        if let Some(tag) = &tag {
            extra.push(("imageRef", crate::reference::familiar(tag)));
        }
        self.publish(&record, "commit", &extra);
        Ok(id)
    }

    fn name_conflict(&self, name: &str) -> Option<EngineError> {
        self.records.all().into_iter().find(|(_, r)| r.name == name).map(|(id, _)| {
            EngineError::Conflict(format!(
                "Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name."
            ))
        })
    }

    pub fn create(
        &self,
        name: Option<String>,
        body: ContainerCreate,
    ) -> Result<ContainerCreated, EngineError> {
        if let Some(host_config) = &body.host_config {
            crate::endpoints::validate_container_mode(&body.config, host_config)?;
        }
        let mut config = body.config;
        if config.image.is_empty() {
            return Err(EngineError::InvalidParameter("no command specified".into()));
        }
        let image = self.images.find(&config.image)?;
        let image_config = self.images.run_config(&image);
        let strings = |key: &str| -> Option<Vec<String>> {
            image_config
                .get(key)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
        };
        // Docker's merge of the image's config under the container's.
        let entrypoint_cleared = matches!(&config.entrypoint, Some(e) if e.is_empty() || (e.len() == 1 && e[0].is_empty()));
        if entrypoint_cleared {
            config.entrypoint = None;
        }
        if config.entrypoint.is_none() {
            if config.cmd.as_ref().is_none_or(|c| c.is_empty()) {
                config.cmd = strings("Cmd");
            }
            if !entrypoint_cleared {
                config.entrypoint = strings("Entrypoint");
            }
        }
        let mut env: Vec<String> = strings("Env").unwrap_or_default();
        for entry in config.env.take().unwrap_or_default() {
            let key = entry
                .split_once('=')
                .map_or(entry.as_str(), |(k, _)| k)
                .to_string();
            env.retain(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) != key);
            env.push(entry);
        }
        config.env = Some(env);
        if config.working_dir.is_empty() {
            config.working_dir = image_config
                .get("WorkingDir")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
        }
        if config.user.is_empty() {
            config.user = image_config
                .get("User")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
        }
        let mut labels: BTreeMap<String, String> = image_config
            .get("Labels")
            .and_then(Value::as_object)
            .map(|l| {
                l.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        labels.extend(config.labels.take().unwrap_or_default());
        config.labels = Some(labels);
        let argv: Vec<String> = config
            .entrypoint
            .iter()
            .flatten()
            .chain(config.cmd.iter().flatten())
            .cloned()
            .collect();
        if argv.is_empty() {
            return Err(EngineError::InvalidParameter("no command specified".into()));
        }
        let mut host_config = body.host_config.unwrap_or_default();
        if host_config.network_mode.is_empty() || host_config.network_mode == "default" {
            host_config.network_mode = "bridge".into();
        }
        // Docker fills the daemon's log driver in at create; docker-py reads it back.
        let no_log_config = host_config
            .extra
            .get("LogConfig")
            .and_then(|c| c.get("Type"))
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if no_log_config {
            host_config.extra.insert(
                "LogConfig".into(),
                serde_json::json!({ "Type": "json-file", "Config": {} }),
            );
        }
        let runtime = match host_config.extra.get("Runtime") {
            None | Some(Value::Null) => "",
            Some(Value::String(name)) => name.as_str(),
            Some(_) => {
                return Err(EngineError::InvalidParameter(
                    "json: cannot unmarshal into Go struct field HostConfig.HostConfig.Runtime of type string".into(),
                ));
            }
        };
        let runtime = self.runtimes.validate(runtime)?;
        host_config
            .extra
            .insert("Runtime".into(), Value::String(runtime.into()));
        crate::policy::validate_restart(&host_config)?;
        crate::policy::resources(&host_config)?;
        let endpoints = crate::endpoints::resolve(
            &self.networks,
            &mut host_config,
            body.networking_config.as_ref(),
        )?;
        crate::endpoints::merge_exposed(&mut config, &host_config, &image_config);
        let name = match name {
            Some(name) => names::validate(&name)?,
            None => loop {
                let candidate = names::generate(self.kit.ids().as_ref());
                if self.name_conflict(&candidate).is_none() {
                    break candidate;
                }
            },
        };
        if let Some(conflict) = self.name_conflict(&name) {
            return Err(conflict);
        }
        let keys = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_object)
                .map(|paths| paths.keys().cloned().collect())
                .unwrap_or_default()
        };
        let mounts = crate::mounts::resolve(
            &host_config,
            &keys(config.extra.get("Volumes")),
            &keys(image_config.get("Volumes")),
            &VolumesFor(&self.volumes),
        )?;
        let id = self.kit.ids().hex(64);
        if config.hostname.is_empty() {
            config.hostname = id[..12].to_string();
        }
        let record = ContainerRecord {
            id: id.clone(),
            name: name.clone(),
            created_nanos: nanos(self.kit.clock().now()),
            config,
            host_config,
            networking: body.networking_config,
            image_id: image.id.clone(),
            path: argv[0].clone(),
            args: argv[1..].to_vec(),
            state: StateRecord {
                status: "created".into(),
                ..StateRecord::default()
            },
            restart_count: 0,
            mounts,
            endpoints,
        };
        // The name check and the insert are one step, so two creates cannot share a name.
        {
            let _naming = self.naming.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(conflict) = self.name_conflict(&name) {
                return Err(conflict);
            }
            self.records.insert(&id, record.clone())?;
        }
        self.publish(&record, "create", &[]);
        Ok(ContainerCreated {
            id,
            warnings: Vec::new(),
        })
    }

    pub async fn start(self: &Arc<Self>, reference: &str) -> Result<(), EngineError> {
        let record = self.find(reference)?;
        let lock = self.layer_lock(&record.id);
        let _layer = lock.lock().await;
        let record = self.find(&record.id)?;
        if record.state.status == "running" {
            return Err(EngineError::NotModified);
        }
        let image = self.workload_image(&record)?;
        let mut env = BTreeMap::new();
        for entry in record.config.env.iter().flatten() {
            let (key, value) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
            env.insert(key.to_string(), value.to_string());
        }
        env.entry("HOSTNAME".into())
            .or_insert_with(|| record.config.hostname.clone());
        let runner = self.runner_for(&record)?;
        let on_wasm = runtime_of(&record) == crate::runtimes::WASM;
        if on_wasm && !crate::endpoints::port_bindings(&record)?.is_empty() {
            return Err(EngineError::InvalidParameter(
                "the wasm runtime gives containers no network: ports cannot be published".into(),
            ));
        }
        let mut mounts = self.start_mounts(&record, &image).await?;
        // A wasm container has no network namespace to make (instances have no sockets).
        let made = if on_wasm {
            Ok(None)
        } else {
            self.make_sandbox(&record).await
        };
        let sandbox = match made {
            Ok(sandbox) => sandbox,
            Err(error) => {
                // Docker removes an auto-remove container whose start failed; `run --rm`
                // waits for that.
                if record.host_config.auto_remove {
                    drop(_layer);
                    let _ = self.remove(&record.id, true, false).await;
                }
                return Err(error);
            }
        };
        let network_namespace = sandbox.as_ref().and_then(|s| s.namespace());
        let joined = record.host_config.network_mode.starts_with("container:");
        if let Some(file) = sandbox.as_ref().and_then(|s| s.hosts_file.clone()) {
            let mount = if joined {
                // The joined container's own file, as it is.
                simkit::runner::WorkloadMount {
                    source: file,
                    destination: "/etc/hosts".into(),
                    read_only: false,
                }
            } else {
                let fresh = self.find(&record.id)?;
                self.hosts_mount(&fresh, &file)?
            };
            mounts.insert(0, mount);
        }
        if let Some(file) = sandbox.as_ref().and_then(|s| s.resolv_file.clone()) {
            mounts.insert(
                1.min(mounts.len()),
                simkit::runner::WorkloadMount {
                    source: file,
                    destination: "/etc/resolv.conf".into(),
                    read_only: false,
                },
            );
        }
        let mut record = record;
        if let Some(hostname) = sandbox
            .as_ref()
            .map(|s| s.hostname.clone())
            .filter(|h| joined && *h != record.config.hostname)
        {
            // Docker gives a container sharing another's network that container's hostname.
            self.records
                .update(&record.id, |r| r.config.hostname = hostname.clone())?;
            record.config.hostname = hostname.clone();
            env.insert("HOSTNAME".into(), hostname);
        }
        let spec = WorkloadSpec {
            name: format!("container/{}", &record.id[..12]),
            argv: Vec::new(),
            env,
            timeout: None,
            stop_grace: Duration::from_secs(10),
            user: (!record.config.user.is_empty()).then(|| record.config.user.clone()),
            read_only_root: record.host_config.readonly_rootfs,
            image: Some(image),
            mounts,
            hostname: Some(record.config.hostname.clone()),
            resources: crate::policy::resources(&record.host_config)?,
            network_namespace,
            stdin: record
                .config
                .open_stdin
                .then(|| self.stdin.start(&record.id)),
            writable_layer: Some(self.layer_dir(&record.id)),
            terminal: record.config.tty.then(|| {
                let size: Option<Vec<u32>> = record
                    .host_config
                    .extra
                    .get("ConsoleSize")
                    .and_then(|size| serde_json::from_value(size.clone()).ok());
                simkit::runner::terminal::Terminal::new(window_size(size.as_deref()))
            }),
        };
        if let Some(terminal) = &spec.terminal {
            self.terminals
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(record.id.clone(), terminal.clone());
        }
        let logbook = self.logbook(&record.id);
        let sink_book = logbook.clone();
        let sink = Arc::new(FnSink(move |line: LogLine| {
            let stream = match line.stream {
                Stream::Stdout => OutputStream::Stdout,
                Stream::Stderr => OutputStream::Stderr,
            };
            sink_book.append(stream, &line.text, line.time);
        }));
        let workload = match runner.start(spec, sink).await {
            Ok(workload) => workload,
            Err(simkit::runner::RunnerError::Unsupported(what)) => {
                logbook.ended();
                if record.host_config.auto_remove {
                    drop(_layer);
                    let _ = self.remove(&record.id, true, false).await;
                }
                return Err(EngineError::InvalidParameter(format!(
                    "the {} runtime cannot run this container: {what}",
                    runtime_of(&record)
                )));
            }
            Err(error) => return Err(EngineError::internal(error)),
        };
        if let Some(status) = workload.exit_status()
            && let ExitReason::SpawnFailed { message } | ExitReason::PullFailed { message } =
                &status.reason
        {
            let message = format!(
                "failed to create task for container: failed to create shim task: OCI runtime create failed: {} create failed: unable to start container process: {message}: unknown",
                runtime_of(&record)
            );
            let code = status.code;
            self.records.update(&record.id, |r| {
                r.state.exit_code = code;
                r.state.error = message.clone();
            })?;
            logbook.ended();
            drop(sandbox);
            self.clear_addresses(&record.id);
            // Docker removes an auto-remove container whose start failed; the CLI waits for it.
            if record.host_config.auto_remove {
                let _ = self.remove(&record.id, true, false).await;
            }
            return Err(if code == 127 || code == 126 {
                EngineError::InvalidParameter(message)
            } else {
                EngineError::Internal(message)
            });
        }
        // A wasm container has no host process (`State.Pid` 0): waiting for one would spend
        // the kit's whole 5 s pid poll on every start.
        let pid = if on_wasm {
            0
        } else {
            workload.container_pid().await.unwrap_or(0)
        };
        let started = nanos(workload.started_at());
        self.records.update(&record.id, |r| {
            r.state = StateRecord {
                status: "running".into(),
                pid,
                exit_code: 0,
                error: String::new(),
                started_nanos: Some(started),
                finished_nanos: r.state.finished_nanos,
                oom_killed: false,
                manually_stopped: false,
                paused: false,
            };
        })?;
        self.lock_running()
            .insert(record.id.clone(), workload.clone());
        if let Some(sandbox) = sandbox {
            self.lock_sandboxes().insert(record.id.clone(), sandbox);
            if let Some(fresh) = self.records.get(&record.id) {
                for endpoint in fresh.endpoints.values() {
                    if let Ok(network) = self.networks.find(&endpoint.network_id) {
                        self.networks.publish(
                            &network,
                            "connect",
                            &[("container", record.id.clone())],
                        );
                    }
                }
            }
        }
        self.publish(&record, "start", &[]);
        let image_config = self
            .images
            .find(&record.image_id)
            .map(|image| self.images.run_config(&image))
            .unwrap_or(Value::Null);
        match crate::health::check_of(&record.config, &image_config) {
            Some(check) => crate::health::watch(self, &record.id, workload.clone(), check),
            None => self.health.forget(&record.id),
        }
        let containers = self.clone();
        let id = record.id.clone();
        tokio::spawn(async move {
            let status = workload.wait().await;
            let oom = workload.out_of_memory();
            containers
                .exited(&id, status.code, nanos(status.finished_at), oom)
                .await;
        });
        Ok(())
    }

    /// Folds a workload's end into the record, tells waiters and removes an auto-remove one.
    async fn exited(self: &Arc<Self>, id: &str, code: i32, finished: i64, oom: bool) {
        self.lock_running().remove(id);
        self.terminals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
        let sandbox = self.lock_sandboxes().remove(id);
        if let Some(sandbox) = sandbox {
            drop(sandbox);
            if let Some(record) = self.records.get(id) {
                for endpoint in record.endpoints.values() {
                    if let Ok(network) = self.networks.find(&endpoint.network_id) {
                        self.networks.publish(
                            &network,
                            "disconnect",
                            &[("container", id.to_string())],
                        );
                    }
                }
            }
            self.clear_addresses(id);
        }
        self.stdin.close(id);
        self.execs.forget_container(id);
        let updated = self.records.update(id, |r| {
            r.state.status = "exited".into();
            r.state.paused = false;
            r.state.exit_code = code;
            r.state.pid = 0;
            r.state.finished_nanos = Some(finished);
            r.state.oom_killed = oom;
        });
        self.logbook(id).ended();
        let Ok(Some(())) = updated else { return };
        let Some(record) = self.records.get(id) else {
            return;
        };
        let duration = record.state.started_nanos.map_or(0, |started| {
            ((finished - started).max(0) / 1_000_000_000) as u64
        });
        self.publish(
            &record,
            "die",
            &[
                ("exitCode", code.to_string()),
                ("execDuration", duration.to_string()),
            ],
        );
        let _ = self.notices.send(Notice::Exited {
            id: id.to_string(),
            code,
        });
        if oom {
            self.publish(&record, "oom", &[]);
        }
        if record.host_config.auto_remove {
            let _ = self.remove(id, true, false).await;
            return;
        }
        if crate::policy::should_restart(
            &record.host_config.restart_policy,
            code,
            record.restart_count,
            record.state.manually_stopped,
        ) {
            self.schedule_restart(&record);
        }
    }

    /// Starts an exited container again after Docker's back-off, as its restart policy asks;
    /// it shows `restarting` meanwhile. A stop, kill or remove in between cancels it.
    fn schedule_restart(self: &Arc<Self>, record: &ContainerRecord) {
        let delay = crate::policy::backoff(record.restart_count);
        let marked = self.records.update(&record.id, |r| {
            r.state.status = "restarting".into();
            r.restart_count += 1;
        });
        if !matches!(marked, Ok(Some(()))) {
            return;
        }
        let containers = self.clone();
        let id = record.id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let still = containers
                .records
                .get(&id)
                .is_some_and(|r| r.state.status == "restarting" && !r.state.manually_stopped);
            if !still {
                return;
            }
            if let Err(error) = containers.start(&id).await {
                tracing::debug!(%error, container = %id, "restart failed");
                let _ = containers.records.update(&id, |r| {
                    if r.state.status == "restarting" {
                        r.state.status = "exited".into();
                        r.state.error = error.to_string();
                    }
                });
            }
        });
    }

    /// Marks a container stopped by hand (its restart policy no longer applies); true when
    /// it was waiting to restart, which this cancels.
    fn stop_by_hand(&self, id: &str) -> bool {
        let mut was_restarting = false;
        let _ = self.records.update(id, |r| {
            r.state.manually_stopped = true;
            if r.state.status == "restarting" {
                r.state.status = "exited".into();
                was_restarting = true;
            }
        });
        was_restarting
    }

    pub async fn stop(
        &self,
        reference: &str,
        signal: Option<String>,
        timeout: Option<i64>,
    ) -> Result<(), EngineError> {
        let record = self.find(reference)?;
        let restarting = self.stop_by_hand(&record.id);
        let Some(workload) = self.lock_running().get(&record.id).cloned() else {
            if restarting {
                self.publish(&record, "stop", &[]);
                return Ok(());
            }
            return Err(EngineError::NotModified);
        };
        let signal_name = signal
            .or(record.config.stop_signal.clone())
            .unwrap_or_else(|| "SIGTERM".into());
        let signal = parse_signal(&signal_name)?;
        let timeout = timeout.or(record.config.stop_timeout).unwrap_or(10);
        let grace = if timeout < 0 {
            Duration::from_secs(u32::MAX as u64)
        } else {
            Duration::from_secs(timeout as u64)
        };
        self.thaw(&record, &workload).await;
        let notices = self.notices.subscribe();
        self.publish(&record, "kill", &[("signal", (signal as i32).to_string())]);
        if signal == nix::sys::signal::Signal::SIGTERM {
            workload.stop(grace);
        } else {
            send_signal(&workload, signal);
            let killer = workload.clone();
            tokio::spawn(async move {
                if tokio::time::timeout(grace, killer.wait()).await.is_err() {
                    killer.kill();
                }
            });
        }
        self.exit_recorded(&record.id, notices).await;
        self.publish(&record, "stop", &[]);
        Ok(())
    }

    /// Thaws a paused container before it is stopped or killed: a frozen process cannot act
    /// on a signal, so Docker unpauses it too (without an `unpause` event).
    async fn thaw(&self, record: &ContainerRecord, workload: &Workload) {
        if !record.state.paused {
            return;
        }
        if let Err(error) = workload.resume().await {
            tracing::warn!(container = %record.id, %error, "thawing before a stop failed");
        }
        let _ = self.records.update(&record.id, |r| r.state.paused = false);
    }

    /// Waits until the exit of the container's workload is in its record: the monitor task
    /// folds it in right after the workload ends, then sends its notice. `notices` was
    /// subscribed before the workload was told to stop, so the notice cannot be missed.
    async fn exit_recorded(&self, id: &str, mut notices: broadcast::Receiver<Notice>) {
        loop {
            if self
                .records
                .get(id)
                .is_none_or(|r| r.state.status != "running")
            {
                return;
            }
            match notices.recv().await {
                Ok(Notice::Exited { id: exited, .. } | Notice::Removed { id: exited, .. })
                    if exited == id =>
                {
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
                _ => {}
            }
        }
    }

    pub async fn kill(&self, reference: &str, signal: Option<String>) -> Result<(), EngineError> {
        let record = self.find(reference)?;
        let signal = parse_signal(
            signal
                .as_deref()
                .filter(|s| !s.is_empty())
                .unwrap_or("SIGKILL"),
        )?;
        if matches!(
            signal,
            nix::sys::signal::Signal::SIGKILL | nix::sys::signal::Signal::SIGTERM
        ) {
            self.stop_by_hand(&record.id);
        }
        let Some(workload) = self.lock_running().get(&record.id).cloned() else {
            return Err(EngineError::Conflict(format!(
                "cannot kill container: {reference}: container {} is not running",
                record.id
            )));
        };
        let notices = self.notices.subscribe();
        self.publish(&record, "kill", &[("signal", (signal as i32).to_string())]);
        if signal == nix::sys::signal::Signal::SIGKILL {
            self.thaw(&record, &workload).await;
            workload.kill();
            self.exit_recorded(&record.id, notices).await;
        } else {
            send_signal(&workload, signal);
        }
        Ok(())
    }

    pub async fn wait(
        &self,
        reference: &str,
        condition: WaitCondition,
    ) -> Result<futures_util::future::BoxFuture<'static, WaitResponse>, EngineError> {
        let mut notices = self.notices.subscribe();
        let record = self.find(reference)?;
        let id = record.id.clone();
        let running = record.state.status == "running";
        let answer = |code: i32| WaitResponse {
            status_code: code as i64,
            error: None,
        };
        if condition == WaitCondition::NotRunning && !running {
            let code = record.state.exit_code;
            return Ok(Box::pin(async move { answer(code) }));
        }
        Ok(Box::pin(async move {
            loop {
                match notices.recv().await {
                    Ok(Notice::Exited { id: exited, code })
                        if exited == id && condition != WaitCondition::Removed =>
                    {
                        return answer(code);
                    }
                    Ok(Notice::Removed { id: removed, code }) if removed == id => {
                        return answer(code);
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        return WaitResponse {
                            status_code: -1,
                            error: Some(WaitError {
                                message: "the engine is shutting down".into(),
                            }),
                        };
                    }
                }
            }
        }))
    }

    pub async fn remove(
        &self,
        reference: &str,
        force: bool,
        volumes: bool,
    ) -> Result<(), EngineError> {
        let record = self.find(reference)?;
        let workload = self.lock_running().get(&record.id).cloned();
        if let Some(workload) = workload {
            if !force {
                return Err(EngineError::Conflict(format!(
                    "cannot remove container \"/{}\": container is running: stop the container before removing or force remove",
                    record.name
                )));
            }
            self.thaw(&record, &workload).await;
            let notices = self.notices.subscribe();
            self.publish(&record, "kill", &[("signal", "9".into())]);
            workload.kill();
            self.exit_recorded(&record.id, notices).await;
        }
        let removed = self.records.remove(&record.id)?;
        let Some(removed) = removed else {
            // Someone else (auto-remove) removed it first.
            return Ok(());
        };
        self.lock_logbooks().remove(&record.id);
        self.health.forget(&record.id);
        self.stdin.close(&record.id);
        self.layer_locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&record.id);
        let _ = tokio::fs::remove_dir_all(self.dir.join(&record.id)).await;
        self.publish(&removed, "destroy", &[]);
        // `rm -v` and `--rm` take the container's anonymous volumes with it.
        if volumes || removed.host_config.auto_remove {
            for mount in removed.mounts.iter().filter(|m| m.kind == "volume") {
                self.volumes
                    .remove_anonymous(&mount.name, &|name| self.volume_users(name));
            }
        }
        let _ = self.notices.send(Notice::Removed {
            id: record.id.clone(),
            code: removed.state.exit_code,
        });
        Ok(())
    }

    /// `docker container prune`: removes the containers that do not run and match `filters`.
    pub async fn prune(&self, filters: &Filters) -> Result<ContainerPruneReport, EngineError> {
        for key in filters.keys() {
            if !matches!(key.as_str(), "until" | "label" | "label!") {
                return Err(EngineError::InvalidParameter(format!(
                    "invalid filter '{key}'"
                )));
            }
        }
        let until = crate::prune::until(filters, self.kit.clock().now())?;
        let mut deleted = Vec::new();
        let mut reclaimed = 0u64;
        for record in self.all() {
            if record.state.status == "running"
                || until.is_some_and(|until| record.created_nanos >= until)
                || !crate::prune::labels_match(
                    filters,
                    &record.config.labels.clone().unwrap_or_default(),
                )
            {
                continue;
            }
            let size = dir_size(&self.layer_dir(&record.id));
            match self.remove(&record.id, false, false).await {
                Ok(()) => {
                    deleted.push(record.id.clone());
                    reclaimed += size;
                }
                // Started (or removed) meanwhile: not this prune's.
                Err(EngineError::Conflict(_) | EngineError::NotFound(_)) => {}
                Err(error) => return Err(error),
            }
        }
        self.events
            .publish("container", "prune", "", crate::prune::reclaimed(reclaimed));
        Ok(ContainerPruneReport {
            containers_deleted: (!deleted.is_empty()).then_some(deleted),
            space_reclaimed: reclaimed,
        })
    }

    pub fn rename(&self, reference: &str, name: &str) -> Result<(), EngineError> {
        let record = self.find(reference)?;
        if name.is_empty() {
            return Err(EngineError::InvalidParameter(
                "Neither old nor new names may be empty".into(),
            ));
        }
        let name = names::validate(name)?;
        if name == record.name {
            return Err(EngineError::InvalidParameter(
                "Renaming a container with the same name as its current name".into(),
            ));
        }
        {
            let _naming = self.naming.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(conflict) = self.name_conflict(&name) {
                return Err(conflict);
            }
            self.records.update(&record.id, |r| r.name = name.clone())?;
        }
        let old = record.name.clone();
        let mut renamed = record;
        renamed.name = name;
        self.publish(&renamed, "rename", &[("oldName", format!("/{old}"))]);
        Ok(())
    }

    fn mounts(&self, record: &ContainerRecord) -> Vec<MountPoint> {
        record
            .mounts
            .iter()
            .map(|mount| crate::mounts::mount_point(mount, &|name| self.volumes.data_dir(name)))
            .collect()
    }

    /// The host directories a starting container gets: binds (a missing `-v` source is made,
    /// as Docker makes it), volumes (an empty one first gets the image's files at its
    /// destination, as Docker copies them), and tmpfs mounts (private empty directories, not
    /// memory).
    async fn start_mounts(
        &self,
        record: &ContainerRecord,
        image: &WorkloadImage,
    ) -> Result<Vec<WorkloadMount>, EngineError> {
        let mut out = Vec::new();
        let mut lower: Option<PathBuf> = None;
        for (index, mount) in record.mounts.iter().enumerate() {
            let source = match mount.kind.as_str() {
                "bind" => {
                    let source = PathBuf::from(&mount.source);
                    if !source.exists() {
                        std::fs::create_dir_all(&source).map_err(|error| {
                            EngineError::InvalidParameter(format!(
                                "error while creating mount source path '{}': {error}",
                                mount.source
                            ))
                        })?;
                    }
                    source
                }
                "volume" => {
                    let data = self.volumes.data_dir(&mount.name);
                    std::fs::create_dir_all(&data).map_err(EngineError::internal)?;
                    let empty = std::fs::read_dir(&data)
                        .map(|mut entries| entries.next().is_none())
                        .unwrap_or(false);
                    if mount.copy_up && empty {
                        if lower.is_none() {
                            lower = self.runner_for(record)?.image_root(image).await.ok();
                        }
                        if let Some(lower) = &lower {
                            let (lower, data, destination) =
                                (lower.clone(), data.clone(), mount.destination.clone());
                            crate::blocking(move || copy_up(&lower, &destination, &data)).await?;
                        }
                    }
                    data
                }
                _ => {
                    let dir = self
                        .dir
                        .join(&record.id)
                        .join("tmpfs")
                        .join(index.to_string());
                    let _ = std::fs::remove_dir_all(&dir);
                    std::fs::create_dir_all(&dir).map_err(EngineError::internal)?;
                    dir
                }
            };
            out.push(WorkloadMount {
                source,
                destination: mount.destination.clone(),
                read_only: mount.read_only,
            });
        }
        Ok(out)
    }

    pub fn inspect(&self, reference: &str) -> Result<ContainerInspect, EngineError> {
        let record = self.find(reference)?;
        let state = &record.state;
        let logbook = self.logbook(&record.id);
        Ok(ContainerInspect {
            id: record.id.clone(),
            created: rfc3339_nanos(from_nanos(record.created_nanos)),
            path: record.path.clone(),
            args: record.args.clone(),
            state: ContainerState {
                status: state.shown_status().to_string(),
                running: state.status == "running",
                paused: state.paused,
                restarting: state.status == "restarting",
                oom_killed: state.oom_killed,
                dead: state.status == "dead",
                pid: state.pid,
                exit_code: state.exit_code,
                error: state.error.clone(),
                started_at: time_text(state.started_nanos),
                finished_at: time_text(state.finished_nanos),
                health: self.health.get(&record.id),
            },
            image: record.image_id.clone(),
            resolv_conf_path: String::new(),
            hostname_path: String::new(),
            hosts_path: String::new(),
            log_path: logbook.path().display().to_string(),
            name: format!("/{}", record.name),
            restart_count: record.restart_count,
            driver: "overlay2".into(),
            platform: "linux".into(),
            mount_label: String::new(),
            process_label: String::new(),
            app_armor_profile: String::new(),
            exec_ids: self.execs.of_container(&record.id),
            host_config: record.host_config.clone(),
            graph_driver: serde_json::json!({ "Name": "overlay2", "Data": null }),
            mounts: self.mounts(&record),
            config: record.config.clone(),
            network_settings: self.network_settings(&record),
        })
    }

    fn status_text(&self, record: &ContainerRecord) -> String {
        let now = nanos(self.kit.clock().now());
        let since = |then: Option<i64>| {
            names::human_duration(((now - then.unwrap_or(now)).max(0) / 1_000_000_000) as u64)
        };
        match record.state.status.as_str() {
            "running" => {
                let health = match self.health.get(&record.id).map(|h| h.status) {
                    Some(status) if status == "starting" => " (health: starting)".to_string(),
                    Some(status) => format!(" ({status})"),
                    None => String::new(),
                };
                let paused = if record.state.paused { " (Paused)" } else { "" };
                format!("Up {}{health}{paused}", since(record.state.started_nanos))
            }
            "exited" => format!(
                "Exited ({}) {} ago",
                record.state.exit_code,
                since(record.state.finished_nanos)
            ),
            "created" => "Created".into(),
            "restarting" => format!(
                "Restarting ({}) {} ago",
                record.state.exit_code,
                since(record.state.finished_nanos)
            ),
            other => other.to_string(),
        }
    }

    fn matches(
        &self,
        record: &ContainerRecord,
        key: &str,
        value: &str,
    ) -> Result<bool, EngineError> {
        Ok(match key {
            "id" => record.id.starts_with(value),
            "name" => record.name.contains(value.trim_start_matches('/')),
            "status" => {
                const STATUSES: [&str; 7] = [
                    "created",
                    "restarting",
                    "running",
                    "removing",
                    "paused",
                    "exited",
                    "dead",
                ];
                if !STATUSES.contains(&value) {
                    return Err(EngineError::InvalidParameter(format!(
                        "invalid filter 'status={value}'"
                    )));
                }
                record.state.shown_status() == value
            }
            "label" => {
                let labels = record.config.labels.clone().unwrap_or_default();
                match value.split_once('=') {
                    Some((k, v)) => labels.get(k).map(String::as_str) == Some(v),
                    None => labels.contains_key(value),
                }
            }
            "ancestor" => {
                record.config.image == value
                    || self
                        .images
                        .find(value)
                        .is_ok_and(|image| image.id == record.image_id)
            }
            "exited" => {
                record.state.status == "exited"
                    && value.parse::<i32>().ok() == Some(record.state.exit_code)
            }
            "network" => {
                record.host_config.network_mode == value
                    || record
                        .endpoints
                        .iter()
                        .any(|(name, e)| name == value || e.network_id.starts_with(value))
            }
            "volume" => record
                .mounts
                .iter()
                .any(|m| m.destination == value || (m.kind == "volume" && m.name == value)),
            "health" => {
                const STATUSES: [&str; 4] = ["starting", "healthy", "unhealthy", "none"];
                if !STATUSES.contains(&value) {
                    return Err(EngineError::InvalidParameter(format!(
                        "Unrecognised filter value for health: {value}"
                    )));
                }
                let status = self
                    .health
                    .get(&record.id)
                    .map_or_else(|| "none".to_string(), |h| h.status);
                status == value
            }
            "isolation" | "is-task" | "publish" | "expose" | "before" | "since" => true,
            other => {
                return Err(EngineError::InvalidParameter(format!(
                    "invalid filter '{other}'"
                )));
            }
        })
    }

    pub fn list(&self, options: &ListOptions) -> Result<Vec<ContainerSummary>, EngineError> {
        let mut out = Vec::new();
        let all = options.all
            || options.limit.is_some()
            || options.filters.contains_key("status")
            || options.filters.contains_key("exited");
        for record in self.all() {
            if !all && record.state.status != "running" {
                continue;
            }
            let mut keep = true;
            for (key, values) in &options.filters {
                if values.is_empty() {
                    continue;
                }
                let mut any = false;
                for value in values {
                    any |= self.matches(&record, key, value)?;
                }
                // Labels must all match; other keys match any of their values.
                if key == "label" {
                    for value in values {
                        keep &= self.matches(&record, key, value)?;
                    }
                } else {
                    keep &= any;
                }
            }
            if !keep {
                continue;
            }
            let command = std::iter::once(record.path.clone())
                .chain(record.args.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(ContainerSummary {
                id: record.id.clone(),
                names: vec![format!("/{}", record.name)],
                image: record.config.image.clone(),
                image_id: record.image_id.clone(),
                command,
                created: record.created_nanos / 1_000_000_000,
                ports: self.summary_ports(&record),
                labels: record.config.labels.clone().unwrap_or_default(),
                state: record.state.shown_status().to_string(),
                status: self.status_text(&record),
                host_config: serde_json::json!({ "NetworkMode": record.host_config.network_mode }),
                network_settings: serde_json::json!({ "Networks": self.network_settings(&record)["Networks"] }),
                mounts: self.mounts(&record),
            });
            if options.limit.is_some_and(|limit| out.len() >= limit) {
                break;
            }
        }
        Ok(out)
    }

    pub fn logs(&self, reference: &str, options: LogOptions) -> Result<Logs, EngineError> {
        let record = self.find(reference)?;
        let tty = record.config.tty;
        let logbook = self.logbook(&record.id);
        let follow = options.follow && record.state.status == "running";
        let (lines, receiver) = logbook.snapshot(follow);
        let mut past: Vec<OutputChunk> = lines
            .iter()
            .filter_map(|line| {
                let (stream, text, time) = stored(line);
                render(stream, &text, time, &options)
            })
            .collect();
        if let Some(tail) = options.tail {
            let skip = past.len().saturating_sub(tail);
            past.drain(..skip);
        }
        let past = futures_util::stream::iter(past);
        let output = match receiver {
            Some(receiver) => past.chain(live_stream(receiver, options)).boxed(),
            None => past.boxed(),
        };
        Ok(Logs { tty, output })
    }

    pub fn attach(&self, reference: &str, options: AttachOptions) -> Result<Attached, EngineError> {
        let record = self.find(reference)?;
        let logbook = self.logbook(&record.id);
        let log_options = LogOptions {
            stdout: options.stdout,
            stderr: options.stderr,
            ..LogOptions::default()
        };
        let (lines, receiver) = logbook.snapshot(options.stream);
        let past: Vec<OutputChunk> = if options.logs {
            lines
                .iter()
                .filter_map(|line| {
                    let (stream, text, time) = stored(line);
                    render(stream, &text, time, &log_options)
                })
                .collect()
        } else {
            Vec::new()
        };
        // An exited container attached to waits for its next run, as a created one does
        // (`docker start -a` attaches before it starts); a dead one has nothing more to say.
        let finished = record.state.status == "dead";
        let output = match receiver {
            Some(receiver) if !finished => futures_util::stream::iter(past)
                .chain(live_stream(receiver, log_options))
                .boxed(),
            _ => futures_util::stream::iter(past).boxed(),
        };
        let stdin = (options.stdin && record.config.open_stdin && !finished)
            .then(|| self.stdin.attach(&record.id, record.config.stdin_once))
            .flatten();
        Ok(Attached {
            tty: record.config.tty,
            output,
            stdin,
        })
    }

    /// All, running (not paused), paused and stopped containers, as `GET /info` counts them.
    pub fn counts(&self) -> (u64, u64, u64, u64) {
        let all = self.all();
        let count = |status: &str| {
            all.iter()
                .filter(|r| r.state.shown_status() == status)
                .count() as u64
        };
        let (running, paused) = (count("running"), count("paused"));
        (
            all.len() as u64,
            running,
            paused,
            all.len() as u64 - running - paused,
        )
    }

    /// A container that uses image `id`, if any.
    pub fn using_image(&self, id: &str) -> Option<String> {
        self.all()
            .into_iter()
            .find(|r| r.image_id == id)
            .map(|r| r.id)
    }
}

/// Live lines until the process ends.
fn live_stream(
    receiver: broadcast::Receiver<Live>,
    options: LogOptions,
) -> engine_core::backend::OutputStreamBox {
    futures_util::stream::unfold(receiver, move |mut receiver| {
        let options = options.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(Live::Line { stream, text, time }) => {
                        if let Some(chunk) = render(stream, &text, time, &options) {
                            return Some((chunk, receiver));
                        }
                    }
                    Ok(Live::Ended) | Err(broadcast::error::RecvError::Closed) => return None,
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                }
            }
        }
    })
    .boxed()
}

/// The container's volumes, made through [`Volumes`].
struct VolumesFor<'a>(&'a Volumes);

impl VolumeSource for VolumesFor<'_> {
    fn named(&self, name: &str) -> Result<(), EngineError> {
        self.0
            .create(VolumeCreate {
                name: name.to_string(),
                ..VolumeCreate::default()
            })
            .map(|_| ())
    }

    fn anonymous(&self) -> Result<String, EngineError> {
        self.0.create_anonymous().map(|record| record.name)
    }
}

/// Copies what the image has at `destination` into an empty volume at `data`.
fn copy_up(
    lower: &std::path::Path,
    destination: &str,
    data: &std::path::Path,
) -> Result<(), EngineError> {
    use simkit::runner::oci::unpack::{clean, copy_tree, resolve_in_root};
    let Ok(source) = resolve_in_root(lower, &clean(std::path::Path::new(destination))) else {
        return Ok(());
    };
    let Ok(entries) = std::fs::read_dir(&source) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        copy_tree(&entry.path(), &data.join(entry.file_name()), true)
            .map_err(EngineError::internal)?;
    }
    if let Ok(meta) = std::fs::metadata(&source) {
        let _ = std::fs::set_permissions(data, meta.permissions());
    }
    Ok(())
}

/// Sends `signal` to the workload: runc passes what it receives to the container's process.
fn send_signal(workload: &Workload, signal: nix::sys::signal::Signal) {
    if let Some(pid) = workload.pid() {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), signal);
    }
}

/// The runtime a container runs on (`runc` for records from before runtimes were kept).
pub(crate) fn runtime_of(record: &ContainerRecord) -> &str {
    record
        .host_config
        .extra
        .get("Runtime")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .unwrap_or(crate::runtimes::RUNC)
}

/// A wasm container keeps a full copy of its image, with no upper directory to make a layer
/// of: `commit` says so rather than commit an empty layer.
fn refuse_copied_layer(record: &ContainerRecord, what: &str) -> Result<(), EngineError> {
    if runtime_of(record) == crate::runtimes::WASM {
        return Err(EngineError::not_supported(
            "memory",
            &format!("{what} of a container on the wasm runtime"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_by_docker_names() {
        assert_eq!(
            parse_signal("SIGTERM").unwrap(),
            nix::sys::signal::Signal::SIGTERM
        );
        assert_eq!(
            parse_signal("kill").unwrap(),
            nix::sys::signal::Signal::SIGKILL
        );
        assert_eq!(parse_signal("2").unwrap(), nix::sys::signal::Signal::SIGINT);
        assert_eq!(
            parse_signal("NOPE").unwrap_err().to_string(),
            "Invalid signal: NOPE"
        );
    }
}
