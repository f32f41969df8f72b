//! One execution of a Cloud Run job: the [`Plan`] `:run` makes from the job and its overrides,
//! and the driver that runs its tasks through the kit's runner, at most `parallelism` at a
//! time, retrying failed attempts, and folds each attempt's end into the task, the execution,
//! the job's `latestCreatedExecution` and, at the end, the `:run` operation.
//!
//! A container's image is looked up in Artifact Registry ([`Run::locate_image`]); a runner that
//! runs workloads in their images (`--workloads oci|auto`) runs the task in it, with the
//! container's `command` as entrypoint and `args` as command over the image's, as Cloud Run
//! does, and fails it with Cloud Run's `Image '…' not found.` when the image cannot be had
//! (`oci`), or runs it as a host process (`auto`). The execution's
//! [`WORKLOAD_RUNNER_ANNOTATION`] says which ran it.
//!
//! Must not: see HTTP; write output anywhere but Cloud Logging.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use sim_gcp_shapes::logging_v2::LogEntry;
use sim_gcp_shapes::run_v2::{
    GoogleCloudRunV2Condition, GoogleCloudRunV2ConditionExecutionReason,
    GoogleCloudRunV2ConditionState, GoogleCloudRunV2Container, GoogleCloudRunV2Execution,
    GoogleCloudRunV2ExecutionReference, GoogleCloudRunV2ExecutionReferenceCompletionStatus,
    GoogleCloudRunV2Job, GoogleCloudRunV2Overrides, GoogleCloudRunV2Task,
    GoogleCloudRunV2TaskAttemptResult, GoogleLongrunningOperation, GoogleRpcStatus,
};
use simkit::logs::{FnSink, LogLine, Stream};
use simkit::operations::Outcome;
use simkit::runner::{ExitReason, WorkloadImage, WorkloadSpec};

/// The execution annotation that says which runner ran its tasks (`oci` in the image, or
/// `process` on the host, with the reason the image was not used).
pub const WORKLOAD_RUNNER_ANNOTATION: &str = "sockerless.dev/workload-runner";

use super::{EXECUTION_TYPE, ExecutionRecord, JobName, Run, TaskRecord, as_any, condition};
use crate::error::GcpError;
use crate::services::metadata::WorkloadIdentity;
use crate::services::operations::render;

/// Everything an execution needs, decided when `:run` is called.
pub(crate) struct Plan {
    pub execution: GoogleCloudRunV2Execution,
    job: JobName,
    execution_id: String,
    container: GoogleCloudRunV2Container,
    /// The identity tasks run as, which their metadata server answers with.
    service_account: String,
    task_count: i32,
    parallelism: usize,
    max_retries: i32,
    timeout: Duration,
    timeout_text: String,
}

/// Parses a protobuf Duration as JSON writes it (`600s`, `1.5s`).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let seconds: f64 = text.strip_suffix('s')?.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// The alphabet of execution name suffixes.
const SUFFIX_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

impl Plan {
    pub(crate) fn new(
        run: &Run,
        job_name: &JobName,
        job: &GoogleCloudRunV2Job,
        overrides: GoogleCloudRunV2Overrides,
    ) -> Result<Self, GcpError> {
        let template = job.template.clone().unwrap_or_default();
        let task_template = template.template.clone().unwrap_or_default();
        let mut container = task_template
            .containers
            .as_ref()
            .and_then(|c| c.first().cloned())
            .ok_or_else(|| GcpError::failed_precondition("The job has no container."))?;
        for container_override in overrides.container_overrides.iter().flatten() {
            if let Some(name) = container_override.name.as_deref()
                && !name.is_empty()
                && container.name.as_deref() != Some(name)
            {
                return Err(GcpError::invalid(format!(
                    "overrides.containerOverrides: no container named '{name}' in the job"
                )));
            }
            if container_override.clear_args.unwrap_or(false) {
                container.args = None;
            }
            if let Some(args) = &container_override.args
                && !args.is_empty()
            {
                container.args = Some(args.clone());
            }
            if let Some(env) = &container_override.env {
                let mut merged = container.env.clone().unwrap_or_default();
                for variable in env {
                    merged.retain(|existing| existing.name != variable.name);
                    merged.push(variable.clone());
                }
                container.env = Some(merged);
            }
        }
        let task_count = overrides.task_count.or(template.task_count).unwrap_or(1);
        if !(1..=10_000).contains(&task_count) {
            return Err(GcpError::invalid(format!(
                "taskCount must be between 1 and 10000, got {task_count}"
            )));
        }
        let parallelism = match template.parallelism.unwrap_or(0) {
            n if n <= 0 => task_count,
            n => n.min(task_count),
        };
        let timeout_text = overrides
            .timeout
            .clone()
            .or(task_template.timeout.clone())
            .unwrap_or_else(|| "600s".into());
        let timeout = parse_duration(&timeout_text)
            .ok_or_else(|| GcpError::invalid(format!("Invalid timeout: {timeout_text}")))?;
        let max_retries = task_template.max_retries.unwrap_or(3).max(0);
        let service_account = task_template
            .service_account
            .clone()
            .filter(|account| !account.is_empty())
            .unwrap_or_else(|| crate::project::default_service_account(&job_name.project));
        let execution_id = format!(
            "{}-{}",
            job_name.job,
            run.kit.ids().random_word(SUFFIX_ALPHABET, 5)
        );
        let name = format!("{}/executions/{execution_id}", job_name.full());
        let now = run.now();
        let mut task_template_out = task_template.clone();
        task_template_out.containers = Some(vec![container.clone()]);
        task_template_out.timeout = Some(timeout_text.clone());
        task_template_out.max_retries = Some(max_retries);
        let execution = GoogleCloudRunV2Execution {
            name: Some(name),
            uid: Some(run.kit.ids().uuid()),
            job: Some(job_name.job.clone()),
            generation: Some(1),
            observed_generation: Some(1),
            create_time: Some(now.clone()),
            update_time: Some(now.clone()),
            labels: template.labels.clone(),
            annotations: template.annotations.clone(),
            launch_stage: Some(sim_gcp_shapes::run_v2::GoogleCloudRunV2ExecutionLaunchStage::Ga),
            parallelism: Some(parallelism),
            task_count: Some(task_count),
            template: Some(task_template_out),
            reconciling: Some(true),
            running_count: Some(0),
            succeeded_count: Some(0),
            failed_count: Some(0),
            cancelled_count: Some(0),
            retried_count: Some(0),
            conditions: Some(vec![
                condition(
                    "Completed",
                    GoogleCloudRunV2ConditionState::ConditionPending,
                    &now,
                ),
                condition(
                    "ResourcesAvailable",
                    GoogleCloudRunV2ConditionState::ConditionSucceeded,
                    &now,
                ),
                condition(
                    "Started",
                    GoogleCloudRunV2ConditionState::ConditionPending,
                    &now,
                ),
            ]),
            etag: Some(format!("\"{}\"", run.kit.ids().hex(16))),
            log_uri: Some(format!(
                "https://console.cloud.google.com/logs/viewer?project={}",
                job_name.project
            )),
            ..Default::default()
        };
        Ok(Self {
            execution,
            job: job_name.clone(),
            execution_id,
            container,
            service_account,
            task_count,
            parallelism: usize::try_from(parallelism).unwrap_or(1).max(1),
            max_retries,
            timeout,
            timeout_text,
        })
    }

    fn name(&self) -> String {
        self.execution.name.clone().unwrap_or_default()
    }
}

/// Stores the execution and its tasks, starts the driver, and returns the `:run` operation.
pub(crate) fn start(run: &Arc<Run>, plan: Plan) -> Result<GoogleLongrunningOperation, GcpError> {
    let execution_name = plan.name();
    let operation_name = format!("{}/operations/{}", plan.job.parent(), run.kit.ids().uuid());
    let now = run.now();
    let tasks: Vec<(String, TaskRecord)> = (0..plan.task_count)
        .map(|index| {
            let name = format!("{execution_name}/tasks/{}-task{index}", plan.execution_id);
            let task = GoogleCloudRunV2Task {
                name: Some(name.clone()),
                uid: Some(run.kit.ids().uuid()),
                job: Some(plan.job.job.clone()),
                execution: Some(plan.execution_id.clone()),
                index: Some(index),
                generation: Some(1),
                observed_generation: Some(1),
                create_time: Some(now.clone()),
                update_time: Some(now.clone()),
                containers: Some(vec![plan.container.clone()]),
                max_retries: Some(plan.max_retries),
                timeout: Some(plan.timeout_text.clone()),
                retried: Some(0),
                reconciling: Some(true),
                conditions: Some(vec![condition(
                    "Completed",
                    GoogleCloudRunV2ConditionState::ConditionPending,
                    &now,
                )]),
                log_uri: plan.execution.log_uri.clone(),
                ..Default::default()
            };
            (name, TaskRecord { task })
        })
        .collect();
    let (executions, task_records, jobs) =
        (run.executions.clone(), run.tasks.clone(), run.jobs.clone());
    let record = ExecutionRecord {
        execution: plan.execution.clone(),
        operation: operation_name.clone(),
        cancelled: false,
    };
    let job_key = plan.job.full();
    let reference = GoogleCloudRunV2ExecutionReference {
        name: plan.execution.name.clone(),
        create_time: Some(now.clone()),
        completion_status: Some(
            GoogleCloudRunV2ExecutionReferenceCompletionStatus::ExecutionRunning,
        ),
        ..Default::default()
    };
    run.kit.store().transaction(|txn| {
        txn.insert(&executions, &execution_name, record)?;
        for (name, task) in &tasks {
            txn.insert(&task_records, name, task.clone())?;
        }
        txn.update(&jobs, &job_key, |job| {
            job.job.execution_count = Some(job.job.execution_count.unwrap_or(0) + 1);
            job.job.latest_created_execution = Some(reference.clone());
        })?;
        Ok::<_, GcpError>(())
    })?;
    let metadata = as_any(&plan.execution, EXECUTION_TYPE);
    let driver = Arc::clone(run);
    let task_names: Vec<String> = tasks.into_iter().map(|(name, _)| name).collect();
    let operation = run
        .long_running
        .operations
        .run(&operation_name, metadata, async move {
            drive(&driver, &plan, &task_names).await;
            let finished = driver
                .get_execution(&plan.name())
                .map(|execution| as_any(&execution, EXECUTION_TYPE));
            match finished {
                Ok(value) => Outcome::Response(value),
                Err(error) => Outcome::Error {
                    code: error.status.to_string(),
                    message: error.message,
                },
            }
        })
        .map_err(|_| GcpError::internal())?;
    Ok(render(operation))
}

/// Runs every task, then records how the execution ended.
async fn drive(run: &Arc<Run>, plan: &Plan, task_names: &[String]) {
    let permits = Arc::new(tokio::sync::Semaphore::new(plan.parallelism));
    let mut handles = Vec::new();
    for (index, task_name) in task_names.iter().enumerate() {
        let permits = Arc::clone(&permits);
        let run = Arc::clone(run);
        let task_name = task_name.clone();
        let shared = TaskContext {
            job: plan.job.clone(),
            execution_name: plan.name(),
            execution_id: plan.execution_id.clone(),
            container: plan.container.clone(),
            service_account: plan.service_account.clone(),
            task_count: plan.task_count,
            max_retries: plan.max_retries,
            timeout: plan.timeout,
        };
        // Taken here, in index order, so tasks start in order as parallelism frees slots.
        let Ok(permit) = permits.acquire_owned().await else {
            break;
        };
        handles.push(tokio::spawn(async move {
            run_task(&run, &shared, &task_name, index).await;
            drop(permit);
        }));
    }
    for handle in handles {
        if let Err(error) = handle.await {
            tracing::error!(%error, "a Cloud Run task driver failed");
        }
    }
    finish_execution(run, plan);
}

struct TaskContext {
    job: JobName,
    execution_name: String,
    execution_id: String,
    container: GoogleCloudRunV2Container,
    service_account: String,
    task_count: i32,
    max_retries: i32,
    timeout: Duration,
}

fn cancelled(run: &Run, execution: &str) -> bool {
    run.executions
        .get(execution)
        .is_none_or(|record| record.cancelled)
}

/// Updates the execution record (counts, conditions).
fn update_execution(run: &Run, name: &str, change: impl FnOnce(&mut GoogleCloudRunV2Execution)) {
    let now = run.now();
    if let Err(error) = run.executions.update(name, |record| {
        change(&mut record.execution);
        record.execution.update_time = Some(now);
    }) {
        tracing::error!(%error, "could not update an execution");
    }
}

fn update_task(run: &Run, name: &str, change: impl FnOnce(&mut GoogleCloudRunV2Task)) {
    let now = run.now();
    if let Err(error) = run.tasks.update(name, |record| {
        change(&mut record.task);
        record.task.update_time = Some(now);
    }) {
        tracing::error!(%error, "could not update a task");
    }
}

fn bump(count: &mut Option<i32>, by: i32) {
    *count = Some(count.unwrap_or(0) + by);
}

/// Runs one task's attempts until one succeeds, the retries are spent, or the execution is
/// cancelled.
async fn run_task(run: &Arc<Run>, context: &TaskContext, task_name: &str, index: usize) {
    let index_text = index.to_string();
    for attempt in 0..=context.max_retries {
        if cancelled(run, &context.execution_name) {
            update_task(run, task_name, |task| {
                let now_condition = condition(
                    "Completed",
                    GoogleCloudRunV2ConditionState::ConditionFailed,
                    task.update_time.as_deref().unwrap_or_default(),
                );
                task.conditions = Some(vec![GoogleCloudRunV2Condition {
                    execution_reason: Some(GoogleCloudRunV2ConditionExecutionReason::Cancelled),
                    message: Some("The task was cancelled.".into()),
                    ..now_condition
                }]);
                task.reconciling = Some(false);
            });
            update_execution(run, &context.execution_name, |e| {
                bump(&mut e.cancelled_count, 1)
            });
            return;
        }
        let started = run.now();
        update_task(run, task_name, |task| {
            task.start_time = Some(started.clone());
            task.retried = Some(attempt);
        });
        update_execution(run, &context.execution_name, |execution| {
            bump(&mut execution.running_count, 1);
            execution.start_time.get_or_insert(started.clone());
            if let Some(conditions) = execution.conditions.as_mut() {
                for c in conditions.iter_mut() {
                    if c.r#type.as_deref() == Some("Started") {
                        c.state = Some(GoogleCloudRunV2ConditionState::ConditionSucceeded);
                        c.last_transition_time = Some(started.clone());
                    }
                }
            }
        });
        // Env vars from secrets are read now; one that cannot be read fails the attempt.
        let identity = WorkloadIdentity {
            project: context.job.project.clone(),
            region: context.job.location.clone(),
            service_account: context.service_account.clone(),
            workload: context.execution_name.clone(),
        };
        let (mut env, env_problem) =
            match run.container_env(identity, context.container.env.as_ref()) {
                Ok(env) => (env, None),
                Err(message) => (BTreeMap::new(), Some(message)),
            };
        env.insert("CLOUD_RUN_JOB".into(), context.job.job.clone());
        env.insert("CLOUD_RUN_EXECUTION".into(), context.execution_id.clone());
        env.insert("CLOUD_RUN_TASK_INDEX".into(), index_text.clone());
        env.insert("CLOUD_RUN_TASK_ATTEMPT".into(), attempt.to_string());
        env.insert(
            "CLOUD_RUN_TASK_COUNT".into(),
            context.task_count.to_string(),
        );
        let mut argv: Vec<String> = context.container.command.clone().unwrap_or_default();
        argv.extend(context.container.args.clone().unwrap_or_default());
        let image = context.container.image.clone().unwrap_or_default();
        let located = run.locate_image(&image).await;
        let image_problem = located.as_ref().err().cloned();
        let spec = WorkloadSpec {
            name: format!("run/{}/{index}/{attempt}", context.execution_id),
            argv,
            env,
            timeout: Some(context.timeout),
            stop_grace: Duration::from_secs(10),
            image: Some(WorkloadImage {
                reference: image.clone(),
                located,
                entrypoint: context.container.command.clone(),
                command: context.container.args.clone(),
                working_dir: context.container.working_dir.clone(),
            }),
            ..Default::default()
        };
        let logging = Arc::clone(&run.logging);
        let resource = Run::job_resource(&context.job);
        let project = context.job.project.clone();
        let labels = BTreeMap::from([
            (
                "run.googleapis.com/execution_name".to_string(),
                context.execution_id.clone(),
            ),
            (
                "run.googleapis.com/task_index".to_string(),
                index_text.clone(),
            ),
            (
                "run.googleapis.com/task_attempt".to_string(),
                attempt.to_string(),
            ),
            (
                "instanceId".to_string(),
                format!("{}-{index}-{attempt}", context.execution_id),
            ),
        ]);
        let sink = Arc::new(FnSink(move |line: LogLine| {
            let stream = match line.stream {
                Stream::Stdout => "stdout",
                Stream::Stderr => "stderr",
            };
            let entry = LogEntry {
                log_name: Some(format!(
                    "projects/{project}/logs/run.googleapis.com%2F{stream}"
                )),
                resource: Some(resource.clone()),
                labels: Some(labels.clone()),
                text_payload: Some(line.text),
                timestamp: Some(crate::time::rfc3339_nanos(time::OffsetDateTime::from(
                    line.time,
                ))),
                severity: (line.stream == Stream::Stderr)
                    .then_some(sim_gcp_shapes::logging_v2::LogEntrySeverity::Error),
                ..Default::default()
            };
            if let Err(error) = logging.append(vec![entry]) {
                tracing::error!(%error, "could not write a task's output to Cloud Logging");
            }
        }));
        let started = match env_problem {
            Some(message) => Err(message),
            None => run
                .kit
                .runner()
                .start(spec, sink)
                .await
                .map_err(|error| error.to_string()),
        };
        let outcome = match started {
            Ok(workload) => {
                // Which runner ran the attempt, and why not in its image when it could not.
                let note = match (workload.runner(), &image_problem) {
                    ("process", Some(problem)) => {
                        format!("process: the image was not used ({problem})")
                    }
                    (runner, _) => runner.to_string(),
                };
                update_execution(run, &context.execution_name, |execution| {
                    execution
                        .annotations
                        .get_or_insert_with(Default::default)
                        .insert(WORKLOAD_RUNNER_ANNOTATION.to_string(), note.clone());
                });
                run.running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(context.execution_name.clone())
                    .or_default()
                    .push(workload.clone());
                let status = workload.wait().await;
                if let Some(list) = run
                    .running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_mut(&context.execution_name)
                {
                    list.retain(|w| w.pid() != workload.pid());
                }
                status
            }
            Err(message) => simkit::runner::ExitStatus {
                code: 127,
                reason: ExitReason::SpawnFailed { message },
                started_at: run.kit.clock().now(),
                finished_at: run.kit.clock().now(),
            },
        };
        let ended = run.now();
        let succeeded = outcome.code == 0 && outcome.reason == ExitReason::Exited;
        let message = match &outcome.reason {
            ExitReason::Exited if succeeded => None,
            ExitReason::Exited => Some(format!(
                "Application failed with exit code {}. The container exited with an error.",
                outcome.code
            )),
            ExitReason::TimedOut => Some(format!(
                "The configured timeout was reached. Task {} timed out after {}s.",
                index,
                context.timeout.as_secs()
            )),
            ExitReason::Stopped => Some("The task was cancelled.".into()),
            ExitReason::SpawnFailed { message } | ExitReason::PullFailed { message } => {
                Some(message.clone())
            }
        };
        let last_attempt = attempt == context.max_retries;
        let was_cancelled = outcome.reason == ExitReason::Stopped;
        let result = GoogleCloudRunV2TaskAttemptResult {
            exit_code: Some(outcome.code),
            status: Some(GoogleRpcStatus {
                code: Some(if succeeded { 0 } else { 2 }),
                message: message.clone(),
                details: None,
            }),
            term_signal: (outcome.code > 128).then_some(outcome.code - 128),
        };
        let done = succeeded || last_attempt || was_cancelled;
        update_task(run, task_name, |task| {
            task.last_attempt_result = Some(result.clone());
            if done {
                task.completion_time = Some(ended.clone());
                task.reconciling = Some(false);
                let state = if succeeded {
                    GoogleCloudRunV2ConditionState::ConditionSucceeded
                } else {
                    GoogleCloudRunV2ConditionState::ConditionFailed
                };
                let mut completed = condition("Completed", state, &ended);
                completed.message = message.clone();
                if !succeeded {
                    completed.execution_reason = Some(if was_cancelled {
                        GoogleCloudRunV2ConditionExecutionReason::Cancelled
                    } else {
                        GoogleCloudRunV2ConditionExecutionReason::NonZeroExitCode
                    });
                }
                task.conditions = Some(vec![completed]);
            }
        });
        update_execution(run, &context.execution_name, |execution| {
            bump(&mut execution.running_count, -1);
            if succeeded {
                bump(&mut execution.succeeded_count, 1);
            } else if was_cancelled {
                bump(&mut execution.cancelled_count, 1);
            } else if last_attempt {
                bump(&mut execution.failed_count, 1);
            } else {
                bump(&mut execution.retried_count, 1);
            }
        });
        if done {
            return;
        }
    }
}

/// Records the end: completion time, the Completed condition, the job's reference.
fn finish_execution(run: &Run, plan: &Plan) {
    let name = plan.name();
    let now = run.now();
    let was_cancelled = cancelled(run, &name);
    let mut status = GoogleCloudRunV2ExecutionReferenceCompletionStatus::ExecutionSucceeded;
    // Read before the update: no store reads inside a write.
    let first_failed = first_failed_index(run, &name).unwrap_or(0);
    update_execution(run, &name, |execution| {
        let failed = execution.failed_count.unwrap_or(0);
        let cancelled_count = execution.cancelled_count.unwrap_or(0);
        let (state, reason, message) = if was_cancelled || cancelled_count > 0 {
            status = GoogleCloudRunV2ExecutionReferenceCompletionStatus::ExecutionCancelled;
            (
                GoogleCloudRunV2ConditionState::ConditionFailed,
                Some(GoogleCloudRunV2ConditionExecutionReason::Cancelled),
                format!("The execution {} was cancelled.", plan.execution_id),
            )
        } else if failed > 0 {
            status = GoogleCloudRunV2ExecutionReferenceCompletionStatus::ExecutionFailed;
            (
                GoogleCloudRunV2ConditionState::ConditionFailed,
                Some(GoogleCloudRunV2ConditionExecutionReason::NonZeroExitCode),
                format!(
                    "Task {}-task{} failed with message: The container exited with an error. {failed} of {} tasks failed.",
                    plan.execution_id, first_failed, plan.task_count
                ),
            )
        } else {
            (
                GoogleCloudRunV2ConditionState::ConditionSucceeded,
                None,
                "Execution completed successfully.".to_string(),
            )
        };
        execution.completion_time = Some(now.clone());
        execution.reconciling = Some(false);
        execution.running_count = Some(0);
        if let Some(conditions) = execution.conditions.as_mut() {
            for c in conditions.iter_mut() {
                if c.r#type.as_deref() == Some("Completed") {
                    c.state = Some(state);
                    c.execution_reason = reason;
                    c.message = Some(message.clone());
                    c.last_transition_time = Some(now.clone());
                }
            }
        }
    });
    let job_key = plan.job.full();
    if let Err(error) = run.jobs.update(&job_key, |record| {
        if let Some(reference) = record.job.latest_created_execution.as_mut()
            && reference.name.as_deref() == Some(name.as_str())
        {
            reference.completion_status = Some(status);
            reference.completion_time = Some(now.clone());
        }
    }) {
        tracing::error!(%error, "could not update a job's latest execution");
    }
    run.running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&name);
}

fn first_failed_index(run: &Run, execution: &str) -> Option<i32> {
    run.tasks
        .scan_prefix(&format!("{execution}/tasks/"))
        .into_iter()
        .filter(|(_, record)| {
            record
                .task
                .last_attempt_result
                .as_ref()
                .and_then(|r| r.exit_code)
                .is_some_and(|code| code != 0)
        })
        .filter_map(|(_, record)| record.task.index)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_protobuf_json_writes_them() {
        assert_eq!(parse_duration("600s"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("600"), None);
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("NaNs"), None);
    }
}
