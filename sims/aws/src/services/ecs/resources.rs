//! What a task's containers may use, from the task definition and RunTask's overrides, in the
//! runner's terms ([`simkit::runner::WorkloadResources`]): the container's `memory` (hard) and
//! `memoryReservation` (soft) in MiB, its `cpu` units as CPU shares, and `ulimits` as rlimits.
//! The task's `cpu` and `memory` (Fargate's task size, or an EC2 task's) bound all of its
//! containers together, as the ECS agent's per-task cgroup does: they are the task's
//! [`ResourceGroup`], which the runner applies to a parent cgroup of the task's containers.
//! Pure functions over the definition; no I/O.

use sim_aws_shapes::ecs::{ContainerDefinition, ContainerOverride, Ulimit};
use simkit::runner::{ResourceGroup, Rlimit, WorkloadResources};

use super::task_definitions::{normalize_cpu, normalize_memory};

const MIB: u64 = 1 << 20;
/// The CFS period a task's CPU quota is counted over (Docker's default).
const CPU_PERIOD: u64 = 100_000;
/// The kernel's minimum CPU shares, which Docker and the ECS agent raise smaller values to.
const MIN_CPU_SHARES: u64 = 2;

/// The kernel's name of an ECS `ulimits` name, for the names ECS accepts.
fn rlimit_kind(name: &str) -> Option<&'static str> {
    Some(match name {
        "core" => "RLIMIT_CORE",
        "cpu" => "RLIMIT_CPU",
        "data" => "RLIMIT_DATA",
        "fsize" => "RLIMIT_FSIZE",
        "locks" => "RLIMIT_LOCKS",
        "memlock" => "RLIMIT_MEMLOCK",
        "msgqueue" => "RLIMIT_MSGQUEUE",
        "nice" => "RLIMIT_NICE",
        "nofile" => "RLIMIT_NOFILE",
        "nproc" => "RLIMIT_NPROC",
        "rss" => "RLIMIT_RSS",
        "rtprio" => "RLIMIT_RTPRIO",
        "rttime" => "RLIMIT_RTTIME",
        "sigpending" => "RLIMIT_SIGPENDING",
        "stack" => "RLIMIT_STACK",
        _ => return None,
    })
}

fn rlimits(ulimits: &[Ulimit]) -> Vec<Rlimit> {
    ulimits
        .iter()
        .filter_map(|ulimit| {
            Some(Rlimit {
                kind: rlimit_kind(&ulimit.name)?.to_string(),
                soft: u64::try_from(ulimit.soft_limit).ok()?,
                hard: u64::try_from(ulimit.hard_limit).ok()?,
            })
        })
        .collect()
}

/// The task's size: `cpu` and `memory` as given (units or vCPU, MiB or GB).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TaskSize<'a> {
    pub cpu: Option<&'a str>,
    pub memory: Option<&'a str>,
}

/// The resources of `definition`, with RunTask's container and task overrides applied, in
/// the task group `task_group` (named uniquely per task) carrying the task's size.
pub(super) fn container_resources(
    definition: &ContainerDefinition,
    container_override: Option<&ContainerOverride>,
    task_group: &str,
    task: TaskSize<'_>,
) -> WorkloadResources {
    let mib = |value: i32| {
        u64::try_from(value)
            .ok()
            .filter(|v| *v > 0)
            .map(|v| v * MIB)
    };
    let memory = container_override
        .and_then(|o| o.memory)
        .or(definition.memory)
        .and_then(mib);
    let task_memory = task
        .memory
        .and_then(normalize_memory)
        .and_then(|v| u64::try_from(v).ok())
        .filter(|v| *v > 0)
        .map(|v| v * MIB);
    let reservation = container_override
        .and_then(|o| o.memory_reservation)
        .or(definition.memory_reservation)
        .and_then(mib);
    let shares = container_override
        .and_then(|o| o.cpu)
        .or(definition.cpu)
        .and_then(|units| u64::try_from(units).ok())
        .filter(|units| *units > 0)
        .map(|units| units.max(MIN_CPU_SHARES));
    let quota = task
        .cpu
        .and_then(normalize_cpu)
        .filter(|units| *units > 0)
        .map(|units| units * CPU_PERIOD as i64 / 1024);
    let group = (task_memory.is_some() || quota.is_some()).then(|| ResourceGroup {
        name: task_group.to_string(),
        memory_limit: task_memory,
        cpu_quota: quota,
        cpu_period: quota.map(|_| CPU_PERIOD),
    });
    WorkloadResources {
        memory_limit: memory,
        memory_reservation: reservation,
        cpu_shares: shares,
        cpu_quota: None,
        cpu_period: None,
        rlimits: rlimits(definition.ulimits.as_deref().unwrap_or_default()),
        group,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        definition: serde_json::Value,
        container_override: Option<ContainerOverride>,
        task: (Option<&str>, Option<&str>),
        expected: WorkloadResources,
    ) {
        let definition: ContainerDefinition =
            serde_json::from_value(definition).expect("a container definition");
        let size = TaskSize {
            cpu: task.0,
            memory: task.1,
        };
        assert_eq!(
            container_resources(&definition, container_override.as_ref(), "ecs/t", size),
            expected
        );
    }

    fn task_group(memory_mib: Option<u64>, quota: Option<i64>) -> Option<ResourceGroup> {
        Some(ResourceGroup {
            name: "ecs/t".into(),
            memory_limit: memory_mib.map(|m| m * MIB),
            cpu_quota: quota,
            cpu_period: quota.map(|_| 100_000),
        })
    }

    #[test]
    fn container_limits_then_the_tasks() {
        check(
            serde_json::json!({"name": "app", "memory": 64, "memoryReservation": 32, "cpu": 1,
                "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}]}),
            None,
            (Some("0.25 vCPU"), Some("512")),
            WorkloadResources {
                memory_limit: Some(64 * MIB),
                memory_reservation: Some(32 * MIB),
                cpu_shares: Some(2),
                rlimits: vec![Rlimit {
                    kind: "RLIMIT_NOFILE".into(),
                    soft: 1024,
                    hard: 4096,
                }],
                group: task_group(Some(512), Some(25_000)),
                ..Default::default()
            },
        );
        check(
            serde_json::json!({"name": "app", "cpu": 512}),
            Some(ContainerOverride {
                memory: Some(128),
                ..Default::default()
            }),
            (None, Some("1 GB")),
            WorkloadResources {
                memory_limit: Some(128 * MIB),
                cpu_shares: Some(512),
                group: task_group(Some(1024), None),
                ..Default::default()
            },
        );
        check(
            serde_json::json!({"name": "app"}),
            None,
            (Some("1024"), Some("2 GB")),
            WorkloadResources {
                group: task_group(Some(2048), Some(100_000)),
                ..Default::default()
            },
        );
        // Without a task size, only the container's own limits.
        check(
            serde_json::json!({"name": "app", "memory": 64}),
            None,
            (None, None),
            WorkloadResources {
                memory_limit: Some(64 * MIB),
                ..Default::default()
            },
        );
    }
}
