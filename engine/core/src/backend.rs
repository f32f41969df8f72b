//! The [`Backend`] trait: what every backend (memory, docker, the cloud ones) implements. The
//! HTTP layer turns requests into these typed calls and their results back into Docker's wire;
//! a backend never sees HTTP.
//!
//! A capability a backend lacks answers [`EngineError::not_supported`] naming the backend,
//! never a silent success (the default bodies below do exactly that).

use std::path::PathBuf;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use tokio::sync::mpsc;

use crate::api::*;
use crate::error::EngineError;

pub type Result<T> = std::result::Result<T, EngineError>;

/// Where a long operation (pull, load) reports progress; the HTTP layer streams it as JSON
/// lines. A closed receiver (the client went away) does not stop the operation.
pub type Progress = mpsc::Sender<ProgressMessage>;

/// A container's output as it is produced, ending when the container's output ends.
pub type OutputStreamBox = BoxStream<'static, OutputChunk>;

/// What attach gives: the output, whether the container has a TTY (raw stream, no framing),
/// and where stdin goes when the container keeps it open.
pub struct Attached {
    pub tty: bool,
    pub output: OutputStreamBox,
    pub stdin: Option<mpsc::Sender<bytes::Bytes>>,
}

impl std::fmt::Debug for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attached").field("tty", &self.tty).finish()
    }
}

/// What `logs` gives: the same stream shape as attach.
pub struct Logs {
    pub tty: bool,
    pub output: OutputStreamBox,
}

impl std::fmt::Debug for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logs").field("tty", &self.tty).finish()
    }
}

/// Attach options.
#[derive(Debug, Clone, Default)]
pub struct AttachOptions {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Send what the container printed before the attach first.
    pub logs: bool,
    pub stream: bool,
}

/// A Docker Engine backend.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Its name, for messages (`memory`, `docker`, `ecs`).
    fn name(&self) -> &'static str;

    /// Counts and facts for `GET /info`.
    async fn info(&self) -> BackendInfo;

    // Images.

    async fn images(&self, all: bool, filters: &Filters) -> Result<Vec<ImageSummary>>;
    async fn image_inspect(&self, name: &str) -> Result<ImageInspect>;
    /// Tags image `name` as `repository:tag`.
    async fn image_tag(&self, name: &str, repository: &str, tag: &str) -> Result<()>;
    async fn image_remove(&self, name: &str, force: bool, prune: bool)
    -> Result<Vec<ImageDeleted>>;
    /// Loads a `docker save` or OCI-layout tar spooled at `archive`.
    async fn image_load(&self, archive: PathBuf, progress: Progress) -> Result<()>;
    /// Pulls `image` (`tag` or digest, separately as the API gives them). An error before any
    /// progress is the HTTP answer; after, it is the stream's last message.
    async fn image_pull(
        &self,
        image: &str,
        tag: &str,
        auth: Option<String>,
        progress: Progress,
    ) -> Result<()> {
        let _ = (image, tag, auth, progress);
        Err(EngineError::not_supported(self.name(), "pulling images"))
    }

    /// Makes a one-layer image of the root file system tar spooled at `archive` (plain,
    /// gzip, bzip2 or xz) with `options` (`docker import`); reports the image's ID.
    async fn image_import(
        &self,
        archive: PathBuf,
        options: ImportOptions,
        progress: Progress,
    ) -> Result<()> {
        let _ = (archive, options, progress);
        Err(EngineError::not_supported(self.name(), "docker import"))
    }

    // Containers.

    async fn container_create(
        &self,
        name: Option<String>,
        body: ContainerCreate,
    ) -> Result<ContainerCreated>;
    async fn container_start(&self, id: &str) -> Result<()>;
    /// Stops with `signal` (the container's stop signal, else SIGTERM), then SIGKILL after
    /// `timeout` seconds (the container's, else 10; -1 waits forever).
    async fn container_stop(
        &self,
        id: &str,
        signal: Option<String>,
        timeout: Option<i64>,
    ) -> Result<()>;
    async fn container_restart(
        &self,
        id: &str,
        signal: Option<String>,
        timeout: Option<i64>,
    ) -> Result<()> {
        let _ = (id, signal, timeout);
        Err(EngineError::not_supported(self.name(), "restart"))
    }
    async fn container_kill(&self, id: &str, signal: Option<String>) -> Result<()>;
    /// Resolves once the condition is met; the outer result is known at once (an unknown
    /// container is an immediate 404).
    async fn container_wait(
        &self,
        id: &str,
        condition: WaitCondition,
    ) -> Result<BoxFuture<'static, WaitResponse>>;
    async fn container_remove(&self, id: &str, force: bool, volumes: bool) -> Result<()>;
    async fn container_rename(&self, id: &str, name: &str) -> Result<()>;
    async fn container_inspect(&self, id: &str) -> Result<ContainerInspect>;
    async fn containers(&self, options: ListOptions) -> Result<Vec<ContainerSummary>>;
    async fn container_logs(&self, id: &str, options: LogOptions) -> Result<Logs>;
    async fn container_attach(&self, id: &str, options: AttachOptions) -> Result<Attached>;

    /// Sets the size of a container's TTY (`h` rows, `w` columns).
    async fn container_resize(&self, id: &str, height: u32, width: u32) -> Result<()> {
        let _ = (id, height, width);
        Err(EngineError::not_supported(
            self.name(),
            "resizing a container's TTY",
        ))
    }

    /// Freezes the container's processes (`docker pause`).
    async fn container_pause(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(EngineError::not_supported(
            self.name(),
            "pausing containers",
        ))
    }
    /// Thaws a paused container (`docker unpause`).
    async fn container_unpause(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(EngineError::not_supported(
            self.name(),
            "pausing containers",
        ))
    }
    /// The container's processes as `ps` with `ps_args` (`-ef` when empty) shows them.
    async fn container_top(&self, id: &str, ps_args: &str) -> Result<ContainerTop> {
        let _ = (id, ps_args);
        Err(EngineError::not_supported(
            self.name(),
            "listing a container's processes",
        ))
    }
    /// The container's resource use: one sample (`stream` false; `one_shot` without waiting
    /// for a second sample to fill `precpu_stats`), or one a second until it stops.
    async fn container_stats(
        &self,
        id: &str,
        stream: bool,
        one_shot: bool,
    ) -> Result<BoxStream<'static, ContainerStats>> {
        let _ = (id, stream, one_shot);
        Err(EngineError::not_supported(self.name(), "container stats"))
    }
    /// Changes a container's resources and restart policy (`docker update`).
    async fn container_update(
        &self,
        id: &str,
        update: ContainerUpdate,
    ) -> Result<ContainerUpdateResponse> {
        let _ = (id, update);
        Err(EngineError::not_supported(
            self.name(),
            "updating containers",
        ))
    }

    // Exec.

    /// Makes an exec instance in a running container; returns its ID.
    async fn exec_create(&self, container: &str, config: ExecConfig) -> Result<String> {
        let _ = (container, config);
        Err(EngineError::not_supported(self.name(), "exec"))
    }
    /// Starts an exec instance: its output (and stdin when it has one) when attached, `None`
    /// when detached.
    async fn exec_start(&self, id: &str, start: ExecStartConfig) -> Result<Option<Attached>> {
        let _ = (id, start);
        Err(EngineError::not_supported(self.name(), "exec"))
    }
    async fn exec_inspect(&self, id: &str) -> Result<ExecInspect> {
        let _ = id;
        Err(EngineError::not_supported(self.name(), "exec"))
    }
    async fn exec_resize(&self, id: &str, height: u32, width: u32) -> Result<()> {
        let _ = (id, height, width);
        Err(EngineError::not_supported(self.name(), "exec"))
    }

    /// What the container changed in its file system since it was created (`docker diff`).
    async fn container_changes(&self, id: &str) -> Result<Vec<FilesystemChange>> {
        let _ = id;
        Err(EngineError::not_supported(
            self.name(),
            "container filesystem changes",
        ))
    }

    /// Writes a tar of the container's whole file system to `into` (`docker export`).
    async fn container_export(&self, id: &str, into: std::fs::File) -> Result<()> {
        let _ = (id, into);
        Err(EngineError::not_supported(
            self.name(),
            "exporting containers",
        ))
    }

    /// A new image from the container's writable layer and its config with `options`'
    /// changes (`docker commit`); answers the image's ID.
    async fn container_commit(&self, id: &str, options: CommitOptions) -> Result<String> {
        let _ = (id, options);
        Err(EngineError::not_supported(
            self.name(),
            "committing containers",
        ))
    }

    /// Removes the containers that are not running and match `filters` (`until`, `label`).
    async fn container_prune(&self, filters: &Filters) -> Result<ContainerPruneReport> {
        let _ = filters;
        Err(EngineError::not_supported(
            self.name(),
            "pruning containers",
        ))
    }

    /// Removes dangling images (every unused one with `dangling=false`) matching `filters`.
    async fn image_prune(&self, filters: &Filters) -> Result<ImagePruneReport> {
        let _ = filters;
        Err(EngineError::not_supported(self.name(), "pruning images"))
    }

    /// Checks credentials against a registry (`docker login`).
    async fn auth(&self, config: AuthConfig) -> Result<AuthResponse> {
        let _ = config;
        Err(EngineError::not_supported(self.name(), "registry logins"))
    }

    /// Writes the images as a `docker save` tar (an OCI layout with `manifest.json`) to `into`.
    async fn image_save(&self, names: Vec<String>, into: std::fs::File) -> Result<()> {
        let _ = (names, into);
        Err(EngineError::not_supported(self.name(), "saving images"))
    }

    /// The image's history, newest first (`docker history`).
    async fn image_history(&self, name: &str) -> Result<Vec<HistoryItem>> {
        let _ = name;
        Err(EngineError::not_supported(self.name(), "image history"))
    }

    /// What images, containers and volumes take on disk (`docker system df`).
    async fn system_df(&self) -> Result<SystemDf> {
        Err(EngineError::not_supported(self.name(), "disk usage"))
    }

    // Volumes.

    /// Creates a volume (or answers the one of that name that exists, as Docker does).
    async fn volume_create(&self, create: VolumeCreate) -> Result<Volume> {
        let _ = create;
        Err(EngineError::not_supported(self.name(), "volumes"))
    }
    async fn volumes(&self, filters: &Filters) -> Result<VolumeList> {
        let _ = filters;
        Err(EngineError::not_supported(self.name(), "volumes"))
    }
    async fn volume_inspect(&self, name: &str) -> Result<Volume> {
        let _ = name;
        Err(EngineError::not_supported(self.name(), "volumes"))
    }
    async fn volume_remove(&self, name: &str, force: bool) -> Result<()> {
        let _ = (name, force);
        Err(EngineError::not_supported(self.name(), "volumes"))
    }
    async fn volume_prune(&self, filters: &Filters) -> Result<VolumePruneReport> {
        let _ = filters;
        Err(EngineError::not_supported(self.name(), "volumes"))
    }

    // Networks.

    /// Creates a network; its ID.
    async fn network_create(&self, create: NetworkCreate) -> Result<NetworkCreated> {
        let _ = create;
        Err(EngineError::not_supported(self.name(), "networks"))
    }
    async fn networks(&self, filters: &Filters) -> Result<Vec<Network>> {
        let _ = filters;
        Err(EngineError::not_supported(self.name(), "networks"))
    }
    /// A network by full ID, name or ID prefix, with its containers.
    async fn network_inspect(&self, reference: &str) -> Result<Network> {
        let _ = reference;
        Err(EngineError::not_supported(self.name(), "networks"))
    }
    async fn network_remove(&self, reference: &str) -> Result<()> {
        let _ = reference;
        Err(EngineError::not_supported(self.name(), "networks"))
    }
    async fn network_connect(&self, reference: &str, connect: NetworkConnect) -> Result<()> {
        let _ = (reference, connect);
        Err(EngineError::not_supported(self.name(), "networks"))
    }
    async fn network_disconnect(
        &self,
        reference: &str,
        disconnect: NetworkDisconnect,
    ) -> Result<()> {
        let _ = (reference, disconnect);
        Err(EngineError::not_supported(self.name(), "networks"))
    }
    async fn network_prune(&self, filters: &Filters) -> Result<NetworkPruneReport> {
        let _ = filters;
        Err(EngineError::not_supported(self.name(), "networks"))
    }

    // Archive.

    /// Stats `path` in the container (`HEAD …/archive`).
    async fn archive_stat(&self, id: &str, path: &str) -> Result<PathStat> {
        let _ = (id, path);
        Err(EngineError::not_supported(
            self.name(),
            "copying files to and from containers",
        ))
    }
    /// Writes a tar of `path` in the container to `into` (a spool file the HTTP layer then
    /// streams); returns the path's stat.
    async fn archive_get(&self, id: &str, path: &str, into: std::fs::File) -> Result<PathStat> {
        let _ = (id, path, into);
        Err(EngineError::not_supported(
            self.name(),
            "copying files to and from containers",
        ))
    }
    /// Extracts the tar spooled at `archive` into directory `path` of the container, never
    /// writing outside the container's root.
    async fn archive_put(
        &self,
        id: &str,
        path: &str,
        archive: PathBuf,
        options: ArchivePutOptions,
    ) -> Result<()> {
        let _ = (id, path, archive, options);
        Err(EngineError::not_supported(
            self.name(),
            "copying files to and from containers",
        ))
    }
}
