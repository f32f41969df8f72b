//! ECS Managed Daemons: daemon task definitions (families of revisions, like task
//! definitions) and daemons, which run one daemon task on every container instance of their
//! Managed Instances capacity providers, with deployments and revisions of their own.
//!
//! Managed Instances capacity providers launch EC2 instances, which the simulator does not
//! have: a daemon's capacity providers never have instances here, so a daemon runs no task and
//! each of its deployments completes at once, with nothing to roll across. Everything a client
//! writes is stored and described back.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecs::{
    CreateDaemonRequest, CreateDaemonResponse, DaemonCapacityProvider, DaemonCircuitBreaker,
    DaemonContainerImage, DaemonDeployment, DaemonDeploymentAlarms,
    DaemonDeploymentCapacityProvider, DaemonDeploymentConfiguration,
    DaemonDeploymentRevisionDetail, DaemonDeploymentSummary, DaemonDetail, DaemonRevision,
    DaemonRevisionDetail, DaemonSummary, DaemonTaskDefinition, DaemonTaskDefinitionSummary,
    DeleteDaemonRequest, DeleteDaemonResponse, DeleteDaemonTaskDefinitionRequest,
    DeleteDaemonTaskDefinitionResponse, DescribeDaemonDeploymentsRequest,
    DescribeDaemonDeploymentsResponse, DescribeDaemonRequest, DescribeDaemonResponse,
    DescribeDaemonRevisionsRequest, DescribeDaemonRevisionsResponse,
    DescribeDaemonTaskDefinitionRequest, DescribeDaemonTaskDefinitionResponse,
    ListDaemonDeploymentsRequest, ListDaemonDeploymentsResponse, ListDaemonTaskDefinitionsRequest,
    ListDaemonTaskDefinitionsResponse, ListDaemonsRequest, ListDaemonsResponse,
    RegisterDaemonTaskDefinitionRequest, RegisterDaemonTaskDefinitionResponse, Tag,
    UpdateDaemonRequest, UpdateDaemonResponse,
};
use sim_aws_shapes::normal::Timestamp;

use super::task_definitions::{invert, normalize_cpu, normalize_memory};
use super::{Ecs, EcsError, name_of, page};
use crate::services::Ctx;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaemonDefinitionRecord {
    pub definition: DaemonTaskDefinition,
    pub tags: Vec<Tag>,
}

/// A daemon, with the history of its deployments and revisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaemonRecord {
    pub name: String,
    pub cluster_name: String,
    pub detail: DaemonDetail,
    pub capacity_provider_arns: Vec<String>,
    pub tags: Vec<Tag>,
    pub deployments: Vec<DaemonDeployment>,
    pub revisions: Vec<DaemonRevision>,
}

impl DaemonDefinitionRecord {
    fn arn(&self) -> &str {
        self.definition
            .daemon_task_definition_arn
            .as_deref()
            .unwrap_or_default()
    }

    fn family(&self) -> &str {
        self.definition.family.as_deref().unwrap_or_default()
    }

    fn status(&self) -> &str {
        self.definition.status.as_deref().unwrap_or_default()
    }

    fn summary(&self) -> DaemonTaskDefinitionSummary {
        DaemonTaskDefinitionSummary {
            arn: Some(self.arn().to_string()),
            registered_at: self.definition.registered_at,
            registered_by: self.definition.registered_by.clone(),
            delete_requested_at: self.definition.delete_requested_at,
            status: self.definition.status.clone(),
        }
    }
}

const DIGITS: &[u8] = b"0123456789";
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn definition_key(ctx: &Ctx, family: &str, revision: i64) -> String {
    format!("{}{family}:{revision:010}", ctx.scope())
}

fn daemon_not_found() -> EcsError {
    EcsError::DaemonNotFound("The specified daemon does not exist.".into())
}

/// `arn:aws:ecs:REGION:ACCOUNT:KIND/cluster/name[/id]` → (cluster, name, id).
fn parts_of<'a>(
    ctx: &Ctx,
    arn: &'a str,
    kind: &str,
) -> Option<(&'a str, &'a str, Option<&'a str>)> {
    let prefix = format!("arn:aws:ecs:{}:{}:{kind}/", ctx.region, ctx.account_id);
    let path = arn.strip_prefix(&prefix)?;
    let mut parts = path.split('/');
    let cluster = parts.next()?;
    let name = parts.next()?;
    let id = parts.next();
    (parts.next().is_none()).then_some((cluster, name, id))
}

impl Ecs {
    fn daemon_definition(&self, ctx: &Ctx, reference: &str) -> Option<DaemonDefinitionRecord> {
        let reference = reference
            .rsplit("daemon-task-definition/")
            .next()
            .unwrap_or(reference);
        match reference.rsplit_once(':') {
            Some((family, revision)) => {
                let revision: i64 = revision.parse().ok()?;
                self.daemon_definitions
                    .get(&definition_key(ctx, family, revision))
            }
            None => self
                .daemon_definitions
                .scan_prefix(&format!("{}{reference}:", ctx.scope()))
                .into_iter()
                .rev()
                .map(|(_, record)| record)
                .find(|record| record.status() == "ACTIVE"),
        }
    }

    pub(super) async fn register_daemon_task_definition(
        &self,
        ctx: &Ctx,
        input: RegisterDaemonTaskDefinitionRequest,
    ) -> Result<RegisterDaemonTaskDefinitionResponse, EcsError> {
        super::names::check_family(&input.family)?;
        if input.container_definitions.is_empty() {
            return Err(EcsError::Client("Container list cannot be empty.".into()));
        }
        if input.container_definitions.len() > super::names::MAX_CONTAINERS {
            return Err(EcsError::Client("Too many containers.".into()));
        }
        for container in &input.container_definitions {
            if let Some(name) = &container.name {
                super::names::check_container_name(name)?;
            }
            if container.image.is_empty() {
                return Err(EcsError::Client(
                    "Container.image should not be null or empty.".into(),
                ));
            }
        }
        let cpu = input
            .cpu
            .as_deref()
            .map(|c| {
                normalize_cpu(c)
                    .ok_or_else(|| EcsError::Client(format!("Invalid 'cpu' setting for task: {c}")))
            })
            .transpose()?;
        let memory = input
            .memory
            .as_deref()
            .map(|m| {
                normalize_memory(m).ok_or_else(|| {
                    EcsError::Client(format!("Invalid 'memory' setting for task: {m}"))
                })
            })
            .transpose()?;
        let family = input.family.clone();
        let now = self.timestamp();
        let record = self.kit.store().transaction(|txn| {
            let revision = txn.modify(
                &self.daemon_families,
                &format!("{}{family}", ctx.scope()),
                |last| {
                    let next = last.unwrap_or(0) + 1;
                    *last = Some(next);
                    Ok::<_, EcsError>(next)
                },
            )?;
            let record = DaemonDefinitionRecord {
                definition: DaemonTaskDefinition {
                    daemon_task_definition_arn: Some(ctx.arn(
                        "ecs",
                        &format!("daemon-task-definition/{family}:{revision}"),
                    )),
                    family: Some(family.clone()),
                    revision: Some(revision as i32),
                    task_role_arn: input.task_role_arn,
                    execution_role_arn: input.execution_role_arn,
                    container_definitions: Some(input.container_definitions),
                    volumes: Some(input.volumes.unwrap_or_default()),
                    cpu: cpu.map(|c| c.to_string()),
                    memory: memory.map(|m| m.to_string()),
                    status: Some("ACTIVE".into()),
                    registered_at: Some(now),
                    delete_requested_at: None,
                    registered_by: Some(ctx.caller.arn.clone()),
                },
                tags: super::tags_or_empty(input.tags),
            };
            txn.insert(
                &self.daemon_definitions,
                &definition_key(ctx, &family, revision),
                record.clone(),
            )?;
            Ok::<_, EcsError>(record)
        })?;
        Ok(RegisterDaemonTaskDefinitionResponse {
            daemon_task_definition_arn: Some(record.arn().to_string()),
        })
    }

    pub(super) async fn describe_daemon_task_definition(
        &self,
        ctx: &Ctx,
        input: DescribeDaemonTaskDefinitionRequest,
    ) -> Result<DescribeDaemonTaskDefinitionResponse, EcsError> {
        let record = self
            .daemon_definition(ctx, &input.daemon_task_definition)
            .ok_or_else(|| EcsError::Client("Unable to describe daemon task definition.".into()))?;
        Ok(DescribeDaemonTaskDefinitionResponse {
            daemon_task_definition: Some(record.definition),
        })
    }

    pub(super) async fn delete_daemon_task_definition(
        &self,
        ctx: &Ctx,
        input: DeleteDaemonTaskDefinitionRequest,
    ) -> Result<DeleteDaemonTaskDefinitionResponse, EcsError> {
        let record = self
            .daemon_definition(ctx, &input.daemon_task_definition)
            .ok_or_else(|| {
                EcsError::Client("The specified daemon task definition does not exist.".into())
            })?;
        if record.status() != "ACTIVE" {
            return Err(EcsError::Client(
                "The specified daemon task definition is not ACTIVE and cannot be deleted.".into(),
            ));
        }
        let now = self.timestamp();
        let key = definition_key(
            ctx,
            record.family(),
            i64::from(record.definition.revision.unwrap_or(0)),
        );
        self.daemon_definitions.update(&key, |record| {
            record.definition.status = Some("DELETE_IN_PROGRESS".into());
            record.definition.delete_requested_at = Some(now);
        })?;
        Ok(DeleteDaemonTaskDefinitionResponse {
            daemon_task_definition_arn: Some(record.arn().to_string()),
        })
    }

    pub(super) async fn list_daemon_task_definitions(
        &self,
        ctx: &Ctx,
        input: ListDaemonTaskDefinitionsRequest,
    ) -> Result<ListDaemonTaskDefinitionsResponse, EcsError> {
        let status = input.status.unwrap_or_else(|| "ACTIVE".into());
        let descending = input.sort.as_deref() == Some("DESC");
        let last_only = input.revision.as_deref() == Some("LAST_REGISTERED");
        let mut records: Vec<DaemonDefinitionRecord> = self
            .daemon_definitions
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, r)| r)
            .filter(|r| status == "ALL" || r.status() == status)
            .filter(|r| {
                input
                    .family_prefix
                    .as_deref()
                    .is_none_or(|p| r.family().starts_with(p))
            })
            .filter(|r| input.family.as_deref().is_none_or(|f| r.family() == f))
            .collect();
        if last_only {
            let mut latest: std::collections::BTreeMap<String, DaemonDefinitionRecord> =
                std::collections::BTreeMap::new();
            for record in records {
                latest.insert(record.family().to_string(), record);
            }
            records = latest.into_values().collect();
        }
        let items = records
            .into_iter()
            .map(|r| {
                let order = format!(
                    "{}\u{0}{:010}",
                    r.family(),
                    r.definition.revision.unwrap_or(0)
                );
                let order = if descending { invert(&order) } else { order };
                (order, r.summary())
            })
            .collect();
        let (daemon_task_definitions, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListDaemonTaskDefinitionsResponse {
            daemon_task_definitions: Some(daemon_task_definitions),
            next_token,
        })
    }

    fn daemon_key(ctx: &Ctx, cluster: &str, name: &str) -> String {
        format!("{}{cluster}/{name}", ctx.scope())
    }

    fn daemon_by_arn(&self, ctx: &Ctx, arn: &str) -> Result<(String, DaemonRecord), EcsError> {
        let (cluster, name, _) = parts_of(ctx, arn, "daemon").ok_or_else(daemon_not_found)?;
        let key = Self::daemon_key(ctx, cluster, name);
        let record = self.daemons.get(&key).ok_or_else(daemon_not_found)?;
        Ok((key, record))
    }

    /// Checks a daemon's capacity providers: Managed Instances providers of its cluster.
    fn check_daemon_capacity(
        &self,
        ctx: &Ctx,
        cluster: &str,
        arns: &[String],
    ) -> Result<(), EcsError> {
        if arns.is_empty() {
            return Err(EcsError::InvalidParameter(
                "At least one capacity provider must be specified for a daemon.".into(),
            ));
        }
        for arn in arns {
            let provider = self
                .capacity_providers
                .get(&format!("{}{}", ctx.scope(), name_of(arn)))
                .filter(|p| p.capacity_provider.status.as_deref() == Some("ACTIVE"));
            let Some(provider) = provider else {
                return Err(EcsError::InvalidParameter(
                    "The specified capacity provider was not found. Specify a valid capacity provider and try again.".into(),
                ));
            };
            let managed = provider.capacity_provider.r#type.as_deref() == Some("MANAGED_INSTANCES");
            if !managed {
                return Err(EcsError::InvalidParameter(
                    "ECS Managed Daemons is only supported for Amazon ECS Managed Instances Capacity Providers.".into(),
                ));
            }
            if provider.capacity_provider.cluster.as_deref() != Some(cluster) {
                return Err(EcsError::InvalidParameter(format!(
                    "The capacity provider {} does not belong to cluster {cluster}.",
                    name_of(arn)
                )));
            }
        }
        Ok(())
    }

    /// A new revision and a deployment of it, which completes at once: the daemon's capacity
    /// providers have no instances to deploy to.
    #[allow(clippy::too_many_arguments)]
    fn deploy_daemon(
        &self,
        ctx: &Ctx,
        record: &mut DaemonRecord,
        definition: &DaemonDefinitionRecord,
        configuration: Option<DaemonDeploymentConfiguration>,
        propagate_tags: Option<String>,
        enable_ecs_managed_tags: Option<bool>,
        enable_execute_command: Option<bool>,
        now: Timestamp,
    ) -> String {
        let cluster = record.cluster_name.clone();
        let name = record.name.clone();
        let revision_arn = ctx.arn(
            "ecs",
            &format!(
                "daemon-revision/{cluster}/{name}/{}",
                self.kit.ids().random_word(DIGITS, 19)
            ),
        );
        let deployment_arn = ctx.arn(
            "ecs",
            &format!(
                "daemon-deployment/{cluster}/{name}/{}",
                self.kit.ids().random_word(ALPHANUMERIC, 21)
            ),
        );
        let images = definition
            .definition
            .container_definitions
            .iter()
            .flatten()
            .map(|c| DaemonContainerImage {
                container_name: c.name.clone(),
                image_digest: None,
                image: Some(c.image.clone()),
            })
            .collect();
        let daemon_arn = record.detail.daemon_arn.clone();
        record.revisions.push(DaemonRevision {
            daemon_revision_arn: Some(revision_arn.clone()),
            cluster_arn: record.detail.cluster_arn.clone(),
            daemon_arn: daemon_arn.clone(),
            daemon_task_definition_arn: Some(definition.arn().to_string()),
            created_at: Some(now),
            container_images: Some(images),
            propagate_tags: propagate_tags.or_else(|| Some("NONE".into())),
            enable_ecs_managed_tags: Some(enable_ecs_managed_tags.unwrap_or(false)),
            enable_execute_command: Some(enable_execute_command.unwrap_or(false)),
        });
        let providers = |arns: &[String]| -> DaemonDeploymentRevisionDetail {
            DaemonDeploymentRevisionDetail {
                arn: None,
                capacity_providers: Some(
                    arns.iter()
                        .map(|arn| DaemonDeploymentCapacityProvider {
                            arn: Some(arn.clone()),
                            running_instance_count: Some(0),
                            draining_instance_count: Some(0),
                        })
                        .collect(),
                ),
                total_running_instance_count: Some(0),
                total_draining_instance_count: Some(0),
            }
        };
        let sources: Vec<DaemonDeploymentRevisionDetail> = record
            .detail
            .current_revisions
            .iter()
            .flatten()
            .map(|current| DaemonDeploymentRevisionDetail {
                arn: current.arn.clone(),
                ..providers(&record.capacity_provider_arns)
            })
            .collect();
        let alarms = configuration
            .as_ref()
            .and_then(|c| c.alarms.clone())
            .filter(|a| a.enable == Some(true));
        record.deployments.push(DaemonDeployment {
            daemon_deployment_arn: Some(deployment_arn.clone()),
            cluster_arn: record.detail.cluster_arn.clone(),
            status: Some("SUCCESSFUL".into()),
            status_reason: Some(
                "The daemon's capacity providers have no container instances to deploy to.".into(),
            ),
            target_daemon_revision: Some(DaemonDeploymentRevisionDetail {
                arn: Some(revision_arn.clone()),
                ..providers(&record.capacity_provider_arns)
            }),
            source_daemon_revisions: Some(sources),
            circuit_breaker: Some(DaemonCircuitBreaker {
                failure_count: Some(0),
                status: Some("MONITORING_COMPLETE".into()),
                threshold: Some(3),
            }),
            alarms: Some(DaemonDeploymentAlarms {
                status: Some(
                    if alarms.is_some() {
                        "MONITORING_COMPLETE"
                    } else {
                        "DISABLED"
                    }
                    .into(),
                ),
                alarm_names: alarms.and_then(|a| a.alarm_names),
                triggered_alarm_names: None,
            }),
            rollback: None,
            deployment_configuration: configuration,
            created_at: Some(now),
            started_at: Some(now),
            stopped_at: None,
            finished_at: Some(now),
        });
        record.detail.current_revisions = Some(vec![DaemonRevisionDetail {
            arn: Some(revision_arn),
            capacity_providers: Some(
                record
                    .capacity_provider_arns
                    .iter()
                    .map(|arn| DaemonCapacityProvider {
                        arn: Some(arn.clone()),
                        running_count: Some(0),
                    })
                    .collect(),
            ),
            total_running_count: Some(0),
        }]);
        record.detail.deployment_arn = Some(deployment_arn.clone());
        record.detail.updated_at = Some(now);
        deployment_arn
    }

    pub(super) async fn create_daemon(
        &self,
        ctx: &Ctx,
        input: CreateDaemonRequest,
    ) -> Result<CreateDaemonResponse, EcsError> {
        if !super::names::is_valid_name(&input.daemon_name) {
            return Err(EcsError::InvalidParameter(
                "Daemon name is not valid. Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed.".into(),
            ));
        }
        let cluster = self.cluster(ctx, input.cluster_arn.as_deref())?;
        let definition = self
            .daemon_definition(ctx, &input.daemon_task_definition_arn)
            .filter(|d| d.status() == "ACTIVE")
            .ok_or_else(|| {
                EcsError::InvalidParameter(
                    "The specified daemon task definition does not exist.".into(),
                )
            })?;
        self.check_daemon_capacity(ctx, cluster.name(), &input.capacity_provider_arns)?;
        let key = Self::daemon_key(ctx, cluster.name(), &input.daemon_name);
        let now = self.timestamp();
        let mut record = DaemonRecord {
            name: input.daemon_name.clone(),
            cluster_name: cluster.name().to_string(),
            detail: DaemonDetail {
                daemon_arn: Some(ctx.arn(
                    "ecs",
                    &format!("daemon/{}/{}", cluster.name(), input.daemon_name),
                )),
                cluster_arn: Some(cluster.arn().to_string()),
                status: Some("ACTIVE".into()),
                created_at: Some(now),
                updated_at: Some(now),
                ..DaemonDetail::default()
            },
            capacity_provider_arns: input.capacity_provider_arns.clone(),
            tags: super::tags_or_empty(input.tags),
            deployments: Vec::new(),
            revisions: Vec::new(),
        };
        let deployment_arn = self.deploy_daemon(
            ctx,
            &mut record,
            &definition,
            input.deployment_configuration,
            input.propagate_tags,
            input.enable_ecs_managed_tags,
            input.enable_execute_command,
            now,
        );
        self.daemons.modify(&key, |slot| {
            if slot.is_some() {
                return Err(EcsError::InvalidParameter(
                    "A daemon with this name already exists in the cluster.".into(),
                ));
            }
            *slot = Some(record.clone());
            Ok(())
        })?;
        Ok(CreateDaemonResponse {
            daemon_arn: record.detail.daemon_arn,
            status: record.detail.status,
            created_at: Some(now),
            deployment_arn: Some(deployment_arn),
        })
    }

    pub(super) async fn describe_daemon(
        &self,
        ctx: &Ctx,
        input: DescribeDaemonRequest,
    ) -> Result<DescribeDaemonResponse, EcsError> {
        let (_, record) = self.daemon_by_arn(ctx, &input.daemon_arn)?;
        Ok(DescribeDaemonResponse {
            daemon: Some(record.detail),
        })
    }

    pub(super) async fn update_daemon(
        &self,
        ctx: &Ctx,
        input: UpdateDaemonRequest,
    ) -> Result<UpdateDaemonResponse, EcsError> {
        let (key, current) = self.daemon_by_arn(ctx, &input.daemon_arn)?;
        if current.detail.status.as_deref() != Some("ACTIVE") {
            return Err(EcsError::DaemonNotActive(
                "The daemon is not ACTIVE.".into(),
            ));
        }
        let definition = self
            .daemon_definition(ctx, &input.daemon_task_definition_arn)
            .filter(|d| d.status() == "ACTIVE")
            .ok_or_else(|| {
                EcsError::InvalidParameter(
                    "The specified daemon task definition does not exist.".into(),
                )
            })?;
        self.check_daemon_capacity(ctx, &current.cluster_name, &input.capacity_provider_arns)?;
        let now = self.timestamp();
        let updated = self
            .daemons
            .update(&key, |record| {
                record.capacity_provider_arns = input.capacity_provider_arns.clone();
                let deployment_arn = self.deploy_daemon(
                    ctx,
                    record,
                    &definition,
                    input.deployment_configuration,
                    input.propagate_tags,
                    input.enable_ecs_managed_tags,
                    input.enable_execute_command,
                    now,
                );
                (record.clone(), deployment_arn)
            })?
            .ok_or_else(daemon_not_found)?;
        let (record, deployment_arn) = updated;
        Ok(UpdateDaemonResponse {
            daemon_arn: record.detail.daemon_arn,
            status: record.detail.status,
            created_at: record.detail.created_at,
            updated_at: Some(now),
            deployment_arn: Some(deployment_arn),
        })
    }

    pub(super) async fn delete_daemon(
        &self,
        ctx: &Ctx,
        input: DeleteDaemonRequest,
    ) -> Result<DeleteDaemonResponse, EcsError> {
        let (key, record) = self.daemon_by_arn(ctx, &input.daemon_arn)?;
        if record.detail.status.as_deref() != Some("ACTIVE") {
            return Err(EcsError::DaemonNotActive(
                "The daemon is not ACTIVE.".into(),
            ));
        }
        // Deleting drains the daemon's instances; with none to drain it is over at once.
        self.daemons.remove(&key)?;
        Ok(DeleteDaemonResponse {
            daemon_arn: record.detail.daemon_arn,
            status: Some("DELETE_IN_PROGRESS".into()),
            created_at: record.detail.created_at,
            updated_at: Some(self.timestamp()),
            deployment_arn: record.detail.deployment_arn,
        })
    }

    pub(super) async fn list_daemons(
        &self,
        ctx: &Ctx,
        input: ListDaemonsRequest,
    ) -> Result<ListDaemonsResponse, EcsError> {
        let cluster = input
            .cluster_arn
            .as_deref()
            .map(|c| self.cluster(ctx, Some(c)))
            .transpose()?;
        let wanted_providers = input.capacity_provider_arns.unwrap_or_default();
        let prefix = match &cluster {
            Some(cluster) => format!("{}{}/", ctx.scope(), cluster.name()),
            None => ctx.scope(),
        };
        let items = self
            .daemons
            .scan_prefix(&prefix)
            .into_iter()
            .filter(|(_, d)| {
                wanted_providers.is_empty()
                    || d.capacity_provider_arns
                        .iter()
                        .any(|p| wanted_providers.iter().any(|w| name_of(w) == name_of(p)))
            })
            .map(|(key, d)| {
                (
                    key,
                    DaemonSummary {
                        daemon_arn: d.detail.daemon_arn,
                        status: d.detail.status,
                        created_at: d.detail.created_at,
                        updated_at: d.detail.updated_at,
                    },
                )
            })
            .collect();
        let (summaries, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListDaemonsResponse {
            daemon_summaries_list: Some(summaries),
            next_token,
        })
    }

    /// The daemon a deployment or revision ARN belongs to.
    fn daemon_of(&self, ctx: &Ctx, arn: &str, kind: &str) -> Option<DaemonRecord> {
        let (cluster, name, _) = parts_of(ctx, arn, kind)?;
        self.daemons.get(&Self::daemon_key(ctx, cluster, name))
    }

    pub(super) async fn describe_daemon_deployments(
        &self,
        ctx: &Ctx,
        input: DescribeDaemonDeploymentsRequest,
    ) -> Result<DescribeDaemonDeploymentsResponse, EcsError> {
        if input.daemon_deployment_arns.len() > 20 {
            return Err(EcsError::InvalidParameter(
                "You can specify up to 20 daemon deployment ARNs.".into(),
            ));
        }
        let (daemon_deployments, failures) =
            super::describe_each(input.daemon_deployment_arns, |arn| {
                self.daemon_of(ctx, arn, "daemon-deployment").and_then(|d| {
                    d.deployments
                        .into_iter()
                        .find(|x| x.daemon_deployment_arn.as_deref() == Some(arn))
                })
            });
        Ok(DescribeDaemonDeploymentsResponse {
            failures: Some(failures),
            daemon_deployments: Some(daemon_deployments),
        })
    }

    pub(super) async fn describe_daemon_revisions(
        &self,
        ctx: &Ctx,
        input: DescribeDaemonRevisionsRequest,
    ) -> Result<DescribeDaemonRevisionsResponse, EcsError> {
        if input.daemon_revision_arns.len() > 20 {
            return Err(EcsError::InvalidParameter(
                "You can specify up to 20 daemon revision ARNs.".into(),
            ));
        }
        let (daemon_revisions, failures) =
            super::describe_each(input.daemon_revision_arns, |arn| {
                self.daemon_of(ctx, arn, "daemon-revision").and_then(|d| {
                    d.revisions
                        .into_iter()
                        .find(|x| x.daemon_revision_arn.as_deref() == Some(arn))
                })
            });
        Ok(DescribeDaemonRevisionsResponse {
            daemon_revisions: Some(daemon_revisions),
            failures: Some(failures),
        })
    }

    pub(super) async fn list_daemon_deployments(
        &self,
        ctx: &Ctx,
        input: ListDaemonDeploymentsRequest,
    ) -> Result<ListDaemonDeploymentsResponse, EcsError> {
        let (_, record) = self.daemon_by_arn(ctx, &input.daemon_arn)?;
        let statuses = input.status.unwrap_or_default();
        let (after, before) = input
            .created_at
            .map_or((None, None), |range| (range.after, range.before));
        let items = record
            .deployments
            .into_iter()
            .filter(|d| {
                statuses.is_empty() || d.status.as_ref().is_some_and(|s| statuses.contains(s))
            })
            .filter(|d| {
                let at = d.created_at.unwrap_or_default();
                after.is_none_or(|after| at >= after) && before.is_none_or(|before| at <= before)
            })
            .map(|d| {
                let order = invert(&format!(
                    "{:015}{}",
                    d.created_at.unwrap_or_default().millis(),
                    d.daemon_deployment_arn.clone().unwrap_or_default()
                ));
                let summary = DaemonDeploymentSummary {
                    daemon_deployment_arn: d.daemon_deployment_arn,
                    daemon_arn: record.detail.daemon_arn.clone(),
                    cluster_arn: d.cluster_arn,
                    status: d.status,
                    status_reason: d.status_reason,
                    target_daemon_revision_arn: d.target_daemon_revision.and_then(|t| t.arn),
                    created_at: d.created_at,
                    started_at: d.started_at,
                    stopped_at: d.stopped_at,
                    finished_at: d.finished_at,
                };
                (order, summary)
            })
            .collect();
        let (daemon_deployments, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListDaemonDeploymentsResponse {
            next_token,
            daemon_deployments: Some(daemon_deployments),
        })
    }
}
