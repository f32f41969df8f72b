//! Cloud Run's v1 API, the Knative-style surface `gcloud run` speaks
//! (`/apis/run.googleapis.com/v1/namespaces/PROJECT/jobs|executions|tasks`), as a second front
//! on the v2 state: a job created through either API is the same record, and v1 answers are
//! made from it (`metadata`, `spec`, `status` with Knative conditions whose `status` is
//! `"True"`, `"False"` or `"Unknown"`).
//!
//! The region comes from the regional host name (`us-central1-run.googleapis.com`); without
//! one, a job is looked up in every region of the namespace, and a create must carry the
//! `cloud.googleapis.com/location` label. Listings take Kubernetes label selectors
//! (`k=v`, `k!=v`, `k`, `!k`, comma-joined) and page with `limit` and `continue`.
//!
//! Env vars from secrets (`valueFrom.secretKeyRef`: `name` the secret, `key` its version) are
//! v2's `valueSource.secretKeyRef`.
//!
//! Limitations: volumes are refused with INVALID_ARGUMENT; `delayExecution` and the `runExecutionToken`/`startExecutionToken` fields
//! are not simulated.
//!
//! Must not: see HTTP, or keep any state of its own: everything is the v2 records'.

use std::collections::BTreeMap;
use std::sync::Arc;

use sim_gcp_shapes::run_v1 as v1;
use sim_gcp_shapes::run_v2::{
    GoogleCloudRunV2Condition, GoogleCloudRunV2ConditionState, GoogleCloudRunV2Container,
    GoogleCloudRunV2ContainerOverride, GoogleCloudRunV2EnvVarSource, GoogleCloudRunV2Execution,
    GoogleCloudRunV2ExecutionTemplate, GoogleCloudRunV2Job, GoogleCloudRunV2Overrides,
    GoogleCloudRunV2SecretKeySelector, GoogleCloudRunV2Task, GoogleCloudRunV2TaskTemplate,
};

use super::{JobName, Run, execution};
use crate::error::GcpError;
use crate::protocol::paging;

pub(super) const API_VERSION: &str = "run.googleapis.com/v1";
pub(super) const LOCATION_LABEL: &str = "cloud.googleapis.com/location";
const JOB_LABEL: &str = "run.googleapis.com/job";
const EXECUTION_LABEL: &str = "run.googleapis.com/execution";
const TASK_INDEX_LABEL: &str = "run.googleapis.com/taskIndex";
pub(super) const LAUNCH_STAGE: &str = "run.googleapis.com/launch-stage";
pub(super) const CLIENT_NAME: &str = "run.googleapis.com/client-name";
pub(super) const CLIENT_VERSION: &str = "run.googleapis.com/client-version";

/// Where a v1 request was sent: its namespace (the project) and the region its host names.
#[derive(Debug, Clone)]
pub struct Scope {
    pub namespace: String,
    pub region: Option<String>,
}

impl Scope {
    /// The key prefix of the v2 records a v1 request sees: its region's, or every region's
    /// when the request named none.
    pub(super) fn prefix(&self) -> String {
        match &self.region {
            Some(region) => format!("projects/{}/locations/{region}/", self.namespace),
            None => format!("projects/{}/locations/", self.namespace),
        }
    }

    /// Where a v1 create puts a resource of `kind` (`job`, `service`): its ID from
    /// `metadata.name`, and the v2 parent `projects/P/locations/R`, the region taken from the
    /// request's regional host or else the resource's location label.
    pub(super) fn place(
        &self,
        metadata: &v1::ObjectMeta,
        kind: &str,
    ) -> Result<(String, String), GcpError> {
        let id = metadata
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| GcpError::invalid("metadata.name: must be specified"))?;
        if let Some(namespace) = metadata.namespace.as_deref()
            && namespace != self.namespace
        {
            return Err(GcpError::invalid(format!(
                "metadata.namespace: '{namespace}' does not match the namespace '{}' of the request",
                self.namespace
            )));
        }
        let region = self
            .region
            .clone()
            .or_else(|| metadata.labels.as_ref().and_then(|l| l.get(LOCATION_LABEL)).cloned())
            .ok_or_else(|| {
                GcpError::invalid(format!(
                    "A region is required: send the request to REGION-run.googleapis.com or label the {kind} with cloud.googleapis.com/location"
                ))
            })?;
        Ok((
            id,
            format!("projects/{}/locations/{region}", self.namespace),
        ))
    }
}

/// A listing's label selector, `limit` and `continue`.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub label_selector: Option<String>,
    pub limit: Option<i64>,
    pub continue_token: Option<String>,
}

/// One requirement of a Kubernetes label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Absent(String),
}

/// Parses `k=v,k==v,k!=v,k,!k`; set-based forms (`in`, `notin`) are refused.
pub(super) fn parse_selector(selector: &str) -> Result<Vec<Requirement>, GcpError> {
    let invalid = || GcpError::invalid(format!("Invalid label selector: {selector}"));
    let valid_key = |key: &str| {
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    };
    let mut requirements = Vec::new();
    for part in selector.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let requirement = if let Some((key, value)) = part.split_once("!=") {
            Requirement::NotEquals(key.trim().to_string(), value.trim().to_string())
        } else if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::Equals(key.trim().to_string(), value.trim().to_string())
        } else if let Some(key) = part.strip_prefix('!') {
            Requirement::Absent(key.trim().to_string())
        } else {
            Requirement::Exists(part.to_string())
        };
        let key = match &requirement {
            Requirement::Equals(k, _)
            | Requirement::NotEquals(k, _)
            | Requirement::Exists(k)
            | Requirement::Absent(k) => k,
        };
        if !valid_key(key) {
            return Err(invalid());
        }
        requirements.push(requirement);
    }
    Ok(requirements)
}

pub(super) fn selects(requirements: &[Requirement], labels: &BTreeMap<String, String>) -> bool {
    requirements.iter().all(|requirement| match requirement {
        Requirement::Equals(k, v) => labels.get(k) == Some(v),
        Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
        Requirement::Exists(k) => labels.contains_key(k),
        Requirement::Absent(k) => !labels.contains_key(k),
    })
}

/// A page of `items` (in listing order, each with its key) after `continue`, at most `limit`.
pub(super) fn page<T>(
    items: Vec<(String, T)>,
    options: &ListOptions,
) -> Result<(Vec<T>, Option<String>), GcpError> {
    let size = paging::page_size(options.limit, 500, 1000)?;
    let resume = paging::resume_after(options.continue_token.as_deref())?;
    let mut items: Vec<(String, T)> = items
        .into_iter()
        .filter(|(key, _)| resume.as_ref().is_none_or(|last| key > last))
        .collect();
    let more = items.len() > size;
    items.truncate(size);
    let next = more
        .then(|| items.last().map(|(key, _)| paging::token(key)))
        .flatten();
    Ok((items.into_iter().map(|(_, item)| item).collect(), next))
}

fn knative_status(state: Option<GoogleCloudRunV2ConditionState>) -> &'static str {
    match state {
        Some(GoogleCloudRunV2ConditionState::ConditionSucceeded) => "True",
        Some(GoogleCloudRunV2ConditionState::ConditionFailed) => "False",
        _ => "Unknown",
    }
}

/// `NON_ZERO_EXIT_CODE` -> `NonZeroExitCode`, as v1 spells reasons.
fn camel_reason(name: &str) -> String {
    name.split('_')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

pub(super) fn v1_condition(condition: &GoogleCloudRunV2Condition) -> v1::GoogleCloudRunV1Condition {
    let reason = condition
        .execution_reason
        .map(|r| r.name())
        .or(condition.reason.map(|r| r.name()))
        .filter(|name| !name.ends_with("_UNDEFINED") && !name.ends_with("_UNSPECIFIED"))
        .map(camel_reason);
    v1::GoogleCloudRunV1Condition {
        r#type: condition.r#type.clone(),
        status: Some(knative_status(condition.state).to_string()),
        reason,
        message: condition.message.clone(),
        last_transition_time: condition.last_transition_time.clone(),
        severity: None,
    }
}

/// A v2 container as v1 has it (the shared fields have the same JSON names).
pub(super) fn convert<From: serde::Serialize, To: serde::de::DeserializeOwned + Default>(
    value: &From,
) -> To {
    serde_json::to_value(value)
        .ok()
        .and_then(|json| serde_json::from_value(json).ok())
        .unwrap_or_default()
}

pub(super) fn v2_containers(
    containers: Option<&Vec<v1::Container>>,
) -> Result<Vec<GoogleCloudRunV2Container>, GcpError> {
    let mut out = Vec::new();
    for container in containers.into_iter().flatten() {
        if container.env.iter().flatten().any(|e| {
            e.value_from
                .as_ref()
                .is_some_and(|f| f.config_map_key_ref.is_some())
        }) {
            return Err(GcpError::invalid(
                "spec.template.spec.containers[0].env: values from config maps (configMapKeyRef) are not supported by Cloud Run",
            ));
        }
        if container
            .volume_mounts
            .as_ref()
            .is_some_and(|m| !m.is_empty())
        {
            return Err(GcpError::invalid(
                "spec.template.spec.template.spec.containers[0].volumeMounts: volumes are not supported by the simulator",
            ));
        }
        let v1_env = container.env.clone().unwrap_or_default();
        let mut container: GoogleCloudRunV2Container = convert(container);
        // v1 names a secret and its version as `valueFrom.secretKeyRef` `name` and `key`; v2
        // as `valueSource.secretKeyRef` `secret` and `version`.
        for (variable, v1_variable) in container.env.iter_mut().flatten().zip(&v1_env) {
            if let Some(reference) = v1_variable
                .value_from
                .as_ref()
                .and_then(|f| f.secret_key_ref.as_ref())
            {
                variable.value_source = Some(GoogleCloudRunV2EnvVarSource {
                    secret_key_ref: Some(GoogleCloudRunV2SecretKeySelector {
                        secret: reference.name.clone(),
                        version: reference.key.clone(),
                    }),
                });
            }
        }
        super::env::check_env(container.env.as_ref(), "spec.template.spec.containers[0]")?;
        // v1 sends an empty name for the one container; v2 leaves it unset.
        if container.name.as_deref() == Some("") {
            container.name = None;
        }
        out.push(container);
    }
    Ok(out)
}

pub(super) fn v1_containers(
    containers: Option<&Vec<GoogleCloudRunV2Container>>,
) -> Vec<v1::Container> {
    containers
        .into_iter()
        .flatten()
        .map(|v2_container| {
            let mut container: v1::Container = convert(v2_container);
            container.name.get_or_insert_with(String::new);
            for (variable, v2_variable) in container
                .env
                .iter_mut()
                .flatten()
                .zip(v2_container.env.iter().flatten())
            {
                if let Some(reference) = v2_variable
                    .value_source
                    .as_ref()
                    .and_then(|s| s.secret_key_ref.as_ref())
                {
                    variable.value_from = Some(v1::EnvVarSource {
                        secret_key_ref: Some(v1::SecretKeySelector {
                            name: reference.secret.clone(),
                            key: reference.version.clone(),
                            ..Default::default()
                        }),
                        config_map_key_ref: None,
                    });
                }
            }
            container
        })
        .collect()
}

/// `600s` -> 600.
pub(super) fn seconds_text(duration: Option<&str>) -> Option<i64> {
    duration
        .and_then(execution::parse_duration)
        .and_then(|d| i64::try_from(d.as_secs()).ok())
}

/// Splits a v1 metadata map into what v2 keeps as its own and the system keys v1 derives.
pub(super) fn user_entries(
    map: Option<&BTreeMap<String, String>>,
) -> Option<BTreeMap<String, String>> {
    let kept: BTreeMap<String, String> = map
        .into_iter()
        .flatten()
        .filter(|(key, _)| {
            !key.starts_with("run.googleapis.com/")
                && !key.starts_with("cloud.googleapis.com/")
                && !key.starts_with("serving.knative.dev/")
                && !key.starts_with("client.knative.dev/")
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// A v1 Job as the v2 job a create or replace makes.
fn v2_job(job: &v1::Job) -> Result<GoogleCloudRunV2Job, GcpError> {
    let metadata = job.metadata.clone().unwrap_or_default();
    let template = job
        .spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .cloned()
        .unwrap_or_default();
    let execution_spec = template.spec.unwrap_or_default();
    let task_spec = execution_spec
        .template
        .and_then(|t| t.spec)
        .unwrap_or_default();
    if task_spec.volumes.as_ref().is_some_and(|v| !v.is_empty()) {
        return Err(GcpError::invalid(
            "spec.template.spec.template.spec.volumes: volumes are not supported by the simulator",
        ));
    }
    let timeout = match task_spec.timeout_seconds {
        Some(seconds) if seconds < 0 => {
            return Err(GcpError::invalid(format!(
                "spec.template.spec.template.spec.timeoutSeconds: must be positive, not {seconds}"
            )));
        }
        Some(seconds) => Some(format!("{seconds}s")),
        None => None,
    };
    let annotations = metadata.annotations.as_ref();
    let template_metadata = template.metadata.unwrap_or_default();
    Ok(GoogleCloudRunV2Job {
        labels: user_entries(metadata.labels.as_ref()),
        annotations: user_entries(annotations),
        client: annotations.and_then(|a| a.get(CLIENT_NAME)).cloned(),
        client_version: annotations.and_then(|a| a.get(CLIENT_VERSION)).cloned(),
        template: Some(GoogleCloudRunV2ExecutionTemplate {
            labels: user_entries(template_metadata.labels.as_ref()),
            annotations: user_entries(template_metadata.annotations.as_ref()),
            parallelism: execution_spec.parallelism,
            task_count: execution_spec.task_count,
            template: Some(GoogleCloudRunV2TaskTemplate {
                containers: Some(v2_containers(task_spec.containers.as_ref())?),
                max_retries: task_spec.max_retries,
                timeout,
                service_account: task_spec.service_account_name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    })
}

pub(super) fn project_and_location(name: &str) -> (String, String) {
    let parts: Vec<&str> = name.split('/').collect();
    (
        parts.get(1).copied().unwrap_or_default().to_string(),
        parts.get(3).copied().unwrap_or_default().to_string(),
    )
}

pub(super) fn last_segment(name: &str) -> String {
    name.rsplit('/').next().unwrap_or_default().to_string()
}

fn self_link(namespace: &str, kind: &str, id: &str) -> String {
    format!("/apis/{API_VERSION}/namespaces/{namespace}/{kind}/{id}")
}

fn task_spec(template: Option<&GoogleCloudRunV2TaskTemplate>) -> v1::TaskSpec {
    let template = template.cloned().unwrap_or_default();
    v1::TaskSpec {
        containers: Some(v1_containers(template.containers.as_ref())),
        max_retries: template.max_retries,
        timeout_seconds: seconds_text(template.timeout.as_deref()),
        service_account_name: template.service_account,
        ..Default::default()
    }
}

/// The v1 view of a v2 job.
pub fn v1_job(job: &GoogleCloudRunV2Job) -> v1::Job {
    let name = job.name.clone().unwrap_or_default();
    let (project, location) = project_and_location(&name);
    let id = last_segment(&name);
    let mut labels = job.labels.clone().unwrap_or_default();
    labels.insert(LOCATION_LABEL.into(), location);
    let mut annotations = job.annotations.clone().unwrap_or_default();
    if let Some(stage) = job.launch_stage {
        annotations.insert(LAUNCH_STAGE.into(), stage.name().into());
    }
    if let Some(client) = &job.client {
        annotations.insert(CLIENT_NAME.into(), client.clone());
    }
    if let Some(version) = &job.client_version {
        annotations.insert(CLIENT_VERSION.into(), version.clone());
    }
    let template = job.template.clone().unwrap_or_default();
    let mut conditions = Vec::new();
    conditions.extend(job.terminal_condition.iter().map(v1_condition));
    conditions.extend(job.conditions.iter().flatten().map(v1_condition));
    v1::Job {
        api_version: Some(API_VERSION.into()),
        kind: Some("Job".into()),
        metadata: Some(v1::ObjectMeta {
            name: Some(id.clone()),
            namespace: Some(project.clone()),
            self_link: Some(self_link(&project, "jobs", &id)),
            uid: job.uid.clone(),
            resource_version: job.etag.as_deref().map(|e| e.trim_matches('"').to_string()),
            generation: job.generation.and_then(|g| i32::try_from(g).ok()),
            creation_timestamp: job.create_time.clone(),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        }),
        spec: Some(v1::JobSpec {
            template: Some(v1::ExecutionTemplateSpec {
                metadata: Some(v1::ObjectMeta {
                    labels: template.labels.clone(),
                    annotations: template.annotations.clone(),
                    ..Default::default()
                }),
                spec: Some(v1::ExecutionSpec {
                    parallelism: template.parallelism,
                    task_count: template.task_count,
                    template: Some(v1::TaskTemplateSpec {
                        spec: Some(task_spec(template.template.as_ref())),
                    }),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }),
        status: Some(v1::JobStatus {
            observed_generation: job.observed_generation.and_then(|g| i32::try_from(g).ok()),
            conditions: Some(conditions),
            execution_count: job.execution_count,
            latest_created_execution: job.latest_created_execution.as_ref().map(|reference| {
                v1::ExecutionReference {
                    name: reference.name.as_deref().map(last_segment),
                    creation_timestamp: reference.create_time.clone(),
                    completion_timestamp: reference.completion_time.clone(),
                    completion_status: reference
                        .completion_status
                        .and_then(|s| v1::ExecutionReferenceCompletionStatus::from_name(s.name())),
                    deletion_timestamp: reference.delete_time.clone(),
                }
            }),
        }),
    }
}

/// The v1 view of a v2 execution.
pub fn v1_execution(
    execution: &GoogleCloudRunV2Execution,
    job_uid: Option<String>,
) -> v1::Execution {
    let name = execution.name.clone().unwrap_or_default();
    let (project, location) = project_and_location(&name);
    let id = last_segment(&name);
    let job = execution.job.clone().unwrap_or_default();
    let mut labels = execution.labels.clone().unwrap_or_default();
    labels.insert(LOCATION_LABEL.into(), location);
    labels.insert(JOB_LABEL.into(), job.clone());
    let mut annotations = execution.annotations.clone().unwrap_or_default();
    if let Some(stage) = execution.launch_stage {
        annotations.insert(LAUNCH_STAGE.into(), stage.name().into());
    }
    v1::Execution {
        api_version: Some(API_VERSION.into()),
        kind: Some("Execution".into()),
        metadata: Some(v1::ObjectMeta {
            name: Some(id.clone()),
            namespace: Some(project.clone()),
            self_link: Some(self_link(&project, "executions", &id)),
            uid: execution.uid.clone(),
            resource_version: execution
                .etag
                .as_deref()
                .map(|e| e.trim_matches('"').to_string()),
            generation: execution.generation.and_then(|g| i32::try_from(g).ok()),
            creation_timestamp: execution.create_time.clone(),
            labels: Some(labels),
            annotations: Some(annotations),
            owner_references: Some(vec![v1::OwnerReference {
                api_version: Some(API_VERSION.into()),
                kind: Some("Job".into()),
                name: Some(job),
                uid: job_uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        }),
        spec: Some(v1::ExecutionSpec {
            parallelism: execution.parallelism,
            task_count: execution.task_count,
            template: Some(v1::TaskTemplateSpec {
                spec: Some(task_spec(execution.template.as_ref())),
            }),
            ..Default::default()
        }),
        status: Some(v1::ExecutionStatus {
            observed_generation: execution
                .observed_generation
                .and_then(|g| i32::try_from(g).ok()),
            conditions: Some(
                execution
                    .conditions
                    .iter()
                    .flatten()
                    .map(v1_condition)
                    .collect(),
            ),
            start_time: execution.start_time.clone(),
            completion_time: execution.completion_time.clone(),
            running_count: execution.running_count,
            succeeded_count: execution.succeeded_count,
            failed_count: execution.failed_count,
            cancelled_count: execution.cancelled_count,
            retried_count: execution.retried_count,
            log_uri: execution.log_uri.clone(),
        }),
    }
}

/// The v1 view of a v2 task.
pub fn v1_task(task: &GoogleCloudRunV2Task, execution_uid: Option<String>) -> v1::Task {
    let name = task.name.clone().unwrap_or_default();
    let (project, location) = project_and_location(&name);
    let id = last_segment(&name);
    let mut labels = task.labels.clone().unwrap_or_default();
    labels.insert(LOCATION_LABEL.into(), location);
    labels.insert(JOB_LABEL.into(), task.job.clone().unwrap_or_default());
    labels.insert(
        EXECUTION_LABEL.into(),
        task.execution.clone().unwrap_or_default(),
    );
    labels.insert(TASK_INDEX_LABEL.into(), task.index.unwrap_or(0).to_string());
    v1::Task {
        api_version: Some(API_VERSION.into()),
        kind: Some("Task".into()),
        metadata: Some(v1::ObjectMeta {
            name: Some(id.clone()),
            namespace: Some(project.clone()),
            self_link: Some(self_link(&project, "tasks", &id)),
            uid: task.uid.clone(),
            generation: task.generation.and_then(|g| i32::try_from(g).ok()),
            creation_timestamp: task.create_time.clone(),
            labels: Some(labels),
            owner_references: Some(vec![v1::OwnerReference {
                api_version: Some(API_VERSION.into()),
                kind: Some("Execution".into()),
                name: task.execution.clone(),
                uid: execution_uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        }),
        spec: Some(v1::TaskSpec {
            containers: Some(v1_containers(task.containers.as_ref())),
            max_retries: task.max_retries,
            timeout_seconds: seconds_text(task.timeout.as_deref()),
            service_account_name: task.service_account.clone(),
            ..Default::default()
        }),
        status: Some(v1::TaskStatus {
            observed_generation: task.observed_generation.and_then(|g| i32::try_from(g).ok()),
            conditions: Some(task.conditions.iter().flatten().map(v1_condition).collect()),
            index: task.index,
            start_time: task.start_time.clone(),
            completion_time: task.completion_time.clone(),
            retried: task.retried,
            last_attempt_result: task.last_attempt_result.as_ref().map(|result| {
                v1::TaskAttemptResult {
                    exit_code: result.exit_code,
                    term_signal: result.term_signal,
                    status: result.status.as_ref().map(convert),
                }
            }),
            log_uri: task.log_uri.clone(),
        }),
    }
}

pub(super) fn labels_of<T>(
    object: &T,
    metadata: impl Fn(&T) -> Option<&v1::ObjectMeta>,
) -> BTreeMap<String, String> {
    metadata(object)
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
}

pub(super) fn v1_not_found(kind: &str, id: &str, scope: &Scope) -> GcpError {
    GcpError::not_found(match &scope.region {
        Some(region) => format!(
            "Resource '{id}' of kind '{kind}' in region '{region}' in project '{}' does not exist.",
            scope.namespace
        ),
        None => format!(
            "Resource '{id}' of kind '{kind}' in project '{}' does not exist.",
            scope.namespace
        ),
    })
}

/// The Status a Kubernetes-style delete answers.
pub(super) fn deleted(kind: &str, id: &str, uid: Option<String>) -> v1::Status {
    v1::Status {
        status: Some("Success".into()),
        details: Some(v1::StatusDetails {
            name: Some(id.to_string()),
            group: Some("run.googleapis.com".into()),
            kind: Some(kind.to_string()),
            uid,
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl Run {
    /// The location prefixes a v1 request may reach: its region, or every region.
    /// The v2 name of job `id` in the scope.
    fn v1_job_name(&self, scope: &Scope, id: &str) -> Result<String, GcpError> {
        if let Some(region) = &scope.region {
            let name = format!("projects/{}/locations/{region}/jobs/{id}", scope.namespace);
            return if self.jobs.contains(&name) {
                Ok(name)
            } else {
                Err(v1_not_found("JOB", id, scope))
            };
        }
        let suffix = format!("/jobs/{id}");
        self.jobs
            .scan_prefix(&scope.prefix())
            .into_iter()
            .map(|(key, _)| key)
            .find(|key| key.ends_with(&suffix))
            .ok_or_else(|| v1_not_found("JOB", id, scope))
    }

    fn v1_execution_name(&self, scope: &Scope, id: &str) -> Result<String, GcpError> {
        let suffix = format!("/executions/{id}");
        self.executions
            .scan_prefix(&scope.prefix())
            .into_iter()
            .map(|(key, _)| key)
            .find(|key| key.ends_with(&suffix))
            .ok_or_else(|| v1_not_found("EXECUTION", id, scope))
    }

    fn v1_task_name(&self, scope: &Scope, id: &str) -> Result<String, GcpError> {
        let suffix = format!("/tasks/{id}");
        self.tasks
            .scan_prefix(&scope.prefix())
            .into_iter()
            .map(|(key, _)| key)
            .find(|key| key.ends_with(&suffix))
            .ok_or_else(|| v1_not_found("TASK", id, scope))
    }

    fn job_uid(&self, execution: &GoogleCloudRunV2Execution) -> Option<String> {
        let name = execution.name.as_deref()?;
        let job = name.split("/executions/").next()?;
        self.jobs.get(job).and_then(|record| record.job.uid)
    }

    /// `namespaces.jobs.create`.
    pub fn v1_create_job(&self, scope: &Scope, job: v1::Job) -> Result<v1::Job, GcpError> {
        let metadata = job.metadata.clone().unwrap_or_default();
        let (id, parent) = scope.place(&metadata, "job")?;
        self.create_job(&parent, &id, v2_job(&job)?, false)?;
        Ok(v1_job(&self.get_job(&format!("{parent}/jobs/{id}"))?))
    }

    pub fn v1_get_job(&self, scope: &Scope, id: &str) -> Result<v1::Job, GcpError> {
        Ok(v1_job(&self.get_job(&self.v1_job_name(scope, id)?)?))
    }

    pub fn v1_list_jobs(
        &self,
        scope: &Scope,
        options: &ListOptions,
    ) -> Result<v1::ListJobsResponse, GcpError> {
        let selector = parse_selector(options.label_selector.as_deref().unwrap_or(""))?;
        let jobs: Vec<(String, v1::Job)> = self
            .jobs
            .scan_prefix(&scope.prefix())
            .into_iter()
            .map(|(key, record)| (key, v1_job(&record.job)))
            .filter(|(_, job)| selects(&selector, &labels_of(job, |j| j.metadata.as_ref())))
            .collect();
        let (items, next) = page(jobs, options)?;
        Ok(v1::ListJobsResponse {
            api_version: Some(API_VERSION.into()),
            kind: Some("JobsList".into()),
            items: Some(items),
            metadata: Some(v1::ListMeta {
                r#continue: next,
                ..Default::default()
            }),
            unreachable: None,
        })
    }

    /// `namespaces.jobs.replaceJob`: the job's template, labels and annotations replaced.
    pub fn v1_replace_job(
        &self,
        scope: &Scope,
        id: &str,
        job: v1::Job,
    ) -> Result<v1::Job, GcpError> {
        let name = self.v1_job_name(scope, id)?;
        if job
            .metadata
            .as_ref()
            .and_then(|m| m.name.as_deref())
            .is_some_and(|n| n != id)
        {
            return Err(GcpError::invalid(
                "metadata.name: must match the name in the request path",
            ));
        }
        let mut patch = v2_job(&job)?;
        // v1 replaces: absent labels and annotations mean none.
        patch.labels.get_or_insert_with(BTreeMap::new);
        patch.annotations.get_or_insert_with(BTreeMap::new);
        self.update_job(&name, patch)?;
        if let (Some(client), Some(version)) = (
            job.metadata
                .as_ref()
                .and_then(|m| m.annotations.as_ref())
                .and_then(|a| a.get(CLIENT_NAME)),
            job.metadata
                .as_ref()
                .and_then(|m| m.annotations.as_ref())
                .and_then(|a| a.get(CLIENT_VERSION)),
        ) {
            self.jobs.update(&name, |record| {
                record.job.client = Some(client.clone());
                record.job.client_version = Some(version.clone());
            })?;
        }
        Ok(v1_job(&self.get_job(&name)?))
    }

    pub fn v1_delete_job(&self, scope: &Scope, id: &str) -> Result<v1::Status, GcpError> {
        let name = self.v1_job_name(scope, id)?;
        let job = self.get_job(&name)?;
        self.delete_job(&name)?;
        Ok(deleted("jobs", id, job.uid))
    }

    /// `namespaces.jobs.run`: a new execution, running; answered at once.
    pub fn v1_run_job(
        self: &Arc<Self>,
        scope: &Scope,
        id: &str,
        request: v1::RunJobRequest,
    ) -> Result<v1::Execution, GcpError> {
        let name = self.v1_job_name(scope, id)?;
        let overrides = request.overrides.map(|o| GoogleCloudRunV2Overrides {
            container_overrides: o.container_overrides.map(|containers| {
                containers
                    .iter()
                    .map(|c| {
                        let mut c: GoogleCloudRunV2ContainerOverride = convert(c);
                        if c.name.as_deref() == Some("") {
                            c.name = None;
                        }
                        c
                    })
                    .collect()
            }),
            task_count: o.task_count,
            timeout: o.timeout_seconds.map(|s| format!("{s}s")),
            delay_execution: o.delay_execution,
        });
        let parsed = JobName::parse(&name)?;
        let job = self.get_job(&name)?;
        let plan = execution::Plan::new(self, &parsed, &job, overrides.unwrap_or_default())?;
        let execution = plan.execution.clone();
        execution::start(self, plan)?;
        Ok(v1_execution(&execution, job.uid))
    }

    pub fn v1_get_execution(&self, scope: &Scope, id: &str) -> Result<v1::Execution, GcpError> {
        let execution = self.get_execution(&self.v1_execution_name(scope, id)?)?;
        Ok(v1_execution(&execution, self.job_uid(&execution)))
    }

    pub fn v1_list_executions(
        &self,
        scope: &Scope,
        options: &ListOptions,
    ) -> Result<v1::ListExecutionsResponse, GcpError> {
        let selector = parse_selector(options.label_selector.as_deref().unwrap_or(""))?;
        // Newest first, as Cloud Run lists them; the key orders by creation time.
        let mut executions: Vec<(String, v1::Execution)> = self
            .executions
            .scan_prefix(&scope.prefix())
            .into_iter()
            .map(|(_, record)| {
                let execution = record.execution;
                let key = format!(
                    "{}|{}",
                    execution.create_time.as_deref().unwrap_or(""),
                    execution.name.as_deref().unwrap_or("")
                );
                (key, v1_execution(&execution, self.job_uid(&execution)))
            })
            .filter(|(_, e)| selects(&selector, &labels_of(e, |e| e.metadata.as_ref())))
            .collect();
        executions.sort_by(|a, b| b.0.cmp(&a.0));
        // Keys descend, so the pager compares them reversed.
        let reversed: Vec<(String, v1::Execution)> = executions
            .into_iter()
            .map(|(key, e)| (invert(&key), e))
            .collect();
        let (items, next) = page(reversed, options)?;
        Ok(v1::ListExecutionsResponse {
            api_version: Some(API_VERSION.into()),
            kind: Some("ExecutionsList".into()),
            items: Some(items),
            metadata: Some(v1::ListMeta {
                r#continue: next,
                ..Default::default()
            }),
            unreachable: None,
        })
    }

    pub fn v1_cancel_execution(&self, scope: &Scope, id: &str) -> Result<v1::Execution, GcpError> {
        let name = self.v1_execution_name(scope, id)?;
        self.cancel_execution(&name)?;
        let execution = self.get_execution(&name)?;
        Ok(v1_execution(&execution, self.job_uid(&execution)))
    }

    pub fn v1_delete_execution(&self, scope: &Scope, id: &str) -> Result<v1::Status, GcpError> {
        let name = self.v1_execution_name(scope, id)?;
        let uid = self.get_execution(&name)?.uid;
        self.delete_execution(&name)?;
        Ok(deleted("executions", id, uid))
    }

    pub fn v1_get_task(&self, scope: &Scope, id: &str) -> Result<v1::Task, GcpError> {
        let name = self.v1_task_name(scope, id)?;
        let task = self.get_task(&name)?;
        let execution_uid = self
            .executions
            .get(name.split("/tasks/").next().unwrap_or_default())
            .and_then(|r| r.execution.uid);
        Ok(v1_task(&task, execution_uid))
    }

    pub fn v1_list_tasks(
        &self,
        scope: &Scope,
        options: &ListOptions,
    ) -> Result<v1::ListTasksResponse, GcpError> {
        let selector = parse_selector(options.label_selector.as_deref().unwrap_or(""))?;
        let mut tasks: Vec<(String, v1::Task)> = self
            .tasks
            .scan_prefix(&scope.prefix())
            .into_iter()
            .map(|(key, record)| {
                let execution = key.split("/tasks/").next().unwrap_or_default().to_string();
                let uid = self
                    .executions
                    .get(&execution)
                    .and_then(|r| r.execution.uid);
                // Tasks of one execution list by index.
                let order = format!("{execution}|{:010}", record.task.index.unwrap_or(0));
                (order, v1_task(&record.task, uid))
            })
            .filter(|(_, t)| selects(&selector, &labels_of(t, |t| t.metadata.as_ref())))
            .collect();
        tasks.sort_by(|a, b| a.0.cmp(&b.0));
        let (items, next) = page(tasks, options)?;
        Ok(v1::ListTasksResponse {
            api_version: Some(API_VERSION.into()),
            kind: Some("TasksList".into()),
            items: Some(items),
            metadata: Some(v1::ListMeta {
                r#continue: next,
                ..Default::default()
            }),
            unreachable: None,
        })
    }
}

/// A key that sorts in the opposite order of `key` (bytes complemented, then a terminator so
/// that a prefix sorts after what it prefixes), for pages of a newest-first listing.
fn invert(key: &str) -> String {
    let mut out: String = key.bytes().map(|b| format!("{:02x}", 255 - b)).collect();
    out.push_str("zz");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_vars_from_secrets_convert_both_ways() {
        let container: v1::Container = serde_json::from_value(serde_json::json!({
            "image": "busybox",
            "env": [
                {"name": "PLAIN", "value": "v"},
                {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db-password", "key": "2"}}},
            ],
        }))
        .expect("v1 container");
        let v2 = v2_containers(Some(&vec![container.clone()])).expect("converts");
        let reference = v2[0].env.as_ref().expect("env")[1]
            .value_source
            .as_ref()
            .and_then(|s| s.secret_key_ref.clone())
            .expect("secret reference");
        assert_eq!(reference.secret.as_deref(), Some("db-password"));
        assert_eq!(reference.version.as_deref(), Some("2"));
        let back = v1_containers(Some(&v2));
        assert_eq!(back[0].env, container.env);
        let config_map: v1::Container = serde_json::from_value(serde_json::json!({
            "image": "busybox",
            "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "m", "key": "k"}}}],
        }))
        .expect("v1 container");
        assert!(v2_containers(Some(&vec![config_map])).is_err());
    }

    #[test]
    fn label_selectors_select() {
        let labels = BTreeMap::from([
            ("run.googleapis.com/job".to_string(), "j1".to_string()),
            ("team".to_string(), "blue".to_string()),
        ]);
        let check = |selector: &str| selects(&parse_selector(selector).expect("valid"), &labels);
        assert!(check(""));
        assert!(check("run.googleapis.com/job=j1"));
        assert!(check("run.googleapis.com/job==j1,team"));
        assert!(!check("run.googleapis.com/job=j2"));
        assert!(check("team!=red,!missing"));
        assert!(!check("!team"));
        assert!(parse_selector("a in (b)").is_err());
    }

    #[test]
    fn reasons_are_camel_case() {
        assert_eq!(camel_reason("NON_ZERO_EXIT_CODE"), "NonZeroExitCode");
        assert_eq!(camel_reason("CANCELLED"), "Cancelled");
    }

    #[test]
    fn inverted_keys_sort_backwards() {
        let mut keys = vec!["2024-01-02|b", "2024-01-01|a", "2024-01-02|a"];
        keys.sort_by_key(|k| invert(k));
        assert_eq!(keys, vec!["2024-01-02|b", "2024-01-02|a", "2024-01-01|a"]);
    }

    #[test]
    fn jobs_round_trip_between_the_apis() {
        let v1_body: v1::Job = serde_json::from_value(serde_json::json!({
            "apiVersion": "run.googleapis.com/v1", "kind": "Job",
            "metadata": {"name": "j1", "namespace": "p", "labels": {"team": "blue"},
                         "annotations": {"run.googleapis.com/client-name": "gcloud"}},
            "spec": {"template": {"spec": {"taskCount": 2, "template": {"spec": {
                "containers": [{"name": "", "image": "busybox", "command": ["sh"], "args": ["-c", "echo hi"],
                                "env": [{"name": "A", "value": "1"}]}],
                "maxRetries": 0, "timeoutSeconds": "90"}}}}}
        }))
        .expect("a v1 job");
        let v2 = v2_job(&v1_body).expect("converts");
        let template = v2.template.as_ref().expect("template");
        assert_eq!(template.task_count, Some(2));
        let task = template.template.as_ref().expect("task template");
        assert_eq!(task.timeout.as_deref(), Some("90s"));
        assert_eq!(task.max_retries, Some(0));
        let container = &task.containers.as_ref().expect("containers")[0];
        assert_eq!(container.image.as_deref(), Some("busybox"));
        assert_eq!(container.name, None);
        assert_eq!(v2.client.as_deref(), Some("gcloud"));
        assert_eq!(
            v2.labels,
            Some(BTreeMap::from([("team".into(), "blue".into())]))
        );
        let mut stored = v2;
        stored.name = Some("projects/p/locations/us-central1/jobs/j1".into());
        let back = v1_job(&stored);
        let meta = back.metadata.as_ref().expect("metadata");
        assert_eq!(meta.name.as_deref(), Some("j1"));
        assert_eq!(
            meta.labels
                .as_ref()
                .and_then(|l| l.get(LOCATION_LABEL))
                .map(String::as_str),
            Some("us-central1")
        );
        let spec = back
            .spec
            .and_then(|s| s.template)
            .and_then(|t| t.spec)
            .expect("spec");
        let task = spec.template.and_then(|t| t.spec).expect("task spec");
        assert_eq!(task.timeout_seconds, Some(90));
        assert_eq!(
            task.containers.expect("containers")[0].args,
            Some(vec!["-c".into(), "echo hi".into()])
        );
    }
}
