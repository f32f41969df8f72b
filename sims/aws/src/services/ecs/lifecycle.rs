//! Running a task: preflight (log groups, unsupported features, task role credentials), one
//! workload per container through the kit's runner, the status a real task goes through, and
//! the stop rules: an essential container's exit stops the task; a stop sends SIGTERM, then
//! SIGKILL after the container's `stopTimeout`.
//!
//! Every transition is written to the store when it happens, with the clock's time, so
//! DescribeTasks (and the SDK waiters polling it) see the task move.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use simkit::logs::{DiscardSink, LogLine, LogSink};
use simkit::runner::oci::network::{Forward, NetworkSpec};
use simkit::runner::{ExitReason, ExitStatus, Workload, WorkloadImage, WorkloadSpec};
use tokio::sync::watch;

use super::{Ecs, EcsError, lock};
use crate::services::logs::Logs;
use sim_aws_shapes::ecs::{LogConfiguration, Task};

/// What lives only while a task runs: the signal that stops it.
pub struct TaskRuntime {
    stop: watch::Sender<bool>,
}

/// Why a task is being stopped.
#[derive(Debug, Clone)]
pub(super) struct StopRequest {
    pub code: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub(super) struct ContainerPlan {
    pub name: String,
    pub argv: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub essential: bool,
    pub stop_grace: Duration,
    pub log_configuration: Option<LogConfiguration>,
    /// The container's `user`.
    pub user: Option<String>,
    /// The container's `readonlyRootFilesystem`.
    pub read_only_root: bool,
    /// A feature the simulator cannot provide: the task fails to start with this reason.
    pub unsupported: Option<String>,
    /// The container's `image`, and the definition's overrides of its config.
    pub image: Option<String>,
    pub entry_point: Option<Vec<String>>,
    pub command: Option<Vec<String>>,
    pub working_directory: Option<String>,
    /// The task's volumes bound at the container's mount points.
    pub mounts: Vec<simkit::runner::WorkloadMount>,
    /// Memory, CPU and ulimits, from the definition and the overrides.
    pub resources: simkit::runner::WorkloadResources,
    /// The container's `portMappings` (published in `bridge` mode).
    pub port_mappings: Vec<sim_aws_shapes::ecs::PortMapping>,
}

#[derive(Debug, Clone)]
pub(super) struct TaskPlan {
    pub key: String,
    pub task_id: String,
    pub account_id: String,
    pub region: String,
    pub containers: Vec<ContainerPlan>,
    pub role_arn: Option<String>,
    pub service: Option<String>,
    /// An awsvpc task's ENI address and its subnet's prefix length: its containers share a
    /// network namespace with that address where the runner gives one.
    pub network: Option<(std::net::Ipv4Addr, u8)>,
    /// Whether the task is in `bridge` mode: each container in its image gets an address on
    /// the bridge, and its port mappings are published on the host ([`super::bridge`]).
    pub bridge: bool,
}

/// Why a task's ExecuteCommandAgent never runs.
const NO_EXEC_AGENT: &str =
    "The simulator runs no SSM agent beside containers, so ECS Exec is not available";

/// The container's reason when the kernel's OOM killer ended it past its memory limit (exit
/// code 137), in ECS's words.
const OUT_OF_MEMORY: &str = "OutOfMemoryError: Container killed due to memory usage";

/// A task's version counts its changes.
fn bump(task: &mut Task) {
    task.version = Some(task.version.unwrap_or(0) + 1);
}

/// How long a task role's credentials last: ECS rotates them every few hours.
const TASK_CREDENTIALS_SECONDS: i64 = 6 * 3600;

/// The awslogs driver: each line a container prints becomes one event in its stream.
struct AwsLogsSink {
    logs: Arc<Logs>,
    account_id: String,
    region: String,
    group: String,
    stream: String,
}

impl LogSink for AwsLogsSink {
    fn line(&self, line: LogLine) {
        // CloudWatch refuses empty messages, and the awslogs driver skips empty lines.
        if line.text.is_empty() {
            return;
        }
        let millis = simkit::clock::millis_since_epoch(line.time);
        let events = split_event(&line.text)
            .into_iter()
            .map(|part| (millis, part.to_string()))
            .collect();
        if let Err(error) = self.logs.append(
            &self.account_id,
            &self.region,
            &self.group,
            &self.stream,
            events,
        ) {
            tracing::debug!(%error, group = %self.group, stream = %self.stream, "awslogs could not deliver a line");
        }
    }
}

/// What a `bridge` container holds while its task runs: its namespace, its address on the
/// bridge and its published ports. Dropping it closes the ports and removes the namespace.
#[derive(Default)]
struct BridgedContainer {
    network: Option<simkit::runner::oci::network::GroupNetwork>,
    lease: Option<super::bridge::AddressLease>,
    ports: Vec<simkit::runner::oci::network::PublishedPort>,
}

/// CloudWatch's largest event, less the 26 bytes of overhead it counts per event.
const MAX_EVENT_BYTES: usize = 262_144 - 26;

/// Splits a line the way the awslogs driver does: into events of at most [`MAX_EVENT_BYTES`],
/// never inside a UTF-8 character.
fn split_event(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while rest.len() > MAX_EVENT_BYTES {
        let mut cut = MAX_EVENT_BYTES;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        parts.push(head);
        rest = tail;
    }
    parts.push(rest);
    parts
}

impl Ecs {
    /// Registers the task's stop signal and runs its lifecycle in the background.
    pub(super) fn start_lifecycle(&self, plan: TaskPlan) {
        let (stop, stopped) = watch::channel(false);
        lock(&self.runtime).insert(plan.key.clone(), TaskRuntime { stop });
        if let Some(ecs) = self.arc() {
            tokio::spawn(async move { ecs.run_lifecycle(plan, stopped).await });
        }
    }

    /// Records why a task is stopping and tells its lifecycle. Idempotent: the first reason
    /// given is the one the task keeps.
    pub(super) fn request_stop(&self, key: &str, request: StopRequest) -> Result<Task, EcsError> {
        let now = self.timestamp();
        let task = self
            .tasks
            .update(key, |record| {
                let task = &mut record.task;
                if task.desired_status.as_deref() != Some("STOPPED") {
                    task.desired_status = Some("STOPPED".into());
                    task.stop_code = Some(request.code.clone());
                    task.stopped_reason = Some(request.reason.clone());
                    task.stopping_at = Some(now);
                    bump(task);
                }
                task.clone()
            })?
            .ok_or_else(|| {
                EcsError::InvalidParameter("The referenced task was not found.".into())
            })?;
        if let Some(runtime) = lock(&self.runtime).get(key) {
            runtime.stop.send_replace(true);
        }
        Ok(task)
    }

    /// Applies `change` to a task and bumps its version.
    fn update_task(&self, key: &str, change: impl FnOnce(&mut Task)) {
        let result = self.tasks.update(key, |record| {
            change(&mut record.task);
            bump(&mut record.task);
        });
        if let Err(error) = result {
            tracing::error!(%error, task = key, "could not record a task transition");
        }
    }

    async fn run_lifecycle(self: Arc<Self>, plan: TaskPlan, mut stop: watch::Receiver<bool>) {
        let now = self.timestamp();
        self.update_task(&plan.key, |task| {
            task.last_status = Some("PENDING".into());
            task.connectivity = Some("CONNECTED".into());
            task.connectivity_at = Some(now);
            task.pull_started_at = Some(now);
        });
        // The process runner has no image to pull: the pull ends as soon as it starts.
        let now = self.timestamp();
        self.update_task(&plan.key, |task| task.pull_stopped_at = Some(now));
        if *stop.borrow_and_update() {
            return self.finish(&plan, &[]);
        }

        if let Some((name, reason)) = plan
            .containers
            .iter()
            .find_map(|c| c.unsupported.clone().map(|r| (c.name.clone(), r)))
        {
            return self.fail_to_start(&plan, Some(&name), &reason);
        }
        let mut sinks: Vec<Arc<dyn LogSink>> = Vec::new();
        for container in &plan.containers {
            match self.log_sink(&plan, container) {
                Ok(sink) => sinks.push(sink),
                Err(reason) => return self.fail_to_start(&plan, Some(&container.name), &reason),
            }
        }
        let mut role_env = BTreeMap::new();
        if let Some(role) = &plan.role_arn {
            match self
                .sts
                .credentials_for_role(role, &plan.task_id, TASK_CREDENTIALS_SECONDS)
            {
                Ok(credentials) => {
                    let id = self.kit.ids().uuid();
                    lock(&self.credential_ids).insert(
                        id.clone(),
                        (credentials.access_key_id.clone(), role.clone()),
                    );
                    role_env.insert(
                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI".to_string(),
                        format!("/v2/credentials/{id}"),
                    );
                    role_env.insert("AWS_ACCESS_KEY_ID".to_string(), credentials.access_key_id);
                    role_env.insert(
                        "AWS_SECRET_ACCESS_KEY".to_string(),
                        credentials.secret_access_key,
                    );
                    role_env.insert("AWS_SESSION_TOKEN".to_string(), credentials.session_token);
                }
                Err(error) => {
                    let reason = format!(
                        "ResourceInitializationError: unable to assume the task role {role}: {error}"
                    );
                    return self.fail_to_start(&plan, None, &reason);
                }
            }
        }

        // Held until the task has ended: dropping it removes the namespace and its veth.
        // Only containers that run in their image can join a namespace: a task whose images
        // cannot be had runs on the host's network.
        let mut images = Vec::with_capacity(plan.containers.len());
        for container in &plan.containers {
            images.push(match &container.image {
                Some(reference) => Some(self.find_image(reference).await),
                None => None,
            });
        }
        let in_images = images
            .iter()
            .any(|located| located.as_ref().is_some_and(Result::is_ok));
        let network = match plan.network.filter(|_| in_images) {
            Some((address, prefix_len)) => {
                let spec = NetworkSpec {
                    name: format!("ecs/{}", plan.task_id),
                    address,
                    prefix_len,
                    forwards: self.task_forwards(),
                };
                match self.kit.runner().group_network(&spec).await {
                    Ok(network) => network,
                    Err(problem) => {
                        let reason = format!(
                            "ResourceInitializationError: failed to configure the task's network interface: {problem}"
                        );
                        return self.fail_to_start(&plan, None, &reason);
                    }
                }
            }
            None => None,
        };
        let mut workloads: Vec<Workload> = Vec::new();
        // Held until the task has ended: bridge namespaces, their addresses, published ports.
        let mut bridged: Vec<BridgedContainer> = Vec::new();
        let mut bindings: Vec<Vec<sim_aws_shapes::ecs::NetworkBinding>> = Vec::new();
        for ((container, sink), located) in plan.containers.iter().zip(sinks).zip(images) {
            let mut env = role_env.clone();
            env.extend(container.env.clone());
            let mut own = BridgedContainer::default();
            if plan.bridge && located.as_ref().is_some_and(Result::is_ok) {
                let lease = super::bridge::AddressLease::take(|| self.kit.ids().next_u64());
                let spec = NetworkSpec {
                    name: format!("ecs/{}/{}", plan.task_id, container.name),
                    address: lease.address(),
                    prefix_len: super::bridge::BRIDGE_PREFIX_LEN,
                    forwards: self.task_forwards(),
                };
                match self.kit.runner().group_network(&spec).await {
                    Ok(Some(network)) => {
                        own.network = Some(network);
                        own.lease = Some(lease);
                    }
                    Ok(None) => {}
                    Err(problem) => {
                        for started in &workloads {
                            started.kill();
                        }
                        for started in &workloads {
                            started.wait().await;
                        }
                        let reason = format!(
                            "CannotStartContainerError: failed to connect the container to the bridge network: {problem}"
                        );
                        return self.fail_to_start(&plan, Some(&container.name), &reason);
                    }
                }
            }
            let spec = WorkloadSpec {
                name: format!("ecs/{}/{}", plan.task_id, container.name),
                argv: container.argv.clone(),
                env,
                timeout: None,
                stop_grace: container.stop_grace,
                user: container.user.clone(),
                read_only_root: container.read_only_root,
                image: container
                    .image
                    .as_ref()
                    .zip(located)
                    .map(|(reference, located)| WorkloadImage {
                        reference: reference.clone(),
                        located,
                        entrypoint: container.entry_point.clone(),
                        command: container.command.clone(),
                        working_dir: container.working_directory.clone(),
                    }),
                mounts: container.mounts.clone(),
                hostname: None,
                resources: container.resources.clone(),
                network_namespace: network
                    .as_ref()
                    .or(own.network.as_ref())
                    .map(|network| network.namespace().to_path_buf()),
                stdin: None,
                writable_layer: None,
                terminal: None,
            };
            let failure = match self.kit.runner().start(spec, sink).await {
                Ok(workload) => {
                    let runner = workload.runner();
                    tracing::info!(task = %plan.task_id, container = %container.name, runner, "container started");
                    if let Err(error) = self.tasks.update(&plan.key, |record| {
                        record
                            .runners
                            .insert(container.name.clone(), runner.to_string());
                    }) {
                        tracing::error!(%error, "could not record a container's runner");
                    }
                    match workload.exit_status() {
                        Some(ExitStatus {
                            reason: ExitReason::SpawnFailed { message },
                            ..
                        }) => Some(format!(
                            "CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: {message}: unknown"
                        )),
                        Some(ExitStatus {
                            reason: ExitReason::PullFailed { message },
                            ..
                        }) => Some(format!("CannotPullContainerError: {message}")),
                        _ => {
                            workloads.push(workload);
                            if plan.bridge {
                                let address = own.lease.as_ref().map(|lease| lease.address());
                                match super::bridge::publish(&container.port_mappings, address)
                                    .await
                                {
                                    Ok(published) => {
                                        bindings.push(published.bindings);
                                        own.ports = published.ports;
                                        None
                                    }
                                    Err(reason) => Some(reason),
                                }
                            } else {
                                bindings.push(Vec::new());
                                None
                            }
                        }
                    }
                }
                Err(error) => Some(format!("ResourceInitializationError: {error}")),
            };
            bridged.push(own);
            if let Some(reason) = failure {
                for started in &workloads {
                    started.kill();
                }
                for started in &workloads {
                    started.wait().await;
                }
                return self.fail_to_start(&plan, Some(&container.name), &reason);
            }
        }

        let now = self.timestamp();
        let runtime_ids: Vec<String> = workloads.iter().map(|_| self.kit.ids().hex(64)).collect();
        let mut stopped_while_starting = false;
        self.update_task(&plan.key, |task| {
            // An agent's SubmitTaskStateChange may have stopped the task while its containers
            // were starting (a bridge takes a moment): what the agent said stands, and the
            // workloads end with the task's stop.
            if task.last_status.as_deref() == Some("STOPPED") {
                stopped_while_starting = true;
                return;
            }
            task.last_status = Some("RUNNING".into());
            task.started_at = Some(now);
            for ((container, runtime_id), bindings) in task
                .containers
                .iter_mut()
                .flatten()
                .zip(&runtime_ids)
                .zip(&bindings)
            {
                container.last_status = Some("RUNNING".into());
                container.runtime_id = Some(runtime_id.clone());
                // Only what was published: an agent's own report stands otherwise.
                if !bindings.is_empty() {
                    container.network_bindings = Some(bindings.clone());
                }
                // ECS Exec's agent is SSM's, which the simulator does not run.
                for agent in container.managed_agents.iter_mut().flatten() {
                    agent.last_status = Some("STOPPED".into());
                    agent.reason = Some(NO_EXEC_AGENT.into());
                }
            }
            for attachment in task.attachments.iter_mut().flatten() {
                attachment.status = Some("ATTACHED".into());
            }
        });
        if let Some(service) = &plan.service
            && !stopped_while_starting
        {
            self.task_of_service_running(&plan.key, service);
        }

        let mut exits: Vec<Option<ExitStatus>> = vec![None; workloads.len()];
        let mut pending: FuturesUnordered<_> = workloads
            .iter()
            .cloned()
            .enumerate()
            .map(|(index, workload)| async move { (index, workload.wait().await) })
            .collect();
        let mut stopping = false;
        if *stop.borrow_and_update() {
            stopping = true;
            self.stop_workloads(&plan, &workloads);
        }
        while let Some(next) = tokio::select! {
            exit = pending.next() => exit.map(Some),
            changed = stop.changed(), if !stopping => {
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    self.stop_workloads(&plan, &workloads);
                }
                Some(None)
            }
        } {
            let Some((index, status)) = next else {
                continue;
            };
            exits[index] = Some(status.clone());
            let out_of_memory = workloads[index].out_of_memory();
            self.update_task(&plan.key, |task| {
                if let Some(container) = task.containers.iter_mut().flatten().nth(index) {
                    container.last_status = Some("STOPPED".into());
                    container.exit_code = Some(status.code);
                    if out_of_memory {
                        container.reason = Some(OUT_OF_MEMORY.into());
                    }
                }
            });
            if plan.containers[index].essential && !stopping {
                stopping = true;
                let request = StopRequest {
                    code: "EssentialContainerExited".into(),
                    reason: "Essential container in task exited".into(),
                };
                if let Err(error) = self.request_stop(&plan.key, request) {
                    tracing::error!(%error, "could not record a task's stop");
                }
                self.stop_workloads(&plan, &workloads);
            }
        }
        self.finish(&plan, &exits);
        drop(bridged);
    }

    /// What a task in its own network namespace reaches on the host: the simulator at the
    /// address its environment names (`AWS_ENDPOINT_URL`, the metadata URIs), and the
    /// credential endpoint at `169.254.170.2:80`, where SDKs look for it.
    fn task_forwards(&self) -> Vec<Forward> {
        let endpoint = self.endpoint();
        let authority = endpoint
            .split_once("://")
            .map_or(endpoint.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default();
        let Ok(std::net::SocketAddr::V4(target)) = authority.parse::<std::net::SocketAddr>() else {
            tracing::warn!(%endpoint, "the simulator's endpoint is not an IPv4 address: tasks in their own network cannot call it");
            return Vec::new();
        };
        vec![
            Forward {
                listen: target,
                target: target.into(),
            },
            Forward {
                listen: std::net::SocketAddrV4::new(std::net::Ipv4Addr::new(169, 254, 170, 2), 80),
                target: target.into(),
            },
        ]
    }

    fn stop_workloads(&self, plan: &TaskPlan, workloads: &[Workload]) {
        self.update_task(&plan.key, |task| {
            if task.last_status.as_deref() == Some("RUNNING") {
                task.last_status = Some("STOPPING".into());
            }
        });
        for (workload, container) in workloads.iter().zip(&plan.containers) {
            if workload.exit_status().is_none() {
                workload.stop(container.stop_grace);
            }
        }
    }

    /// The sink for a container's output: its awslogs stream (created now, as the driver does
    /// when the container starts), or nowhere.
    fn log_sink(
        &self,
        plan: &TaskPlan,
        container: &ContainerPlan,
    ) -> Result<Arc<dyn LogSink>, String> {
        let Some(config) = container
            .log_configuration
            .as_ref()
            .filter(|c| c.log_driver == "awslogs")
        else {
            return Ok(Arc::new(DiscardSink));
        };
        let option = |name: &str| config.options.as_ref().and_then(|o| o.get(name)).cloned();
        let Some(group) = option("awslogs-group") else {
            return Err("ResourceInitializationError: failed to validate logger args: awslogs-group is required".into());
        };
        let region = option("awslogs-region").unwrap_or_else(|| plan.region.clone());
        let stream = match option("awslogs-stream-prefix") {
            Some(prefix) => format!("{prefix}/{}/{}", container.name, plan.task_id),
            None => plan.task_id.clone(),
        };
        let create = option("awslogs-create-group").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if create {
            self.logs
                .ensure_group(&plan.account_id, &region, &group)
                .map_err(|error| {
                    format!(
                        "ResourceInitializationError: failed to create log group {group}: {error}"
                    )
                })?;
        } else if !self.logs.group_exists(&plan.account_id, &region, &group) {
            return Err("ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1".into());
        }
        self.logs
            .ensure_stream(&plan.account_id, &region, &group, &stream)
            .map_err(|error| {
                format!(
                    "ResourceInitializationError: failed to create Cloudwatch log stream: {error}"
                )
            })?;
        Ok(Arc::new(AwsLogsSink {
            logs: self.logs.clone(),
            account_id: plan.account_id.clone(),
            region,
            group,
            stream,
        }))
    }

    fn fail_to_start(&self, plan: &TaskPlan, culprit: Option<&str>, reason: &str) {
        let now = self.timestamp();
        self.update_task(&plan.key, |task| {
            if task.desired_status.as_deref() != Some("STOPPED") {
                task.desired_status = Some("STOPPED".into());
                task.stop_code = Some("TaskFailedToStart".into());
                task.stopped_reason = Some(reason.to_string());
                task.stopping_at = Some(now);
            }
            for container in task.containers.iter_mut().flatten() {
                if container.name.as_deref() == culprit {
                    container.reason = Some(reason.to_string());
                }
            }
        });
        self.finish(plan, &[]);
    }

    /// DEPROVISIONING, then STOPPED; containers that never ran have no exit code.
    fn finish(&self, plan: &TaskPlan, exits: &[Option<ExitStatus>]) {
        let now = self.timestamp();
        self.update_task(&plan.key, |task| {
            task.last_status = Some("DEPROVISIONING".into());
            task.execution_stopped_at = Some(now);
            if task.desired_status.as_deref() != Some("STOPPED") {
                // Every container ended on its own.
                task.desired_status = Some("STOPPED".into());
                task.stop_code = Some("EssentialContainerExited".into());
                task.stopped_reason = Some("Essential container in task exited".into());
                task.stopping_at = Some(now);
            }
            for (index, container) in task.containers.iter_mut().flatten().enumerate() {
                container.last_status = Some("STOPPED".into());
                if let Some(Some(exit)) = exits.get(index) {
                    container.exit_code = Some(exit.code);
                }
            }
        });
        // Out of Cloud Map before the task reads STOPPED: a service whose tasks have all
        // stopped turns INACTIVE, and its registry may be deleted right after.
        if let Some(service) = &plan.service {
            self.deregister_from_cloud_map(&plan.key, service);
        }
        let now = self.timestamp();
        self.update_task(&plan.key, |task| {
            task.last_status = Some("STOPPED".into());
            task.stopped_at = Some(now);
            for attachment in task.attachments.iter_mut().flatten() {
                attachment.status = Some("DELETED".into());
            }
        });
        self.release_task_interfaces(&plan.key);
        lock(&self.runtime).remove(&plan.key);
        lock(&self.metadata_tokens).retain(|_, (key, _)| key != &plan.key);
        if let Some(service) = &plan.service {
            self.task_of_service_stopped(&plan.key, service);
        }
        self.lifecycle_ended.notify_waiters();
    }

    /// A graceful shutdown stops every running task as StopTask would (SIGTERM, then SIGKILL
    /// after each container's stop timeout) and waits until each has recorded how its
    /// containers really ended.
    pub(super) async fn stop_every_task(&self) {
        self.shutting_down
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let running: Vec<String> = lock(&self.runtime).keys().cloned().collect();
        for key in &running {
            let request = StopRequest {
                code: "TerminationNotice".into(),
                reason: "The simulator shut down".into(),
            };
            if let Err(error) = self.request_stop(key, request) {
                tracing::warn!(%error, task = key, "could not stop a task at shutdown");
            }
        }
        // Longer than the longest stop timeout ECS allows (120 s), so SIGKILL has come first.
        let all_ended = async {
            loop {
                let ended = self.lifecycle_ended.notified();
                if lock(&self.runtime).is_empty() {
                    return;
                }
                ended.await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(130), all_ended)
            .await
            .is_err()
        {
            tracing::warn!("tasks still running after the stop timeout at shutdown");
        }
    }

    /// Tasks a previous run of the simulator left running lost their processes with it.
    pub(super) fn abandon_tasks_of_a_previous_run(&self) -> Result<(), simkit::store::StoreError> {
        let now = self.timestamp();
        for (key, record) in self.tasks.all() {
            if record.last_status() != "STOPPED" {
                self.tasks.update(&key, |record| {
                    let task = &mut record.task;
                    task.desired_status = Some("STOPPED".into());
                    task.last_status = Some("STOPPED".into());
                    task.stop_code
                        .get_or_insert_with(|| "TerminationNotice".into());
                    task.stopped_reason.get_or_insert_with(|| {
                        "The simulator restarted while the task was running".into()
                    });
                    task.stopping_at.get_or_insert(now);
                    task.execution_stopped_at.get_or_insert(now);
                    task.stopped_at = Some(now);
                    for container in task.containers.iter_mut().flatten() {
                        container.last_status = Some("STOPPED".into());
                    }
                    bump(task);
                })?;
                self.release_task_interfaces(&key);
            }
        }
        Ok(())
    }

    /// A reset ends every task at once.
    pub(super) fn kill_everything(&self) {
        for runtime in lock(&self.runtime).values() {
            runtime.stop.send_replace(true);
        }
        self.kit.runner().shutdown();
        lock(&self.runtime).clear();
        lock(&self.metadata_tokens).clear();
        lock(&self.credential_ids).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_split_into_cloudwatch_sized_events() {
        let line = "é".repeat(200_000);
        let parts = split_event(&line);
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.len() <= MAX_EVENT_BYTES));
        assert_eq!(parts.concat(), line);
        assert_eq!(split_event("short"), ["short"]);
    }
}
