//! What `HostConfig` asks of a running container beyond its files: resource limits
//! (`Memory`, `MemoryReservation`, `CpuShares`, `NanoCpus`, `CpuQuota`/`CpuPeriod`,
//! `Ulimits`), mapped onto the runner's cgroups and rlimits, and the restart policy
//! (`no`, `on-failure[:N]`, `always`, `unless-stopped`) with Docker's validation and its
//! decision whether an exited container starts again.
//!
//! Limits: `PidsLimit` and the block-I/O and device limits are refused with the error naming
//! the backend rather than ignored.

use engine_core::EngineError;
use engine_core::api::{HostConfig, RestartPolicy};
use serde_json::Value;
use simkit::runner::{Rlimit, WorkloadResources};

fn number(host_config: &HostConfig, key: &str) -> Option<i64> {
    host_config
        .extra
        .get(key)
        .and_then(Value::as_i64)
        .filter(|n| *n != 0)
}

/// The runner's resources for `host_config`.
pub fn resources(host_config: &HostConfig) -> Result<WorkloadResources, EngineError> {
    let mut resources = WorkloadResources::default();
    if let Some(memory) = number(host_config, "Memory") {
        if memory < 6 * 1024 * 1024 {
            return Err(EngineError::InvalidParameter(
                "Minimum memory limit allowed is 6MB".into(),
            ));
        }
        resources.memory_limit = Some(memory as u64);
    }
    if let Some(reservation) = number(host_config, "MemoryReservation") {
        resources.memory_reservation = Some(reservation as u64);
    }
    if let Some(shares) = number(host_config, "CpuShares") {
        resources.cpu_shares = Some(shares as u64);
    }
    let nano_cpus = number(host_config, "NanoCpus");
    let quota = number(host_config, "CpuQuota");
    if nano_cpus.is_some() && quota.is_some() {
        return Err(EngineError::InvalidParameter(
            "Conflicting options: Nano CPUs and CPU Quota cannot both be set".into(),
        ));
    }
    if let Some(nano) = nano_cpus {
        // Docker's own mapping: a period of 100 ms and the quota it allows.
        resources.cpu_period = Some(100_000);
        resources.cpu_quota = Some(nano * 100_000 / 1_000_000_000);
    }
    if let Some(quota) = quota {
        resources.cpu_quota = Some(quota);
        resources.cpu_period = number(host_config, "CpuPeriod").map(|p| p as u64);
    }
    if number(host_config, "PidsLimit").is_some_and(|limit| limit > 0) {
        return Err(EngineError::not_supported("memory", "PidsLimit"));
    }
    for key in [
        "BlkioWeight",
        "CpusetCpus",
        "CpusetMems",
        "CpuRealtimeRuntime",
    ] {
        let set = match host_config.extra.get(key) {
            Some(Value::Number(n)) => n.as_i64() != Some(0),
            Some(Value::String(s)) => !s.is_empty(),
            _ => false,
        };
        if set {
            return Err(EngineError::not_supported("memory", key));
        }
    }
    for ulimit in host_config
        .extra
        .get("Ulimits")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = ulimit.get("Name").and_then(Value::as_str).unwrap_or("");
        let soft = ulimit.get("Soft").and_then(Value::as_i64).unwrap_or(0);
        let hard = ulimit.get("Hard").and_then(Value::as_i64).unwrap_or(0);
        if name.is_empty() || soft < 0 || hard < 0 {
            return Err(EngineError::InvalidParameter(format!(
                "invalid ulimit: {ulimit}"
            )));
        }
        resources.rlimits.push(Rlimit {
            kind: format!("RLIMIT_{}", name.to_ascii_uppercase()),
            soft: soft as u64,
            hard: hard as u64,
        });
    }
    Ok(resources)
}

/// Docker's checks of a restart policy at create.
pub fn validate_restart(host_config: &HostConfig) -> Result<(), EngineError> {
    let policy = &host_config.restart_policy;
    let invalid =
        |what: &str| EngineError::InvalidParameter(format!("invalid restart policy: {what}"));
    match policy.name.as_str() {
        "" | "no" | "always" | "unless-stopped" => {
            if policy.maximum_retry_count != 0 {
                return Err(invalid(
                    "maximum retry count can only be used with 'on-failure'",
                ));
            }
        }
        "on-failure" => {
            if policy.maximum_retry_count < 0 {
                return Err(invalid("maximum retry count cannot be negative"));
            }
        }
        other => {
            return Err(invalid(&format!(
                "unknown policy '{other}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
            )));
        }
    }
    if host_config.auto_remove && !matches!(policy.name.as_str(), "" | "no") {
        return Err(EngineError::InvalidParameter(
            "can't create 'AutoRemove' container with restart policy".into(),
        ));
    }
    Ok(())
}

/// Whether a container that exited with `code` starts again: never after `docker stop` or
/// `kill`, else as its policy says (`on-failure` up to its maximum, counted in restarts).
pub fn should_restart(
    policy: &RestartPolicy,
    code: i32,
    restart_count: i64,
    manually_stopped: bool,
) -> bool {
    if manually_stopped {
        return false;
    }
    match policy.name.as_str() {
        "always" | "unless-stopped" => true,
        "on-failure" => {
            code != 0
                && (policy.maximum_retry_count == 0 || restart_count < policy.maximum_retry_count)
        }
        _ => false,
    }
}

/// How long before the `restart_count`-th restart: Docker's 100 ms, doubling, at most a minute.
pub fn backoff(restart_count: i64) -> std::time::Duration {
    let shift = restart_count.clamp(0, 10) as u32;
    std::time::Duration::from_millis((100u64 << shift).min(60_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(name: &str, maximum: i64) -> RestartPolicy {
        RestartPolicy {
            name: name.into(),
            maximum_retry_count: maximum,
        }
    }

    #[test]
    fn restart_decisions() {
        assert!(should_restart(&policy("always", 0), 0, 5, false));
        assert!(!should_restart(&policy("always", 0), 0, 5, true));
        assert!(!should_restart(&policy("no", 0), 1, 0, false));
        assert!(should_restart(&policy("on-failure", 2), 1, 1, false));
        assert!(!should_restart(&policy("on-failure", 2), 1, 2, false));
        assert!(!should_restart(&policy("on-failure", 0), 0, 0, false));
        assert_eq!(backoff(0).as_millis(), 100);
        assert_eq!(backoff(3).as_millis(), 800);
        assert_eq!(backoff(50).as_millis(), 60_000);
    }

    #[test]
    fn validation() {
        let mut host = HostConfig {
            restart_policy: policy("sometimes", 0),
            ..HostConfig::default()
        };
        assert_eq!(
            validate_restart(&host).unwrap_err().to_string(),
            "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
        );
        host.restart_policy = policy("always", 3);
        assert!(validate_restart(&host).is_err());
        host.restart_policy = policy("on-failure", 3);
        assert!(validate_restart(&host).is_ok());
        host.extra
            .insert("NanoCpus".into(), serde_json::json!(500_000_000));
        let resources = resources(&host).unwrap();
        assert_eq!(
            (resources.cpu_quota, resources.cpu_period),
            (Some(50_000), Some(100_000))
        );
    }
}
