//! The task API: RunTask and StartTask (which hand tasks to [`super::lifecycle`]),
//! DescribeTasks, ListTasks, StopTask and ExecuteCommand; and `launch`, which services, task
//! sets and RunTask share to record tasks and start them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecs::{
    Attachment, Attribute, Container, ContainerOverride, DescribeTasksRequest,
    DescribeTasksResponse, EphemeralStorage, ExecuteCommandRequest, ExecuteCommandResponse,
    Failure, KeyValuePair, ListTasksRequest, ListTasksResponse, ManagedAgent, NetworkConfiguration,
    NetworkInterface, RunTaskRequest, RunTaskResponse, StartTaskRequest, StartTaskResponse,
    StopTaskRequest, StopTaskResponse, Tag, Task, TaskOverride,
};
use sim_aws_shapes::normal::ToNormal;

use super::capacity_providers::{Capacity, providers_for};
use super::clusters::ClusterRecord;
use super::lifecycle::{ContainerPlan, StopRequest, TaskPlan};
use super::networking::TaskInterface;
use super::task_definitions::{DefinitionRecord, is_essential};
use super::{Ecs, EcsError, lock, name_of, page};
use crate::services::Ctx;

/// A stored task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub account_id: String,
    pub region: String,
    pub cluster_name: String,
    /// The service that launched it, if any.
    pub service: Option<String>,
    /// Until when scale-in protection holds (milliseconds), if it was turned on.
    pub protected_until: Option<i64>,
    pub task: Task,
    /// Which workload runner ran each container (`process` or `oci`), by container name.
    #[serde(default)]
    pub runners: std::collections::BTreeMap<String, String>,
}

impl TaskRecord {
    pub fn arn(&self) -> &str {
        self.task.task_arn.as_deref().unwrap_or_default()
    }

    pub fn last_status(&self) -> &str {
        self.task.last_status.as_deref().unwrap_or_default()
    }

    pub fn desired_status(&self) -> &str {
        self.task.desired_status.as_deref().unwrap_or_default()
    }

    pub fn started_by(&self) -> Option<&str> {
        self.task.started_by.as_deref()
    }

    pub fn is_protected(&self, now: i64) -> bool {
        self.protected_until.is_some_and(|until| until > now)
    }
}

/// What a launch asks for, whoever asks (RunTask, StartTask, a service, a task set).
#[derive(Debug, Clone)]
pub(super) struct Launch {
    pub count: usize,
    pub capacity: Capacity,
    /// The capacity provider of each task, when a strategy placed them.
    pub capacity_providers: Vec<String>,
    pub group: Option<String>,
    pub started_by: Option<String>,
    pub overrides: TaskOverride,
    pub network_configuration: Option<NetworkConfiguration>,
    pub tags: Vec<Tag>,
    pub enable_execute_command: bool,
    pub platform_version: Option<String>,
    /// One container instance per task (EC2 placement), or none.
    pub container_instances: Vec<String>,
    pub service: Option<String>,
}

/// The Fargate platform versions that can be asked for by number.
const FARGATE_PLATFORM_VERSIONS: [&str; 2] = ["1.4.0", "1.3.0"];
/// What `LATEST` means on Fargate for Linux.
const LATEST_FARGATE_PLATFORM: &str = "1.4.0";
/// What ECS answers ExecuteCommand with when exec cannot reach the container.
const EXEC_NOT_POSSIBLE: &str = "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.";

pub(super) fn task_key(ctx_scope: &str, cluster: &str, task_id: &str) -> String {
    format!("{ctx_scope}{cluster}/{task_id}")
}

/// Checks a platform version against the launch type it goes with.
pub(super) fn check_platform_version(
    launch_type: &str,
    platform_version: Option<&str>,
) -> Result<(), EcsError> {
    match (launch_type, platform_version) {
        (_, None) => Ok(()),
        ("FARGATE", Some(version)) => {
            if version == "LATEST" || FARGATE_PLATFORM_VERSIONS.contains(&version) {
                Ok(())
            } else {
                Err(EcsError::PlatformUnknown(
                    "The specified platform version does not exist.".into(),
                ))
            }
        }
        (launch_type, Some(_)) => Err(EcsError::InvalidParameter(format!(
            "The platform version must be null when specifying an {launch_type} launch type."
        ))),
    }
}

/// The overrides a task shows: one entry per container, the request's where it gave one.
fn overrides_shown(overrides: &TaskOverride, definition: &DefinitionRecord) -> TaskOverride {
    let given = overrides.container_overrides.clone().unwrap_or_default();
    let mut shown: Vec<ContainerOverride> = definition
        .containers()
        .iter()
        .map(|container| {
            given
                .iter()
                .find(|o| o.name == container.name)
                .cloned()
                .unwrap_or_else(|| ContainerOverride {
                    name: container.name.clone(),
                    ..ContainerOverride::default()
                })
        })
        .collect();
    // Overrides that name no container (checked before) or carry no name stay as given.
    shown.extend(given.into_iter().filter(|o| o.name.is_none()));
    TaskOverride {
        container_overrides: Some(shown),
        inference_accelerator_overrides: Some(
            overrides
                .inference_accelerator_overrides
                .clone()
                .unwrap_or_default(),
        ),
        ..overrides.clone()
    }
}

impl Ecs {
    /// The task a request names in `cluster` (by ARN or ID).
    pub(super) fn task_in(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        task: &str,
    ) -> Option<(String, TaskRecord)> {
        let key = task_key(&ctx.scope(), cluster.name(), name_of(task));
        self.tasks.get(&key).map(|record| (key, record))
    }

    pub(super) async fn run_task(
        &self,
        ctx: &Ctx,
        input: RunTaskRequest,
    ) -> Result<RunTaskResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let definition = self.runnable_definition(ctx, &input.task_definition)?;
        let count = input.count.unwrap_or(1);
        if !(1..=super::names::MAX_RUN_TASK_COUNT).contains(&count) {
            return Err(EcsError::InvalidParameter(
                "Task count must be between 1 and 10.".into(),
            ));
        }
        if let Some(started_by) = &input.started_by
            && started_by.chars().count() > super::names::MAX_STARTED_BY
        {
            return Err(EcsError::InvalidParameter(format!(
                "startedBy longer than {}.",
                super::names::MAX_STARTED_BY
            )));
        }
        if let Some(overrides) = &input.overrides {
            let json = serde_json::to_string(&overrides.clone().into_normal()).unwrap_or_default();
            super::names::check_overrides_size(json.chars().count())?;
        }
        let capacity = self.resolve_capacity(
            ctx,
            &cluster,
            input.launch_type.as_deref(),
            input.capacity_provider_strategy.as_deref(),
        )?;
        check_platform_version(&capacity.launch_type, input.platform_version.as_deref())?;
        let count = count as usize;
        let capacity_providers = capacity
            .strategy
            .as_deref()
            .map(|strategy| providers_for(strategy, &[], count))
            .unwrap_or_default();
        let preferred = self.placement(ctx, &cluster, &capacity, count);
        let (instances, failures) = self.place_by_ports(ctx, &cluster, &definition, preferred);
        // Tasks whose host ports no instance has free are not placed: `failures` says so.
        let count = if failures.is_empty() {
            count
        } else {
            instances.len()
        };
        if count == 0 {
            return Ok(RunTaskResponse {
                tasks: Some(Vec::new()),
                failures: Some(failures),
            });
        }
        let mut tags = super::tags_or_empty(input.tags);
        if input.propagate_tags.as_deref() == Some("TASK_DEFINITION") {
            merge_tags(&mut tags, definition.tags.clone());
        }
        if input.enable_ecs_managed_tags.unwrap_or(false) {
            merge_tags(
                &mut tags,
                vec![managed_tag("aws:ecs:clusterName", cluster.name())],
            );
        }
        let launch = Launch {
            count,
            capacity,
            capacity_providers,
            group: input.group,
            started_by: input.started_by,
            overrides: input.overrides.unwrap_or_default(),
            network_configuration: input.network_configuration,
            tags,
            enable_execute_command: input.enable_execute_command.unwrap_or(false),
            platform_version: input.platform_version,
            container_instances: instances,
            service: None,
        };
        let tasks = self.launch(ctx, &cluster, &definition, launch)?;
        Ok(RunTaskResponse {
            tasks: Some(tasks),
            failures: Some(failures),
        })
    }

    pub(super) async fn start_task(
        &self,
        ctx: &Ctx,
        input: StartTaskRequest,
    ) -> Result<StartTaskResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let definition = self.runnable_definition(ctx, &input.task_definition)?;
        if input.container_instances.is_empty() {
            return Err(EcsError::Client(
                "Container Instances cannot be empty.".into(),
            ));
        }
        if input.container_instances.len() > 10 {
            return Err(EcsError::InvalidParameter(
                "containerInstances must name between 1 and 10 instances.".into(),
            ));
        }
        let active = self.active_instances(ctx, cluster.name());
        let mut placed = Vec::new();
        let mut failures = Vec::new();
        for requested in &input.container_instances {
            let id = name_of(requested);
            match active.iter().find(|arn| arn.ends_with(&format!("/{id}"))) {
                Some(arn) => placed.push(arn.clone()),
                None => failures.push(super::missing(requested.clone())),
            }
        }
        if placed.is_empty() {
            return Ok(StartTaskResponse {
                tasks: Some(Vec::new()),
                failures: Some(failures),
            });
        }
        let mut tags = super::tags_or_empty(input.tags);
        if input.propagate_tags.as_deref() == Some("TASK_DEFINITION") {
            merge_tags(&mut tags, definition.tags.clone());
        }
        if input.enable_ecs_managed_tags.unwrap_or(false) {
            merge_tags(
                &mut tags,
                vec![managed_tag("aws:ecs:clusterName", cluster.name())],
            );
        }
        let launch = Launch {
            count: placed.len(),
            capacity: Capacity {
                launch_type: "EC2".into(),
                strategy: None,
                explicit_launch_type: true,
            },
            capacity_providers: Vec::new(),
            group: input.group,
            started_by: input.started_by,
            overrides: input.overrides.unwrap_or_default(),
            network_configuration: input.network_configuration,
            tags,
            enable_execute_command: input.enable_execute_command.unwrap_or(false),
            platform_version: None,
            container_instances: placed,
            service: None,
        };
        let tasks = self.launch(ctx, &cluster, &definition, launch)?;
        Ok(StartTaskResponse {
            tasks: Some(tasks),
            failures: Some(failures),
        })
    }

    pub(super) fn runnable_definition(
        &self,
        ctx: &Ctx,
        reference: &str,
    ) -> Result<DefinitionRecord, EcsError> {
        let record = self
            .definition(ctx, reference)
            .ok_or_else(|| EcsError::Client("TaskDefinition not found.".into()))?;
        if record.status() != "ACTIVE" {
            return Err(EcsError::Client("TaskDefinition is inactive".into()));
        }
        Ok(record)
    }

    /// The container instance of each of `count` EC2 tasks: the cluster's ACTIVE instances in
    /// turn, or none when it has none (the simulator then runs them as if it had capacity).
    pub(super) fn placement(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        capacity: &Capacity,
        count: usize,
    ) -> Vec<String> {
        if capacity.launch_type != "EC2" {
            return Vec::new();
        }
        let active = self.active_instances(ctx, cluster.name());
        if active.is_empty() {
            return Vec::new();
        }
        (0..count)
            .map(|i| active[i % active.len()].clone())
            .collect()
    }

    /// Checks a launch, records its tasks as PROVISIONING and hands each to the lifecycle.
    pub(super) fn launch(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        record: &DefinitionRecord,
        launch: Launch,
    ) -> Result<Vec<Task>, EcsError> {
        let awsvpc = record.network_mode() == Some("awsvpc");
        let launch_type = launch.capacity.launch_type.as_str();
        if launch_type == "FARGATE" && !record.is_compatible_with("FARGATE") {
            return Err(EcsError::InvalidParameter(
                "Task definition does not support launch_type FARGATE.".into(),
            ));
        }
        if launch_type == "EXTERNAL" && !record.is_compatible_with("EXTERNAL") {
            return Err(EcsError::InvalidParameter(
                "Task definition does not support launch_type EXTERNAL.".into(),
            ));
        }
        let subnets = match (&launch.network_configuration, awsvpc) {
            (
                Some(NetworkConfiguration {
                    awsvpc_configuration: Some(vpc),
                }),
                true,
            ) if vpc.subnets.is_empty() => {
                return Err(EcsError::InvalidParameter(
                    "subnets can not be empty.".into(),
                ));
            }
            (
                Some(NetworkConfiguration {
                    awsvpc_configuration: Some(vpc),
                }),
                true,
            ) => {
                self.check_awsvpc_configuration(ctx, vpc)?;
                vpc.subnets.clone()
            }
            (
                None
                | Some(NetworkConfiguration {
                    awsvpc_configuration: None,
                }),
                true,
            ) => {
                return Err(EcsError::InvalidParameter(
                    "Network Configuration must be provided when networkMode 'awsvpc' is specified.".into(),
                ));
            }
            (Some(_), false) => {
                return Err(EcsError::InvalidParameter(
                    "Network Configuration is not valid for the given networkMode of this task definition.".into(),
                ));
            }
            (None, false) => Vec::new(),
        };
        for container_override in launch.overrides.container_overrides.iter().flatten() {
            if let Some(name) = &container_override.name
                && !record
                    .containers()
                    .iter()
                    .any(|c| c.name.as_ref() == Some(name))
            {
                return Err(EcsError::InvalidParameter(format!(
                    "Override for container named {name} is not a container in the TaskDefinition."
                )));
            }
        }
        let role = launch
            .overrides
            .task_role_arn
            .clone()
            .or_else(|| record.definition.task_role_arn.clone());
        for arn in role.iter().chain(
            launch
                .overrides
                .execution_role_arn
                .as_ref()
                .or(record.definition.execution_role_arn.as_ref()),
        ) {
            if !self.sts.role_exists(arn) {
                return Err(EcsError::Client(format!(
                    "ECS was unable to assume the role '{arn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role."
                )));
            }
        }

        let security_groups = launch
            .network_configuration
            .as_ref()
            .and_then(|n| n.awsvpc_configuration.as_ref())
            .and_then(|vpc| vpc.security_groups.clone())
            .unwrap_or_default();
        let mut tasks = Vec::with_capacity(launch.count);
        for index in 0..launch.count {
            let task_id = self.kit.ids().hex(32);
            let interface = match subnets.first() {
                Some(subnet) => Some(self.task_interface(ctx, subnet, &security_groups)?),
                None => None,
            };
            let task = self.new_task(
                ctx,
                cluster,
                &task_id,
                record,
                &launch,
                interface.as_ref(),
                index,
            );
            let key = task_key(&ctx.scope(), cluster.name(), &task_id);
            let mut plan = self.plan(ctx, &key, &task_id, record, &launch, role.clone());
            plan.network = interface.as_ref().and_then(|found| {
                let address = found.interface.private_ip_address.parse().ok()?;
                let prefix_len = self
                    .ec2
                    .subnet_prefix_len(ctx, &found.interface.subnet_id)?;
                Some((address, prefix_len))
            });
            self.tasks.insert(
                &key,
                TaskRecord {
                    account_id: ctx.account_id.clone(),
                    region: ctx.region.clone(),
                    cluster_name: cluster.name().to_string(),
                    service: launch.service.clone(),
                    protected_until: None,
                    task: task.clone(),
                    runners: Default::default(),
                },
            )?;
            self.start_lifecycle(plan);
            tasks.push(task);
        }
        Ok(tasks)
    }

    #[allow(clippy::too_many_arguments)]
    fn new_task(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        task_id: &str,
        record: &DefinitionRecord,
        launch: &Launch,
        interface: Option<&TaskInterface>,
        index: usize,
    ) -> Task {
        let definition = &record.definition;
        let cluster_name = cluster.name();
        let task_arn = ctx.arn("ecs", &format!("task/{cluster_name}/{task_id}"));
        let attachments = match interface {
            None => Vec::new(),
            Some(TaskInterface {
                attachment_id,
                interface,
            }) => {
                let detail = |name: &str, value: String| KeyValuePair {
                    name: Some(name.into()),
                    value: Some(value),
                };
                vec![Attachment {
                    id: Some(attachment_id.clone()),
                    r#type: Some("ElasticNetworkInterface".into()),
                    status: Some("PRECREATED".into()),
                    details: Some(vec![
                        detail("subnetId", interface.subnet_id.clone()),
                        detail("networkInterfaceId", interface.network_interface_id.clone()),
                        detail("macAddress", interface.mac_address.clone()),
                        detail("privateDnsName", interface.private_dns_name.clone()),
                        detail("privateIPv4Address", interface.private_ip_address.clone()),
                    ]),
                }]
            }
        };
        let container_overrides = launch
            .overrides
            .container_overrides
            .clone()
            .unwrap_or_default();
        let containers = record
            .containers()
            .iter()
            .map(|container| {
                let container_override = container_overrides
                    .iter()
                    .find(|o| o.name.is_some() && o.name == container.name);
                Container {
                    container_arn: Some(ctx.arn(
                        "ecs",
                        &format!(
                            "container/{cluster_name}/{task_id}/{}",
                            self.kit.ids().uuid()
                        ),
                    )),
                    task_arn: Some(task_arn.clone()),
                    name: container.name.clone(),
                    image: container.image.clone(),
                    last_status: Some("PENDING".into()),
                    network_bindings: Some(Vec::new()),
                    network_interfaces: Some(
                        interface
                            .map(|found| NetworkInterface {
                                attachment_id: Some(found.attachment_id.clone()),
                                private_ipv4_address: Some(
                                    found.interface.private_ip_address.clone(),
                                ),
                                ipv6_address: None,
                            })
                            .into_iter()
                            .collect(),
                    ),
                    health_status: Some("UNKNOWN".into()),
                    managed_agents: launch.enable_execute_command.then(|| {
                        vec![ManagedAgent {
                            name: Some("ExecuteCommandAgent".into()),
                            last_status: Some("PENDING".into()),
                            ..ManagedAgent::default()
                        }]
                    }),
                    cpu: Some(
                        container_override
                            .and_then(|o| o.cpu)
                            .or(container.cpu)
                            .unwrap_or(0)
                            .to_string(),
                    ),
                    memory: container_override
                        .and_then(|o| o.memory)
                        .or(container.memory)
                        .map(|m| m.to_string()),
                    memory_reservation: container_override
                        .and_then(|o| o.memory_reservation)
                        .or(container.memory_reservation)
                        .map(|m| m.to_string()),
                    ..Container::default()
                }
            })
            .collect();
        let sum = |f: fn(&sim_aws_shapes::ecs::ContainerDefinition) -> i64| {
            record.containers().iter().map(f).sum::<i64>().to_string()
        };
        let fargate = launch.capacity.launch_type == "FARGATE";
        let container_instance_arn = launch.container_instances.get(index).cloned();
        Task {
            attachments: Some(attachments),
            attributes: Some(vec![Attribute {
                name: "ecs.cpu-architecture".into(),
                value: Some(
                    definition
                        .runtime_platform
                        .as_ref()
                        .and_then(|p| p.cpu_architecture.clone())
                        .map_or_else(|| "x86_64".into(), |a| a.to_ascii_lowercase()),
                ),
                ..Attribute::default()
            }]),
            availability_zone: Some(
                interface
                    .map(|found| found.interface.availability_zone.clone())
                    .unwrap_or_else(|| format!("{}a", ctx.region)),
            ),
            capacity_provider_name: launch.capacity_providers.get(index).cloned(),
            cluster_arn: Some(cluster.arn().to_string()),
            container_instance_arn,
            containers: Some(containers),
            cpu: Some(
                launch
                    .overrides
                    .cpu
                    .clone()
                    .or_else(|| definition.cpu.clone())
                    .unwrap_or_else(|| sum(|c| i64::from(c.cpu.unwrap_or(0)))),
            ),
            created_at: Some(self.timestamp()),
            desired_status: Some("RUNNING".into()),
            enable_execute_command: Some(launch.enable_execute_command),
            group: Some(
                launch
                    .group
                    .clone()
                    .unwrap_or_else(|| format!("family:{}", record.family())),
            ),
            health_status: Some("UNKNOWN".into()),
            last_status: Some("PROVISIONING".into()),
            launch_type: Some(launch.capacity.launch_type.clone()),
            memory: Some(
                launch
                    .overrides
                    .memory
                    .clone()
                    .or_else(|| definition.memory.clone())
                    .unwrap_or_else(|| {
                        sum(|c| i64::from(c.memory.or(c.memory_reservation).unwrap_or(0)))
                    }),
            ),
            overrides: Some(overrides_shown(&launch.overrides, record)),
            platform_version: fargate.then(|| match launch.platform_version.as_deref() {
                None | Some("LATEST") => LATEST_FARGATE_PLATFORM.to_string(),
                Some(version) => version.to_string(),
            }),
            platform_family: fargate.then(|| "Linux".to_string()),
            started_by: launch.started_by.clone(),
            tags: Some(launch.tags.clone()),
            task_arn: Some(task_arn),
            task_definition_arn: Some(record.arn().to_string()),
            version: Some(1),
            ephemeral_storage: fargate.then(|| EphemeralStorage {
                size_in_gi_b: launch
                    .overrides
                    .ephemeral_storage
                    .as_ref()
                    .or(definition.ephemeral_storage.as_ref())
                    .map_or(20, |e| e.size_in_gi_b),
            }),
            ..Task::default()
        }
    }

    /// What the lifecycle needs to run a task: each container's command line, environment,
    /// log destination and stop grace.
    fn plan(
        &self,
        ctx: &Ctx,
        key: &str,
        task_id: &str,
        record: &DefinitionRecord,
        launch: &Launch,
        role: Option<String>,
    ) -> TaskPlan {
        let endpoint = self.endpoint();
        let overrides = launch
            .overrides
            .container_overrides
            .clone()
            .unwrap_or_default();
        let volumes = self.volume_directories(
            ctx,
            task_id,
            record.definition.volumes.as_deref().unwrap_or_default(),
        );
        let containers = record
            .containers()
            .iter()
            .map(|definition| {
                let name = definition.name.clone().unwrap_or_default();
                let container_override = overrides.iter().find(|o| o.name.as_deref() == Some(name.as_str()));
                let mounts = volumes
                    .as_ref()
                    .map_err(Clone::clone)
                    .and_then(|directories| Ecs::mount_variables(definition, directories));
                let command = container_override
                    .and_then(|o| o.command.clone())
                    .or_else(|| definition.command.clone());
                let argv: Vec<String> = definition
                    .entry_point
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .chain(command.clone().unwrap_or_default())
                    .collect();
                let bind_mounts: Vec<simkit::runner::WorkloadMount> = match &volumes {
                    Ok(directories) => definition
                        .mount_points
                        .iter()
                        .flatten()
                        .filter_map(|mount| {
                            let source = directories.get(mount.source_volume.as_deref()?)?;
                            Some(simkit::runner::WorkloadMount {
                                source: source.clone(),
                                destination: mount.container_path.clone()?,
                                read_only: mount.read_only.unwrap_or(false),
                            })
                        })
                        .collect(),
                    Err(_) => Vec::new(),
                };
                let token = format!("{task_id}-{}", self.kit.ids().hex(8));
                lock(&self.metadata_tokens).insert(token.clone(), (key.to_string(), name.clone()));
                let mut env = BTreeMap::new();
                env.insert("ECS_CONTAINER_METADATA_URI_V4".to_string(), format!("{endpoint}/_sockerless/ecs/v4/{token}"));
                env.insert("ECS_CONTAINER_METADATA_URI".to_string(), format!("{endpoint}/_sockerless/ecs/v3/{token}"));
                env.insert("AWS_EXECUTION_ENV".to_string(), format!("AWS_ECS_{}", launch.capacity.launch_type));
                env.insert("AWS_REGION".to_string(), ctx.region.clone());
                env.insert("AWS_DEFAULT_REGION".to_string(), ctx.region.clone());
                env.insert("AWS_ENDPOINT_URL".to_string(), endpoint.clone());
                let given = definition
                    .environment
                    .iter()
                    .flatten()
                    .chain(container_override.and_then(|o| o.environment.as_ref()).into_iter().flatten());
                if let Ok(mounts) = &mounts {
                    env.extend(mounts.clone());
                }
                for variable in given {
                    if let Some(variable_name) = &variable.name {
                        env.insert(variable_name.clone(), variable.value.clone().unwrap_or_default());
                    }
                }
                let secrets = definition.secrets.clone().unwrap_or_default();
                let env_files = definition.environment_files.iter().flatten().count()
                    + container_override.and_then(|o| o.environment_files.as_ref()).map_or(0, Vec::len);
                let capabilities: Vec<String> = definition
                    .linux_parameters
                    .as_ref()
                    .and_then(|p| p.capabilities.as_ref())
                    .and_then(|c| c.add.clone())
                    .unwrap_or_default();
                let secret_failure = match self.resolve_secrets(&ctx.account_id, &ctx.region, &secrets) {
                    Ok(variables) => {
                        env.extend(variables);
                        None
                    }
                    Err(reason) => Some(reason),
                };
                let unsupported = if let Err(reason) = &mounts {
                    Some(reason.clone())
                } else if secret_failure.is_some() {
                    secret_failure
                } else if let Some(credentials) = &definition.repository_credentials {
                    Some(format!(
                        "ResourceInitializationError: unable to pull secrets or registry auth: registry credentials {} cannot be retrieved: Sockerless does not simulate Secrets Manager yet",
                        credentials.credentials_parameter
                    ))
                } else if env_files > 0 {
                    Some("ResourceInitializationError: failed to download env files: Sockerless does not simulate S3 yet".into())
                } else if !capabilities.is_empty() {
                    Some(format!(
                        "CannotStartContainerError: the simulator's workload runner gives containers no Linux capabilities, so linuxParameters.capabilities.add ({}) cannot be granted",
                        capabilities.join(", ")
                    ))
                } else {
                    None
                };
                ContainerPlan {
                    name,
                    argv,
                    env,
                    essential: is_essential(definition),
                    // ECS's default stop timeout is 30 seconds.
                    stop_grace: std::time::Duration::from_secs(definition.stop_timeout.unwrap_or(30).clamp(0, 120) as u64),
                    log_configuration: definition.log_configuration.clone(),
                    user: definition.user.clone(),
                    read_only_root: definition.readonly_root_filesystem.unwrap_or(false),
                    unsupported,
                    image: definition.image.clone(),
                    entry_point: definition.entry_point.clone(),
                    command,
                    working_directory: definition.working_directory.clone(),
                    mounts: bind_mounts,
                    resources: super::resources::container_resources(
                        definition,
                        container_override,
                        &format!("ecs/{task_id}"),
                        super::resources::TaskSize {
                            cpu: launch.overrides.cpu.as_deref().or(record.definition.cpu.as_deref()),
                            memory: launch.overrides.memory.as_deref().or(record.definition.memory.as_deref()),
                        },
                    ),
                    port_mappings: definition.port_mappings.clone().unwrap_or_default(),
                }
            })
            .collect();
        TaskPlan {
            key: key.to_string(),
            task_id: task_id.to_string(),
            account_id: ctx.account_id.clone(),
            region: ctx.region.clone(),
            containers,
            role_arn: role,
            service: launch.service.clone(),
            network: None,
            // ECS's default network mode on EC2 and external instances is `bridge`.
            bridge: matches!(record.network_mode(), Some("bridge") | None),
        }
    }

    pub(super) async fn describe_tasks(
        &self,
        ctx: &Ctx,
        input: DescribeTasksRequest,
    ) -> Result<DescribeTasksResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        if input.tasks.is_empty() {
            return Err(EcsError::InvalidParameter("Tasks cannot be empty.".into()));
        }
        if input.tasks.len() > 100 {
            return Err(EcsError::InvalidParameter(
                "Tasks cannot be more than 100.".into(),
            ));
        }
        let with_tags = input
            .include
            .unwrap_or_default()
            .iter()
            .any(|i| i == "TAGS");
        let mut tasks = Vec::new();
        let mut failures = Vec::new();
        for requested in input.tasks {
            match self.task_in(ctx, &cluster, &requested) {
                Some((_, record)) => {
                    let mut task = record.task;
                    if !with_tags {
                        task.tags = Some(Vec::new());
                    }
                    tasks.push(task);
                }
                None => failures.push(Failure {
                    arn: Some(if requested.starts_with("arn:") {
                        requested
                    } else {
                        ctx.arn("ecs", &format!("task/{}/{requested}", cluster.name()))
                    }),
                    reason: Some("MISSING".into()),
                    detail: None,
                }),
            }
        }
        Ok(DescribeTasksResponse {
            tasks: Some(tasks),
            failures: Some(failures),
        })
    }

    pub(super) async fn list_tasks(
        &self,
        ctx: &Ctx,
        input: ListTasksRequest,
    ) -> Result<ListTasksResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        if input.family.is_some() && input.service_name.is_some() {
            return Err(EcsError::InvalidParameter(
                "Family and serviceName cannot both be specified.".into(),
            ));
        }
        if let Some(service) = &input.service_name {
            self.service_record(ctx, cluster.name(), service)?;
        }
        let desired = input.desired_status.unwrap_or_else(|| "RUNNING".into());
        let family_prefix = input
            .family
            .map(|family| format!("task-definition/{family}:"));
        let items = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.name()))
            .into_iter()
            .filter(|(_, r)| r.desired_status() == desired)
            .filter(|(_, r)| {
                input
                    .service_name
                    .as_deref()
                    .is_none_or(|s| r.service.as_deref() == Some(name_of(s)))
            })
            .filter(|(_, r)| {
                family_prefix.as_deref().is_none_or(|f| {
                    r.task
                        .task_definition_arn
                        .as_deref()
                        .is_some_and(|arn| arn.contains(f))
                })
            })
            .filter(|(_, r)| {
                input
                    .started_by
                    .as_deref()
                    .is_none_or(|s| r.started_by() == Some(s))
            })
            .filter(|(_, r)| {
                input
                    .launch_type
                    .as_deref()
                    .is_none_or(|l| r.task.launch_type.as_deref() == Some(l))
            })
            .filter(|(_, r)| {
                input.container_instance.as_deref().is_none_or(|i| {
                    r.task
                        .container_instance_arn
                        .as_deref()
                        .is_some_and(|arn| name_of(arn) == name_of(i))
                })
            })
            .filter(|(_, r)| {
                input
                    .daemon_name
                    .as_deref()
                    .is_none_or(|d| r.task.group.as_deref() == Some(&format!("daemon:{d}")))
            })
            .map(|(key, r)| (key, r.arn().to_string()))
            .collect();
        let (task_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListTasksResponse {
            task_arns: Some(task_arns),
            next_token,
        })
    }

    pub(super) async fn stop_task(
        &self,
        ctx: &Ctx,
        input: StopTaskRequest,
    ) -> Result<StopTaskResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let (key, _) = self.task_in(ctx, &cluster, &input.task).ok_or_else(|| {
            EcsError::InvalidParameter("The referenced task was not found.".into())
        })?;
        let reason = input
            .reason
            .unwrap_or_else(|| "Task stopped by user".into());
        let task = self.request_stop(
            &key,
            StopRequest {
                code: "UserInitiated".into(),
                reason,
            },
        )?;
        Ok(StopTaskResponse { task: Some(task) })
    }

    pub(super) async fn execute_command(
        &self,
        ctx: &Ctx,
        input: ExecuteCommandRequest,
    ) -> Result<ExecuteCommandResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        if !input.interactive {
            return Err(EcsError::InvalidParameter(
                "Interactive is the only mode supported currently.".into(),
            ));
        }
        let (_, record) = self.task_in(ctx, &cluster, &input.task).ok_or_else(|| {
            EcsError::InvalidParameter("The referenced task was not found.".into())
        })?;
        let containers = record.task.containers.clone().unwrap_or_default();
        match input.container.as_deref() {
            Some(name) if !containers.iter().any(|c| c.name.as_deref() == Some(name)) => {
                return Err(EcsError::InvalidParameter(format!(
                    "The container {name} does not exist in the task."
                )));
            }
            Some(_) => {}
            None if containers.len() > 1 => {
                return Err(EcsError::InvalidParameter(
                    "The task has more than one container. Specify the container to run the command in.".into(),
                ));
            }
            None => {}
        }
        // ECS Exec reaches the container through the SSM agent ECS runs beside it. The
        // simulator runs no SSM agent, so exec is never possible: ECS's own answer for a task
        // whose execute command agent is not running, whether or not exec was enabled.
        Err(EcsError::InvalidParameter(EXEC_NOT_POSSIBLE.into()))
    }
}

/// Adds `added` to `tags`; a key already there keeps its value.
pub(super) fn merge_tags(tags: &mut Vec<Tag>, added: Vec<Tag>) {
    for tag in added {
        if !tags.iter().any(|t| t.key == tag.key) {
            tags.push(tag);
        }
    }
}

pub(super) fn managed_tag(key: &str, value: &str) -> Tag {
    Tag {
        key: Some(key.into()),
        value: Some(value.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_versions_go_with_fargate() {
        assert!(check_platform_version("FARGATE", Some("LATEST")).is_ok());
        assert!(check_platform_version("FARGATE", Some("1.4.0")).is_ok());
        assert!(matches!(
            check_platform_version("FARGATE", Some("9.9.9")),
            Err(EcsError::PlatformUnknown(_))
        ));
        assert_eq!(
            check_platform_version("EC2", Some("1.4.0"))
                .unwrap_err()
                .to_string(),
            "The platform version must be null when specifying an EC2 launch type."
        );
        assert!(check_platform_version("EC2", None).is_ok());
    }
}
