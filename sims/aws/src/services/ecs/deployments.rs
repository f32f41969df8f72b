//! Service deployments and service revisions: the history ECS keeps of each change to a
//! service. Every deployment the scheduler runs for an ECS-controlled service has a *service
//! revision* (an immutable snapshot of what it deploys) and a *service deployment* (its
//! progress: IN_PROGRESS, then SUCCESSFUL, STOPPED when a newer one replaces it, or the
//! ROLLBACK_* states). StopServiceDeployment rolls a deployment back to the revision it
//! replaced; ContinueServiceDeployment acts on a lifecycle hook, which only deployments that
//! pause at a hook have.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecs::{
    ContainerImage, ContinueServiceDeploymentRequest, ContinueServiceDeploymentResponse,
    DescribeServiceDeploymentsRequest, DescribeServiceDeploymentsResponse,
    DescribeServiceRevisionsRequest, DescribeServiceRevisionsResponse,
    ListServiceDeploymentsRequest, ListServiceDeploymentsResponse, Rollback,
    ServiceConnectConfiguration, ServiceDeployment, ServiceDeploymentAlarms,
    ServiceDeploymentBrief, ServiceDeploymentCircuitBreaker, ServiceRevision,
    ServiceRevisionSummary, StopServiceDeploymentRequest, StopServiceDeploymentResponse,
};
use sim_aws_shapes::normal::Timestamp;

use super::services::{Rollout, ServiceRecord, service_key};
use super::task_definitions::invert;
use super::{Ecs, EcsError, page};
use crate::services::Ctx;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceDeploymentRecord {
    pub cluster_name: String,
    pub service_name: String,
    /// The scheduler's deployment that carries it out (the tasks' `startedBy`).
    pub deployment_id: String,
    /// The revisions it replaces, with the deployments that ran them.
    pub sources: Vec<(String, String)>,
    pub service_deployment: ServiceDeployment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRevisionRecord {
    pub service_revision: ServiceRevision,
}

/// The statuses of a deployment that is still going.
const UNDER_WAY: [&str; 4] = [
    "PENDING",
    "IN_PROGRESS",
    "ROLLBACK_REQUESTED",
    "ROLLBACK_IN_PROGRESS",
];

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `arn:...:service-deployment/cluster/service/ID` → its store key.
fn key_of_arn(ctx: &Ctx, arn: &str, kind: &str) -> Option<String> {
    let prefix = format!("arn:aws:ecs:{}:{}:{kind}/", ctx.region, ctx.account_id);
    let path = arn.strip_prefix(&prefix)?;
    (path.split('/').count() == 3).then(|| format!("{}{path}", ctx.scope()))
}

impl Ecs {
    /// Records the service deployment and revision of the service's deployment `id` (the
    /// primary one, just made), and stops the service deployments it replaces.
    pub(super) fn start_service_deployment(
        &self,
        ctx: &Ctx,
        service_key_: &str,
        id: &str,
        rollback_of: Option<&str>,
    ) -> Result<(), EcsError> {
        let Some(record) = self.services.get(service_key_) else {
            return Ok(());
        };
        let Some(deployment) = record
            .deployments()
            .iter()
            .find(|d| d.id.as_deref() == Some(id))
            .cloned()
        else {
            return Ok(());
        };
        let cluster = &record.cluster_name;
        let service = record.name().to_string();
        let now = self.timestamp();
        let revision_id = self.kit.ids().random_word(b"0123456789", 19);
        let revision_arn = ctx.arn(
            "ecs",
            &format!("service-revision/{cluster}/{service}/{revision_id}"),
        );
        let container_images = deployment
            .task_definition
            .as_deref()
            .and_then(|arn| self.definition(ctx, arn))
            .map(|definition| {
                definition
                    .containers()
                    .iter()
                    .map(|c| ContainerImage {
                        container_name: c.name.clone(),
                        image_digest: None,
                        image: c.image.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let revision = ServiceRevision {
            service_revision_arn: Some(revision_arn.clone()),
            service_arn: Some(record.arn().to_string()),
            cluster_arn: record.service.cluster_arn.clone(),
            task_definition: deployment.task_definition.clone(),
            capacity_provider_strategy: deployment.capacity_provider_strategy.clone(),
            launch_type: deployment.launch_type.clone(),
            platform_version: deployment.platform_version.clone(),
            platform_family: deployment.platform_family.clone(),
            load_balancers: Some(record.service.load_balancers.clone().unwrap_or_default()),
            service_registries: Some(
                record
                    .service
                    .service_registries
                    .clone()
                    .unwrap_or_default(),
            ),
            network_configuration: deployment.network_configuration.clone(),
            container_images: Some(container_images),
            guard_duty_enabled: Some(false),
            service_connect_configuration: Some(
                deployment.service_connect_configuration.clone().unwrap_or(
                    ServiceConnectConfiguration {
                        enabled: false,
                        ..ServiceConnectConfiguration::default()
                    },
                ),
            ),
            volume_configurations: deployment.volume_configurations.clone(),
            created_at: Some(now),
            vpc_lattice_configurations: deployment.vpc_lattice_configurations.clone(),
            ..ServiceRevision::default()
        };
        // What it replaces: the revisions of the service's other deployments.
        let sources: Vec<(String, String)> = record
            .deployments()
            .iter()
            .filter(|d| d.id.as_deref() != Some(id))
            .filter_map(|d| {
                let other = d.id.clone()?;
                let rollout = record.rollouts.get(&other)?;
                Some((rollout.service_revision_arn.clone(), other))
            })
            .collect();
        let configuration = record.service.deployment_configuration.clone();
        let breaker = configuration
            .as_ref()
            .and_then(|c| c.deployment_circuit_breaker.clone())
            .filter(|b| b.enable);
        let alarms = configuration
            .as_ref()
            .and_then(|c| c.alarms.clone())
            .filter(|a| a.enable);
        let deployment_id = self.kit.ids().random_word(ALPHANUMERIC, 21);
        let deployment_arn = ctx.arn(
            "ecs",
            &format!("service-deployment/{cluster}/{service}/{deployment_id}"),
        );
        let threshold =
            super::scheduler::circuit_breaker_threshold(record.service.desired_count.unwrap_or(0));
        let service_deployment = ServiceDeployment {
            service_deployment_arn: Some(deployment_arn.clone()),
            service_arn: Some(record.arn().to_string()),
            cluster_arn: record.service.cluster_arn.clone(),
            created_at: Some(now),
            started_at: Some(now),
            updated_at: Some(now),
            source_service_revisions: Some(Vec::new()),
            target_service_revision: Some(ServiceRevisionSummary {
                arn: Some(revision_arn.clone()),
                ..ServiceRevisionSummary::default()
            }),
            status: Some("IN_PROGRESS".into()),
            deployment_configuration: configuration,
            deployment_circuit_breaker: Some(match &breaker {
                Some(_) => ServiceDeploymentCircuitBreaker {
                    status: Some("MONITORING".into()),
                    failure_count: Some(0),
                    threshold: Some(threshold),
                },
                None => ServiceDeploymentCircuitBreaker {
                    status: Some("DISABLED".into()),
                    ..ServiceDeploymentCircuitBreaker::default()
                },
            }),
            alarms: Some(match alarms {
                Some(alarms) => ServiceDeploymentAlarms {
                    status: Some("MONITORING".into()),
                    alarm_names: Some(alarms.alarm_names),
                    triggered_alarm_names: Some(Vec::new()),
                },
                None => ServiceDeploymentAlarms {
                    status: Some("DISABLED".into()),
                    ..ServiceDeploymentAlarms::default()
                },
            }),
            ..ServiceDeployment::default()
        };
        let deployment_key = format!("{}{cluster}/{service}/{deployment_id}", ctx.scope());
        let revision_key = format!("{}{cluster}/{service}/{revision_id}", ctx.scope());
        self.kit.store().transaction(|txn| {
            txn.insert(
                &self.service_revisions,
                &revision_key,
                ServiceRevisionRecord {
                    service_revision: revision,
                },
            )?;
            match rollback_of {
                // A rollback belongs to the deployment it rolls back.
                Some(rolled_back) => {
                    txn.update(&self.services, service_key_, |record| {
                        record.rollouts.insert(
                            id.to_string(),
                            Rollout {
                                service_deployment_arn: rolled_back.to_string(),
                                service_revision_arn: revision_arn.clone(),
                                rolls_back: true,
                            },
                        );
                    })?;
                }
                None => {
                    // The deployments it replaces stop where they are.
                    let prefix = format!("{}{cluster}/{service}/", ctx.scope());
                    for (key, mut older) in txn.scan_prefix(&self.service_deployments, &prefix)? {
                        let status = older.service_deployment.status.as_deref().unwrap_or_default();
                        if UNDER_WAY.contains(&status) {
                            older.service_deployment.status = Some("STOPPED".into());
                            older.service_deployment.status_reason =
                                Some("Service deployment stopped because a newer service deployment started.".into());
                            older.service_deployment.stopped_at = Some(now);
                            older.service_deployment.updated_at = Some(now);
                            txn.insert(&self.service_deployments, &key, older)?;
                        }
                    }
                    txn.insert(
                        &self.service_deployments,
                        &deployment_key,
                        ServiceDeploymentRecord {
                            cluster_name: cluster.clone(),
                            service_name: service.clone(),
                            deployment_id: id.to_string(),
                            sources: sources.clone(),
                            service_deployment,
                        },
                    )?;
                    txn.update(&self.services, service_key_, |record| {
                        record.rollouts.insert(
                            id.to_string(),
                            Rollout {
                                service_deployment_arn: deployment_arn.clone(),
                                service_revision_arn: revision_arn.clone(),
                                rolls_back: false,
                            },
                        );
                    })?;
                }
            }
            Ok::<_, EcsError>(())
        })
    }

    /// Marks the service deployment of deployment `id` finished: successful (or a successful
    /// rollback), or failed by the circuit breaker.
    pub(super) fn finish_service_deployment(
        &self,
        ctx: &Ctx,
        record: &ServiceRecord,
        id: &str,
        succeeded: bool,
    ) {
        let Some(rollout) = record.rollouts.get(id) else {
            return;
        };
        let Some(key) = key_of_arn(ctx, &rollout.service_deployment_arn, "service-deployment")
        else {
            return;
        };
        let now = self.timestamp();
        let rolls_back = rollout.rolls_back;
        let result = self.service_deployments.update(&key, |record| {
            let deployment = &mut record.service_deployment;
            deployment.status = Some(
                match (succeeded, rolls_back) {
                    (true, false) => "SUCCESSFUL",
                    (true, true) => "ROLLBACK_SUCCESSFUL",
                    (false, true) => "ROLLBACK_FAILED",
                    (false, false) => "STOPPED",
                }
                .into(),
            );
            if !succeeded {
                deployment.status_reason =
                    Some("ECS deployment circuit breaker: tasks failed to start.".into());
                if let Some(breaker) = deployment.deployment_circuit_breaker.as_mut() {
                    breaker.status = Some("TRIGGERED".into());
                    breaker.failure_count = breaker.threshold;
                }
            } else if let Some(breaker) = deployment.deployment_circuit_breaker.as_mut()
                && breaker.status.as_deref() == Some("MONITORING")
            {
                breaker.status = Some("MONITORING_COMPLETE".into());
            }
            deployment.finished_at = Some(now);
            deployment.updated_at = Some(now);
        });
        if let Err(error) = result {
            tracing::warn!(%error, "could not record a finished service deployment");
        }
    }

    /// Rolls the service deployment `arn` back to the revision it replaced: a new deployment
    /// of that revision becomes the service's primary one.
    pub(super) fn roll_back(
        &self,
        ctx: &Ctx,
        service_key_: &str,
        arn: &str,
        reason: &str,
    ) -> Result<(), EcsError> {
        let key = key_of_arn(ctx, arn, "service-deployment").ok_or_else(|| {
            EcsError::ServiceDeploymentNotFound("The service deployment was not found.".into())
        })?;
        let record = self.service_deployments.get(&key).ok_or_else(|| {
            EcsError::ServiceDeploymentNotFound("The service deployment was not found.".into())
        })?;
        let Some((source_arn, _)) = record.sources.first().cloned() else {
            return Err(EcsError::Conflict {
                message: "The service deployment has no previous service revision to roll back to."
                    .into(),
                resource_ids: vec![arn.to_string()],
            });
        };
        let revision = self
            .service_revisions
            .get(&key_of_arn(ctx, &source_arn, "service-revision").unwrap_or_default())
            .map(|r| r.service_revision)
            .ok_or_else(|| EcsError::Server("The previous service revision is gone.".into()))?;
        let now = self.timestamp();
        let mut new_id = String::new();
        self.services
            .update(service_key_, |service| {
                let mut deployment = self.new_deployment(
                    service,
                    &service.capacity(),
                    revision.platform_version.as_deref(),
                    now,
                );
                deployment.task_definition = revision.task_definition.clone();
                deployment.network_configuration = revision.network_configuration.clone();
                deployment.service_connect_configuration = revision
                    .service_connect_configuration
                    .clone()
                    .filter(|c| c.enabled);
                new_id = deployment.id.clone().unwrap_or_default();
                for older in service.service.deployments.iter_mut().flatten() {
                    older.status = Some("ACTIVE".into());
                    older.updated_at = Some(now);
                }
                service.service.task_definition = revision.task_definition.clone();
                service
                    .service
                    .deployments
                    .get_or_insert_with(Vec::new)
                    .insert(0, deployment);
            })?
            .ok_or_else(EcsError::service_not_found)?;
        self.start_service_deployment(ctx, service_key_, &new_id, Some(arn))?;
        self.service_deployments.update(&key, |record| {
            let deployment = &mut record.service_deployment;
            deployment.status = Some("ROLLBACK_IN_PROGRESS".into());
            deployment.status_reason = Some(reason.to_string());
            deployment.updated_at = Some(now);
            deployment.rollback = Some(Rollback {
                reason: Some(reason.to_string()),
                started_at: Some(now),
                service_revision_arn: Some(source_arn.clone()),
            });
        })?;
        Ok(())
    }

    /// A service deployment as it is shown: the task counts of its revisions, live.
    fn service_deployment_view(
        &self,
        ctx: &Ctx,
        record: &ServiceDeploymentRecord,
    ) -> ServiceDeployment {
        let mut shown = record.service_deployment.clone();
        let tasks = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), record.cluster_name));
        let service = self.services.get(&service_key(
            &ctx.scope(),
            &record.cluster_name,
            &record.service_name,
        ));
        let summary = |revision: &str, deployment: &str| {
            let of_it: Vec<_> = tasks
                .iter()
                .filter(|(_, t)| {
                    t.started_by() == Some(deployment) && t.desired_status() == "RUNNING"
                })
                .collect();
            let requested = service
                .as_ref()
                .and_then(|s| {
                    s.deployments()
                        .iter()
                        .find(|d| d.id.as_deref() == Some(deployment))
                        .cloned()
                })
                .and_then(|d| d.desired_count)
                .unwrap_or(0);
            ServiceRevisionSummary {
                arn: Some(revision.to_string()),
                requested_task_count: Some(requested),
                running_task_count: Some(
                    of_it
                        .iter()
                        .filter(|(_, t)| t.last_status() == "RUNNING")
                        .count() as i32,
                ),
                pending_task_count: Some(
                    of_it
                        .iter()
                        .filter(|(_, t)| matches!(t.last_status(), "PROVISIONING" | "PENDING"))
                        .count() as i32,
                ),
                ..ServiceRevisionSummary::default()
            }
        };
        if let Some(target) = shown.target_service_revision.as_mut()
            && let Some(arn) = target.arn.clone()
        {
            *target = summary(&arn, &record.deployment_id);
        }
        shown.source_service_revisions = Some(
            record
                .sources
                .iter()
                .map(|(revision, deployment)| summary(revision, deployment))
                .collect(),
        );
        shown
    }

    pub(super) async fn describe_service_deployments(
        &self,
        ctx: &Ctx,
        input: DescribeServiceDeploymentsRequest,
    ) -> Result<DescribeServiceDeploymentsResponse, EcsError> {
        if input.service_deployment_arns.len() > 20 {
            return Err(EcsError::InvalidParameter(
                "You can specify up to 20 service deployment ARNs.".into(),
            ));
        }
        let (service_deployments, failures) =
            super::describe_each(input.service_deployment_arns, |arn| {
                key_of_arn(ctx, arn, "service-deployment")
                    .and_then(|key| self.service_deployments.get(&key))
                    .map(|record| self.service_deployment_view(ctx, &record))
            });
        Ok(DescribeServiceDeploymentsResponse {
            service_deployments: Some(service_deployments),
            failures: Some(failures),
        })
    }

    pub(super) async fn describe_service_revisions(
        &self,
        ctx: &Ctx,
        input: DescribeServiceRevisionsRequest,
    ) -> Result<DescribeServiceRevisionsResponse, EcsError> {
        if input.service_revision_arns.len() > 20 {
            return Err(EcsError::InvalidParameter(
                "You can specify up to 20 service revision ARNs.".into(),
            ));
        }
        let (service_revisions, failures) =
            super::describe_each(input.service_revision_arns, |arn| {
                key_of_arn(ctx, arn, "service-revision")
                    .and_then(|key| self.service_revisions.get(&key))
                    .map(|record| record.service_revision)
            });
        Ok(DescribeServiceRevisionsResponse {
            service_revisions: Some(service_revisions),
            failures: Some(failures),
        })
    }

    pub(super) async fn list_service_deployments(
        &self,
        ctx: &Ctx,
        input: ListServiceDeploymentsRequest,
    ) -> Result<ListServiceDeploymentsResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let service = self.service_record(ctx, cluster.name(), &input.service)?;
        let statuses = input.status.unwrap_or_default();
        let (after, before) = input
            .created_at
            .map_or((None, None), |range| (range.after, range.before));
        let within = |at: Option<Timestamp>| {
            let at = at.unwrap_or_default();
            after.is_none_or(|after| at >= after) && before.is_none_or(|before| at <= before)
        };
        let items = self
            .service_deployments
            .scan_prefix(&format!(
                "{}{}/{}/",
                ctx.scope(),
                cluster.name(),
                service.name()
            ))
            .into_iter()
            .map(|(_, record)| record.service_deployment)
            .filter(|d| {
                statuses.is_empty() || d.status.as_ref().is_some_and(|s| statuses.contains(s))
            })
            .filter(|d| within(d.created_at))
            .map(|d| {
                // Newest first.
                let order = invert(&format!(
                    "{:015}{}",
                    d.created_at.unwrap_or_default().millis(),
                    d.service_deployment_arn.clone().unwrap_or_default()
                ));
                let brief = ServiceDeploymentBrief {
                    service_deployment_arn: d.service_deployment_arn,
                    service_arn: d.service_arn,
                    cluster_arn: d.cluster_arn,
                    started_at: d.started_at,
                    created_at: d.created_at,
                    finished_at: d.finished_at,
                    target_service_revision_arn: d.target_service_revision.and_then(|t| t.arn),
                    status: d.status,
                    status_reason: d.status_reason,
                };
                (order, brief)
            })
            .collect();
        let size = input.max_results.unwrap_or(20);
        let (service_deployments, next_token) =
            page(items, input.next_token.as_deref(), Some(size), 100)?;
        Ok(ListServiceDeploymentsResponse {
            service_deployments: Some(service_deployments),
            next_token,
        })
    }

    pub(super) async fn stop_service_deployment(
        &self,
        ctx: &Ctx,
        input: StopServiceDeploymentRequest,
    ) -> Result<StopServiceDeploymentResponse, EcsError> {
        let not_found =
            || EcsError::ServiceDeploymentNotFound("The service deployment was not found.".into());
        let key = key_of_arn(ctx, &input.service_deployment_arn, "service-deployment")
            .ok_or_else(not_found)?;
        let record = self.service_deployments.get(&key).ok_or_else(not_found)?;
        if let Some(stop_type) = input.stop_type.as_deref()
            && stop_type != "ROLLBACK"
        {
            return Err(EcsError::InvalidParameter(format!(
                "The stop type {stop_type} is not supported. The valid values are ROLLBACK."
            )));
        }
        let status = record.service_deployment.status.clone().unwrap_or_default();
        if !matches!(status.as_str(), "PENDING" | "IN_PROGRESS") {
            return Err(EcsError::Conflict {
                message: format!(
                    "The service deployment is {status} and can no longer be stopped."
                ),
                resource_ids: vec![input.service_deployment_arn.clone()],
            });
        }
        let service_key_ = service_key(&ctx.scope(), &record.cluster_name, &record.service_name);
        self.roll_back(
            ctx,
            &service_key_,
            &input.service_deployment_arn,
            "Service deployment rolled back because of a stop request.",
        )?;
        self.reconcile(&service_key_).await;
        Ok(StopServiceDeploymentResponse {
            service_deployment_arn: Some(input.service_deployment_arn),
        })
    }

    pub(super) async fn continue_service_deployment(
        &self,
        ctx: &Ctx,
        input: ContinueServiceDeploymentRequest,
    ) -> Result<ContinueServiceDeploymentResponse, EcsError> {
        let not_found =
            || EcsError::ServiceDeploymentNotFound("The service deployment was not found.".into());
        let key = key_of_arn(ctx, &input.service_deployment_arn, "service-deployment")
            .ok_or_else(not_found)?;
        let record = self.service_deployments.get(&key).ok_or_else(not_found)?;
        // Rolling deployments run straight through; only a deployment paused at a lifecycle
        // hook waits for ContinueServiceDeployment, and none of these is.
        let paused = record
            .service_deployment
            .lifecycle_hook_details
            .iter()
            .flatten()
            .any(|hook| {
                hook.hook_id.as_deref() == Some(input.hook_id.as_str())
                    && hook.status.as_deref() == Some("AWAITING_ACTION")
            });
        if !paused {
            return Err(EcsError::InvalidParameter(format!(
                "The lifecycle hook {} of the service deployment is not awaiting action.",
                input.hook_id
            )));
        }
        Ok(ContinueServiceDeploymentResponse {
            service_deployment_arn: Some(input.service_deployment_arn),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_map_to_keys() {
        let ctx = Ctx {
            request_id: String::new(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            caller: crate::services::Caller::root("123456789012", "k"),
        };
        assert_eq!(
            key_of_arn(
                &ctx,
                "arn:aws:ecs:us-east-1:123456789012:service-deployment/c/s/abc",
                "service-deployment"
            )
            .as_deref(),
            Some("123456789012/us-east-1/c/s/abc")
        );
        assert_eq!(
            key_of_arn(
                &ctx,
                "arn:aws:ecs:us-west-2:123456789012:service-deployment/c/s/abc",
                "service-deployment"
            ),
            None
        );
        assert_eq!(key_of_arn(&ctx, "garbage", "service-deployment"), None);
    }
}
