//! A job's trigger: `Manual` jobs run when started; `Schedule` jobs also start an execution
//! each time their `scheduleTriggerConfig.cronExpression` comes round (in UTC, on the kit's
//! clock, as Azure reads it), with the config's `parallelism` and `replicaCompletionCount`.
//! `Event` jobs are refused (`NotImplemented`): nothing here scales on events.
//!
//! When a job next runs is kept in its record (`next_run_ms`), so a schedule survives a
//! restart. A run whose time passed while the simulator was down starts once when it comes
//! back (as a Kubernetes CronJob catches up on one missed run); later missed runs are skipped.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;
use simkit::cron::{Cron, CronZone};

use super::ContainerApps;
use crate::error::ArmError;
use crate::shapes::app_jobs::JobConfiguration;

/// How often the scheduler looks for due jobs. A schedule's finest grain is a minute.
const TICK: Duration = Duration::from_millis(500);

/// `manualTriggerConfig` or `scheduleTriggerConfig`: how many replicas an execution runs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TriggerConfig {
    pub replica_completion_count: Option<i64>,
    pub parallelism: Option<i64>,
    /// `Schedule` only.
    pub cron_expression: Option<String>,
}

/// The counts an execution of this configuration runs with (1 and 1 unless set).
pub(super) fn trigger_counts(configuration: &JobConfiguration) -> (i64, i64) {
    let config = if configuration
        .trigger_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("Schedule"))
    {
        &configuration.schedule_trigger_config
    } else {
        &configuration.manual_trigger_config
    };
    let config: TriggerConfig = config
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    (
        config.parallelism.unwrap_or(1),
        config.replica_completion_count.unwrap_or(1),
    )
}

/// Checks and completes a job's trigger as Azure stores it (`triggerType` spelled as Azure
/// spells it, the counts defaulted to 1, the other trigger's config null). Returns when a
/// `Schedule` job first runs after `now_ms`.
pub(super) fn normalise_trigger(
    configuration: &mut JobConfiguration,
    now_ms: i64,
) -> Result<Option<i64>, ArmError> {
    let trigger = configuration.trigger_type.clone().ok_or_else(|| {
        ArmError::MissingRequiredProperty("properties.configuration.triggerType".into())
    })?;
    let (name, raw) = if trigger.eq_ignore_ascii_case("Manual") {
        ("Manual", configuration.manual_trigger_config.clone())
    } else if trigger.eq_ignore_ascii_case("Schedule") {
        ("Schedule", configuration.schedule_trigger_config.clone())
    } else {
        return Err(ArmError::JobTriggerNotServed(trigger));
    };
    let property = format!(
        "properties.configuration.{}TriggerConfig",
        name.to_ascii_lowercase()
    );
    let config: TriggerConfig = match raw {
        Some(value) if !value.is_null() => serde_json::from_value(value)
            .map_err(|error| ArmError::InvalidRequestContent(error.to_string()))?,
        _ if name == "Schedule" => return Err(ArmError::MissingRequiredProperty(property)),
        _ => TriggerConfig::default(),
    };
    let parallelism = config.parallelism.unwrap_or(1);
    let completions = config.replica_completion_count.unwrap_or(1);
    for (field, value) in [
        ("parallelism", parallelism),
        ("replicaCompletionCount", completions),
    ] {
        if value < 1 {
            return Err(ArmError::InvalidValue {
                property: format!("{property}.{field}"),
                value: value.to_string(),
            });
        }
    }
    configuration.trigger_type = Some(name.into());
    configuration.event_trigger_config = None;
    if name == "Manual" {
        configuration.manual_trigger_config = Some(json!({
            "parallelism": parallelism,
            "replicaCompletionCount": completions,
        }));
        configuration.schedule_trigger_config = None;
        return Ok(None);
    }
    let expression = config
        .cron_expression
        .ok_or_else(|| ArmError::MissingRequiredProperty(format!("{property}.cronExpression")))?;
    let cron = Cron::parse(&expression)
        .map_err(|_| ArmError::InvalidCronExpression(expression.clone()))?;
    configuration.schedule_trigger_config = Some(json!({
        "cronExpression": expression,
        "parallelism": parallelism,
        "replicaCompletionCount": completions,
    }));
    configuration.manual_trigger_config = None;
    Ok(next_run_after(&cron, now_ms))
}

/// The first time after `after_ms` (milliseconds since the epoch) the expression matches in
/// UTC; `None` when it never does (`0 0 31 2 *`).
fn next_run_after(cron: &Cron, after_ms: i64) -> Option<i64> {
    let after =
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(after_ms) * 1_000_000).ok()?;
    let next = cron.next_after(after, &CronZone::utc())?;
    i64::try_from(next.unix_timestamp_nanos() / 1_000_000).ok()
}

fn schedule_expression(configuration: &JobConfiguration) -> Option<Cron> {
    let config: TriggerConfig =
        serde_json::from_value(configuration.schedule_trigger_config.clone()?).ok()?;
    Cron::parse(config.cron_expression.as_deref()?).ok()
}

impl ContainerApps {
    /// Starts the scheduler: a task that lives as long as the service does.
    pub fn run_schedules(self: &Arc<Self>) {
        let service: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(TICK).await;
                let Some(service) = service.upgrade() else {
                    return;
                };
                service.start_due_jobs();
            }
        });
    }

    /// Starts an execution of every scheduled job whose time has come, and moves its next run
    /// on from now.
    fn start_due_jobs(self: &Arc<Self>) {
        let now_ms = self.kit.clock().now_millis();
        for (key, record) in self.jobs.all() {
            let Some(due) = record.next_run_ms else {
                continue;
            };
            if due > now_ms || super::provisioning_state(&record.job) == Some("Deleting") {
                continue;
            }
            let configuration = super::job_configuration(&record.job);
            let next = schedule_expression(&configuration).and_then(|c| next_run_after(&c, now_ms));
            if let Err(error) = self.jobs.update(&key, |record| record.next_run_ms = next) {
                tracing::error!(%error, "could not record a scheduled job's next run");
                continue;
            }
            let name = record.job.name.clone().unwrap_or_default();
            if let Err(error) = self.start_job(&record.subscription, &record.group, &name, None) {
                tracing::warn!(?error, job = name, "a scheduled execution could not start");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuration(trigger: &str, config: serde_json::Value) -> JobConfiguration {
        let mut configuration = JobConfiguration {
            trigger_type: Some(trigger.into()),
            ..Default::default()
        };
        match trigger.to_ascii_lowercase().as_str() {
            "schedule" => configuration.schedule_trigger_config = Some(config),
            "manual" => configuration.manual_trigger_config = Some(config),
            _ => configuration.event_trigger_config = Some(config),
        }
        configuration
    }

    // 2026-12-07T10:15:30Z
    const NOW_MS: i64 = 1_796_638_530_000;

    #[test]
    fn schedule_runs_at_the_next_matching_minute() {
        let mut every_minute = configuration("schedule", json!({"cronExpression": "* * * * *"}));
        let next = normalise_trigger(&mut every_minute, NOW_MS).expect("valid");
        assert_eq!(next, Some(NOW_MS + 30_000));
        assert_eq!(every_minute.trigger_type.as_deref(), Some("Schedule"));
        assert_eq!(
            every_minute.schedule_trigger_config,
            Some(
                json!({"cronExpression": "* * * * *", "parallelism": 1, "replicaCompletionCount": 1})
            )
        );
        assert_eq!(every_minute.manual_trigger_config, None);
        let mut hourly = configuration(
            "Schedule",
            json!({"cronExpression": "0 */2 * * *", "parallelism": 2, "replicaCompletionCount": 3}),
        );
        // The next even hour is 12:00.
        assert_eq!(
            normalise_trigger(&mut hourly, NOW_MS).expect("valid"),
            Some(NOW_MS + 6_270_000)
        );
        assert_eq!(trigger_counts(&hourly), (2, 3));
    }

    #[test]
    fn bad_triggers_answer_azure_errors() {
        let mut bad = configuration("Schedule", json!({"cronExpression": "61 * * * *"}));
        assert!(matches!(
            normalise_trigger(&mut bad, NOW_MS),
            Err(ArmError::InvalidCronExpression(e)) if e == "61 * * * *"
        ));
        let mut missing = configuration("Schedule", serde_json::Value::Null);
        assert!(matches!(
            normalise_trigger(&mut missing, NOW_MS),
            Err(ArmError::MissingRequiredProperty(p)) if p == "properties.configuration.scheduleTriggerConfig"
        ));
        let mut zero = configuration(
            "Schedule",
            json!({"cronExpression": "* * * * *", "parallelism": 0}),
        );
        assert!(matches!(
            normalise_trigger(&mut zero, NOW_MS),
            Err(ArmError::InvalidValue { .. })
        ));
        let mut event = configuration("Event", json!({}));
        assert!(matches!(
            normalise_trigger(&mut event, NOW_MS),
            Err(ArmError::JobTriggerNotServed(t)) if t == "Event"
        ));
        let mut manual = configuration("manual", serde_json::Value::Null);
        assert_eq!(normalise_trigger(&mut manual, NOW_MS).expect("valid"), None);
        assert_eq!(trigger_counts(&manual), (1, 1));
    }

    #[test]
    fn a_schedule_that_never_matches_never_runs() {
        let mut never = configuration("Schedule", json!({"cronExpression": "0 0 31 2 *"}));
        assert_eq!(normalise_trigger(&mut never, NOW_MS).expect("valid"), None);
    }
}
