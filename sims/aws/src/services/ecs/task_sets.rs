//! Task sets: the units of an EXTERNAL deployment controller's deployments (and the ones ECS
//! makes for a CODE_DEPLOY service). Each is a task definition run at a *scale*, a percentage of
//! the service's desired count; the scheduler keeps each at its computed count, and one of them
//! is the service's PRIMARY task set. They are stored in their service's record, where
//! DescribeServices shows them too.

use sim_aws_shapes::ecs::{
    AwsVpcConfiguration, CreateTaskSetRequest, CreateTaskSetResponse, DeleteTaskSetRequest,
    DeleteTaskSetResponse, DescribeTaskSetsRequest, DescribeTaskSetsResponse, Failure,
    NetworkConfiguration, Scale, TaskSet, UpdateServicePrimaryTaskSetRequest,
    UpdateServicePrimaryTaskSetResponse, UpdateTaskSetRequest, UpdateTaskSetResponse,
};

use super::capacity_providers::Capacity;
use super::clusters::ClusterRecord;
use super::services::{ServiceRecord, new_deployment_id, service_key};
use super::{Ecs, EcsError};
use crate::services::Ctx;

/// The tasks a task set keeps: its scale's share of the service's desired count, rounded up.
pub(super) fn computed_desired(desired: i32, scale: Option<&Scale>) -> i32 {
    let percent = scale.and_then(|s| s.value).unwrap_or(0.0).clamp(0.0, 100.0);
    (f64::from(desired.max(0)) * percent / 100.0).ceil() as i32
}

/// A task set a request names: its ARN, `ecs-svc/ID`, or the ID's digits.
fn names_task_set(task_set: &TaskSet, reference: &str) -> bool {
    let id = task_set.id.as_deref().unwrap_or_default();
    task_set.task_set_arn.as_deref() == Some(reference)
        || id == reference
        || id.strip_prefix("ecs-svc/") == Some(reference)
}

/// ECS fills in `assignPublicIp` of a task set's awsvpc configuration.
fn with_network_defaults(network: Option<NetworkConfiguration>) -> Option<NetworkConfiguration> {
    network.map(|network| NetworkConfiguration {
        awsvpc_configuration: network.awsvpc_configuration.map(|vpc| AwsVpcConfiguration {
            assign_public_ip: vpc.assign_public_ip.or_else(|| Some("DISABLED".into())),
            ..vpc
        }),
    })
}

fn not_found() -> EcsError {
    EcsError::TaskSetNotFound("The specified task set does not exist.".into())
}

impl Ecs {
    /// The service a task set request names, which must be active.
    fn task_set_service(
        &self,
        ctx: &Ctx,
        cluster: &str,
        service: &str,
    ) -> Result<(ClusterRecord, ServiceRecord), EcsError> {
        let cluster = self.cluster(ctx, Some(cluster))?;
        let record = self.service_record(ctx, cluster.name(), service)?;
        if record.status() != "ACTIVE" {
            return Err(EcsError::ServiceNotActive("Service was not ACTIVE.".into()));
        }
        Ok((cluster, record))
    }

    /// A new task set of `record` from its parts, not yet stored.
    fn new_task_set(
        &self,
        ctx: &Ctx,
        record: &ServiceRecord,
        definition: &str,
        capacity: &Capacity,
        platform_version: Option<&str>,
        scale: Scale,
    ) -> TaskSet {
        let id = new_deployment_id(self);
        let now = self.timestamp();
        let fargate = capacity.launch_type == "FARGATE";
        TaskSet {
            task_set_arn: Some(ctx.arn(
                "ecs",
                &format!("task-set/{}/{}/{id}", record.cluster_name, record.name()),
            )),
            id: Some(id),
            service_arn: Some(record.arn().to_string()),
            cluster_arn: record.service.cluster_arn.clone(),
            status: Some("ACTIVE".into()),
            task_definition: Some(definition.to_string()),
            computed_desired_count: Some(computed_desired(
                record.service.desired_count.unwrap_or(0),
                Some(&scale),
            )),
            pending_count: Some(0),
            running_count: Some(0),
            created_at: Some(now),
            updated_at: Some(now),
            launch_type: capacity
                .strategy
                .is_none()
                .then(|| capacity.launch_type.clone()),
            capacity_provider_strategy: capacity.strategy.clone(),
            platform_version: fargate.then(|| platform_version.unwrap_or("LATEST").to_string()),
            platform_family: fargate.then(|| "Linux".to_string()),
            network_configuration: with_network_defaults(
                record.service.network_configuration.clone(),
            ),
            load_balancers: Some(record.service.load_balancers.clone().unwrap_or_default()),
            service_registries: Some(
                record
                    .service
                    .service_registries
                    .clone()
                    .unwrap_or_default(),
            ),
            scale: Some(scale),
            stability_status: Some("STABILIZING".into()),
            stability_status_at: Some(now),
            ..TaskSet::default()
        }
    }

    /// The PRIMARY task set ECS makes when a CODE_DEPLOY service is created.
    pub(super) fn initial_task_set(
        &self,
        ctx: &Ctx,
        record: &ServiceRecord,
        capacity: &Capacity,
        platform_version: Option<&str>,
    ) -> Result<TaskSet, EcsError> {
        let definition = record.service.task_definition.clone().ok_or_else(|| {
            EcsError::InvalidParameter("TaskDefinition must be specified.".into())
        })?;
        let scale = Scale {
            value: Some(100.0),
            unit: Some("PERCENT".into()),
        };
        let mut task_set =
            self.new_task_set(ctx, record, &definition, capacity, platform_version, scale);
        task_set.status = Some("PRIMARY".into());
        Ok(task_set)
    }

    pub(super) async fn create_task_set(
        &self,
        ctx: &Ctx,
        input: CreateTaskSetRequest,
    ) -> Result<CreateTaskSetResponse, EcsError> {
        let (cluster, record) = self.task_set_service(ctx, &input.cluster, &input.service)?;
        if record.controller() != "EXTERNAL" {
            return Err(EcsError::InvalidParameter(
                "Amazon ECS only supports task set management on services configured to use external deployment controllers.".into(),
            ));
        }
        let definition = self
            .definition(ctx, &input.task_definition)
            .filter(|d| d.status() == "ACTIVE")
            .ok_or_else(|| EcsError::Client("TaskDefinition not found.".into()))?;
        let capacity = match (&input.launch_type, &input.capacity_provider_strategy) {
            (None, None) => record.capacity(),
            (launch_type, strategy) => {
                self.resolve_capacity(ctx, &cluster, launch_type.as_deref(), strategy.as_deref())?
            }
        };
        super::tasks::check_platform_version(
            &capacity.launch_type,
            input.platform_version.as_deref(),
        )?;
        if capacity.launch_type == "FARGATE" && !definition.is_compatible_with("FARGATE") {
            return Err(EcsError::InvalidParameter(
                "Task definition does not support launch_type FARGATE.".into(),
            ));
        }
        let network = input
            .network_configuration
            .clone()
            .or_else(|| record.service.network_configuration.clone());
        if definition.network_mode() == Some("awsvpc") && network.is_none() {
            return Err(EcsError::InvalidParameter(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified."
                    .into(),
            ));
        }
        let scale = input.scale.unwrap_or(Scale {
            value: Some(0.0),
            unit: Some("PERCENT".into()),
        });
        let mut task_set = self.new_task_set(
            ctx,
            &record,
            definition.arn(),
            &capacity,
            input.platform_version.as_deref(),
            scale,
        );
        task_set.network_configuration = with_network_defaults(network);
        if let Some(load_balancers) = input.load_balancers {
            task_set.load_balancers = Some(load_balancers);
        }
        if let Some(registries) = input.service_registries {
            task_set.service_registries = Some(registries);
        }
        task_set.external_id = input.external_id;
        task_set.tags = Some(super::tags_or_empty(input.tags));
        let key = service_key(&ctx.scope(), cluster.name(), record.name());
        self.services
            .update(&key, |record| {
                record
                    .service
                    .task_sets
                    .get_or_insert_with(Vec::new)
                    .push(task_set.clone());
            })?
            .ok_or_else(EcsError::service_not_found)?;
        self.reconcile(&key).await;
        Ok(CreateTaskSetResponse {
            task_set: Some(task_set),
        })
    }

    /// A service's task sets as they are shown now.
    fn task_sets_of(&self, ctx: &Ctx, key: &str) -> Result<Vec<TaskSet>, EcsError> {
        let record = self
            .services
            .get(key)
            .ok_or_else(EcsError::service_not_found)?;
        Ok(self
            .service_view(ctx, &record)
            .task_sets
            .unwrap_or_default())
    }

    pub(super) async fn describe_task_sets(
        &self,
        ctx: &Ctx,
        input: DescribeTaskSetsRequest,
    ) -> Result<DescribeTaskSetsResponse, EcsError> {
        let (cluster, record) = self.task_set_service(ctx, &input.cluster, &input.service)?;
        let with_tags = input
            .include
            .unwrap_or_default()
            .iter()
            .any(|i| i == "TAGS");
        let key = service_key(&ctx.scope(), cluster.name(), record.name());
        let all = self.task_sets_of(ctx, &key)?;
        let mut task_sets = Vec::new();
        let mut failures = Vec::new();
        match input.task_sets {
            Some(wanted) if !wanted.is_empty() => {
                for reference in wanted {
                    match all.iter().find(|t| names_task_set(t, &reference)) {
                        Some(task_set) => task_sets.push(task_set.clone()),
                        None => failures.push(Failure {
                            arn: Some(reference),
                            reason: Some("MISSING".into()),
                            detail: None,
                        }),
                    }
                }
            }
            _ => task_sets = all,
        }
        if !with_tags {
            for task_set in &mut task_sets {
                task_set.tags = None;
            }
        }
        Ok(DescribeTaskSetsResponse {
            task_sets: Some(task_sets),
            failures: Some(failures),
        })
    }

    pub(super) async fn update_task_set(
        &self,
        ctx: &Ctx,
        input: UpdateTaskSetRequest,
    ) -> Result<UpdateTaskSetResponse, EcsError> {
        let (cluster, record) = self.task_set_service(ctx, &input.cluster, &input.service)?;
        let key = service_key(&ctx.scope(), cluster.name(), record.name());
        let now = self.timestamp();
        let found = self
            .services
            .update(&key, |record| {
                let desired = record.service.desired_count.unwrap_or(0);
                let task_set = record.service.task_sets.iter_mut().flatten().find(|t| {
                    names_task_set(t, &input.task_set) && t.status.as_deref() != Some("DRAINING")
                })?;
                task_set.computed_desired_count =
                    Some(computed_desired(desired, Some(&input.scale)));
                task_set.scale = Some(input.scale.clone());
                task_set.updated_at = Some(now);
                task_set.id.clone()
            })?
            .flatten()
            .ok_or_else(not_found)?;
        self.reconcile(&key).await;
        let task_set = self
            .task_sets_of(ctx, &key)?
            .into_iter()
            .find(|t| t.id.as_deref() == Some(found.as_str()))
            .ok_or_else(not_found)?;
        Ok(UpdateTaskSetResponse {
            task_set: Some(task_set),
        })
    }

    pub(super) async fn delete_task_set(
        &self,
        ctx: &Ctx,
        input: DeleteTaskSetRequest,
    ) -> Result<DeleteTaskSetResponse, EcsError> {
        let (cluster, record) = self.task_set_service(ctx, &input.cluster, &input.service)?;
        let key = service_key(&ctx.scope(), cluster.name(), record.name());
        let current = self
            .task_sets_of(ctx, &key)?
            .into_iter()
            .find(|t| names_task_set(t, &input.task_set) && t.status.as_deref() != Some("DRAINING"))
            .ok_or_else(not_found)?;
        let scaled_up = current.computed_desired_count.unwrap_or(0) > 0
            || current.running_count.unwrap_or(0) + current.pending_count.unwrap_or(0) > 0;
        if scaled_up && !input.force.unwrap_or(false) {
            return Err(EcsError::InvalidParameter(
                "The specified task set has not been scaled down to zero. Scale it to zero or use force to delete it.".into(),
            ));
        }
        let now = self.timestamp();
        let id = current.id.clone();
        self.services.update(&key, |record| {
            for task_set in record.service.task_sets.iter_mut().flatten() {
                if task_set.id == id {
                    task_set.status = Some("DRAINING".into());
                    task_set.computed_desired_count = Some(0);
                    task_set.scale = Some(Scale {
                        value: Some(0.0),
                        unit: Some("PERCENT".into()),
                    });
                    task_set.updated_at = Some(now);
                }
            }
        })?;
        let answered = TaskSet {
            status: Some("DRAINING".into()),
            computed_desired_count: Some(0),
            scale: Some(Scale {
                value: Some(0.0),
                unit: Some("PERCENT".into()),
            }),
            updated_at: Some(now),
            tags: None,
            ..current
        };
        self.reconcile(&key).await;
        Ok(DeleteTaskSetResponse {
            task_set: Some(answered),
        })
    }

    pub(super) async fn update_service_primary_task_set(
        &self,
        ctx: &Ctx,
        input: UpdateServicePrimaryTaskSetRequest,
    ) -> Result<UpdateServicePrimaryTaskSetResponse, EcsError> {
        let (cluster, record) = self.task_set_service(ctx, &input.cluster, &input.service)?;
        if record.controller() != "EXTERNAL" {
            return Err(EcsError::InvalidParameter(
                "Amazon ECS only supports task set management on services configured to use external deployment controllers.".into(),
            ));
        }
        let key = service_key(&ctx.scope(), cluster.name(), record.name());
        let now = self.timestamp();
        let primary = self
            .services
            .update(&key, |record| {
                let service = &mut record.service;
                let chosen = service
                    .task_sets
                    .iter()
                    .flatten()
                    .find(|t| {
                        names_task_set(t, &input.primary_task_set)
                            && t.status.as_deref() != Some("DRAINING")
                    })
                    .cloned()?;
                for task_set in service.task_sets.iter_mut().flatten() {
                    if task_set.id == chosen.id {
                        task_set.status = Some("PRIMARY".into());
                        task_set.updated_at = Some(now);
                    } else if task_set.status.as_deref() == Some("PRIMARY") {
                        task_set.status = Some("ACTIVE".into());
                        task_set.updated_at = Some(now);
                    }
                }
                // What the primary task set runs becomes the service's.
                service.task_definition = chosen.task_definition.clone();
                service.launch_type = chosen.launch_type.clone();
                service.capacity_provider_strategy = chosen.capacity_provider_strategy.clone();
                service.platform_version = chosen.platform_version.clone();
                service.network_configuration = chosen.network_configuration.clone();
                service.load_balancers = chosen.load_balancers.clone();
                service.service_registries = chosen.service_registries.clone();
                chosen.id
            })?
            .flatten()
            .ok_or_else(not_found)?;
        let task_set = self
            .task_sets_of(ctx, &key)?
            .into_iter()
            .find(|t| t.id.as_deref() == Some(primary.as_str()))
            .ok_or_else(not_found)?;
        Ok(UpdateServicePrimaryTaskSetResponse {
            task_set: Some(TaskSet {
                tags: None,
                ..task_set
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_counts_round_up() {
        let scale = |value: f64| Scale {
            value: Some(value),
            unit: Some("PERCENT".into()),
        };
        assert_eq!(computed_desired(4, Some(&scale(50.0))), 2);
        assert_eq!(computed_desired(3, Some(&scale(50.0))), 2);
        assert_eq!(computed_desired(3, Some(&scale(0.0))), 0);
        assert_eq!(computed_desired(3, Some(&scale(100.0))), 3);
        assert_eq!(computed_desired(3, None), 0);
    }

    #[test]
    fn task_sets_are_named_three_ways() {
        let task_set = TaskSet {
            id: Some("ecs-svc/123".into()),
            task_set_arn: Some("arn:aws:ecs:r:a:task-set/c/s/ecs-svc/123".into()),
            ..TaskSet::default()
        };
        assert!(names_task_set(
            &task_set,
            "arn:aws:ecs:r:a:task-set/c/s/ecs-svc/123"
        ));
        assert!(names_task_set(&task_set, "ecs-svc/123"));
        assert!(names_task_set(&task_set, "123"));
        assert!(!names_task_set(&task_set, "124"));
    }
}
