//! `Microsoft.App`: Container Apps managed environments, jobs, whose executions really run
//! through the kit's runner (`executions`), and container apps (`containerapps`), whose
//! active revisions each run a replica (`replicas`) that the app's ingress reaches.
//!
//! Environments and jobs are created by asynchronous operations, as Azure answers them: the PUT
//! returns 201 with the resource `InProgress` (an environment `Waiting`) and an
//! `Azure-AsyncOperation` URL, and the operation finishes once the record is `Succeeded`.
//! Deletes answer 202 with both polling URLs. A job's secrets keep their values in the record
//! but every read shows names only (`listSecrets` shows values), as Azure does.
//!
//! Records live in the store keyed `subscription\0group\0name` (lower-cased, since ARM names
//! are case-insensitive); executions are keyed under their job. An execution still `Running`
//! when the process stopped is `Failed` after a restart: its replicas are gone.
//!
//! `Schedule` jobs start executions by themselves (`schedules`).
//!
//! Not served (ARM's `NotImplemented`, or `JobTriggerNotServed`): `Event` triggers, PATCH of jobs and environments,
//! certificates, Dapr components, storages, workload profiles' states, detectors.
//! What this module must not do: read HTTP or JSON text (handlers take and return shapes).

pub mod containerapps;
mod executions;
pub mod replicas;
mod schedules;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use simkit::Kit;
use simkit::operations::Outcome;
use simkit::runner::Workload;
use simkit::store::Collection;

use super::resources::{Resources, in_scope, resource_location, scoped_key};
use super::{Caller, Ctx, ResourceProvider};
use crate::async_ops::AsyncOperations;
use crate::error::ArmError;
use crate::shapes::app_common::{JobTemplate, Secret};
use crate::shapes::app_environments::ManagedEnvironment;
use crate::shapes::app_jobs::{Job, JobConfiguration, JobExecution, JobExecutionBase};
use crate::shapes::resources::GenericResourceExpanded;

pub use executions::{ConsoleLine, ConsoleLogs};

pub const NAMESPACE: &str = "Microsoft.App";
const ENVIRONMENT_TYPE: &str = "Microsoft.App/managedEnvironments";
const JOB_TYPE: &str = "Microsoft.App/jobs";
const EXECUTION_TYPE: &str = "Microsoft.App/jobs/executions";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnvironmentRecord {
    pub environment: ManagedEnvironment,
    pub subscription: String,
    pub group: String,
    /// The Log Analytics workspace's customer ID its apps' console logs go to.
    pub log_analytics_customer_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRecord {
    /// As read back: secrets carry names only.
    pub job: Job,
    pub subscription: String,
    pub group: String,
    /// The secrets with their values.
    pub secrets: Vec<Secret>,
    /// When a `Schedule` job next starts an execution (milliseconds since the epoch).
    #[serde(default)]
    pub next_run_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub execution: JobExecution,
    pub subscription: String,
    pub group: String,
    pub job: String,
    /// A stop was asked for: the execution ends `Stopped`.
    #[serde(default)]
    pub stopping: bool,
}

/// What a create or update did, and the operation finishing it.
#[derive(Debug)]
pub struct Provisioning<T> {
    pub resource: T,
    pub created: bool,
    pub operation: String,
    pub location: String,
}

/// A started execution and the operation that reports it.
#[derive(Debug)]
pub struct Started {
    pub execution: JobExecutionBase,
    pub operation: String,
    pub location: String,
}

/// A delete in progress (`None` when there was nothing to delete).
#[derive(Debug)]
pub struct Deleting {
    pub operation: String,
    pub location: String,
}

/// The parts of a job's `properties` the simulator acts on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobProperties {
    environment_id: Option<String>,
    configuration: Option<JobConfiguration>,
    template: Option<JobTemplate>,
}

pub struct ContainerApps {
    kit: Kit,
    resources: Arc<Resources>,
    operations: AsyncOperations,
    environments: Arc<Collection<EnvironmentRecord>>,
    jobs: Arc<Collection<JobRecord>>,
    executions: Arc<Collection<ExecutionRecord>>,
    /// Replicas running now, by execution key, for `stop`.
    running: Mutex<BTreeMap<String, Vec<Workload>>>,
    /// Where console output goes (Log Analytics), once connected.
    console: OnceLock<Arc<dyn ConsoleLogs>>,
    /// Where replicas' images are found (the simulator's ACR).
    pub(crate) registry: OnceLock<Arc<crate::services::acr::ContainerRegistries>>,
    container_apps: Arc<Collection<containerapps::AppRecord>>,
    revisions: Arc<Collection<containerapps::RevisionRecord>>,
    /// The replica of each active revision, by revision key.
    replicas: replicas::Replicas,
}

impl std::fmt::Debug for ContainerApps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerApps").finish_non_exhaustive()
    }
}

fn execution_key(subscription: &str, group: &str, job: &str, execution: &str) -> String {
    format!("{subscription}\0{group}\0{job}\0{execution}").to_ascii_lowercase()
}

/// Azure's rule for app and job names: 2 to 32 characters, lower-case letters, digits and
/// single hyphens, starting with a letter and ending with a letter or digit.
pub fn valid_app_name(name: &str) -> bool {
    (2..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && !name.contains("--")
}

/// Environment names: letters, digits and hyphens, 2 to 60, starting with a letter.
fn valid_environment_name(name: &str) -> bool {
    (2..=60).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn system_data(caller: &Caller, now: &str) -> Value {
    json!({
        "createdBy": caller.name,
        "createdByType": caller.kind,
        "createdAt": now,
        "lastModifiedBy": caller.name,
        "lastModifiedByType": caller.kind,
        "lastModifiedAt": now,
    })
}

impl ContainerApps {
    pub fn new(
        kit: Kit,
        resources: Arc<Resources>,
        operations: AsyncOperations,
    ) -> Result<Arc<Self>, simkit::store::StoreError> {
        let this = Self {
            environments: kit.store().collection("app-environments")?,
            jobs: kit.store().collection("app-jobs")?,
            executions: kit.store().collection("app-job-executions")?,
            container_apps: kit.store().collection("app-containerapps")?,
            revisions: kit.store().collection("app-revisions")?,
            kit,
            resources,
            operations,
            running: Mutex::default(),
            console: OnceLock::new(),
            registry: OnceLock::new(),
            replicas: Mutex::default(),
        };
        this.fail_interrupted_executions()?;
        Ok(Arc::new(this))
    }

    /// Connects where console output goes.
    pub fn connect_console_logs(&self, console: Arc<dyn ConsoleLogs>) {
        let _ = self.console.set(console);
    }

    /// Connects where replicas' images are found.
    pub fn connect_registry(&self, registry: Arc<crate::services::acr::ContainerRegistries>) {
        let _ = self.registry.set(registry);
    }

    fn now(&self) -> String {
        crate::time::arm_timestamp(self.kit.clock().now_millis())
    }

    // --- managed environments ---

    pub fn create_environment(
        self: &Arc<Self>,
        ctx: &Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        request: ManagedEnvironment,
    ) -> Result<Provisioning<ManagedEnvironment>, ArmError> {
        let group_name = self
            .resources
            .group_for_create(subscription, NAMESPACE, group)?;
        if !valid_environment_name(name) {
            return Err(ArmError::InvalidValue {
                property: "name".into(),
                value: name.to_string(),
            });
        }
        let location = resource_location(ENVIRONMENT_TYPE, request.location.as_deref())?;
        let mut properties = match request.properties.clone() {
            Some(Value::Object(map)) => map,
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(_) => {
                return Err(ArmError::InvalidRequestContent(
                    "'properties' must be an object".into(),
                ));
            }
        };
        // The workspace's customer ID is kept; its shared key is never read back.
        let log_analytics = properties
            .get("appLogsConfiguration")
            .and_then(|c| c.get("logAnalyticsConfiguration"))
            .and_then(|c| c.get("customerId"))
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(Value::Object(config)) = properties
            .get_mut("appLogsConfiguration")
            .and_then(|c| c.get_mut("logAnalyticsConfiguration"))
        {
            config.remove("sharedKey");
        }
        let now = self.now();
        let key = scoped_key(subscription, group, name);
        let existing = self.environments.get(&key);
        let domain_word = existing
            .as_ref()
            .and_then(|r| r.environment.properties.as_ref())
            .and_then(|p| p.get("defaultDomain"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "{}-{}.{location}.azurecontainerapps.io",
                    self.kit.ids().random_word(b"abcdefghijklmnopqrstuvwxyz", 8),
                    self.kit.ids().hex(8)
                )
            });
        properties.insert("provisioningState".into(), json!("Waiting"));
        properties.insert("defaultDomain".into(), json!(domain_word));
        properties
            .entry("staticIp")
            .or_insert_with(|| json!("10.0.0.4"));
        properties
            .entry("zoneRedundant")
            .or_insert_with(|| json!(false));
        properties
            .entry("eventStreamEndpoint")
            .or_insert_with(|| {
                json!(format!(
                    "https://{location}.azurecontainerapps.dev/subscriptions/{subscription}/resourceGroups/{group_name}/managedEnvironments/{name}/eventstream"
                ))
            });
        let environment = ManagedEnvironment {
            id: Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{group_name}/providers/{ENVIRONMENT_TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(ENVIRONMENT_TYPE.into()),
            location: Some(location.to_string()),
            tags: request.tags.clone(),
            kind: request.kind.clone(),
            properties: Some(Value::Object(properties)),
            system_data: serde_json::from_value(system_data(&ctx.caller, &now)).ok(),
        };
        let created = existing.is_none();
        self.environments.insert(
            &key,
            EnvironmentRecord {
                environment: environment.clone(),
                subscription: subscription.to_string(),
                group: group_name,
                log_analytics_customer_id: log_analytics,
            },
        )?;
        let this = self.clone();
        let operation = self.operations.start(
            json!({"kind": "managedEnvironmentCreate", "environment": environment.id}),
            async move {
                let finished = this.environments.update(&key, |record| {
                    set_provisioning_state(&mut record.environment.properties, "Succeeded");
                    record.environment.clone()
                });
                finished_outcome(finished)
            },
        )?;
        Ok(Provisioning {
            resource: environment,
            created,
            operation,
            location: location.to_string(),
        })
    }

    fn environment_record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<EnvironmentRecord, ArmError> {
        self.resources.record_in_group(
            &self.environments,
            ENVIRONMENT_TYPE,
            subscription,
            group,
            name,
        )
    }

    pub fn get_environment(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<ManagedEnvironment, ArmError> {
        Ok(self
            .environment_record(subscription, group, name)?
            .environment)
    }

    pub fn list_environments(
        &self,
        subscription: &str,
        group: Option<&str>,
    ) -> Result<Vec<(String, ManagedEnvironment)>, ArmError> {
        Ok(self
            .resources
            .records_in_scope(&self.environments, subscription, group, |r| {
                (r.subscription.as_str(), r.group.as_str())
            })?
            .into_iter()
            .map(|(key, r)| (key, r.environment))
            .collect())
    }

    /// `DELETE`: refused while jobs still use the environment, as Azure does.
    pub fn delete_environment(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<Option<Deleting>, ArmError> {
        let record = match self.environment_record(subscription, group, name) {
            Ok(record) => record,
            Err(ArmError::ResourceNotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        let environment_id = record.environment.id.clone().unwrap_or_default();
        if let Some((_, job)) = self.jobs.all().into_iter().find(|(_, job)| {
            job_environment(&job.job).is_some_and(|id| id.eq_ignore_ascii_case(&environment_id))
        }) {
            return Err(ArmError::InvalidValue {
                property: "managedEnvironment".into(),
                value: format!(
                    "{name} is still used by job {}",
                    job.job.name.unwrap_or_default()
                ),
            });
        }
        if let Some((_, app)) = self.container_apps.all().into_iter().find(|(_, app)| {
            app.app
                .properties
                .as_ref()
                .and_then(|p| p.get("managedEnvironmentId"))
                .and_then(Value::as_str)
                .is_some_and(|id| id.eq_ignore_ascii_case(&environment_id))
        }) {
            return Err(ArmError::InvalidValue {
                property: "managedEnvironment".into(),
                value: format!(
                    "{name} is still used by container app {}",
                    app.app.name.unwrap_or_default()
                ),
            });
        }
        let key = scoped_key(subscription, group, name);
        set_provisioning_state_env(&self.environments, &key, "Deleting")?;
        let this = self.clone();
        let operation = self.operations.start(
            json!({"kind": "managedEnvironmentDelete", "environment": environment_id}),
            async move {
                match this.environments.remove(&key) {
                    Ok(_) => Outcome::Response(Value::Null),
                    Err(error) => internal_outcome(&error),
                }
            },
        )?;
        Ok(Some(Deleting {
            operation,
            location: record.environment.location.unwrap_or_default(),
        }))
    }

    // --- jobs ---

    pub fn create_job(
        self: &Arc<Self>,
        ctx: &Ctx,
        subscription: &str,
        group: &str,
        name: &str,
        request: Job,
    ) -> Result<Provisioning<Job>, ArmError> {
        let group_name = self
            .resources
            .group_for_create(subscription, NAMESPACE, group)?;
        if !valid_app_name(name) {
            return Err(ArmError::ContainerAppJobInvalidName(name.to_string()));
        }
        let location = resource_location(JOB_TYPE, request.location.as_deref())?;
        let raw_properties = request
            .properties
            .clone()
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties".into()))?;
        let properties: JobProperties = serde_json::from_value(raw_properties.clone())
            .map_err(|error| ArmError::InvalidRequestContent(error.to_string()))?;
        let environment_id = properties
            .environment_id
            .clone()
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties.environmentId".into()))?;
        self.environment_by_id(&environment_id)?;
        let mut configuration = properties
            .configuration
            .clone()
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties.configuration".into()))?;
        let next_run_ms =
            schedules::normalise_trigger(&mut configuration, self.kit.clock().now_millis())?;
        let timeout = configuration.replica_timeout.ok_or_else(|| {
            ArmError::MissingRequiredProperty("properties.configuration.replicaTimeout".into())
        })?;
        if timeout <= 0 {
            return Err(ArmError::InvalidValue {
                property: "properties.configuration.replicaTimeout".into(),
                value: timeout.to_string(),
            });
        }
        configuration.replica_retry_limit = Some(configuration.replica_retry_limit.unwrap_or(0));
        let template = properties
            .template
            .clone()
            .ok_or_else(|| ArmError::MissingRequiredProperty("properties.template".into()))?;
        let secrets: Vec<Secret> = configuration
            .secrets
            .take()
            .unwrap_or_default()
            .into_iter()
            .map(|s| *s)
            .collect();
        check_template(&template, &secrets)?;
        configuration.secrets = Some(
            secrets
                .iter()
                .map(|s| {
                    Box::new(Secret {
                        name: s.name.clone(),
                        ..Default::default()
                    })
                })
                .collect(),
        );
        let now = self.now();
        let mut stored = match raw_properties {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        stored.insert("provisioningState".into(), json!("InProgress"));
        stored.insert("environmentId".into(), json!(environment_id));
        stored.insert(
            "configuration".into(),
            serde_json::to_value(&configuration).unwrap_or_default(),
        );
        stored.insert(
            "template".into(),
            serde_json::to_value(&template).unwrap_or_default(),
        );
        stored.entry("workloadProfileName").or_insert(Value::Null);
        stored.insert(
            "eventStreamEndpoint".into(),
            json!(format!(
                "https://{location}.azurecontainerapps.dev/subscriptions/{subscription}/resourceGroups/{group_name}/containerApps/{name}/eventstream"
            )),
        );
        let job = Job {
            id: Some(format!(
                "/subscriptions/{subscription}/resourceGroups/{group_name}/providers/{JOB_TYPE}/{name}"
            )),
            name: Some(name.to_string()),
            r#type: Some(JOB_TYPE.into()),
            location: Some(location.to_string()),
            tags: request.tags.clone(),
            identity: request.identity.clone(),
            properties: Some(Value::Object(stored)),
            system_data: serde_json::from_value(system_data(&ctx.caller, &now)).ok(),
        };
        let key = scoped_key(subscription, group, name);
        let previous = self.jobs.insert(
            &key,
            JobRecord {
                job: job.clone(),
                subscription: subscription.to_string(),
                group: group_name,
                secrets,
                next_run_ms,
            },
        )?;
        let this = self.clone();
        let operation =
            self.operations
                .start(json!({"kind": "jobCreate", "job": job.id}), async move {
                    let finished = this.jobs.update(&key, |record| {
                        set_provisioning_state(&mut record.job.properties, "Succeeded");
                        record.job.clone()
                    });
                    finished_outcome(finished)
                })?;
        Ok(Provisioning {
            resource: job,
            created: previous.is_none(),
            operation,
            location: location.to_string(),
        })
    }

    /// The environment an `environmentId` names.
    fn environment_by_id(&self, id: &str) -> Result<EnvironmentRecord, ArmError> {
        let parts: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
        match parts.as_slice() {
            [
                "subscriptions",
                subscription,
                "resourceGroups",
                group,
                "providers",
                namespace,
                kind,
                name,
            ] if namespace.eq_ignore_ascii_case(NAMESPACE)
                && kind.eq_ignore_ascii_case("managedEnvironments") =>
            {
                self.environments
                    .get(&scoped_key(subscription, group, name))
                    .ok_or_else(|| ArmError::ManagedEnvironmentNotFound(id.to_string()))
            }
            _ => Err(ArmError::ManagedEnvironmentNotFound(id.to_string())),
        }
    }

    fn job_record(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<JobRecord, ArmError> {
        self.resources
            .record_in_group(&self.jobs, JOB_TYPE, subscription, group, name)
    }

    pub fn get_job(&self, subscription: &str, group: &str, name: &str) -> Result<Job, ArmError> {
        Ok(self.job_record(subscription, group, name)?.job)
    }

    pub fn list_jobs(
        &self,
        subscription: &str,
        group: Option<&str>,
    ) -> Result<Vec<(String, Job)>, ArmError> {
        Ok(self
            .resources
            .records_in_scope(&self.jobs, subscription, group, |r| {
                (r.subscription.as_str(), r.group.as_str())
            })?
            .into_iter()
            .map(|(key, r)| (key, r.job))
            .collect())
    }

    /// `listSecrets`: names and values.
    pub fn list_secrets(
        &self,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<Vec<Secret>, ArmError> {
        Ok(self.job_record(subscription, group, name)?.secrets)
    }

    /// `DELETE`: stops the job's running executions, then removes it and them.
    pub fn delete_job(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        name: &str,
    ) -> Result<Option<Deleting>, ArmError> {
        let record = match self.job_record(subscription, group, name) {
            Ok(record) => record,
            Err(ArmError::ResourceNotFound { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        let job_key = scoped_key(subscription, group, name);
        self.jobs.update(&job_key, |record| {
            set_provisioning_state(&mut record.job.properties, "Deleting");
        })?;
        let this = self.clone();
        let prefix = format!("{job_key}\0");
        let operation = self.operations.start(
            json!({"kind": "jobDelete", "job": record.job.id}),
            async move {
                this.stop_prefix(&prefix);
                let removed = this
                    .executions
                    .scan_prefix(&prefix)
                    .into_iter()
                    .try_for_each(|(key, _)| this.executions.remove(&key).map(|_| ()))
                    .and_then(|()| this.jobs.remove(&job_key).map(|_| ()));
                match removed {
                    Ok(()) => Outcome::Response(Value::Null),
                    Err(error) => internal_outcome(&error),
                }
            },
        )?;
        Ok(Some(Deleting {
            operation,
            location: record.job.location.unwrap_or_default(),
        }))
    }

    // --- executions ---

    pub fn list_executions(
        &self,
        subscription: &str,
        group: &str,
        job: &str,
    ) -> Result<Vec<(String, JobExecution)>, ArmError> {
        self.job_record(subscription, group, job)?;
        let prefix = format!("{}\0", scoped_key(subscription, group, job));
        let mut executions: Vec<(String, JobExecution)> = self
            .executions
            .scan_prefix(&prefix)
            .into_iter()
            .map(|(_, r)| {
                let start = execution_start(&r.execution);
                (start, r.execution)
            })
            .collect();
        // Newest first, as Azure lists them; the key keeps pages stable.
        executions.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(executions
            .into_iter()
            .enumerate()
            .map(|(index, (_, execution))| (format!("{index:010}"), execution))
            .collect())
    }

    pub fn get_execution(
        &self,
        subscription: &str,
        group: &str,
        job: &str,
        execution: &str,
    ) -> Result<JobExecution, ArmError> {
        self.job_record(subscription, group, job)?;
        self.executions
            .get(&execution_key(subscription, group, job, execution))
            .map(|r| r.execution)
            .ok_or_else(|| ArmError::JobExecutionNotFound(execution.to_string()))
    }

    /// `stop` of one execution: its replicas get SIGTERM and it ends `Stopped`.
    pub fn stop_execution(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        job: &str,
        execution: &str,
    ) -> Result<Deleting, ArmError> {
        let record = self.job_record(subscription, group, job)?;
        let key = execution_key(subscription, group, job, execution);
        if !self.executions.contains(&key) {
            return Err(ArmError::JobExecutionNotFound(execution.to_string()));
        }
        let this = self.clone();
        let operation = self.operations.start(
            json!({"kind": "jobExecutionStop", "execution": execution}),
            async move {
                this.stop_prefix(&key);
                Outcome::Response(Value::Null)
            },
        )?;
        Ok(Deleting {
            operation,
            location: record.job.location.unwrap_or_default(),
        })
    }

    /// `stop` of a job: every running execution.
    pub fn stop_all(
        self: &Arc<Self>,
        subscription: &str,
        group: &str,
        job: &str,
    ) -> Result<Deleting, ArmError> {
        let record = self.job_record(subscription, group, job)?;
        let prefix = format!("{}\0", scoped_key(subscription, group, job));
        let this = self.clone();
        let operation = self.operations.start(
            json!({"kind": "jobStop", "job": record.job.id}),
            async move {
                this.stop_prefix(&prefix);
                Outcome::Response(Value::Null)
            },
        )?;
        Ok(Deleting {
            operation,
            location: record.job.location.unwrap_or_default(),
        })
    }

    /// Marks every execution under `prefix` stopping and stops its replicas.
    fn stop_prefix(&self, prefix: &str) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        for (key, workloads) in running.iter_mut() {
            if key.starts_with(prefix) {
                executions::mark_stopping(&self.executions, key);
                for workload in workloads.iter() {
                    workload.stop(std::time::Duration::from_secs(10));
                }
            }
        }
    }

    fn fail_interrupted_executions(&self) -> Result<(), simkit::store::StoreError> {
        let now = self.now();
        for (key, record) in self.executions.all() {
            if executions::status(&record.execution) == Some("Running") {
                self.executions.update(&key, |record| {
                    executions::set_status(&mut record.execution, "Failed", Some(&now));
                })?;
            }
        }
        Ok(())
    }
}

/// An app template's containers need a name and an image, and every `secretRef` a secret.
fn check_containers(
    containers: &replicas::TemplateContainers,
    secrets: &[Secret],
    at: &str,
) -> Result<(), ArmError> {
    if containers.main.is_empty() {
        return Err(ArmError::MissingRequiredProperty(format!(
            "{at}.containers"
        )));
    }
    let all = containers.main.iter().chain(containers.init.iter());
    for (index, container) in all.enumerate() {
        let name = container.name.clone().ok_or_else(|| {
            ArmError::MissingRequiredProperty(format!("{at}.containers[{index}].name"))
        })?;
        if container.image.as_deref().is_none_or(str::is_empty) {
            return Err(ArmError::MissingRequiredProperty(format!(
                "{at}.containers[{index}].image"
            )));
        }
        for variable in container.env.iter().flatten() {
            if let Some(secret) = &variable.secret_ref
                && !secrets
                    .iter()
                    .any(|s| s.name.as_deref() == Some(secret.as_str()))
            {
                return Err(ArmError::SecretRefNotFound {
                    secret: secret.clone(),
                    container: name.clone(),
                });
            }
        }
    }
    Ok(())
}

/// A template's containers need a name and an image, and every `secretRef` a secret.
fn check_template(template: &JobTemplate, secrets: &[Secret]) -> Result<(), ArmError> {
    let containers = template.containers.as_deref().unwrap_or_default();
    if containers.is_empty() {
        return Err(ArmError::MissingRequiredProperty(
            "properties.template.containers".into(),
        ));
    }
    let init = template.init_containers.as_deref().unwrap_or_default();
    let all = containers
        .iter()
        .map(|c| (c.name.clone(), c.image.clone(), c.env.clone()))
        .chain(
            init.iter()
                .map(|c| (c.name.clone(), c.image.clone(), c.env.clone())),
        );
    for (index, (name, image, env)) in all.enumerate() {
        let container = name.ok_or_else(|| {
            ArmError::MissingRequiredProperty(format!(
                "properties.template.containers[{index}].name"
            ))
        })?;
        if image.as_deref().is_none_or(str::is_empty) {
            return Err(ArmError::MissingRequiredProperty(format!(
                "properties.template.containers[{index}].image"
            )));
        }
        for variable in env.iter().flatten() {
            if let Some(secret) = &variable.secret_ref
                && !secrets
                    .iter()
                    .any(|s| s.name.as_deref() == Some(secret.as_str()))
            {
                return Err(ArmError::SecretRefNotFound {
                    secret: secret.clone(),
                    container: container.clone(),
                });
            }
        }
    }
    Ok(())
}

fn job_environment(job: &Job) -> Option<String> {
    job.properties
        .as_ref()?
        .get("environmentId")?
        .as_str()
        .map(str::to_string)
}

fn provisioning_state(job: &Job) -> Option<&str> {
    job.properties.as_ref()?.get("provisioningState")?.as_str()
}

/// A stored job's `properties.configuration`.
fn job_configuration(job: &Job) -> JobConfiguration {
    job.properties
        .as_ref()
        .and_then(|p| p.get("configuration"))
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default()
}

fn execution_start(execution: &JobExecution) -> String {
    execution
        .properties
        .as_ref()
        .and_then(|p| p.get("startTime"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn set_provisioning_state(properties: &mut Option<Value>, state: &str) {
    if let Some(Value::Object(map)) = properties.as_mut() {
        map.insert("provisioningState".into(), json!(state));
    }
}

fn set_provisioning_state_env(
    environments: &Collection<EnvironmentRecord>,
    key: &str,
    state: &str,
) -> Result<(), ArmError> {
    environments.update(key, |record| {
        set_provisioning_state(&mut record.environment.properties, state);
    })?;
    Ok(())
}

fn finished_outcome<T: Serialize>(
    finished: Result<Option<T>, simkit::store::StoreError>,
) -> Outcome {
    match finished {
        Ok(Some(resource)) => Outcome::Response(serde_json::to_value(resource).unwrap_or_default()),
        // Deleted while it was being created: the operation still finished.
        Ok(None) => Outcome::Response(Value::Null),
        Err(error) => internal_outcome(&error),
    }
}

fn internal_outcome(error: &simkit::store::StoreError) -> Outcome {
    tracing::error!(%error, "a Container Apps operation could not write its record");
    Outcome::Error {
        code: "InternalServerError".into(),
        message: "The operation failed with an internal error.".into(),
    }
}

impl ResourceProvider for ContainerApps {
    fn namespace(&self) -> &'static str {
        NAMESPACE
    }

    fn resources_in_group(&self, subscription: &str, group: &str) -> Vec<GenericResourceExpanded> {
        let environments = self
            .environments
            .all()
            .into_iter()
            .filter(|(_, r)| in_scope(&r.subscription, &r.group, subscription, Some(group)))
            .map(|(_, r)| {
                let e = r.environment;
                GenericResourceExpanded {
                    id: e.id,
                    name: e.name,
                    r#type: e.r#type,
                    location: e.location,
                    tags: e.tags,
                    ..Default::default()
                }
            });
        let jobs = self
            .jobs
            .all()
            .into_iter()
            .filter(|(_, r)| in_scope(&r.subscription, &r.group, subscription, Some(group)))
            .map(|(_, r)| {
                let j = r.job;
                GenericResourceExpanded {
                    id: j.id,
                    name: j.name,
                    r#type: j.r#type,
                    location: j.location,
                    tags: j.tags,
                    ..Default::default()
                }
            });
        let apps = self
            .container_apps
            .all()
            .into_iter()
            .filter(|(_, r)| in_scope(&r.subscription, &r.group, subscription, Some(group)))
            .map(|(_, r)| {
                let a = r.app;
                GenericResourceExpanded {
                    id: a.id,
                    name: a.name,
                    r#type: a.r#type,
                    location: a.location,
                    tags: a.tags,
                    ..Default::default()
                }
            });
        environments.chain(jobs).chain(apps).collect()
    }

    fn delete_group_contents(&self, subscription: &str, group: &str) -> Result<(), ArmError> {
        let prefix = super::resources::group_prefix(subscription, group);
        self.stop_prefix(&prefix);
        for (key, _) in self.executions.scan_prefix(&prefix) {
            self.executions.remove(&key)?;
        }
        for (key, _) in self.jobs.scan_prefix(&prefix) {
            self.jobs.remove(&key)?;
        }
        for (key, _) in self.revisions.scan_prefix(&prefix) {
            self.stop_replica_now(&key);
            self.revisions.remove(&key)?;
        }
        for (key, _) in self.container_apps.scan_prefix(&prefix) {
            self.container_apps.remove(&key)?;
        }
        for (key, _) in self.environments.scan_prefix(&prefix) {
            self.environments.remove(&key)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_follow_azure_rules() {
        for good in ["ab", "job-1", "a1b2", &"a".repeat(32)] {
            assert!(valid_app_name(good), "{good}");
        }
        for bad in [
            "a",
            "1job",
            "Job",
            "job-",
            "jo--b",
            "job_1",
            &"a".repeat(33),
        ] {
            assert!(!valid_app_name(bad), "{bad}");
        }
    }
}
