//! A running container's processes and resources: `top`, `stats` and `update`, in the shapes of
//! moby's `ContainerTopResponse`, `ContainerStatsResponse` and `ContainerUpdate` (API 1.51).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::RestartPolicy;

/// `GET /containers/{id}/top`'s answer: `ps`'s column titles and one row per process.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ContainerTop {
    #[serde(rename = "Titles")]
    pub titles: Vec<String>,
    #[serde(rename = "Processes")]
    pub processes: Vec<Vec<String>>,
}

/// `POST /containers/{id}/update`'s body: the `Resources` of a `HostConfig` and a restart
/// policy. Resources are kept by their Docker names, as a `HostConfig`'s extra fields are, so
/// an update merges into the container's `HostConfig` field by field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ContainerUpdate {
    #[serde(rename = "RestartPolicy", default)]
    pub restart_policy: Option<RestartPolicy>,
    #[serde(flatten)]
    pub resources: Map<String, Value>,
}

/// `POST /containers/{id}/update`'s answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ContainerUpdateResponse {
    #[serde(rename = "Warnings")]
    pub warnings: Vec<String>,
}

/// One sample of `GET /containers/{id}/stats` (`ContainerStatsResponse`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ContainerStats {
    pub name: String,
    pub id: String,
    pub read: String,
    pub preread: String,
    pub pids_stats: PidsStats,
    pub blkio_stats: BlkioStats,
    pub num_procs: u32,
    pub storage_stats: Map<String, Value>,
    pub cpu_stats: CpuStats,
    pub precpu_stats: CpuStats,
    pub memory_stats: MemoryStats,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<BTreeMap<String, NetworkStats>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PidsStats {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// Block I/O as cgroup v1's `blkio` counts it; the lists Docker leaves null stay `None`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct BlkioStats {
    pub io_service_bytes_recursive: Option<Vec<BlkioEntry>>,
    pub io_serviced_recursive: Option<Vec<BlkioEntry>>,
    pub io_queue_recursive: Option<Vec<BlkioEntry>>,
    pub io_service_time_recursive: Option<Vec<BlkioEntry>>,
    pub io_wait_time_recursive: Option<Vec<BlkioEntry>>,
    pub io_merged_recursive: Option<Vec<BlkioEntry>>,
    pub io_time_recursive: Option<Vec<BlkioEntry>>,
    pub sectors_recursive: Option<Vec<BlkioEntry>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct BlkioEntry {
    pub major: u64,
    pub minor: u64,
    pub op: String,
    pub value: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CpuStats {
    pub cpu_usage: CpuUsage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_cpu_usage: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_cpus: Option<u32>,
    pub throttling_data: ThrottlingData,
}

/// CPU time in nanoseconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CpuUsage {
    pub total_usage: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percpu_usage: Option<Vec<u64>>,
    pub usage_in_kernelmode: u64,
    pub usage_in_usermode: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ThrottlingData {
    pub periods: u64,
    pub throttled_periods: u64,
    pub throttled_time: u64,
}

/// Memory in bytes; `stats` holds the cgroup's `memory.stat` counters by their names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MemoryStats {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_usage: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<BTreeMap<String, u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failcnt: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// One interface's counters, as `/proc/net/dev` has them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct NetworkStats {
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errors: u64,
    pub rx_dropped: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
    pub tx_dropped: u64,
}
