//! Maintenance windows: the windows themselves (create, get, describe, update, delete), their
//! targets and tasks, and the windows that name a target.
//!
//! Windows are kept exactly as configured; the simulator has no managed instances to patch or
//! run commands on, so a window never executes: DescribeMaintenanceWindowExecutions lists none,
//! as for a window whose schedule has not come round.

use serde::{Deserialize, Serialize};
use sim_aws_shapes::normal::Timestamp;
use sim_aws_shapes::ssm::{
    CreateMaintenanceWindowRequest, CreateMaintenanceWindowResult, DeleteMaintenanceWindowRequest,
    DeleteMaintenanceWindowResult, DeregisterTargetFromMaintenanceWindowRequest,
    DeregisterTargetFromMaintenanceWindowResult, DeregisterTaskFromMaintenanceWindowRequest,
    DeregisterTaskFromMaintenanceWindowResult, DescribeMaintenanceWindowExecutionsRequest,
    DescribeMaintenanceWindowExecutionsResult, DescribeMaintenanceWindowTargetsRequest,
    DescribeMaintenanceWindowTargetsResult, DescribeMaintenanceWindowTasksRequest,
    DescribeMaintenanceWindowTasksResult, DescribeMaintenanceWindowsForTargetRequest,
    DescribeMaintenanceWindowsForTargetResult, DescribeMaintenanceWindowsRequest,
    DescribeMaintenanceWindowsResult, GetMaintenanceWindowRequest, GetMaintenanceWindowResult,
    GetMaintenanceWindowTaskRequest, GetMaintenanceWindowTaskResult, MaintenanceWindowFilter,
    MaintenanceWindowIdentity, MaintenanceWindowIdentityForTarget, MaintenanceWindowTarget,
    MaintenanceWindowTask, RegisterTargetWithMaintenanceWindowRequest,
    RegisterTargetWithMaintenanceWindowResult, RegisterTaskWithMaintenanceWindowRequest,
    RegisterTaskWithMaintenanceWindowResult, Tag, UpdateMaintenanceWindowRequest,
    UpdateMaintenanceWindowResult, UpdateMaintenanceWindowTargetRequest,
    UpdateMaintenanceWindowTargetResult, UpdateMaintenanceWindowTaskRequest,
    UpdateMaintenanceWindowTaskResult,
};

use super::{Ssm, SsmError};
use crate::services::Ctx;

/// A stored maintenance window with its targets and tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowRecord {
    pub window: GetMaintenanceWindowResult,
    pub targets: Vec<MaintenanceWindowTarget>,
    pub tasks: Vec<GetMaintenanceWindowTaskResult>,
    pub tags: Vec<Tag>,
}

fn no_window(id: &str) -> SsmError {
    SsmError::new(
        "DoesNotExistException",
        format!("Maintenance window {id} does not exist"),
    )
}

/// Checks a schedule expression's form: `cron(...)`, `rate(...)` or `at(...)`.
fn check_schedule(schedule: &str) -> Result<(), SsmError> {
    let inner = ["cron(", "rate(", "at("]
        .iter()
        .find_map(|prefix| schedule.strip_prefix(prefix))
        .and_then(|rest| rest.strip_suffix(')'));
    let ok = match inner {
        Some(fields) if schedule.starts_with("cron(") => {
            (6..=7).contains(&fields.split_whitespace().count())
        }
        Some(rate) if schedule.starts_with("rate(") => {
            let mut parts = rate.split_whitespace();
            parts
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n > 0))
                && parts.next().is_some_and(|unit| {
                    matches!(
                        unit,
                        "minute" | "minutes" | "hour" | "hours" | "day" | "days"
                    )
                })
        }
        Some(at) => !at.is_empty(),
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(SsmError::validation(format!(
            "Invalid schedule expression: {schedule}"
        )))
    }
}

fn check_cutoff(duration: i32, cutoff: i32) -> Result<(), SsmError> {
    if cutoff >= duration {
        return Err(SsmError::validation(
            "The cutoff value must be less than the duration.",
        ));
    }
    Ok(())
}

/// Whether a record passes `Key`/`Values` filters, each naming a field read by `field`.
fn passes(filters: &[MaintenanceWindowFilter], field: impl Fn(&str) -> Option<String>) -> bool {
    filters.iter().all(|filter| {
        let (Some(key), Some(values)) = (&filter.key, &filter.values) else {
            return true;
        };
        values.is_empty()
            || field(key)
                .is_some_and(|actual| values.iter().any(|v| v.eq_ignore_ascii_case(&actual)))
    })
}

impl Ssm {
    fn window_key(ctx: &Ctx, id: &str) -> String {
        format!("{}{id}", ctx.scope())
    }

    fn window(&self, ctx: &Ctx, id: &str) -> Result<WindowRecord, SsmError> {
        self.windows
            .get(&Self::window_key(ctx, id))
            .ok_or_else(|| no_window(id))
    }

    /// Changes a window in one atomic write.
    fn change_window<R>(
        &self,
        ctx: &Ctx,
        id: &str,
        change: impl FnOnce(&mut WindowRecord) -> Result<R, SsmError>,
    ) -> Result<R, SsmError> {
        let now = self.now();
        self.windows.modify(&Self::window_key(ctx, id), |slot| {
            let record = slot.as_mut().ok_or_else(|| no_window(id))?;
            let result = change(record)?;
            record.window.modified_date = Some(Timestamp(now));
            Ok(result)
        })
    }

    pub(super) async fn create_maintenance_window(
        &self,
        ctx: &Ctx,
        input: CreateMaintenanceWindowRequest,
    ) -> Result<CreateMaintenanceWindowResult, SsmError> {
        check_schedule(&input.schedule)?;
        check_cutoff(input.duration, input.cutoff)?;
        let id = format!("mw-{}", self.kit.ids().hex(17));
        let now = Timestamp(self.now());
        let record = WindowRecord {
            window: GetMaintenanceWindowResult {
                window_id: Some(id.clone()),
                name: Some(input.name),
                description: input.description,
                start_date: input.start_date,
                end_date: input.end_date,
                schedule: Some(input.schedule),
                schedule_timezone: input.schedule_timezone,
                schedule_offset: input.schedule_offset,
                next_execution_time: None,
                duration: Some(input.duration),
                cutoff: Some(input.cutoff),
                allow_unassociated_targets: Some(input.allow_unassociated_targets),
                enabled: Some(true),
                created_date: Some(now),
                modified_date: Some(now),
            },
            targets: Vec::new(),
            tasks: Vec::new(),
            tags: input.tags.unwrap_or_default(),
        };
        self.windows.insert(&Self::window_key(ctx, &id), record)?;
        Ok(CreateMaintenanceWindowResult {
            window_id: Some(id),
        })
    }

    pub(super) async fn get_maintenance_window(
        &self,
        ctx: &Ctx,
        input: GetMaintenanceWindowRequest,
    ) -> Result<GetMaintenanceWindowResult, SsmError> {
        Ok(self.window(ctx, &input.window_id)?.window)
    }

    pub(super) async fn describe_maintenance_windows(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowsRequest,
    ) -> Result<DescribeMaintenanceWindowsResult, SsmError> {
        let filters = input.filters.unwrap_or_default();
        let entries = self
            .windows
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record.window)
            .filter(|w| {
                passes(&filters, |key| match key {
                    "Name" => w.name.clone(),
                    "Enabled" => w.enabled.map(|e| e.to_string()),
                    _ => None,
                })
            })
            .map(|w| {
                let identity = MaintenanceWindowIdentity {
                    window_id: w.window_id.clone(),
                    name: w.name,
                    description: w.description,
                    enabled: w.enabled,
                    duration: w.duration,
                    cutoff: w.cutoff,
                    schedule: w.schedule,
                    schedule_timezone: w.schedule_timezone,
                    schedule_offset: w.schedule_offset,
                    end_date: w.end_date,
                    start_date: w.start_date,
                    next_execution_time: None,
                };
                (w.window_id.unwrap_or_default(), identity)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribeMaintenanceWindowsResult {
            window_identities: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn update_maintenance_window(
        &self,
        ctx: &Ctx,
        input: UpdateMaintenanceWindowRequest,
    ) -> Result<UpdateMaintenanceWindowResult, SsmError> {
        if let Some(schedule) = &input.schedule {
            check_schedule(schedule)?;
        }
        let replace = input.replace.unwrap_or(false);
        let window = self.change_window(ctx, &input.window_id, |record| {
            let w = &mut record.window;
            // With Replace, every optional field not given is cleared; without, it is kept.
            let merge = |slot: &mut Option<String>, value: Option<String>| {
                if value.is_some() || replace {
                    *slot = value;
                }
            };
            merge(&mut w.description, input.description);
            merge(&mut w.start_date, input.start_date);
            merge(&mut w.end_date, input.end_date);
            merge(&mut w.schedule_timezone, input.schedule_timezone);
            if input.schedule_offset.is_some() || replace {
                w.schedule_offset = input.schedule_offset;
            }
            if let Some(name) = input.name {
                w.name = Some(name);
            }
            if let Some(schedule) = input.schedule {
                w.schedule = Some(schedule);
            }
            if let Some(duration) = input.duration {
                w.duration = Some(duration);
            }
            if let Some(cutoff) = input.cutoff {
                w.cutoff = Some(cutoff);
            }
            if let Some(allow) = input.allow_unassociated_targets {
                w.allow_unassociated_targets = Some(allow);
            }
            if let Some(enabled) = input.enabled {
                w.enabled = Some(enabled);
            }
            check_cutoff(w.duration.unwrap_or(0), w.cutoff.unwrap_or(0))?;
            Ok(w.clone())
        })?;
        Ok(UpdateMaintenanceWindowResult {
            window_id: window.window_id,
            name: window.name,
            description: window.description,
            start_date: window.start_date,
            end_date: window.end_date,
            schedule: window.schedule,
            schedule_timezone: window.schedule_timezone,
            schedule_offset: window.schedule_offset,
            duration: window.duration,
            cutoff: window.cutoff,
            allow_unassociated_targets: window.allow_unassociated_targets,
            enabled: window.enabled,
        })
    }

    pub(super) async fn delete_maintenance_window(
        &self,
        ctx: &Ctx,
        input: DeleteMaintenanceWindowRequest,
    ) -> Result<DeleteMaintenanceWindowResult, SsmError> {
        // Deleting a window that does not exist succeeds, as in SSM.
        self.windows
            .remove(&Self::window_key(ctx, &input.window_id))?;
        Ok(DeleteMaintenanceWindowResult {
            window_id: Some(input.window_id),
        })
    }

    pub(super) async fn register_target_with_maintenance_window(
        &self,
        ctx: &Ctx,
        input: RegisterTargetWithMaintenanceWindowRequest,
    ) -> Result<RegisterTargetWithMaintenanceWindowResult, SsmError> {
        let target_id = self.kit.ids().uuid();
        let target = MaintenanceWindowTarget {
            window_id: Some(input.window_id.clone()),
            window_target_id: Some(target_id.clone()),
            resource_type: Some(input.resource_type),
            targets: Some(input.targets),
            owner_information: input.owner_information,
            name: input.name,
            description: input.description,
        };
        self.change_window(ctx, &input.window_id, |record| {
            record.targets.push(target);
            Ok(())
        })?;
        Ok(RegisterTargetWithMaintenanceWindowResult {
            window_target_id: Some(target_id),
        })
    }

    pub(super) async fn describe_maintenance_window_targets(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowTargetsRequest,
    ) -> Result<DescribeMaintenanceWindowTargetsResult, SsmError> {
        let record = self.window(ctx, &input.window_id)?;
        let filters = input.filters.unwrap_or_default();
        let entries = record
            .targets
            .into_iter()
            .enumerate()
            .filter(|(_, t)| {
                passes(&filters, |key| match key {
                    "WindowTargetId" => t.window_target_id.clone(),
                    "OwnerInformation" => t.owner_information.clone(),
                    "Name" => t.name.clone(),
                    "ResourceType" => t.resource_type.clone(),
                    _ => None,
                })
            })
            .map(|(index, t)| (format!("{index:08}"), t))
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribeMaintenanceWindowTargetsResult {
            targets: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn update_maintenance_window_target(
        &self,
        ctx: &Ctx,
        input: UpdateMaintenanceWindowTargetRequest,
    ) -> Result<UpdateMaintenanceWindowTargetResult, SsmError> {
        let replace = input.replace.unwrap_or(false);
        let target = self.change_window(ctx, &input.window_id, |record| {
            let target = record
                .targets
                .iter_mut()
                .find(|t| t.window_target_id.as_deref() == Some(&input.window_target_id))
                .ok_or_else(|| no_target(&input.window_target_id))?;
            if input.targets.is_some() || replace {
                target.targets = input.targets;
            }
            if input.owner_information.is_some() || replace {
                target.owner_information = input.owner_information;
            }
            if input.name.is_some() || replace {
                target.name = input.name;
            }
            if input.description.is_some() || replace {
                target.description = input.description;
            }
            Ok(target.clone())
        })?;
        Ok(UpdateMaintenanceWindowTargetResult {
            window_id: target.window_id,
            window_target_id: target.window_target_id,
            targets: target.targets,
            owner_information: target.owner_information,
            name: target.name,
            description: target.description,
        })
    }

    pub(super) async fn deregister_target_from_maintenance_window(
        &self,
        ctx: &Ctx,
        input: DeregisterTargetFromMaintenanceWindowRequest,
    ) -> Result<DeregisterTargetFromMaintenanceWindowResult, SsmError> {
        let target_id = input.window_target_id.clone();
        self.change_window(ctx, &input.window_id, |record| {
            if !record
                .targets
                .iter()
                .any(|t| t.window_target_id.as_deref() == Some(&target_id))
            {
                return Err(no_target(&target_id));
            }
            let in_use = record.tasks.iter().any(|task| {
                task.targets.iter().flatten().any(|t| {
                    t.key.as_deref() == Some("WindowTargetIds")
                        && t.values.iter().flatten().any(|v| *v == target_id)
                })
            });
            if in_use && input.safe.unwrap_or(false) {
                return Err(SsmError::new(
                    "TargetInUseException",
                    format!("Target {target_id} is being referenced by a task"),
                ));
            }
            record
                .targets
                .retain(|t| t.window_target_id.as_deref() != Some(&target_id));
            Ok(())
        })?;
        Ok(DeregisterTargetFromMaintenanceWindowResult {
            window_id: Some(input.window_id),
            window_target_id: Some(input.window_target_id),
        })
    }

    pub(super) async fn register_task_with_maintenance_window(
        &self,
        ctx: &Ctx,
        input: RegisterTaskWithMaintenanceWindowRequest,
    ) -> Result<RegisterTaskWithMaintenanceWindowResult, SsmError> {
        let task_id = self.kit.ids().uuid();
        let task = GetMaintenanceWindowTaskResult {
            window_id: Some(input.window_id.clone()),
            window_task_id: Some(task_id.clone()),
            targets: input.targets,
            task_arn: Some(input.task_arn),
            service_role_arn: input.service_role_arn,
            task_type: Some(input.task_type),
            task_parameters: input.task_parameters,
            task_invocation_parameters: input.task_invocation_parameters,
            priority: Some(input.priority.unwrap_or(1)),
            max_concurrency: input.max_concurrency,
            max_errors: input.max_errors,
            logging_info: input.logging_info,
            name: input.name,
            description: input.description,
            cutoff_behavior: Some(
                input
                    .cutoff_behavior
                    .unwrap_or_else(|| "CONTINUE_TASK".to_owned()),
            ),
            alarm_configuration: input.alarm_configuration,
        };
        self.change_window(ctx, &input.window_id, |record| {
            if let Some(targets) = &task.targets {
                for target in targets {
                    if target.key.as_deref() != Some("WindowTargetIds") {
                        continue;
                    }
                    for id in target.values.iter().flatten() {
                        if !record
                            .targets
                            .iter()
                            .any(|t| t.window_target_id.as_deref() == Some(id))
                        {
                            return Err(no_target(id));
                        }
                    }
                }
            }
            record.tasks.push(task);
            Ok(())
        })?;
        Ok(RegisterTaskWithMaintenanceWindowResult {
            window_task_id: Some(task_id),
        })
    }

    pub(super) async fn get_maintenance_window_task(
        &self,
        ctx: &Ctx,
        input: GetMaintenanceWindowTaskRequest,
    ) -> Result<GetMaintenanceWindowTaskResult, SsmError> {
        self.window(ctx, &input.window_id)?
            .tasks
            .into_iter()
            .find(|t| t.window_task_id.as_deref() == Some(&input.window_task_id))
            .ok_or_else(|| no_task(&input.window_task_id))
    }

    pub(super) async fn describe_maintenance_window_tasks(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowTasksRequest,
    ) -> Result<DescribeMaintenanceWindowTasksResult, SsmError> {
        let record = self.window(ctx, &input.window_id)?;
        let filters = input.filters.unwrap_or_default();
        let entries = record
            .tasks
            .into_iter()
            .enumerate()
            .filter(|(_, t)| {
                passes(&filters, |key| match key {
                    "WindowTaskId" => t.window_task_id.clone(),
                    "TaskArn" => t.task_arn.clone(),
                    "Priority" => t.priority.map(|p| p.to_string()),
                    "TaskType" => t.task_type.clone(),
                    _ => None,
                })
            })
            .map(|(index, t)| {
                let task = MaintenanceWindowTask {
                    window_id: t.window_id,
                    window_task_id: t.window_task_id,
                    task_arn: t.task_arn,
                    r#type: t.task_type,
                    targets: t.targets,
                    task_parameters: t.task_parameters,
                    priority: t.priority,
                    logging_info: t.logging_info,
                    service_role_arn: t.service_role_arn,
                    max_concurrency: t.max_concurrency,
                    max_errors: t.max_errors,
                    name: t.name,
                    description: t.description,
                    cutoff_behavior: t.cutoff_behavior,
                    alarm_configuration: t.alarm_configuration,
                };
                (format!("{index:08}"), task)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribeMaintenanceWindowTasksResult {
            tasks: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn update_maintenance_window_task(
        &self,
        ctx: &Ctx,
        input: UpdateMaintenanceWindowTaskRequest,
    ) -> Result<UpdateMaintenanceWindowTaskResult, SsmError> {
        let replace = input.replace.unwrap_or(false);
        let task = self.change_window(ctx, &input.window_id, |record| {
            let task = record
                .tasks
                .iter_mut()
                .find(|t| t.window_task_id.as_deref() == Some(&input.window_task_id))
                .ok_or_else(|| no_task(&input.window_task_id))?;
            macro_rules! set {
                ($field:ident) => {
                    if input.$field.is_some() || replace {
                        task.$field = input.$field;
                    }
                };
            }
            set!(targets);
            set!(service_role_arn);
            set!(task_parameters);
            set!(task_invocation_parameters);
            set!(max_concurrency);
            set!(max_errors);
            set!(logging_info);
            set!(name);
            set!(description);
            set!(alarm_configuration);
            if let Some(arn) = input.task_arn {
                task.task_arn = Some(arn);
            }
            if let Some(priority) = input.priority {
                task.priority = Some(priority);
            }
            if let Some(behavior) = input.cutoff_behavior {
                task.cutoff_behavior = Some(behavior);
            }
            Ok(task.clone())
        })?;
        Ok(UpdateMaintenanceWindowTaskResult {
            window_id: task.window_id,
            window_task_id: task.window_task_id,
            targets: task.targets,
            task_arn: task.task_arn,
            service_role_arn: task.service_role_arn,
            task_parameters: task.task_parameters,
            task_invocation_parameters: task.task_invocation_parameters,
            priority: task.priority,
            max_concurrency: task.max_concurrency,
            max_errors: task.max_errors,
            logging_info: task.logging_info,
            name: task.name,
            description: task.description,
            cutoff_behavior: task.cutoff_behavior,
            alarm_configuration: task.alarm_configuration,
        })
    }

    pub(super) async fn deregister_task_from_maintenance_window(
        &self,
        ctx: &Ctx,
        input: DeregisterTaskFromMaintenanceWindowRequest,
    ) -> Result<DeregisterTaskFromMaintenanceWindowResult, SsmError> {
        self.change_window(ctx, &input.window_id, |record| {
            let before = record.tasks.len();
            record
                .tasks
                .retain(|t| t.window_task_id.as_deref() != Some(&input.window_task_id));
            if record.tasks.len() == before {
                return Err(no_task(&input.window_task_id));
            }
            Ok(())
        })?;
        Ok(DeregisterTaskFromMaintenanceWindowResult {
            window_id: Some(input.window_id),
            window_task_id: Some(input.window_task_id),
        })
    }

    pub(super) async fn describe_maintenance_windows_for_target(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowsForTargetRequest,
    ) -> Result<DescribeMaintenanceWindowsForTargetResult, SsmError> {
        let entries = self
            .windows
            .scan_prefix(&ctx.scope())
            .into_iter()
            .map(|(_, record)| record)
            .filter(|record| {
                record.targets.iter().any(|registered| {
                    registered.resource_type.as_deref() == Some(input.resource_type.as_str())
                        && input.targets.iter().all(|wanted| {
                            registered.targets.iter().flatten().any(|have| {
                                have.key == wanted.key
                                    && wanted
                                        .values
                                        .iter()
                                        .flatten()
                                        .all(|v| have.values.iter().flatten().any(|h| h == v))
                            })
                        })
                })
            })
            .map(|record| {
                let id = record.window.window_id.clone().unwrap_or_default();
                let identity = MaintenanceWindowIdentityForTarget {
                    window_id: record.window.window_id,
                    name: record.window.name,
                };
                (id, identity)
            })
            .collect();
        let page = super::page(entries, input.next_token.as_deref(), input.max_results, 100)?;
        Ok(DescribeMaintenanceWindowsForTargetResult {
            window_identities: Some(page.items),
            next_token: page.next,
        })
    }

    pub(super) async fn describe_maintenance_window_executions(
        &self,
        ctx: &Ctx,
        input: DescribeMaintenanceWindowExecutionsRequest,
    ) -> Result<DescribeMaintenanceWindowExecutionsResult, SsmError> {
        self.window(ctx, &input.window_id)?;
        Ok(DescribeMaintenanceWindowExecutionsResult {
            window_executions: Some(Vec::new()),
            next_token: None,
        })
    }
}

fn no_target(id: &str) -> SsmError {
    SsmError::new(
        "DoesNotExistException",
        format!("Maintenance window target {id} does not exist"),
    )
}

fn no_task(id: &str) -> SsmError {
    SsmError::new(
        "DoesNotExistException",
        format!("Maintenance window task {id} does not exist"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_checked_for_form() {
        for good in [
            "cron(15 12 * * ? *)",
            "cron(0 2 ? * SUN *)",
            "rate(2 hours)",
            "at(2030-01-01T00:00:00)",
        ] {
            assert!(check_schedule(good).is_ok(), "{good}");
        }
        for bad in [
            "cron(15 12)",
            "rate(0 days)",
            "rate(2 weeks)",
            "daily",
            "cron(* * * * * *",
        ] {
            assert!(check_schedule(bad).is_err(), "{bad}");
        }
        assert!(check_cutoff(2, 1).is_ok());
        assert!(check_cutoff(2, 2).is_err());
    }
}
