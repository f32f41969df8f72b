//! Container shapes: the create body (`Config`, `HostConfig`, `NetworkingConfig`), inspect,
//! list, wait and the options of the calls that take query parameters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A container's `Config`: what runs and how. Fields a client sends that no backend reads yet
/// are kept in `extra` and shown back by inspect.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ContainerConfig {
    #[serde(rename = "Hostname", default)]
    pub hostname: String,
    #[serde(rename = "Domainname", default)]
    pub domainname: String,
    #[serde(rename = "User", default)]
    pub user: String,
    #[serde(rename = "AttachStdin", default)]
    pub attach_stdin: bool,
    #[serde(rename = "AttachStdout", default)]
    pub attach_stdout: bool,
    #[serde(rename = "AttachStderr", default)]
    pub attach_stderr: bool,
    #[serde(rename = "Tty", default)]
    pub tty: bool,
    #[serde(rename = "OpenStdin", default)]
    pub open_stdin: bool,
    #[serde(rename = "StdinOnce", default)]
    pub stdin_once: bool,
    #[serde(rename = "Env", default)]
    pub env: Option<Vec<String>>,
    #[serde(rename = "Cmd", default)]
    pub cmd: Option<Vec<String>>,
    #[serde(rename = "Image", default)]
    pub image: String,
    #[serde(rename = "WorkingDir", default)]
    pub working_dir: String,
    #[serde(rename = "Entrypoint", default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(rename = "Labels", default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(
        rename = "StopSignal",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_signal: Option<String>,
    #[serde(
        rename = "StopTimeout",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stop_timeout: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `HostConfig` mount of type `bind`, `volume` or `tmpfs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Mount {
    #[serde(rename = "Type", default)]
    pub kind: String,
    #[serde(rename = "Source", default)]
    pub source: String,
    #[serde(rename = "Target", default)]
    pub target: String,
    #[serde(rename = "ReadOnly", default)]
    pub read_only: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RestartPolicy {
    #[serde(rename = "Name", default)]
    pub name: String,
    #[serde(rename = "MaximumRetryCount", default)]
    pub maximum_retry_count: i64,
}

/// A container's `HostConfig`; as [`ContainerConfig`], unread fields are kept in `extra`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HostConfig {
    #[serde(rename = "Binds", default)]
    pub binds: Option<Vec<String>>,
    #[serde(rename = "NetworkMode", default)]
    pub network_mode: String,
    #[serde(rename = "RestartPolicy", default)]
    pub restart_policy: RestartPolicy,
    #[serde(rename = "AutoRemove", default)]
    pub auto_remove: bool,
    #[serde(rename = "Mounts", default, skip_serializing_if = "Option::is_none")]
    pub mounts: Option<Vec<Mount>>,
    #[serde(rename = "Tmpfs", default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<BTreeMap<String, String>>,
    #[serde(rename = "ReadonlyRootfs", default)]
    pub readonly_rootfs: bool,
    #[serde(rename = "Init", default, skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(rename = "Privileged", default)]
    pub privileged: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /containers/create`'s body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ContainerCreate {
    #[serde(flatten)]
    pub config: ContainerConfig,
    #[serde(rename = "HostConfig", default)]
    pub host_config: Option<HostConfig>,
    #[serde(rename = "NetworkingConfig", default)]
    pub networking_config: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerCreated {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Warnings")]
    pub warnings: Vec<String>,
}

/// A container's `State`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ContainerState {
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "Running")]
    pub running: bool,
    #[serde(rename = "Paused")]
    pub paused: bool,
    #[serde(rename = "Restarting")]
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    #[serde(rename = "Dead")]
    pub dead: bool,
    #[serde(rename = "Pid")]
    pub pid: u32,
    #[serde(rename = "ExitCode")]
    pub exit_code: i32,
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "StartedAt")]
    pub started_at: String,
    #[serde(rename = "FinishedAt")]
    pub finished_at: String,
    /// The health check's state, for a container that has one.
    #[serde(rename = "Health", default, skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
}

/// `State.Health`: `starting`, `healthy` or `unhealthy`, the failures in a row, and the last
/// five probes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Health {
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "FailingStreak")]
    pub failing_streak: i64,
    /// Podman answers `null` for no probes yet.
    #[serde(rename = "Log", default, deserialize_with = "null_as_empty")]
    pub log: Vec<HealthProbe>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// One health probe's result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HealthProbe {
    #[serde(rename = "Start")]
    pub start: String,
    #[serde(rename = "End")]
    pub end: String,
    #[serde(rename = "ExitCode")]
    pub exit_code: i64,
    #[serde(rename = "Output")]
    pub output: String,
}

/// One of inspect's `Mounts`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MountPoint {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "Source")]
    pub source: String,
    #[serde(rename = "Destination")]
    pub destination: String,
    #[serde(rename = "Driver", default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(rename = "Mode")]
    pub mode: String,
    #[serde(rename = "RW")]
    pub rw: bool,
    #[serde(rename = "Propagation")]
    pub propagation: String,
}

/// `GET /containers/{id}/json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerInspect {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Created")]
    pub created: String,
    #[serde(rename = "Path")]
    pub path: String,
    #[serde(rename = "Args")]
    pub args: Vec<String>,
    #[serde(rename = "State")]
    pub state: ContainerState,
    #[serde(rename = "Image")]
    pub image: String,
    #[serde(rename = "ResolvConfPath")]
    pub resolv_conf_path: String,
    #[serde(rename = "HostnamePath")]
    pub hostname_path: String,
    #[serde(rename = "HostsPath")]
    pub hosts_path: String,
    #[serde(rename = "LogPath")]
    pub log_path: String,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "RestartCount")]
    pub restart_count: i64,
    #[serde(rename = "Driver")]
    pub driver: String,
    #[serde(rename = "Platform")]
    pub platform: String,
    #[serde(rename = "MountLabel")]
    pub mount_label: String,
    #[serde(rename = "ProcessLabel")]
    pub process_label: String,
    #[serde(rename = "AppArmorProfile")]
    pub app_armor_profile: String,
    #[serde(rename = "ExecIDs")]
    pub exec_ids: Option<Vec<String>>,
    #[serde(rename = "HostConfig")]
    pub host_config: HostConfig,
    #[serde(rename = "GraphDriver")]
    pub graph_driver: Value,
    #[serde(rename = "Mounts")]
    pub mounts: Vec<MountPoint>,
    #[serde(rename = "Config")]
    pub config: ContainerConfig,
    #[serde(rename = "NetworkSettings")]
    pub network_settings: Value,
}

/// One entry of `GET /containers/json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerSummary {
    #[serde(rename = "Id")]
    pub id: String,
    #[serde(rename = "Names")]
    pub names: Vec<String>,
    #[serde(rename = "Image")]
    pub image: String,
    #[serde(rename = "ImageID")]
    pub image_id: String,
    #[serde(rename = "Command")]
    pub command: String,
    #[serde(rename = "Created")]
    pub created: i64,
    #[serde(rename = "Ports")]
    pub ports: Vec<Value>,
    #[serde(rename = "Labels")]
    pub labels: BTreeMap<String, String>,
    #[serde(rename = "State")]
    pub state: String,
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "HostConfig")]
    pub host_config: Value,
    #[serde(rename = "NetworkSettings")]
    pub network_settings: Value,
    #[serde(rename = "Mounts")]
    pub mounts: Vec<MountPoint>,
}

/// `POST /containers/{id}/wait`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaitResponse {
    #[serde(rename = "StatusCode")]
    pub status_code: i64,
    #[serde(rename = "Error", default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WaitError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WaitError {
    #[serde(rename = "Message")]
    pub message: String,
}

/// Which exit `wait` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitCondition {
    /// Returns at once if the container is not running.
    NotRunning,
    /// The next exit after the call.
    NextExit,
    /// Until the container is removed.
    Removed,
}

/// The filters `GET /containers/json` takes, parsed from Docker's `{"key":["value"]}` (or the
/// older `{"key":{"value":true}}`) JSON.
pub type Filters = BTreeMap<String, Vec<String>>;

/// `GET /containers/json` options.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub all: bool,
    pub limit: Option<usize>,
    pub filters: Filters,
}

/// `GET /containers/{id}/logs` and attach options.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    pub stdout: bool,
    pub stderr: bool,
    pub follow: bool,
    pub timestamps: bool,
    /// Only lines at or after this time (seconds, fractional).
    pub since: Option<f64>,
    /// Only lines before this time.
    pub until: Option<f64>,
    /// The last N lines only.
    pub tail: Option<usize>,
}

/// One chunk of a container's output, for logs and attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputChunk {
    pub stream: OutputStream,
    pub bytes: bytes::Bytes,
}

/// Docker's stream numbers in the multiplexed framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
}

/// What `X-Docker-Container-Path-Stat` carries (base64 of this JSON) for `HEAD`/`GET
/// …/archive`: `mode` is Go's `os.FileMode` (permission bits plus type bits such as
/// `1 << 31` for a directory and `1 << 27` for a symbolic link).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PathStat {
    pub name: String,
    pub size: i64,
    pub mode: u32,
    pub mtime: String,
    #[serde(rename = "linkTarget")]
    pub link_target: String,
}

/// One entry of `GET /containers/{id}/changes` (`docker diff`): `Kind` 0 is modified, 1 added,
/// 2 deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesystemChange {
    #[serde(rename = "Path")]
    pub path: String,
    #[serde(rename = "Kind")]
    pub kind: u8,
}

/// `PUT …/archive` options.
#[derive(Debug, Clone, Default)]
pub struct ArchivePutOptions {
    /// Refuse to replace a directory with a non-directory or the reverse.
    pub no_overwrite_dir_non_dir: bool,
    /// Keep the archive's owners (`docker cp -a`).
    pub copy_uid_gid: bool,
}

/// `POST /containers/prune`'s answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ContainerPruneReport {
    #[serde(rename = "ContainersDeleted")]
    pub containers_deleted: Option<Vec<String>>,
    #[serde(rename = "SpaceReclaimed")]
    pub space_reclaimed: u64,
}
