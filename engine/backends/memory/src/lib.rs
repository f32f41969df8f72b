//! backend-memory: the engine's default backend. Needs no Docker daemon and no cloud:
//! containers run on the kit's runner (`oci`: each in its real image on runc), images live in
//! the engine's own store ([`images`]), output in json-file logs ([`logs`]).
//!
//! | module | holds |
//! |---|---|
//! | [`reference`] | image references, normalized as Docker does |
//! | [`images`] | the image store: load, tag, remove, the runner's `ImageStore` |
//! | [`import`] | `docker import`: a root file system's tar, decompressed and checked |
//! | [`pull`] | pulls from a registry over the distribution API |
//! | [`archive`] | `docker cp` and `export`: stat, tar and untar a container's files |
//! | [`layer`] | a container's writable layer, and its files while no process runs |
//! | [`volumes`] | volumes of the `local` driver |
//! | [`mounts`] | a container's binds, volumes and tmpfs mounts, worked out at create |
//! | [`networks`] | networks: predefined and user-defined bridges, addresses |
//! | [`endpoints`] | a container's networks: its namespace, interfaces, ports, hosts and resolv.conf |
//! | [`dns`] | the embedded DNS server at `127.0.0.11` and Docker's `resolv.conf` |
//! | [`containers`] | container records, lifecycle, wait, logs, attach |
//! | [`exec`] | exec instances: a second process in a running container |
//! | [`health`] | health checks probed by exec |
//! | [`logs`] | json-file logs and their live followers |
//! | [`names`] | container names and ages |
//! | [`policy`] | resource limits and restart policies |
//! | [`prune`] | the filters `container prune` and `image prune` share |
//! | [`stdin`] | containers' stdin pipes (`OpenStdin`, `StdinOnce`) |
//! | [`runtimes`] | the runtimes `--runtime` names: `runc` (the kit's runner) and `wasm` |
//! | [`usage`] | `system df`: what images, containers and volumes take on disk |
//!
//! A `Tty` container or exec runs on a terminal of its own (the kit's `runner::terminal`),
//! kept here by ID so `resize` reaches it.
//!
//! Limits (each answers Docker's error naming the backend, never a silent success): a
//! terminal's output reaches clients a line at a time; volumes of the `local` driver only; tmpfs mounts
//! are private directories, not memory; the embedded DNS server answers over UDP only ([`dns`]).

pub mod archive;
pub mod containers;
pub mod dns;
pub mod endpoints;
pub mod exec;
pub mod health;
pub mod images;
pub mod import;
pub mod layer;
pub mod logs;
pub mod mounts;
pub mod names;
pub mod networks;
pub mod policy;
pub mod prune;
pub mod pull;
pub mod reference;
pub mod runtimes;
pub mod stdin;
pub mod usage;
pub mod volumes;

use std::path::PathBuf;
use std::sync::Arc;

use engine_core::api::*;
use engine_core::backend::{AttachOptions, Attached, Backend, Logs, Progress, Result};
use engine_core::{EngineError, Events};
use simkit::Kit;

use containers::Containers;
use images::Images;

/// This machine's architecture as image indexes name it.
pub fn platform_architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Runs file-system work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|join| Err(EngineError::internal(join)))
}

/// The memory backend.
pub struct MemoryBackend {
    kit: Kit,
    events: Events,
    images: Arc<Images>,
    containers: Arc<Containers>,
}

impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryBackend")
    }
}

impl MemoryBackend {
    /// The backend over `kit` (its store, files directory and runner), with runc only.
    pub fn open(kit: &Kit, events: &Events) -> std::result::Result<Arc<Self>, String> {
        Self::open_with_runtimes(
            kit,
            events,
            runtimes::Runtimes::runc_only(kit.runner().clone()),
        )
    }

    /// The backend over `kit`, its containers run on `runtimes`.
    pub fn open_with_runtimes(
        kit: &Kit,
        events: &Events,
        runtimes: runtimes::Runtimes,
    ) -> std::result::Result<Arc<Self>, String> {
        let images = Arc::new(Images::open(kit)?);
        // Images seeded at start (`--seed-images`) are listed and run under their own names.
        for (reference, located) in kit.runner().seeded_images() {
            if let Err(problem) = images.import_seeded(&reference, &located) {
                tracing::warn!(image = %reference, %problem, "a seeded image is not in the engine");
            }
        }
        let volumes = Arc::new(volumes::Volumes::open(kit, events)?);
        let networks = Arc::new(networks::Networks::open(kit, events)?);
        let containers =
            Containers::open(kit, events, images.clone(), volumes, networks, runtimes)?;
        Ok(Arc::new(Self {
            kit: kit.clone(),
            events: events.clone(),
            images,
            containers,
        }))
    }
}

#[async_trait::async_trait]
impl Backend for MemoryBackend {
    fn name(&self) -> &'static str {
        "memory"
    }

    async fn info(&self) -> BackendInfo {
        let (containers, running, paused, stopped) = self.containers.counts();
        let isolation = self.kit.runner().isolation();
        BackendInfo {
            containers,
            running,
            paused,
            stopped,
            images: self.images.count() as u64,
            driver: "overlay2".into(),
            driver_status: vec![["Runner".into(), isolation.runner.clone()]],
            runtimes: self.containers.runtimes().listed(),
            default_runtime: self.containers.runtimes().default_name().into(),
            root_dir: self.kit.files_dir().join("engine").display().to_string(),
        }
    }

    async fn images(&self, _all: bool, filters: &Filters) -> Result<Vec<ImageSummary>> {
        self.images.list(filters)
    }

    async fn image_inspect(&self, name: &str) -> Result<ImageInspect> {
        self.images.inspect(name)
    }

    async fn auth(&self, config: AuthConfig) -> Result<AuthResponse> {
        let server = if config.serveraddress.is_empty() {
            "https://index.docker.io/v1/".to_string()
        } else {
            config.serveraddress.clone()
        };
        let credentials = pull::Credentials {
            username: config.username,
            password: if config.identitytoken.is_empty() {
                config.password
            } else {
                config.identitytoken
            },
        };
        pull::login(&server, credentials).await?;
        Ok(AuthResponse {
            status: "Login Succeeded".into(),
            identity_token: String::new(),
        })
    }

    async fn image_save(&self, names: Vec<String>, into: std::fs::File) -> Result<()> {
        let images = self.images.clone();
        blocking(move || images.save(&names, into)).await
    }

    async fn image_history(&self, name: &str) -> Result<Vec<HistoryItem>> {
        self.images.history(name)
    }

    async fn image_prune(&self, filters: &Filters) -> Result<ImagePruneReport> {
        for key in filters.keys() {
            if !matches!(key.as_str(), "dangling" | "until" | "label" | "label!") {
                return Err(EngineError::InvalidParameter(format!(
                    "invalid filter '{key}'"
                )));
            }
        }
        let dangling_only = match filters.get("dangling").and_then(|v| v.first()) {
            None => true,
            Some(value) => match value.to_ascii_lowercase().as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(EngineError::InvalidParameter(format!(
                        "invalid filter 'dangling={value}'"
                    )));
                }
            },
        };
        let until = prune::until(filters, self.kit.clock().now())?;
        let mut deleted = Vec::new();
        for record in self.images.all() {
            if (dangling_only && !record.repo_tags.is_empty())
                || self.containers.using_image(&record.id).is_some()
                || until.is_some_and(|until| record.added_at * 1_000_000 >= until)
                || !prune::labels_match(filters, &self.images.labels_of(&record))
            {
                continue;
            }
            let removed = self.image_remove(&record.id, true, true).await?;
            deleted.extend(removed);
        }
        self.events
            .publish("image", "prune", "", prune::reclaimed(0));
        Ok(ImagePruneReport {
            images_deleted: (!deleted.is_empty()).then_some(deleted),
            // Blobs are shared by images and kept: nothing is freed on disk.
            space_reclaimed: 0,
        })
    }

    async fn image_tag(&self, name: &str, repository: &str, tag: &str) -> Result<()> {
        let id = self.images.tag(name, repository, tag)?;
        let target = if tag.is_empty() {
            repository.to_string()
        } else {
            format!("{repository}:{tag}")
        };
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert("name".into(), target);
        self.events.publish("image", "tag", &id, attributes);
        Ok(())
    }

    async fn image_remove(
        &self,
        name: &str,
        force: bool,
        _prune: bool,
    ) -> Result<Vec<ImageDeleted>> {
        let containers = self.containers.clone();
        let deleted = self
            .images
            .remove(name, force, |id| containers.using_image(id))?;
        for item in &deleted {
            let (action, id) = match item {
                ImageDeleted::Untagged(name) => ("untag", name),
                ImageDeleted::Deleted(id) => ("delete", id),
            };
            let mut attributes = std::collections::BTreeMap::new();
            attributes.insert("name".into(), name.to_string());
            self.events.publish("image", action, id, attributes);
        }
        Ok(deleted)
    }

    async fn image_load(&self, archive: PathBuf, progress: Progress) -> Result<()> {
        self.images.load(&archive, &progress).await
    }

    async fn image_import(
        &self,
        archive: PathBuf,
        options: ImportOptions,
        progress: Progress,
    ) -> Result<()> {
        let tag = if options.repo.is_empty() {
            None
        } else {
            let text = if options.tag.is_empty() {
                options.repo.clone()
            } else {
                format!("{}:{}", options.repo, options.tag)
            };
            let parsed = reference::ImageRef::parse(&text)?;
            if parsed.digest.is_some() {
                return Err(EngineError::InvalidParameter(
                    "refusing to create a tag with a digest reference".into(),
                ));
            }
            parsed.full_tagged()
        };
        let run_config = engine_core::changes::apply(
            &serde_json::Value::Object(Default::default()),
            &options.changes,
        )?;
        let layer = blocking(move || import::layer_tar(&archive)).await?;
        let comment = if options.message.is_empty() {
            "Imported from -".to_string()
        } else {
            options.message
        };
        let id = self
            .images
            .import(&layer, run_config, &comment, tag.clone())
            .await?;
        let mut attributes = std::collections::BTreeMap::new();
        if let Some(tag) = &tag {
            attributes.insert("name".into(), reference::familiar(tag));
        }
        self.events.publish("image", "import", &id, attributes);
        let _ = progress.send(ProgressMessage::status(id)).await;
        Ok(())
    }

    async fn image_pull(
        &self,
        image: &str,
        tag: &str,
        auth: Option<String>,
        progress: Progress,
    ) -> Result<()> {
        let credentials = pull::Credentials::from_header(auth.as_deref());
        let reference = if tag.is_empty() {
            image.to_string()
        } else if tag.starts_with("sha256:") {
            format!("{image}@{tag}")
        } else {
            format!("{image}:{tag}")
        };
        let parsed = reference::ImageRef::parse(&reference)?;
        let id = pull::pull(
            &self.images,
            &parsed,
            credentials,
            self.kit.registry_upstream(),
            &progress,
        )
        .await?;
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert("name".into(), parsed.familiar());
        self.events
            .publish("image", "pull", &parsed.familiar(), attributes);
        let _ = id;
        Ok(())
    }

    async fn container_create(
        &self,
        name: Option<String>,
        body: ContainerCreate,
    ) -> Result<ContainerCreated> {
        self.containers.create(name, body)
    }

    async fn container_start(&self, id: &str) -> Result<()> {
        self.containers.start(id).await
    }

    async fn container_stop(
        &self,
        id: &str,
        signal: Option<String>,
        timeout: Option<i64>,
    ) -> Result<()> {
        self.containers.stop(id, signal, timeout).await
    }

    async fn container_restart(
        &self,
        id: &str,
        signal: Option<String>,
        timeout: Option<i64>,
    ) -> Result<()> {
        match self.containers.stop(id, signal, timeout).await {
            Ok(()) | Err(EngineError::NotModified) => {}
            Err(error) => return Err(error),
        }
        self.containers.start(id).await
    }

    async fn container_kill(&self, id: &str, signal: Option<String>) -> Result<()> {
        self.containers.kill(id, signal).await
    }

    async fn container_wait(
        &self,
        id: &str,
        condition: WaitCondition,
    ) -> Result<futures_util::future::BoxFuture<'static, WaitResponse>> {
        self.containers.wait(id, condition).await
    }

    async fn container_remove(&self, id: &str, force: bool, volumes: bool) -> Result<()> {
        self.containers.remove(id, force, volumes).await
    }

    async fn container_rename(&self, id: &str, name: &str) -> Result<()> {
        self.containers.rename(id, name)
    }

    async fn system_df(&self) -> Result<SystemDf> {
        let containers = self.containers.clone();
        let images = self.images.clone();
        blocking(move || usage::system_df(&containers, &images)).await
    }

    async fn container_pause(&self, id: &str) -> Result<()> {
        self.containers.pause(id).await
    }

    async fn container_unpause(&self, id: &str) -> Result<()> {
        self.containers.unpause(id).await
    }

    async fn container_top(&self, id: &str, ps_args: &str) -> Result<ContainerTop> {
        self.containers.top(id, ps_args).await
    }

    async fn container_stats(
        &self,
        id: &str,
        stream: bool,
        one_shot: bool,
    ) -> Result<futures_util::stream::BoxStream<'static, ContainerStats>> {
        self.containers.stats(id, stream, one_shot).await
    }

    async fn container_update(
        &self,
        id: &str,
        update: ContainerUpdate,
    ) -> Result<ContainerUpdateResponse> {
        self.containers.update(id, update).await
    }

    async fn container_inspect(&self, id: &str) -> Result<ContainerInspect> {
        self.containers.inspect(id)
    }

    async fn containers(&self, options: ListOptions) -> Result<Vec<ContainerSummary>> {
        self.containers.list(&options)
    }

    async fn container_logs(&self, id: &str, options: LogOptions) -> Result<Logs> {
        self.containers.logs(id, options)
    }

    async fn container_attach(&self, id: &str, options: AttachOptions) -> Result<Attached> {
        self.containers.attach(id, options)
    }

    async fn container_resize(&self, id: &str, height: u32, width: u32) -> Result<()> {
        self.containers.resize(id, height, width)
    }

    async fn exec_create(&self, container: &str, config: ExecConfig) -> Result<String> {
        self.containers
            .execs
            .create(&self.containers, container, config)
    }

    async fn exec_start(&self, id: &str, start: ExecStartConfig) -> Result<Option<Attached>> {
        self.containers
            .execs
            .start(&self.containers, id, start)
            .await
    }

    async fn exec_inspect(&self, id: &str) -> Result<ExecInspect> {
        self.containers.execs.inspect(id)
    }

    async fn exec_resize(&self, id: &str, height: u32, width: u32) -> Result<()> {
        self.containers.execs.resize(id, height, width)
    }

    async fn volume_create(&self, create: VolumeCreate) -> Result<Volume> {
        let volumes = &self.containers.volumes;
        volumes.create(create).map(|record| volumes.view(&record))
    }

    async fn volumes(&self, filters: &Filters) -> Result<VolumeList> {
        let containers = &self.containers;
        containers
            .volumes
            .list(filters, &|name| containers.volume_users(name))
    }

    async fn volume_inspect(&self, name: &str) -> Result<Volume> {
        let volumes = &self.containers.volumes;
        volumes.find(name).map(|record| volumes.view(&record))
    }

    async fn volume_remove(&self, name: &str, force: bool) -> Result<()> {
        let containers = &self.containers;
        containers
            .volumes
            .remove(name, force, &|name| containers.volume_users(name))
    }

    async fn volume_prune(&self, filters: &Filters) -> Result<VolumePruneReport> {
        let containers = &self.containers;
        containers
            .volumes
            .prune(filters, &|name| containers.volume_users(name))
    }

    async fn network_create(&self, create: NetworkCreate) -> Result<NetworkCreated> {
        self.containers.networks.create(create)
    }

    async fn networks(&self, filters: &Filters) -> Result<Vec<Network>> {
        let containers = &self.containers;
        let networks = &containers.networks;
        let records = networks.list(filters, &|id| !containers.network_users(id).is_empty())?;
        // The list shows no containers, as Docker's does.
        Ok(records.iter().map(|r| networks.view(r, &[])).collect())
    }

    async fn network_inspect(&self, reference: &str) -> Result<Network> {
        let containers = &self.containers;
        let record = containers.networks.find(reference)?;
        Ok(containers
            .networks
            .view(&record, &containers.network_users(&record.id)))
    }

    async fn network_remove(&self, reference: &str) -> Result<()> {
        let containers = &self.containers;
        containers
            .networks
            .remove(reference, &|id| containers.network_users(id).len())
    }

    async fn network_connect(&self, reference: &str, connect: NetworkConnect) -> Result<()> {
        self.containers.connect(reference, connect).await
    }

    async fn network_disconnect(
        &self,
        reference: &str,
        disconnect: NetworkDisconnect,
    ) -> Result<()> {
        self.containers.disconnect(reference, disconnect).await
    }

    async fn network_prune(&self, filters: &Filters) -> Result<NetworkPruneReport> {
        let containers = &self.containers;
        containers
            .networks
            .prune(filters, &|id| containers.network_users(id).len())
    }

    async fn container_changes(&self, id: &str) -> Result<Vec<FilesystemChange>> {
        self.containers.changes(id).await
    }

    async fn container_prune(&self, filters: &Filters) -> Result<ContainerPruneReport> {
        self.containers.prune(filters).await
    }

    async fn container_commit(&self, id: &str, options: CommitOptions) -> Result<String> {
        self.containers.commit(id, options).await
    }

    async fn container_export(&self, id: &str, into: std::fs::File) -> Result<()> {
        let id_text = id.to_string();
        self.containers
            .with_root(id, move |root| archive::export(root, &id_text, into))
            .await
    }

    async fn archive_stat(&self, id: &str, path: &str) -> Result<PathStat> {
        let (path, id_text) = (path.to_string(), id.to_string());
        self.containers
            .with_root(id, move |root| archive::stat(root, &path, &id_text))
            .await
    }

    async fn archive_get(&self, id: &str, path: &str, into: std::fs::File) -> Result<PathStat> {
        let (path, id_text) = (path.to_string(), id.to_string());
        self.containers
            .with_root(id, move |root| {
                archive::tar_path(root, &path, &id_text, into)
            })
            .await
    }

    async fn archive_put(
        &self,
        id: &str,
        path: &str,
        archive: PathBuf,
        options: ArchivePutOptions,
    ) -> Result<()> {
        let record = self.containers.find(id)?;
        if record.host_config.readonly_rootfs {
            return Err(EngineError::Forbidden(
                "container rootfs is marked read-only".into(),
            ));
        }
        let (path, id_text) = (path.to_string(), id.to_string());
        self.containers
            .with_root(id, move |root| {
                archive::untar_into(root, &path, &id_text, &archive, &options)
            })
            .await
    }
}
