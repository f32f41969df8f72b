//! Process trees in cgroup v2: each runner gets a cgroup beside the simulator's own
//! (`sockerless-PID-START-N`, named after its process and that process's start time), and each
//! workload a child of it (`wN`) that its first process joins before it executes anything. Every
//! descendant, including one that called `setsid` or double-forked, stays in the group, so
//! writing `cgroup.kill` ends the whole tree at once.
//!
//! Leftovers: a runner's cgroups outlive a simulator killed with SIGKILL. Its watchdog (see
//! [`super::watchdog`]) kills them when the simulator's end closes its pipe; as a backstop every
//! new runner first kills and removes the cgroups of runners whose process is gone.
//!
//! Used only where a cgroup2 hierarchy is mounted and writable (root, or a delegated
//! subtree); otherwise [`RunnerCgroup::create`] answers `None` and the runner falls back to
//! process groups. No controllers are enabled: the groups track processes, they limit nothing.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::owner::{own_tag, owner_alive, parse_tag};

pub(crate) const PREFIX: &str = "sockerless-";

/// Where the cgroup2 hierarchy is mounted, from `/proc/self/mountinfo`.
pub(crate) fn cgroup2_mount() -> Option<PathBuf> {
    let mountinfo = fs::read_to_string("/proc/self/mountinfo").ok()?;
    mountinfo.lines().find_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        if after.split_whitespace().next()? != "cgroup2" {
            return None;
        }
        before.split_whitespace().nth(4).map(PathBuf::from)
    })
}

/// This process's cgroup in the v2 hierarchy (`0::/path` in `/proc/self/cgroup`).
fn own_cgroup(mount: &Path) -> Option<PathBuf> {
    let cgroups = fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = cgroups.lines().find_map(|line| line.strip_prefix("0::"))?;
    Some(mount.join(path.trim_start_matches('/')))
}

/// Kills every process in the cgroup at `dir` and its descendants.
pub(crate) fn kill_tree(dir: &Path) {
    match OpenOptions::new().write(true).open(dir.join("cgroup.kill")) {
        Ok(mut file) => {
            let _ = file.write_all(b"1");
        }
        // Kernels before 5.14 have no cgroup.kill: signal what is listed, a few rounds over,
        // since a process may fork while we read.
        Err(_) => {
            for _ in 0..10 {
                let mut found = false;
                for procs in procs_files(dir) {
                    for pid in fs::read_to_string(procs).unwrap_or_default().lines() {
                        if let Ok(pid) = pid.trim().parse::<i32>() {
                            found = true;
                            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                        }
                    }
                }
                if !found {
                    break;
                }
            }
        }
    }
}

fn procs_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = vec![dir.join("cgroup.procs")];
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                files.extend(procs_files(&entry.path()));
            }
        }
    }
    files
}

/// Whether any process is left in the cgroup at `dir` or below it.
fn populated(dir: &Path) -> bool {
    fs::read_to_string(dir.join("cgroup.events"))
        .map(|events| events.lines().any(|line| line == "populated 1"))
        .unwrap_or(false)
}

/// Removes the cgroup at `dir` and its children (they must be empty of processes).
fn remove_tree(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                remove_tree(&entry.path());
            }
        }
    }
    let _ = fs::remove_dir(dir);
}

/// One runner's cgroup.
#[derive(Debug)]
pub(super) struct RunnerCgroup {
    dir: PathBuf,
}

impl RunnerCgroup {
    /// Makes a cgroup for a new runner, after killing and removing those of runners whose
    /// process has died. `None` where cgroup2 is missing or not writable.
    pub(super) fn create() -> Option<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mount = cgroup2_mount()?;
        let parent = own_cgroup(&mount)?;
        sweep(&parent);
        let dir = parent.join(format!(
            "{PREFIX}{}-{}",
            own_tag(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        match fs::create_dir(&dir) {
            Ok(()) => Some(Self { dir }),
            Err(error) => {
                tracing::debug!(%error, dir = %dir.display(), "no cgroup for workloads; using process groups");
                None
            }
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// A cgroup for workload `id`, with its `cgroup.procs` open for the first process to join;
    /// inside the runner's child group `group` when given (made if missing: a group of
    /// workloads sharing limits, which its owner removes).
    pub(super) fn workload(&self, id: u64, group: Option<&str>) -> std::io::Result<WorkloadCgroup> {
        let parent = match group {
            Some(group) => {
                let parent = self.dir.join(group);
                fs::create_dir_all(&parent)?;
                parent
            }
            None => self.dir.clone(),
        };
        let dir = parent.join(format!("w{id}"));
        fs::create_dir(&dir)?;
        // Opened close-on-exec: the first process writes to it between fork and exec, and
        // nothing the workload runs keeps it.
        let procs = OpenOptions::new()
            .write(true)
            .open(dir.join("cgroup.procs"))?;
        Ok(WorkloadCgroup { dir, procs })
    }

    /// Kills every workload of this runner.
    pub(super) fn kill_all(&self) {
        kill_tree(&self.dir);
    }
}

impl Drop for RunnerCgroup {
    fn drop(&mut self) {
        self.kill_all();
        // Processes just killed may not have left yet; the watchdog retries the removal.
        remove_tree(&self.dir);
    }
}

/// Kills and removes the runner cgroups under `parent` whose process is gone.
fn sweep(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((pid, start)) = name.strip_prefix(PREFIX).and_then(parse_tag) else {
            continue;
        };
        if owner_alive(pid, start) {
            continue;
        }
        let dir = entry.path();
        tracing::info!(dir = %dir.display(), "ending workloads left by a simulator that died");
        kill_tree(&dir);
        for _ in 0..100 {
            if !populated(&dir) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        remove_tree(&dir);
    }
}

/// One workload's cgroup.
#[derive(Debug)]
pub(super) struct WorkloadCgroup {
    dir: PathBuf,
    procs: File,
}

impl WorkloadCgroup {
    /// The descriptor the first process writes `0` to, joining the group.
    pub(super) fn procs_fd(&self) -> RawFd {
        self.procs.as_raw_fd()
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Kills every process of the workload, then waits (up to two seconds) for them to be gone
    /// and removes the group.
    pub(super) async fn end(self) {
        kill_tree(&self.dir);
        for _ in 0..200 {
            if !populated(&self.dir) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(self.procs);
        // A runtime (runc) may have made groups of its own inside this one.
        remove_tree(&self.dir);
        if self.dir.exists() {
            tracing::debug!(dir = %self.dir.display(), "workload cgroup not removed");
        }
    }
}
