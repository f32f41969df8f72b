//! The task API: RunTask and StartTask (which hand tasks to [`super::lifecycle`]),
//! DescribeTasks, ListTasks and StopTask.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lifecycle::{ContainerPlan, StopRequest, TaskPlan};
use super::task_definitions::DefinitionRecord;
use super::types::{
    Attachment, AttachmentDetail, Container, Failure, NetworkConfiguration, NetworkInterface, Tag,
    Task, TaskOverride,
};
use super::{Ecs, EcsError, lock, name_of, page};
use crate::services::Ctx;

/// A stored task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub account_id: String,
    pub region: String,
    pub cluster_name: String,
    /// The service that launched it, if any.
    #[serde(default)]
    pub service: Option<String>,
    pub task: Task,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTaskRequest {
    #[serde(default)]
    pub capacity_provider_strategy: Vec<Value>,
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub count: Option<i64>,
    #[serde(default)]
    pub enable_execute_command: Option<bool>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub launch_type: Option<String>,
    #[serde(default)]
    pub network_configuration: Option<NetworkConfiguration>,
    #[serde(default)]
    pub overrides: Option<TaskOverride>,
    #[serde(default)]
    pub platform_version: Option<String>,
    #[serde(default)]
    pub started_by: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    pub task_definition: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartTaskRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub container_instances: Vec<String>,
    #[serde(default)]
    pub enable_execute_command: Option<bool>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub network_configuration: Option<NetworkConfiguration>,
    #[serde(default)]
    pub overrides: Option<TaskOverride>,
    #[serde(default)]
    pub started_by: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    pub task_definition: String,
}

#[derive(Debug, Serialize)]
pub struct RunTaskResponse {
    pub tasks: Vec<Task>,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeTasksRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub tasks: Vec<String>,
    #[serde(default)]
    pub include: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct DescribeTasksResponse {
    pub tasks: Vec<Task>,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTasksRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub container_instance: Option<String>,
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
    #[serde(default)]
    pub started_by: Option<String>,
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default)]
    pub desired_status: Option<String>,
    #[serde(default)]
    pub launch_type: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTasksResponse {
    pub task_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopTaskRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub task: String,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StopTaskResponse {
    pub task: Task,
}

/// What a launch asks for, whoever asks (RunTask, StartTask, a service).
#[derive(Debug, Clone)]
pub(super) struct Launch {
    pub count: usize,
    pub launch_type: String,
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

pub(super) fn task_key(ctx_scope: &str, cluster: &str, task_id: &str) -> String {
    format!("{ctx_scope}{cluster}/{task_id}")
}

impl Ecs {
    pub(super) async fn run_task(
        &self,
        ctx: &Ctx,
        input: RunTaskRequest,
    ) -> Result<RunTaskResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let definition = self.runnable_definition(ctx, &input.task_definition)?;
        let count = input.count.unwrap_or(1);
        if !(1..=i64::from(super::names::MAX_RUN_TASK_COUNT)).contains(&count) {
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
            let characters =
                serde_json::to_string(overrides).map_or(0, |json| json.chars().count());
            super::names::check_overrides_size(characters)?;
        }
        let uses_fargate_provider = input.capacity_provider_strategy.iter().any(|item| {
            item.get("capacityProvider")
                .and_then(Value::as_str)
                .is_some_and(|p| p.starts_with("FARGATE"))
        });
        let launch_type = input.launch_type.clone().unwrap_or_else(|| {
            if uses_fargate_provider {
                "FARGATE".into()
            } else {
                "EC2".into()
            }
        });
        let instances = if launch_type == "EC2" {
            let active = self.active_instances(ctx, &cluster.cluster.cluster_name);
            (0..count as usize)
                .filter_map(|i| active.get(i % active.len().max(1)).cloned())
                .collect()
        } else {
            Vec::new()
        };
        let launch = Launch {
            count: count as usize,
            launch_type,
            group: input.group,
            started_by: input.started_by,
            overrides: input.overrides.unwrap_or_default(),
            network_configuration: input.network_configuration,
            tags: input.tags,
            enable_execute_command: input.enable_execute_command.unwrap_or(false),
            platform_version: input.platform_version,
            container_instances: instances,
            service: None,
        };
        let tasks = self.launch(ctx, &cluster.cluster.cluster_name, &definition, launch)?;
        Ok(RunTaskResponse {
            tasks,
            failures: Vec::new(),
        })
    }

    pub(super) async fn start_task(
        &self,
        ctx: &Ctx,
        input: StartTaskRequest,
    ) -> Result<RunTaskResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let definition = self.runnable_definition(ctx, &input.task_definition)?;
        if input.container_instances.is_empty() || input.container_instances.len() > 10 {
            return Err(EcsError::InvalidParameter(
                "containerInstances must name between 1 and 10 instances.".into(),
            ));
        }
        let active = self.active_instances(ctx, &cluster.cluster.cluster_name);
        let mut placed = Vec::new();
        let mut failures = Vec::new();
        for requested in &input.container_instances {
            let id = name_of(requested);
            match active.iter().find(|arn| arn.ends_with(&format!("/{id}"))) {
                Some(arn) => placed.push(arn.clone()),
                None => failures.push(Failure {
                    arn: Some(requested.clone()),
                    reason: "MISSING".into(),
                    detail: None,
                }),
            }
        }
        if placed.is_empty() {
            return Ok(RunTaskResponse {
                tasks: Vec::new(),
                failures,
            });
        }
        let launch = Launch {
            count: placed.len(),
            launch_type: "EC2".into(),
            group: input.group,
            started_by: input.started_by,
            overrides: input.overrides.unwrap_or_default(),
            network_configuration: input.network_configuration,
            tags: input.tags,
            enable_execute_command: input.enable_execute_command.unwrap_or(false),
            platform_version: None,
            container_instances: placed,
            service: None,
        };
        let tasks = self.launch(ctx, &cluster.cluster.cluster_name, &definition, launch)?;
        Ok(RunTaskResponse { tasks, failures })
    }

    fn runnable_definition(
        &self,
        ctx: &Ctx,
        reference: &str,
    ) -> Result<DefinitionRecord, EcsError> {
        let record = self
            .definition(ctx, reference)
            .ok_or_else(|| EcsError::Client("TaskDefinition not found.".into()))?;
        if record.definition.status != "ACTIVE" {
            return Err(EcsError::Client("TaskDefinition is inactive".into()));
        }
        Ok(record)
    }

    /// Checks a launch, records its tasks as PROVISIONING and hands each to the lifecycle.
    pub(super) fn launch(
        &self,
        ctx: &Ctx,
        cluster: &str,
        record: &DefinitionRecord,
        launch: Launch,
    ) -> Result<Vec<Task>, EcsError> {
        let definition = &record.definition;
        let awsvpc = definition.network_mode.as_deref() == Some("awsvpc");
        if launch.launch_type == "FARGATE"
            && !definition.compatibilities.iter().any(|c| c == "FARGATE")
        {
            return Err(EcsError::InvalidParameter(
                "Task definition does not support launch_type FARGATE.".into(),
            ));
        }
        let subnets = match (&launch.network_configuration, awsvpc) {
            (
                Some(NetworkConfiguration {
                    awsvpc_configuration: Some(vpc),
                }),
                true,
            ) => vpc.subnets.clone(),
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
        for container_override in &launch.overrides.container_overrides {
            if let Some(name) = &container_override.name
                && !definition
                    .container_definitions
                    .iter()
                    .any(|c| &c.name == name)
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
            .or_else(|| definition.task_role_arn.clone());
        for arn in role.iter().chain(
            launch
                .overrides
                .execution_role_arn
                .as_ref()
                .or(definition.execution_role_arn.as_ref()),
        ) {
            if !self.sts.role_exists(arn) {
                return Err(EcsError::Client(format!(
                    "ECS was unable to assume the role '{arn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role."
                )));
            }
        }

        let mut tasks = Vec::with_capacity(launch.count);
        for index in 0..launch.count {
            let task_id = self.kit.ids().hex(32);
            let task = self.new_task(ctx, cluster, &task_id, record, &launch, &subnets, index);
            let key = task_key(&ctx.scope(), cluster, &task_id);
            let plan = self.plan(ctx, &key, &task_id, record, &launch, role.clone());
            self.tasks.insert(
                &key,
                super::tasks::TaskRecord {
                    account_id: ctx.account_id.clone(),
                    region: ctx.region.clone(),
                    cluster_name: cluster.to_string(),
                    service: launch.service.clone(),
                    task: task.clone(),
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
        cluster: &str,
        task_id: &str,
        record: &DefinitionRecord,
        launch: &Launch,
        subnets: &[String],
        index: usize,
    ) -> Task {
        let definition = &record.definition;
        let task_arn = ctx.arn("ecs", &format!("task/{cluster}/{task_id}"));
        let attachment_id = self.kit.ids().uuid();
        let attachments = if subnets.is_empty() {
            Vec::new()
        } else {
            let detail = |name: &str, value: String| AttachmentDetail {
                name: name.into(),
                value,
            };
            vec![Attachment {
                id: attachment_id.clone(),
                kind: "ElasticNetworkInterface".into(),
                status: "PRECREATED".into(),
                details: vec![
                    detail("subnetId", subnets[0].clone()),
                    detail(
                        "networkInterfaceId",
                        format!("eni-{}", self.kit.ids().hex(17)),
                    ),
                    detail("macAddress", "02:00:00:00:00:01".into()),
                    // The task's processes share the host's loopback.
                    detail("privateIPv4Address", "127.0.0.1".into()),
                ],
            }]
        };
        let containers = definition
            .container_definitions
            .iter()
            .map(|container| Container {
                container_arn: ctx.arn(
                    "ecs",
                    &format!("container/{cluster}/{task_id}/{}", self.kit.ids().uuid()),
                ),
                task_arn: task_arn.clone(),
                name: container.name.clone(),
                image: container.image.clone(),
                runtime_id: None,
                last_status: "PENDING".into(),
                exit_code: None,
                reason: None,
                network_bindings: Vec::new(),
                network_interfaces: if subnets.is_empty() {
                    Vec::new()
                } else {
                    vec![NetworkInterface {
                        attachment_id: attachment_id.clone(),
                        private_ipv4_address: "127.0.0.1".into(),
                    }]
                },
                health_status: "UNKNOWN".into(),
                cpu: container.cpu.to_string(),
                memory: container.memory.map(|m| m.to_string()),
                memory_reservation: container.memory_reservation.map(|m| m.to_string()),
            })
            .collect();
        let sum = |f: fn(&super::types::ContainerDefinition) -> i64| {
            definition
                .container_definitions
                .iter()
                .map(f)
                .sum::<i64>()
                .to_string()
        };
        let fargate = launch.launch_type == "FARGATE";
        Task {
            attachments,
            attributes: Vec::new(),
            availability_zone: format!("{}a", ctx.region),
            cluster_arn: ctx.arn("ecs", &format!("cluster/{cluster}")),
            connectivity: None,
            connectivity_at: None,
            container_instance_arn: launch.container_instances.get(index).cloned(),
            containers,
            cpu: launch
                .overrides
                .cpu
                .clone()
                .or_else(|| definition.cpu.clone())
                .unwrap_or_else(|| sum(|c| c.cpu)),
            created_at: self.now(),
            desired_status: "RUNNING".into(),
            enable_execute_command: launch.enable_execute_command,
            execution_stopped_at: None,
            group: Some(
                launch
                    .group
                    .clone()
                    .unwrap_or_else(|| format!("family:{}", definition.family)),
            ),
            health_status: "UNKNOWN".into(),
            last_status: "PROVISIONING".into(),
            launch_type: launch.launch_type.clone(),
            memory: launch
                .overrides
                .memory
                .clone()
                .or_else(|| definition.memory.clone())
                .unwrap_or_else(|| sum(|c| c.memory.or(c.memory_reservation).unwrap_or(0))),
            overrides: launch.overrides.clone(),
            platform_version: fargate.then(|| match launch.platform_version.as_deref() {
                None | Some("LATEST") => "1.4.0".to_string(),
                Some(version) => version.to_string(),
            }),
            platform_family: fargate.then(|| "Linux".to_string()),
            pull_started_at: None,
            pull_stopped_at: None,
            started_at: None,
            started_by: launch.started_by.clone(),
            stop_code: None,
            stopped_at: None,
            stopped_reason: None,
            stopping_at: None,
            tags: launch.tags.clone(),
            task_arn,
            task_definition_arn: definition.task_definition_arn.clone(),
            version: 1,
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
        let containers = record
            .definition
            .container_definitions
            .iter()
            .map(|definition| {
                let container_override =
                    launch.overrides.container_overrides.iter().find(|o| o.name.as_deref() == Some(&definition.name));
                let command = container_override.and_then(|o| o.command.clone()).unwrap_or_else(|| definition.command.clone());
                let argv: Vec<String> = definition.entry_point.iter().cloned().chain(command).collect();
                let token = format!("{task_id}-{}", self.kit.ids().hex(8));
                lock(&self.metadata_tokens).insert(token.clone(), (key.to_string(), definition.name.clone()));
                let mut env = BTreeMap::new();
                env.insert("ECS_CONTAINER_METADATA_URI_V4".to_string(), format!("{endpoint}/_sockerless/ecs/v4/{token}"));
                env.insert("ECS_CONTAINER_METADATA_URI".to_string(), format!("{endpoint}/_sockerless/ecs/v3/{token}"));
                env.insert("AWS_EXECUTION_ENV".to_string(), format!("AWS_ECS_{}", launch.launch_type));
                env.insert("AWS_REGION".to_string(), ctx.region.clone());
                env.insert("AWS_DEFAULT_REGION".to_string(), ctx.region.clone());
                env.insert("AWS_ENDPOINT_URL".to_string(), endpoint.clone());
                for variable in &definition.environment {
                    env.insert(variable.name.clone(), variable.value.clone());
                }
                for variable in container_override.map(|o| o.environment.as_slice()).unwrap_or_default() {
                    env.insert(variable.name.clone(), variable.value.clone());
                }
                let unsupported = if !definition.secrets.is_empty() {
                    Some(format!(
                        "ResourceInitializationError: unable to pull secrets or registry auth: secret {} cannot be retrieved: Sockerless does not simulate Secrets Manager or SSM Parameter Store yet",
                        definition.secrets[0].value_from
                    ))
                } else if !definition.environment_files.is_empty()
                    || container_override.is_some_and(|o| !o.environment_files.is_empty())
                {
                    Some("ResourceInitializationError: failed to download env files: Sockerless does not simulate S3 yet".into())
                } else if let Some(added) = definition
                    .passthrough
                    .get("linuxParameters")
                    .and_then(|p| p.get("capabilities"))
                    .and_then(|c| c.get("add"))
                    .and_then(|a| a.as_array())
                    .filter(|added| !added.is_empty())
                {
                    let names: Vec<&str> = added.iter().filter_map(|a| a.as_str()).collect();
                    Some(format!(
                        "CannotStartContainerError: the simulator's workload runner gives containers no Linux capabilities, so linuxParameters.capabilities.add ({}) cannot be granted",
                        names.join(", ")
                    ))
                } else {
                    None
                };
                ContainerPlan {
                    name: definition.name.clone(),
                    argv,
                    env,
                    essential: definition.is_essential(),
                    // ECS's default stop timeout is 30 seconds.
                    stop_grace: std::time::Duration::from_secs(definition.stop_timeout.unwrap_or(30).clamp(0, 120) as u64),
                    log_configuration: definition.log_configuration.clone(),
                    user: definition
                        .passthrough
                        .get("user")
                        .and_then(|u| u.as_str())
                        .map(String::from),
                    read_only_root: definition
                        .passthrough
                        .get("readonlyRootFilesystem")
                        .and_then(|r| r.as_bool())
                        .unwrap_or(false),
                    unsupported,
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
        }
    }

    pub(super) async fn describe_tasks(
        &self,
        ctx: &Ctx,
        input: DescribeTasksRequest,
    ) -> Result<DescribeTasksResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let with_tags = input.include.iter().any(|i| i == "TAGS");
        let mut tasks = Vec::new();
        let mut failures = Vec::new();
        for requested in input.tasks {
            let key = task_key(
                &ctx.scope(),
                &cluster.cluster.cluster_name,
                name_of(&requested),
            );
            match self.tasks.get(&key) {
                Some(record) => {
                    let mut task = record.task;
                    if !with_tags {
                        task.tags.clear();
                    }
                    tasks.push(task);
                }
                None => failures.push(Failure {
                    arn: Some(if requested.starts_with("arn:") {
                        requested
                    } else {
                        ctx.arn(
                            "ecs",
                            &format!("task/{}/{requested}", cluster.cluster.cluster_name),
                        )
                    }),
                    reason: "MISSING".into(),
                    detail: None,
                }),
            }
        }
        Ok(DescribeTasksResponse { tasks, failures })
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
        let desired = input.desired_status.unwrap_or_else(|| "RUNNING".into());
        let family_prefix = input
            .family
            .map(|family| format!("task-definition/{family}:"));
        let items = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.cluster.cluster_name))
            .into_iter()
            .filter(|(_, r)| r.task.desired_status == desired)
            .filter(|(_, r)| {
                input
                    .service_name
                    .as_deref()
                    .is_none_or(|s| r.service.as_deref() == Some(name_of(s)))
            })
            .filter(|(_, r)| {
                family_prefix
                    .as_deref()
                    .is_none_or(|f| r.task.task_definition_arn.contains(f))
            })
            .filter(|(_, r)| {
                input
                    .started_by
                    .as_deref()
                    .is_none_or(|s| r.task.started_by.as_deref() == Some(s))
            })
            .filter(|(_, r)| {
                input
                    .launch_type
                    .as_deref()
                    .is_none_or(|l| r.task.launch_type == l)
            })
            .filter(|(_, r)| {
                input.container_instance.as_deref().is_none_or(|i| {
                    r.task
                        .container_instance_arn
                        .as_deref()
                        .is_some_and(|arn| name_of(arn) == name_of(i))
                })
            })
            .map(|(key, r)| (key, r.task.task_arn))
            .collect();
        let (task_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListTasksResponse {
            task_arns,
            next_token,
        })
    }

    pub(super) async fn stop_task(
        &self,
        ctx: &Ctx,
        input: StopTaskRequest,
    ) -> Result<StopTaskResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let key = task_key(
            &ctx.scope(),
            &cluster.cluster.cluster_name,
            name_of(&input.task),
        );
        if !self.tasks.contains(&key) {
            return Err(EcsError::InvalidParameter(
                "The referenced task was not found.".into(),
            ));
        }
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
        Ok(StopTaskResponse { task })
    }
}
