//! Clusters: create (idempotent), describe, list, update, settings, delete. What a cluster
//! shows beyond what was written (task and service counts, statistics) is computed from the
//! tasks, services and container instances each time it is shown, so it is never stale.
//! Capacity providers are attached here by CreateCluster and PutClusterCapacityProviders
//! (checked in `capacity_providers`).

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecs::{
    Cluster, ClusterServiceConnectDefaults, ClusterSetting, CreateClusterRequest,
    CreateClusterResponse, DeleteClusterRequest, DeleteClusterResponse, DescribeClustersRequest,
    DescribeClustersResponse, Failure, KeyValuePair, ListClustersRequest, ListClustersResponse,
    UpdateClusterRequest, UpdateClusterResponse, UpdateClusterSettingsRequest,
    UpdateClusterSettingsResponse,
};

use super::{DEFAULT_CLUSTER, Ecs, EcsError, name_of, page};
use crate::services::Ctx;

/// A stored cluster: what was written, without counts (those are computed when shown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    pub account_id: String,
    pub region: String,
    pub cluster: Cluster,
}

impl ClusterRecord {
    pub fn name(&self) -> &str {
        self.cluster.cluster_name.as_deref().unwrap_or_default()
    }

    pub fn arn(&self) -> &str {
        self.cluster.cluster_arn.as_deref().unwrap_or_default()
    }

    pub fn is_active(&self) -> bool {
        self.cluster.status.as_deref() == Some("ACTIVE")
    }
}

pub(super) fn cluster_key(ctx: &Ctx, name: &str) -> String {
    format!("{}{name}", ctx.scope())
}

/// Which optional parts of a cluster to show (DescribeClusters' `include`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ClusterParts {
    pub attachments: bool,
    pub configurations: bool,
    pub settings: bool,
    pub statistics: bool,
    pub tags: bool,
}

impl ClusterParts {
    fn from_include(include: &[String]) -> Self {
        let wants = |field: &str| include.iter().any(|i| i == field);
        Self {
            attachments: wants("ATTACHMENTS"),
            configurations: wants("CONFIGURATIONS"),
            settings: wants("SETTINGS"),
            statistics: wants("STATISTICS"),
            tags: wants("TAGS"),
        }
    }

    /// What CreateCluster, UpdateCluster and their kind answer with.
    fn written() -> Self {
        Self {
            attachments: true,
            configurations: true,
            settings: true,
            statistics: false,
            tags: true,
        }
    }
}

/// Whether a create request asks for something other than what the cluster has.
fn differs<T: PartialEq>(asked: &Option<Vec<T>>, has: &Option<Vec<T>>) -> bool {
    asked.as_ref().is_some_and(|a| !a.is_empty()) && asked != has
}

/// The values `containerInsights` takes.
const CONTAINER_INSIGHTS_VALUES: [&str; 3] = ["enabled", "disabled", "enhanced"];

fn check_settings(settings: &[ClusterSetting]) -> Result<(), EcsError> {
    for setting in settings {
        let value = setting.value.as_deref().unwrap_or_default();
        if setting.name.as_deref() == Some("containerInsights")
            && !CONTAINER_INSIGHTS_VALUES.contains(&value)
        {
            return Err(EcsError::InvalidParameter(format!(
                "Invalid value for containerInsights setting: {value}. Valid values are enabled, disabled and enhanced."
            )));
        }
    }
    Ok(())
}

/// `settings` with each of `changes` applied (a setting named again replaces the old value).
fn merge_settings(
    mut settings: Vec<ClusterSetting>,
    changes: Vec<ClusterSetting>,
) -> Vec<ClusterSetting> {
    for change in changes {
        match settings.iter_mut().find(|s| s.name == change.name) {
            Some(existing) => existing.value = change.value,
            None => settings.push(change),
        }
    }
    settings
}

impl Ecs {
    /// The active cluster a request names (the default cluster when it names none).
    pub(super) fn cluster(
        &self,
        ctx: &Ctx,
        name_or_arn: Option<&str>,
    ) -> Result<ClusterRecord, EcsError> {
        let name = name_or_arn.map_or(DEFAULT_CLUSTER, name_of);
        self.clusters
            .get(&cluster_key(ctx, name))
            .filter(ClusterRecord::is_active)
            .ok_or_else(EcsError::cluster_not_found)
    }

    /// A cluster as it is shown: live counts, and the parts asked for.
    pub(super) fn cluster_view(
        &self,
        ctx: &Ctx,
        record: &ClusterRecord,
        parts: ClusterParts,
    ) -> Cluster {
        let mut cluster = record.cluster.clone();
        let prefix = format!("{}{}/", ctx.scope(), record.name());
        let tasks = self.tasks.scan_prefix(&prefix);
        let services = self.services.scan_prefix(&prefix);
        let is_fargate = |launch_type: Option<&str>| launch_type == Some("FARGATE");
        let running = |fargate: Option<bool>| {
            tasks
                .iter()
                .filter(|(_, t)| t.last_status() == "RUNNING")
                .filter(|(_, t)| {
                    fargate.is_none_or(|f| is_fargate(t.task.launch_type.as_deref()) == f)
                })
                .count()
        };
        let pending = |fargate: Option<bool>| {
            tasks
                .iter()
                .filter(|(_, t)| {
                    matches!(t.last_status(), "PROVISIONING" | "PENDING" | "ACTIVATING")
                })
                .filter(|(_, t)| {
                    fargate.is_none_or(|f| is_fargate(t.task.launch_type.as_deref()) == f)
                })
                .count()
        };
        let services_in = |status: &str, fargate: Option<bool>| {
            services
                .iter()
                .filter(|(_, s)| s.status() == status)
                .filter(|(_, s)| {
                    fargate.is_none_or(|f| is_fargate(s.service.launch_type.as_deref()) == f)
                })
                .count()
        };
        cluster.running_tasks_count = Some(running(None) as i32);
        cluster.pending_tasks_count = Some(pending(None) as i32);
        cluster.active_services_count = Some(services_in("ACTIVE", None) as i32);
        cluster.registered_container_instances_count = Some(
            self.instances
                .scan_prefix(&prefix)
                .iter()
                .filter(|(_, i)| i.is_registered())
                .count() as i32,
        );
        cluster.statistics = Some(if parts.statistics {
            let pair = |name: &str, value: usize| KeyValuePair {
                name: Some(name.into()),
                value: Some(value.to_string()),
            };
            vec![
                pair("runningEC2TasksCount", running(Some(false))),
                pair("runningFargateTasksCount", running(Some(true))),
                pair("pendingEC2TasksCount", pending(Some(false))),
                pair("pendingFargateTasksCount", pending(Some(true))),
                pair("activeEC2ServiceCount", services_in("ACTIVE", Some(false))),
                pair(
                    "activeFargateServiceCount",
                    services_in("ACTIVE", Some(true)),
                ),
                pair(
                    "drainingEC2ServiceCount",
                    services_in("DRAINING", Some(false)),
                ),
                pair(
                    "drainingFargateServiceCount",
                    services_in("DRAINING", Some(true)),
                ),
            ]
        } else {
            Vec::new()
        });
        if !parts.tags {
            cluster.tags = Some(Vec::new());
        }
        if !parts.settings {
            cluster.settings = Some(Vec::new());
        }
        if !parts.configurations {
            cluster.configuration = None;
        }
        if !parts.attachments {
            cluster.attachments = None;
        }
        cluster
    }

    pub(super) async fn create_cluster(
        &self,
        ctx: &Ctx,
        input: CreateClusterRequest,
    ) -> Result<CreateClusterResponse, EcsError> {
        let name = input.cluster_name.unwrap_or_else(|| DEFAULT_CLUSTER.into());
        super::names::check_cluster_name(&name)?;
        let settings = input.settings.unwrap_or_default();
        check_settings(&settings)?;
        let insights = self.effective_setting(ctx, "containerInsights");
        let defaults = vec![ClusterSetting {
            name: Some("containerInsights".into()),
            value: Some(insights),
        }];
        let capacity_providers = input.capacity_providers.unwrap_or_default();
        let strategy = input.default_capacity_provider_strategy.unwrap_or_default();
        let (attachments, attachments_status) =
            self.check_cluster_capacity_providers(ctx, &name, &capacity_providers, &strategy)?;
        let cluster = Cluster {
            cluster_arn: Some(ctx.arn("ecs", &format!("cluster/{name}"))),
            cluster_name: Some(name.clone()),
            configuration: input.configuration,
            status: Some("ACTIVE".into()),
            tags: Some(super::tags_or_empty(input.tags)),
            settings: Some(merge_settings(defaults, settings)),
            capacity_providers: Some(capacity_providers),
            default_capacity_provider_strategy: Some(strategy),
            attachments,
            attachments_status,
            service_connect_defaults: input.service_connect_defaults.map(|defaults| {
                // ECS answers the namespace as it was given: a name or a Cloud Map ARN.
                ClusterServiceConnectDefaults {
                    namespace: Some(defaults.namespace),
                }
            }),
            ..Cluster::default()
        };
        // CreateCluster is idempotent: an active cluster of that name is returned as it is,
        // unless the request asks for other capacity providers than it has.
        let stored = self.clusters.modify(&cluster_key(ctx, &name), |slot| {
            match slot {
                Some(existing) if existing.is_active() => {
                    if differs(&cluster.capacity_providers, &existing.cluster.capacity_providers)
                        || differs(
                            &cluster.default_capacity_provider_strategy,
                            &existing.cluster.default_capacity_provider_strategy,
                        )
                    {
                        return Err(EcsError::InvalidParameter(
                            "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).".into(),
                        ));
                    }
                }
                _ => {
                    *slot = Some(ClusterRecord {
                        account_id: ctx.account_id.clone(),
                        region: ctx.region.clone(),
                        cluster: cluster.clone(),
                    })
                }
            }
            Ok(slot.clone())
        })?;
        let record = stored.ok_or_else(EcsError::cluster_not_found)?;
        Ok(CreateClusterResponse {
            cluster: Some(self.cluster_view(ctx, &record, ClusterParts::written())),
        })
    }

    pub(super) async fn describe_clusters(
        &self,
        ctx: &Ctx,
        input: DescribeClustersRequest,
    ) -> Result<DescribeClustersResponse, EcsError> {
        let names = match input.clusters {
            Some(names) if !names.is_empty() => names,
            _ => vec![DEFAULT_CLUSTER.to_string()],
        };
        let parts = ClusterParts::from_include(&input.include.unwrap_or_default());
        let mut clusters = Vec::new();
        let mut failures = Vec::new();
        for requested in names {
            let name = name_of(&requested);
            match self.clusters.get(&cluster_key(ctx, name)) {
                Some(record) => clusters.push(self.cluster_view(ctx, &record, parts)),
                None => failures.push(Failure {
                    arn: Some(ctx.arn("ecs", &format!("cluster/{name}"))),
                    reason: Some("MISSING".into()),
                    detail: None,
                }),
            }
        }
        Ok(DescribeClustersResponse {
            clusters: Some(clusters),
            failures: Some(failures),
        })
    }

    pub(super) async fn list_clusters(
        &self,
        ctx: &Ctx,
        input: ListClustersRequest,
    ) -> Result<ListClustersResponse, EcsError> {
        let active: Vec<(String, String)> = self
            .clusters
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, r)| r.is_active())
            .map(|(key, r)| (key, r.arn().to_string()))
            .collect();
        let (cluster_arns, next_token) =
            page(active, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListClustersResponse {
            cluster_arns: Some(cluster_arns),
            next_token,
        })
    }

    pub(super) async fn update_cluster(
        &self,
        ctx: &Ctx,
        input: UpdateClusterRequest,
    ) -> Result<UpdateClusterResponse, EcsError> {
        let record = self.cluster(ctx, Some(&input.cluster))?;
        let settings = input.settings.unwrap_or_default();
        check_settings(&settings)?;
        let namespace = input
            .service_connect_defaults
            .map(|defaults| defaults.namespace);
        let updated = self
            .clusters
            .update(&cluster_key(ctx, record.name()), |record| {
                let cluster = &mut record.cluster;
                cluster.settings = Some(merge_settings(
                    cluster.settings.take().unwrap_or_default(),
                    settings,
                ));
                if let Some(configuration) = input.configuration {
                    cluster.configuration = Some(configuration);
                }
                if let Some(namespace) = namespace {
                    cluster.service_connect_defaults = Some(ClusterServiceConnectDefaults {
                        namespace: Some(namespace),
                    });
                }
                record.clone()
            })?
            .ok_or_else(EcsError::cluster_not_found)?;
        Ok(UpdateClusterResponse {
            cluster: Some(self.cluster_view(ctx, &updated, ClusterParts::written())),
        })
    }

    pub(super) async fn update_cluster_settings(
        &self,
        ctx: &Ctx,
        input: UpdateClusterSettingsRequest,
    ) -> Result<UpdateClusterSettingsResponse, EcsError> {
        let record = self.cluster(ctx, Some(&input.cluster))?;
        check_settings(&input.settings)?;
        let updated = self
            .clusters
            .update(&cluster_key(ctx, record.name()), |record| {
                let cluster = &mut record.cluster;
                cluster.settings = Some(merge_settings(
                    cluster.settings.take().unwrap_or_default(),
                    input.settings,
                ));
                record.clone()
            })?
            .ok_or_else(EcsError::cluster_not_found)?;
        let parts = ClusterParts {
            settings: true,
            tags: true,
            ..ClusterParts::default()
        };
        Ok(UpdateClusterSettingsResponse {
            cluster: Some(self.cluster_view(ctx, &updated, parts)),
        })
    }

    pub(super) async fn delete_cluster(
        &self,
        ctx: &Ctx,
        input: DeleteClusterRequest,
    ) -> Result<DeleteClusterResponse, EcsError> {
        let record = self.cluster(ctx, Some(&input.cluster))?;
        let name = record.name().to_string();
        let prefix = format!("{}{name}/", ctx.scope());
        if self
            .services
            .scan_prefix(&prefix)
            .iter()
            .any(|(_, s)| s.status() != "INACTIVE")
        {
            return Err(EcsError::ClusterContainsServices(
                "The Cluster cannot be deleted while Services are active.".into(),
            ));
        }
        if self
            .tasks
            .scan_prefix(&prefix)
            .iter()
            .any(|(_, t)| t.last_status() != "STOPPED")
        {
            return Err(EcsError::ClusterContainsTasks(
                "The Cluster cannot be deleted while Tasks are active.".into(),
            ));
        }
        if self
            .instances
            .scan_prefix(&prefix)
            .iter()
            .any(|(_, i)| i.is_registered())
        {
            return Err(EcsError::ClusterContainsContainerInstances(
                "The Cluster cannot be deleted while Container Instances are active.".into(),
            ));
        }
        if self.cluster_owns_capacity_providers(ctx, &name) {
            return Err(EcsError::ClusterContainsCapacityProvider(
                "The Cluster cannot be deleted while Capacity Providers are associated with it. Delete the Managed Instances Capacity Providers first.".into(),
            ));
        }
        let deleted = self
            .clusters
            .update(&cluster_key(ctx, &name), |r| {
                r.cluster.status = Some("INACTIVE".into());
                r.clone()
            })?
            .ok_or_else(EcsError::cluster_not_found)?;
        Ok(DeleteClusterResponse {
            cluster: Some(self.cluster_view(ctx, &deleted, ClusterParts::written())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_named_again_replace_the_old_value() {
        let setting = |value: &str| ClusterSetting {
            name: Some("containerInsights".into()),
            value: Some(value.into()),
        };
        let merged = merge_settings(vec![setting("disabled")], vec![setting("enhanced")]);
        assert_eq!(merged, vec![setting("enhanced")]);
        assert!(check_settings(&[setting("sometimes")]).is_err());
        assert!(check_settings(&[setting("enabled")]).is_ok());
    }
}
