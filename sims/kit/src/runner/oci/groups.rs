//! Parent cgroups shared by a group of workloads ([`ResourceGroup`]): an ECS task's `cpu` and
//! `memory` bound all of its containers together, as the ECS agent's per-task cgroup does. The
//! first workload of a group makes the group's cgroup (`g-HASH` in the runner's cgroup) and
//! writes its limits there; each workload's own cgroup, and the container's group the runtime
//! makes inside it, sit below it, so the kernel counts the group's memory and CPU together.
//! The last workload of a group to end removes it ([`GroupLease`]).
//!
//! Layouts: each controller is used where this machine has it. On the hybrid layout of this VM
//! the `memory` and `cpu` controllers are v1 hierarchies (`memory.limit_in_bytes`,
//! `cpu.cfs_quota_us`); on a unified (v2) layout the controllers are enabled down to the runner's
//! group and the limits written as `memory.max` and `cpu.max`. [`GroupLimits::report`] says which
//! apply. A limit this machine cannot apply is not pretended: acquiring the group fails with
//! the reason, and the runner logs it and runs the workload without the group's limits.
//!
//! An OOM kill caused by the group's limit is counted in the killed process's own group (v1
//! counts it nowhere else), which is where [`super::limits::oom_killed`] reads it.
//!
//! What this module must not do: write outside the runner's own cgroups, or remove a group
//! while one of its workloads may still start in it (removal happens under the same lock as
//! acquisition).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::runner::ResourceGroup;

/// Where a controller's limits are written.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hierarchy {
    /// A v1 hierarchy mounted at this path.
    V1(PathBuf),
    /// The unified hierarchy.
    V2,
}

/// Which hierarchies carry group limits here, and where the runner's cgroup is.
#[derive(Debug)]
pub(crate) struct GroupLimits {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The runner's cgroup in the unified hierarchy, and its path relative to that
    /// hierarchy's root (the same path names the runner's groups in every v1 hierarchy).
    runner: Option<(PathBuf, PathBuf)>,
    memory: Option<Hierarchy>,
    cpu: Option<Hierarchy>,
    /// Groups with live workloads: the directory name and how many workloads hold it.
    live: Mutex<HashMap<String, (String, usize)>>,
}

/// A workload's hold on its group; the group's cgroups are removed when the last is dropped.
#[derive(Debug)]
pub(crate) struct GroupLease {
    inner: Arc<Inner>,
    name: String,
    dir_name: String,
}

impl GroupLease {
    /// The group's directory name inside the runner's cgroup.
    pub(crate) fn dir_name(&self) -> &str {
        &self.dir_name
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn hierarchy(controller: &str) -> Option<Hierarchy> {
    if let Some(mount) = super::limits::v1_mount(controller) {
        return Some(Hierarchy::V1(mount));
    }
    super::limits::v2_offers(controller).then_some(Hierarchy::V2)
}

fn write(path: &Path, value: &str) -> Result<(), String> {
    std::fs::write(path, value).map_err(|error| format!("{}: {error}", path.display()))
}

impl GroupLimits {
    /// The layout of this machine, for the runner whose unified-hierarchy cgroup is
    /// `runner_dir` (none where the runner has no cgroup: groups then cannot be made).
    pub(crate) fn detect(runner_dir: Option<&Path>) -> Self {
        let runner = runner_dir.and_then(|dir| {
            let mount = super::super::process::cgroup::cgroup2_mount()?;
            let relative = dir.strip_prefix(&mount).ok()?.to_path_buf();
            Some((dir.to_path_buf(), relative))
        });
        Self {
            inner: Arc::new(Inner {
                runner,
                memory: hierarchy("memory"),
                cpu: hierarchy("cpu"),
                live: Mutex::default(),
            }),
        }
    }

    /// Which group limits apply on this machine, in words for the server log.
    pub(crate) fn report(&self) -> String {
        let inner = &self.inner;
        if inner.runner.is_none() {
            return "none: the runner has no cgroup of its own".into();
        }
        let describe = |name: &str, hierarchy: &Option<Hierarchy>| match hierarchy {
            Some(Hierarchy::V1(_)) => format!("{name} on cgroup v1"),
            Some(Hierarchy::V2) => format!("{name} on cgroup v2"),
            None => format!("no {name} (no controller)"),
        };
        format!(
            "{}, {}",
            describe("memory", &inner.memory),
            describe("cpu", &inner.cpu)
        )
    }

    /// Joins `group`, making its cgroup with its limits if it is the first workload of it.
    pub(crate) fn acquire(&self, group: &ResourceGroup) -> Result<GroupLease, String> {
        let inner = &self.inner;
        let Some((runner_dir, relative)) = &inner.runner else {
            return Err("the runner has no cgroup of its own".into());
        };
        let mut live = lock(&inner.live);
        if let Some((dir_name, members)) = live.get_mut(&group.name) {
            *members += 1;
            return Ok(GroupLease {
                inner: inner.clone(),
                name: group.name.clone(),
                dir_name: dir_name.clone(),
            });
        }
        let dir_name = {
            use sha2::Digest as _;
            let digest = hex::encode(sha2::Sha256::digest(group.name.as_bytes()));
            format!("g-{}", &digest[..16])
        };
        let made = make_group(inner, runner_dir, &relative.join(&dir_name), group);
        if let Err(problem) = made {
            remove_group(inner, &dir_name);
            return Err(problem);
        }
        live.insert(group.name.clone(), (dir_name.clone(), 1));
        Ok(GroupLease {
            inner: inner.clone(),
            name: group.name.clone(),
            dir_name,
        })
    }
}

/// The group's directory in `hierarchy`, made with its parents.
fn group_dir(
    hierarchy: &Hierarchy,
    runner_dir: &Path,
    relative: &Path,
    dir_name: &str,
) -> Result<PathBuf, String> {
    let dir = match hierarchy {
        Hierarchy::V1(mount) => mount.join(relative),
        Hierarchy::V2 => runner_dir.join(dir_name),
    };
    std::fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    Ok(dir)
}

/// On the unified hierarchy, enables `controller` for the runner's children (and in the
/// runner's ancestors, which must offer it to the runner first).
fn enable_v2(runner_dir: &Path, controller: &str) -> Result<(), String> {
    let Some(mount) = super::super::process::cgroup::cgroup2_mount() else {
        return Err("no cgroup v2 hierarchy".into());
    };
    let Ok(relative) = runner_dir.strip_prefix(&mount) else {
        return Err("the runner's cgroup is outside the cgroup v2 hierarchy".into());
    };
    let mut dir = mount.clone();
    let mut chain = vec![dir.clone()];
    for part in relative.components() {
        dir.push(part);
        chain.push(dir.clone());
    }
    for dir in chain {
        write(
            &dir.join("cgroup.subtree_control"),
            &format!("+{controller}"),
        )?;
    }
    Ok(())
}

fn make_group(
    inner: &Inner,
    runner_dir: &Path,
    relative: &Path,
    group: &ResourceGroup,
) -> Result<(), String> {
    let dir_name = relative
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Some(limit) = group.memory_limit {
        match &inner.memory {
            None => return Err("no memory cgroup controller here".into()),
            Some(hierarchy @ Hierarchy::V1(_)) => {
                let dir = group_dir(hierarchy, runner_dir, relative, &dir_name)?;
                write(&dir.join("memory.limit_in_bytes"), &limit.to_string())?;
                // No swap beyond the limit, where swap accounting exists.
                let memsw = dir.join("memory.memsw.limit_in_bytes");
                if memsw.exists() {
                    write(&memsw, &limit.to_string())?;
                }
            }
            Some(hierarchy @ Hierarchy::V2) => {
                enable_v2(runner_dir, "memory")?;
                let dir = group_dir(hierarchy, runner_dir, relative, &dir_name)?;
                write(&dir.join("memory.max"), &limit.to_string())?;
                let swap = dir.join("memory.swap.max");
                if swap.exists() {
                    write(&swap, "0")?;
                }
            }
        }
    }
    if let Some(quota) = group.cpu_quota {
        let period = group.cpu_period.unwrap_or(100_000);
        match &inner.cpu {
            None => return Err("no cpu cgroup controller here".into()),
            Some(hierarchy @ Hierarchy::V1(_)) => {
                let dir = group_dir(hierarchy, runner_dir, relative, &dir_name)?;
                write(&dir.join("cpu.cfs_period_us"), &period.to_string())?;
                write(&dir.join("cpu.cfs_quota_us"), &quota.to_string())?;
            }
            Some(hierarchy @ Hierarchy::V2) => {
                enable_v2(runner_dir, "cpu")?;
                let dir = group_dir(hierarchy, runner_dir, relative, &dir_name)?;
                write(&dir.join("cpu.max"), &format!("{quota} {period}"))?;
            }
        }
    }
    Ok(())
}

/// Removes the group's (empty) cgroups from every hierarchy: the runtime makes the container's
/// path, and so the group's, in each v1 hierarchy.
fn remove_group(inner: &Inner, dir_name: &str) {
    let Some((runner_dir, relative)) = &inner.runner else {
        return;
    };
    for mount in super::limits::v1_mounts() {
        super::limits::remove_empty_tree(&mount.join(relative).join(dir_name));
    }
    super::limits::remove_empty_tree(&runner_dir.join(dir_name));
}

impl Drop for GroupLease {
    fn drop(&mut self) {
        let mut live = lock(&self.inner.live);
        let last = match live.get_mut(&self.name) {
            Some((_, members)) if *members > 1 => {
                *members -= 1;
                false
            }
            Some(_) => true,
            None => false,
        };
        if last {
            live.remove(&self.name);
            // Under the lock: a workload of the same group starting now waits, then makes
            // the group again with its limits.
            remove_group(&self.inner, &self.dir_name);
        }
    }
}
