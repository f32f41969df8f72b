//! Clusters and container instances.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::types::{Cluster, ClusterSetting, ContainerInstance, Failure, KeyValuePair, Tag};
use super::{DEFAULT_CLUSTER, Ecs, EcsError, name_of, page};
use crate::services::Ctx;

/// A stored cluster. Counts are computed when described, from the tasks and services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRecord {
    pub account_id: String,
    pub region: String,
    pub cluster: Cluster,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceRecord {
    pub cluster_name: String,
    pub instance: ContainerInstance,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateClusterRequest {
    #[serde(default)]
    pub cluster_name: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub settings: Vec<ClusterSetting>,
    #[serde(default)]
    pub configuration: Option<Value>,
    #[serde(default)]
    pub capacity_providers: Vec<String>,
    #[serde(default)]
    pub default_capacity_provider_strategy: Vec<Value>,
    #[serde(default)]
    pub service_connect_defaults: Option<Value>,
}

#[derive(Debug, Serialize)]
pub struct ClusterResponse {
    pub cluster: Cluster,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeClustersRequest {
    #[serde(default)]
    pub clusters: Vec<String>,
    #[serde(default)]
    pub include: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct DescribeClustersResponse {
    pub clusters: Vec<Cluster>,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListClustersRequest {
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListClustersResponse {
    pub cluster_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DeleteClusterRequest {
    pub cluster: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterContainerInstanceRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub instance_identity_document: Option<String>,
    #[serde(default)]
    pub total_resources: Vec<Value>,
    #[serde(default)]
    pub version_info: Option<Value>,
    #[serde(default)]
    pub attributes: Vec<Value>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerInstanceResponse {
    pub container_instance: ContainerInstance,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeregisterContainerInstanceRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub container_instance: String,
    #[serde(default)]
    pub force: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListContainerInstancesRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub max_results: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListContainerInstancesResponse {
    pub container_instance_arns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeContainerInstancesRequest {
    #[serde(default)]
    pub cluster: Option<String>,
    pub container_instances: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeContainerInstancesResponse {
    pub container_instances: Vec<ContainerInstance>,
    pub failures: Vec<Failure>,
}

pub(super) fn cluster_key(ctx: &Ctx, name: &str) -> String {
    format!("{}{name}", ctx.scope())
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
            .filter(|record| record.cluster.status == "ACTIVE")
            .ok_or_else(|| EcsError::ClusterNotFound("Cluster not found.".into()))
    }

    /// A cluster as DescribeClusters shows it: counts from the live tasks and services.
    fn with_counts(&self, ctx: &Ctx, mut cluster: Cluster, include: &[String]) -> Cluster {
        let prefix = format!("{}{}/", ctx.scope(), cluster.cluster_name);
        let tasks = self.tasks.scan_prefix(&prefix);
        cluster.running_tasks_count = tasks
            .iter()
            .filter(|(_, t)| t.task.last_status == "RUNNING")
            .count() as i64;
        cluster.pending_tasks_count = tasks
            .iter()
            .filter(|(_, t)| {
                matches!(
                    t.task.last_status.as_str(),
                    "PROVISIONING" | "PENDING" | "ACTIVATING"
                )
            })
            .count() as i64;
        cluster.active_services_count = self
            .services
            .scan_prefix(&prefix)
            .iter()
            .filter(|(_, s)| s.service.status == "ACTIVE")
            .count() as i64;
        cluster.registered_container_instances_count = self
            .instances
            .scan_prefix(&prefix)
            .iter()
            .filter(|(_, i)| i.instance.status == "ACTIVE")
            .count() as i64;
        let wants = |field: &str| include.iter().any(|i| i == field);
        if !wants("TAGS") {
            cluster.tags.clear();
        }
        if !wants("SETTINGS") {
            cluster.settings.clear();
        }
        if !wants("CONFIGURATIONS") {
            cluster.configuration = None;
        }
        if wants("STATISTICS") {
            cluster.statistics = vec![
                KeyValuePair {
                    name: "runningFargateTasksCount".into(),
                    value: cluster.running_tasks_count.to_string(),
                },
                KeyValuePair {
                    name: "pendingFargateTasksCount".into(),
                    value: cluster.pending_tasks_count.to_string(),
                },
                KeyValuePair {
                    name: "activeFargateServiceCount".into(),
                    value: cluster.active_services_count.to_string(),
                },
            ];
        }
        cluster
    }

    pub(super) async fn create_cluster(
        &self,
        ctx: &Ctx,
        input: CreateClusterRequest,
    ) -> Result<ClusterResponse, EcsError> {
        let name = input.cluster_name.unwrap_or_else(|| DEFAULT_CLUSTER.into());
        super::names::check_cluster_name(&name)?;
        let mut settings = input.settings;
        if !settings.iter().any(|s| s.name == "containerInsights") {
            settings.push(ClusterSetting {
                name: "containerInsights".into(),
                value: "disabled".into(),
            });
        }
        let cluster = Cluster {
            cluster_arn: ctx.arn("ecs", &format!("cluster/{name}")),
            cluster_name: name.clone(),
            configuration: input.configuration,
            status: "ACTIVE".into(),
            registered_container_instances_count: 0,
            running_tasks_count: 0,
            pending_tasks_count: 0,
            active_services_count: 0,
            statistics: Vec::new(),
            tags: input.tags,
            settings,
            capacity_providers: input.capacity_providers,
            default_capacity_provider_strategy: input.default_capacity_provider_strategy,
            service_connect_defaults: input.service_connect_defaults,
        };
        // CreateCluster is idempotent: an active cluster of that name is returned as it is.
        let stored = self.clusters.modify(&cluster_key(ctx, &name), |slot| {
            match slot {
                Some(existing) if existing.cluster.status == "ACTIVE" => {}
                _ => {
                    *slot = Some(ClusterRecord {
                        account_id: ctx.account_id.clone(),
                        region: ctx.region.clone(),
                        cluster: cluster.clone(),
                    })
                }
            }
            Ok::<_, EcsError>(slot.clone().map(|r| r.cluster).unwrap_or(cluster.clone()))
        })?;
        let include = [
            "TAGS".to_string(),
            "SETTINGS".to_string(),
            "CONFIGURATIONS".to_string(),
        ];
        Ok(ClusterResponse {
            cluster: self.with_counts(ctx, stored, &include),
        })
    }

    pub(super) async fn describe_clusters(
        &self,
        ctx: &Ctx,
        input: DescribeClustersRequest,
    ) -> Result<DescribeClustersResponse, EcsError> {
        let names = if input.clusters.is_empty() {
            vec![DEFAULT_CLUSTER.to_string()]
        } else {
            input.clusters
        };
        let mut clusters = Vec::new();
        let mut failures = Vec::new();
        for requested in names {
            let name = name_of(&requested);
            match self.clusters.get(&cluster_key(ctx, name)) {
                Some(record) => {
                    clusters.push(self.with_counts(ctx, record.cluster, &input.include))
                }
                None => failures.push(Failure {
                    arn: Some(ctx.arn("ecs", &format!("cluster/{name}"))),
                    reason: "MISSING".into(),
                    detail: None,
                }),
            }
        }
        Ok(DescribeClustersResponse { clusters, failures })
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
            .filter(|(_, r)| r.cluster.status == "ACTIVE")
            .map(|(key, r)| (key, r.cluster.cluster_arn))
            .collect();
        let (cluster_arns, next_token) =
            page(active, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListClustersResponse {
            cluster_arns,
            next_token,
        })
    }

    pub(super) async fn delete_cluster(
        &self,
        ctx: &Ctx,
        input: DeleteClusterRequest,
    ) -> Result<ClusterResponse, EcsError> {
        let record = self.cluster(ctx, Some(&input.cluster))?;
        let name = record.cluster.cluster_name.clone();
        let prefix = format!("{}{name}/", ctx.scope());
        if self
            .services
            .scan_prefix(&prefix)
            .iter()
            .any(|(_, s)| s.service.status != "INACTIVE")
        {
            return Err(EcsError::ClusterContainsServices(
                "The Cluster cannot be deleted while Services are active.".into(),
            ));
        }
        if self
            .tasks
            .scan_prefix(&prefix)
            .iter()
            .any(|(_, t)| t.task.last_status != "STOPPED")
        {
            return Err(EcsError::ClusterContainsTasks(
                "The Cluster cannot be deleted while Tasks are active.".into(),
            ));
        }
        if self
            .instances
            .scan_prefix(&prefix)
            .iter()
            .any(|(_, i)| i.instance.status == "ACTIVE")
        {
            return Err(EcsError::ClusterContainsContainerInstances(
                "The Cluster cannot be deleted while Container Instances are active.".into(),
            ));
        }
        let deleted = self
            .clusters
            .update(&cluster_key(ctx, &name), |r| {
                r.cluster.status = "INACTIVE".into();
                r.cluster.clone()
            })?
            .ok_or_else(|| EcsError::ClusterNotFound("Cluster not found.".into()))?;
        Ok(ClusterResponse {
            cluster: self.with_counts(ctx, deleted, &[]),
        })
    }

    pub(super) async fn register_container_instance(
        &self,
        ctx: &Ctx,
        input: RegisterContainerInstanceRequest,
    ) -> Result<ContainerInstanceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let id = self.kit.ids().hex(32);
        let ec2_instance_id = input
            .instance_identity_document
            .as_deref()
            .and_then(|doc| serde_json::from_str::<Value>(doc).ok())
            .and_then(|doc| {
                doc.get("instanceId")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| format!("i-{}", self.kit.ids().hex(17)));
        let resources = if input.total_resources.is_empty() {
            default_resources()
        } else {
            input.total_resources
        };
        let instance = ContainerInstance {
            container_instance_arn: ctx.arn(
                "ecs",
                &format!("container-instance/{}/{id}", cluster.cluster.cluster_name),
            ),
            ec2_instance_id,
            version: 1,
            version_info: input.version_info,
            remaining_resources: resources.clone(),
            registered_resources: resources,
            status: "ACTIVE".into(),
            agent_connected: true,
            running_tasks_count: 0,
            pending_tasks_count: 0,
            attributes: input.attributes,
            registered_at: self.now(),
            tags: input.tags,
        };
        let key = format!("{}{}/{id}", ctx.scope(), cluster.cluster.cluster_name);
        self.instances.insert(
            &key,
            InstanceRecord {
                cluster_name: cluster.cluster.cluster_name,
                instance: instance.clone(),
            },
        )?;
        Ok(ContainerInstanceResponse {
            container_instance: instance,
        })
    }

    pub(super) async fn deregister_container_instance(
        &self,
        ctx: &Ctx,
        input: DeregisterContainerInstanceRequest,
    ) -> Result<ContainerInstanceResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let key = format!(
            "{}{}/{}",
            ctx.scope(),
            cluster.cluster.cluster_name,
            name_of(&input.container_instance)
        );
        let record = self
            .instances
            .get(&key)
            .ok_or_else(|| EcsError::InvalidParameter("Container instance not found.".into()))?;
        let busy = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.cluster.cluster_name))
            .iter()
            .any(|(_, t)| {
                t.task.container_instance_arn.as_deref()
                    == Some(record.instance.container_instance_arn.as_str())
                    && t.task.last_status != "STOPPED"
            });
        if busy && !input.force.unwrap_or(false) {
            return Err(EcsError::InvalidParameter(
                "Found running tasks on the instance. Use force to deregister it anyway.".into(),
            ));
        }
        let instance = self
            .instances
            .update(&key, |r| {
                r.instance.status = "INACTIVE".into();
                r.instance.agent_connected = false;
                r.instance.version += 1;
                r.instance.clone()
            })?
            .ok_or_else(|| EcsError::InvalidParameter("Container instance not found.".into()))?;
        Ok(ContainerInstanceResponse {
            container_instance: instance,
        })
    }

    pub(super) async fn list_container_instances(
        &self,
        ctx: &Ctx,
        input: ListContainerInstancesRequest,
    ) -> Result<ListContainerInstancesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let wanted = input.status.unwrap_or_else(|| "ACTIVE".into());
        let items = self
            .instances
            .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.cluster.cluster_name))
            .into_iter()
            .filter(|(_, r)| r.instance.status == wanted)
            .map(|(key, r)| (key, r.instance.container_instance_arn))
            .collect();
        let (container_instance_arns, next_token) =
            page(items, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(ListContainerInstancesResponse {
            container_instance_arns,
            next_token,
        })
    }

    pub(super) async fn describe_container_instances(
        &self,
        ctx: &Ctx,
        input: DescribeContainerInstancesRequest,
    ) -> Result<DescribeContainerInstancesResponse, EcsError> {
        let cluster = self.cluster(ctx, input.cluster.as_deref())?;
        let mut container_instances = Vec::new();
        let mut failures = Vec::new();
        for requested in input.container_instances {
            let key = format!(
                "{}{}/{}",
                ctx.scope(),
                cluster.cluster.cluster_name,
                name_of(&requested)
            );
            match self.instances.get(&key) {
                Some(record) => container_instances.push(record.instance),
                None => failures.push(Failure {
                    arn: Some(requested),
                    reason: "MISSING".into(),
                    detail: None,
                }),
            }
        }
        Ok(DescribeContainerInstancesResponse {
            container_instances,
            failures,
        })
    }

    /// Active container instances of a cluster, for placing EC2 tasks.
    pub(super) fn active_instances(&self, ctx: &Ctx, cluster: &str) -> Vec<String> {
        self.instances
            .scan_prefix(&format!("{}{cluster}/", ctx.scope()))
            .into_iter()
            .filter(|(_, r)| r.instance.status == "ACTIVE")
            .map(|(_, r)| r.instance.container_instance_arn)
            .collect()
    }
}

/// What a container instance registers when the agent reports nothing: a small host.
fn default_resources() -> Vec<Value> {
    vec![
        serde_json::json!({"name": "CPU", "type": "INTEGER", "integerValue": 2048, "doubleValue": 0.0, "longValue": 0}),
        serde_json::json!({"name": "MEMORY", "type": "INTEGER", "integerValue": 3943, "doubleValue": 0.0, "longValue": 0}),
    ]
}
