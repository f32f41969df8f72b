//! Capacity providers: the built-in FARGATE and FARGATE_SPOT, Auto Scaling group providers, and
//! cluster-scoped Managed Instances providers; their association with clusters
//! (CreateCluster, PutClusterCapacityProviders); and capacity provider strategies, which decide
//! the launch type and the provider of each task RunTask or a service starts.
//!
//! The simulator has no Auto Scaling or EC2: a provider's group and launch template are stored
//! as written and tasks placed through an Auto Scaling provider run as EC2 tasks do here (on
//! the cluster's registered instances, or as if it had capacity).

use serde::{Deserialize, Serialize};
use sim_aws_shapes::ecs::{
    Attachment, AutoScalingGroupProvider, CapacityProvider, CapacityProviderStrategyItem,
    CreateCapacityProviderRequest, CreateCapacityProviderResponse, DeleteCapacityProviderRequest,
    DeleteCapacityProviderResponse, DescribeCapacityProvidersRequest,
    DescribeCapacityProvidersResponse, Failure, KeyValuePair, ManagedScaling,
    PutClusterCapacityProvidersRequest, PutClusterCapacityProvidersResponse,
    UpdateCapacityProviderRequest, UpdateCapacityProviderResponse,
};

use super::clusters::{ClusterParts, cluster_key};
use super::{Ecs, EcsError, name_of, page};
use crate::services::Ctx;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityProviderRecord {
    pub capacity_provider: CapacityProvider,
}

impl CapacityProviderRecord {
    fn name(&self) -> &str {
        self.capacity_provider.name.as_deref().unwrap_or_default()
    }

    fn is_active(&self) -> bool {
        self.capacity_provider.status.as_deref() == Some("ACTIVE")
    }

    fn kind(&self) -> &str {
        self.capacity_provider.r#type.as_deref().unwrap_or_default()
    }
}

/// The providers every account has.
const BUILT_IN: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];
/// The most capacity providers a cluster can have.
const MAX_PER_CLUSTER: usize = 20;
/// The most items a capacity provider strategy can have.
const MAX_STRATEGY_ITEMS: usize = 20;

/// Where a task runs: its launch type, and the strategy (if any) that chose its provider.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Capacity {
    pub launch_type: String,
    /// The strategy a request gave (or the cluster's default it fell back to).
    pub strategy: Option<Vec<CapacityProviderStrategyItem>>,
    /// Whether the request itself named a launch type (services answer it back only then).
    pub explicit_launch_type: bool,
}

fn provider_key(ctx: &Ctx, name: &str) -> String {
    format!("{}{name}", ctx.scope())
}

/// A capacity provider name: letters, digits, hyphens and underscores, not starting with
/// `aws`, `ecs` or `fargate`.
fn check_provider_name(name: &str) -> Result<(), EcsError> {
    let lower = name.to_ascii_lowercase();
    let reserved = ["aws", "ecs", "fargate"]
        .iter()
        .any(|prefix| lower.starts_with(prefix));
    if super::names::is_valid_name(name) && !reserved {
        Ok(())
    } else {
        Err(EcsError::InvalidParameter(
            "The specified capacity provider name is invalid. Up to 255 characters are allowed, including letters (upper and lowercase), numbers, underscores, and hyphens. The name cannot be prefixed with \"aws\", \"ecs\", or \"fargate\". Specify a valid name and try again.".into(),
        ))
    }
}

/// Managed scaling as ECS fills it in: omitted parts take their defaults.
fn with_scaling_defaults(scaling: Option<ManagedScaling>) -> ManagedScaling {
    let scaling = scaling.unwrap_or_default();
    ManagedScaling {
        status: scaling.status.or_else(|| Some("DISABLED".into())),
        target_capacity: scaling.target_capacity.or(Some(100)),
        minimum_scaling_step_size: scaling.minimum_scaling_step_size.or(Some(1)),
        maximum_scaling_step_size: scaling.maximum_scaling_step_size.or(Some(10_000)),
        instance_warmup_period: scaling.instance_warmup_period.or(Some(300)),
    }
}

/// The strategy checks ECS makes before looking at the providers themselves.
fn check_strategy_shape(strategy: &[CapacityProviderStrategyItem]) -> Result<(), EcsError> {
    if strategy.len() > MAX_STRATEGY_ITEMS {
        return Err(EcsError::InvalidParameter(format!(
            "A capacity provider strategy can contain a maximum of {MAX_STRATEGY_ITEMS} capacity providers."
        )));
    }
    if strategy
        .iter()
        .filter(|item| item.base.unwrap_or(0) > 0)
        .count()
        > 1
    {
        return Err(EcsError::InvalidParameter(
            "A capacity provider strategy can only have one capacity provider with a base value defined.".into(),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for item in strategy {
        if !seen.insert(item.capacity_provider.as_str()) {
            return Err(EcsError::InvalidParameter(
                "A capacity provider strategy cannot contain duplicate capacity providers.".into(),
            ));
        }
    }
    if !strategy.is_empty() && strategy.iter().all(|item| item.weight.unwrap_or(0) == 0) {
        return Err(EcsError::InvalidParameter(
            "At least one capacity provider in a capacity provider strategy must have a weight greater than zero.".into(),
        ));
    }
    let fargate = strategy
        .iter()
        .filter(|item| BUILT_IN.contains(&item.capacity_provider.as_str()))
        .count();
    if fargate > 0 && fargate < strategy.len() {
        return Err(EcsError::InvalidParameter(
            "A capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers. Specify one or the other and try again.".into(),
        ));
    }
    Ok(())
}

/// Which provider each of `count` new tasks goes to: bases first, then by weight, counting the
/// tasks each provider already has (`existing`, in strategy order).
pub(super) fn providers_for(
    strategy: &[CapacityProviderStrategyItem],
    existing: &[usize],
    count: usize,
) -> Vec<String> {
    let mut placed: Vec<usize> = strategy
        .iter()
        .enumerate()
        .map(|(index, _)| existing.get(index).copied().unwrap_or(0))
        .collect();
    let mut chosen = Vec::with_capacity(count);
    for _ in 0..count {
        let under_base = strategy
            .iter()
            .enumerate()
            .find(|(index, item)| placed[*index] < item.base.unwrap_or(0).max(0) as usize);
        let index = match under_base {
            Some((index, _)) => index,
            None => {
                // The provider furthest below its share of the tasks beyond the bases.
                let total_weight: i64 = strategy
                    .iter()
                    .map(|item| i64::from(item.weight.unwrap_or(0).max(0)))
                    .sum();
                let beyond_base: Vec<i64> = strategy
                    .iter()
                    .zip(&placed)
                    .map(|(item, &n)| n as i64 - i64::from(item.base.unwrap_or(0).max(0)))
                    .collect();
                let total: i64 = beyond_base.iter().sum::<i64>() + 1;
                strategy
                    .iter()
                    .enumerate()
                    .filter(|(_, item)| item.weight.unwrap_or(0) > 0)
                    .max_by(|(a, item_a), (b, item_b)| {
                        let deficit = |index: usize, item: &CapacityProviderStrategyItem| {
                            (i64::from(item.weight.unwrap_or(0)) * total) as f64
                                / total_weight.max(1) as f64
                                - beyond_base[index] as f64
                        };
                        deficit(*a, item_a)
                            .total_cmp(&deficit(*b, item_b))
                            .then(b.cmp(a))
                    })
                    .map_or(0, |(index, _)| index)
            }
        };
        placed[index] += 1;
        chosen.push(strategy[index].capacity_provider.clone());
    }
    chosen
}

impl Ecs {
    /// A built-in provider as ECS describes it.
    fn built_in(ctx: &Ctx, name: &str) -> CapacityProvider {
        CapacityProvider {
            capacity_provider_arn: Some(ctx.arn("ecs", &format!("capacity-provider/{name}"))),
            name: Some(name.into()),
            status: Some("ACTIVE".into()),
            tags: Some(Vec::new()),
            r#type: Some(name.into()),
            ..CapacityProvider::default()
        }
    }

    /// A provider a request names, built in or created, in any status.
    fn provider(&self, ctx: &Ctx, name_or_arn: &str) -> Option<CapacityProviderRecord> {
        let name = name_of(name_or_arn);
        if BUILT_IN.contains(&name) {
            return Some(CapacityProviderRecord {
                capacity_provider: Self::built_in(ctx, name),
            });
        }
        self.capacity_providers.get(&provider_key(ctx, name))
    }

    /// The clusters (other than `except`) whose capacity providers include `name`.
    fn clusters_using_provider(&self, ctx: &Ctx, name: &str, except: Option<&str>) -> Vec<String> {
        self.clusters
            .scan_prefix(&ctx.scope())
            .into_iter()
            .filter(|(_, c)| c.is_active() && Some(c.name()) != except)
            .filter(|(_, c)| {
                c.cluster
                    .capacity_providers
                    .iter()
                    .flatten()
                    .any(|p| p == name)
            })
            .map(|(_, c)| c.name().to_string())
            .collect()
    }

    /// Whether Managed Instances providers created in the cluster still exist.
    pub(super) fn cluster_owns_capacity_providers(&self, ctx: &Ctx, cluster: &str) -> bool {
        self.capacity_providers
            .scan_prefix(&ctx.scope())
            .iter()
            .any(|(_, p)| p.is_active() && p.capacity_provider.cluster.as_deref() == Some(cluster))
    }

    /// Checks the providers and default strategy a cluster is given, and answers the
    /// attachments ECS makes for them (a scaling policy per provider with managed scaling).
    pub(super) fn check_cluster_capacity_providers(
        &self,
        ctx: &Ctx,
        cluster: &str,
        providers: &[String],
        strategy: &[CapacityProviderStrategyItem],
    ) -> Result<(Option<Vec<Attachment>>, Option<String>), EcsError> {
        if providers.len() > MAX_PER_CLUSTER {
            return Err(EcsError::InvalidParameter(
                "The maximum number of capacity providers per cluster has been exceeded.".into(),
            ));
        }
        let mut attachments = Vec::new();
        for name in providers {
            let record = self
                .provider(ctx, name)
                .filter(CapacityProviderRecord::is_active)
                .ok_or_else(|| {
                    EcsError::InvalidParameter(
                        "The specified capacity provider was not found. Specify a valid capacity provider and try again.".into(),
                    )
                })?;
            if record.kind() == "MANAGED_INSTANCES"
                && record.capacity_provider.cluster.as_deref() != Some(cluster)
            {
                return Err(EcsError::InvalidParameter(format!(
                    "The capacity provider {name} belongs to another cluster."
                )));
            }
            if record.kind() == "EC2_AUTOSCALING" {
                if !self
                    .clusters_using_provider(ctx, record.name(), Some(cluster))
                    .is_empty()
                {
                    return Err(EcsError::InvalidParameter(format!(
                        "The capacity provider {name} is already associated with another cluster. A capacity provider using an Auto Scaling group can only be associated with one cluster."
                    )));
                }
                let managed = record
                    .capacity_provider
                    .auto_scaling_group_provider
                    .as_ref()
                    .and_then(|p| p.managed_scaling.as_ref())
                    .is_some_and(|s| s.status.as_deref() == Some("ENABLED"));
                if managed {
                    let detail = |name: &str, value: String| KeyValuePair {
                        name: Some(name.into()),
                        value: Some(value),
                    };
                    attachments.push(Attachment {
                        id: Some(self.kit.ids().uuid()),
                        r#type: Some("as_policy".into()),
                        status: Some("CREATED".into()),
                        details: Some(vec![
                            detail("capacityProviderName", record.name().to_string()),
                            detail(
                                "scalingPolicyName",
                                format!("ECSManagedAutoScalingPolicy-{}", self.kit.ids().uuid()),
                            ),
                        ]),
                    });
                }
            }
        }
        check_strategy_shape(strategy)?;
        for item in strategy {
            if !providers.contains(&item.capacity_provider) {
                return Err(EcsError::InvalidParameter(
                    "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.".into(),
                ));
            }
        }
        if providers.is_empty() {
            Ok((None, None))
        } else {
            Ok((Some(attachments), Some("UPDATE_COMPLETE".into())))
        }
    }

    /// Decides where the tasks of a RunTask call, a service or a task set run.
    pub(super) fn resolve_capacity(
        &self,
        ctx: &Ctx,
        cluster: &super::clusters::ClusterRecord,
        launch_type: Option<&str>,
        strategy: Option<&[CapacityProviderStrategyItem]>,
    ) -> Result<Capacity, EcsError> {
        let strategy = strategy.filter(|s| !s.is_empty());
        match (launch_type, strategy) {
            (Some(_), Some(_)) => Err(EcsError::InvalidParameter(
                "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.".into(),
            )),
            (Some(launch_type), None) => Ok(Capacity {
                launch_type: launch_type.to_string(),
                strategy: None,
                explicit_launch_type: true,
            }),
            (None, Some(strategy)) => self.capacity_of_strategy(ctx, cluster, strategy),
            (None, None) => {
                let default = cluster
                    .cluster
                    .default_capacity_provider_strategy
                    .clone()
                    .unwrap_or_default();
                if default.is_empty() {
                    Ok(Capacity {
                        launch_type: "EC2".into(),
                        strategy: None,
                        explicit_launch_type: false,
                    })
                } else {
                    self.capacity_of_strategy(ctx, cluster, &default)
                }
            }
        }
    }

    fn capacity_of_strategy(
        &self,
        ctx: &Ctx,
        cluster: &super::clusters::ClusterRecord,
        strategy: &[CapacityProviderStrategyItem],
    ) -> Result<Capacity, EcsError> {
        check_strategy_shape(strategy)?;
        let associated = cluster
            .cluster
            .capacity_providers
            .clone()
            .unwrap_or_default();
        let mut launch_type = "EC2";
        for item in strategy {
            let record = self
                .provider(ctx, &item.capacity_provider)
                .filter(CapacityProviderRecord::is_active)
                .filter(|_| associated.contains(&item.capacity_provider))
                .ok_or_else(|| {
                    EcsError::InvalidParameter(
                        "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.".into(),
                    )
                })?;
            launch_type = match record.kind() {
                "FARGATE" | "FARGATE_SPOT" => "FARGATE",
                "MANAGED_INSTANCES" => "MANAGED_INSTANCES",
                _ => "EC2",
            };
        }
        Ok(Capacity {
            launch_type: launch_type.into(),
            strategy: Some(strategy.to_vec()),
            explicit_launch_type: false,
        })
    }

    pub(super) async fn create_capacity_provider(
        &self,
        ctx: &Ctx,
        input: CreateCapacityProviderRequest,
    ) -> Result<CreateCapacityProviderResponse, EcsError> {
        check_provider_name(&input.name)?;
        let (kind, auto_scaling, managed, cluster) = match (
            input.auto_scaling_group_provider,
            input.managed_instances_provider,
        ) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(EcsError::InvalidParameter(
                        "Specify either autoScalingGroupProvider or managedInstancesProvider for the capacity provider.".into(),
                    ));
            }
            (Some(provider), None) => {
                let scaling = with_scaling_defaults(provider.managed_scaling);
                let protection = provider
                    .managed_termination_protection
                    .unwrap_or_else(|| "DISABLED".into());
                if protection == "ENABLED" && scaling.status.as_deref() != Some("ENABLED") {
                    return Err(EcsError::InvalidParameter(
                            "The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, managed scaling must also be enabled.".into(),
                        ));
                }
                let provider = AutoScalingGroupProvider {
                    auto_scaling_group_arn: provider.auto_scaling_group_arn,
                    managed_scaling: Some(scaling),
                    managed_termination_protection: Some(protection),
                    managed_draining: provider.managed_draining.or_else(|| Some("ENABLED".into())),
                };
                ("EC2_AUTOSCALING", Some(provider), None, None)
            }
            (None, Some(managed)) => {
                let cluster = input.cluster.as_deref().ok_or_else(|| {
                    EcsError::InvalidParameter(
                        "A cluster must be specified for a Managed Instances capacity provider."
                            .into(),
                    )
                })?;
                let cluster = self.cluster(ctx, Some(cluster))?;
                if !self.sts.role_exists(&managed.infrastructure_role_arn) {
                    return Err(EcsError::InvalidParameter(format!(
                        "Unable to assume the infrastructure role {}. Verify that the role exists and trusts ecs.amazonaws.com.",
                        managed.infrastructure_role_arn
                    )));
                }
                let managed = super::reshape(managed)?;
                (
                    "MANAGED_INSTANCES",
                    None,
                    Some(managed),
                    Some(cluster.name().to_string()),
                )
            }
        };
        if let Some(provider) = &auto_scaling
            && self
                .capacity_providers
                .scan_prefix(&ctx.scope())
                .iter()
                .any(|(_, p)| {
                    p.is_active()
                        && p.capacity_provider
                            .auto_scaling_group_provider
                            .as_ref()
                            .is_some_and(|other| {
                                other.auto_scaling_group_arn == provider.auto_scaling_group_arn
                            })
                })
        {
            return Err(EcsError::InvalidParameter(
                "The specified Auto Scaling group is already in use by another capacity provider."
                    .into(),
            ));
        }
        let capacity_provider = CapacityProvider {
            capacity_provider_arn: Some(
                ctx.arn("ecs", &format!("capacity-provider/{}", input.name)),
            ),
            name: Some(input.name.clone()),
            cluster,
            status: Some("ACTIVE".into()),
            auto_scaling_group_provider: auto_scaling,
            managed_instances_provider: managed,
            tags: Some(super::tags_or_empty(input.tags)),
            r#type: Some(kind.into()),
            ..CapacityProvider::default()
        };
        self.capacity_providers
            .modify(&provider_key(ctx, &input.name), |slot| {
                if slot.as_ref().is_some_and(CapacityProviderRecord::is_active) {
                    return Err(EcsError::Client(
                        "The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.".into(),
                    ));
                }
                *slot = Some(CapacityProviderRecord {
                    capacity_provider: capacity_provider.clone(),
                });
                Ok(())
            })?;
        Ok(CreateCapacityProviderResponse {
            capacity_provider: Some(capacity_provider),
        })
    }

    pub(super) async fn describe_capacity_providers(
        &self,
        ctx: &Ctx,
        input: DescribeCapacityProvidersRequest,
    ) -> Result<DescribeCapacityProvidersResponse, EcsError> {
        let with_tags = input
            .include
            .unwrap_or_default()
            .iter()
            .any(|i| i == "TAGS");
        let cluster = input
            .cluster
            .as_deref()
            .map(|name| self.cluster(ctx, Some(name)))
            .transpose()?;
        let mut failures = Vec::new();
        let mut found: Vec<(String, CapacityProvider)> = Vec::new();
        match input.capacity_providers.filter(|names| !names.is_empty()) {
            Some(names) => {
                for (index, requested) in names.into_iter().enumerate() {
                    match self.provider(ctx, &requested) {
                        Some(record) => {
                            found.push((format!("{index:05}"), record.capacity_provider))
                        }
                        None => failures.push(Failure {
                            arn: Some(if requested.starts_with("arn:") {
                                requested
                            } else {
                                ctx.arn("ecs", &format!("capacity-provider/{requested}"))
                            }),
                            reason: Some("MISSING".into()),
                            detail: None,
                        }),
                    }
                }
            }
            None => {
                for name in BUILT_IN {
                    found.push((name.to_string(), Self::built_in(ctx, name)));
                }
                for (_, record) in self.capacity_providers.scan_prefix(&ctx.scope()) {
                    if record.is_active() {
                        found.push((record.name().to_string(), record.capacity_provider));
                    }
                }
            }
        }
        if let Some(cluster) = &cluster {
            let associated = cluster
                .cluster
                .capacity_providers
                .clone()
                .unwrap_or_default();
            found.retain(|(_, p)| {
                p.cluster.as_deref() == Some(cluster.name())
                    || p.name.as_ref().is_some_and(|n| associated.contains(n))
            });
        } else {
            // Managed Instances providers are only seen through their cluster.
            found.retain(|(_, p)| p.cluster.is_none());
        }
        let entries = found
            .into_iter()
            .map(|(key, mut provider)| {
                if !with_tags {
                    provider.tags = None;
                }
                (key, provider)
            })
            .collect();
        let (capacity_providers, next_token) =
            page(entries, input.next_token.as_deref(), input.max_results, 10)?;
        Ok(DescribeCapacityProvidersResponse {
            capacity_providers: Some(capacity_providers),
            failures: Some(failures),
            next_token,
        })
    }

    pub(super) async fn update_capacity_provider(
        &self,
        ctx: &Ctx,
        input: UpdateCapacityProviderRequest,
    ) -> Result<UpdateCapacityProviderResponse, EcsError> {
        let name = name_of(&input.name).to_string();
        if BUILT_IN.contains(&name.as_str()) {
            return Err(EcsError::InvalidParameter(format!(
                "The {name} capacity provider is reserved and cannot be updated."
            )));
        }
        let not_found = || {
            EcsError::InvalidParameter(
                "The specified capacity provider was not found. Specify a valid capacity provider and try again.".into(),
            )
        };
        let record = self
            .capacity_providers
            .get(&provider_key(ctx, &name))
            .filter(CapacityProviderRecord::is_active)
            .ok_or_else(not_found)?;
        let managed_update = input
            .managed_instances_provider
            .map(super::reshape::<_, sim_aws_shapes::ecs::ManagedInstancesProvider>)
            .transpose()?;
        if record.kind() == "MANAGED_INSTANCES" && input.auto_scaling_group_provider.is_some()
            || record.kind() == "EC2_AUTOSCALING" && managed_update.is_some()
        {
            return Err(EcsError::InvalidParameter(
                "The update does not match the kind of the capacity provider.".into(),
            ));
        }
        let updated = self
            .capacity_providers
            .update(&provider_key(ctx, &name), |record| {
                let provider = &mut record.capacity_provider;
                if let (Some(update), Some(current)) = (
                    input.auto_scaling_group_provider,
                    provider.auto_scaling_group_provider.as_mut(),
                ) {
                    if let Some(scaling) = update.managed_scaling {
                        let before = current.managed_scaling.clone().unwrap_or_default();
                        current.managed_scaling =
                            Some(with_scaling_defaults(Some(ManagedScaling {
                                status: scaling.status.or(before.status),
                                target_capacity: scaling.target_capacity.or(before.target_capacity),
                                minimum_scaling_step_size: scaling
                                    .minimum_scaling_step_size
                                    .or(before.minimum_scaling_step_size),
                                maximum_scaling_step_size: scaling
                                    .maximum_scaling_step_size
                                    .or(before.maximum_scaling_step_size),
                                instance_warmup_period: scaling
                                    .instance_warmup_period
                                    .or(before.instance_warmup_period),
                            })));
                    }
                    if update.managed_termination_protection.is_some() {
                        current.managed_termination_protection =
                            update.managed_termination_protection;
                    }
                    if update.managed_draining.is_some() {
                        current.managed_draining = update.managed_draining;
                    }
                }
                if let Some(managed) = managed_update {
                    provider.managed_instances_provider = Some(managed);
                }
                provider.update_status = Some("UPDATE_COMPLETE".into());
                provider.clone()
            })?
            .ok_or_else(not_found)?;
        Ok(UpdateCapacityProviderResponse {
            capacity_provider: Some(updated),
        })
    }

    pub(super) async fn delete_capacity_provider(
        &self,
        ctx: &Ctx,
        input: DeleteCapacityProviderRequest,
    ) -> Result<DeleteCapacityProviderResponse, EcsError> {
        let name = name_of(&input.capacity_provider).to_string();
        if BUILT_IN.contains(&name.as_str()) {
            return Err(EcsError::InvalidParameter(format!(
                "The {name} capacity provider is reserved and cannot be deleted."
            )));
        }
        let not_found = || {
            EcsError::InvalidParameter(
                "The specified capacity provider was not found. Specify a valid capacity provider and try again.".into(),
            )
        };
        let record = self
            .capacity_providers
            .get(&provider_key(ctx, &name))
            .filter(CapacityProviderRecord::is_active)
            .ok_or_else(not_found)?;
        if let Some(owner) = record.capacity_provider.cluster.as_deref()
            && input.cluster.as_deref().map(name_of) != Some(owner)
        {
            return Err(EcsError::InvalidParameter(format!(
                "The capacity provider {name} belongs to cluster {owner}: specify that cluster to delete it."
            )));
        }
        if !self.clusters_using_provider(ctx, &name, None).is_empty() {
            return Err(EcsError::InvalidParameter(
                "The specified capacity provider is in use and cannot be removed.".into(),
            ));
        }
        // Deletion completes at once here: the response shows it under way, as ECS does, and
        // later reads show it done.
        let deleted = self
            .capacity_providers
            .update(&provider_key(ctx, &name), |record| {
                let provider = &mut record.capacity_provider;
                let answered = CapacityProvider {
                    update_status: Some("DELETE_IN_PROGRESS".into()),
                    ..provider.clone()
                };
                provider.status = Some("INACTIVE".into());
                provider.update_status = Some("DELETE_COMPLETE".into());
                answered
            })?
            .ok_or_else(not_found)?;
        Ok(DeleteCapacityProviderResponse {
            capacity_provider: Some(deleted),
        })
    }

    pub(super) async fn put_cluster_capacity_providers(
        &self,
        ctx: &Ctx,
        input: PutClusterCapacityProvidersRequest,
    ) -> Result<PutClusterCapacityProvidersResponse, EcsError> {
        let record = self.cluster(ctx, Some(&input.cluster))?;
        let (attachments, status) = self.check_cluster_capacity_providers(
            ctx,
            record.name(),
            &input.capacity_providers,
            &input.default_capacity_provider_strategy,
        )?;
        // A provider that services or running tasks still use cannot be taken away.
        let removed: Vec<String> = record
            .cluster
            .capacity_providers
            .clone()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| !input.capacity_providers.contains(p))
            .collect();
        if !removed.is_empty() {
            let prefix = format!("{}{}/", ctx.scope(), record.name());
            let uses = |strategy: &Option<Vec<CapacityProviderStrategyItem>>| {
                strategy
                    .iter()
                    .flatten()
                    .any(|item| removed.contains(&item.capacity_provider))
            };
            let services_use = self.services.scan_prefix(&prefix).iter().any(|(_, s)| {
                s.status() != "INACTIVE" && uses(&s.service.capacity_provider_strategy)
            });
            let tasks_use = self.tasks.scan_prefix(&prefix).iter().any(|(_, t)| {
                t.last_status() != "STOPPED"
                    && t.task
                        .capacity_provider_name
                        .as_ref()
                        .is_some_and(|p| removed.contains(p))
            });
            if services_use || tasks_use {
                return Err(EcsError::ResourceInUse(
                    "The specified capacity provider is in use and cannot be removed.".into(),
                ));
            }
        }
        let updated = self
            .clusters
            .update(&cluster_key(ctx, record.name()), |record| {
                let cluster = &mut record.cluster;
                cluster.capacity_providers = Some(input.capacity_providers);
                cluster.default_capacity_provider_strategy =
                    Some(input.default_capacity_provider_strategy);
                cluster.attachments = attachments.or_else(|| Some(Vec::new()));
                cluster.attachments_status = status.or_else(|| Some("UPDATE_COMPLETE".into()));
                record.clone()
            })?
            .ok_or_else(EcsError::cluster_not_found)?;
        let parts = ClusterParts {
            attachments: true,
            settings: true,
            tags: true,
            ..ClusterParts::default()
        };
        Ok(PutClusterCapacityProvidersResponse {
            cluster: Some(self.cluster_view(ctx, &updated, parts)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, weight: i32, base: i32) -> CapacityProviderStrategyItem {
        CapacityProviderStrategyItem {
            capacity_provider: name.into(),
            weight: Some(weight),
            base: Some(base),
        }
    }

    #[test]
    fn bases_first_then_weights() {
        let strategy = [item("FARGATE", 1, 2), item("FARGATE_SPOT", 3, 0)];
        let chosen = providers_for(&strategy, &[0, 0], 6);
        assert_eq!(chosen[..2], ["FARGATE", "FARGATE"]);
        let spot = chosen.iter().filter(|p| *p == "FARGATE_SPOT").count();
        assert_eq!(spot, 3, "{chosen:?}");
        let only = [item("FARGATE", 1, 0)];
        assert_eq!(providers_for(&only, &[5], 2), ["FARGATE", "FARGATE"]);
    }

    #[test]
    fn strategies_are_checked() {
        assert!(
            check_strategy_shape(&[item("FARGATE", 1, 1), item("FARGATE_SPOT", 1, 1)]).is_err()
        );
        assert!(check_strategy_shape(&[item("FARGATE", 1, 0), item("asg", 1, 0)]).is_err());
        assert!(check_strategy_shape(&[item("FARGATE", 0, 0)]).is_err());
        assert!(check_strategy_shape(&[item("FARGATE", 1, 0), item("FARGATE", 1, 0)]).is_err());
        assert!(check_strategy_shape(&[item("FARGATE", 1, 1), item("FARGATE_SPOT", 4, 0)]).is_ok());
        assert!(check_provider_name("fargate-mine").is_err());
        assert!(check_provider_name("mine").is_ok());
    }
}
