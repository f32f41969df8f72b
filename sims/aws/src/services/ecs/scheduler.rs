//! The service scheduler: what keeps each service at its desired state.
//!
//! It runs after every change that can move a service away from that state (create, update,
//! delete, a task set's change, an instance's registration or draining, and the start or stop
//! of one of its tasks). A service's tasks come in groups, each started by one *target* (their
//! `startedBy`): the deployments of an ECS-controlled service, or the task sets of an EXTERNAL
//! or CODE_DEPLOY one. The scheduler starts tasks of a target until it has its count (one per
//! ACTIVE instance for a daemon service), stops surplus tasks (never a protected one while its
//! protection lasts), retires older deployments once the primary's tasks run, and records the
//! events ECS records. A task that keeps failing is restarted with a growing delay, as ECS
//! throttles a crash-looping service; with the deployment circuit breaker on, a deployment
//! whose tasks keep failing is marked FAILED (and rolled back when asked to).

use std::collections::BTreeSet;
use std::time::Duration;

use sim_aws_shapes::ecs::{NetworkConfiguration, ServiceEvent, TaskOverride};

use super::capacity_providers::{Capacity, providers_for};
use super::lifecycle::StopRequest;
use super::services::{ServiceRecord, service_key};
use super::tasks::{Launch, TaskRecord, managed_tag, merge_tags};
use super::{Ecs, name_of};
use crate::services::{Caller, Ctx};

/// ECS keeps at most this many events per service, newest first.
const MAX_EVENTS: usize = 100;
/// How long every task of a deployment must have been running, with none failing meanwhile,
/// before the deployment counts as completed and the service as steady. A task that crashes
/// sooner keeps the deployment IN_PROGRESS, as a crash-looping service is on ECS.
const STABLE_AFTER_MS: i64 = 2_000;

/// One group of a service's tasks, kept at a count.
struct Target {
    /// The deployment or task set ID: the `startedBy` of its tasks.
    id: String,
    definition: String,
    desired: usize,
    capacity: Capacity,
    platform_version: Option<String>,
    network_configuration: Option<NetworkConfiguration>,
}

/// The deployment circuit breaker's threshold: half the desired count, between 3 and 200.
pub(super) fn circuit_breaker_threshold(desired: i32) -> i32 {
    ((desired + 1) / 2).clamp(3, 200)
}

impl Ecs {
    /// Called by the lifecycle when a service's task is running: a deployment may now retire
    /// older tasks, and the service may have reached a steady state.
    pub(super) fn task_of_service_running(&self, task_key: &str, service: &str) {
        self.register_in_cloud_map(task_key, service);
        let Some(task) = self.tasks.get(task_key) else {
            return;
        };
        let key = service_key(
            &format!("{}/{}/", task.account_id, task.region),
            &task.cluster_name,
            service,
        );
        self.reconcile_later(&key, Duration::ZERO);
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
        let stop_code = task.task.stop_code.as_deref();
        let ran_briefly = task
            .task
            .started_at
            .zip(task.task.stopped_at)
            .is_none_or(|(start, stop)| stop.millis() - start.millis() < 10_000);
        let failed = stop_code == Some("TaskFailedToStart")
            || ran_briefly && stop_code == Some("EssentialContainerExited");
        let started_by = task.started_by().map(str::to_string);
        let failures = self
            .services
            .update(&key, |record| {
                if failed {
                    record.failures_in_a_row += 1;
                    for deployment in record.service.deployments.iter_mut().flatten() {
                        if deployment.id.is_some() && deployment.id == started_by {
                            deployment.failed_tasks =
                                Some(deployment.failed_tasks.unwrap_or(0) + 1);
                        }
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
    pub(super) fn reconcile_later(&self, key: &str, delay: Duration) {
        let Some(ecs) = self.arc() else { return };
        let key = key.to_string();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            ecs.reconcile(&key).await;
        });
    }

    /// Reconciles every daemon service of a cluster: its instances changed.
    pub(super) async fn reconcile_daemon_services(&self, ctx: &Ctx, cluster: &str) {
        let keys: Vec<String> = self
            .services
            .scan_prefix(&format!("{}{cluster}/", ctx.scope()))
            .into_iter()
            .filter(|(_, s)| s.is_daemon() && s.status() != "INACTIVE")
            .map(|(key, _)| key)
            .collect();
        for key in keys {
            self.reconcile(&key).await;
        }
    }

    /// The targets of a service and their counts, given its tasks.
    fn targets(
        &self,
        ctx: &Ctx,
        record: &ServiceRecord,
        tasks: &[(String, TaskRecord)],
    ) -> Vec<Target> {
        let wanted = self.wanted_count(ctx, record);
        let running_of = |id: &str| {
            tasks
                .iter()
                .filter(|(_, t)| t.started_by() == Some(id) && t.last_status() == "RUNNING")
                .count()
        };
        if record.controller() == "ECS" {
            let deployments = record.deployments();
            let Some(primary) = deployments.first() else {
                return Vec::new();
            };
            let primary_id = primary.id.clone().unwrap_or_default();
            let primary_ready = running_of(&primary_id) >= wanted;
            deployments
                .iter()
                .enumerate()
                .map(|(index, deployment)| {
                    let id = deployment.id.clone().unwrap_or_default();
                    let desired = if index == 0 {
                        wanted
                    } else if primary_ready {
                        0
                    } else {
                        // Older deployments keep their tasks until the primary's run.
                        tasks
                            .iter()
                            .filter(|(_, t)| t.started_by() == Some(id.as_str()))
                            .count()
                    };
                    Target {
                        desired,
                        definition: deployment.task_definition.clone().unwrap_or_default(),
                        capacity: Capacity {
                            launch_type: deployment
                                .launch_type
                                .clone()
                                .unwrap_or_else(|| record.capacity().launch_type),
                            strategy: deployment.capacity_provider_strategy.clone(),
                            explicit_launch_type: deployment.launch_type.is_some(),
                        },
                        platform_version: deployment.platform_version.clone(),
                        network_configuration: deployment.network_configuration.clone(),
                        id,
                    }
                })
                .collect()
        } else {
            let desired = record.service.desired_count.unwrap_or(0);
            record
                .service
                .task_sets
                .iter()
                .flatten()
                .map(|task_set| Target {
                    id: task_set.id.clone().unwrap_or_default(),
                    definition: task_set.task_definition.clone().unwrap_or_default(),
                    desired: if task_set.status.as_deref() == Some("DRAINING")
                        || record.status() != "ACTIVE"
                    {
                        0
                    } else {
                        super::task_sets::computed_desired(desired, task_set.scale.as_ref()).max(0)
                            as usize
                    },
                    capacity: Capacity {
                        launch_type: task_set.launch_type.clone().unwrap_or_else(|| "EC2".into()),
                        strategy: task_set.capacity_provider_strategy.clone(),
                        explicit_launch_type: task_set.launch_type.is_some(),
                    },
                    platform_version: task_set.platform_version.clone(),
                    network_configuration: task_set.network_configuration.clone(),
                })
                .collect()
        }
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
        let Ok(cluster) = self.cluster(&ctx, Some(&record.cluster_name)) else {
            return;
        };
        let name = record.name().to_string();
        let mine: Vec<(String, TaskRecord)> = self
            .tasks
            .scan_prefix(&format!("{}{}/", ctx.scope(), record.cluster_name))
            .into_iter()
            .filter(|(_, t)| {
                t.service.as_deref() == Some(name.as_str()) && t.desired_status() == "RUNNING"
            })
            .collect();
        let targets = self.targets(&ctx, &record, &mine);
        let now = self.now();
        let mut events = Vec::new();
        let mut to_stop: Vec<String> = Vec::new();
        let mut protected_until: Option<i64> = None;

        for target in &targets {
            let current: Vec<&(String, TaskRecord)> = mine
                .iter()
                .filter(|(_, t)| t.started_by() == Some(target.id.as_str()))
                .collect();
            if current.len() < target.desired {
                let started =
                    self.start_target_tasks(&ctx, &cluster, &record, target, &current, &mut events);
                if !started.is_empty() {
                    let ids: Vec<String> =
                        started.iter().map(|id| format!("(task {id})")).collect();
                    events.push(format!(
                        "(service {name}) has started {} tasks: {}.",
                        started.len(),
                        ids.join(" ")
                    ));
                }
            } else if current.len() > target.desired {
                // Surplus tasks go newest first; a protected task stays while it is protected.
                let surplus = current.len() - target.desired;
                let mut candidates: Vec<_> = current.iter().rev().collect();
                candidates.sort_by_key(|(_, t)| t.is_protected(now));
                for (task_key, task) in candidates.into_iter().take(surplus) {
                    if task.is_protected(now) {
                        protected_until = protected_until
                            .min(task.protected_until)
                            .or(task.protected_until);
                    } else {
                        to_stop.push(task_key.clone());
                    }
                }
            }
        }
        // Tasks no target claims any more (a deployment dropped, a task set deleted).
        let claimed: BTreeSet<&str> = targets.iter().map(|t| t.id.as_str()).collect();
        for (task_key, task) in &mine {
            if task.started_by().is_none_or(|id| !claimed.contains(id)) {
                if task.is_protected(now) {
                    protected_until = protected_until
                        .min(task.protected_until)
                        .or(task.protected_until);
                } else {
                    to_stop.push(task_key.clone());
                }
            }
        }
        if !to_stop.is_empty() {
            let reason = match record.deployments().first().and_then(|d| d.id.as_deref()) {
                Some(primary) => format!("Scaling activity initiated by (deployment {primary})"),
                None => format!("Scaling activity initiated by (service {name})"),
            };
            let mut stopped = Vec::new();
            for task_key in &to_stop {
                let request = StopRequest {
                    code: "ServiceSchedulerInitiated".into(),
                    reason: reason.clone(),
                };
                if let Ok(task) = self.request_stop(task_key, request) {
                    stopped.push(format!(
                        "(task {})",
                        name_of(task.task_arn.as_deref().unwrap_or_default())
                    ));
                }
            }
            events.push(format!(
                "(service {name}) has stopped {} running tasks: {}.",
                stopped.len(),
                stopped.join(" ")
            ));
        }
        if let Some(until) = protected_until {
            // Look again once protection lapses.
            self.reconcile_later(key, Duration::from_millis((until - now).max(0) as u64 + 50));
        }
        self.settle(&ctx, key, &record, &targets, &mine, &to_stop, events);
    }

    /// Starts the missing tasks of one target; answers the IDs of the tasks it started.
    fn start_target_tasks(
        &self,
        ctx: &Ctx,
        cluster: &super::clusters::ClusterRecord,
        record: &ServiceRecord,
        target: &Target,
        current: &[&(String, TaskRecord)],
        events: &mut Vec<String>,
    ) -> Vec<String> {
        let name = record.name();
        let Some(definition) = self.definition(ctx, &target.definition) else {
            events.push(format!(
                "(service {name}) was unable to place a task because its task definition is gone."
            ));
            return Vec::new();
        };
        let missing = target.desired - current.len();
        // A daemon service places one task on each ACTIVE instance that has none of its tasks.
        let instances: Vec<String> = if record.is_daemon() {
            let used: BTreeSet<&str> = current
                .iter()
                .filter_map(|(_, t)| t.task.container_instance_arn.as_deref())
                .collect();
            self.active_instances(ctx, &record.cluster_name)
                .into_iter()
                .filter(|arn| !used.contains(arn.as_str()))
                .take(missing)
                .collect()
        } else {
            self.placement(ctx, cluster, &target.capacity, missing)
        };
        let count = if record.is_daemon() {
            instances.len()
        } else {
            missing
        };
        if count == 0 {
            return Vec::new();
        }
        let existing: Vec<usize> = target
            .capacity
            .strategy
            .iter()
            .flatten()
            .map(|item| {
                current
                    .iter()
                    .filter(|(_, t)| {
                        t.task.capacity_provider_name.as_deref()
                            == Some(item.capacity_provider.as_str())
                    })
                    .count()
            })
            .collect();
        let capacity_providers = target
            .capacity
            .strategy
            .as_deref()
            .map(|strategy| providers_for(strategy, &existing, count))
            .unwrap_or_default();
        let mut tags = match record.service.propagate_tags.as_deref() {
            Some("SERVICE") => record.service.tags.clone().unwrap_or_default(),
            Some("TASK_DEFINITION") => definition.tags.clone(),
            _ => Vec::new(),
        };
        if record.service.enable_ecs_managed_tags == Some(true) {
            merge_tags(
                &mut tags,
                vec![
                    managed_tag("aws:ecs:clusterName", &record.cluster_name),
                    managed_tag("aws:ecs:serviceName", name),
                ],
            );
        }
        let launch = Launch {
            count,
            capacity: target.capacity.clone(),
            capacity_providers,
            group: Some(format!("service:{name}")),
            started_by: Some(target.id.clone()),
            overrides: TaskOverride::default(),
            network_configuration: target.network_configuration.clone(),
            tags,
            enable_execute_command: record.service.enable_execute_command.unwrap_or(false),
            platform_version: target.platform_version.clone(),
            container_instances: instances,
            service: Some(name.to_string()),
        };
        let mut started = Vec::new();
        // RunTask takes at most 10 tasks at a time.
        let mut offset = 0;
        while offset < launch.count {
            let size = (launch.count - offset).min(10);
            let batch = Launch {
                count: size,
                capacity_providers: launch
                    .capacity_providers
                    .iter()
                    .skip(offset)
                    .take(size)
                    .cloned()
                    .collect(),
                container_instances: launch
                    .container_instances
                    .iter()
                    .skip(offset)
                    .take(size)
                    .cloned()
                    .collect(),
                ..launch.clone()
            };
            match self.launch(ctx, cluster, &definition, batch) {
                Ok(tasks) => started.extend(
                    tasks
                        .iter()
                        .map(|t| name_of(t.task_arn.as_deref().unwrap_or_default()).to_string()),
                ),
                Err(error) => {
                    events.push(format!(
                        "(service {name}) was unable to place a task. Reason: {error}."
                    ));
                    break;
                }
            }
            offset += size;
        }
        started
    }

    /// Records what a reconciliation found: events, retired deployments and task sets, a
    /// completed (or failed) deployment, a drained service.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &self,
        ctx: &Ctx,
        key: &str,
        record: &ServiceRecord,
        targets: &[Target],
        mine: &[(String, TaskRecord)],
        to_stop: &[String],
        events: Vec<String>,
    ) {
        let now = self.now();
        let stopping: BTreeSet<&str> = to_stop.iter().map(String::as_str).collect();
        let remaining = |id: &str| {
            mine.iter()
                .filter(|(k, t)| t.started_by() == Some(id) && !stopping.contains(k.as_str()))
                .count()
        };
        let running = |id: &str| {
            mine.iter()
                .filter(|(k, t)| {
                    t.started_by() == Some(id)
                        && !stopping.contains(k.as_str())
                        && t.last_status() == "RUNNING"
                })
                .count()
        };
        // Drained once every task of the service has really stopped (and so left its Cloud Map
        // services), not when the last one was told to stop: a client that sees INACTIVE may
        // delete what the tasks used right away.
        let everything_stopped = mine.len() == to_stop.len()
            && !self
                .tasks
                .scan_prefix(&format!("{}{}/", ctx.scope(), record.cluster_name))
                .iter()
                .any(|(_, t)| {
                    t.service.as_deref() == Some(record.name()) && t.last_status() != "STOPPED"
                });
        let primary = targets.first();
        // Every task is the primary's and running: older deployments are gone.
        let drained = primary.is_some_and(|p| {
            running(&p.id) == p.desired
                && remaining(&p.id) == p.desired
                && targets.iter().skip(1).all(|t| remaining(&t.id) == 0)
        }) && mine.iter().all(|(k, t)| {
            stopping.contains(k.as_str())
                || primary.is_some_and(|p| t.started_by() == Some(p.id.as_str()))
        });
        // ... and has been for a while, with no task failing since: the service is steady.
        let youngest_start = primary.and_then(|p| {
            mine.iter()
                .filter(|(_, t)| t.started_by() == Some(p.id.as_str()))
                .filter_map(|(_, t)| t.task.started_at.map(|s| s.millis()))
                .max()
        });
        let settled_at = youngest_start.map_or(now, |start| start + STABLE_AFTER_MS);
        let steady = drained && record.failures_in_a_row == 0 && settled_at <= now;
        if drained && record.failures_in_a_row == 0 && settled_at > now {
            self.reconcile_later(key, Duration::from_millis((settled_at - now) as u64));
        }
        let threshold = circuit_breaker_threshold(record.service.desired_count.unwrap_or(0));
        let breaker = record
            .service
            .deployment_configuration
            .as_ref()
            .and_then(|c| c.deployment_circuit_breaker.clone())
            .filter(|b| b.enable);
        let event_ids: Vec<String> = events.iter().map(|_| self.kit.ids().uuid()).collect();
        let completed_id = self.kit.ids().uuid();
        let steady_id = self.kit.ids().uuid();
        let failed_id = self.kit.ids().uuid();
        let timestamp = sim_aws_shapes::normal::Timestamp::from_millis(now);
        let task_set_counts: Vec<(String, usize, usize)> = targets
            .iter()
            .map(|t| (t.id.clone(), running(&t.id), t.desired))
            .collect();
        let mut completed: Option<String> = None;
        let mut failed: Option<String> = None;
        let update = self.services.update(key, |record| {
            let is_ecs = record.controller() == "ECS";
            let service = &mut record.service;
            let name = service.service_name.clone().unwrap_or_default();
            let mut new_events: Vec<(String, String)> =
                event_ids.into_iter().zip(events).collect();
            if drained
                && is_ecs
                && let Some(deployments) = service.deployments.as_mut()
            {
                deployments.truncate(1);
            }
            // Task sets: stability, and deleted ones gone once their tasks are.
            if let Some(task_sets) = service.task_sets.as_mut() {
                task_sets.retain(|task_set| {
                    let id = task_set.id.clone().unwrap_or_default();
                    task_set.status.as_deref() != Some("DRAINING") || remaining(&id) > 0
                });
                for task_set in task_sets.iter_mut() {
                    let id = task_set.id.clone().unwrap_or_default();
                    if let Some((_, running, desired)) =
                        task_set_counts.iter().find(|(t, _, _)| *t == id)
                    {
                        let stability = if running == desired {
                            "STEADY_STATE"
                        } else {
                            "STABILIZING"
                        };
                        if task_set.stability_status.as_deref() != Some(stability) {
                            task_set.stability_status = Some(stability.into());
                            task_set.stability_status_at = Some(timestamp);
                        }
                    }
                }
            }
            if service.status.as_deref() == Some("DRAINING") && everything_stopped {
                service.status = Some("INACTIVE".into());
            }
            if let Some(primary) = service.deployments.iter_mut().flatten().next()
                && primary.rollout_state.as_deref() == Some("IN_PROGRESS")
            {
                let id = primary.id.clone().unwrap_or_default();
                if steady {
                    primary.rollout_state = Some("COMPLETED".into());
                    primary.rollout_state_reason = Some(format!("ECS deployment {id} completed."));
                    primary.updated_at = Some(timestamp);
                    completed = Some(id.clone());
                    new_events.push((
                        completed_id,
                        format!("(service {name}) (deployment {id}) deployment completed."),
                    ));
                    new_events.push((steady_id, format!("(service {name}) has reached a steady state.")));
                } else if breaker.is_some() && primary.failed_tasks.unwrap_or(0) >= threshold {
                    primary.rollout_state = Some("FAILED".into());
                    primary.rollout_state_reason =
                        Some("ECS deployment circuit breaker: tasks failed to start.".into());
                    primary.updated_at = Some(timestamp);
                    failed = Some(id.clone());
                    new_events.push((
                        failed_id,
                        format!("(service {name}) (deployment {id}) deployment failed: tasks failed to start."),
                    ));
                }
            }
            let list = service.events.get_or_insert_with(Vec::new);
            for (id, message) in new_events {
                list.insert(
                    0,
                    ServiceEvent {
                        id: Some(id),
                        created_at: Some(timestamp),
                        message: Some(message),
                    },
                );
            }
            list.truncate(MAX_EVENTS);
            record.clone()
        });
        let Ok(Some(updated)) = update else {
            return;
        };
        if let Some(id) = completed {
            self.finish_service_deployment(ctx, &updated, &id, true);
        }
        if let Some(id) = failed {
            let rollback = breaker.is_some_and(|b| b.rollback);
            self.finish_service_deployment(ctx, &updated, &id, false);
            if rollback && let Some(rollout) = updated.rollouts.get(&id) {
                let arn = rollout.service_deployment_arn.clone();
                let reason = "Service deployment rolled back because the circuit breaker threshold was exceeded.";
                if let Err(error) = self.roll_back(ctx, key, &arn, reason) {
                    tracing::warn!(%error, service = key, "could not roll back a failed deployment");
                }
                self.reconcile_later(key, Duration::ZERO);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circuit_breaker_thresholds() {
        assert_eq!(circuit_breaker_threshold(1), 3);
        assert_eq!(circuit_breaker_threshold(10), 5);
        assert_eq!(circuit_breaker_threshold(1000), 200);
    }
}
