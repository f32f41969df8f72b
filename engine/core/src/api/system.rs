//! `/version`, `/info` and `/events` shapes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComponentVersion {
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlatformName {
    #[serde(rename = "Name")]
    pub name: String,
}

/// `GET /version`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    #[serde(rename = "Platform")]
    pub platform: PlatformName,
    #[serde(rename = "Components")]
    pub components: Vec<ComponentVersion>,
    #[serde(rename = "Version")]
    pub version: String,
    #[serde(rename = "ApiVersion")]
    pub api_version: String,
    #[serde(rename = "MinAPIVersion")]
    pub min_api_version: String,
    #[serde(rename = "GitCommit")]
    pub git_commit: String,
    #[serde(rename = "GoVersion")]
    pub go_version: String,
    #[serde(rename = "Os")]
    pub os: String,
    #[serde(rename = "Arch")]
    pub arch: String,
    #[serde(rename = "KernelVersion")]
    pub kernel_version: String,
    #[serde(rename = "BuildTime")]
    pub build_time: String,
}

/// What a backend tells `GET /info` about itself; the HTTP layer adds the host's facts.
#[derive(Debug, Clone, Default)]
pub struct BackendInfo {
    pub containers: u64,
    pub running: u64,
    pub paused: u64,
    pub stopped: u64,
    pub images: u64,
    /// The storage driver's name and status lines.
    pub driver: String,
    pub driver_status: Vec<[String; 2]>,
    /// Runtimes by name (`runc`), with their paths.
    pub runtimes: Vec<(String, String)>,
    pub default_runtime: String,
    pub root_dir: String,
}

/// One event of `GET /events`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Action")]
    pub action: String,
    #[serde(rename = "Actor")]
    pub actor: EventActor,
    #[serde(rename = "scope")]
    pub scope: String,
    #[serde(rename = "time")]
    pub time: i64,
    #[serde(rename = "timeNano")]
    pub time_nano: i64,
    // The pre-1.22 fields clients still read.
    #[serde(rename = "status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "id", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "from", default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventActor {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Attributes")]
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// `POST /auth`'s body: credentials for a registry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AuthConfig {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default)]
    pub serveraddress: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identitytoken: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub registrytoken: String,
}

/// `POST /auth`'s answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AuthResponse {
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "IdentityToken", default)]
    pub identity_token: String,
}

/// `GET /system/df`: what images, containers and volumes take on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SystemDf {
    #[serde(rename = "LayersSize")]
    pub layers_size: i64,
    #[serde(rename = "Images")]
    pub images: Vec<super::ImageSummary>,
    #[serde(rename = "Containers")]
    pub containers: Vec<DfContainer>,
    #[serde(rename = "Volumes")]
    pub volumes: Vec<DfVolume>,
    /// Always empty: no backend builds images.
    #[serde(rename = "BuildCache")]
    pub build_cache: Vec<serde_json::Value>,
}

/// A container in `system df`: its listing with its sizes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DfContainer {
    #[serde(flatten)]
    pub summary: super::ContainerSummary,
    /// The bytes its writable layer holds.
    #[serde(rename = "SizeRw")]
    pub size_rw: i64,
    /// Its image's bytes and its own.
    #[serde(rename = "SizeRootFs")]
    pub size_root_fs: i64,
}

/// A volume in `system df`: its inspect with its usage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DfVolume {
    #[serde(flatten)]
    pub volume: super::Volume,
    #[serde(rename = "UsageData")]
    pub usage_data: VolumeUsage,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VolumeUsage {
    /// Bytes used; -1 when not computed.
    #[serde(rename = "Size")]
    pub size: i64,
    /// Containers that refer to it; -1 when not computed.
    #[serde(rename = "RefCount")]
    pub ref_count: i64,
}
