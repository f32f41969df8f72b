//! Task scale-in protection: a service's task that is protected is not stopped by scale-in or
//! by a deployment until its protection expires (the scheduler honours it). Only tasks that
//! belong to a service can be protected; others are answered as `TASK_NOT_VALID` failures.

use sim_aws_shapes::ecs::{
    Failure, GetTaskProtectionRequest, GetTaskProtectionResponse, ProtectedTask,
    UpdateTaskProtectionRequest, UpdateTaskProtectionResponse,
};
use sim_aws_shapes::normal::Timestamp;

use super::tasks::TaskRecord;
use super::{Ecs, EcsError};
use crate::services::Ctx;

/// How long protection lasts when the request does not say.
const DEFAULT_MINUTES: i32 = 120;
/// The longest protection one request can give: 48 hours.
const MAX_MINUTES: i32 = 2_880;

fn failure(arn: String, reason: &str, detail: Option<&str>) -> Failure {
    Failure {
        arn: Some(arn),
        reason: Some(reason.into()),
        detail: detail.map(String::from),
    }
}

impl Ecs {
    fn protection_of(record: &TaskRecord, now: i64) -> ProtectedTask {
        let protected = record.is_protected(now);
        ProtectedTask {
            task_arn: Some(record.arn().to_string()),
            protection_enabled: Some(protected),
            expiration_date: protected
                .then_some(record.protected_until)
                .flatten()
                .map(Timestamp::from_millis),
        }
    }

    /// The task a protection request names, if it can be protected.
    fn protectable(
        &self,
        ctx: &Ctx,
        cluster: &super::clusters::ClusterRecord,
        requested: &str,
    ) -> Result<(String, TaskRecord), Failure> {
        let arn = if requested.starts_with("arn:") {
            requested.to_string()
        } else {
            ctx.arn("ecs", &format!("task/{}/{requested}", cluster.name()))
        };
        let Some((key, record)) = self.task_in(ctx, cluster, requested) else {
            return Err(failure(arn, "MISSING", None));
        };
        if record.service.is_none() {
            return Err(failure(
                arn,
                "TASK_NOT_VALID",
                Some("The task is not part of a service."),
            ));
        }
        if record.last_status() == "STOPPED" || record.desired_status() == "STOPPED" {
            return Err(failure(
                arn,
                "TASK_NOT_VALID",
                Some("The task is stopping or stopped."),
            ));
        }
        Ok((key, record))
    }

    pub(super) async fn get_task_protection(
        &self,
        ctx: &Ctx,
        input: GetTaskProtectionRequest,
    ) -> Result<GetTaskProtectionResponse, EcsError> {
        let cluster = self.cluster(ctx, Some(&input.cluster))?;
        let now = self.now();
        let mut protected_tasks = Vec::new();
        let mut failures = Vec::new();
        match input.tasks {
            Some(tasks) => {
                for requested in tasks {
                    match self.protectable(ctx, &cluster, &requested) {
                        Ok((_, record)) => protected_tasks.push(Self::protection_of(&record, now)),
                        Err(failure) => failures.push(failure),
                    }
                }
            }
            None => {
                for (_, record) in
                    self.tasks
                        .scan_prefix(&format!("{}{}/", ctx.scope(), cluster.name()))
                {
                    if record.service.is_some() && record.desired_status() == "RUNNING" {
                        protected_tasks.push(Self::protection_of(&record, now));
                    }
                }
            }
        }
        Ok(GetTaskProtectionResponse {
            protected_tasks: Some(protected_tasks),
            failures: Some(failures),
        })
    }

    pub(super) async fn update_task_protection(
        &self,
        ctx: &Ctx,
        input: UpdateTaskProtectionRequest,
    ) -> Result<UpdateTaskProtectionResponse, EcsError> {
        let cluster = self.cluster(ctx, Some(&input.cluster))?;
        if input.tasks.len() > 10 {
            return Err(EcsError::InvalidParameter(
                "You can update the protection of up to 10 tasks at a time.".into(),
            ));
        }
        let minutes = input.expires_in_minutes.unwrap_or(DEFAULT_MINUTES);
        if input.protection_enabled && !(1..=MAX_MINUTES).contains(&minutes) {
            return Err(EcsError::InvalidParameter(format!(
                "expiresInMinutes must be between 1 and {MAX_MINUTES}."
            )));
        }
        let now = self.now();
        let until = input
            .protection_enabled
            .then(|| now + i64::from(minutes) * 60_000);
        let mut protected_tasks = Vec::new();
        let mut failures = Vec::new();
        let mut services = Vec::new();
        for requested in input.tasks {
            let (key, _) = match self.protectable(ctx, &cluster, &requested) {
                Ok(found) => found,
                Err(failure) => {
                    failures.push(failure);
                    continue;
                }
            };
            let updated = self.tasks.update(&key, |record| {
                record.protected_until = until;
                record.clone()
            })?;
            if let Some(record) = updated {
                protected_tasks.push(Self::protection_of(&record, now));
                if let Some(service) = record.service.clone() {
                    services.push(service);
                }
            }
        }
        // Lifting protection may let a pending scale-in go ahead.
        if !input.protection_enabled {
            services.sort();
            services.dedup();
            for service in services {
                let key = super::services::service_key(&ctx.scope(), cluster.name(), &service);
                self.reconcile(&key).await;
            }
        }
        Ok(UpdateTaskProtectionResponse {
            protected_tasks: Some(protected_tasks),
            failures: Some(failures),
        })
    }
}
