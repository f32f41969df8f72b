//! Resource limits on this machine: which cgroup controllers can take a workload's memory and
//! CPU limits ([`Controllers`]), and, after a workload ends with SIGKILL, whether the kernel's
//! OOM killer sent it ([`oom_killed`]).
//!
//! Both cgroup layouts are read: v1 hierarchies per controller (`/sys/fs/cgroup/memory`, the
//! hybrid layout of this VM) and the unified v2 hierarchy. On v1 the OOM kill is counted only in
//! the group of the killed process (`memory.oom_control`'s `oom_kill`, not propagated to its
//! parents), which is why the runtime keeps the container's group after it exits (`runc run
//! --keep`) until this module has read it.
//!
//! What this module must not do: write to any cgroup (the runtime applies the limits), or
//! pretend a limit is applied when the controller is missing: such a limit is dropped and the
//! server log says so.

use std::path::PathBuf;

use crate::runner::WorkloadResources;

/// Which controllers can limit workloads here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Controllers {
    pub memory: bool,
    pub cpu: bool,
}

/// The mount point of the v1 hierarchy holding `controller`, from `/proc/self/mountinfo`.
pub(super) fn v1_mount(controller: &str) -> Option<PathBuf> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    mountinfo.lines().find_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        let mut fields = after.split_whitespace();
        if fields.next() != Some("cgroup") {
            return None;
        }
        let options = fields.nth(1)?;
        if !options.split(',').any(|option| option == controller) {
            return None;
        }
        before.split_whitespace().nth(4).map(PathBuf::from)
    })
}

/// Whether the unified hierarchy offers `controller` at its root.
pub(super) fn v2_offers(controller: &str) -> bool {
    super::super::process::cgroup::cgroup2_mount()
        .and_then(|mount| std::fs::read_to_string(mount.join("cgroup.controllers")).ok())
        .is_some_and(|list| list.split_whitespace().any(|name| name == controller))
}

impl Controllers {
    pub fn detect() -> Self {
        Self {
            memory: v1_mount("memory").is_some() || v2_offers("memory"),
            cpu: v1_mount("cpu").is_some() || v2_offers("cpu"),
        }
    }

    /// The part of `wanted` these controllers can apply; what they cannot is logged and
    /// dropped (rlimits need no cgroup and always apply).
    pub fn applicable(&self, workload: &str, wanted: &WorkloadResources) -> WorkloadResources {
        let mut resources = wanted.clone();
        let wants_memory = wanted.memory_limit.is_some() || wanted.memory_reservation.is_some();
        if wants_memory && !self.memory {
            tracing::warn!(
                workload,
                "no memory cgroup controller here: the workload's memory limits are not applied"
            );
            resources.memory_limit = None;
            resources.memory_reservation = None;
        }
        let wants_cpu = wanted.cpu_shares.is_some() || wanted.cpu_quota.is_some();
        if wants_cpu && !self.cpu {
            tracing::warn!(
                workload,
                "no cpu cgroup controller here: the workload's CPU limits are not applied"
            );
            resources.cpu_shares = None;
            resources.cpu_quota = None;
            resources.cpu_period = None;
        }
        resources
    }
}

/// Without a cgroup of its own the runtime could only limit a group it shares: only rlimits
/// apply.
pub fn without_cgroups(workload: &str, wanted: &WorkloadResources) -> WorkloadResources {
    Controllers::default().applicable(workload, wanted)
}

/// Every v1 hierarchy's mount point (hybrid layouts), from `/proc/self/mountinfo`.
pub(super) fn v1_mounts() -> Vec<PathBuf> {
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    mountinfo
        .lines()
        .filter_map(|line| {
            let (before, after) = line.split_once(" - ")?;
            (after.split_whitespace().next() == Some("cgroup"))
                .then(|| before.split_whitespace().nth(4).map(PathBuf::from))?
        })
        .collect()
}

/// Removes `dir` and the groups below it, deepest first; a group still holding a process
/// stays.
pub(super) fn remove_empty_tree(dir: &std::path::Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                remove_empty_tree(&entry.path());
            }
        }
    }
    let _ = std::fs::remove_dir(dir);
}

/// The groups the runtime made in the v1 hierarchies for the runner whose v2 group is
/// `runner_dir` (the container groups kept for [`oom_killed`] when the simulator ends before
/// removing them), or, with `dead_only`, those of runners beside it whose simulator is gone.
pub(crate) fn remove_v1_runner_groups(runner_dir: &std::path::Path, dead_only: bool) {
    let Some(v2) = super::super::process::cgroup::cgroup2_mount() else {
        return;
    };
    let Ok(relative) = runner_dir.strip_prefix(&v2) else {
        return;
    };
    for mount in v1_mounts() {
        let own = mount.join(relative);
        if !dead_only {
            remove_empty_tree(&own);
            continue;
        }
        let Some(parent) = own.parent() else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(parent) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let dead = name
                .strip_prefix(super::super::process::cgroup::PREFIX)
                .and_then(crate::owner::parse_tag)
                .is_some_and(|(pid, start)| !crate::owner::owner_alive(pid, start));
            if dead {
                remove_empty_tree(&entry.path());
            }
        }
    }
}

/// The `oom_kill` count in a `memory.oom_control` (v1) or `memory.events` (v2) file.
pub fn oom_kill_count(text: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix("oom_kill "))
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or(0)
}

/// Whether the OOM killer killed a process in the container's group at `path` (relative to the
/// hierarchies' roots, as in `cgroupsPath`).
pub fn oom_killed(path: &str) -> bool {
    let relative = path.trim_start_matches('/');
    let v1 = v1_mount("memory")
        .map(|mount| mount.join(relative).join("memory.oom_control"))
        .and_then(|file| std::fs::read_to_string(file).ok());
    let v2 = || {
        super::super::process::cgroup::cgroup2_mount()
            .map(|mount| mount.join(relative).join("memory.events"))
            .and_then(|file| std::fs::read_to_string(file).ok())
    };
    v1.or_else(v2).is_some_and(|text| oom_kill_count(&text) > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oom_kills_are_read_from_either_layout() {
        let v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n";
        let v2 = "low 0\nhigh 0\nmax 12\noom 1\noom_kill 2\noom_group_kill 0\n";
        assert_eq!(
            (oom_kill_count(v1), oom_kill_count(v2), oom_kill_count("")),
            (1, 2, 0)
        );
    }

    #[test]
    fn limits_without_their_controller_are_dropped_but_rlimits_stay() {
        let wanted = WorkloadResources {
            memory_limit: Some(64 << 20),
            memory_reservation: Some(32 << 20),
            cpu_shares: Some(256),
            cpu_quota: Some(25_000),
            cpu_period: Some(100_000),
            rlimits: vec![crate::runner::Rlimit {
                kind: "RLIMIT_NOFILE".into(),
                soft: 100,
                hard: 200,
            }],
            group: None,
        };
        let memory_only = Controllers {
            memory: true,
            cpu: false,
        };
        assert_eq!(
            memory_only.applicable("w", &wanted),
            WorkloadResources {
                cpu_shares: None,
                cpu_quota: None,
                cpu_period: None,
                ..wanted.clone()
            }
        );
        assert_eq!(
            without_cgroups("w", &wanted),
            WorkloadResources {
                rlimits: wanted.rlimits.clone(),
                ..Default::default()
            }
        );
    }
}
