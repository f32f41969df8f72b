//! The `oci` runner: a workload runs in its image, on an existing OCI runtime (`runc`), with no
//! Docker daemon. The image comes from an [`ImageStore`] the simulator names in the workload's
//! [`WorkloadImage`] (the shared registry, where ECR pushes land, or an OCI layout); each layer
//! is unpacked once into a cache keyed by its digest, and each image's root is composed from
//! its layers by hard links, so a layer shared by images is on disk once ([`cache`],
//! [`compose`]); each workload gets its own
//! writable overlay over that tree (or a copy where overlayfs is missing), so no workload changes
//! the image or another workload's files.
//!
//! It reuses the process runner's supervision: `runc run` is the workload's first process, in
//! the workload's cgroup (runc makes the container's group inside it), so output, exit codes,
//! stop (SIGTERM, which runc passes to the container's first process, then SIGKILL to the
//! whole cgroup), timeouts, and the watchdog's cleanup when the simulator dies are the same.
//! The overlay is mounted in a mount namespace of runc's own, so it vanishes with runc whatever
//! ends it.
//!
//! Which runner runs a workload is chosen per runner by [`WorkloadsMode`]: `process` never uses
//! images; `oci` runs every workload that names an image in it, and fails one whose image
//! cannot be had ([`ExitReason::PullFailed`]) or when the runtime does not work here; `auto`
//! runs in the image when both work, else as a host process, and says so in the server log and
//! in [`Workload::runner`].
//!
//! Resource limits ([`limits`]): memory (hard, reservation, no swap), CPU shares and quota, and
//! rlimits, where the machine's cgroups have the controllers; a workload the OOM killer ends
//! reports [`Workload::out_of_memory`]. Workloads naming one
//! [`ResourceGroup`](crate::runner::ResourceGroup) share a parent cgroup carrying the group's
//! memory and CPU limits ([`groups`]; [`OciRunner::group_limits_report`] says which apply).
//!
//! Networks ([`network`]): a group of workloads (an `awsvpc` task) can share a network
//! namespace with an address of its own, reachable from the host, and have host ports published
//! into it ([`network::PublishedPort`]); other workloads use the host's network.
//!
//! Limits: runc must run as root (no rootless mode yet); device nodes in layers are skipped; zstd layers are refused.
//! What this module must not do: write outside its cache and the workload's scratch
//! directory, or run a workload as root on the host outside a container.

pub mod bundle;
pub mod cache;
pub mod compose;
mod groups;
pub mod image;
pub mod limits;
pub mod local;
pub mod network;
pub mod unpack;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::process::confine::Overlay;
use super::process::{Launch, ProcessRunner};
use super::{
    ExitReason, ExitStatus, Isolation, Runner, RunnerError, Workload, WorkloadImage, WorkloadSpec,
};
use crate::clock::Clock;
use crate::logs::LogSink;
use bundle::{BundleConfig, merge_args, merge_env};
use cache::RootfsCache;

/// Which runner runs workloads (`--workloads`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkloadsMode {
    /// Host processes; images are ignored.
    Process,
    /// In their images; a workload whose image cannot be had fails.
    Oci,
    /// In their images when they can be had and the runtime works, else host processes.
    #[default]
    Auto,
}

impl std::str::FromStr for WorkloadsMode {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "process" => Ok(Self::Process),
            "oci" => Ok(Self::Oci),
            "auto" => Ok(Self::Auto),
            other => Err(format!(
                "unknown workloads mode {other:?}: expected process, oci or auto"
            )),
        }
    }
}

/// How the OCI runner is set up.
#[derive(Debug, Clone)]
pub struct OciConfig {
    pub mode: WorkloadsMode,
    /// The runtime binary; `runc` on `PATH` when absent.
    pub runtime: Option<PathBuf>,
    /// Where unpacked images are kept (kept across restarts when it is under a state directory).
    pub cache_dir: PathBuf,
    /// Where workloads' scratch directories (bundles, overlay upper directories) go.
    pub scratch_root: PathBuf,
}

/// Runs workloads in their images on runc, or as host processes (see the module's docs).
pub struct OciRunner {
    mode: WorkloadsMode,
    process: ProcessRunner,
    /// The runtime's path, or why it cannot be used on this machine.
    runtime: Result<PathBuf, String>,
    cache: Arc<RootfsCache>,
    overlay: bool,
    as_root: bool,
    clock: Arc<dyn Clock>,
    /// Which resource limits this machine's cgroups can apply.
    limits: limits::Controllers,
    /// The parent cgroups of workload groups sharing limits (ECS tasks).
    groups: groups::GroupLimits,
    /// Image layouts seeded under `localhost/...` names ([`local`]).
    local: Arc<local::LocalImages>,
}

impl std::fmt::Debug for OciRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciRunner")
            .field("mode", &self.mode)
            .field("runtime", &self.runtime)
            .field("overlay", &self.overlay)
            .finish()
    }
}

/// Finds the runtime and checks it answers, as root.
fn detect_runtime(configured: Option<&Path>, as_root: bool) -> Result<PathBuf, String> {
    let path = match configured {
        Some(path) => path.to_path_buf(),
        None => std::env::var_os("PATH")
            .into_iter()
            .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
            .chain(["/usr/sbin".into(), "/usr/local/sbin".into()])
            .map(|dir| dir.join("runc"))
            .find(|candidate| candidate.is_file())
            .ok_or("no OCI runtime: runc is not installed")?,
    };
    if !as_root {
        return Err(rootless_refusal(&path, unprivileged_user_namespaces()));
    }
    match std::process::Command::new(&path).arg("--version").output() {
        Ok(output) if output.status.success() => Ok(path),
        Ok(output) => Err(format!(
            "the OCI runtime {} does not work: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(error) => Err(format!(
            "the OCI runtime {} cannot be run: {error}",
            path.display()
        )),
    }
}

/// Whether this kernel lets an unprivileged process make a user namespace (what runc's rootless
/// mode needs): `user.max_user_namespaces` above zero, and Debian's
/// `kernel.unprivileged_userns_clone` on where the kernel has it.
fn unprivileged_user_namespaces() -> bool {
    let number = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| text.trim().parse::<u64>().ok())
    };
    number("/proc/sys/user/max_user_namespaces").is_some_and(|max| max > 0)
        && number("/proc/sys/kernel/unprivileged_userns_clone").is_none_or(|on| on == 1)
}

/// Why workloads cannot run in their images when the simulator is not root. The runner does
/// not drive runc's rootless mode: its bundles need root (cgroups for limits, overlay mounts,
/// image owners, users other than the caller, network namespaces), so it says so, and whether
/// the kernel would allow the user namespaces rootless runc needs.
fn rootless_refusal(runtime: &Path, kernel_allows: bool) -> String {
    let kernel = if kernel_allows {
        "this kernel allows unprivileged user namespaces, but Sockerless does not drive runc's rootless mode yet"
    } else {
        "this kernel does not allow unprivileged user namespaces (user.max_user_namespaces or kernel.unprivileged_userns_clone), so rootless runc cannot work here"
    };
    format!(
        "the OCI runtime {} needs the simulator to run as root: {kernel}",
        runtime.display()
    )
}

fn overlayfs_available() -> bool {
    std::fs::read_to_string("/proc/filesystems")
        .map(|list| list.lines().any(|line| line.ends_with("\toverlay")))
        .unwrap_or(false)
}

impl OciRunner {
    pub fn new(clock: Arc<dyn Clock>, config: OciConfig) -> Self {
        let as_root = super::process::confine::running_as_root();
        let runtime = detect_runtime(config.runtime.as_deref(), as_root);
        let overlay = overlayfs_available();
        let limits = limits::Controllers::detect();
        let process = ProcessRunner::new(clock.clone(), config.scratch_root);
        if let Some(dir) = process.cgroup_dir() {
            limits::remove_v1_runner_groups(dir, true);
        }
        let groups = groups::GroupLimits::detect(process.cgroup_dir());
        match (&runtime, config.mode) {
            (_, WorkloadsMode::Process) => {}
            (Ok(path), mode) => {
                tracing::info!(runtime = %path.display(), ?mode, overlay, memory_limits = limits.memory, cpu_limits = limits.cpu, group_limits = %groups.report(), "workloads run in their images where they can")
            }
            (Err(problem), mode) => {
                tracing::warn!(?mode, %problem, "the OCI runtime is not usable")
            }
        }
        Self {
            mode: config.mode,
            process,
            runtime,
            cache: Arc::new(RootfsCache::new(config.cache_dir, as_root)),
            overlay,
            as_root,
            clock,
            limits,
            groups,
            local: Arc::default(),
        }
    }

    /// This runner, finding `localhost/...` images in `images` (seeded layouts) when a
    /// workload's own registry does not have its image.
    pub fn with_local_images(mut self, images: Arc<local::LocalImages>) -> Self {
        self.local = images;
        self
    }

    /// The images seeded under `localhost/...` names.
    pub fn local_images(&self) -> &Arc<local::LocalImages> {
        &self.local
    }

    /// Where `image` is: where the workload's registry found it, else a seeded local image of
    /// that name, else why it cannot be had (the registry's reason).
    fn locate(&self, image: &WorkloadImage) -> Result<super::LocatedImage, String> {
        match &image.located {
            Ok(located) => Ok(located.clone()),
            Err(why) => self
                .local
                .locate(&image.reference)
                .ok_or_else(|| why.clone()),
        }
    }

    /// Which shared limits of a workload group (an ECS task's `cpu` and `memory`) this
    /// machine's cgroups apply, and on which layout: `memory on cgroup v1, cpu on cgroup v1`.
    pub fn group_limits_report(&self) -> String {
        self.groups.report()
    }

    /// The runtime's path, or why it cannot be used here.
    pub fn runtime(&self) -> Result<&Path, &str> {
        self.runtime.as_deref().map_err(String::as_str)
    }

    /// The unpacked-image cache.
    pub fn cache(&self) -> &RootfsCache {
        &self.cache
    }

    fn ended(&self, code: i32, reason: ExitReason) -> Workload {
        let now = self.clock.now();
        Workload::ended(
            "oci",
            ExitStatus {
                code,
                reason,
                started_at: now,
                finished_at: now,
            },
        )
    }

    /// Under `auto`, the process runner takes a workload its image cannot run, saying why.
    async fn fall_back(
        &self,
        spec: WorkloadSpec,
        sink: Arc<dyn LogSink>,
        why: &str,
    ) -> Result<Workload, RunnerError> {
        tracing::info!(workload = %spec.name, runner = "process", reason = %why, "workload runs as a host process");
        self.process.start(spec, sink).await
    }

    async fn start_in_image(
        &self,
        spec: WorkloadSpec,
        image: WorkloadImage,
        sink: Arc<dyn LogSink>,
        runtime: PathBuf,
    ) -> Result<Workload, RunnerError> {
        let located = match self.locate(&image) {
            Ok(located) => located,
            Err(why) => {
                let message = why;
                return match self.mode {
                    WorkloadsMode::Oci => Ok(self.ended(0, ExitReason::PullFailed { message })),
                    _ => self.fall_back(spec, sink, &message).await,
                };
            }
        };
        let store = located.store.clone();
        let digest = located.manifest_digest.clone();
        let resolved =
            tokio::task::spawn_blocking(move || image::resolve(store.as_ref(), &digest)).await;
        let resolved = match resolved {
            Ok(Ok(resolved)) => resolved,
            Ok(Err(error)) => {
                let message = format!("{}: {error}", image.reference);
                return match self.mode {
                    WorkloadsMode::Oci => Ok(self.ended(0, ExitReason::PullFailed { message })),
                    _ => self.fall_back(spec, sink, &message).await,
                };
            }
            Err(join) => {
                tracing::error!(%join, "image resolution panicked");
                return Ok(self.ended(
                    0,
                    ExitReason::PullFailed {
                        message: format!("{}: internal error", image.reference),
                    },
                ));
            }
        };
        let lower = match self.cache.ensure(&resolved).await {
            Ok(lower) => lower,
            Err(message) => {
                let message = format!("{}: {message}", image.reference);
                return match self.mode {
                    WorkloadsMode::Oci => Ok(self.ended(0, ExitReason::PullFailed { message })),
                    _ => self.fall_back(spec, sink, &message).await,
                };
            }
        };

        let args = merge_args(
            &resolved.config,
            image.entrypoint.as_deref(),
            image.command.as_deref(),
        );
        if args.is_empty() {
            return Ok(self.ended(
                126,
                ExitReason::SpawnFailed {
                    message: "no command specified".into(),
                },
            ));
        }
        let user_text = spec.user.clone().or(resolved.config.user.clone());
        let user = match bundle::resolve_user(&lower, user_text.as_deref()) {
            Ok(user) => user,
            Err(message) => {
                return Ok(self.ended(126, ExitReason::SpawnFailed { message }));
            }
        };
        let mut env = spec.env.clone();
        let has_home = env.contains_key("HOME")
            || resolved
                .config
                .env
                .iter()
                .any(|entry| entry.starts_with("HOME="));
        if !has_home {
            env.insert("HOME".into(), user.home.clone());
        }
        let cwd = image
            .working_dir
            .clone()
            .or(resolved.config.working_dir.clone())
            .unwrap_or_else(|| "/".into());

        let merged_env = merge_env(&resolved.config.env, &env);
        if let Err((code, message)) = find_executable(&lower, &args[0], &merged_env, &cwd) {
            return Ok(self.ended(code, ExitReason::SpawnFailed { message }));
        }

        let group = spec
            .resources
            .group
            .as_ref()
            .filter(|group| group.memory_limit.is_some() || group.cpu_quota.is_some())
            .and_then(|group| match self.groups.acquire(group) {
                Ok(lease) => Some(lease),
                Err(problem) => {
                    tracing::warn!(workload = %spec.name, group = %group.name, %problem, "the group's shared limits are not applied");
                    None
                }
            });
        let prepared = self
            .process
            .prepare_in_group(None, group.as_ref().map(groups::GroupLease::dir_name))
            .await?;
        let scratch = prepared.scratch.clone();
        let bundle_dir = scratch.join("bundle");
        let rootfs = bundle_dir.join("rootfs");
        let container_id = format!("sockerless-{}-{}", std::process::id(), prepared.id);
        let hostname = spec.hostname.clone().unwrap_or_else(|| {
            // Twelve hex digits, as Docker's short container IDs.
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(container_id.as_bytes()))[..12].to_string()
        });
        // Where the writes go: the scratch directory (gone with the workload), or the
        // container's own layer directory when it keeps its files between runs.
        let layer_dir = spec
            .writable_layer
            .clone()
            .unwrap_or_else(|| scratch.clone());
        let setup = {
            let scratch = scratch.clone();
            let lower = lower.clone();
            let cwd = cwd.clone();
            let hostname = hostname.clone();
            let overlay = self.overlay;
            let as_root = self.as_root;
            let layer_dir = layer_dir.clone();
            tokio::task::spawn_blocking(move || {
                prepare_bundle_dirs(
                    &scratch, &layer_dir, &lower, &cwd, &hostname, overlay, as_root,
                )
            })
            .await
            .unwrap_or_else(|join| Err(std::io::Error::other(join.to_string())))
        };
        if let Err(error) = setup {
            prepared.discard().await;
            return Err(RunnerError::Scratch(error));
        }
        let cgroups_path = prepared.cgroup_dir().and_then(|dir| {
            let mount = super::process::cgroup::cgroup2_mount()?;
            let relative = dir.strip_prefix(mount).ok()?;
            Some(format!("/{}/ctr", relative.display()))
        });
        let mut mounts: Vec<bundle::BindMount> = ["hosts", "hostname", "resolv.conf"]
            .into_iter()
            .map(|file| bundle::BindMount {
                source: scratch.join("etc").join(file).display().to_string(),
                destination: format!("/etc/{file}"),
                read_only: false,
            })
            .collect();
        mounts.extend(spec.mounts.iter().map(|mount| bundle::BindMount {
            source: mount.source.display().to_string(),
            destination: mount.destination.clone(),
            read_only: mount.read_only,
        }));
        let resources = if cgroups_path.is_some() {
            self.limits.applicable(&spec.name, &spec.resources)
        } else {
            limits::without_cgroups(&spec.name, &spec.resources)
        };
        let config = BundleConfig {
            args,
            env: merged_env,
            cwd,
            user,
            hostname,
            read_only_root: spec.read_only_root,
            cgroups_path: cgroups_path.clone(),
            mounts,
            resources,
            network_namespace: spec
                .network_namespace
                .as_ref()
                .map(|path| path.display().to_string()),
            terminal: spec.terminal.as_ref().map(super::terminal::Terminal::size),
        };
        let written = serde_json::to_vec_pretty(&bundle::config_json(&config))
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(bundle_dir.join("config.json"), json));
        if let Err(error) = written {
            prepared.discard().await;
            return Err(RunnerError::Scratch(error));
        }
        let overlay = if self.overlay {
            match Overlay::new(
                &lower,
                &layer_dir.join("upper"),
                &layer_dir.join("work"),
                &rootfs,
            ) {
                Some(overlay) => Some(Arc::new(overlay)),
                None => {
                    prepared.discard().await;
                    return Err(RunnerError::Scratch(std::io::Error::other(
                        "an overlay path holds a character overlayfs cannot take",
                    )));
                }
            }
        } else {
            None
        };
        tracing::info!(workload = %spec.name, runner = "oci", image = %image.reference, digest = %resolved.manifest_digest, "workload runs in its image");
        let launch = Launch {
            name: spec.name.clone(),
            program: runtime.display().to_string(),
            args: vec![
                "--root".into(),
                scratch_state(&scratch).display().to_string(),
                "run".into(),
                // Kept after it exits so its cgroup can be asked whether the OOM killer ended
                // it; the state goes with the scratch directory, and the groups are removed
                // below.
                "--keep".into(),
                "--bundle".into(),
                bundle_dir.display().to_string(),
                container_id.clone(),
            ],
            env: vec![(
                "PATH".into(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            )],
            cwd: scratch,
            timeout: spec.timeout,
            stop_grace: spec.stop_grace,
            user: None,
            read_only_root: false,
            overlay,
            runner: "oci",
            oom_probe: cgroups_path.clone().map(|path| {
                Box::new(move || limits::oom_killed(&path)) as Box<dyn FnOnce() -> bool + Send>
            }),
            stdin: spec.stdin.clone(),
            terminal: spec.terminal.clone(),
        };
        let state_root = scratch_state(&launch.cwd);
        let workload = self.process.launch(prepared, launch, sink).await;
        workload.set_exec_target(super::ExecTarget {
            runtime: runtime.clone(),
            state_root,
            container_id,
            lower: lower.clone(),
        });
        if let Some(path) = cgroups_path {
            // runc leaves the empty parents of its groups in the v1 hierarchies. A group's
            // own cgroup stays until its last workload has ended (the lease's drop).
            let finished = workload.clone();
            tokio::spawn(async move {
                finished.wait().await;
                remove_v1_leftovers(&path, if group.is_some() { 2 } else { 3 });
                drop(group);
            });
        }
        Ok(workload)
    }
}

impl OciRunner {
    /// `runc exec` into the container `target` names, supervised as any workload.
    async fn exec_in_container(
        &self,
        workload: &Workload,
        target: super::ExecTarget,
        spec: super::ExecSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        let Some(program) = spec.argv.first().cloned() else {
            return Ok(self.ended(
                126,
                ExitReason::SpawnFailed {
                    message: "no command specified".into(),
                },
            ));
        };
        // The container's own view of its files: its first process's root.
        let container_root = workload
            .container_pid_now()
            .map(|pid| PathBuf::from(format!("/proc/{pid}/root")));
        let mut args = vec![
            "--root".to_string(),
            target.state_root.display().to_string(),
            "exec".into(),
        ];
        if let Some(user_text) = spec.user.as_deref().filter(|u| !u.is_empty()) {
            let root = container_root.as_deref().unwrap_or(&target.lower);
            match bundle::resolve_user(root, Some(user_text)) {
                Ok(user) => {
                    args.push("--user".into());
                    args.push(format!("{}:{}", user.uid, user.gid));
                }
                Err(message) => {
                    return Ok(self.ended(126, ExitReason::SpawnFailed { message }));
                }
            }
        }
        if spec.terminal.is_some() {
            // runc in the foreground makes the process's console and copies it to ours.
            args.push("--tty".into());
        }
        if let Some(cwd) = spec.working_dir.as_deref().filter(|d| !d.is_empty()) {
            args.push("--cwd".into());
            args.push(cwd.to_string());
        }
        for entry in &spec.env {
            args.push("--env".into());
            args.push(entry.clone());
        }
        if let Some(root) = &container_root {
            let env = container_env(&target).unwrap_or_default();
            let merged: Vec<String> = env.into_iter().chain(spec.env.iter().cloned()).collect();
            let cwd = spec
                .working_dir
                .clone()
                .filter(|d| !d.is_empty())
                .or_else(|| container_cwd(&target))
                .unwrap_or_else(|| "/".into());
            if let Err((code, message)) = find_executable(root, &program, &merged, &cwd) {
                return Ok(self.ended(code, ExitReason::SpawnFailed { message }));
            }
        }
        args.push(target.container_id.clone());
        args.extend(spec.argv.iter().cloned());
        let prepared = self.process.prepare(None).await?;
        let launch = Launch {
            name: spec.name.clone(),
            program: target.runtime.display().to_string(),
            args,
            env: vec![(
                "PATH".into(),
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            )],
            cwd: prepared.scratch.clone(),
            timeout: None,
            stop_grace: std::time::Duration::from_secs(10),
            user: None,
            read_only_root: false,
            overlay: None,
            runner: "oci",
            oom_probe: None,
            stdin: spec.stdin.clone(),
            terminal: spec.terminal.clone(),
        };
        Ok(self.process.launch(prepared, launch, sink).await)
    }
}

/// The container's process as its bundle describes it.
fn container_process(target: &super::ExecTarget) -> Option<serde_json::Value> {
    let bundle = target
        .state_root
        .parent()?
        .join("bundle")
        .join("config.json");
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(bundle).ok()?).ok()?;
    config.get("process").cloned()
}

fn container_env(target: &super::ExecTarget) -> Option<Vec<String>> {
    serde_json::from_value(container_process(target)?.get("env")?.clone()).ok()
}

fn container_cwd(target: &super::ExecTarget) -> Option<String> {
    Some(container_process(target)?.get("cwd")?.as_str()?.to_string())
}

/// Checks, as the runtime will inside the container, that `program` can be executed in the image
/// at `rootfs`: found on the container's `PATH` when it has no `/`, else at its path (relative to
/// `cwd`). The exit code and message runc gives when it cannot: 127 not found, 126 not
/// executable. Checked before starting so the failure is a container that could not start, as
/// ECS reports it, rather than runc's exit status 1.
fn find_executable(
    rootfs: &Path,
    program: &str,
    env: &[String],
    cwd: &str,
) -> Result<(), (i32, String)> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |path: &str| -> Option<bool> {
        let resolved = unpack::resolve_in_root(rootfs, &unpack::clean(Path::new(path))).ok()?;
        let meta = std::fs::metadata(resolved).ok()?;
        Some(meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        let full = if program.starts_with('/') {
            program.to_string()
        } else {
            format!("{}/{program}", cwd.trim_end_matches('/'))
        };
        return match executable(&full) {
            Some(true) => Ok(()),
            Some(false) => Err((126, format!("exec: \"{program}\": permission denied"))),
            None => Err((
                127,
                format!("exec: \"{program}\": stat {program}: no such file or directory"),
            )),
        };
    }
    let path = env
        .iter()
        .find_map(|entry| entry.strip_prefix("PATH="))
        .unwrap_or_default();
    if path
        .split(':')
        .filter(|dir| !dir.is_empty())
        .any(|dir| executable(&format!("{dir}/{program}")) == Some(true))
    {
        Ok(())
    } else {
        Err((
            127,
            format!("exec: \"{program}\": executable file not found in $PATH"),
        ))
    }
}

/// Makes the bundle's directories: the root file system's mount point (or its copy), the
/// overlay's upper and work directories (in `layer_dir`, which is the scratch directory unless
/// the workload keeps its layer), the working directory when the image lacks it, and the
/// files bound over `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`. A kept layer is
/// reused as it is: its upper directory (or its copy of the image) holds the earlier runs'
/// writes.
fn prepare_bundle_dirs(
    scratch: &Path,
    layer_dir: &Path,
    lower: &Path,
    cwd: &str,
    hostname: &str,
    overlay: bool,
    as_root: bool,
) -> std::io::Result<()> {
    let bundle = scratch.join("bundle");
    std::fs::create_dir_all(&bundle)?;
    let rootfs = bundle.join("rootfs");
    let writable = if overlay {
        std::fs::create_dir(&rootfs)?;
        std::fs::create_dir_all(layer_dir.join("work"))?;
        let upper = layer_dir.join("upper");
        std::fs::create_dir_all(&upper)?;
        upper
    } else if layer_dir == scratch {
        unpack::copy_tree(lower, &rootfs, as_root)?;
        rootfs
    } else {
        // The copy is made once, under a temporary name so a half-made copy is never reused,
        // and the bundle's root points at it.
        let kept = layer_dir.join("rootfs");
        if !kept.is_dir() {
            let partial = layer_dir.join("rootfs.partial");
            let _ = std::fs::remove_dir_all(&partial);
            std::fs::create_dir_all(layer_dir)?;
            unpack::copy_tree(lower, &partial, as_root)?;
            std::fs::rename(&partial, &kept)?;
        }
        std::os::unix::fs::symlink(&kept, &rootfs)?;
        kept
    };
    // Docker makes a working directory the image lacks.
    let parts = unpack::clean(Path::new(cwd));
    let in_image = unpack::resolve_in_root(lower, &parts)
        .map(|path| path.is_dir())
        .unwrap_or(false);
    if !in_image {
        let target = unpack::resolve_in_root(&writable, &parts).map_err(std::io::Error::other)?;
        std::fs::create_dir_all(target)?;
    }
    let etc = scratch.join("etc");
    std::fs::create_dir(&etc)?;
    std::fs::write(
        etc.join("hosts"),
        format!(
            "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\t{hostname}\n"
        ),
    )?;
    std::fs::write(etc.join("hostname"), format!("{hostname}\n"))?;
    let resolv = std::fs::read("/etc/resolv.conf").unwrap_or_default();
    std::fs::write(etc.join("resolv.conf"), resolv)?;
    Ok(())
}

/// The runtime's state directory inside a workload's scratch directory.
fn scratch_state(scratch: &Path) -> PathBuf {
    scratch.join("state")
}

/// Removes the empty groups runc left at `path` in each cgroup v1 hierarchy (hybrid layouts):
/// `levels` of them, from the container's up (its group's, the workload's, and the runner's
/// when it is empty).
fn remove_v1_leftovers(path: &str, levels: usize) {
    let Ok(mountinfo) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    for line in mountinfo.lines() {
        let Some((before, after)) = line.split_once(" - ") else {
            continue;
        };
        if after.split_whitespace().next() != Some("cgroup") {
            continue;
        }
        let Some(mount) = before.split_whitespace().nth(4) else {
            continue;
        };
        let mut dir = PathBuf::from(mount).join(path.trim_start_matches('/'));
        for _ in 0..levels {
            if std::fs::remove_dir(&dir).is_err() && dir.exists() {
                break;
            }
            if !dir.pop() {
                break;
            }
        }
    }
}

impl Drop for OciRunner {
    fn drop(&mut self) {
        self.process.shutdown();
        if let Some(dir) = self.process.cgroup_dir() {
            limits::remove_v1_runner_groups(dir, false);
        }
    }
}

#[async_trait::async_trait]
impl Runner for OciRunner {
    async fn start(
        &self,
        spec: WorkloadSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        if self.mode == WorkloadsMode::Process {
            return self.process.start(spec, sink).await;
        }
        let Some(image) = spec.image.clone() else {
            return self
                .fall_back(spec, sink, "the workload names no image")
                .await;
        };
        let runtime = match &self.runtime {
            Ok(runtime) => runtime.clone(),
            Err(problem) => {
                return match self.mode {
                    WorkloadsMode::Oci => Ok(self.ended(
                        126,
                        ExitReason::SpawnFailed {
                            message: problem.clone(),
                        },
                    )),
                    _ => self.fall_back(spec, sink, problem).await,
                };
            }
        };
        self.start_in_image(spec, image, sink, runtime).await
    }

    fn shutdown(&self) {
        self.process.shutdown();
    }

    async fn group_network(
        &self,
        spec: &network::NetworkSpec,
    ) -> Result<Option<network::GroupNetwork>, String> {
        if self.mode == WorkloadsMode::Process || self.runtime.is_err() || !self.as_root {
            return Ok(None);
        }
        match self.process.group_network(spec).await {
            Ok(network) => Ok(Some(network)),
            Err(problem) if self.mode == WorkloadsMode::Auto => {
                tracing::warn!(group = %spec.name, %problem, "the group's network namespace could not be made: its workloads use the host's network");
                Ok(None)
            }
            Err(problem) => Err(problem),
        }
    }

    async fn exec(
        &self,
        workload: &Workload,
        spec: super::ExecSpec,
        sink: Arc<dyn LogSink>,
    ) -> Result<Workload, RunnerError> {
        let Some(target) = workload.exec_target().cloned() else {
            return self.process.exec(workload, spec, sink).await;
        };
        if workload.exit_status().is_some() {
            return Err(RunnerError::NotRunning);
        }
        self.exec_in_container(workload, target, spec, sink).await
    }

    async fn image_root(&self, image: &WorkloadImage) -> Result<PathBuf, String> {
        if self.mode == WorkloadsMode::Process {
            return Err("this runner runs workloads as host processes, not in images".into());
        }
        let located = self.locate(image)?;
        let store = located.store.clone();
        let digest = located.manifest_digest.clone();
        let resolved = tokio::task::spawn_blocking(move || image::resolve(store.as_ref(), &digest))
            .await
            .map_err(|join| join.to_string())?
            .map_err(|error| format!("{}: {error}", image.reference))?;
        self.cache.ensure(&resolved).await
    }

    fn local_image(&self, name: &str) -> Option<(String, super::LocatedImage)> {
        if self.mode == WorkloadsMode::Process || self.runtime.is_err() {
            return None;
        }
        self.local.any_tag(name)
    }

    fn seeded_images(&self) -> Vec<(String, super::LocatedImage)> {
        if self.mode == WorkloadsMode::Process {
            return Vec::new();
        }
        self.local.all()
    }

    fn isolation(&self) -> Isolation {
        let process = self.process.isolation();
        if self.mode == WorkloadsMode::Process || self.runtime.is_err() {
            return process;
        }
        Isolation {
            runner: match self.mode {
                WorkloadsMode::Oci => "oci",
                _ => "auto",
            }
            .into(),
            process_tree: process.process_tree,
            user: "the image's or the container's user, inside a runc container (root in the container when the image names none)".into(),
            read_only_root: true,
            dies_with_simulator: process.dies_with_simulator,
        }
    }
}
