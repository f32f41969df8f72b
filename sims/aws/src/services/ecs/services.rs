//! ECS services and the scheduler that keeps them at their desired count.
//!
//! The scheduler runs after every change that can move a service away from its desired state
//! (create, update, delete, and the stop of one of its tasks): it starts tasks of the primary
//! deployment until `desiredCount` run, stops surplus tasks and tasks of older deployments, and
//! records the events ECS records. A task that keeps failing is restarted with a growing delay,
//! as ECS throttles a crash-looping service. Running and pending counts are computed from the
//! tasks whenever a service is described, so they are never stale.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lifecycle::StopRequest;
use super::tasks::Launch;
use super::types::{
    Deployment, Failure, NetworkConfiguration, Service, ServiceEvent, Tag, TaskOverride,
};
use super::{Ecs, EcsError, name_of, page};
use crate::services::{Caller, Ctx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub account_id: String,
    pub region: String,
    pub cluster_name: String,
    pub service: Service,
    /// Consecutive task failures, for the restart back-off.
    #[serde(default)]
    pub failures_in_a_row: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateServiceRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub service_name: String,
    #[serde(default)]
    pub task_definition: Option<String>,
    #[serde(default)]
    pub desired_count: Option<i64>,
    #[serde(default)]
    pub launch_type: Option<String>,
    #[serde(default)]
    pub capacity_provider_strategy: Vec<Value>,
    #[serde(default)]
    pub platform_version: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub deployment_configuration: Option<Value>,
    #[serde(default)]
    pub placement_constraints: Vec<Value>,
    #[serde(default)]
    pub placement_strategy: Vec<Value>,
    #[serde(default)]
    pub network_configuration: Option<NetworkConfiguration>,
    #[serde(default)]
    pub health_check_grace_period_seconds: Option<i64>,
    #[serde(default)]
    pub scheduling_strategy: Option<String>,
    #[serde(default)]
    pub deployment_controller: Option<Value>,
    #[serde(default)]
    pub load_balancers: Vec<Value>,
    #[serde(default)]
    pub service_registries: Vec<Value>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default, rename = "enableECSManagedTags")]
    pub enable_ecs_managed_tags: Option<bool>,
    #[serde(default)]
    pub propagate_tags: Option<String>,
    #[serde(default)]
    pub enable_execute_command: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct ServiceResponse {
    pub service: Service,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeServicesRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub services: Vec<String>,
    #[serde(default)]
    pub include: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct DescribeServicesResponse {
    pub services: Vec<Service>,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateServiceRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub service: String,
    #[serde(default)]
    pub desired_count: Option<i64>,
    #[serde(default)]
    pub task_definition: Option<String>,
    #[serde(default)]
    pub deployment_configuration: Option<Value>,
    #[serde(default)]
    pub network_configuration: Option<NetworkConfiguration>,
    #[serde(default)]
    pub platform_version: Option<String>,
    #[serde(default)]
    pub force_new_deployment: Option<bool>,
    #[serde(default)]
    pub health_check_grace_period_seconds: Option<i64>,
    #[serde(default)]
    pub enable_execute_command: Option<bool>,
    #[serde(default)]
    pub propagate_tags: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteServiceRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub service: String,
    #[serde(default)]
    pub force: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListServicesRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
    #[serde(default)]
    pub launch_type: Option<String>,
    #[serde(default)]
    pub scheduling_strategy: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListServicesResponse {
    pub service_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// ECS keeps at most this many events per service, newest first.
const MAX_EVENTS: usize = 100;
/// How long every task of a deployment must have been running, with none failing meanwhile,
/// before the deployment counts as completed and the service as steady. A task that crashes
/// sooner keeps the deployment IN_PROGRESS, as a crash-looping service is on ECS.
const STABLE_AFTER_MS: i64 = 2_000;

fn service_key(scope: &str, cluster: &str, name: &str) -> String {
    format!("{scope}{cluster}/{name}")
}

impl Ecs {
    fn service_record(
        &self,
        ctx: &Ctx,
        cluster: &str,
        name_or_arn: &str,
    ) -> Result<ServiceRecord, EcsError> {
        self.services
            .get(&service_key(&ctx.scope(), cluster, name_of(name_or_arn)))
            .ok_or_else(|| EcsError::ServiceNotFound("Service not found.".into()))
    }

    /// A service as DescribeServices shows it, with live counts.
    fn service_with_counts(&self, ctx: &Ctx, record: &ServiceRecord) -> Service {
        let mut service = record.service.clone();
        let tasks = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), record.cluster_name));
        let mine: Vec<_> = tasks
            .iter()
            .filter(|(_, t)| {
                t.service.as_deref() == Some(service.service_name.as_str())
                    && t.task.desired_status == "RUNNING"
            })
            .collect();
        let running = |definition: Option<&str>| {
            mine.iter()
                .filter(|(_, t)| t.task.last_status == "RUNNING")
                .filter(|(_, t)| definition.is_none_or(|d| t.task.task_definition_arn == d))
                .count() as i64
        };
        let pending = |definition: Option<&str>| {
            mine.iter()
                .filter(|(_, t)| matches!(t.task.last_status.as_str(), "PROVISIONING" | "PENDING"))
                .filter(|(_, t)| definition.is_none_or(|d| t.task.task_definition_arn == d))
                .count() as i64
        };
        service.running_count = running(None);
        service.pending_count = pending(None);
        for deployment in &mut service.deployments {
            deployment.running_count = running(Some(&deployment.task_definition));
            deployment.pending_count = pending(Some(&deployment.task_definition));
        }
        service
    }

    pub(super) async fn create_service(
        &self,
        ctx: &Ctx,
        input: CreateServiceRequest,
    ) -> Result<ServiceResponse, EcsError> {
        super::names::check_service_name(&input.service_name)?;
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let cluster_name = cluster.cluster.cluster_name.clone();
        let reference = input.task_definition.as_deref().ok_or_else(|| {
            EcsError::InvalidParameter("TaskDefinition must be specified.".into())
        })?;
        let definition = self
            .definition(ctx, reference)
            .filter(|r| r.definition.status == "ACTIVE")
            .ok_or_else(|| EcsError::InvalidParameter("TaskDefinition not found.".into()))?;
        let strategy = input
            .scheduling_strategy
            .clone()
            .unwrap_or_else(|| "REPLICA".into());
        if strategy == "DAEMON" {
            return Err(EcsError::InvalidParameter(
                "The DAEMON scheduling strategy needs container instances to place one task on each; Sockerless schedules REPLICA services only.".into(),
            ));
        }
        let desired_count = input.desired_count.unwrap_or(0);
        if desired_count < 0 {
            return Err(EcsError::InvalidParameter(
                "desiredCount must be zero or more.".into(),
            ));
        }
        let awsvpc = definition.definition.network_mode.as_deref() == Some("awsvpc");
        if awsvpc && input.network_configuration.is_none() {
            return Err(EcsError::InvalidParameter(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
                    .into(),
            ));
        }
        let uses_fargate_provider = input.capacity_provider_strategy.iter().any(|item| {
            item.get("capacityProvider")
                .and_then(Value::as_str)
                .is_some_and(|p| p.starts_with("FARGATE"))
        });
        let launch_type = input
            .launch_type
            .clone()
            .or_else(|| uses_fargate_provider.then(|| "FARGATE".to_string()))
            .unwrap_or_else(|| "EC2".into());
        if launch_type == "FARGATE"
            && !definition
                .definition
                .compatibilities
                .iter()
                .any(|c| c == "FARGATE")
        {
            return Err(EcsError::InvalidParameter(
                "Task definition does not support launch_type FARGATE.".into(),
            ));
        }
        let now = self.now();
        let platform_version = (launch_type == "FARGATE").then(|| {
            input
                .platform_version
                .clone()
                .unwrap_or_else(|| "LATEST".into())
        });
        let deployment_id = format!("ecs-svc/{}", self.kit.ids().random_word(b"0123456789", 19));
        let deployment = Deployment {
            rollout_state_reason: format!("ECS deployment {deployment_id} in progress."),
            id: deployment_id,
            status: "PRIMARY".into(),
            task_definition: definition.definition.task_definition_arn.clone(),
            desired_count,
            pending_count: 0,
            running_count: 0,
            failed_tasks: 0,
            created_at: now,
            updated_at: now,
            launch_type: Some(launch_type.clone()),
            platform_version: platform_version.clone(),
            network_configuration: input.network_configuration.clone(),
            rollout_state: "IN_PROGRESS".into(),
        };
        let service = Service {
            service_arn: ctx.arn(
                "ecs",
                &format!("service/{cluster_name}/{}", input.service_name),
            ),
            service_name: input.service_name.clone(),
            cluster_arn: cluster.cluster.cluster_arn.clone(),
            load_balancers: input.load_balancers,
            service_registries: input.service_registries,
            status: "ACTIVE".into(),
            desired_count,
            running_count: 0,
            pending_count: 0,
            launch_type: Some(launch_type),
            platform_version,
            task_definition: definition.definition.task_definition_arn.clone(),
            deployment_configuration: Some(input.deployment_configuration.unwrap_or_else(|| {
                serde_json::json!({
                    "deploymentCircuitBreaker": {"enable": false, "rollback": false},
                    "maximumPercent": 200,
                    "minimumHealthyPercent": 100
                })
            })),
            deployments: vec![deployment],
            role_arn: input.role,
            events: Vec::new(),
            created_at: now,
            placement_constraints: input.placement_constraints,
            placement_strategy: input.placement_strategy,
            network_configuration: input.network_configuration,
            health_check_grace_period_seconds: input.health_check_grace_period_seconds,
            scheduling_strategy: strategy,
            deployment_controller: Some(
                input
                    .deployment_controller
                    .unwrap_or_else(|| serde_json::json!({"type": "ECS"})),
            ),
            tags: input.tags,
            created_by: ctx.caller.arn.clone(),
            enable_ecs_managed_tags: input.enable_ecs_managed_tags.unwrap_or(false),
            propagate_tags: input.propagate_tags.or_else(|| Some("NONE".into())),
            enable_execute_command: input.enable_execute_command.unwrap_or(false),
        };
        let key = service_key(&ctx.scope(), &cluster_name, &input.service_name);
        let record = ServiceRecord {
            account_id: ctx.account_id.clone(),
            region: ctx.region.clone(),
            cluster_name,
            service,
            failures_in_a_row: 0,
        };
        self.services.modify(&key, |slot| {
            if slot
                .as_ref()
                .is_some_and(|s| s.service.status != "INACTIVE")
            {
                return Err(EcsError::InvalidParameter(
                    "Creation of service was not idempotent.".into(),
                ));
            }
            *slot = Some(record.clone());
            Ok(())
        })?;
        self.reconcile(&key).await;
        Ok(ServiceResponse {
            service: self.service_with_counts(ctx, &self.services.get(&key).unwrap_or(record)),
        })
    }

    pub(super) async fn describe_services(
        &self,
        ctx: &Ctx,
        input: DescribeServicesRequest,
    ) -> Result<DescribeServicesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let with_tags = input.include.iter().any(|i| i == "TAGS");
        let mut services = Vec::new();
        let mut failures = Vec::new();
        for requested in input.services {
            match self.service_record(ctx, &cluster.cluster.cluster_name, &requested) {
                Ok(record) => {
                    let mut service = self.service_with_counts(ctx, &record);
                    if !with_tags {
                        service.tags.clear();
                    }
                    services.push(service);
                }
                Err(_) => failures.push(Failure {
                    arn: Some(if requested.starts_with("arn:") {
                        requested
                    } else {
                        ctx.arn(
                            "ecs",
                            &format!("service/{}/{requested}", cluster.cluster.cluster_name),
                        )
                    }),
                    reason: "MISSING".into(),
                    detail: None,
                }),
            }
        }
        Ok(DescribeServicesResponse { services, failures })
    }

    pub(super) async fn update_service(
        &self,
        ctx: &Ctx,
        input: UpdateServiceRequest,
    ) -> Result<ServiceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let record = self.service_record(ctx, &cluster.cluster.cluster_name, &input.service)?;
        if record.service.status != "ACTIVE" {
            return Err(EcsError::ServiceNotActive("Service was not ACTIVE.".into()));
        }
        let new_definition = match &input.task_definition {
            Some(reference) => Some(
                self.definition(ctx, reference)
                    .filter(|r| r.definition.status == "ACTIVE")
                    .ok_or_else(|| {
                        EcsError::InvalidParameter("TaskDefinition not found.".into())
                    })?,
            ),
            None => None,
        };
        if input.desired_count.is_some_and(|n| n < 0) {
            return Err(EcsError::InvalidParameter(
                "desiredCount must be zero or more.".into(),
            ));
        }
        let now = self.now();
        let new_deployment_id =
            format!("ecs-svc/{}", self.kit.ids().random_word(b"0123456789", 19));
        let key = service_key(
            &ctx.scope(),
            &cluster.cluster.cluster_name,
            &record.service.service_name,
        );
        self.services.update(&key, |record| {
            let service = &mut record.service;
            if let Some(count) = input.desired_count {
                service.desired_count = count;
            }
            if let Some(configuration) = input.deployment_configuration.clone() {
                service.deployment_configuration = Some(configuration);
            }
            if let Some(network) = input.network_configuration.clone() {
                service.network_configuration = Some(network);
            }
            if let Some(seconds) = input.health_check_grace_period_seconds {
                service.health_check_grace_period_seconds = Some(seconds);
            }
            if let Some(enable) = input.enable_execute_command {
                service.enable_execute_command = enable;
            }
            if let Some(propagate) = input.propagate_tags.clone() {
                service.propagate_tags = Some(propagate);
            }
            let changes_definition = new_definition
                .as_ref()
                .is_some_and(|d| d.definition.task_definition_arn != service.task_definition);
            if changes_definition
                || input.force_new_deployment.unwrap_or(false)
                || input.network_configuration.is_some()
            {
                let definition_arn = new_definition.as_ref().map_or_else(
                    || service.task_definition.clone(),
                    |d| d.definition.task_definition_arn.clone(),
                );
                for deployment in &mut service.deployments {
                    deployment.status = "ACTIVE".into();
                    deployment.updated_at = now;
                }
                service.deployments.insert(
                    0,
                    Deployment {
                        id: new_deployment_id.clone(),
                        status: "PRIMARY".into(),
                        task_definition: definition_arn.clone(),
                        desired_count: service.desired_count,
                        pending_count: 0,
                        running_count: 0,
                        failed_tasks: 0,
                        created_at: now,
                        updated_at: now,
                        launch_type: service.launch_type.clone(),
                        platform_version: input
                            .platform_version
                            .clone()
                            .or_else(|| service.platform_version.clone()),
                        network_configuration: service.network_configuration.clone(),
                        rollout_state: "IN_PROGRESS".into(),
                        rollout_state_reason: format!(
                            "ECS deployment {new_deployment_id} in progress."
                        ),
                    },
                );
                service.task_definition = definition_arn;
            }
            if let Some(primary) = service.deployments.first_mut() {
                primary.desired_count = service.desired_count;
                primary.updated_at = now;
            }
        })?;
        self.reconcile(&key).await;
        let record = self.service_record(ctx, &cluster.cluster.cluster_name, &input.service)?;
        Ok(ServiceResponse {
            service: self.service_with_counts(ctx, &record),
        })
    }

    pub(super) async fn delete_service(
        &self,
        ctx: &Ctx,
        input: DeleteServiceRequest,
    ) -> Result<ServiceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let record = self.service_record(ctx, &cluster.cluster.cluster_name, &input.service)?;
        if record.service.status == "INACTIVE" {
            return Err(EcsError::ServiceNotActive("Service was not ACTIVE.".into()));
        }
        if record.service.desired_count > 0 && !input.force.unwrap_or(false) {
            return Err(EcsError::InvalidParameter(
                "The service cannot be stopped while it is scaled above 0.".into(),
            ));
        }
        let key = service_key(
            &ctx.scope(),
            &cluster.cluster.cluster_name,
            &record.service.service_name,
        );
        self.services.update(&key, |record| {
            record.service.status = "DRAINING".into();
            record.service.desired_count = 0;
            for deployment in &mut record.service.deployments {
                deployment.desired_count = 0;
            }
        })?;
        let draining = self.service_record(ctx, &cluster.cluster.cluster_name, &input.service)?;
        let response = self.service_with_counts(ctx, &draining);
        self.reconcile(&key).await;
        Ok(ServiceResponse { service: response })
    }

    pub(super) async fn list_services(
        &self,
        ctx: &Ctx,
        input: ListServicesRequest,
    ) -> Result<ListServicesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let items = self
            .services
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.cluster.cluster_name))
            .into_iter()
            .filter(|(_, r)| r.service.status != "INACTIVE")
            .filter(|(_, r)| {
                input
                    .launch_type
                    .as_deref()
                    .is_none_or(|l| r.service.launch_type.as_deref() == Some(l))
            })
            .filter(|(_, r)| {
                input
                    .scheduling_strategy
                    .as_deref()
                    .is_none_or(|s| r.service.scheduling_strategy == s)
            })
            .map(|(key, r)| (key, r.service.service_arn))
            .collect();
        let (service_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListServicesResponse {
            service_arns,
            next_token,
        })
    }

    /// Called by the lifecycle when a service's task is running: a deployment may now retire
    /// older tasks, and the service may have reached a steady state.
    pub(super) fn task_of_service_running(&self, task_key: &str, service: &str) {
        let Some(task) = self.tasks.get(task_key) else {
            return;
        };
        let key = service_key(
            &format!("{}/{}/", task.account_id, task.region),
            &task.cluster_name,
            service,
        );
        let Some(ecs) = self.arc() else { return };
        tokio::spawn(async move { ecs.reconcile(&key).await });
    }

    /// Called by the lifecycle when a service's task has stopped.
    pub(super) fn task_of_service_stopped(&self, task_key: &str, service: &str) {
        let Some(task) = self.tasks.get(task_key) else {
            return;
        };
        let key = service_key(
            &format!("{}/{}/", task.account_id, task.region),
            &task.cluster_name,
            service,
        );
        // A task that failed to start, or ran for under ten seconds, counts towards back-off.
        let failed = task.task.stop_code.as_deref() == Some("TaskFailedToStart")
            || task
                .task
                .started_at
                .zip(task.task.stopped_at)
                .is_none_or(|(start, stop)| stop - start < 10_000)
                && task.task.stop_code.as_deref() == Some("EssentialContainerExited");
        let failures = self
            .services
            .update(&key, |record| {
                if failed {
                    record.failures_in_a_row += 1;
                    if let Some(primary) = record.service.deployments.first_mut() {
                        primary.failed_tasks += 1;
                    }
                } else {
                    record.failures_in_a_row = 0;
                }
                record.failures_in_a_row
            })
            .ok()
            .flatten()
            .unwrap_or(0);
        // ECS throttles restarts of a crash-looping service: 1 s, 2 s, 4 s ... up to 5 minutes.
        let delay = if failures == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs((1u64 << failures.min(9)).min(300) / 2)
        };
        self.reconcile_later(&key, delay);
    }

    /// Reconciles the service `key` after `delay`, in the background.
    fn reconcile_later(&self, key: &str, delay: Duration) {
        let Some(ecs) = self.arc() else { return };
        let key = key.to_string();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            ecs.reconcile(&key).await;
        });
    }

    /// Moves a service towards its desired state. Idempotent; serialised by `scheduler`.
    pub(super) async fn reconcile(&self, key: &str) {
        let _one_at_a_time = self.scheduler.lock().await;
        if self.shutting_down.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let Some(record) = self.services.get(key) else {
            return;
        };
        let ctx = Ctx {
            request_id: String::new(),
            account_id: record.account_id.clone(),
            region: record.region.clone(),
            caller: Caller::root(&record.account_id, ""),
        };
        let name = record.service.service_name.clone();
        let mine: Vec<(String, super::tasks::TaskRecord)> = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), record.cluster_name))
            .into_iter()
            .filter(|(_, t)| {
                t.service.as_deref() == Some(name.as_str()) && t.task.desired_status == "RUNNING"
            })
            .collect();
        let Some(primary) = record.service.deployments.first().cloned() else {
            return;
        };
        let (current, outdated): (Vec<_>, Vec<_>) = mine
            .into_iter()
            .partition(|(_, t)| t.task.task_definition_arn == primary.task_definition);
        let desired = if record.service.status == "ACTIVE" {
            record.service.desired_count.max(0) as usize
        } else {
            0
        };
        let mut events = Vec::new();

        if current.len() < desired {
            match self.definition(&ctx, &primary.task_definition) {
                Some(definition) => {
                    let launch = Launch {
                        count: desired - current.len(),
                        launch_type: primary.launch_type.clone().unwrap_or_else(|| "EC2".into()),
                        group: Some(format!("service:{name}")),
                        started_by: Some(primary.id.clone()),
                        overrides: TaskOverride::default(),
                        network_configuration: record.service.network_configuration.clone(),
                        tags: if record.service.propagate_tags.as_deref() == Some("SERVICE") {
                            record.service.tags.clone()
                        } else {
                            Vec::new()
                        },
                        enable_execute_command: record.service.enable_execute_command,
                        platform_version: primary.platform_version.clone(),
                        container_instances: Vec::new(),
                        service: Some(name.clone()),
                    };
                    let mut started = Vec::new();
                    // RunTask takes at most 10 tasks at a time.
                    let mut remaining = launch.count;
                    while remaining > 0 {
                        let batch = Launch { count: remaining.min(10), ..launch.clone() };
                        match self.launch(&ctx, &record.cluster_name, &definition, batch) {
                            Ok(tasks) => started.extend(tasks.into_iter().map(|t| super::name_of(&t.task_arn).to_string())),
                            Err(error) => {
                                events.push(format!("(service {name}) was unable to place a task. Reason: {error}."));
                                break;
                            }
                        }
                        remaining = remaining.saturating_sub(10);
                    }
                    if !started.is_empty() {
                        let ids: Vec<String> = started.iter().map(|id| format!("(task {id})")).collect();
                        events.push(format!("(service {name}) has started {} tasks: {}.", started.len(), ids.join(" ")));
                    }
                }
                None => events.push(format!("(service {name}) was unable to place a task because its task definition is gone.")),
            }
        }
        // Old deployments go once the primary's tasks are running (ECS's default minimum healthy
        // percent of 100); surplus tasks of the primary go now.
        let current_running = current
            .iter()
            .filter(|(_, t)| t.task.last_status == "RUNNING")
            .count();
        let mut to_stop: Vec<String> = Vec::new();
        if current_running >= desired {
            to_stop.extend(outdated.iter().map(|(key, _)| key.clone()));
        }
        if current.len() > desired {
            to_stop.extend(
                current
                    .iter()
                    .rev()
                    .take(current.len() - desired)
                    .map(|(key, _)| key.clone()),
            );
        }
        if !to_stop.is_empty() {
            let reason = format!("Scaling activity initiated by (deployment {})", primary.id);
            let mut stopped = Vec::new();
            for task_key in &to_stop {
                let request = StopRequest {
                    code: "ServiceSchedulerInitiated".into(),
                    reason: reason.clone(),
                };
                if let Ok(task) = self.request_stop(task_key, request) {
                    stopped.push(format!("(task {})", super::name_of(&task.task_arn)));
                }
            }
            events.push(format!(
                "(service {name}) has stopped {} running tasks: {}.",
                stopped.len(),
                stopped.join(" ")
            ));
        }

        let now = self.now();
        // Every task is the primary's and running: old deployments are gone.
        let drained = current_running == desired
            && current.len() == desired
            && outdated.is_empty()
            && to_stop.is_empty();
        // ... and has been for a while, with no task failing since: the service is steady.
        let youngest_start = current.iter().filter_map(|(_, t)| t.task.started_at).max();
        let settled_at = youngest_start.map_or(now, |start| start + STABLE_AFTER_MS);
        let steady = drained && record.failures_in_a_row == 0 && settled_at <= now;
        if drained && record.failures_in_a_row == 0 && settled_at > now {
            // Look again once it has been running long enough.
            self.reconcile_later(key, Duration::from_millis((settled_at - now) as u64));
        }
        let ids: Vec<String> = events.iter().map(|_| self.kit.ids().uuid()).collect();
        let completed_id = self.kit.ids().uuid();
        let steady_id = self.kit.ids().uuid();
        let _ = self.services.update(key, |record| {
            let service = &mut record.service;
            for (message, id) in events.into_iter().zip(ids) {
                service.events.insert(
                    0,
                    ServiceEvent {
                        id,
                        created_at: now,
                        message,
                    },
                );
            }
            if drained {
                if service.deployments.len() > 1 {
                    service.deployments.truncate(1);
                }
                if service.status == "DRAINING" {
                    service.status = "INACTIVE".into();
                }
            }
            if steady
                && let Some(primary) = service.deployments.first_mut()
                && primary.rollout_state != "COMPLETED"
            {
                primary.rollout_state = "COMPLETED".into();
                primary.rollout_state_reason = format!("ECS deployment {} completed.", primary.id);
                primary.updated_at = now;
                let deployment = primary.id.clone();
                for (id, message) in [
                    (
                        completed_id,
                        format!(
                            "(service {}) (deployment {deployment}) deployment completed.",
                            service.service_name
                        ),
                    ),
                    (
                        steady_id,
                        format!(
                            "(service {}) has reached a steady state.",
                            service.service_name
                        ),
                    ),
                ] {
                    service.events.insert(
                        0,
                        ServiceEvent {
                            id,
                            created_at: now,
                            message,
                        },
                    );
                }
            }
            service.events.truncate(MAX_EVENTS);
        });
    }
}
