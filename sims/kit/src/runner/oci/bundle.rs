//! The runtime bundle's `config.json` (OCI runtime spec 1.0): what runs, as whom, where, with
//! which mounts, namespaces and capabilities. The container's definition is merged with the
//! image config as Docker does ([`merge_args`], [`merge_env`]); the user is looked up in the
//! image's own `/etc/passwd` and `/etc/group` ([`resolve_user`]).
//!
//! Defaults, as Docker's: the capability set Docker grants, masked and read-only `/proc` paths,
//! a private PID, IPC, UTS and mount namespace. Not Docker's: `noNewPrivileges` is always set,
//! and the network namespace is the host's unless the workload joins one of its
//! group's.
//!
//! Resource limits go to `linux.resources` (memory limit, reservation and swap; CPU shares,
//! quota and period) and `process.rlimits`.
//!
//! Pure functions over values, except [`resolve_user`], which reads the image's files.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::image::ImageConfig;
use super::unpack::{clean, resolve_in_root};
use crate::runner::WorkloadResources;

/// Docker's default capabilities (moby `oci/caps/defaults.go`).
pub const DEFAULT_CAPABILITIES: [&str; 14] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The arguments a container runs: Docker's rule. An entrypoint given by the definition
/// replaces the image's and drops the image's command; a command given replaces the image's.
pub fn merge_args(
    image: &ImageConfig,
    entrypoint: Option<&[String]>,
    command: Option<&[String]>,
) -> Vec<String> {
    let (entrypoint, command): (&[String], &[String]) = match entrypoint {
        Some(entrypoint) => (entrypoint, command.unwrap_or_default()),
        None => (
            image.entrypoint.as_deref().unwrap_or_default(),
            command.or(image.cmd.as_deref()).unwrap_or_default(),
        ),
    };
    entrypoint.iter().chain(command).cloned().collect()
}

/// The container's environment: the image's, then the definition's over it by name, with
/// `PATH` added when neither has one (as Docker does).
pub fn merge_env(image: &[String], definition: &BTreeMap<String, String>) -> Vec<String> {
    let mut merged: Vec<(String, String)> = Vec::new();
    let mut set = |name: &str, value: &str| match merged.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = value.to_string(),
        None => merged.push((name.to_string(), value.to_string())),
    };
    for entry in image {
        let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
        set(name, value);
    }
    for (name, value) in definition {
        set(name, value);
    }
    if !merged.iter().any(|(name, _)| name == "PATH") {
        merged.insert(0, ("PATH".into(), DEFAULT_PATH.into()));
    }
    merged
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect()
}

/// A user as the runtime takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub home: String,
}

fn read_in_root(rootfs: &Path, file: &str) -> String {
    resolve_in_root(rootfs, &clean(Path::new(file)))
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default()
}

/// `USER`, `UID`, `USER:GROUP`, `UID:GID`... looked up in the image's passwd and group files,
/// with Docker's messages when a name is missing. Root (`0:0`) when `user` is empty.
pub fn resolve_user(rootfs: &Path, user: Option<&str>) -> Result<ProcessUser, String> {
    let user = user.map(str::trim).unwrap_or_default();
    let passwd = read_in_root(rootfs, "/etc/passwd");
    let group = read_in_root(rootfs, "/etc/group");
    let (user_part, group_part) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    let user_part = if user_part.is_empty() { "0" } else { user_part };
    let entries: Vec<Vec<&str>> = passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .filter(|fields| fields.len() >= 4)
        .collect();
    let found = entries.iter().find(|fields| {
        fields[0] == user_part || (user_part.parse::<u32>().is_ok() && fields[2] == user_part)
    });
    let (uid, mut gid, name, home) = match (found, user_part.parse::<u32>()) {
        (Some(fields), _) => (
            fields[2].parse().unwrap_or(0),
            fields[3].parse().unwrap_or(0),
            fields[0].to_string(),
            fields.get(5).copied().unwrap_or("/").to_string(),
        ),
        (None, Ok(uid)) => (uid, 0, String::new(), "/".to_string()),
        (None, Err(_)) => {
            return Err(format!(
                "unable to find user {user_part}: no matching entries in passwd file"
            ));
        }
    };
    let groups: Vec<Vec<&str>> = group
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .filter(|fields| fields.len() >= 3)
        .collect();
    if let Some(group_part) = group_part {
        gid = match group_part.parse::<u32>() {
            Ok(gid) => gid,
            Err(_) => groups
                .iter()
                .find(|fields| fields[0] == group_part)
                .and_then(|fields| fields[2].parse().ok())
                .ok_or_else(|| {
                    format!("unable to find group {group_part}: no matching entries in group file")
                })?,
        };
    }
    let additional_gids = if name.is_empty() {
        Vec::new()
    } else {
        groups
            .iter()
            .filter(|fields| {
                fields
                    .get(3)
                    .is_some_and(|members| members.split(',').any(|m| m == name))
            })
            .filter_map(|fields| fields[2].parse().ok())
            .filter(|extra| *extra != gid)
            .collect()
    };
    Ok(ProcessUser {
        uid,
        gid,
        additional_gids,
        home,
    })
}

/// A bind mount into the container.
#[derive(Debug, Clone, PartialEq)]
pub struct BindMount {
    pub source: String,
    pub destination: String,
    pub read_only: bool,
}

/// Everything `config.json` is made from.
#[derive(Debug, Clone)]
pub struct BundleConfig {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: ProcessUser,
    pub hostname: String,
    pub read_only_root: bool,
    /// The cgroup path the runtime makes the container's group at; its default when absent.
    pub cgroups_path: Option<String>,
    pub mounts: Vec<BindMount>,
    /// Limits the machine's cgroups can apply (the runner drops those they cannot).
    pub resources: WorkloadResources,
    /// The network namespace to join; the host's when absent.
    pub network_namespace: Option<String>,
    /// Whether the process gets a terminal (`process.terminal`), and its size from the start.
    pub terminal: Option<Option<crate::runner::terminal::WindowSize>>,
}

/// The runtime's `linux.resources` for `resources`, or `None` when nothing is limited. Swap is
/// capped at the memory limit (no swap), as on Fargate, so the OOM killer acts at the limit.
pub fn resources_json(resources: &WorkloadResources) -> Option<Value> {
    let mut out = serde_json::Map::new();
    let mut memory = serde_json::Map::new();
    if let Some(limit) = resources.memory_limit {
        memory.insert("limit".into(), json!(limit));
        memory.insert("swap".into(), json!(limit));
    }
    if let Some(reservation) = resources.memory_reservation {
        memory.insert("reservation".into(), json!(reservation));
    }
    if !memory.is_empty() {
        out.insert("memory".into(), Value::Object(memory));
    }
    let mut cpu = serde_json::Map::new();
    if let Some(shares) = resources.cpu_shares {
        cpu.insert("shares".into(), json!(shares));
    }
    if let Some(quota) = resources.cpu_quota {
        cpu.insert("quota".into(), json!(quota));
        cpu.insert(
            "period".into(),
            json!(resources.cpu_period.unwrap_or(100_000)),
        );
    }
    if !cpu.is_empty() {
        out.insert("cpu".into(), Value::Object(cpu));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn bind(mount: &BindMount) -> Value {
    let mut options = vec!["rbind", "rprivate"];
    if mount.read_only {
        options.push("ro");
    }
    json!({"destination": mount.destination, "type": "bind", "source": mount.source, "options": options})
}

/// The `config.json` for `config`, with the root file system at `rootfs` (a bundle-relative
/// path).
pub fn config_json(config: &BundleConfig) -> Value {
    let mut mounts = vec![
        json!({"destination": "/proc", "type": "proc", "source": "proc"}),
        json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}),
        json!({"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]}),
        json!({"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}),
        json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]}),
        json!({"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}),
    ];
    mounts.extend(config.mounts.iter().map(bind));
    let capabilities: Vec<&str> = DEFAULT_CAPABILITIES.to_vec();
    let mut namespaces = vec![
        json!({"type": "pid"}),
        json!({"type": "ipc"}),
        json!({"type": "uts"}),
        json!({"type": "mount"}),
    ];
    if let Some(path) = &config.network_namespace {
        namespaces.push(json!({"type": "network", "path": path}));
    }
    let mut linux = json!({
        "namespaces": namespaces,
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    });
    if let Some(path) = &config.cgroups_path {
        linux["cgroupsPath"] = json!(path);
    }

    if let Some(resources) = resources_json(&config.resources) {
        linux["resources"] = resources;
    }
    let rlimits: Vec<Value> = config
        .resources
        .rlimits
        .iter()
        .map(|limit| json!({"type": limit.kind, "soft": limit.soft, "hard": limit.hard}))
        .collect();
    let mut document = json!({
        "ociVersion": "1.0.2",
        "process": {
            "terminal": config.terminal.is_some(),
            "user": {"uid": config.user.uid, "gid": config.user.gid, "additionalGids": config.user.additional_gids},
            "args": config.args,
            "env": config.env,
            "cwd": config.cwd,
            "capabilities": {
                "bounding": capabilities,
                "effective": capabilities,
                "permitted": capabilities,
            },
            "noNewPrivileges": true,
        },
        "root": {"path": "rootfs", "readonly": config.read_only_root},
        "hostname": config.hostname,
        "mounts": mounts,
        "linux": linux,
    });
    if !rlimits.is_empty() {
        document["process"]["rlimits"] = json!(rlimits);
    }
    if let Some(Some(size)) = config.terminal {
        // runc sizes the container's console before the first process runs, so the process
        // never sees the 0x0 a later resize would race with.
        document["process"]["consoleSize"] = json!({"height": size.rows, "width": size.columns});
    }
    document
}
