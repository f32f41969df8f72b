//! A running container's processes and resources, as Docker reports and changes them: pause
//! and unpause (the cgroup freezer, through the runtime), `top` (the host's `ps`, narrowed to
//! the container's processes as moby does), `stats` (the runtime's cgroup statistics and the
//! container's `/proc/net/dev`) and `update` (the same checks as create, then `runc update`).
//!
//! What this module must not do: signal or freeze processes outside the container's cgroup,
//! or change a record's limits when the runtime refused them.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use engine_core::EngineError;
use engine_core::api::*;
use futures_util::stream::BoxStream;
use serde_json::Value;
use simkit::runner::{Workload, WorkloadResources};

use super::Containers;

impl Containers {
    /// `docker pause`: Docker's 409s for a container that is not running or already paused.
    pub async fn pause(&self, reference: &str) -> Result<(), EngineError> {
        let (record, workload) = self.running(reference)?;
        if record.state.paused {
            return Err(EngineError::Conflict(format!(
                "container {} is already paused",
                record.id
            )));
        }
        workload.pause().await.map_err(|error| {
            EngineError::internal(format!("Cannot pause container {}: {error}", record.id))
        })?;
        self.records_update(&record.id, |r| r.state.paused = true)?;
        self.publish_event(&record, "pause", &[]);
        Ok(())
    }

    /// `docker unpause`: Docker's 409 for a container that is not paused.
    pub async fn unpause(&self, reference: &str) -> Result<(), EngineError> {
        let record = self.find(reference)?;
        let workload = self.lock_running().get(&record.id).cloned();
        let Some(workload) = workload.filter(|_| record.state.paused) else {
            return Err(EngineError::Conflict(format!(
                "container {} is not paused",
                record.id
            )));
        };
        workload.resume().await.map_err(|error| {
            EngineError::internal(format!("Cannot unpause container {}: {error}", record.id))
        })?;
        self.records_update(&record.id, |r| r.state.paused = false)?;
        self.publish_event(&record, "unpause", &[]);
        Ok(())
    }

    /// `docker top`: the host's `ps ARGS` (`-ef` by default), its rows kept for the
    /// container's processes.
    pub async fn top(&self, reference: &str, ps_args: &str) -> Result<ContainerTop, EngineError> {
        let (record, workload) = self.running(reference)?;
        let pids = workload
            .processes()
            .await
            .map_err(|error| EngineError::internal(format!("container {}: {error}", record.id)))?;
        let args: Vec<&str> = if ps_args.trim().is_empty() {
            vec!["-ef"]
        } else {
            ps_args.split_whitespace().collect()
        };
        let output = tokio::process::Command::new("ps")
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|error| EngineError::internal(format!("Error running ps: {error}")))?;
        if !output.status.success() {
            return Err(EngineError::Internal(format!(
                "Error running ps: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        parse_ps(&String::from_utf8_lossy(&output.stdout), &pids)
    }

    /// `docker stats`: one sample (two when `precpu_stats` is to be filled), or one a second
    /// for as long as the client reads. A container that is not running gives Docker's empty
    /// sample (its name and ID, every counter zero).
    pub async fn stats(
        self: &std::sync::Arc<Self>,
        reference: &str,
        stream: bool,
        one_shot: bool,
    ) -> Result<BoxStream<'static, ContainerStats>, EngineError> {
        let record = self.find(reference)?;
        let containers = self.clone();
        let id = record.id.clone();
        if !stream {
            let first = containers.sample(&id).await;
            let sample = if one_shot || first.read == ZERO_TIME {
                first
            } else {
                // Docker's collector samples once a second; `precpu_stats` is the sample before.
                tokio::time::sleep(Duration::from_secs(1)).await;
                let mut second = containers.sample(&id).await;
                second.preread = first.read;
                second.precpu_stats = first.cpu_stats;
                second
            };
            return Ok(Box::pin(futures_util::stream::once(async move { sample })));
        }
        let samples = futures_util::stream::unfold(
            (containers, id, None::<ContainerStats>),
            |(containers, id, previous)| async move {
                if previous.is_some() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                // A removed container ends the stream, as Docker's does.
                containers.records_get(&id)?;
                let mut sample = containers.sample(&id).await;
                if let Some(previous) = &previous {
                    sample.preread = previous.read.clone();
                    sample.precpu_stats = previous.cpu_stats.clone();
                }
                Some((sample.clone(), (containers, id, Some(sample))))
            },
        );
        Ok(Box::pin(samples))
    }

    /// One sample of the container's resource use now.
    async fn sample(&self, id: &str) -> ContainerStats {
        let Some(record) = self.records_get(id) else {
            return ContainerStats::default();
        };
        let mut stats = ContainerStats {
            name: format!("/{}", record.name),
            id: record.id.clone(),
            read: ZERO_TIME.into(),
            preread: ZERO_TIME.into(),
            ..Default::default()
        };
        let workload = self.lock_running().get(id).cloned();
        let Some(workload) = workload else {
            return stats;
        };
        let Ok(cgroups) = workload.cgroup_stats().await else {
            return stats;
        };
        stats.read = rfc3339_nanos(self.kit.clock().now());
        fill_from_runtime(&mut stats, &cgroups);
        let (system, cpus) = host_cpu();
        stats.cpu_stats.system_cpu_usage = system;
        stats.cpu_stats.online_cpus = cpus;
        if let Some(pid) = workload.container_pid_now() {
            stats.networks = Some(interfaces(&format!("/proc/{pid}/net/dev")));
        }
        stats
    }

    /// `docker update`: merges the resources given (a zero or empty field leaves that limit
    /// as it was, as Docker does) and the restart policy, checks them as create does, and
    /// applies the limits to a running container before recording them.
    pub async fn update(
        &self,
        reference: &str,
        update: ContainerUpdate,
    ) -> Result<ContainerUpdateResponse, EngineError> {
        let record = self.find(reference)?;
        let mut host_config = record.host_config.clone();
        for (key, value) in update.resources {
            let unchanged = match &value {
                Value::Null => true,
                Value::Number(n) => n.as_f64() == Some(0.0),
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                _ => false,
            };
            if !unchanged {
                host_config.extra.insert(key, value);
            }
        }
        if let Some(policy) = update.restart_policy.filter(|p| !p.name.is_empty()) {
            if host_config.auto_remove && policy.name != "no" {
                return Err(EngineError::InvalidParameter(
                    "Restart policy cannot be updated because AutoRemove is enabled for the container"
                        .into(),
                ));
            }
            host_config.restart_policy = policy;
        }
        crate::policy::validate_restart(&host_config)?;
        let resources = crate::policy::resources(&host_config)?;
        let workload = self.lock_running().get(&record.id).cloned();
        if let Some(workload) = workload {
            apply(&workload, &resources).await.map_err(|error| {
                EngineError::Internal(format!("Cannot update container {}: {error}", record.id))
            })?;
        }
        self.records_update(&record.id, |r| r.host_config = host_config)?;
        self.publish_event(&record, "update", &[]);
        Ok(ContainerUpdateResponse::default())
    }
}

/// Sets a running container's cgroup limits to `resources` (those it has).
async fn apply(workload: &Workload, resources: &WorkloadResources) -> Result<(), String> {
    let mut flags = Vec::new();
    let mut flag = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            flags.push(format!("--{name}"));
            flags.push(value);
        }
    };
    flag("memory", resources.memory_limit.map(|v| v.to_string()));
    flag(
        "memory-reservation",
        resources.memory_reservation.map(|v| v.to_string()),
    );
    flag("cpu-share", resources.cpu_shares.map(|v| v.to_string()));
    flag("cpu-period", resources.cpu_period.map(|v| v.to_string()));
    flag("cpu-quota", resources.cpu_quota.map(|v| v.to_string()));
    if flags.is_empty() {
        return Ok(());
    }
    workload.update_resources(&flags).await
}

/// moby's reading of `ps` output: titles from the first line, rows whose PID is the
/// container's, a row's overhanging fields joined into its last column (the command).
fn parse_ps(output: &str, pids: &[u32]) -> Result<ContainerTop, EngineError> {
    let mut lines = output.lines();
    let titles: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    let Some(pid_column) = titles.iter().position(|title| title == "PID") else {
        return Err(EngineError::Internal(
            "Couldn't find PID field in ps output".into(),
        ));
    };
    let wanted: HashSet<u32> = pids.iter().copied().collect();
    let mut processes = Vec::new();
    for line in lines.filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(pid_text) = fields.get(pid_column) else {
            continue;
        };
        let pid: u32 = pid_text.parse().map_err(|error| {
            EngineError::Internal(format!("Unexpected pid '{pid_text}': {error}"))
        })?;
        if !wanted.contains(&pid) {
            continue;
        }
        let last = titles.len() - 1;
        let mut row: Vec<String> = fields
            .iter()
            .take(last)
            .map(|field| field.to_string())
            .collect();
        row.push(fields.get(last..).unwrap_or_default().join(" "));
        processes.push(row);
    }
    Ok(ContainerTop { titles, processes })
}

fn number(value: &Value, path: &[&str]) -> u64 {
    let mut at = value;
    for key in path {
        let Some(next) = at.get(key) else { return 0 };
        at = next;
    }
    at.as_u64().unwrap_or(0)
}

/// What `runc events --stats` reports (libcontainer's `types.Stats`), in Docker's shape.
fn fill_from_runtime(stats: &mut ContainerStats, runtime: &Value) {
    let cpu = &mut stats.cpu_stats;
    cpu.cpu_usage.total_usage = number(runtime, &["cpu", "usage", "total"]);
    cpu.cpu_usage.usage_in_kernelmode = number(runtime, &["cpu", "usage", "kernel"]);
    cpu.cpu_usage.usage_in_usermode = number(runtime, &["cpu", "usage", "user"]);
    cpu.cpu_usage.percpu_usage = runtime
        .pointer("/cpu/usage/percpu")
        .and_then(Value::as_array)
        .map(|all| all.iter().filter_map(Value::as_u64).collect());
    cpu.throttling_data = ThrottlingData {
        periods: number(runtime, &["cpu", "throttling", "periods"]),
        throttled_periods: number(runtime, &["cpu", "throttling", "throttledPeriods"]),
        throttled_time: number(runtime, &["cpu", "throttling", "throttledTime"]),
    };
    let limit = number(runtime, &["memory", "usage", "limit"]);
    // An unlimited cgroup reports a huge number; Docker shows the host's memory instead.
    let host = host_memory();
    stats.memory_stats = MemoryStats {
        usage: Some(number(runtime, &["memory", "usage", "usage"])),
        max_usage: Some(number(runtime, &["memory", "usage", "max"])),
        stats: runtime
            .pointer("/memory/raw")
            .and_then(Value::as_object)
            .map(|raw| {
                raw.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                    .collect()
            }),
        failcnt: Some(number(runtime, &["memory", "usage", "failcnt"])),
        limit: Some(match host {
            Some(host) if limit == 0 || limit > host => host,
            _ => limit,
        }),
    };
    let pids_limit = number(runtime, &["pids", "limit"]);
    stats.pids_stats = PidsStats {
        current: Some(number(runtime, &["pids", "current"])),
        limit: (pids_limit > 0).then_some(pids_limit),
    };
    let entries = |name: &str| -> Option<Vec<BlkioEntry>> {
        let list = runtime.get("blkio")?.get(name)?.as_array()?;
        Some(
            list.iter()
                .map(|entry| BlkioEntry {
                    major: number(entry, &["major"]),
                    minor: number(entry, &["minor"]),
                    op: entry
                        .get("op")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    value: number(entry, &["value"]),
                })
                .collect(),
        )
    };
    stats.blkio_stats = BlkioStats {
        io_service_bytes_recursive: entries("ioServiceBytesRecursive"),
        io_serviced_recursive: entries("ioServicedRecursive"),
        io_queue_recursive: entries("ioQueueRecursive"),
        io_service_time_recursive: entries("ioServiceTimeRecursive"),
        io_wait_time_recursive: entries("ioWaitTimeRecursive"),
        io_merged_recursive: entries("ioMergedRecursive"),
        io_time_recursive: entries("ioTimeRecursive"),
        sectors_recursive: entries("sectorsRecursive"),
    };
}

/// The host's CPU time in nanoseconds and its CPU count, from `/proc/stat`, as moby reads
/// them (a clock tick is 1/100 s on Linux, which moby takes as fixed too).
fn host_cpu() -> (Option<u64>, Option<u32>) {
    let Ok(text) = std::fs::read_to_string("/proc/stat") else {
        return (None, None);
    };
    let mut total = None;
    let mut cpus = 0;
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("cpu") => {
                let ticks: u64 = fields.filter_map(|f| f.parse::<u64>().ok()).sum();
                total = Some(ticks * (1_000_000_000 / 100));
            }
            Some(name) if name.starts_with("cpu") => cpus += 1,
            _ => {}
        }
    }
    (total, (cpus > 0).then_some(cpus))
}

/// The host's memory in bytes (`MemTotal`).
fn host_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|line| line.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A network namespace's interfaces but loopback, from its `/proc/PID/net/dev`.
fn interfaces(path: &str) -> BTreeMap<String, NetworkStats> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    parse_net_dev(&text)
}

fn parse_net_dev(text: &str) -> BTreeMap<String, NetworkStats> {
    let mut out = BTreeMap::new();
    for line in text.lines().skip(2) {
        let Some((name, counters)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name == "lo" {
            continue;
        }
        let n: Vec<u64> = counters
            .split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        let at = |i: usize| n.get(i).copied().unwrap_or(0);
        out.insert(
            name.to_string(),
            NetworkStats {
                rx_bytes: at(0),
                rx_packets: at(1),
                rx_errors: at(2),
                rx_dropped: at(3),
                tx_bytes: at(8),
                tx_packets: at(9),
                tx_errors: at(10),
                tx_dropped: at(11),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ps_rows_of_the_container_only() {
        let output = "UID          PID    PPID  C STIME TTY          TIME CMD\n\
                      root           1       0  0 10:00 ?        00:00:00 /sbin/init\n\
                      root         4242       1  0 10:01 ?        00:00:00 sleep 300 now\n";
        let top = parse_ps(output, &[4242]).unwrap();
        assert_eq!(
            top.titles,
            ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
        );
        assert_eq!(
            top.processes,
            [[
                "root",
                "4242",
                "1",
                "0",
                "10:01",
                "?",
                "00:00:00",
                "sleep 300 now"
            ]]
        );
        assert_eq!(
            parse_ps("USER COMMAND\nroot sh\n", &[1])
                .unwrap_err()
                .to_string(),
            "Couldn't find PID field in ps output"
        );
    }

    #[test]
    fn net_dev_without_loopback() {
        let text = "Inter-|   Receive                                                |  Transmit\n \
                    face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
                    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0\n  \
                    eth0:    1500      10    1    2    0     0          0         0      700       5    3    4    0     0       0          0\n";
        let parsed = parse_net_dev(text);
        assert_eq!(parsed.len(), 1);
        let eth0 = &parsed["eth0"];
        assert_eq!(
            (
                eth0.rx_bytes,
                eth0.rx_packets,
                eth0.rx_errors,
                eth0.rx_dropped
            ),
            (1500, 10, 1, 2)
        );
        assert_eq!(
            (
                eth0.tx_bytes,
                eth0.tx_packets,
                eth0.tx_errors,
                eth0.tx_dropped
            ),
            (700, 5, 3, 4)
        );
    }

    #[test]
    fn runtime_stats_in_docker_shape() {
        let runtime = serde_json::json!({
            "cpu": {"usage": {"total": 900, "percpu": [400, 500], "kernel": 300, "user": 600},
                    "throttling": {}},
            "memory": {"usage": {"limit": 67108864, "usage": 4096, "max": 8192, "failcnt": 0},
                       "raw": {"total_inactive_file": 1024}},
            "pids": {"current": 2},
            "blkio": {"ioServiceBytesRecursive": [{"major": 8, "op": "Read", "value": 10}]}
        });
        let mut stats = ContainerStats::default();
        fill_from_runtime(&mut stats, &runtime);
        assert_eq!(stats.cpu_stats.cpu_usage.total_usage, 900);
        assert_eq!(stats.cpu_stats.cpu_usage.percpu_usage, Some(vec![400, 500]));
        assert_eq!(stats.memory_stats.usage, Some(4096));
        assert_eq!(stats.memory_stats.limit, Some(67108864));
        assert_eq!(
            stats.memory_stats.stats.unwrap()["total_inactive_file"],
            1024
        );
        assert_eq!(stats.pids_stats.current, Some(2));
        assert_eq!(stats.pids_stats.limit, None);
        let read = stats.blkio_stats.io_service_bytes_recursive.unwrap();
        assert_eq!(
            (read[0].major, read[0].op.as_str(), read[0].value),
            (8, "Read", 10)
        );
        assert_eq!(stats.blkio_stats.io_serviced_recursive, None);
    }
}
