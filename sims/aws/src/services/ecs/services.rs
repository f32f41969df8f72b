//! ECS services: CreateService, UpdateService, DeleteService, DescribeServices, ListServices and
//! ListServicesByNamespace. A service stores every member it was created or updated with, and
//! is shown with live counts; what keeps it at its desired state is the `scheduler`, and the
//! history of its deployments lives in `deployments`.
//!
//! Deployment controllers: ECS (rolling deployments, one per change that needs new tasks),
//! EXTERNAL (task sets the client manages, in `task_sets`), CODE_DEPLOY (ECS creates the first
//! task set; later deployments are CodeDeploy's, which the simulator does not have).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecs::{
    CreateServiceRequest, CreateServiceResponse, DeleteServiceRequest, DeleteServiceResponse,
    Deployment, DeploymentCircuitBreaker, DeploymentConfiguration, DeploymentController,
    DescribeServicesRequest, DescribeServicesResponse, Failure, ListServicesByNamespaceRequest,
    ListServicesByNamespaceResponse, ListServicesRequest, ListServicesResponse, LoadBalancer,
    Service, ServiceCurrentRevisionSummary, UpdateServiceRequest, UpdateServiceResponse,
};

use super::capacity_providers::Capacity;
use super::clusters::ClusterRecord;
use super::task_definitions::DefinitionRecord;
use super::tasks::check_platform_version;
use super::{Ecs, EcsError, name_of, page};
use crate::services::Ctx;

/// What ties one of a service's deployments to its service deployment and revision records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rollout {
    pub service_deployment_arn: String,
    pub service_revision_arn: String,
    /// Set when this deployment rolls another back: the service deployment it belongs to
    /// reports the rollback rather than a deployment of its own.
    pub rolls_back: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub account_id: String,
    pub region: String,
    pub cluster_name: String,
    pub service: Service,
    /// Consecutive task failures, for the restart back-off.
    pub failures_in_a_row: u32,
    /// Deployment or task set ID → its service deployment and revision.
    pub rollouts: BTreeMap<String, Rollout>,
}

impl ServiceRecord {
    pub fn name(&self) -> &str {
        self.service.service_name.as_deref().unwrap_or_default()
    }

    pub fn arn(&self) -> &str {
        self.service.service_arn.as_deref().unwrap_or_default()
    }

    pub fn status(&self) -> &str {
        self.service.status.as_deref().unwrap_or_default()
    }

    pub fn controller(&self) -> &str {
        self.service
            .deployment_controller
            .as_ref()
            .map_or("ECS", |c| c.r#type.as_str())
    }

    pub fn is_daemon(&self) -> bool {
        self.service.scheduling_strategy.as_deref() == Some("DAEMON")
    }

    pub fn deployments(&self) -> &[Deployment] {
        self.service.deployments.as_deref().unwrap_or_default()
    }

    /// The capacity its primary deployment (or the service itself) runs on.
    pub fn capacity(&self) -> Capacity {
        Capacity {
            launch_type: self
                .service
                .launch_type
                .clone()
                .or_else(|| {
                    self.deployments()
                        .first()
                        .and_then(|d| d.launch_type.clone())
                })
                .unwrap_or_else(|| "EC2".into()),
            strategy: self
                .service
                .capacity_provider_strategy
                .clone()
                .filter(|s| !s.is_empty()),
            explicit_launch_type: self.service.launch_type.is_some(),
        }
    }
}

pub(super) fn service_key(scope: &str, cluster: &str, name: &str) -> String {
    format!("{scope}{cluster}/{name}")
}

/// A deployment ID: `ecs-svc/` and 19 digits.
pub(super) fn new_deployment_id(ecs: &Ecs) -> String {
    format!("ecs-svc/{}", ecs.kit.ids().random_word(b"0123456789", 19))
}

/// ECS's deployment configuration defaults, under what the client gave.
fn with_deployment_defaults(
    given: Option<DeploymentConfiguration>,
    daemon: bool,
) -> DeploymentConfiguration {
    let given = given.unwrap_or_default();
    let (maximum, minimum) = if daemon { (100, 0) } else { (200, 100) };
    DeploymentConfiguration {
        deployment_circuit_breaker: given.deployment_circuit_breaker.or(Some(
            DeploymentCircuitBreaker {
                enable: false,
                rollback: false,
            },
        )),
        maximum_percent: given.maximum_percent.or(Some(maximum)),
        minimum_healthy_percent: given.minimum_healthy_percent.or(Some(minimum)),
        ..given
    }
}

/// Load balancers must name a container of the task definition and a port it maps.
fn check_load_balancers(
    load_balancers: &[LoadBalancer],
    definition: &DefinitionRecord,
) -> Result<(), EcsError> {
    for load_balancer in load_balancers {
        let Some(name) = load_balancer.container_name.as_deref() else {
            continue;
        };
        let container = definition
            .containers()
            .iter()
            .find(|c| c.name.as_deref() == Some(name))
            .ok_or_else(|| {
                EcsError::InvalidParameter(format!(
                    "The container {name} does not exist in the task definition."
                ))
            })?;
        if let Some(port) = load_balancer.container_port {
            let mapped = container
                .port_mappings
                .iter()
                .flatten()
                .any(|m| m.container_port == Some(port));
            if !mapped {
                return Err(EcsError::InvalidParameter(format!(
                    "The container {name} did not have a container port {port} defined."
                )));
            }
        }
    }
    Ok(())
}

impl Ecs {
    pub(super) fn service_record(
        &self,
        ctx: &Ctx,
        cluster: &str,
        name_or_arn: &str,
    ) -> Result<ServiceRecord, EcsError> {
        self.services
            .get(&service_key(&ctx.scope(), cluster, name_of(name_or_arn)))
            .ok_or_else(EcsError::service_not_found)
    }

    /// The number of tasks a service wants: its desired count, or one per ACTIVE container
    /// instance for a daemon service.
    pub(super) fn wanted_count(&self, ctx: &Ctx, record: &ServiceRecord) -> usize {
        if record.status() != "ACTIVE" {
            return 0;
        }
        if record.is_daemon() {
            self.active_instances(ctx, &record.cluster_name).len()
        } else {
            record.service.desired_count.unwrap_or(0).max(0) as usize
        }
    }

    /// A service as DescribeServices shows it: live counts of its tasks, deployments, task
    /// sets and revisions.
    pub(super) fn service_view(&self, ctx: &Ctx, record: &ServiceRecord) -> Service {
        let mut service = record.service.clone();
        let tasks = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), record.cluster_name));
        let mine: Vec<_> = tasks
            .iter()
            .filter(|(_, t)| {
                t.service.as_deref() == Some(record.name()) && t.desired_status() == "RUNNING"
            })
            .collect();
        let count = |statuses: &[&str], started_by: Option<&str>| {
            mine.iter()
                .filter(|(_, t)| statuses.contains(&t.last_status()))
                .filter(|(_, t)| started_by.is_none_or(|id| t.started_by() == Some(id)))
                .count() as i32
        };
        const RUNNING: &[&str] = &["RUNNING"];
        const PENDING: &[&str] = &["PROVISIONING", "PENDING", "ACTIVATING"];
        service.running_count = Some(count(RUNNING, None));
        service.pending_count = Some(count(PENDING, None));
        if record.is_daemon() {
            service.desired_count = Some(self.wanted_count(ctx, record) as i32);
        }
        for deployment in service.deployments.iter_mut().flatten() {
            deployment.running_count = Some(count(RUNNING, deployment.id.as_deref()));
            deployment.pending_count = Some(count(PENDING, deployment.id.as_deref()));
        }
        let desired = service.desired_count.unwrap_or(0);
        for task_set in service.task_sets.iter_mut().flatten() {
            task_set.running_count = Some(count(RUNNING, task_set.id.as_deref()));
            task_set.pending_count = Some(count(PENDING, task_set.id.as_deref()));
            if task_set.status.as_deref() != Some("DRAINING") {
                task_set.computed_desired_count = Some(super::task_sets::computed_desired(
                    desired,
                    task_set.scale.as_ref(),
                ));
            }
        }
        let current: Vec<ServiceCurrentRevisionSummary> = record
            .deployments()
            .iter()
            .filter_map(|deployment| {
                let id = deployment.id.as_deref()?;
                let rollout = record.rollouts.get(id)?;
                Some(ServiceCurrentRevisionSummary {
                    arn: Some(rollout.service_revision_arn.clone()),
                    requested_task_count: deployment.desired_count,
                    running_task_count: Some(count(RUNNING, Some(id))),
                    pending_task_count: Some(count(PENDING, Some(id))),
                })
            })
            .collect();
        if record.controller() == "ECS" {
            service.current_service_deployment = record
                .deployments()
                .first()
                .and_then(|d| d.id.as_deref())
                .and_then(|id| record.rollouts.get(id))
                .map(|r| r.service_deployment_arn.clone());
            service.current_service_revisions = Some(current);
        }
        service
    }

    pub(super) async fn create_service(
        &self,
        ctx: &Ctx,
        input: CreateServiceRequest,
    ) -> Result<CreateServiceResponse, EcsError> {
        super::names::check_service_name(&input.service_name)?;
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let controller = input
            .deployment_controller
            .clone()
            .unwrap_or(DeploymentController {
                r#type: "ECS".into(),
            });
        let strategy = input
            .scheduling_strategy
            .clone()
            .unwrap_or_else(|| "REPLICA".into());
        let daemon = strategy == "DAEMON";
        if daemon && controller.r#type != "ECS" {
            return Err(EcsError::InvalidParameter(format!(
                "The DAEMON scheduling strategy does not support the {} deployment controller.",
                controller.r#type
            )));
        }
        let definition = match (&input.task_definition, controller.r#type.as_str()) {
            (Some(reference), _) => Some(
                self.definition(ctx, reference)
                    .filter(|r| r.status() == "ACTIVE")
                    .ok_or_else(|| {
                        EcsError::InvalidParameter("TaskDefinition not found.".into())
                    })?,
            ),
            (None, "EXTERNAL") => None,
            (None, _) => {
                return Err(EcsError::InvalidParameter(
                    "TaskDefinition must be specified.".into(),
                ));
            }
        };
        let desired_count = input.desired_count.unwrap_or(0);
        if desired_count < 0 {
            return Err(EcsError::InvalidParameter(
                "desiredCount must be zero or more.".into(),
            ));
        }
        let capacity = self.resolve_capacity(
            ctx,
            &cluster,
            input.launch_type.as_deref(),
            input.capacity_provider_strategy.as_deref(),
        )?;
        if daemon && capacity.launch_type == "FARGATE" {
            return Err(EcsError::InvalidParameter(
                "The DAEMON scheduling strategy does not support the FARGATE launch type.".into(),
            ));
        }
        check_platform_version(&capacity.launch_type, input.platform_version.as_deref())?;
        let load_balancers = input.load_balancers.clone().unwrap_or_default();
        if let Some(definition) = &definition {
            if definition.network_mode() == Some("awsvpc") && input.network_configuration.is_none()
            {
                return Err(EcsError::InvalidParameter(
                    "Network Configuration must be provided when networkMode 'awsvpc' is specified."
                        .into(),
                ));
            }
            if capacity.launch_type == "FARGATE" && !definition.is_compatible_with("FARGATE") {
                return Err(EcsError::InvalidParameter(
                    "Task definition does not support launch_type FARGATE.".into(),
                ));
            }
            check_load_balancers(&load_balancers, definition)?;
        }
        self.check_service_connect(ctx, &cluster, input.service_connect_configuration.as_ref())?;
        let fargate = capacity.launch_type == "FARGATE";
        let now = self.timestamp();
        let service_arn = ctx.arn(
            "ecs",
            &format!("service/{}/{}", cluster.name(), input.service_name),
        );
        let service = Service {
            service_arn: Some(service_arn),
            service_name: Some(input.service_name.clone()),
            cluster_arn: Some(cluster.arn().to_string()),
            load_balancers: Some(load_balancers),
            service_registries: Some(input.service_registries.unwrap_or_default()),
            status: Some("ACTIVE".into()),
            desired_count: Some(desired_count),
            running_count: Some(0),
            pending_count: Some(0),
            launch_type: capacity
                .explicit_launch_type
                .then(|| capacity.launch_type.clone())
                .or_else(|| {
                    capacity
                        .strategy
                        .is_none()
                        .then(|| capacity.launch_type.clone())
                }),
            capacity_provider_strategy: capacity.strategy.clone(),
            platform_version: fargate.then(|| {
                input
                    .platform_version
                    .clone()
                    .unwrap_or_else(|| "LATEST".into())
            }),
            platform_family: fargate.then(|| "Linux".to_string()),
            task_definition: definition.as_ref().map(|d| d.arn().to_string()),
            deployment_configuration: Some(with_deployment_defaults(
                input.deployment_configuration,
                daemon,
            )),
            task_sets: (controller.r#type != "ECS").then(Vec::new),
            deployments: Some(Vec::new()),
            role_arn: input.role.map(|role| {
                if role.starts_with("arn:") {
                    role
                } else {
                    format!(
                        "arn:aws:iam::{}:role/{}",
                        ctx.account_id,
                        role.trim_start_matches('/')
                    )
                }
            }),
            events: Some(Vec::new()),
            created_at: Some(now),
            placement_constraints: Some(input.placement_constraints.unwrap_or_default()),
            placement_strategy: Some(input.placement_strategy.unwrap_or_default()),
            network_configuration: input.network_configuration,
            health_check_grace_period_seconds: input.health_check_grace_period_seconds,
            scheduling_strategy: Some(strategy),
            deployment_controller: Some(controller.clone()),
            tags: Some(super::tags_or_empty(input.tags)),
            created_by: Some(ctx.caller.arn.clone()),
            enable_ecs_managed_tags: Some(input.enable_ecs_managed_tags.unwrap_or(false)),
            propagate_tags: Some(input.propagate_tags.unwrap_or_else(|| "NONE".into())),
            enable_execute_command: Some(input.enable_execute_command.unwrap_or(false)),
            availability_zone_rebalancing: Some(
                input.availability_zone_rebalancing.unwrap_or_else(|| {
                    if daemon || controller.r#type != "ECS" {
                        "DISABLED".into()
                    } else {
                        "ENABLED".into()
                    }
                }),
            ),
            ..Service::default()
        };
        let key = service_key(&ctx.scope(), cluster.name(), &input.service_name);
        let mut record = ServiceRecord {
            account_id: ctx.account_id.clone(),
            region: ctx.region.clone(),
            cluster_name: cluster.name().to_string(),
            service,
            failures_in_a_row: 0,
            rollouts: BTreeMap::new(),
        };
        match controller.r#type.as_str() {
            "ECS" => {
                let deployment =
                    self.new_deployment(&record, &capacity, input.platform_version.as_deref(), now);
                record.service.deployments = Some(vec![deployment]);
            }
            "CODE_DEPLOY" => {
                // ECS makes the first task set of a CodeDeploy service itself.
                let task_set = self.initial_task_set(
                    ctx,
                    &record,
                    &capacity,
                    input.platform_version.as_deref(),
                )?;
                record.service.task_sets = Some(vec![task_set]);
            }
            _ => {}
        }
        // What a deployment carries beyond the service's own members.
        for deployment in record.service.deployments.iter_mut().flatten() {
            deployment.service_connect_configuration = input.service_connect_configuration.clone();
            deployment.volume_configurations = input.volume_configurations.clone();
            deployment.vpc_lattice_configurations = input.vpc_lattice_configurations.clone();
        }
        let stored = record.clone();
        self.kit.store().transaction(|txn| {
            txn.modify(&self.services, &key, |slot| {
                if slot.as_ref().is_some_and(|s| s.status() != "INACTIVE") {
                    return Err(EcsError::InvalidParameter(
                        "Creation of service was not idempotent.".into(),
                    ));
                }
                *slot = Some(stored.clone());
                Ok(())
            })?;
            Ok::<_, EcsError>(())
        })?;
        if let Some(id) = record.deployments().first().and_then(|d| d.id.clone()) {
            self.start_service_deployment(ctx, &key, &id, None)?;
        }
        self.reconcile(&key).await;
        let record = self.services.get(&key).unwrap_or(record);
        let mut shown = self.service_view(ctx, &record);
        shown.tags = record.service.tags.clone();
        Ok(CreateServiceResponse {
            service: Some(shown),
        })
    }

    /// A new primary deployment of the service's current configuration.
    pub(super) fn new_deployment(
        &self,
        record: &ServiceRecord,
        capacity: &Capacity,
        platform_version: Option<&str>,
        now: sim_aws_shapes::normal::Timestamp,
    ) -> Deployment {
        let id = new_deployment_id(self);
        let fargate = capacity.launch_type == "FARGATE";
        let service = &record.service;
        Deployment {
            rollout_state_reason: Some(format!("ECS deployment {id} in progress.")),
            id: Some(id),
            status: Some("PRIMARY".into()),
            task_definition: service.task_definition.clone(),
            desired_count: Some(service.desired_count.unwrap_or(0)),
            pending_count: Some(0),
            running_count: Some(0),
            failed_tasks: Some(0),
            created_at: Some(now),
            updated_at: Some(now),
            capacity_provider_strategy: capacity.strategy.clone(),
            launch_type: capacity
                .strategy
                .is_none()
                .then(|| capacity.launch_type.clone()),
            platform_version: fargate.then(|| match platform_version {
                None | Some("LATEST") => "1.4.0".to_string(),
                Some(version) => version.to_string(),
            }),
            platform_family: fargate.then(|| "Linux".to_string()),
            network_configuration: service.network_configuration.clone(),
            rollout_state: Some("IN_PROGRESS".into()),
            ..Deployment::default()
        }
    }

    /// Service Connect needs a Cloud Map namespace: the request's, or the cluster's default.
    /// Cloud Map is not simulated, so the namespaces that exist are those clusters were given
    /// as their Service Connect default (ECS creates such a namespace when it is missing).
    fn check_service_connect(
        &self,
        ctx: &Ctx,
        cluster: &ClusterRecord,
        configuration: Option<&sim_aws_shapes::ecs::ServiceConnectConfiguration>,
    ) -> Result<(), EcsError> {
        let Some(configuration) = configuration.filter(|c| c.enabled) else {
            return Ok(());
        };
        let namespace = configuration.namespace.clone().or_else(|| {
            cluster
                .cluster
                .service_connect_defaults
                .as_ref()
                .and_then(|d| d.namespace.clone())
        });
        let Some(namespace) = namespace else {
            return Err(EcsError::InvalidParameter(
                "Service Connect requires a namespace: specify one, or set the cluster's Service Connect defaults.".into(),
            ));
        };
        if self.namespace_exists(ctx, &namespace) {
            Ok(())
        } else {
            Err(EcsError::NamespaceNotFound(format!(
                "Namespace {namespace} not found."
            )))
        }
    }

    fn namespace_exists(&self, ctx: &Ctx, namespace: &str) -> bool {
        self.clusters
            .scan_prefix(&ctx.scope())
            .iter()
            .any(|(_, c)| {
                c.cluster
                    .service_connect_defaults
                    .as_ref()
                    .and_then(|d| d.namespace.as_deref())
                    .is_some_and(|n| n == namespace || name_of(n) == name_of(namespace))
            })
    }

    pub(super) async fn describe_services(
        &self,
        ctx: &Ctx,
        input: DescribeServicesRequest,
    ) -> Result<DescribeServicesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        if input.services.len() > 10 {
            return Err(EcsError::InvalidParameter(
                "services can have at most 10 items.".into(),
            ));
        }
        let with_tags = input
            .include
            .unwrap_or_default()
            .iter()
            .any(|i| i == "TAGS");
        let mut services = Vec::new();
        let mut failures = Vec::new();
        for requested in input.services {
            match self.service_record(ctx, cluster.name(), &requested) {
                Ok(record) => {
                    let mut service = self.service_view(ctx, &record);
                    if !with_tags {
                        service.tags = None;
                    }
                    services.push(service);
                }
                Err(_) => failures.push(Failure {
                    arn: Some(if requested.starts_with("arn:") {
                        requested
                    } else {
                        ctx.arn("ecs", &format!("service/{}/{requested}", cluster.name()))
                    }),
                    reason: Some("MISSING".into()),
                    detail: None,
                }),
            }
        }
        Ok(DescribeServicesResponse {
            services: Some(services),
            failures: Some(failures),
        })
    }

    pub(super) async fn update_service(
        &self,
        ctx: &Ctx,
        input: UpdateServiceRequest,
    ) -> Result<UpdateServiceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let record = self.service_record(ctx, cluster.name(), &input.service)?;
        if record.status() != "ACTIVE" {
            return Err(EcsError::ServiceNotActive("Service was not ACTIVE.".into()));
        }
        let controller = input
            .deployment_controller
            .as_ref()
            .map_or_else(|| record.controller().to_string(), |c| c.r#type.clone());
        if input.task_definition.is_some() && controller != "ECS" {
            return Err(EcsError::InvalidParameter(if controller == "CODE_DEPLOY" {
                "Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.".into()
            } else {
                "Unable to update task definition on services with a EXTERNAL deployment controller. Use CreateTaskSet to deploy a new task definition.".into()
            }));
        }
        let new_definition = match &input.task_definition {
            Some(reference) => Some(
                self.definition(ctx, reference)
                    .filter(|r| r.status() == "ACTIVE")
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
        // The capacity: a strategy given replaces the service's; an empty one returns it to
        // its launch type.
        let capacity = match &input.capacity_provider_strategy {
            Some(strategy) if !strategy.is_empty() => {
                self.resolve_capacity(ctx, &cluster, None, Some(strategy))?
            }
            Some(_) => Capacity {
                launch_type: record
                    .service
                    .launch_type
                    .clone()
                    .unwrap_or_else(|| "EC2".into()),
                strategy: None,
                explicit_launch_type: true,
            },
            None => record.capacity(),
        };
        check_platform_version(&capacity.launch_type, input.platform_version.as_deref())?;
        let definition_for_checks = match &new_definition {
            Some(definition) => Some(definition.clone()),
            None => record
                .service
                .task_definition
                .as_deref()
                .and_then(|arn| self.definition(ctx, arn)),
        };
        if let (Some(definition), Some(load_balancers)) =
            (&definition_for_checks, &input.load_balancers)
        {
            check_load_balancers(load_balancers, definition)?;
        }
        self.check_service_connect(ctx, &cluster, input.service_connect_configuration.as_ref())?;
        let now = self.timestamp();
        let key = service_key(&ctx.scope(), cluster.name(), record.name());
        let changes_definition = new_definition
            .as_ref()
            .is_some_and(|d| Some(d.arn()) != record.service.task_definition.as_deref());
        let redeploys = controller == "ECS"
            && (changes_definition
                || input.force_new_deployment.unwrap_or(false)
                || input.network_configuration.is_some()
                || input.platform_version.is_some()
                || input.load_balancers.is_some()
                || input.service_registries.is_some()
                || input.service_connect_configuration.is_some()
                || input.volume_configurations.is_some()
                || input.vpc_lattice_configurations.is_some());
        let mut new_id = None;
        let updated = self.services.update(&key, |record| {
            let service = &mut record.service;
            if let Some(count) = input.desired_count {
                service.desired_count = Some(count);
            }
            if let Some(configuration) = input.deployment_configuration {
                service.deployment_configuration = Some(with_deployment_defaults(
                    Some(configuration),
                    record_is_daemon(service),
                ));
            }
            if let Some(rebalancing) = input.availability_zone_rebalancing {
                service.availability_zone_rebalancing = Some(rebalancing);
            }
            if let Some(network) = input.network_configuration {
                service.network_configuration = Some(network);
            }
            if let Some(constraints) = input.placement_constraints {
                service.placement_constraints = Some(constraints);
            }
            if let Some(strategy) = input.placement_strategy {
                service.placement_strategy = Some(strategy);
            }
            if input.capacity_provider_strategy.is_some() {
                service.capacity_provider_strategy = capacity.strategy.clone();
                service.launch_type = capacity
                    .strategy
                    .is_none()
                    .then(|| capacity.launch_type.clone());
            }
            if let Some(version) = &input.platform_version {
                service.platform_version = Some(version.clone());
            }
            if let Some(seconds) = input.health_check_grace_period_seconds {
                service.health_check_grace_period_seconds = Some(seconds);
            }
            if let Some(controller) = input.deployment_controller {
                service.deployment_controller = Some(controller);
            }
            if let Some(enable) = input.enable_execute_command {
                service.enable_execute_command = Some(enable);
            }
            if let Some(enable) = input.enable_ecs_managed_tags {
                service.enable_ecs_managed_tags = Some(enable);
            }
            if let Some(load_balancers) = input.load_balancers {
                service.load_balancers = Some(load_balancers);
            }
            if let Some(propagate) = input.propagate_tags {
                service.propagate_tags = Some(propagate);
            }
            if let Some(registries) = input.service_registries {
                service.service_registries = Some(registries);
            }
            if let Some(definition) = &new_definition {
                service.task_definition = Some(definition.arn().to_string());
            }
            if redeploys {
                let mut deployment = self.new_deployment(
                    record,
                    &capacity,
                    record.service.platform_version.clone().as_deref(),
                    now,
                );
                deployment.service_connect_configuration =
                    input.service_connect_configuration.clone().or_else(|| {
                        record
                            .deployments()
                            .first()
                            .and_then(|d| d.service_connect_configuration.clone())
                    });
                deployment.volume_configurations =
                    input.volume_configurations.clone().or_else(|| {
                        record
                            .deployments()
                            .first()
                            .and_then(|d| d.volume_configurations.clone())
                    });
                deployment.vpc_lattice_configurations =
                    input.vpc_lattice_configurations.clone().or_else(|| {
                        record
                            .deployments()
                            .first()
                            .and_then(|d| d.vpc_lattice_configurations.clone())
                    });
                let service = &mut record.service;
                for older in service.deployments.iter_mut().flatten() {
                    older.status = Some("ACTIVE".into());
                    older.updated_at = Some(now);
                }
                new_id = deployment.id.clone();
                service
                    .deployments
                    .get_or_insert_with(Vec::new)
                    .insert(0, deployment);
            }
            let desired = record.service.desired_count;
            if let Some(primary) = record.service.deployments.iter_mut().flatten().next() {
                primary.desired_count = desired;
                primary.updated_at = Some(now);
            }
            record.clone()
        })?;
        let record = updated.ok_or_else(EcsError::service_not_found)?;
        if let Some(id) = new_id {
            self.start_service_deployment(ctx, &key, &id, None)?;
        }
        self.reconcile(&key).await;
        let record = self.services.get(&key).unwrap_or(record);
        Ok(UpdateServiceResponse {
            service: Some(self.service_view(ctx, &record)),
        })
    }

    pub(super) async fn delete_service(
        &self,
        ctx: &Ctx,
        input: DeleteServiceRequest,
    ) -> Result<DeleteServiceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let record = self.service_record(ctx, cluster.name(), &input.service)?;
        if record.status() == "INACTIVE" {
            return Err(EcsError::ServiceNotActive("Service was not ACTIVE.".into()));
        }
        if !record.is_daemon()
            && record.service.desired_count.unwrap_or(0) > 0
            && !input.force.unwrap_or(false)
        {
            return Err(EcsError::InvalidParameter(
                "The service cannot be stopped while it is scaled above 0.".into(),
            ));
        }
        let key = service_key(&ctx.scope(), cluster.name(), record.name());
        let draining = self
            .services
            .update(&key, |record| {
                record.service.status = Some("DRAINING".into());
                record.service.desired_count = Some(0);
                for deployment in record.service.deployments.iter_mut().flatten() {
                    deployment.desired_count = Some(0);
                }
                for task_set in record.service.task_sets.iter_mut().flatten() {
                    task_set.status = Some("DRAINING".into());
                    task_set.computed_desired_count = Some(0);
                }
                record.clone()
            })?
            .ok_or_else(EcsError::service_not_found)?;
        let response = self.service_view(ctx, &draining);
        self.reconcile(&key).await;
        Ok(DeleteServiceResponse {
            service: Some(response),
        })
    }

    pub(super) async fn list_services(
        &self,
        ctx: &Ctx,
        input: ListServicesRequest,
    ) -> Result<ListServicesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let items = self
            .services
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.name()))
            .into_iter()
            .filter(|(_, r)| r.status() != "INACTIVE")
            .filter(|(_, r)| {
                input
                    .launch_type
                    .as_deref()
                    .is_none_or(|l| r.capacity().launch_type == l)
            })
            .filter(|(_, r)| {
                input
                    .scheduling_strategy
                    .as_deref()
                    .is_none_or(|s| r.service.scheduling_strategy.as_deref() == Some(s))
            })
            .filter(|(_, r)| {
                input.resource_management_type.as_deref().is_none_or(|t| {
                    r.service
                        .resource_management_type
                        .as_deref()
                        .unwrap_or("CUSTOMER")
                        == t
                })
            })
            .map(|(key, r)| (key, r.arn().to_string()))
            .collect();
        let (service_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListServicesResponse {
            service_arns: Some(service_arns),
            next_token,
        })
    }

    pub(super) async fn list_services_by_namespace(
        &self,
        ctx: &Ctx,
        input: ListServicesByNamespaceRequest,
    ) -> Result<ListServicesByNamespaceResponse, EcsError> {
        if !self.namespace_exists(ctx, &input.namespace) {
            return Err(EcsError::NamespaceNotFound(format!(
                "Namespace {} not found.",
                input.namespace
            )));
        }
        let clusters: BTreeMap<String, ClusterRecord> = self
            .clusters
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, c)| (c.name().to_string(), c))
            .collect();
        let matches = |namespace: &str| {
            namespace == input.namespace || name_of(namespace) == name_of(&input.namespace)
        };
        let items = self
            .services
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, r)| r.status() == "ACTIVE")
            .filter(|(_, r)| {
                let connect = r
                    .deployments()
                    .first()
                    .and_then(|d| d.service_connect_configuration.clone())
                    .filter(|c| c.enabled);
                let Some(connect) = connect else {
                    return false;
                };
                let namespace = connect.namespace.or_else(|| {
                    clusters
                        .get(&r.cluster_name)
                        .and_then(|c| c.cluster.service_connect_defaults.as_ref())
                        .and_then(|d| d.namespace.clone())
                });
                namespace.as_deref().is_some_and(matches)
            })
            .map(|(key, r)| (key, r.arn().to_string()))
            .collect();
        let (service_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListServicesByNamespaceResponse {
            service_arns: Some(service_arns),
            next_token,
        })
    }
}

fn record_is_daemon(service: &Service) -> bool {
    service.scheduling_strategy.as_deref() == Some("DAEMON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_defaults_fill_what_was_left_out() {
        let given = DeploymentConfiguration {
            maximum_percent: Some(150),
            ..DeploymentConfiguration::default()
        };
        let filled = with_deployment_defaults(Some(given), false);
        assert_eq!(filled.maximum_percent, Some(150));
        assert_eq!(filled.minimum_healthy_percent, Some(100));
        assert_eq!(
            filled.deployment_circuit_breaker,
            Some(DeploymentCircuitBreaker {
                enable: false,
                rollback: false
            })
        );
        let daemon = with_deployment_defaults(None, true);
        assert_eq!(
            (daemon.maximum_percent, daemon.minimum_healthy_percent),
            (Some(100), Some(0))
        );
    }
}
