//! Cloud Run jobs (the v2 API): jobs, the executions `:run` makes, and their tasks, which
//! really run through the kit's runner; long-running operations for create, update, delete,
//! run and cancel; workload output into Cloud Logging as Cloud Run writes it.
//!
//! What holds as in Cloud Run: job IDs are lowercase letters, digits and dashes, starting with
//! a letter, at most 63 characters; a job needs one container with an image; defaults are one
//! task, three retries and a 600 s task timeout; `:run` overrides args and env of a container,
//! the task count and the timeout; an execution is named `JOB-xxxxx` and runs `taskCount` tasks
//! at most `parallelism` at a time, each attempt with `CLOUD_RUN_JOB`, `CLOUD_RUN_EXECUTION`,
//! `CLOUD_RUN_TASK_INDEX`, `CLOUD_RUN_TASK_ATTEMPT` and `CLOUD_RUN_TASK_COUNT`; a task whose
//! attempt exits non-zero is retried up to `maxRetries` times; an attempt past its timeout is
//! stopped; the execution's counts and its `Completed` condition follow its tasks; its
//! operation is done when every task has ended, with the execution as its response. Output
//! lines land in `run.googleapis.com%2Fstdout` or `%2Fstderr` with the `cloud_run_job` resource
//! (project_id, job_name, location) and the execution, task index and attempt labels.
//!
//! The v1 (Knative) API gcloud speaks is [`knative`], a second front on the same records.
//!
//! Services, their revisions and traffic are [`service`]; the instances that serve them are
//! [`serving`].
//!
//! Limitations: the image is
//! run only under `--workloads oci|auto` when the kit's registry holds it (there is no Artifact
//! Registry yet: under the process runner the container's command runs on the host); IAM
//! `delayExecution` is not simulated. IAM policies of jobs and services are [`iam`].
//!
//! Must not: see HTTP; read the wall clock except through the kit.

pub mod env;
pub mod execution;
pub mod iam;
pub mod knative;
pub mod knative_services;
pub mod service;
pub mod serving;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_gcp_shapes::run_v2::{
    GoogleCloudRunV2Condition, GoogleCloudRunV2ConditionState, GoogleCloudRunV2Execution,
    GoogleCloudRunV2Job, GoogleCloudRunV2ListExecutionsResponse, GoogleCloudRunV2ListJobsResponse,
    GoogleCloudRunV2ListTasksResponse, GoogleCloudRunV2RunJobRequest, GoogleCloudRunV2Task,
    GoogleLongrunningOperation,
};
use simkit::Kit;
use simkit::operations::{Operations, Outcome};
use simkit::runner::Workload;
use simkit::store::Collection;

use crate::error::GcpError;
use crate::protocol::paging;
use crate::services::iam_policy::ResourcePolicies;
use crate::services::logging::Logging;
use crate::services::metadata::Metadata;
use crate::services::operations::{LongRunning, render};
use crate::services::secretmanager::SecretManager;

pub const JOB_TYPE: &str = "type.googleapis.com/google.cloud.run.v2.Job";
pub const EXECUTION_TYPE: &str = "type.googleapis.com/google.cloud.run.v2.Execution";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct JobRecord {
    pub job: GoogleCloudRunV2Job,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ExecutionRecord {
    pub execution: GoogleCloudRunV2Execution,
    /// The operation `:run` returned, finished when the execution ends.
    pub operation: String,
    pub cancelled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TaskRecord {
    pub task: GoogleCloudRunV2Task,
}

/// Cloud Run's state.
pub struct Run {
    pub(crate) kit: Kit,
    pub(crate) logging: Arc<Logging>,
    pub(crate) jobs: Arc<Collection<JobRecord>>,
    pub(crate) executions: Arc<Collection<ExecutionRecord>>,
    pub(crate) tasks: Arc<Collection<TaskRecord>>,
    pub(crate) services: Arc<Collection<service::ServiceRecord>>,
    pub(crate) revisions: Arc<Collection<service::RevisionRecord>>,
    /// The instances serving services' revisions.
    pub(crate) serving: serving::Serving,
    pub long_running: LongRunning,
    /// The attempts running now, by execution name, so `:cancel` can stop them.
    pub(crate) running: Mutex<HashMap<String, Vec<Workload>>>,
    /// Finds containers' images (in Artifact Registry), for runners that run workloads in them.
    image_locator: std::sync::OnceLock<ImageLocator>,
    /// The IAM policies of services and jobs.
    pub(crate) policies: Arc<ResourcePolicies>,
    /// Where env vars from secrets are read.
    pub(crate) secrets: Arc<SecretManager>,
    /// The metadata server workloads are pointed at.
    pub(crate) metadata: Arc<Metadata>,
    /// The simulator's own URL, for workloads to reach it (set once it listens).
    endpoint: std::sync::OnceLock<String>,
}

/// What Cloud Run works with beside its own state.
pub struct RunDependencies {
    pub logging: Arc<Logging>,
    pub policies: Arc<ResourcePolicies>,
    pub secrets: Arc<SecretManager>,
    pub metadata: Arc<Metadata>,
}

/// Where an image is (Artifact Registry, or pulled through the upstream registry), or Cloud
/// Run's reason it cannot be had.
pub type ImageLocator = Arc<dyn Fn(String) -> FoundImage + Send + Sync>;

/// What an [`ImageLocator`] answers, once any pull is done.
pub type FoundImage = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<simkit::runner::LocatedImage, String>> + Send>,
>;

/// `projects/P/locations/L/jobs/J` split.
#[derive(Debug, Clone)]
pub(crate) struct JobName {
    pub project: String,
    pub location: String,
    pub job: String,
}

impl JobName {
    fn parse(name: &str) -> Result<Self, GcpError> {
        let parts: Vec<&str> = name.split('/').collect();
        match parts.as_slice() {
            ["projects", project, "locations", location, "jobs", job]
                if !project.is_empty() && !location.is_empty() && !job.is_empty() =>
            {
                Ok(Self {
                    project: (*project).to_string(),
                    location: (*location).to_string(),
                    job: (*job).to_string(),
                })
            }
            _ => Err(GcpError::invalid(format!("Invalid job name: {name}"))),
        }
    }

    pub fn parent(&self) -> String {
        format!("projects/{}/locations/{}", self.project, self.location)
    }

    pub fn full(&self) -> String {
        format!("{}/jobs/{}", self.parent(), self.job)
    }
}

fn parse_parent(parent: &str) -> Result<(String, String), GcpError> {
    let parts: Vec<&str> = parent.split('/').collect();
    match parts.as_slice() {
        ["projects", project, "locations", location]
            if !project.is_empty() && !location.is_empty() =>
        {
            Ok(((*project).to_string(), (*location).to_string()))
        }
        _ => Err(GcpError::invalid(format!("Invalid parent: {parent}"))),
    }
}

/// Cloud Run's rule for job IDs.
fn check_job_id(id: &str) -> Result<(), GcpError> {
    let valid = !id.is_empty()
        && id.len() <= 63
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(GcpError::invalid(format!(
            "Invalid job ID '{id}'. Job IDs must use only lowercase alphanumeric characters and dashes, begin with a letter, not end with a dash, and be at most 63 characters long."
        )))
    }
}

/// The value with its `@type`, for an operation's metadata or response.
pub(crate) fn as_any<T: Serialize>(value: &T, type_url: &str) -> Value {
    let mut json = serde_json::to_value(value).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut json {
        map.insert("@type".into(), Value::String(type_url.into()));
    }
    json
}

pub(crate) fn condition(
    kind: &str,
    state: GoogleCloudRunV2ConditionState,
    at: &str,
) -> GoogleCloudRunV2Condition {
    GoogleCloudRunV2Condition {
        r#type: Some(kind.to_string()),
        state: Some(state),
        last_transition_time: Some(at.to_string()),
        ..Default::default()
    }
}

fn job_not_found(name: &str) -> GcpError {
    GcpError::not_found(format!("Resource '{name}' was not found"))
}

impl Run {
    pub fn new(kit: Kit, dependencies: RunDependencies) -> Result<Arc<Self>, GcpError> {
        let RunDependencies {
            logging,
            policies,
            secrets,
            metadata,
        } = dependencies;
        let operations = Operations::open(kit.store(), "run.operations", kit.clock().clone())?;
        let executions = kit
            .store()
            .collection::<ExecutionRecord>("run.executions")?;
        // An execution that was running when the simulator stopped is over: its work is gone.
        for (key, record) in executions.all() {
            if record.execution.completion_time.is_none() {
                executions.update(&key, |record| {
                    record.cancelled = true;
                    record.execution.reconciling = Some(false);
                })?;
            }
        }
        Ok(Arc::new(Self {
            jobs: kit.store().collection("run.jobs")?,
            executions,
            tasks: kit.store().collection("run.tasks")?,
            services: kit.store().collection("run.services")?,
            revisions: kit.store().collection("run.revisions")?,
            serving: serving::Serving::default(),
            long_running: LongRunning { operations },
            running: Mutex::new(HashMap::new()),
            image_locator: std::sync::OnceLock::new(),
            policies,
            secrets,
            metadata,
            endpoint: std::sync::OnceLock::new(),
            logging,
            kit,
        }))
    }

    /// Records the simulator's URL once it listens, for workloads to reach it.
    pub fn set_endpoint(&self, url: &str) {
        let _ = self.endpoint.set(url.trim_end_matches('/').to_string());
    }

    pub(crate) fn endpoint(&self) -> String {
        self.endpoint
            .get()
            .cloned()
            .unwrap_or_else(|| format!("http://127.0.0.1:{}", crate::DEFAULT_PORT))
    }

    /// Connects the registry containers' images are found in.
    pub fn connect_image_locator(&self, locator: ImageLocator) {
        let _ = self.image_locator.set(locator);
    }

    /// Where `image` is, or why it cannot be had.
    pub(crate) async fn locate_image(
        &self,
        image: &str,
    ) -> Result<simkit::runner::LocatedImage, String> {
        match self.image_locator.get() {
            Some(locate) => locate(image.to_string()).await,
            None => Err(format!("Image '{image}' not found.")),
        }
    }

    pub(crate) fn now(&self) -> String {
        crate::time::rfc3339_nanos(time::OffsetDateTime::from(self.kit.clock().now()))
    }

    fn operation_name(&self, parent: &str) -> String {
        format!("{parent}/operations/{}", self.kit.ids().uuid())
    }

    /// An operation whose work is already done.
    fn finished_operation(
        &self,
        parent: &str,
        metadata: Value,
        response: Value,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let name = self.operation_name(parent);
        let operations = &self.long_running.operations;
        operations
            .begin(&name, metadata)
            .map_err(|_| GcpError::internal())?;
        operations
            .finish(&name, Outcome::Response(response))
            .map(render)
            .map_err(|_| GcpError::internal())
    }

    fn etag(&self) -> String {
        format!("\"{}\"", self.kit.ids().hex(16))
    }

    /// `jobs.create`.
    pub fn create_job(
        &self,
        parent: &str,
        job_id: &str,
        mut job: GoogleCloudRunV2Job,
        validate_only: bool,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let (project, location) = parse_parent(parent)?;
        check_job_id(job_id)?;
        let containers = job
            .template
            .as_ref()
            .and_then(|t| t.template.as_ref())
            .and_then(|t| t.containers.as_ref())
            .map_or(0, Vec::len);
        if containers == 0 {
            return Err(GcpError::invalid(
                "template.template.containers: at least one container must be specified",
            ));
        }
        for container in job
            .template
            .iter()
            .flat_map(|t| t.template.iter())
            .flat_map(|t| t.containers.iter().flatten())
        {
            if container.image.as_deref().is_none_or(str::is_empty) {
                return Err(GcpError::invalid(
                    "template.template.containers[0].image: must be specified",
                ));
            }
            env::check_env(container.env.as_ref(), "template.template.containers[0]")?;
        }
        let name = JobName {
            project,
            location,
            job: job_id.to_string(),
        };
        let full = name.full();
        let now = self.now();
        job.name = Some(full.clone());
        job.uid = Some(self.kit.ids().uuid());
        job.generation = Some(1);
        job.observed_generation = Some(1);
        job.create_time = Some(now.clone());
        job.update_time = Some(now.clone());
        job.etag = Some(self.etag());
        job.reconciling = Some(false);
        job.execution_count = Some(0);
        job.launch_stage
            .get_or_insert(sim_gcp_shapes::run_v2::GoogleCloudRunV2JobLaunchStage::Ga);
        job.terminal_condition = Some(condition(
            "Ready",
            GoogleCloudRunV2ConditionState::ConditionSucceeded,
            &now,
        ));
        if let Some(template) = job.template.as_mut() {
            template.task_count.get_or_insert(1);
            if let Some(task) = template.template.as_mut() {
                task.max_retries.get_or_insert(3);
                task.timeout.get_or_insert_with(|| "600s".into());
                task.service_account
                    .get_or_insert_with(|| crate::project::default_service_account(&name.project));
                task.execution_environment.get_or_insert(
                    sim_gcp_shapes::run_v2::GoogleCloudRunV2TaskTemplateExecutionEnvironment::ExecutionEnvironmentGen2,
                );
            }
        }
        if validate_only {
            let metadata = as_any(&job, JOB_TYPE);
            return Ok(GoogleLongrunningOperation {
                name: None,
                metadata: metadata
                    .as_object()
                    .map(|m| m.clone().into_iter().collect()),
                done: Some(false),
                response: None,
                error: None,
            });
        }
        self.jobs.modify(&full, |slot| {
            if slot.is_some() {
                return Err(GcpError::conflict(format!(
                    "Resource '{job_id}' already exists."
                )));
            }
            *slot = Some(JobRecord { job: job.clone() });
            Ok(())
        })?;
        self.finished_operation(
            &name.parent(),
            as_any(&job, JOB_TYPE),
            as_any(&job, JOB_TYPE),
        )
    }

    pub fn get_job(&self, name: &str) -> Result<GoogleCloudRunV2Job, GcpError> {
        self.jobs
            .get(name)
            .map(|record| record.job)
            .ok_or_else(|| job_not_found(name))
    }

    pub fn list_jobs(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<GoogleCloudRunV2ListJobsResponse, GcpError> {
        parse_parent(parent)?;
        let size = paging::page_size(page_size, 100, 1000)?;
        let resume = paging::resume_after(page_token)?;
        let jobs: Vec<GoogleCloudRunV2Job> = self
            .jobs
            .scan_prefix(&format!("{parent}/jobs/"))
            .into_iter()
            .filter(|(key, _)| resume.as_ref().is_none_or(|last| key > last))
            .map(|(_, record)| record.job)
            .collect();
        let (jobs, next_page_token) = paging::cut(jobs, size, |j| j.name.clone());
        Ok(GoogleCloudRunV2ListJobsResponse {
            next_page_token,
            jobs: (!jobs.is_empty()).then_some(jobs),
        })
    }

    /// `jobs.patch`: a new template, labels or annotations make a new generation.
    pub fn update_job(
        &self,
        name: &str,
        patch: GoogleCloudRunV2Job,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let parsed = JobName::parse(name)?;
        let now = self.now();
        let etag = self.etag();
        let job = self.jobs.modify(name, |slot| {
            let Some(record) = slot.as_mut() else {
                return Err(job_not_found(name));
            };
            let job = &mut record.job;
            if let Some(expected) = patch.etag.as_deref()
                && job.etag.as_deref() != Some(expected)
            {
                return Err(GcpError::aborted(
                    "The etag provided does not match the current etag of the resource.",
                ));
            }
            if let Some(template) = patch.template.clone() {
                if template
                    .template
                    .as_ref()
                    .and_then(|t| t.containers.as_ref())
                    .is_none_or(Vec::is_empty)
                {
                    return Err(GcpError::invalid(
                        "template.template.containers: at least one container must be specified",
                    ));
                }
                for container in template
                    .template
                    .iter()
                    .flat_map(|t| t.containers.iter().flatten())
                {
                    env::check_env(container.env.as_ref(), "template.template.containers[0]")?;
                }
                job.template = Some(template);
            }
            if patch.labels.is_some() {
                job.labels = patch.labels.clone();
            }
            if patch.annotations.is_some() {
                job.annotations = patch.annotations.clone();
            }
            let generation = job.generation.unwrap_or(1) + 1;
            job.generation = Some(generation);
            job.observed_generation = Some(generation);
            job.update_time = Some(now.clone());
            job.etag = Some(etag.clone());
            Ok::<_, GcpError>(job.clone())
        })?;
        self.finished_operation(
            &parsed.parent(),
            as_any(&job, JOB_TYPE),
            as_any(&job, JOB_TYPE),
        )
    }

    /// `jobs.delete`: the job and its executions and tasks.
    pub fn delete_job(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let parsed = JobName::parse(name)?;
        let mut job = self.get_job(name)?;
        let executions: Vec<String> = self
            .executions
            .scan_prefix(&format!("{name}/executions/"))
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        for execution in &executions {
            self.stop_execution(execution);
        }
        let (jobs, executions_collection, tasks) = (
            self.jobs.clone(),
            self.executions.clone(),
            self.tasks.clone(),
        );
        let prefix = format!("{name}/executions/");
        self.kit.store().transaction(|txn| {
            txn.remove(&jobs, name)?;
            txn.remove_prefix(&executions_collection, &prefix)?;
            txn.remove_prefix(&tasks, &prefix)?;
            Ok::<_, GcpError>(())
        })?;
        self.policies.forget(name)?;
        job.delete_time = Some(self.now());
        self.finished_operation(
            &parsed.parent(),
            as_any(&job, JOB_TYPE),
            as_any(&job, JOB_TYPE),
        )
    }

    /// `jobs.run`: a new execution, running; its operation finishes when it does.
    pub fn run_job(
        self: &Arc<Self>,
        name: &str,
        request: GoogleCloudRunV2RunJobRequest,
    ) -> Result<GoogleLongrunningOperation, GcpError> {
        let parsed = JobName::parse(name)?;
        let job = self.get_job(name)?;
        if let Some(expected) = request.etag.as_deref()
            && job.etag.as_deref() != Some(expected)
        {
            return Err(GcpError::aborted(
                "The etag provided does not match the current etag of the resource.",
            ));
        }
        let plan =
            execution::Plan::new(self, &parsed, &job, request.overrides.unwrap_or_default())?;
        if request.validate_only.unwrap_or(false) {
            let metadata = as_any(&plan.execution, EXECUTION_TYPE);
            return Ok(GoogleLongrunningOperation {
                metadata: metadata
                    .as_object()
                    .map(|m| m.clone().into_iter().collect()),
                done: Some(false),
                ..Default::default()
            });
        }
        execution::start(self, plan)
    }

    pub fn get_execution(&self, name: &str) -> Result<GoogleCloudRunV2Execution, GcpError> {
        self.executions
            .get(name)
            .map(|record| record.execution)
            .ok_or_else(|| job_not_found(name))
    }

    pub fn list_executions(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<GoogleCloudRunV2ListExecutionsResponse, GcpError> {
        JobName::parse(parent)?;
        if !self.jobs.contains(parent) {
            return Err(job_not_found(parent));
        }
        let size = paging::page_size(page_size, 100, 1000)?;
        let resume = paging::resume_after(page_token)?;
        // Newest first, as Cloud Run lists them.
        let mut executions: Vec<GoogleCloudRunV2Execution> = self
            .executions
            .scan_prefix(&format!("{parent}/executions/"))
            .into_iter()
            .map(|(_, record)| record.execution)
            .collect();
        executions.sort_by(|a, b| {
            (b.create_time.as_deref(), b.name.as_deref())
                .cmp(&(a.create_time.as_deref(), a.name.as_deref()))
        });
        let key = |e: &GoogleCloudRunV2Execution| {
            format!(
                "{}|{}",
                e.create_time.as_deref().unwrap_or(""),
                e.name.as_deref().unwrap_or("")
            )
        };
        let executions: Vec<GoogleCloudRunV2Execution> = executions
            .into_iter()
            .filter(|e| resume.as_ref().is_none_or(|last| key(e) < *last))
            .collect();
        let (executions, next_page_token) = paging::cut(executions, size, |e| Some(key(e)));
        Ok(GoogleCloudRunV2ListExecutionsResponse {
            next_page_token,
            executions: (!executions.is_empty()).then_some(executions),
        })
    }

    pub fn get_task(&self, name: &str) -> Result<GoogleCloudRunV2Task, GcpError> {
        self.tasks
            .get(name)
            .map(|record| record.task)
            .ok_or_else(|| job_not_found(name))
    }

    pub fn list_tasks(
        &self,
        parent: &str,
        page_size: Option<i64>,
        page_token: Option<&str>,
    ) -> Result<GoogleCloudRunV2ListTasksResponse, GcpError> {
        if !self.executions.contains(parent) {
            return Err(job_not_found(parent));
        }
        let size = paging::page_size(page_size, 100, 1000)?;
        let resume = paging::resume_after(page_token)?;
        let mut tasks: Vec<(i32, GoogleCloudRunV2Task)> = self
            .tasks
            .scan_prefix(&format!("{parent}/tasks/"))
            .into_iter()
            .map(|(_, record)| (record.task.index.unwrap_or(0), record.task))
            .collect();
        tasks.sort_by_key(|(index, _)| *index);
        let tasks: Vec<(i32, GoogleCloudRunV2Task)> = tasks
            .into_iter()
            .filter(|(index, _)| {
                resume
                    .as_ref()
                    .is_none_or(|last| last.parse::<i32>().is_ok_and(|last| *index > last))
            })
            .collect();
        let (tasks, next_page_token) =
            paging::cut(tasks, size, |(index, _)| Some(index.to_string()));
        Ok(GoogleCloudRunV2ListTasksResponse {
            next_page_token,
            tasks: (!tasks.is_empty()).then(|| tasks.into_iter().map(|(_, task)| task).collect()),
        })
    }

    /// `executions.cancel`: running attempts are stopped, tasks not started never start.
    pub fn cancel_execution(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let record = self
            .executions
            .get(name)
            .ok_or_else(|| job_not_found(name))?;
        if record.execution.completion_time.is_some() {
            return Err(GcpError::failed_precondition(format!(
                "Execution {name} has already completed."
            )));
        }
        self.executions
            .update(name, |record| record.cancelled = true)?;
        self.stop_execution(name);
        let execution = self.get_execution(name)?;
        let parent = name.split("/jobs/").next().unwrap_or_default().to_string();
        self.finished_operation(
            &parent,
            as_any(&execution, EXECUTION_TYPE),
            as_any(&execution, EXECUTION_TYPE),
        )
    }

    /// `executions.delete`: only a finished execution.
    pub fn delete_execution(&self, name: &str) -> Result<GoogleLongrunningOperation, GcpError> {
        let mut execution = self.get_execution(name)?;
        if execution.completion_time.is_none() {
            return Err(GcpError::failed_precondition(format!(
                "Execution {name} is still running: cancel it first."
            )));
        }
        let (executions, tasks) = (self.executions.clone(), self.tasks.clone());
        let prefix = format!("{name}/tasks/");
        self.kit.store().transaction(|txn| {
            txn.remove(&executions, name)?;
            txn.remove_prefix(&tasks, &prefix)?;
            Ok::<_, GcpError>(())
        })?;
        execution.delete_time = Some(self.now());
        let parent = name.split("/jobs/").next().unwrap_or_default().to_string();
        self.finished_operation(
            &parent,
            as_any(&execution, EXECUTION_TYPE),
            as_any(&execution, EXECUTION_TYPE),
        )
    }

    fn stop_execution(&self, name: &str) {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(name)
            .cloned()
            .unwrap_or_default();
        for workload in running {
            workload.stop(std::time::Duration::from_secs(10));
        }
    }

    /// The labels of a job's log entries.
    pub(crate) fn job_resource(name: &JobName) -> sim_gcp_shapes::logging_v2::MonitoredResource {
        sim_gcp_shapes::logging_v2::MonitoredResource {
            r#type: Some("cloud_run_job".into()),
            labels: Some(BTreeMap::from([
                ("project_id".to_string(), name.project.clone()),
                ("job_name".to_string(), name.job.clone()),
                ("location".to_string(), name.location.clone()),
            ])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_follow_cloud_runs_rule() {
        for good in ["a", "job-1", "j0b", &"a".repeat(63)] {
            assert!(check_job_id(good).is_ok(), "{good}");
        }
        for bad in ["", "1job", "Job", "job-", "jo_b", &"a".repeat(64)] {
            assert!(check_job_id(bad).is_err(), "{bad}");
        }
        assert!(JobName::parse("projects/p/locations/l/jobs/j").is_ok());
        assert!(JobName::parse("projects/p/locations/l/jobs").is_err());
    }
}
