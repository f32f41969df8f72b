//! Job executions: `start` makes an execution record (`Running`, with its start time and the
//! template it runs) and a driver that runs its replicas through the kit's runner:
//! `replicaCompletionCount` replicas, at most `parallelism` at once; each replica runs its init
//! containers one after another, then its containers together, and succeeds when every one
//! exits 0; a failed replica is retried up to `replicaRetryLimit` times, and each attempt is
//! stopped after `replicaTimeout` seconds. The execution ends `Succeeded` when every replica
//! did, `Stopped` when it was stopped, `Failed` otherwise, with its end time.
//!
//! Every line a container prints goes to [`ConsoleLogs`] (Log Analytics' `ContainerAppConsoleLogs_CL`)
//! when the job's environment names a workspace.
//!
//! Images: under `--workloads oci` a replica runs in its image when the image is in the
//! simulator's ACR (`NAME.azurecr.io/REPO:TAG`); any other image cannot be had, and the replica
//! fails with the reason. Under `--workloads process` the container's command and args run on
//! the host.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use simkit::logs::{FnSink, LogLine, Stream};
use simkit::runner::{ExitReason, WorkloadImage, WorkloadSpec};
use simkit::store::Collection;

use super::{
    ContainerApps, EXECUTION_TYPE, ExecutionRecord, JobProperties, Started, execution_key,
};
use crate::error::ArmError;
use crate::shapes::app_common::{EnvironmentVar, Secret};
use crate::shapes::app_jobs::{
    JobExecution, JobExecutionBase, JobExecutionContainer, JobExecutionTemplate,
};

/// One line of a container's output, as Log Analytics records it.
#[derive(Debug, Clone)]
pub struct ConsoleLine {
    /// The workspace the environment's `appLogsConfiguration` sends its logs to, if any.
    pub customer_id: Option<String>,
    /// The managed environment's resource ID, whose diagnostic settings may route the line.
    pub environment_id: String,
    pub time_ms: i64,
    /// `stdout` or `stderr`.
    pub stream: &'static str,
    pub log: String,
    pub environment: String,
    /// The container app and revision (empty for a job's container).
    pub app: String,
    pub revision: String,
    /// The job and execution (empty for an app's container).
    pub job: String,
    pub execution: String,
    pub replica: String,
    pub container: String,
    pub image: String,
}

/// Where console output goes.
pub trait ConsoleLogs: Send + Sync + 'static {
    fn append(&self, line: ConsoleLine);
}

/// Everything the driver needs, read once at start.
struct Plan {
    key: String,
    job: String,
    execution: String,
    environment: String,
    environment_id: String,
    customer_id: Option<String>,
    init_containers: Vec<JobExecutionContainer>,
    containers: Vec<JobExecutionContainer>,
    secrets: Vec<Secret>,
    timeout: Duration,
    retry_limit: i64,
    parallelism: usize,
    completions: usize,
}

pub(super) fn status(execution: &JobExecution) -> Option<&str> {
    execution.properties.as_ref()?.get("status")?.as_str()
}

pub(super) fn set_status(execution: &mut JobExecution, status: &str, end_time: Option<&str>) {
    if let Some(Value::Object(map)) = execution.properties.as_mut() {
        map.insert("status".into(), json!(status));
        if let Some(end) = end_time {
            map.insert("endTime".into(), json!(end));
        }
    }
}

/// Records that a stop was asked for: the driver ends the execution `Stopped`.
pub(super) fn mark_stopping(executions: &Collection<ExecutionRecord>, key: &str) {
    if let Err(error) = executions.update(key, |record| record.stopping = true) {
        tracing::error!(%error, "could not record an execution's stop");
    }
}

impl ContainerApps {
    /// `start`: a new execution of the job's template, or of `overrides` when it names
    /// containers.
    pub fn start_job(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        job_name: &str,
        overrides: Option<JobExecutionTemplate>,
    ) -> Result<Started, ArmError> {
        let record = self.job_record(subscription, group, job_name)?;
        let properties: JobProperties = record
            .job
            .properties
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|_| ArmError::Internal)?
            .unwrap_or_default();
        let job_display = record
            .job
            .name
            .clone()
            .unwrap_or_else(|| job_name.to_string());
        let template = properties.template.unwrap_or_default();
        let configuration = properties.configuration.unwrap_or_default();
        let (parallelism, completions) = super::schedules::trigger_counts(&configuration);
        let from_job = |containers: &Option<Vec<Box<crate::shapes::app_common::Container>>>| {
            containers
                .iter()
                .flatten()
                .map(|c| JobExecutionContainer {
                    args: c.args.clone(),
                    command: c.command.clone(),
                    env: c.env.clone(),
                    image: c.image.clone(),
                    name: c.name.clone(),
                    resources: c.resources.clone(),
                })
                .collect::<Vec<_>>()
        };
        let job_init: Vec<JobExecutionContainer> = template
            .init_containers
            .iter()
            .flatten()
            .map(|c| JobExecutionContainer {
                args: c.args.clone(),
                command: c.command.clone(),
                env: c.env.clone(),
                image: c.image.clone(),
                name: c.name.clone(),
                resources: c.resources.clone(),
            })
            .collect();
        let overrides = overrides.unwrap_or_default();
        let containers: Vec<JobExecutionContainer> = match overrides.containers {
            Some(list) if !list.is_empty() => list.into_iter().map(|c| *c).collect(),
            _ => from_job(&template.containers),
        };
        let init_containers: Vec<JobExecutionContainer> = match overrides.init_containers {
            Some(list) if !list.is_empty() => list.into_iter().map(|c| *c).collect(),
            _ => job_init,
        };
        for (index, container) in containers.iter().chain(init_containers.iter()).enumerate() {
            if container.image.as_deref().is_none_or(str::is_empty) {
                return Err(ArmError::MissingRequiredProperty(format!(
                    "template.containers[{index}].image"
                )));
            }
            for variable in container.env.iter().flatten() {
                if let Some(secret) = &variable.secret_ref
                    && !record
                        .secrets
                        .iter()
                        .any(|s| s.name.as_deref() == Some(secret.as_str()))
                {
                    return Err(ArmError::SecretRefNotFound {
                        secret: secret.clone(),
                        container: container.name.clone().unwrap_or_default(),
                    });
                }
            }
        }
        let environment = properties
            .environment_id
            .as_deref()
            .and_then(|id| self.environment_by_id(id).ok());
        let suffix = self
            .kit
            .ids()
            .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 7);
        let execution_name = format!("{job_display}-{suffix}");
        let job_id = record.job.id.clone().unwrap_or_default();
        let execution_id = format!("{job_id}/executions/{execution_name}");
        let now = self.now();
        let execution_template = JobExecutionTemplate {
            containers: Some(containers.iter().cloned().map(Box::new).collect()),
            init_containers: (!init_containers.is_empty())
                .then(|| init_containers.iter().cloned().map(Box::new).collect()),
        };
        let execution = JobExecution {
            id: Some(execution_id.clone()),
            name: Some(execution_name.clone()),
            r#type: Some(EXECUTION_TYPE.into()),
            properties: Some(json!({
                "status": "Running",
                "startTime": now,
                "template": execution_template,
            })),
        };
        let execution_key = execution_key(subscription, group, job_name, &execution_name);
        self.executions.insert(
            &execution_key,
            ExecutionRecord {
                execution,
                subscription: subscription.to_string(),
                group: record.group.clone(),
                job: job_display.clone(),
                stopping: false,
            },
        )?;
        let plan = Plan {
            key: execution_key,
            job: job_display,
            execution: execution_name.clone(),
            environment: environment
                .as_ref()
                .and_then(|e| e.environment.name.clone())
                .unwrap_or_default(),
            environment_id: environment
                .as_ref()
                .and_then(|e| e.environment.id.clone())
                .unwrap_or_default(),
            customer_id: environment.and_then(|e| e.log_analytics_customer_id),
            init_containers,
            containers,
            secrets: record.secrets.clone(),
            timeout: Duration::from_secs(
                u64::try_from(configuration.replica_timeout.unwrap_or(1800)).unwrap_or(1800),
            ),
            retry_limit: configuration.replica_retry_limit.unwrap_or(0).max(0),
            parallelism: usize::try_from(parallelism).unwrap_or(1).max(1),
            completions: usize::try_from(completions).unwrap_or(1).max(1),
        };
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(plan.key.clone(), Vec::new());
        let base = JobExecutionBase {
            id: Some(execution_id),
            name: Some(execution_name),
        };
        let result = serde_json::to_value(&base).unwrap_or_default();
        let operation = self
            .operations
            .start(json!({"kind": "jobStart", "job": job_id}), async move {
                simkit::operations::Outcome::Response(result)
            })?;
        tokio::spawn(drive(self.clone(), Arc::new(plan)));
        Ok(Started {
            execution: base,
            operation,
            location: record.job.location.unwrap_or_default(),
        })
    }

    fn stopping(&self, key: &str) -> bool {
        self.executions.get(key).is_some_and(|r| r.stopping)
    }
}

/// Runs an execution's replicas and records how it ended.
async fn drive(apps: Arc<ContainerApps>, plan: Arc<Plan>) {
    let permits = Arc::new(tokio::sync::Semaphore::new(plan.parallelism));
    let mut replicas = tokio::task::JoinSet::new();
    for _ in 0..plan.completions {
        let apps = apps.clone();
        let plan = plan.clone();
        let permits = permits.clone();
        replicas.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return false;
            };
            run_replica(&apps, &plan).await
        });
    }
    let mut all_succeeded = true;
    while let Some(result) = replicas.join_next().await {
        all_succeeded &= result.unwrap_or(false);
    }
    let status = if apps.stopping(&plan.key) {
        "Stopped"
    } else if all_succeeded {
        "Succeeded"
    } else {
        "Failed"
    };
    let end = apps.now();
    if let Err(error) = apps.executions.update(&plan.key, |record| {
        set_status(&mut record.execution, status, Some(&end));
    }) {
        tracing::error!(%error, execution = plan.execution, "could not record an execution's end");
    }
    apps.running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&plan.key);
}

/// One replica, with its retries: whether it succeeded.
async fn run_replica(apps: &Arc<ContainerApps>, plan: &Arc<Plan>) -> bool {
    for _attempt in 0..=plan.retry_limit {
        if apps.stopping(&plan.key) {
            return false;
        }
        let replica = format!(
            "{}-{}",
            plan.execution,
            apps.kit
                .ids()
                .random_word(b"abcdefghijklmnopqrstuvwxyz0123456789", 5)
        );
        let mut succeeded = true;
        for container in &plan.init_containers {
            if run_container(apps, plan, &replica, container).await != Some(0) {
                succeeded = false;
                break;
            }
        }
        if succeeded {
            let mut containers = tokio::task::JoinSet::new();
            for container in plan.containers.clone() {
                let apps = apps.clone();
                let plan = plan.clone();
                let replica = replica.clone();
                containers.spawn(async move {
                    run_container(&apps, &plan, &replica, &container).await == Some(0)
                });
            }
            while let Some(result) = containers.join_next().await {
                succeeded &= result.unwrap_or(false);
            }
        }
        if succeeded {
            return true;
        }
    }
    false
}

/// One container of one replica: its exit code, `None` when it did not end by exiting.
async fn run_container(
    apps: &Arc<ContainerApps>,
    plan: &Arc<Plan>,
    replica: &str,
    container: &JobExecutionContainer,
) -> Option<i32> {
    let name = container.name.clone().unwrap_or_default();
    let image = container.image.clone().unwrap_or_default();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for variable in container.env.iter().flatten() {
        let EnvironmentVar {
            name: Some(variable_name),
            value,
            secret_ref,
        } = variable.as_ref()
        else {
            continue;
        };
        let value = match secret_ref {
            Some(secret) => plan
                .secrets
                .iter()
                .find(|s| s.name.as_deref() == Some(secret.as_str()))
                .and_then(|s| s.value.clone())
                .unwrap_or_default(),
            None => value.clone().unwrap_or_default(),
        };
        env.insert(variable_name.clone(), value);
    }
    env.insert("CONTAINER_APP_JOB_NAME".into(), plan.job.clone());
    env.insert(
        "CONTAINER_APP_JOB_EXECUTION_NAME".into(),
        plan.execution.clone(),
    );
    env.insert("CONTAINER_APP_REPLICA_NAME".into(), replica.to_string());
    let mut argv = container.command.clone().unwrap_or_default();
    argv.extend(container.args.clone().unwrap_or_default());
    let located =
        crate::services::acr::pull::find_image(apps.registry.get().map(Arc::as_ref), &image).await;
    let spec = WorkloadSpec {
        name: format!("containerapps-job/{}/{replica}/{name}", plan.job),
        argv,
        env,
        timeout: Some(plan.timeout),
        stop_grace: Duration::from_secs(10),
        hostname: Some(replica.to_string()),
        image: Some(WorkloadImage {
            reference: image.clone(),
            located,
            entrypoint: container.command.clone(),
            command: container.args.clone(),
            working_dir: None,
        }),
        ..Default::default()
    };
    let console = apps.console.get().cloned();
    let customer_id = plan.customer_id.clone();
    let environment_id = plan.environment_id.clone();
    let line_context = (
        plan.environment.clone(),
        plan.job.clone(),
        plan.execution.clone(),
        replica.to_string(),
        name.clone(),
        image.clone(),
    );
    let sink = Arc::new(FnSink(move |line: LogLine| {
        let Some(sink) = &console else {
            return;
        };
        let (environment, job, execution, replica, container, image) = &line_context;
        sink.append(ConsoleLine {
            customer_id: customer_id.clone(),
            environment_id: environment_id.clone(),
            time_ms: simkit::clock::millis_since_epoch(line.time),
            stream: match line.stream {
                Stream::Stdout => "stdout",
                Stream::Stderr => "stderr",
            },
            log: line.text,
            environment: environment.clone(),
            app: String::new(),
            revision: String::new(),
            job: job.clone(),
            execution: execution.clone(),
            replica: replica.clone(),
            container: container.clone(),
            image: image.clone(),
        });
    }));
    let workload = match apps.kit.runner().start(spec, sink).await {
        Ok(workload) => workload,
        Err(error) => {
            tracing::debug!(%error, job = plan.job, "a replica's container could not start");
            return None;
        }
    };
    if let Some(list) = apps
        .running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_mut(&plan.key)
    {
        list.push(workload.clone());
    }
    // A stop that came while the container was starting found nothing to stop: it marked the
    // execution first (under the same lock), so the mark is seen here.
    if apps.stopping(&plan.key) {
        workload.stop(std::time::Duration::from_secs(10));
    }
    let status = workload.wait().await;
    if let Some(list) = apps
        .running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get_mut(&plan.key)
    {
        list.retain(|w| w.pid() != workload.pid());
    }
    (status.reason == ExitReason::Exited).then_some(status.code)
}
