//! Amazon Elastic Container Service: clusters, capacity providers, task definitions, tasks that
//! really run, services that keep their desired count (with deployments, revisions and task
//! sets), container instances and what their agent reports, account settings, daemons, and tags.
//!
//! Handlers take and return the generated shapes of `sim_aws_shapes::ecs`, and records store
//! them as they are, so every member a client writes reads back exactly as written.
//!
//! | module | holds |
//! |---|---|
//! | `api` | the `impl Api` table: one delegating line per operation |
//! | `clusters` | clusters, their settings and statistics |
//! | `capacity_providers` | capacity providers (FARGATE and FARGATE_SPOT built in) and strategies |
//! | `container_instances` | container instances, their attributes and draining |
//! | `agent` | what the container agent calls: poll endpoint, state changes, agent updates |
//! | `account_settings` | account settings per principal, defaults and effective values |
//! | `task_definitions` | families and revisions |
//! | `tasks` | RunTask, StartTask, DescribeTasks, ListTasks, StopTask, ExecuteCommand |
//! | `protection` | task scale-in protection |
//! | `lifecycle` | running a task: containers through `simkit::runner`, states, awslogs |
//! | `services` | CreateService, UpdateService, DeleteService, DescribeServices, ListServices |
//! | `scheduler` | what keeps a service at its desired state: deployments, task sets, daemons |
//! | `deployments` | service deployments and service revisions |
//! | `task_sets` | task sets of services with the EXTERNAL deployment controller |
//! | `daemons` | daemon task definitions and daemons |
//! | `express` | Express gateway services |
//! | `metadata` | what the task metadata and credentials endpoints answer |
//! | `tags` | TagResource, UntagResource, ListTagsForResource |
//! | `names` | ECS's name rules and the quotas its API enforces |
//! | `volumes` | a task's volumes as directories (EFS file systems, host and Docker volumes) |
//! | `networking` | awsvpc tasks' network interfaces (from EC2) and Cloud Map registrations |
//!
//! How a task runs, and its limits (stated openly):
//! - Every essential and non-essential container's `entryPoint` + `command` runs as a host
//!   process through the kit's runner (the image's files are not unpacked; see simkit's
//!   `runner::process`). A container with neither runs until the task is stopped, because the
//!   image's default command is unknown without a registry; it then reports exit code 143.
//! - Status goes PROVISIONING → PENDING → RUNNING → DEPROVISIONING → STOPPED, with the real
//!   times of each step; exit codes are the processes' own; `stopCode` is
//!   `EssentialContainerExited`, `UserInitiated`, `ServiceSchedulerInitiated` or
//!   `TaskFailedToStart` (a command that cannot be executed, a missing awslogs group).
//! - Each container sees `ECS_CONTAINER_METADATA_URI_V4` (and v3), served by the simulator with
//!   the task's live status; with a task role, `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` served at
//!   `/v2/credentials/ID`. Because SDKs resolve that relative URI against 169.254.170.2, which a
//!   host process cannot reach, the task role's temporary credentials are also set as
//!   `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, with `AWS_ENDPOINT_URL`, so
//!   code in a task calls the simulator back as its role.
//! - The EC2 launch type runs without registered container instances, as if the cluster had
//!   capacity; with registered instances, tasks are placed on the ACTIVE ones in turn.
//! - Container `secrets` are read from Secrets Manager and SSM Parameter Store when the task
//!   starts (see [`secrets`]); one that cannot be read fails the task with ECS's
//!   `ResourceInitializationError`. `environmentFiles` need S3, which is not simulated yet.
//! - ECS Exec needs an SSM session the simulator cannot open: ExecuteCommand answers the errors
//!   ECS gives when exec is not enabled for a task, or its agent is not connected.

mod account_settings;
mod agent;
mod api;
mod bridge;
mod capacity_providers;
mod clusters;
mod container_instances;
mod daemons;
mod deployments;
mod express;
mod lifecycle;
pub mod metadata;
mod names;
mod networking;
mod ports;
mod protection;
mod resources;
mod scheduler;
pub mod secrets;
mod services;
mod tags;
mod task_definitions;
mod task_sets;
mod tasks;
mod volumes;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use sim_aws_shapes::normal::Unimplemented;
use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::ec2::Ec2;
use super::efs::Efs;
use super::logs::Logs;
use super::servicediscovery::CloudMap;
use super::sts::Sts;
use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

pub use lifecycle::TaskRuntime;

/// A Describe* entry ECS could not find: `MISSING`, naming what was asked for.
fn missing(arn: String) -> sim_aws_shapes::ecs::Failure {
    sim_aws_shapes::ecs::Failure {
        arn: Some(arn),
        reason: Some("MISSING".into()),
        detail: None,
    }
}

/// What a Describe* of several resources answers: those `find` finds, in the order asked, and
/// a `MISSING` failure for each other one.
fn describe_each<T>(
    requested: Vec<String>,
    mut find: impl FnMut(&str) -> Option<T>,
) -> (Vec<T>, Vec<sim_aws_shapes::ecs::Failure>) {
    let mut found = Vec::new();
    let mut failures = Vec::new();
    for arn in requested {
        match find(&arn) {
            Some(item) => found.push(item),
            None => failures.push(missing(arn)),
        }
    }
    (found, failures)
}

/// ECS's documented errors: one variant per error shape its operations answer.
#[derive(Debug, thiserror::Error)]
pub enum EcsError {
    #[error(transparent)]
    Unimplemented(#[from] Unimplemented),
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    AttributeLimitExceeded(String),
    #[error("{0}")]
    Client(String),
    #[error("{0}")]
    ClusterContainsCapacityProvider(String),
    #[error("{0}")]
    ClusterContainsContainerInstances(String),
    #[error("{0}")]
    ClusterContainsServices(String),
    #[error("{0}")]
    ClusterContainsTasks(String),
    #[error("{0}")]
    ClusterNotFound(String),
    #[error("{message}")]
    Conflict {
        message: String,
        resource_ids: Vec<String>,
    },
    #[error("{0}")]
    DaemonNotActive(String),
    #[error("{0}")]
    DaemonNotFound(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    MissingVersion(String),
    #[error("{0}")]
    NamespaceNotFound(String),
    #[error("{0}")]
    NoUpdateAvailable(String),
    #[error("{0}")]
    PlatformTaskDefinitionIncompatibility(String),
    #[error("{0}")]
    PlatformUnknown(String),
    #[error("{0}")]
    ResourceInUse(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    Server(String),
    #[error("{0}")]
    ServiceDeploymentNotFound(String),
    #[error("{0}")]
    ServiceNotActive(String),
    #[error("{0}")]
    ServiceNotFound(String),
    #[error("{0}")]
    TargetNotConnected(String),
    #[error("{0}")]
    TargetNotFound(String),
    #[error("{0}")]
    TaskSetNotFound(String),
    #[error("{0}")]
    UnsupportedFeature(String),
    #[error("{0}")]
    UpdateInProgress(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<EcsError> for AwsError {
    fn from(error: EcsError) -> Self {
        let shape = match &error {
            EcsError::Unimplemented(unimplemented) => return (*unimplemented).into(),
            EcsError::Store(_) => return AwsError::internal(),
            EcsError::Conflict {
                message,
                resource_ids,
            } => {
                return AwsError::new("ConflictException", message.clone())
                    .field("resourceIds", resource_ids.clone());
            }
            EcsError::AccessDenied(_) => "AccessDeniedException",
            EcsError::AttributeLimitExceeded(_) => "AttributeLimitExceededException",
            EcsError::Client(_) => "ClientException",
            EcsError::ClusterContainsCapacityProvider(_) => {
                "ClusterContainsCapacityProviderException"
            }
            EcsError::ClusterContainsContainerInstances(_) => {
                "ClusterContainsContainerInstancesException"
            }
            EcsError::ClusterContainsServices(_) => "ClusterContainsServicesException",
            EcsError::ClusterContainsTasks(_) => "ClusterContainsTasksException",
            EcsError::ClusterNotFound(_) => "ClusterNotFoundException",
            EcsError::DaemonNotActive(_) => "DaemonNotActiveException",
            EcsError::DaemonNotFound(_) => "DaemonNotFoundException",
            EcsError::InvalidParameter(_) => "InvalidParameterException",
            EcsError::LimitExceeded(_) => "LimitExceededException",
            EcsError::MissingVersion(_) => "MissingVersionException",
            EcsError::NamespaceNotFound(_) => "NamespaceNotFoundException",
            EcsError::NoUpdateAvailable(_) => "NoUpdateAvailableException",
            EcsError::PlatformTaskDefinitionIncompatibility(_) => {
                "PlatformTaskDefinitionIncompatibilityException"
            }
            EcsError::PlatformUnknown(_) => "PlatformUnknownException",
            EcsError::ResourceInUse(_) => "ResourceInUseException",
            EcsError::ResourceNotFound(_) => "ResourceNotFoundException",
            EcsError::Server(_) => "ServerException",
            EcsError::ServiceDeploymentNotFound(_) => "ServiceDeploymentNotFoundException",
            EcsError::ServiceNotActive(_) => "ServiceNotActiveException",
            EcsError::ServiceNotFound(_) => "ServiceNotFoundException",
            EcsError::TargetNotConnected(_) => "TargetNotConnectedException",
            EcsError::TargetNotFound(_) => "TargetNotFoundException",
            EcsError::TaskSetNotFound(_) => "TaskSetNotFoundException",
            EcsError::UnsupportedFeature(_) => "UnsupportedFeatureException",
            EcsError::UpdateInProgress(_) => "UpdateInProgressException",
        };
        AwsError::new(shape, error.to_string())
    }
}

impl EcsError {
    /// ECS's answer for a cluster that does not exist or is no longer active.
    pub(crate) fn cluster_not_found() -> Self {
        EcsError::ClusterNotFound("Cluster not found.".into())
    }

    pub(crate) fn service_not_found() -> Self {
        EcsError::ServiceNotFound("Service not found.".into())
    }
}

/// The cluster named when a request names none.
pub const DEFAULT_CLUSTER: &str = "default";

pub struct Ecs {
    kit: Kit,
    logs: Arc<Logs>,
    sts: Arc<Sts>,
    /// Where awsvpc tasks get their network interfaces.
    ec2: Arc<Ec2>,
    /// Where services' tasks are registered (`serviceRegistries`).
    cloud_map: Arc<CloudMap>,
    /// Whose file systems `efsVolumeConfiguration` volumes mount.
    efs: Arc<Efs>,
    this: Weak<Ecs>,
    clusters: Arc<Collection<clusters::ClusterRecord>>,
    instances: Arc<Collection<container_instances::InstanceRecord>>,
    definitions: Arc<Collection<task_definitions::DefinitionRecord>>,
    /// The last revision number given out in each task definition family.
    families: Arc<Collection<i64>>,
    tasks: Arc<Collection<tasks::TaskRecord>>,
    services: Arc<Collection<services::ServiceRecord>>,
    capacity_providers: Arc<Collection<capacity_providers::CapacityProviderRecord>>,
    settings: Arc<Collection<account_settings::SettingRecord>>,
    service_deployments: Arc<Collection<deployments::ServiceDeploymentRecord>>,
    service_revisions: Arc<Collection<deployments::ServiceRevisionRecord>>,
    daemon_definitions: Arc<Collection<daemons::DaemonDefinitionRecord>>,
    daemon_families: Arc<Collection<i64>>,
    daemons: Arc<Collection<daemons::DaemonRecord>>,
    /// What only lives while the simulator runs: workload handles, stop signals, metadata
    /// tokens and credentials of running tasks.
    runtime: Mutex<HashMap<String, TaskRuntime>>,
    /// Metadata token → (task key, container name).
    metadata_tokens: Mutex<HashMap<String, (String, String)>>,
    /// Credentials ID → (access key ID, task role ARN).
    credential_ids: Mutex<HashMap<String, (String, String)>>,
    /// Serialises the service scheduler, so two reconciliations never launch the same task.
    scheduler: tokio::sync::Mutex<()>,
    /// The simulator's own URL, for the endpoints tasks call back.
    endpoint: OnceLock<String>,
    /// Set when the simulator shuts down: the scheduler starts nothing new.
    shutting_down: std::sync::atomic::AtomicBool,
    /// Told whenever a task's lifecycle ends.
    lifecycle_ended: tokio::sync::Notify,
    /// Where container `secrets` are read from (see [`secrets`]).
    secret_sources: OnceLock<secrets::SecretSources>,
    /// Where task containers' images are found (ECR, and the upstream the kit's registry pulls
    /// through), for runners that run images.
    image_finder: OnceLock<ImageFinder>,
}

/// Finds a task container's image: the image, or why it cannot be had (the tail of
/// `CannotPullContainerError`).
pub type ImageFinder = Arc<dyn Fn(String) -> FoundImage + Send + Sync>;

/// What an [`ImageFinder`] answers, once any pull is done.
pub type FoundImage = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<simkit::runner::LocatedImage, String>> + Send>,
>;

/// Finds an image by its reference, or says why it cannot be had (the tail of
/// `CannotPullContainerError`).
pub type ImageLocator =
    Arc<dyn Fn(&str) -> Result<simkit::runner::LocatedImage, String> + Send + Sync>;

impl Ecs {
    pub fn new(
        kit: Kit,
        logs: Arc<Logs>,
        sts: Arc<Sts>,
        ec2: Arc<Ec2>,
        cloud_map: Arc<CloudMap>,
        efs: Arc<Efs>,
    ) -> Result<Arc<Self>, StoreError> {
        let store = kit.store().clone();
        // Records are the generated shapes; the `.v2` collections hold them (the hand-written
        // records of earlier versions lived in the unsuffixed ones and are left alone).
        let clusters = store.collection("ecs.clusters.v2")?;
        let instances = store.collection("ecs.container-instances.v2")?;
        let definitions = store.collection("ecs.task-definitions.v2")?;
        let families = store.collection("ecs.families.v2")?;
        let tasks = store.collection("ecs.tasks.v2")?;
        let services = store.collection("ecs.services.v2")?;
        let capacity_providers = store.collection("ecs.capacity-providers")?;
        let settings = store.collection("ecs.account-settings")?;
        let service_deployments = store.collection("ecs.service-deployments")?;
        let service_revisions = store.collection("ecs.service-revisions")?;
        let daemon_definitions = store.collection("ecs.daemon-task-definitions")?;
        let daemon_families = store.collection("ecs.daemon-families")?;
        let daemons = store.collection("ecs.daemons")?;
        let ecs = Arc::new_cyclic(|this| Self {
            kit: kit.clone(),
            logs,
            sts,
            ec2,
            cloud_map,
            efs,
            this: this.clone(),
            clusters,
            instances,
            definitions,
            families,
            tasks,
            services,
            capacity_providers,
            settings,
            service_deployments,
            service_revisions,
            daemon_definitions,
            daemon_families,
            daemons,
            runtime: Mutex::default(),
            metadata_tokens: Mutex::default(),
            credential_ids: Mutex::default(),
            scheduler: tokio::sync::Mutex::new(()),
            endpoint: OnceLock::new(),
            shutting_down: std::sync::atomic::AtomicBool::new(false),
            secret_sources: OnceLock::new(),
            image_finder: OnceLock::new(),
            lifecycle_ended: tokio::sync::Notify::new(),
        });
        ecs.abandon_tasks_of_a_previous_run()?;
        let weak = Arc::downgrade(&ecs);
        kit.on_reset(move || {
            if let Some(ecs) = weak.upgrade() {
                ecs.kill_everything();
            }
        });
        let weak = Arc::downgrade(&ecs);
        kit.on_shutdown(move || {
            let ecs = weak.upgrade();
            async move {
                if let Some(ecs) = ecs {
                    ecs.stop_every_task().await;
                }
            }
        });
        Ok(ecs)
    }

    /// Tells ECS where the simulator listens, once it does.
    pub fn set_endpoint(&self, url: &str) {
        let _ = self.endpoint.set(url.trim_end_matches('/').to_string());
    }

    fn endpoint(&self) -> String {
        self.endpoint
            .get()
            .cloned()
            .unwrap_or_else(|| "http://127.0.0.1:4566".into())
    }

    fn arc(&self) -> Option<Arc<Ecs>> {
        self.this.upgrade()
    }

    fn now(&self) -> i64 {
        self.kit.clock().now_millis()
    }

    fn timestamp(&self) -> sim_aws_shapes::normal::Timestamp {
        sim_aws_shapes::normal::Timestamp::from_millis(self.now())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The last segment of an ARN or a plain name: `arn:aws:ecs:r:a:cluster/web` → `web`.
pub(crate) fn name_of(name_or_arn: &str) -> &str {
    if name_or_arn.starts_with("arn:") {
        name_or_arn.rsplit('/').next().unwrap_or(name_or_arn)
    } else {
        name_or_arn
    }
}

/// One page of a listing, with ECS's bounds on `maxResults` (1 to `limit`) and its answer to a
/// token it did not make.
pub(crate) fn page<T>(
    items: Vec<(String, T)>,
    next_token: Option<&str>,
    max_results: Option<i32>,
    limit: usize,
) -> Result<(Vec<T>, Option<String>), EcsError> {
    let size = match max_results {
        Some(n) if n < 1 || n as usize > limit => {
            return Err(EcsError::InvalidParameter(format!(
                "maxResults must be between 1 and {limit}."
            )));
        }
        Some(n) => n as usize,
        None => limit,
    };
    let page = super::paging::page(items, next_token, size)
        .map_err(|_| EcsError::InvalidParameter("Invalid nextToken".into()))?;
    Ok((page.items, page.next))
}

/// Tags as a request gave them: absent means none.
pub(crate) fn tags_or_empty(
    tags: Option<Vec<sim_aws_shapes::ecs::Tag>>,
) -> Vec<sim_aws_shapes::ecs::Tag> {
    tags.unwrap_or_default()
}

/// Converts between two generated shapes with the same members (a request's configuration and
/// the record's). A failure means the two shapes disagree: our bug, logged.
pub(crate) fn reshape<A, B>(value: A) -> Result<B, EcsError>
where
    A: sim_aws_shapes::normal::ToNormal,
    B: sim_aws_shapes::normal::FromNormal,
{
    B::from_normal(value.into_normal()).map_err(|error| {
        tracing::error!(%error, "two shapes thought alike are not");
        EcsError::Server("The request could not be processed.".into())
    })
}

#[async_trait::async_trait]
impl Service for Ecs {
    fn model(&self) -> &'static Model {
        model::ecs()
    }

    fn validation(&self) -> Validation {
        Validation::standard("InvalidParameterException")
    }

    async fn call(
        &self,
        ctx: &Ctx,
        operation: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, AwsError> {
        super::dispatched(
            "ecs",
            operation,
            sim_aws_shapes::ecs::dispatch(self, ctx, operation, input).await,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_return_every_item_once() {
        let items: Vec<(String, u32)> = (0..7).map(|i| (format!("k{i}"), i)).collect();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (batch, next) = page(items.clone(), token.as_deref(), Some(3), 100).unwrap();
            seen.extend(batch);
            match next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
        assert!(page(items.clone(), Some("%%%"), None, 100).is_err());
        assert!(page(items, None, Some(0), 100).is_err());
    }

    #[test]
    fn names_from_arns() {
        assert_eq!(
            name_of("arn:aws:ecs:us-east-1:123456789012:cluster/web"),
            "web"
        );
        assert_eq!(name_of("web"), "web");
    }
}
