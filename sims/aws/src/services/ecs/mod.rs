//! Amazon Elastic Container Service: clusters, task definitions, tasks that really run,
//! services that keep their desired count, container instances, and tags.
//!
//! | module | holds |
//! |---|---|
//! | [`types`] | the shapes handlers take and return |
//! | `clusters` | clusters and container instances |
//! | `task_definitions` | families and revisions |
//! | `tasks` | RunTask, StartTask, DescribeTasks, ListTasks, StopTask |
//! | `lifecycle` | running a task: containers through `simkit::runner`, states, awslogs |
//! | `services` | services and the scheduler that keeps their desired count |
//! | `metadata` | what the task metadata and credentials endpoints answer |
//! | `tags` | TagResource, UntagResource, ListTagsForResource |
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
//!   capacity; with registered instances, tasks are placed on them in turn.
//! - `secrets` and `environmentFiles` need Secrets Manager, SSM and S3, which are not simulated
//!   yet: such a task fails to start with `ResourceInitializationError`, as ECS reports an
//!   unreachable secret.

mod clusters;
mod lifecycle;
pub mod metadata;
mod names;
mod services;
mod tags;
mod task_definitions;
mod tasks;
pub mod types;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use simkit::Kit;
use simkit::store::{Collection, StoreError};

use super::logs::Logs;
use super::sts::Sts;
use super::{Ctx, Service};
use crate::error::AwsError;
use crate::model::{self, Model};
use crate::protocol::shape::Validation;

pub use lifecycle::TaskRuntime;

/// ECS's documented errors.
#[derive(Debug, thiserror::Error)]
pub enum EcsError {
    #[error("{0}")]
    ClusterNotFound(String),
    #[error("{0}")]
    ClusterContainsTasks(String),
    #[error("{0}")]
    ClusterContainsServices(String),
    #[error("{0}")]
    ClusterContainsContainerInstances(String),
    #[error("{0}")]
    ServiceNotFound(String),
    #[error("{0}")]
    ServiceNotActive(String),
    #[error("{0}")]
    Client(String),
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    Server(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<EcsError> for AwsError {
    fn from(error: EcsError) -> Self {
        let shape = match &error {
            EcsError::ClusterNotFound(_) => "ClusterNotFoundException",
            EcsError::ClusterContainsTasks(_) => "ClusterContainsTasksException",
            EcsError::ClusterContainsServices(_) => "ClusterContainsServicesException",
            EcsError::ClusterContainsContainerInstances(_) => {
                "ClusterContainsContainerInstancesException"
            }
            EcsError::ServiceNotFound(_) => "ServiceNotFoundException",
            EcsError::ServiceNotActive(_) => "ServiceNotActiveException",
            EcsError::Client(_) => "ClientException",
            EcsError::InvalidParameter(_) => "InvalidParameterException",
            EcsError::ResourceNotFound(_) => "ResourceNotFoundException",
            EcsError::Server(_) => "ServerException",
            EcsError::Store(_) => return AwsError::internal(),
        };
        AwsError::new(shape, error.to_string())
    }
}

/// The cluster named when a request names none.
pub const DEFAULT_CLUSTER: &str = "default";

pub struct Ecs {
    kit: Kit,
    logs: Arc<Logs>,
    sts: Arc<Sts>,
    this: Weak<Ecs>,
    clusters: Arc<Collection<clusters::ClusterRecord>>,
    instances: Arc<Collection<clusters::InstanceRecord>>,
    definitions: Arc<Collection<task_definitions::DefinitionRecord>>,
    families: Arc<Collection<i64>>,
    tasks: Arc<Collection<tasks::TaskRecord>>,
    services: Arc<Collection<services::ServiceRecord>>,
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
}

impl Ecs {
    pub fn new(kit: Kit, logs: Arc<Logs>, sts: Arc<Sts>) -> Result<Arc<Self>, StoreError> {
        let store = kit.store().clone();
        let clusters = store.collection("ecs.clusters")?;
        let instances = store.collection("ecs.container-instances")?;
        let definitions = store.collection("ecs.task-definitions")?;
        let families = store.collection("ecs.families")?;
        let tasks = store.collection("ecs.tasks")?;
        let services = store.collection("ecs.services")?;
        let ecs = Arc::new_cyclic(|this| Self {
            kit: kit.clone(),
            logs,
            sts,
            this: this.clone(),
            clusters,
            instances,
            definitions,
            families,
            tasks,
            services,
            runtime: Mutex::default(),
            metadata_tokens: Mutex::default(),
            credential_ids: Mutex::default(),
            scheduler: tokio::sync::Mutex::new(()),
            endpoint: OnceLock::new(),
            shutting_down: std::sync::atomic::AtomicBool::new(false),
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

/// Pagination tokens: the key of the last item returned, base64-encoded, so a token survives a
/// restart and every item is returned exactly once.
pub(crate) fn page<T>(
    items: Vec<(String, T)>,
    next_token: Option<&str>,
    max_results: Option<i64>,
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
        crate::operations!("ecs", self, ctx, operation, input;
            "CreateCluster" => create_cluster,
            "DescribeClusters" => describe_clusters,
            "ListClusters" => list_clusters,
            "DeleteCluster" => delete_cluster,
            "RegisterContainerInstance" => register_container_instance,
            "DeregisterContainerInstance" => deregister_container_instance,
            "ListContainerInstances" => list_container_instances,
            "DescribeContainerInstances" => describe_container_instances,
            "RegisterTaskDefinition" => register_task_definition,
            "DescribeTaskDefinition" => describe_task_definition,
            "DeregisterTaskDefinition" => deregister_task_definition,
            "DeleteTaskDefinitions" => delete_task_definitions,
            "ListTaskDefinitions" => list_task_definitions,
            "ListTaskDefinitionFamilies" => list_task_definition_families,
            "RunTask" => run_task,
            "StartTask" => start_task,
            "DescribeTasks" => describe_tasks,
            "ListTasks" => list_tasks,
            "StopTask" => stop_task,
            "CreateService" => create_service,
            "DescribeServices" => describe_services,
            "UpdateService" => update_service,
            "DeleteService" => delete_service,
            "ListServices" => list_services,
            "TagResource" => tag_resource,
            "UntagResource" => untag_resource,
            "ListTagsForResource" => list_tags_for_resource,
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
